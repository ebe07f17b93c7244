"""`python -m bot check`: the command users run before deploying, as a real process."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.conftest import COEX_MX4D_1940, child_env
from tests.fakes.megabox_server import FakeMegabox

ROOT = Path(__file__).resolve().parent.parent


def cli_env(megabox: FakeMegabox, tmp_path: Path, **extra: str) -> dict[str, str]:
    values = {
        "MEGABOX_BACKOFF_SECONDS": "0",
        "MEGABOX_MAX_RETRIES": "1",
        "WATCH_BRANCHES": "1351,4651,0052",
        "WATCH_FORMATS": "4DX",
        "WATCH_DAYS": "2026-12-05",
        "WATCH_MIN_SEATS": "3",
        "LOG_LEVEL": "WARNING",
    }
    return child_env(megabox, tmp_path, **(values | extra))


async def run_cli(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args,
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_check_prints_the_table(megabox: FakeMegabox, tmp_path: Path) -> None:
    megabox.set_seat_map(COEX_MX4D_1940, "selectSeatList-coex-mx4d-three-together.json")
    code, out, err = await run_cli(cli_env(megabox, tmp_path), "check")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == [
        "date", "time", "branch", "hall", "format", "free/usable/total", "best", "block", "verdict",
    ]  # fmt: skip
    row = next(line for line in lines if "19:40" in line and "1351" in line)
    assert "9/5/192" in row and "3 in row F" in row and "MATCH" in row
    assert any("15:50" in line and "4651" in line and "MATCH" in line for line in lines)
    assert any("09:20" in line and "closed" in line for line in lines)  # bokdAbleAt N
    assert "matches" in lines[-2]
    assert lines[-1] == "(a preview: nothing was stored and no alert was sent)"
    # A preview never writes the bot's database.
    assert not (tmp_path / "bot.db").exists()


async def test_check_reports_an_outage_and_fails(megabox: FakeMegabox, tmp_path: Path) -> None:
    megabox.fail_always(None, "overload")
    code, out, _ = await run_cli(cli_env(megabox, tmp_path), "check")
    assert code == 1
    assert "Check failed: MEGABOX overloaded" in out
    assert "none with" not in out


async def test_bad_env_is_one_line(megabox: FakeMegabox, tmp_path: Path) -> None:
    code, _, err = await run_cli(cli_env(megabox, tmp_path, WATCH_FORMATS="IMAX"), "check")
    assert code == 2
    assert err.strip().splitlines() == [
        "configuration error: WATCH_FORMATS: unknown format 'IMAX' (known: MX4D, DBC, DVA, MX, "
        "LUMINEON, CFT, RCL, TBQ, TBS, TBP, MKB, NOR; 4DX means MX4D) (got 'IMAX')"
    ]


async def test_healthcheck_without_heartbeat_fails(tmp_path: Path) -> None:
    env = {**os.environ, "HEARTBEAT_FILE": str(tmp_path / "hb")}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "healthcheck", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await process.communicate()
    assert process.returncode == 1
    assert b"unhealthy" in out
    (tmp_path / "hb").touch()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "healthcheck", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    await process.communicate()
    assert process.returncode == 0
