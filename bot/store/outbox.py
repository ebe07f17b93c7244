"""The alerts outbox: which alerts need attention, and what Discord said.

An alert's mentions are stored as a JSON list of {"kind", "id"} (ids as strings, as Discord
writes snowflakes: they exceed what a JSON double holds exactly), and every alert has a random
nonce (migration 0002_outbox).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import aiosqlite

from bot.delivery.outbox import AlertJob, AlertView
from bot.seats.layout import SeatLayout
from bot.seats.prefs import RowRule, SeatPrefs
from bot.store.base import Connection, dt, marks, must_dt, ts
from bot.watches.watch import Mention

#: The nonce of a new alert, made by SQLite in the INSERT: 20 characters (Discord allows 25).
NEW_NONCE_SQL = "'mbw-' || lower(hex(randomblob(8)))"


def encode_mentions(mentions: Iterable[Mention]) -> str:
    return json.dumps(
        [
            {"kind": m.kind} if m.target_id is None else {"kind": m.kind, "id": str(m.target_id)}
            for m in mentions
            if m.kind != "none"
        ]
    )


def decode_mentions(text: str | None) -> tuple[Mention, ...]:
    return tuple(
        Mention(item["kind"], int(item["id"]) if item.get("id") is not None else None)
        for item in json.loads(text or "[]")
    )


def alert_view(
    row: Mapping[str, Any] | aiosqlite.Row,
    *,
    opened_at: datetime,
    closed_at: datetime | None = None,
    close_reason: str | None = None,
    mentions: tuple[Mention, ...] = (),
) -> AlertView:
    """The view of a `screenings` row (as stored, or as `screening_row` converted it)."""
    play_date = row["play_date"]
    return AlertView(
        screening_id=row["screening_id"],
        movie_id=row["movie_id"],
        movie_name=row["movie_name"],
        branch_id=row["branch_id"],
        branch_name=row["branch_name"],
        hall_name=row["hall_name"],
        format=row["format"],
        play_date=play_date if isinstance(play_date, date) else date.fromisoformat(play_date),
        start_clock=row["start_clock"],
        end_clock=row["end_clock"],
        free_seats=row["free_seats"],
        usable=row["usable"],
        total=row["total"],
        best_block=row["best_block"],
        best_row=row["best_row"],
        best_seats=tuple((row["best_seats"] or "").split()),
        exact=bool(row["exact"]),
        from_count=bool(row["from_count"]),
        opened_at=opened_at,
        closed_at=closed_at,
        close_reason=close_reason,
        mentions=mentions,
        layout=_layout(row),
    )


def _layout(row: Mapping[str, Any] | aiosqlite.Row) -> SeatLayout | None:
    keys = row.keys()
    text = row["seat_layout"] if "seat_layout" in keys else None
    return SeatLayout.decode(text) if text else None


class OutboxQueries(Connection):
    async def alert_jobs(self) -> list[AlertJob]:
        """Alerts never delivered (whatever their opening's state: the outbox decides to
        send, hold or expire them), and sent ones whose message shows the wrong state."""
        rows = await self._all(
            "SELECT a.id AS alert_id, a.target_kind, a.target_id, a.mentions, a.nonce, "
            "a.message_id, a.channel_id AS alert_channel_id, a.shown_open, a.refusals, "
            "o.watch_id, o.closed_at, o.close_reason, o.opened_at, a.reminded_at, a.sent_at, "
            "w.remind_since AS w_remind_since, "
            "w.seat_rows AS w_rows, w.centre AS w_centre, w.min_seats AS w_min_seats, "
            "w.together AS w_together, w.remind_minutes AS w_remind, "
            "(SELECT group_concat(u.user_id) FROM silenced u "
            " WHERE u.screening_id = o.screening_id) AS silenced_users, s.* "
            "FROM alerts a JOIN openings o ON a.opening_id = o.id "
            "JOIN watches w ON w.id = o.watch_id "
            "JOIN screenings s ON s.screening_id = o.screening_id "
            "WHERE a.status = 'pending' "
            "OR (a.status = 'sent' AND a.shown_open IS NOT (o.closed_at IS NULL)) "
            # A reminder may be due (bot/delivery/outbox.py decides when); a paused watch is not
            # checked, so nothing says its seats are still open: no reminder.
            "OR (a.status = 'sent' AND a.reminded_at IS NULL AND w.remind_minutes IS NOT NULL "
            "AND o.closed_at IS NULL AND w.paused = 0) "
            "ORDER BY a.id"
        )
        return [_job(r) for r in rows]

    async def expire(self, alert_id: int) -> None:
        """Closed before delivery; a revived opening makes it pending again."""
        await self._write(
            "UPDATE alerts SET status = 'expired', last_error = 'closed before delivery' "
            "WHERE id = ? AND status = 'pending'",
            [alert_id],
        )

    async def mark_sent(
        self, alert_id: int, *, message_id: int, channel_id: int, shown_open: bool, now: datetime
    ) -> None:
        await self._write(
            "UPDATE alerts SET status = 'sent', message_id = ?, channel_id = ?, shown_open = ?, "
            "sent_at = ?, attempts = attempts + 1, refusals = 0, last_error = NULL WHERE id = ?",
            [message_id, channel_id, shown_open, ts(now), alert_id],
        )

    async def mark_shown(self, alert_id: int, *, shown_open: bool) -> None:
        await self._write(
            "UPDATE alerts SET shown_open = ?, refusals = 0 WHERE id = ?", [shown_open, alert_id]
        )

    async def mark_failed(
        self, alert_id: int, error: str, *, refused: bool = False, give_up: bool = False
    ) -> None:
        """One failed try; `refused` counts toward the bound of permanent refusals."""
        status = ", status = 'failed'" if give_up else ""
        await self._write(
            "UPDATE alerts SET attempts = attempts + 1, refusals = refusals + ?, "
            f"last_error = ?{status} WHERE id = ?",
            [int(refused), error[:500], alert_id],
        )

    async def mark_reminded(self, alert_id: int, *, message_id: int | None, now: datetime) -> None:
        """Its one reminder went out (`message_id`), or is skipped (None)."""
        await self._write(
            "UPDATE alerts SET reminded_at = ?, reminder_message_id = ? WHERE id = ?",
            [ts(now), message_id, alert_id],
        )

    async def mark_silenced(self, alert_id: int) -> None:
        """Its recipient said "booked / not for me" before it was sent."""
        await self._write(
            "UPDATE alerts SET status = 'silenced' WHERE id = ? AND status = 'pending'",
            [alert_id],
        )

    async def silence(self, user_id: int, screening_id: str, *, now: datetime) -> bool:
        """ "Booked / not for me": no more DMs or mentions about this screening for this
        user. False if it was silenced already."""
        return bool(
            await self._write(
                "INSERT OR IGNORE INTO silenced (user_id, screening_id, created_at) "
                "VALUES (?, ?, ?)",
                [user_id, screening_id, ts(now)],
            )
        )

    async def screening_title(self, screening_id: str) -> tuple[str, date, str] | None:
        """(movie, date, start) of a screening, for the answer to the button."""
        row = await self._one(
            "SELECT movie_name, play_date, start_clock FROM screenings WHERE screening_id = ?",
            [screening_id],
        )
        return (row[0], date.fromisoformat(row[1]), row[2]) if row else None

    async def alerts_sent(self, watch_ids: Sequence[int]) -> int:
        """Alerts sent for these watches (to every target): what `/status` may tell a member
        about the watches they can see."""
        if not watch_ids:
            return 0
        row = await self._one(
            "SELECT count(*) FROM alerts a JOIN openings o ON o.id = a.opening_id "
            f"WHERE a.status = 'sent' AND o.watch_id IN ({marks(len(watch_ids))})",
            list(watch_ids),
        )
        return int(row[0]) if row else 0


def _job(row: aiosqlite.Row) -> AlertJob:
    shown = row["shown_open"]
    silenced = row["silenced_users"]
    remind = row["w_remind"]
    since = [t for t in (dt(row["sent_at"]), dt(row["w_remind_since"])) if t is not None]
    view = alert_view(
        row,
        opened_at=must_dt(row["opened_at"]),
        closed_at=dt(row["closed_at"]),
        close_reason=row["close_reason"],
        mentions=decode_mentions(row["mentions"]),
    )
    view = replace(
        view,
        prefs=SeatPrefs(RowRule.parse(row["w_rows"] or ""), row["w_centre"]),
        min_seats=row["w_min_seats"],
        together=bool(row["w_together"]),
    ).by_preference()
    return AlertJob(
        alert_id=row["alert_id"],
        watch_id=row["watch_id"],
        target_kind=row["target_kind"],
        target_id=row["target_id"],
        nonce=row["nonce"],
        message_id=row["message_id"],
        channel_id=row["alert_channel_id"],
        shown_open=None if shown is None else bool(shown),
        refusals=row["refusals"],
        view=view,
        silenced=frozenset(int(u) for u in silenced.split(",")) if silenced else frozenset(),
        remind_after=timedelta(minutes=remind) if remind else None,
        reminded=row["reminded_at"] is not None,
        remind_from=max(since) if since else None,
    )
