"""Open the SQLite database and apply pending migrations (yoyo-migrations) at start-up.

aiosqlite runs SQLite on its own thread so the event loop never blocks. SQLAlchemy was the
first choice; it was dropped because importing it alone cost ~25 MiB RSS, a third of the
bot's memory budget (see bench/README.md).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import aiosqlite

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
_PREFIXES = ("sqlite+aiosqlite:///", "sqlite:///")


def sqlite_path(url: str) -> Path:
    """The file behind `sqlite[+aiosqlite]:///relative/or//absolute/path.db`."""
    for prefix in _PREFIXES:
        if url.startswith(prefix):
            path = url.removeprefix(prefix)
            if path and path != ":memory:":
                return Path(path)
    raise ValueError(
        "must be a SQLite file URL such as sqlite:///./data/megabox-watch.db "
        "(sqlite:////data/megabox-watch.db for an absolute path)"
    )


def migration_ids() -> list[str]:
    return sorted(p.stem for p in MIGRATIONS.glob("*.sql") if not p.stem.endswith(".rollback"))


async def pending_migrations(db: aiosqlite.Connection) -> list[str]:
    """Read yoyo's own bookkeeping table; importing yoyo is only needed when it is behind."""
    try:
        async with db.execute("SELECT migration_id FROM _yoyo_migration") as cursor:
            applied = {row[0] for row in await cursor.fetchall()}
    except aiosqlite.OperationalError:  # a new database: no table yet
        applied = set()
    return [m for m in migration_ids() if m not in applied]


def _apply_migrations(path: Path) -> None:
    from yoyo import get_backend, read_migrations

    backend = get_backend(f"sqlite:///{path}")
    try:
        with backend.lock():
            backend.apply_migrations(backend.to_apply(read_migrations(str(MIGRATIONS))))
    finally:
        backend.connection.close()


async def connect(url: str) -> aiosqlite.Connection:
    path = sqlite_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    # isolation_level=None: transactions are explicit (Store.transaction), never implicit.
    db = await aiosqlite.connect(path, isolation_level=None)
    try:
        db.row_factory = aiosqlite.Row
        # WAL survives a kill mid-write; foreign keys make removing a watch cascade.
        await db.execute("PRAGMA journal_mode=WAL")
        await db.execute("PRAGMA foreign_keys=ON")
        await db.execute("PRAGMA busy_timeout=5000")
        # SQLite's own page cache (2 MiB by default) filled a few KiB a check as the file
        # grew: the RSS after 200 /check was not flat (issue 17). 512 KiB holds what a check
        # touches again; the OS page cache serves the rest.
        await db.execute("PRAGMA cache_size=-512")
        pending = await pending_migrations(db)
        if pending:
            await asyncio.to_thread(_apply_migrations, path)
            log.info("database migrated: %s", ", ".join(pending))
    except BaseException:
        await db.close()
        raise
    return db
