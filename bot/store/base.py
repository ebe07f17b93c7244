"""The one connection and transaction object every store module works over.

One aiosqlite connection; a lock makes each method's statements one unit, and every write is
one explicit transaction, so concurrent coroutines (the check, the outbox, commands) never
interleave inside a transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Any, Self

import aiosqlite

from bot.store.database import connect

#: SQLite allows 999 bound parameters in older builds; stay well below.
_CHUNK = 500
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# -- value conversion ----------------------------------------------------------------------


def ts(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to the store")
    return moment.astimezone(UTC).isoformat()


def dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def must_dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def marks(n: int) -> str:
    return ",".join("?" * n)


def chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def screening_row(row: aiosqlite.Row) -> dict[str, Any]:
    out = dict(zip(row.keys(), tuple(row), strict=True))
    out["play_date"] = date.fromisoformat(out["play_date"])
    for key in ("starts_at", "seen_at", "changed_at"):
        out[key] = dt(out.get(key))
    out["exact"] = bool(out["exact"])
    out["bookable"] = bool(out["bookable"])
    return out


class Connection:
    """The connection, its lock and the transaction helper; the query mixins build on it."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self.db = db
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, url: str) -> Self:
        return cls(await connect(url))

    async def close(self) -> None:
        async with self._lock:
            await self.db.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            await self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
                await self.db.execute("COMMIT")
            except BaseException:
                # Also after a failed COMMIT (disk full): never leave the connection in a
                # transaction, or every later BEGIN fails.
                if self.db.in_transaction:
                    await self.db.execute("ROLLBACK")
                raise

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        async with self._lock, self.db.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def _one(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        rows = await self._all(sql, params)
        return rows[0] if rows else None

    async def _write(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One statement in its own transaction; returns the rows it changed."""
        async with self.transaction() as db, db.execute(sql, params) as cursor:
            return cursor.rowcount


async def watch_revisions(db: aiosqlite.Connection, watch_ids: Iterable[int]) -> dict[int, int]:
    """Watch id → its revision now, for the watches that still exist (inside a transaction,
    so a check records nothing for a watch removed or changed since it read it)."""
    ids = sorted(set(watch_ids))
    if not ids:
        return {}
    async with db.execute(
        f"SELECT id, revision FROM watches WHERE id IN ({marks(len(ids))})", ids
    ) as cursor:
        return {r[0]: r[1] for r in await cursor.fetchall()}
