"""`python -m bot [run|check|healthcheck]`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import ConfigError, Settings, configure_logging, load_settings
from bot.megabox.models import KST

if TYPE_CHECKING:
    from bot.store.repo import Store

log = logging.getLogger("bot")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="megabox-watch")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the Discord bot (default)")
    check = sub.add_parser("check", help="run one check now and print a table (no Discord)")
    check.add_argument(
        "--record",
        action="store_true",
        help="store what the check finds in DATABASE_URL (alerts are then sent by the bot)",
    )
    sub.add_parser("healthcheck", help="exit 0 while the bot's gateway heartbeat is fresh")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    if args.command == "healthcheck":
        return healthcheck(settings)
    configure_logging(settings.log_level)
    if args.command == "check":
        return asyncio.run(check_once(settings, record=args.record))
    from bot.app import run_bot

    try:
        return int(run_bot(settings))
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2


def healthcheck(settings: Settings) -> int:
    try:
        age = time.time() - settings.heartbeat_file.stat().st_mtime
    except OSError:
        print(f"unhealthy: no heartbeat file at {settings.heartbeat_file}")
        return 1
    if age > settings.heartbeat_max_age_seconds:
        print(f"unhealthy: last gateway heartbeat {age:.0f} s ago")
        return 1
    print(f"healthy: last gateway heartbeat {age:.0f} s ago")
    return 0


async def check_once(settings: Settings, *, record: bool = False) -> int:
    """One check with the configured watches; by default in a scratch database so that a
    preview never changes what the running bot remembers or alerts."""
    from bot.checker import Checker
    from bot.megabox.client import MegaboxClient
    from bot.report import table
    from bot.store.repo import Store
    from bot.watch_setup import sync_env_watch

    now = datetime.now(KST)
    scratch = tempfile.TemporaryDirectory(prefix="megabox-watch-check-")
    url = settings.database_url if record else f"sqlite:///{scratch.name}/preview.db"
    store = await Store.open(url)
    try:
        if not record:
            await _copy_watches(settings, store, now, Path(scratch.name))
        await sync_env_watch(store, settings, now)
        if not await store.watches(include_paused=False):
            print("No watch configured: set WATCH_MOVIE_NO and WATCH_BRANCHES in .env.")
            return 2
        async with MegaboxClient(settings.client_options()) as client:
            checker = Checker.from_settings(client, store, settings)
            result = await checker.run("cli")
    finally:
        await store.close()
        scratch.cleanup()
    print(table(result))
    if not record:
        print("(a preview: nothing was stored and no alert was sent)")
    if result.failed:
        return 1
    return 3 if result.errors else 0


async def _copy_watches(settings: Settings, scratch: Store, now: datetime, folder: Path) -> None:
    """Watches added in Discord live in the real database: preview them too. The live file is
    only read, into a copy in `folder` that is migrated and read instead: a preview writes
    nothing to it, not even a migration (the bot that runs on it owns its schema)."""
    from bot.store.database import sqlite_path
    from bot.watch_setup import ENV_HASH_KEY

    live = sqlite_path(settings.database_url)
    if not live.exists():
        return
    copy = folder / "live-copy.db"
    await asyncio.to_thread(_snapshot, live, copy)
    real = await type(scratch).open(f"sqlite:///{copy}")
    try:
        for watch in await real.watches():
            await scratch.add_watch(watch, now=now)
        # With it, the preview honours Discord edits (and removal) of the .env watch.
        env_hash = await real.get_value(ENV_HASH_KEY)
        if env_hash is not None:
            await scratch.set_value(ENV_HASH_KEY, env_hash)
    finally:
        await real.close()


def _snapshot(live: Path, copy: Path) -> None:
    """A consistent copy of the database `live`, read through a read-only connection.

    With a -wal file (the bot runs, or was killed) SQLite reads the latest commits from it.
    Without one every commit is in the main file, and immutable=1 keeps SQLite from creating
    -wal/-shm files beside it: made by another user (root on the host) the bot could not
    open them.
    """
    import sqlite3

    wal = live.with_name(live.name + "-wal")
    flags = "mode=ro" if wal.exists() else "mode=ro&immutable=1"
    source = sqlite3.connect(f"{live.resolve().as_uri()}?{flags}", uri=True)
    try:
        target = sqlite3.connect(copy)
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()


if __name__ == "__main__":
    sys.exit(main())
