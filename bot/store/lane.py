"""What the fast lane spent and how it backs off, so that a restart neither resets its hourly
budget nor forgets a 429 (bot/checking/lane_runner.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.store.base import Connection, dt, must_dt, ts

_BACKOFF_KEY = "fast_lane_backoff"
_HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class StoredBackoff:
    until: datetime | None
    level: int
    reason: str
    reported: bool


class LaneQueries(Connection):
    async def record_lane_spend(self, at: datetime, requests: int) -> None:
        """One poll's requests; what is more than an hour old goes (it counts no more)."""
        async with self.transaction() as db:
            await db.execute(
                "INSERT INTO lane_spend (spent_at, requests) VALUES (?, ?)", [ts(at), requests]
            )
            await db.execute("DELETE FROM lane_spend WHERE spent_at <= ?", [ts(at - _HOUR)])

    async def lane_spend_since(self, since: datetime) -> list[tuple[datetime, int]]:
        rows = await self._all(
            "SELECT spent_at, requests FROM lane_spend WHERE spent_at > ? ORDER BY spent_at",
            [ts(since)],
        )
        return [(must_dt(r["spent_at"]), int(r["requests"])) for r in rows]

    async def lane_backoff(self) -> StoredBackoff | None:
        row = await self._one("SELECT value FROM kv WHERE key = ?", [_BACKOFF_KEY])
        if row is None:
            return None
        data = json.loads(row[0])
        return StoredBackoff(dt(data["until"]), data["level"], data["reason"], data["reported"])

    async def save_lane_backoff(self, backoff: StoredBackoff) -> None:
        value = json.dumps(
            {
                "until": ts(backoff.until),
                "level": backoff.level,
                "reason": backoff.reason,
                "reported": backoff.reported,
            }
        )
        await self._write(
            "INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", [_BACKOFF_KEY, value]
        )
