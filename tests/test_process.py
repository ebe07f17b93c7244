"""`python -m bot` as a real process: it logs in, and SIGTERM makes it exit 0 quickly."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ALERT_CHANNEL, COEX_MX4D_1940, THREE_TOGETHER, child_env, quiet_schedule
from tests.e2e import GUILD_ID, STATUS_CHANNEL, TOKEN
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.megabox_server import FakeMegabox

ROOT = Path(__file__).resolve().parent.parent
REDIRECT = Path(__file__).resolve().parent / "fakes" / "redirect"


@pytest.fixture
def megabox(live_megabox: FakeMegabox) -> FakeMegabox:
    """The bot runs on the real clock here: the scenario moved to the week ahead of today."""
    return live_megabox


def bot_env(fake: FakeDiscord, megabox: FakeMegabox, tmp_path: Path) -> dict[str, str]:
    return child_env(
        megabox,
        tmp_path,
        **fake.env(),
        PYTHONPATH=str(REDIRECT),
        DISCORD_TOKEN=TOKEN,
        DISCORD_GUILD_ID=str(GUILD_ID),
        ALERT_CHANNEL_ID=str(ALERT_CHANNEL),
        STATUS_CHANNEL_ID=str(STATUS_CHANNEL),
        HEARTBEAT_FILE=str(tmp_path / "heartbeat"),
        WATCH_BRANCHES="1351",
        WATCH_FORMATS="MX4D",
        WATCH_DAYS="weekend",
        WATCH_MENTION="@here",
        CHECK_SCHEDULE=quiet_schedule(),
        LOG_LEVEL="INFO",
    )


async def read_until(process: asyncio.subprocess.Process, marker: bytes) -> str:
    assert process.stdout is not None
    seen = b""
    while marker not in seen:
        line = await process.stdout.readline()
        if not line:
            raise AssertionError(f"bot exited before {marker!r}:\n{seen.decode()}")
        seen += line
    return seen.decode()


async def test_sigterm_exits_zero_quickly(
    fake: FakeDiscord, megabox: FakeMegabox, tmp_path: Path
) -> None:
    megabox.set_seat_map(megabox.moved_id(COEX_MX4D_1940), THREE_TOGETHER)
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=ROOT, env=bot_env(fake, megabox, tmp_path),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        log = await asyncio.wait_for(read_until(process, b"connected to Discord as"), timeout=20)
        ready_after = time.monotonic() - started
        assert len(fake.command_syncs) == 1
        heartbeat = tmp_path / "heartbeat"
        assert heartbeat.exists()  # so `python -m bot healthcheck` passes
        sent = time.monotonic()
        process.send_signal(signal.SIGTERM)
        # "Quickly": well within compose's 30 s grace; the bound only guards a hang.
        output, _ = await asyncio.wait_for(process.communicate(), timeout=20)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    stopped_after = time.monotonic() - sent
    text = log + output.decode()
    assert process.returncode == 0, text
    assert "shutting down" in text
    assert TOKEN not in text  # the token never reaches the log
    assert not heartbeat.exists()
    print(f"ready after {ready_after:.2f} s; stopped {stopped_after:.2f} s after SIGTERM")


async def test_sigterm_during_a_check_lets_it_finish(
    fake: FakeDiscord, megabox: FakeMegabox, tmp_path: Path
) -> None:
    megabox.set_seat_map(megabox.moved_id(COEX_MX4D_1940), THREE_TOGETHER)
    megabox.hold("seats")  # the check waits on MEGABOX's seat map when SIGTERM comes
    env = bot_env(fake, megabox, tmp_path) | {"WATCH_DAYS": f"{megabox.fixture_day}"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        log = await asyncio.wait_for(read_until(process, b"connected to Discord as"), timeout=20)
        interaction = await fake.send_command(GUILD_ID, STATUS_CHANNEL, 1, "check")
        await fake.wait_for_callback(interaction)  # deferred: the check is running
        # Seat maps are read only by a check (the catalogue refresh reads lists too).
        await megabox.wait_for_request("seats", within=10)
        process.send_signal(signal.SIGTERM)
        log += await asyncio.wait_for(read_until(process, b"waiting up to"), timeout=15)
        megabox.release("seats")
        output, _ = await asyncio.wait_for(process.communicate(), timeout=20)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    text = log + output.decode()
    assert process.returncode == 0, text
    assert "Traceback" not in text
    # The check finished and its result (with the new alert) was stored before exiting.
    with sqlite3.connect(tmp_path / "bot.db") as db:
        runs = db.execute("SELECT trigger, ok FROM check_runs").fetchall()
        alerts = db.execute("SELECT status FROM alerts").fetchall()
    assert runs == [("command", 1)], text
    assert len(alerts) == 1
