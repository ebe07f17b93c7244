"""`python -m bot check`: the command users run before deploying, as a real process."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import sqlite3
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from bot.store.database import MIGRATIONS, migration_ids
from bot.store.repo import Store
from bot.watches.watch import Days
from tests.conftest import COEX_MX4D_1940, FIXTURE_NOW, THREE_TOGETHER, child_env, original_watch
from tests.fakes.megabox_server import FakeMegabox

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def megabox(live_megabox: FakeMegabox) -> FakeMegabox:
    """The bot runs on the real clock here: the scenario moved to the week ahead of today."""
    return live_megabox


def cli_env(megabox: FakeMegabox, tmp_path: Path, **extra: str) -> dict[str, str]:
    values = {
        "MEGABOX_BACKOFF_SECONDS": "0",
        "MEGABOX_MAX_RETRIES": "1",
        "WATCH_BRANCHES": "1351,4651,0052",
        "WATCH_FORMATS": "4DX",
        "WATCH_DAYS": f"{megabox.fixture_day}",
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
    megabox.set_seat_map(megabox.moved_id(COEX_MX4D_1940), THREE_TOGETHER)
    code, out, err = await run_cli(cli_env(megabox, tmp_path), "check")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == [
        "date", "time", "branch", "hall", "format", "free/usable/total", "best", "block", "verdict",
    ]  # fmt: skip
    row = next(line for line in lines if "19:40" in line and "1351" in line)
    assert "9/5/192" in row and "3 in row F" in row and "MATCH" in row
    assert f"{megabox.fixture_day} Sat" in row
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
    # The empty table does not claim that nothing matched: nothing was looked at.
    assert "(nothing could be checked: see below)" in out
    assert "no screening matched" not in out


async def test_a_partial_check_claims_nothing_about_the_rest(
    megabox: FakeMegabox, tmp_path: Path
) -> None:
    # Two Sundays without screenings; the second cannot be read at all.
    first, second = megabox.fixture_day + timedelta(1), megabox.fixture_day + timedelta(8)
    megabox.fail_always(None, "rejected", when={"playDe": f"{second:%Y%m%d}"})
    env = cli_env(megabox, tmp_path, WATCH_DAYS=f"{first},{second}")
    code, out, _ = await run_cli(env, "check")
    assert code == 3, out  # checked, with parts missing
    assert "(no screening matched in the parts that could be checked)" in out
    assert "no screening matched the watches'" not in out
    assert f"not checked: megabox {second:%m-%d} at" in out


async def test_bad_env_is_one_line(megabox: FakeMegabox, tmp_path: Path) -> None:
    code, _, err = await run_cli(cli_env(megabox, tmp_path, WATCH_FORMATS="IMAX"), "check")
    assert code == 2
    assert err.strip().splitlines() == [
        "configuration error: WATCH_FORMATS: unknown format 'IMAX' (known: MX4D, DBC, DVA, MX, "
        "LUMINEON, CFT, RCL, TBQ, TBS, TBP, MKB, NOR; 4DX means MX4D) (got 'IMAX')"
    ]


# ------------------------------------------------------------------ the preview and the live file


def file_state(db: Path) -> tuple[str, int, list[str], list[str]]:
    """What a preview must not change: the bytes, the mtime, the folder (no -wal/-shm left
    behind) and the migrations recorded."""
    folder = sorted(p.name for p in db.parent.iterdir())
    # Without a -wal file, immutable=1: a read-only connection would create -wal/-shm itself.
    immutable = "" if db.with_name(db.name + "-wal").exists() else "&immutable=1"
    with contextlib.closing(sqlite3.connect(f"{db.as_uri()}?mode=ro{immutable}", uri=True)) as c:
        applied = [r[0] for r in c.execute("SELECT migration_id FROM _yoyo_migration")]
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    return digest, db.stat().st_mtime_ns, folder, applied


async def test_preview_reads_live_watches_and_writes_nothing(
    megabox: FakeMegabox, tmp_path: Path
) -> None:
    live = tmp_path / "bot.db"
    store = await Store.open(f"sqlite:///{live}")
    days = Days.parse(f"{megabox.fixture_day}")
    await store.add_watch(original_watch(branches=("4651",), days=days), now=FIXTURE_NOW)
    await store.close()
    before = file_state(live)
    env = cli_env(megabox, tmp_path, WATCH_BRANCHES="1351")
    code, out, err = await run_cli(env, "check")
    assert code == 0, err
    # The watch added in Discord (Hanam) was previewed next to the .env one (COEX).
    assert any("15:50" in line and "4651" in line and "MATCH" in line for line in out.splitlines())
    assert any("19:40" in line and "1351" in line for line in out.splitlines())
    assert file_state(live) == before


async def test_preview_leaves_an_older_schema_alone(megabox: FakeMegabox, tmp_path: Path) -> None:
    """A live file at the first schema, with the (older) bot running on it: its newest watch
    is still in the -wal file. The preview reads it, and migrates nothing."""
    from yoyo import get_backend, read_migrations

    live = tmp_path / "bot.db"
    first = migration_ids()[0]
    backend = get_backend(f"sqlite:///{live}")
    with backend.lock():
        backend.apply_migrations(read_migrations(str(MIGRATIONS)).filter(lambda m: m.id == first))
    backend.connection.close()
    created = FIXTURE_NOW.isoformat()
    running = sqlite3.connect(live, isolation_level=None)
    try:
        running.execute("PRAGMA journal_mode=WAL")
        running.execute("PRAGMA wal_autocheckpoint=0")  # the watch stays in the -wal file
        running.execute(  # the first schema's column names (0010 renamed movie_no)
            "INSERT INTO watches (movie_no, branches, formats, days, min_seats, channel_id, "
            "created_at, updated_at) VALUES ('25008000', '4651', 'MX4D', ?, 3, 1, ?, ?)",
            (Days.parse(f"{megabox.fixture_day}").to_text(), created, created),
        )
        before = file_state(live)
        assert before[3] == [first]
        env = cli_env(megabox, tmp_path, WATCH_BRANCHES="1351")
        code, out, err = await run_cli(env, "check")
        assert code == 0, err + out
        assert any("15:50" in line and "4651" in line for line in out.splitlines())
        assert file_state(live) == before
    finally:
        running.close()


# ------------------------------------------------------------------ healthcheck


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
    # Stamped by our clock, which the child shares: under libfaketime (CI moves the clock)
    # touch() gets the kernel's real time instead.
    now = time.time()
    os.utime(tmp_path / "hb", (now, now))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "healthcheck", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    await process.communicate()
    assert process.returncode == 0
