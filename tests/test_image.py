"""The real Docker image, built from the Dockerfile and run through docker-compose.yml.

Uses docker-offline (`<repo>/../shared/tools/docker-offline`): it starts a dockerd when it can
(root), builds local stand-ins for the base images, builds the image as compose tags it
(`megabox-watch:local`) and runs compose with host networking. Without an engine every test
here skips with a reason starting "NO DOCKER ENGINE" (shown by `-ra`). Run with `-s` to see
the image size.

The compose file requires an env file; tests point it at a dummy one through MEGABOX_ENV_FILE
(no `.env` is created in the repository) and use their own compose project name, so a real
deployment's volume on the same host is never touched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCKER_OFFLINE = REPO.parent / "shared" / "tools" / "docker-offline"
IMAGE = "megabox-watch:local"
SERVICE = "bot"
PROJECT = "megabox-watch-test"
UID = 10001

pytestmark = [
    pytest.mark.docker,
    # the first test pays for `setup` (~50 s on a fresh machine) and `build`
    pytest.mark.timeout(900),
]

DUMMY_ENV = """\
DISCORD_TOKEN=test-dummy-token
ALERT_CHANNEL_ID=111111111111111111
STATUS_CHANNEL_ID=222222222222222222
LOG_LEVEL=DEBUG
"""


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


@dataclass
class Engine:
    """docker-offline and docker, with the test's environment."""

    env: dict[str, str]
    env_file: Path

    def run(
        self, args: Sequence[str], *, timeout: float, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        try:
            proc = subprocess.run(
                list(args),
                cwd=REPO,
                env=self.env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            pytest.fail(f"{' '.join(args)} timed out after {timeout:.0f}s: {exc.output!r}")
        if check and proc.returncode != 0:
            pytest.fail(
                f"{' '.join(args)} exited {proc.returncode}\n"
                f"--- stdout\n{_tail(proc.stdout)}\n--- stderr\n{_tail(proc.stderr)}"
            )
        return proc

    def tool(self, *args: str, timeout: float = 120, check: bool = True) -> str:
        return self.run([str(DOCKER_OFFLINE), *args], timeout=timeout, check=check).stdout

    def compose(self, *args: str, timeout: float = 120) -> str:
        """`docker compose ARGS` (host-network override by docker-offline); stdout."""
        return self.tool("compose", *args, timeout=timeout)

    def inspect(self) -> dict[str, Any]:
        out = self.run(["docker", "image", "inspect", IMAGE], timeout=30).stdout
        data: list[dict[str, Any]] = json.loads(out)
        return data[0]


def _engine_answers(env: dict[str, str]) -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        proc = subprocess.run(
            ["docker", "info"],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=30,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return False
    return proc.returncode == 0


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """An engine with the image built (setup + build), or a loud skip if none can start."""
    env_file = tmp_path_factory.mktemp("image") / "test.env"
    env_file.write_text(DUMMY_ENV, encoding="utf-8")
    env = {
        **os.environ,
        "MEGABOX_ENV_FILE": str(env_file),
        "COMPOSE_PROJECT_NAME": PROJECT,
    }
    if not DOCKER_OFFLINE.is_file():
        pytest.skip(f"NO DOCKER ENGINE: docker-offline not found at {DOCKER_OFFLINE}")
    if os.geteuid() != 0 and not _engine_answers(env):
        pytest.skip("NO DOCKER ENGINE: not root (cannot start dockerd) and no engine answers")

    eng = Engine(env=env, env_file=env_file)
    setup = eng.run([str(DOCKER_OFFLINE), "setup"], timeout=600, check=False)
    if setup.returncode != 0:
        why = (
            f"docker-offline setup exited {setup.returncode}:\n{_tail(setup.stderr + setup.stdout)}"
        )
        if not _engine_answers(env):
            pytest.skip(f"NO DOCKER ENGINE: {why}")
        pytest.fail(why)  # an engine runs, so the project's images are the problem
    eng.tool("build", timeout=600)
    try:
        yield eng
    finally:
        # the test project's containers and its volume, never a real deployment's
        eng.tool("down", "-v", "--remove-orphans", timeout=120, check=False)


def test_image_metadata(engine: Engine) -> None:
    info = engine.inspect()
    config = info["Config"]

    user = config.get("User") or ""
    uid, _, gid = user.partition(":")
    assert uid.isdigit(), f"USER must be numeric (uid[:gid]), got {user!r}"
    assert int(uid) != 0, "the image must not run as root"
    assert not gid or gid.isdigit(), f"USER group must be numeric, got {user!r}"

    assert config["Entrypoint"] == ["python", "-m", "bot"], "exec-form ENTRYPOINT"
    assert not config.get("Cmd"), f"CMD should be empty (run the bot), got {config.get('Cmd')}"

    health = config.get("Healthcheck") or {}
    assert health.get("Test") == ["CMD", "python", "-m", "bot", "healthcheck"]
    assert health.get("Interval") == 30 * 10**9
    assert health.get("Timeout") == 10 * 10**9
    assert health.get("StartPeriod") == 60 * 10**9
    assert health.get("Retries") == 3

    env = dict(item.split("=", 1) for item in config.get("Env") or [])
    assert env["DATABASE_URL"] == "sqlite+aiosqlite:////data/megabox-watch.db"
    assert env["HEARTBEAT_FILE"] == "/tmp/megabox-watch.heartbeat"
    assert env["TZ"] == "Asia/Seoul"
    assert env["PYTHONUNBUFFERED"] == "1"
    assert env["PATH"].startswith("/app/.venv/bin:")

    labels = config.get("Labels") or {}
    assert labels.get("org.opencontainers.image.title") == "megabox-watch"

    size_mb = info["Size"] / 1_000_000
    print(
        f"\n[image] {IMAGE}: {size_mb:.0f} MB, user {user}, {len(info['RootFS']['Layers'])} layers"
    )


def test_image_contains_only_the_app(engine: Engine) -> None:
    top = engine.compose("run", "--rm", "--entrypoint", "ls", SERVICE, "-A", "/app").split()
    assert sorted(top) == [".venv", "bot", "cogs"], f"/app holds {top}"

    found = engine.compose(
        "run", "--rm", "--entrypoint", "find", SERVICE,
        "/app", "/data", "-path", "/app/.venv", "-prune", "-o",
        "(", "-name", ".env*", "-o", "-name", "tests", "-o", "-name", "*.db", ")", "-print",
    ).split()  # fmt: skip
    assert found == [], f"must not be in the image: {found}"


RUNTIME_PROBE = """
import os, sys, time, importlib
assert os.getuid() == int(sys.argv[1]) and os.getgid() == int(sys.argv[1]), (os.getuid(), os.getgid())
assert sys.prefix == "/app/.venv", sys.prefix
for name in ("discord", "aiohttp", "apscheduler", "pydantic_settings", "sqlalchemy", "aiosqlite",
             "alembic", "tenacity", "aiolimiter", "tzdata"):
    importlib.import_module(name)
assert time.strftime("%Z") == "KST", time.strftime("%Z")
open("/data/probe", "w").write("ok")      # the named volume: writable by the bot's user
os.remove("/data/probe")
open("/tmp/probe", "w").write("ok")       # tmpfs
try:
    open("/app/probe", "w")
except OSError:
    pass
else:
    raise SystemExit("/app is writable: read_only is not in effect")
status = open("/proc/self/status").read()
assert "NoNewPrivs:\\t1" in status, "no-new-privileges is not in effect"
assert "CapEff:\\t0000000000000000" in status, "capabilities were not dropped"
assert os.environ["DISCORD_TOKEN"] == "test-dummy-token", "env_file not applied"
print("probe ok")
"""


def test_runtime_environment(engine: Engine) -> None:
    """The venv built in the builder stage runs in the runtime stage, as compose runs it."""
    out = engine.compose(
        "run", "--rm", "--entrypoint", "python", SERVICE, "-c", RUNTIME_PROBE, str(UID)
    )
    assert out.strip().endswith("probe ok"), out
