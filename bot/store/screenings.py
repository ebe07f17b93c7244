"""Screenings, halls and openings: what the checks saw and the state of each opening."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import aiosqlite

from bot.chains.base import Screening
from bot.delivery import recipients
from bot.delivery.recipients import PendingAlert
from bot.seats.count import SeatCount
from bot.seats.layout import SeatLayout
from bot.store.base import (
    EPOCH,
    Connection,
    chunks,
    dt,
    marks,
    must_dt,
    screening_row,
    ts,
    watch_revisions,
)
from bot.store.history import record_history
from bot.store.outbox import NEW_NONCE_SQL, encode_mentions
from bot.watches.openings import Change, Key, OpeningState, Transition
from bot.watches.watch import Place


class ScreeningQueries(Connection):
    async def hidden_seats(self) -> dict[tuple[str, str], int]:
        """Hidden seats per hall, where a map was read since they are stored (seat_rule)."""
        rows = await self._all(
            "SELECT branch_id, hall_id, hidden_seats FROM halls WHERE hidden_seats IS NOT NULL"
        )
        return {(r["branch_id"], r["hall_id"]): r["hidden_seats"] for r in rows}

    async def wheelchair_seats(self) -> dict[tuple[str, str], int]:
        rows = await self._all("SELECT branch_id, hall_id, wheelchair_seats FROM halls")
        return {(r[0], r[1]): r[2] for r in rows}

    async def rest_counts(self, keys: Iterable[str]) -> dict[str, int]:
        """playSchdlNo → restSeatCnt as last stored (a fast poll reads a map when it moved)."""
        found: dict[str, int] = {}
        for part in chunks(sorted(set(keys))):
            rows = await self._all(
                "SELECT screening_id, free_seats FROM screenings "
                f"WHERE screening_id IN ({marks(len(part))})",
                part,
            )
            found.update({r[0]: r[1] for r in rows})
        return found

    async def screening_places(self, keys: Iterable[str]) -> dict[str, Place]:
        """playSchdlNo → what, where and when it is, for screenings seen before: facts that
        never change for one screening (bot/checking/judgement.py may use them on any path)."""
        found: dict[str, Place] = {}
        for part in chunks(sorted(set(keys))):
            rows = await self._all(
                "SELECT screening_id, branch_id, play_date, movie_id, movie_group, format, "
                f"starts_at FROM screenings WHERE screening_id IN ({marks(len(part))})",
                part,
            )
            found.update(
                {
                    r[0]: Place(
                        r[1], date.fromisoformat(r[2]), (r[3], r[4] or r[3]), r[5], must_dt(r[6])
                    )
                    for r in rows
                }
            )
        return found

    async def holidays(self) -> dict[date, bool]:
        """MEGABOX's holiday flag per date, as the calendars read so far gave it."""
        rows = await self._all("SELECT play_date, holiday FROM calendar_days")
        return {date.fromisoformat(r[0]): bool(r[1]) for r in rows}

    async def sample_screening(
        self, movie_id: str, branches: Sequence[str]
    ) -> dict[str, Any] | None:
        """The latest seen screening of this movie at these branches (for a test alert)."""
        row = await self._one(
            "SELECT * FROM screenings WHERE (movie_id = ? OR movie_group = ?) "
            f"AND branch_id IN ({marks(len(branches))}) ORDER BY seen_at DESC, starts_at LIMIT 1",
            [movie_id, movie_id, *branches],
        )
        return screening_row(row) if row else None

    async def opening_states(self, closed_since: datetime = EPOCH) -> dict[Key, OpeningState]:
        """The latest opening per (watch, screening) that is open or closed after
        `closed_since`; an older closed one behaves as if there were none (no damping)."""
        rows = await self._all(
            "SELECT o.watch_id, o.screening_id, o.closed_at, o.starts_at, o.matched_count, "
            "o.matched_layout FROM openings o "
            "JOIN (SELECT max(id) AS id FROM openings GROUP BY watch_id, screening_id) latest "
            "ON o.id = latest.id WHERE o.closed_at IS NULL OR o.closed_at > ?",
            [ts(closed_since)],
        )
        return {
            (r[0], r[1]): OpeningState(
                open=r[2] is None,
                closed_at=dt(r[2]),
                starts_at=must_dt(r[3]),
                matched=_decode_matched(r[4], r[5]),
            )
            for r in rows
        }

    async def record_progress(
        self,
        *,
        now: datetime,
        screenings: Sequence[Screening],
        counts: Mapping[str, SeatCount],
        halls: Mapping[tuple[str, str], tuple[int, int | None]],
        transitions: Sequence[Transition],
        targets: Mapping[int, Sequence[PendingAlert]],
        revisions: Mapping[int, int],
        folded: Collection[Key] = (),
        source: str = "check",
        matched: Mapping[Key, SeatCount] | None = None,
        holidays: Mapping[date, bool] | None = None,
    ) -> list[Transition]:
        """What one part of a check learnt, in one transaction; returns the transitions
        applied.

        Alerts are committed here, before any delivery: a crash after this point loses
        nothing, and the unique (opening, target) constraint makes a second send impossible.
        A watch removed or changed since the check read it (`revisions`) gets nothing: the
        next check judges it as it is now. One open opening per key (a unique index) means
        a second writer (`check --record`, another replica) cannot double an alert. An
        opening in `folded` is told by its watch's new-screenings message: it opens, alerted,
        without an alert of its own.
        """
        starts = {s.screening_id: s.start for s in screenings}
        applied: list[Transition] = []
        async with self.transaction() as db:
            await _upsert_screenings(db, screenings, counts, now)
            await record_history(db, [s.screening_id for s in screenings], now, source)
            for (brch, theab), (wheelchair, total) in halls.items():
                await db.execute(
                    "INSERT OR REPLACE INTO halls (branch_id, hall_id, wheelchair_seats, "
                    "total_seats, seen_at) VALUES (?, ?, ?, ?, ?)",
                    [brch, theab, wheelchair, total, ts(now)],
                )
            await _learn_hidden_seats(db, screenings, counts)
            await db.executemany(
                "INSERT INTO calendar_days (play_date, holiday, seen_at) VALUES (?, ?, ?) "
                "ON CONFLICT (play_date) DO UPDATE SET holiday = excluded.holiday, "
                "seen_at = excluded.seen_at",
                [(d.isoformat(), h, ts(now)) for d, h in (holidays or {}).items()],
            )
            matched = matched or {}
            current = await watch_revisions(
                db, {tr.key[0] for tr in transitions} | {k[0] for k in matched}
            )

            def still(watch_id: int) -> bool:
                return watch_id in current and current[watch_id] == revisions.get(watch_id)

            for tr in transitions:
                if not still(tr.key[0]):
                    continue
                told = {} if tr.key in folded else targets
                if await _apply_transition(db, tr, starts, told, now):
                    applied.append(tr)
            await db.executemany(
                "UPDATE openings SET matched_count = ?, matched_layout = ? WHERE closed_at IS NULL "
                "AND watch_id = ? AND screening_id = ?",
                [(*_encode_matched(c), *key) for key, c in matched.items() if still(key[0])],
            )
        return applied

    async def prune(self, before: datetime) -> int:
        """Forget screenings that started before `before`, with their openings and alerts
        and their seat history (which cascades); check runs are kept as history."""
        cutoff = ts(before)
        async with self.transaction() as db:
            await db.execute("DELETE FROM openings WHERE starts_at < ?", [cutoff])
            await db.execute(
                "DELETE FROM silenced WHERE screening_id IN "
                "(SELECT screening_id FROM screenings WHERE starts_at < ?)",
                [cutoff],
            )
            async with db.execute("DELETE FROM screenings WHERE starts_at < ?", [cutoff]) as cur:
                return cur.rowcount

    async def watch_states(self, watch_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
        """Per watch asked for (only those a member may see), its open alerted openings with
        the last seen counts."""
        ids = sorted(set(watch_ids))
        if not ids:
            return {}
        rows = await self._all(
            "SELECT o.watch_id AS watch_id, s.* FROM openings o "
            "JOIN screenings s ON s.screening_id = o.screening_id "
            f"WHERE o.closed_at IS NULL AND o.alerted = 1 AND o.watch_id IN ({marks(len(ids))}) "
            "ORDER BY s.starts_at",
            ids,
        )
        out: dict[int, list[dict[str, Any]]] = {}
        for r in rows:
            out.setdefault(r["watch_id"], []).append(screening_row(r))
        return out


def _encode_matched(count: SeatCount) -> tuple[str, str | None]:
    scalars = {
        "free": count.free,
        "usable": count.usable,
        "best_block": count.best_block,
        "best_row": count.best_row,
        "best_seats": " ".join(count.best_seats),
        "total": count.total,
        "exact": count.exact,
        "from_count": count.from_count,
    }
    return json.dumps(scalars), count.layout.encode() if count.layout else None


def _decode_matched(text: str | None, layout: str | None) -> SeatCount | None:
    if not text:
        return None
    c = json.loads(text)
    free, usable = int(c["free"]), int(c["usable"])
    return SeatCount(
        free=free,
        usable=usable,
        best_block=int(c["best_block"] or 0),
        best_row=c["best_row"],
        best_seats=tuple((c["best_seats"] or "").split()),
        total=c["total"],
        wheelchair_free=max(free - usable, 0),
        wheelchair_seats=None,
        exact=bool(c["exact"]),
        layout=SeatLayout.decode(layout) if layout else None,
        from_count=bool(c.get("from_count")),
    )


async def _upsert_screenings(
    db: aiosqlite.Connection,
    screenings: Sequence[Screening],
    counts: Mapping[str, SeatCount],
    now: datetime,
) -> None:
    """Insert or update the last seen counts; `changed_at` moves only when they moved."""
    stamp = ts(now)
    for s in screenings:
        count = counts.get(s.screening_id)
        values: dict[str, Any] = {
            "screening_id": s.screening_id,
            "branch_id": s.branch_id,
            "branch_name": s.branch_name,
            "hall_id": s.hall_id,
            "hall_name": s.hall_name,
            "format": s.format_code,
            "movie_id": s.movie_id,
            "movie_group": s.movie_group,
            "movie_name": s.movie_name,
            "play_date": s.play_date.isoformat(),
            "start_clock": s.start_clock,
            "end_clock": s.end_clock,
            "starts_at": ts(s.start),
            "free_seats": s.free_seats,
            "total": s.total_seats,
            "usable": count.usable if count else None,
            "best_block": count.best_block if count else None,
            "best_row": count.best_row if count else None,
            "best_seats": " ".join(count.best_seats) if count else None,
            "exact": bool(count and count.exact),
            "from_count": bool(count and count.from_count),
            # Only a map really read is kept: an estimate leaves no stale picture behind.
            "seat_layout": count.layout.encode() if count and count.layout else None,
            "bookable": s.bookable,
            "seen_at": stamp,
            "changed_at": stamp,
        }
        if count is not None and count.total is not None:
            values["total"] = count.total
        columns = ", ".join(values)
        updates = ", ".join(f"{k} = excluded.{k}" for k in values if k != "changed_at")
        await db.execute(
            f"INSERT INTO screenings ({columns}) VALUES ({marks(len(values))}) "
            f"ON CONFLICT (screening_id) DO UPDATE SET {updates}, changed_at = CASE "
            "WHEN screenings.free_seats IS excluded.free_seats "
            "AND screenings.usable IS excluded.usable "
            "THEN screenings.changed_at ELSE excluded.changed_at END",
            list(values.values()),
        )


async def insert_alerts(
    db: aiosqlite.Connection,
    opening_id: int | None,
    screening_id: str,
    targets: Sequence[PendingAlert],
    now: datetime,
) -> None:
    """The pending alerts of one opening, one per target (none to who silenced it)."""
    async with db.execute(
        "SELECT user_id FROM silenced WHERE screening_id = ?", [screening_id]
    ) as cursor:
        silenced = {r[0] for r in await cursor.fetchall()}
    await db.executemany(
        "INSERT OR IGNORE INTO alerts (opening_id, target_kind, target_id, mentions, nonce, "
        f"created_at) VALUES (?, ?, ?, ?, {NEW_NONCE_SQL}, ?)",
        [
            (opening_id, t.target_kind, t.target_id, encode_mentions(t.mentions), ts(now))
            for t in recipients.for_screening(targets, silenced)
        ],
    )


async def _apply_transition(
    db: aiosqlite.Connection,
    tr: Transition,
    starts: Mapping[str, datetime],
    targets: Mapping[int, Sequence[PendingAlert]],
    now: datetime,
) -> bool:
    """Apply one transition; False if it no longer applies (the key is already open)."""
    watch_id, screening_id = tr.key
    if tr.change in (Change.OPENED, Change.BASELINE):
        alerted = tr.change is Change.OPENED
        async with db.execute(
            "INSERT OR IGNORE INTO openings (watch_id, screening_id, starts_at, opened_at, "
            "alerted) VALUES (?, ?, ?, ?, ?)",
            [watch_id, screening_id, ts(starts[screening_id]), ts(now), alerted],
        ) as cursor:
            if not cursor.rowcount:
                return False  # open already: someone else recorded this opening
            opening_id = cursor.lastrowid
        if alerted:
            await insert_alerts(db, opening_id, screening_id, targets.get(watch_id, ()), now)
        return True
    latest = "(SELECT max(id) FROM openings WHERE watch_id = ? AND screening_id = ?)"
    if tr.change is Change.REVIVED:
        await db.execute(
            f"UPDATE openings SET closed_at = NULL, close_reason = NULL WHERE id = {latest}",
            [watch_id, screening_id],
        )
        # An alert that expired undelivered (held in quiet hours, Discord down) is due again.
        await db.execute(
            f"UPDATE alerts SET status = 'pending', last_error = NULL WHERE status = 'expired' "
            f"AND opening_id = {latest}",
            [watch_id, screening_id],
        )
    else:  # CLOSED, UNWATCHED or STARTED
        await db.execute(
            f"UPDATE openings SET closed_at = ?, close_reason = ? WHERE id = {latest}",
            [ts(now), tr.change.value, watch_id, screening_id],
        )
    return True


async def _learn_hidden_seats(
    db: aiosqlite.Connection, screenings: Sequence[Screening], counts: Mapping[str, SeatCount]
) -> None:
    """Each hall's hidden seats from the maps read (the count rule, bot/checking/seat_rule.py)."""
    for s in screenings:
        count = counts.get(s.screening_id)
        if count is not None and count.hidden_seats is not None:
            await db.execute(
                "UPDATE halls SET hidden_seats = ? WHERE branch_id = ? AND hall_id = ?",
                [count.hidden_seats, s.branch_id, s.hall_id],
            )
