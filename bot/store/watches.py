"""Watches: what members asked to be told about."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import aiosqlite

from bot.seats.prefs import RowRule, SeatPrefs
from bot.store.base import Connection, marks, ts
from bot.watches.titles import Awaited
from bot.watches.watch import Days, Mention, TimeWindow, Watch

#: An edit that loses the race with another writer this often in a row gives up.
_EDIT_TRIES = 5


class WatchQueries(Connection):
    async def add_watch(self, watch: Watch, *, now: datetime) -> Watch:
        values = _watch_values(watch) | {"source": watch.source}
        values |= {"created_at": ts(now), "updated_at": ts(now), "remind_since": ts(now)}
        sql = f"INSERT INTO watches ({', '.join(values)}) VALUES ({marks(len(values))})"
        async with self.transaction() as db, db.execute(sql, list(values.values())) as cursor:
            new_id = cursor.lastrowid
        return replace(watch, id=int(new_id or 0))

    async def update_watch(self, before: Watch, after: Watch, *, now: datetime) -> Watch | None:
        """Write only the fields `after` changed from `before`, and only if the stored watch
        is still at `before`'s revision: a check binding it, a DM-closed pause or another
        edit meanwhile is never overwritten. The stored watch, or None when it changed
        meanwhile (`edit_watch` re-reads and applies the change again)."""
        old, new = _watch_values(before), _watch_values(after)
        values = {k: v for k, v in new.items() if old[k] != v}
        if not values:
            return before
        if "remind_minutes" in values:  # a reminder counts from now, not from old alerts
            values["remind_since"] = ts(now)
        values["updated_at"] = ts(now)
        sets = ", ".join(f"{k} = ?" for k in values)
        changed = await self._write(
            f"UPDATE watches SET {sets}, revision = revision + 1 WHERE id = ? AND revision = ?",
            [*values.values(), before.id, before.revision],
        )
        return replace(after, id=before.id, revision=before.revision + 1) if changed else None

    async def edit_watch(
        self, watch_id: int, change: Callable[[Watch], Watch], *, now: datetime
    ) -> Watch | None:
        """Apply `change` to the watch as stored now; None if it no longer exists."""
        for _ in range(_EDIT_TRIES):
            current = await self.watch(watch_id)
            if current is None:
                return None
            stored = await self.update_watch(current, change(current), now=now)
            if stored is not None:
                return stored
        raise RuntimeError(f"watch {watch_id} kept changing during {_EDIT_TRIES} edits")

    async def remove_watch(self, watch_id: int) -> bool:
        return bool(await self._write("DELETE FROM watches WHERE id = ?", [watch_id]))

    async def watches(self, *, include_paused: bool = True) -> list[Watch]:
        where = "" if include_paused else " WHERE paused = 0"
        return [_watch(r) for r in await self._all(f"SELECT * FROM watches{where} ORDER BY id")]

    async def watch(self, watch_id: int) -> Watch | None:
        row = await self._one("SELECT * FROM watches WHERE id = ?", [watch_id])
        return _watch(row) if row else None

    async def watch_by_source(self, source: str) -> Watch | None:
        row = await self._one("SELECT * FROM watches WHERE source = ? LIMIT 1", [source])
        return _watch(row) if row else None

    async def visible_watches(self, guild_id: int | None, user_id: int) -> list[Watch]:
        """The guild's watches and the user's own personal watches."""
        rows = await self._all(
            "SELECT * FROM watches WHERE (scope = 'guild' AND guild_id IS ? AND ? IS NOT NULL)"
            " OR (scope = 'user' AND owner_id = ?) ORDER BY id",
            [guild_id, guild_id, user_id],
        )
        return [_watch(r) for r in rows]

    async def count_watches(
        self, *, guild_id: int | None = None, owner_id: int | None = None
    ) -> int:
        if guild_id is not None:
            row = await self._one(
                "SELECT count(*) FROM watches WHERE scope = 'guild' AND guild_id = ?", [guild_id]
            )
        else:
            row = await self._one(
                "SELECT count(*) FROM watches WHERE scope = 'user' AND owner_id = ?", [owner_id]
            )
        return int(row[0]) if row else 0

    async def forget_guild(self, guild_id: int) -> int:
        """The bot left a guild: its watches (with their openings and alerts) and every
        subscription made there go. Returns how many watches were removed."""
        async with self.transaction() as db:
            await db.execute("DELETE FROM subscriptions WHERE guild_id = ?", [guild_id])
            async with db.execute("DELETE FROM watches WHERE guild_id = ?", [guild_id]) as cursor:
                return cursor.rowcount


def _watch_values(watch: Watch) -> dict[str, Any]:
    return {
        "guild_id": watch.guild_id,
        "owner_id": watch.owner_id,
        "scope": watch.scope,
        "name": watch.name,
        "movie_id": watch.movie_id,
        "branches": ",".join(watch.branches),
        "formats": ",".join(sorted(watch.formats)),
        "days": watch.days.to_text(),
        "time_window": watch.window.to_text() if watch.window else None,
        "min_seats": watch.min_seats,
        "together": watch.together,
        "channel_id": watch.channel_id,
        "mention": watch.mention.to_text(),
        "paused": watch.paused,
        "baseline_pending": watch.baseline_pending,
        "notify": watch.notify,
        "news_channel_id": watch.news_channel_id,
        "news_mention": watch.news_mention.to_text() if watch.news_mention else None,
        "news_baseline_pending": watch.news_baseline_pending,
        "waiting_for": watch.awaiting.to_text() if watch.awaiting else None,
        "seat_rows": watch.prefs.rows.to_text() if watch.prefs.rows else None,
        "centre": watch.prefs.centre,
        "remind_minutes": int(watch.remind.total_seconds() // 60) if watch.remind else None,
        "fast_lane": watch.fast_lane,
    }


def _watch(row: aiosqlite.Row) -> Watch:
    return Watch(
        id=row["id"],
        name=row["name"],
        movie_id=row["movie_id"],
        branches=tuple(b for b in row["branches"].split(",") if b),
        formats=frozenset(f for f in row["formats"].split(",") if f),
        days=Days.parse(row["days"]),
        window=TimeWindow.parse(row["time_window"] or ""),
        min_seats=row["min_seats"],
        together=bool(row["together"]),
        guild_id=row["guild_id"],
        owner_id=row["owner_id"],
        channel_id=row["channel_id"],
        mention=Mention.parse(row["mention"]),
        paused=bool(row["paused"]),
        baseline_pending=bool(row["baseline_pending"]),
        source=row["source"],
        scope=row["scope"],
        revision=row["revision"],
        notify=row["notify"],
        news_channel_id=row["news_channel_id"],
        news_mention=None if row["news_mention"] is None else Mention.parse(row["news_mention"]),
        news_baseline_pending=bool(row["news_baseline_pending"]),
        awaiting=Awaited.parse(row["waiting_for"]) if row["waiting_for"] else None,
        prefs=SeatPrefs(RowRule.parse(row["seat_rows"] or ""), row["centre"]),
        remind=timedelta(minutes=row["remind_minutes"]) if row["remind_minutes"] else None,
        fast_lane=bool(row["fast_lane"]),
    )
