"""`python -m bot [run|check|healthcheck]`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot import i18n
from bot.chains.base import KST
from bot.config import ConfigError, Settings, configure_logging, load_settings
from bot.i18n import _

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
    history = sub.add_parser("history", help="print a watch's seat history of one date")
    history.add_argument("watch", type=int, help="the watch's number (/watch list)")
    history.add_argument("date", help="the screenings' date, e.g. 2026-12-05")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    if args.command == "healthcheck":
        return healthcheck(settings)
    configure_logging(settings.log_level)
    i18n.set_default(settings.bot_language)  # the CLI speaks BOT_LANGUAGE
    if args.command == "check":
        return asyncio.run(check_once(settings, record=args.record))
    if args.command == "history":
        return asyncio.run(print_history(settings, args.watch, args.date))
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
    from bot.checking.checker import Checker
    from bot.checking.report import table
    from bot.env_watch import sync_env_watch
    from bot.store.repo import Store

    now = datetime.now(KST)
    scratch = tempfile.TemporaryDirectory(prefix="megabox-watch-check-")
    url = settings.database_url if record else f"sqlite:///{scratch.name}/preview.db"
    store = await Store.open(url)
    try:
        if not record:
            await _copy_watches(settings, store, now, Path(scratch.name))
        await sync_env_watch(store, settings, now)
        if not await store.watches(include_paused=False):
            print(_("No watch configured: set WATCH_MOVIE_NO and WATCH_BRANCHES in .env."))
            return 2
        async with contextlib.AsyncExitStack() as stack:
            chains = settings.chain_clients()
            for chain in chains:
                stack.push_async_callback(chain.close)
            checker = Checker.from_settings(chains, store, settings)
            result = await checker.run("cli")
    finally:
        await store.close()
        scratch.cleanup()
    print(table(result))
    if not record:
        print(_("(a preview: nothing was stored and no alert was sent)"))
    if result.failed:
        return 1
    return 3 if result.errors else 0


async def print_history(settings: Settings, watch_id: int, day_text: str) -> int:
    """`/history` as a table, for people without Discord, from a copy of DATABASE_URL."""
    from datetime import date

    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        print(
            _("date must look like 2026-12-05, got {value}").format(value=repr(day_text)),
            file=sys.stderr,
        )
        return 2
    with tempfile.TemporaryDirectory(prefix="megabox-watch-history-") as folder:
        store = await _live_copy(settings, Path(folder))
        if store is None:
            print(_("No database yet: the bot has not checked anything."))
            return 1
        try:
            watch = await store.watch(watch_id)
            histories = await store.day_history(watch_id, day) if watch else []
        finally:
            await store.close()
    if watch is None:
        print(_("No watch #{id}.").format(id=watch_id), file=sys.stderr)
        return 2
    if not histories:
        print(_("No seat history for watch {watch} on {day}.").format(watch=watch.label, day=day))
        return 1
    print(
        _("Watch {watch} · {day} · N = {n} · times in KST").format(
            watch=watch.label, day=day, n=watch.min_seats
        )
    )
    print(
        f"{'screening':<16}{'start':<7}{'seen':<13}{'by':<7}{'free':>5}{'usable':>7}"
        f"{'block':>6}  opened"
    )
    for h in histories:
        for point in h.points:
            seen = point.seen_at.astimezone(KST)
            opened = any(abs(o - point.seen_at).total_seconds() < 1 for o in h.opened_at)
            print(
                f"{h.screening_id:<16}{h.start_clock:<7}{seen:%m-%d %H:%M}  {point.source:<7}"
                f"{point.free_seats:>5}{_num(point.usable):>7}{_num(point.best_block):>6}"
                f"  {'▲ alert' if opened else ''}"
            )
    return 0


def _num(value: int | None) -> str:
    return "-" if value is None else str(value)


async def _copy_watches(settings: Settings, scratch: Store, now: datetime, folder: Path) -> None:
    """Watches added in Discord live in the real database: preview them too, from a copy
    (`_live_copy`): a preview writes nothing to the live file."""
    from bot.env_watch import ENV_HASH_KEY

    real = await _live_copy(settings, folder)
    if real is None:
        return
    try:
        for watch in await real.watches():
            await scratch.add_watch(watch, now=now)
        # With it, the preview honours Discord edits (and removal) of the .env watch.
        env_hash = await real.get_value(ENV_HASH_KEY)
        if env_hash is not None:
            await scratch.set_value(ENV_HASH_KEY, env_hash)
    finally:
        await real.close()


async def _live_copy(settings: Settings, folder: Path) -> Store | None:
    """The bot's database, copied into `folder` and opened there (migrated if it is
    behind); None when there is none yet. The live file is only read: the CLI never writes
    it, not even a migration (the running bot owns its schema)."""
    from bot.store.database import sqlite_path
    from bot.store.repo import Store

    live = sqlite_path(settings.database_url)
    if not live.exists():
        return None
    copy = folder / "live-copy.db"
    await asyncio.to_thread(_snapshot, live, copy)
    return await Store.open(f"sqlite:///{copy}")


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
