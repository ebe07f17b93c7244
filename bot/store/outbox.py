"""The alerts outbox: what to deliver or fix, and what Discord said."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from bot.store.base import Connection, dt, must_dt, screening_row, ts


@dataclass(frozen=True, slots=True)
class AlertJob:
    """An alert to deliver (no message yet) or to edit (its message shows the wrong state)."""

    alert_id: int
    opening_id: int
    watch_id: int
    target_kind: str
    target_id: int
    mention: str
    message_id: int | None
    channel_id: int | None
    open: bool  # what the message must say now
    closed_at: datetime | None
    close_reason: str | None
    opened_at: datetime
    screening: Mapping[str, Any]  # the screenings row


class OutboxQueries(Connection):
    async def alert_jobs(self) -> list[AlertJob]:
        """Alerts never delivered while their opening is open, and sent ones shown wrongly."""
        rows = await self._all(
            "SELECT a.id AS alert_id, a.opening_id, a.target_kind, a.target_id, a.mention, "
            "a.message_id, a.channel_id AS alert_channel_id, o.watch_id, o.closed_at, "
            "o.close_reason, o.opened_at, s.* "
            "FROM alerts a JOIN openings o ON a.opening_id = o.id "
            "JOIN screenings s ON s.play_schdl_no = o.play_schdl_no "
            "WHERE (a.status = 'pending' AND o.closed_at IS NULL) "
            "OR (a.status = 'sent' AND a.shown_open IS NOT (o.closed_at IS NULL)) "
            "ORDER BY a.id"
        )
        return [_job(r) for r in rows]

    async def expire_undelivered(self) -> int:
        """Alerts whose opening closed before delivery: nothing true is left to say."""
        return await self._write(
            "UPDATE alerts SET status = 'expired', last_error = 'closed before delivery' "
            "WHERE status = 'pending' AND opening_id IN "
            "(SELECT id FROM openings WHERE closed_at IS NOT NULL)"
        )

    async def mark_sent(
        self, alert_id: int, *, message_id: int, channel_id: int, shown_open: bool, now: datetime
    ) -> None:
        await self._write(
            "UPDATE alerts SET status = 'sent', message_id = ?, channel_id = ?, shown_open = ?, "
            "sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?",
            [message_id, channel_id, shown_open, ts(now), alert_id],
        )

    async def mark_shown(self, alert_id: int, *, shown_open: bool) -> None:
        await self._write("UPDATE alerts SET shown_open = ? WHERE id = ?", [shown_open, alert_id])

    async def mark_failed(self, alert_id: int, error: str, *, give_up: bool = False) -> None:
        status = ", status = 'failed'" if give_up else ""
        await self._write(
            f"UPDATE alerts SET attempts = attempts + 1, last_error = ?{status} WHERE id = ?",
            [error[:500], alert_id],
        )

    async def alerts_sent(self) -> int:
        row = await self._one("SELECT count(*) FROM alerts WHERE status = 'sent'")
        return int(row[0]) if row else 0


def _job(row: aiosqlite.Row) -> AlertJob:
    return AlertJob(
        alert_id=row["alert_id"],
        opening_id=row["opening_id"],
        watch_id=row["watch_id"],
        target_kind=row["target_kind"],
        target_id=row["target_id"],
        mention=row["mention"],
        message_id=row["message_id"],
        channel_id=row["alert_channel_id"],
        open=row["closed_at"] is None,
        closed_at=dt(row["closed_at"]),
        close_reason=row["close_reason"],
        opened_at=must_dt(row["opened_at"]),
        screening=screening_row(row),
    )
