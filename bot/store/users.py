"""Subscriptions and per-user settings (quiet hours, the closed-DM notice)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from bot.store.base import Connection, ts


@dataclass(frozen=True, slots=True)
class Subscription:
    watch_id: int
    user_id: int
    guild_id: int | None
    delivery: str  # dm | mention
    paused: bool


class UserQueries(Connection):
    async def subscribe(
        self, watch_id: int, user_id: int, guild_id: int | None, delivery: str, *, now: datetime
    ) -> bool:
        """True for a new subscription; an existing one gets the new delivery and resumes."""
        async with self.transaction() as db:
            async with db.execute(
                "UPDATE subscriptions SET delivery = ?, paused = 0 "
                "WHERE watch_id = ? AND user_id = ?",
                [delivery, watch_id, user_id],
            ) as cursor:
                if cursor.rowcount:
                    return False
            await db.execute(
                "INSERT INTO subscriptions (watch_id, user_id, guild_id, delivery, paused, "
                "created_at) VALUES (?, ?, ?, ?, 0, ?)",
                [watch_id, user_id, guild_id, delivery, ts(now)],
            )
        return True

    async def unsubscribe(self, watch_id: int, user_id: int) -> bool:
        return bool(
            await self._write(
                "DELETE FROM subscriptions WHERE watch_id = ? AND user_id = ?", [watch_id, user_id]
            )
        )

    async def subscriptions(self, *, user_id: int | None = None) -> list[Subscription]:
        if user_id is None:
            rows = await self._all("SELECT * FROM subscriptions ORDER BY id")
        else:
            rows = await self._all(
                "SELECT * FROM subscriptions WHERE user_id = ? ORDER BY id", [user_id]
            )
        return [
            Subscription(
                r["watch_id"], r["user_id"], r["guild_id"], r["delivery"], bool(r["paused"])
            )
            for r in rows
        ]

    async def pause_dm_deliveries(self, user_id: int, notice: str) -> None:
        """Discord refuses DMs to this user: stop trying, and tell them once."""
        async with self.transaction() as db:
            await db.execute(
                "UPDATE subscriptions SET paused = 1 WHERE user_id = ? AND delivery = 'dm'",
                [user_id],
            )
            await db.execute(
                "UPDATE watches SET paused = 1, revision = revision + 1 "
                "WHERE owner_id = ? AND scope = 'user'",
                [user_id],
            )
            await _upsert_user(db, user_id, dm_closed_notice=notice)

    async def pop_notice(self, user_id: int) -> str | None:
        async with self.transaction() as db:
            async with db.execute(
                "SELECT dm_closed_notice FROM users WHERE user_id = ?", [user_id]
            ) as cursor:
                row = await cursor.fetchone()
            if row is None or not row[0]:
                return None
            await db.execute(
                "UPDATE users SET dm_closed_notice = NULL WHERE user_id = ?", [user_id]
            )
            return str(row[0])

    async def quiet_hours(self) -> dict[int, tuple[str, str]]:
        rows = await self._all(
            "SELECT user_id, quiet_start, quiet_end FROM users "
            "WHERE quiet_start IS NOT NULL AND quiet_end IS NOT NULL"
        )
        return {r["user_id"]: (r["quiet_start"], r["quiet_end"]) for r in rows}

    async def set_quiet_hours(self, user_id: int, start: str | None, end: str | None) -> None:
        async with self.transaction() as db:
            await _upsert_user(db, user_id, quiet_start=start, quiet_end=end)


async def _upsert_user(db: aiosqlite.Connection, user_id: int, **values: Any) -> None:
    await db.execute("INSERT OR IGNORE INTO users (user_id) VALUES (?)", [user_id])
    sets = ", ".join(f"{k} = ?" for k in values)
    await db.execute(f"UPDATE users SET {sets} WHERE user_id = ?", [*values.values(), user_id])
