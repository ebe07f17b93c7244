"""The real Docker image, built from the Dockerfile and run through docker-compose.yml.

Uses docker-offline (`<repo>/../shared/tools/docker-offline`): it starts a dockerd when it can
(root), builds local stand-ins for the base images, builds the image as compose tags it
(`megabox-watch:local`) and runs compose with host networking. Without an engine every test
here skips with a reason starting "NO DOCKER ENGINE" (shown by `-ra`). Run with `-s` to see
the timings, the image size and the bot's memory in the container.

The compose file requires an env file; tests point it at their own through MEGABOX_ENV_FILE
(no `.env` is created in the repository) and use their own compose project name, so a real
deployment's volume on the same host is never touched.

test_compose_bot_against_fakes runs the unmodified image with the compose file as written,
against the fake MEGABOX and the fake Discord that run in this process on 127.0.0.1. The only
test-only pieces are the env file and a compose override in a temporary project folder that
bind-mounts tests/fakes/redirect read-only (see tests/image_support.py).
"""

# The async helpers take ``timeout=`` on purpose (a bound per engine call, failing the test).
# ruff: noqa: ASYNC109

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ALERT_CHANNEL
from tests.e2e import ADMIN, GENERAL_CHANNEL, GUILD_ID, STATUS_CHANNEL, TOKEN, make_guild
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.megabox_server import FakeMegabox
from tests.image_support import (
    DOCKER_OFFLINE,
    REDIRECT_MOUNT,
    REPO,
    Result,
    arun,
    bot_memory,
    collect,
    env_file_text,
    make_live_project,
    spawn,
    stage_opening,
    tail,
)

IMAGE = "megabox-watch:local"
SERVICE = "bot"
PROJECT = "megabox-watch-test"
UID = 10001
#: stop_grace_period in docker-compose.yml: a stop that takes this long ended in SIGKILL
GRACE_SECONDS = 30

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


@dataclass
class Engine:
    """docker-offline and docker, with the test's environment."""

    env: dict[str, str]
    env_file: Path
    timings: dict[str, float] = field(default_factory=dict)

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
                f"--- stdout\n{tail(proc.stdout)}\n--- stderr\n{tail(proc.stderr)}"
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
    started = time.monotonic()
    setup = eng.run([str(DOCKER_OFFLINE), "setup"], timeout=600, check=False)
    eng.timings["setup"] = time.monotonic() - started
    if setup.returncode != 0:
        why = f"docker-offline setup exited {setup.returncode}:\n{_tail_both(setup)}"
        if not _engine_answers(env):
            pytest.skip(f"NO DOCKER ENGINE: {why}")
        pytest.fail(why)  # an engine runs, so the project's images are the problem
    # leftovers of an interrupted run: the test project's containers and volume only
    eng.tool("down", "-v", "--remove-orphans", timeout=120, check=False)
    started = time.monotonic()
    eng.tool("build", timeout=600)
    eng.timings["build"] = time.monotonic() - started
    print(
        f"\n[image] docker-offline setup {eng.timings['setup']:.1f} s, "
        f"build {eng.timings['build']:.1f} s"
    )
    try:
        yield eng
    finally:
        # the test project's containers and its volume, never a real deployment's
        eng.tool("down", "-v", "--remove-orphans", timeout=120, check=False)


def _tail_both(proc: subprocess.CompletedProcess[str]) -> str:
    return tail(proc.stderr + proc.stdout)


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
    assert env["DATABASE_URL"] == "sqlite:////data/megabox-watch.db"
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
for name in ("discord", "aiohttp", "apscheduler", "yoyo", "aiosqlite",
             "aiolimiter", "tzdata"):
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


# ---------------------------------------------------------------- the bot, as compose runs it


@dataclass
class Live:
    """The test's compose project (the repository's compose file + the redirect override)."""

    directory: Path
    env: dict[str, str]

    async def tool(self, *args: str, timeout: float = 120, check: bool = True) -> Result:
        return await arun(
            [DOCKER_OFFLINE, *args], cwd=self.directory, env=self.env, timeout=timeout, check=check
        )


@pytest.fixture
async def fakes() -> AsyncIterator[tuple[FakeDiscord, FakeMegabox]]:
    async with FakeMegabox() as mb, FakeDiscord(guilds=[make_guild()]) as fake:
        yield fake, mb


async def _health(cid: str, env: dict[str, str]) -> str:
    res = await arun(
        ["docker", "inspect", "--format", "{{.State.Health.Status}}", cid],
        cwd=REPO, env=env, timeout=30,
    )  # fmt: skip
    return res.stdout.strip()


@pytest.mark.timeout(300)
async def test_compose_bot_against_fakes(
    engine: Engine, fakes: tuple[FakeDiscord, FakeMegabox], tmp_path: Path
) -> None:
    """check → up (healthy, logged in) → alert → restart (no re-alert) → down (graceful)."""
    fake, mb = fakes
    had_dotenv = (REPO / ".env").exists()
    day, opening = stage_opening(mb)
    settings = {
        "DISCORD_TOKEN": TOKEN,
        "DISCORD_GUILD_ID": GUILD_ID,
        "ALERT_CHANNEL_ID": ALERT_CHANNEL,
        "STATUS_CHANNEL_ID": STATUS_CHANNEL,
        "MEGABOX_BASE_URL": mb.base_url,
        "MEGABOX_REQUESTS_PER_SECOND": 5,
        "MEGABOX_JITTER_SECONDS": 0,
        # Never during the test: /check drives the checks, so nothing waits for a minute
        # boundary and no scheduled run collides with one ("a check is already running").
        "CHECK_SCHEDULE": "0 0 1 1 *",
        "WATCH_MOVIE_NO": "25008000",
        "WATCH_BRANCHES": "1351",
        "WATCH_FORMATS": "MX4D",
        "WATCH_DAYS": day.isoformat(),
        "WATCH_MENTION": "@here",
        "LOG_LEVEL": "INFO",
    }
    check_env = tmp_path / "check.env"
    check_env.write_text(env_file_text(settings), encoding="utf-8")
    # test-only: the mounted sitecustomize.py points discord.py at the fake Discord
    bot_env = tmp_path / "bot.env"
    # The running bot speaks English here (its words are asserted below); the check above
    # runs in the image's default, Korean.
    bot_env.write_text(
        env_file_text(
            {**settings, "BOT_LANGUAGE": "en", "PYTHONPATH": REDIRECT_MOUNT, **fake.env()}
        ),
        encoding="utf-8",
    )
    base_env = {**os.environ, "COMPOSE_PROJECT_NAME": PROJECT}
    repo_env = {**base_env, "MEGABOX_ENV_FILE": str(check_env)}
    live = Live(make_live_project(), {**base_env, "MEGABOX_ENV_FILE": str(bot_env)})
    took: dict[str, float] = {}

    await live.tool("down", "-v", "--remove-orphans", check=False)  # leftovers: a fresh volume
    try:
        # -- 1. `compose run --rm bot check`: the repository's compose file, no override
        res = await arun(
            [DOCKER_OFFLINE, "compose", "run", "--rm", "-T", SERVICE, "check"],
            cwd=REPO, env=repo_env, timeout=120, check=False,
        )  # fmt: skip
        took["compose run --rm bot check"] = res.seconds
        assert res.returncode == 0, res.describe()
        table = [line for line in res.stdout.splitlines() if "MX4D" in line or "Checked" in line]
        print("\n[image] `compose run --rm bot check` printed:\n" + "\n".join(table))
        match = [line for line in table if "19:40-22:04" in line]
        # The image speaks BOT_LANGUAGE's default, Korean: its catalogues were compiled in.
        assert match and match[0].rstrip().endswith("조건 충족"), res.describe()
        assert "조건에 맞는 상영 1회" in res.stdout, res.describe()
        assert not fake.requests, "check must not talk to Discord"

        # -- 2. `up`: docker-offline waits (≤60 s) for the healthcheck; exit 0 = healthy
        res = await live.tool("up", timeout=150, check=False)
        took["up → healthy"] = res.seconds
        assert res.returncode == 0, res.describe()
        cid = (await live.tool("compose", "ps", "-q", SERVICE)).stdout.strip()
        assert cid, "no container for the bot"
        assert await _health(cid, live.env) == "healthy"
        assert fake.identify_count == 1 and fake.connected, fake.summary()
        assert [guild for guild, _ in fake.command_syncs] == [GUILD_ID], fake.summary()

        # -- 3. an opening: /check runs the real check in the container, which alerts
        started = time.monotonic()
        interaction = await fake.send_command(GUILD_ID, GENERAL_CHANNEL, ADMIN, "check")
        followup = await fake.wait_for_followup(interaction, timeout=30)
        # Delivery runs in its own task: the alert may land just after the answer.
        alerts = await fake.wait_for_messages(ALERT_CHANNEL, 1, timeout=10)
        took["/check → alert + answer"] = time.monotonic() - started
        assert len(alerts) == 1, fake.summary()
        assert alerts[0].content == "@here"
        fields = {f["name"]: f["value"] for f in alerts[0].embeds[0]["fields"]}
        assert fields["Time"] == "19:40–22:04", fields
        assert opening in alerts[0].payload["components"][0]["components"][0]["url"]
        assert opening in json.dumps(followup)
        await fake.wait_for_messages(STATUS_CHANNEL, 1, timeout=10)
        assert "1 new alert" in fake.messages_in(STATUS_CHANNEL)[-1].content

        # the SQLite file is on the named volume, owned by the non-root user
        res = await arun(
            ["docker", "exec", cid, "stat", "-c", "%u:%g %n", "/data", "/data/megabox-watch.db"],
            cwd=REPO, env=live.env, timeout=30,
        )  # fmt: skip
        assert res.stdout.split() == [
            f"{UID}:{UID}", "/data", f"{UID}:{UID}", "/data/megabox-watch.db",
        ], res.stdout  # fmt: skip
        mounts = await arun(
            ["docker", "inspect", "--format", "{{json .Mounts}}", cid],
            cwd=REPO, env=live.env, timeout=30,
        )  # fmt: skip
        data_mount = [m for m in json.loads(mounts.stdout) if m["Destination"] == "/data"]
        assert data_mount and data_mount[0]["Type"] == "volume", mounts.stdout
        assert data_mount[0]["Name"] == f"{PROJECT}_megabox-data", mounts.stdout

        # idle: the check is done, the next scheduled one is far away
        memory = await bot_memory(cid, live.env)

        # -- 4. restart: logs in again, checks, remembers the alert (and the command sync)
        before = len(fake.messages_in(STATUS_CHANNEL))
        res = await live.tool("compose", "restart", SERVICE, timeout=90)
        started = time.monotonic()
        took["compose restart"] = res.seconds
        await fake.wait_for(
            lambda: fake.identify_count == 2 and fake.connected,
            timeout=60,
            what="the bot's second login, after the restart",
        )
        took["restart → logged in again"] = res.seconds + time.monotonic() - started
        started = time.monotonic()
        interaction = await fake.send_command(GUILD_ID, GENERAL_CHANNEL, ADMIN, "check")
        followup = await fake.wait_for_followup(interaction, timeout=30)
        await fake.wait_for_messages(STATUS_CHANNEL, before + 1, timeout=10)
        took["/check after restart"] = time.monotonic() - started
        assert opening in json.dumps(followup)  # still open
        assert len(fake.messages_in(ALERT_CHANNEL)) == 1, fake.summary()  # not re-alerted
        status = fake.messages_in(STATUS_CHANNEL)[-1].content
        assert "1 match" in status and "new alert" not in status, status
        assert len(fake.command_syncs) == 1, "restart re-synced unchanged slash commands"

        # -- 5. down: SIGTERM, a graceful exit well within stop_grace_period
        waiter = await spawn(["docker", "wait", cid], cwd=REPO, env=live.env)
        logs = await spawn(["docker", "logs", "--follow", cid], cwd=REPO, env=live.env)
        started = time.monotonic()
        down = await live.tool("down", timeout=GRACE_SECONDS + 60)
        took["down"] = down.seconds
        waited = await collect(waiter, ["docker", "wait", cid], timeout=30, started=started)
        took["down → container exited"] = waited.seconds
        log = await collect(logs, ["docker", "logs", cid], timeout=30, check=False)
        exit_code = int(waited.stdout.strip())
        assert exit_code == 0, f"exit code {exit_code} (137 = SIGKILL)\n{down.describe()}"
        assert waited.seconds < GRACE_SECONDS
        assert "shutting down" in log.stdout + log.stderr, log.describe()
        assert not fake.connected
    finally:
        await live.tool("down", "-v", "--remove-orphans", check=False)
        shutil.rmtree(live.directory, ignore_errors=True)

    assert (REPO / ".env").exists() == had_dotenv, "the test must not create a .env"
    size_mb = engine.inspect()["Size"] / 1_000_000
    print(
        f"[image] timings: setup {engine.timings.get('setup', 0):.1f} s, "
        f"build {engine.timings.get('build', 0):.1f} s, "
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in took.items())
    )
    print(
        f"[image] {IMAGE}: {size_mb:.0f} MB; the bot at idle in the container: python pid "
        f"{memory.pid} VmRSS {memory.rss_kib / 1024:.1f} MiB (peak {memory.hwm_kib / 1024:.1f} "
        f"MiB); container memory (docker stats) {memory.container_usage}"
    )
