"""Screenings, halls and openings: what the checks saw and the state of each opening."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import aiosqlite

from bot import recipients
from bot.megabox.models import Screening
from bot.openings import Change, Key, OpeningState, Transition
from bot.recipients import PendingAlert
from bot.seat_layout import SeatLayout
from bot.seats import SeatCount
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


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The last seen counts of one screening; `count` as the last seat map read gave it."""

    rest_seat_cnt: int
    count: SeatCount | None


@dataclass(frozen=True, slots=True)
class Scope:
    """Where a screening is listed and which movie it shows (its number and the
    representative one), as last seen."""

    brch_no: str
    play_de: date
    movies: tuple[str, str]

    @property
    def listing(self) -> tuple[str, date]:
        return (self.brch_no, self.play_de)


class ScreeningQueries(Connection):
    async def hidden_seats(self) -> dict[tuple[str, str], int]:
        """Hidden seats per hall, where a map was read since they are stored (seat_rule)."""
        rows = await self._all(
            "SELECT brch_no, theab_no, hidden_seats FROM halls WHERE hidden_seats IS NOT NULL"
        )
        return {(r["brch_no"], r["theab_no"]): r["hidden_seats"] for r in rows}

    async def wheelchair_seats(self) -> dict[tuple[str, str], int]:
        rows = await self._all("SELECT brch_no, theab_no, wheelchair_seats FROM halls")
        return {(r[0], r[1]): r[2] for r in rows}

    async def snapshots(self, keys: Iterable[str]) -> dict[str, Snapshot]:
        found: dict[str, Snapshot] = {}
        for part in chunks(sorted(set(keys))):
            rows = await self._all(
                f"SELECT * FROM screenings WHERE play_schdl_no IN ({marks(len(part))})", part
            )
            for r in rows:
                count = None
                if r["usable"] is not None:
                    count = SeatCount(
                        free=r["rest_seat_cnt"],
                        usable=r["usable"],
                        best_block=r["best_block"] or 0,
                        best_row=r["best_row"],
                        best_seats=tuple((r["best_seats"] or "").split()),
                        total=r["total"],
                        wheelchair_free=max(r["rest_seat_cnt"] - r["usable"], 0),
                        wheelchair_seats=None,
                        exact=bool(r["exact"]),
                        layout=SeatLayout.decode(r["seat_layout"]) if r["seat_layout"] else None,
                    )
                found[r["play_schdl_no"]] = Snapshot(r["rest_seat_cnt"], count)
        return found

    async def screening_scopes(self, keys: Iterable[str]) -> dict[str, Scope]:
        """playSchdlNo → where and what it is, for screenings seen before."""
        found: dict[str, Scope] = {}
        for part in chunks(sorted(set(keys))):
            rows = await self._all(
                "SELECT play_schdl_no, brch_no, play_de, movie_no, rpst_movie_no FROM screenings "
                f"WHERE play_schdl_no IN ({marks(len(part))})",
                part,
            )
            found.update(
                {r[0]: Scope(r[1], date.fromisoformat(r[2]), (r[3], r[4] or r[3])) for r in rows}
            )
        return found

    async def sample_screening(
        self, movie_no: str, branches: Sequence[str]
    ) -> dict[str, Any] | None:
        """The latest seen screening of this movie at these branches (for a test alert)."""
        row = await self._one(
            "SELECT * FROM screenings WHERE (movie_no = ? OR rpst_movie_no = ?) "
            f"AND brch_no IN ({marks(len(branches))}) ORDER BY seen_at DESC, starts_at LIMIT 1",
            [movie_no, movie_no, *branches],
        )
        return screening_row(row) if row else None

    async def opening_states(self, closed_since: datetime = EPOCH) -> dict[Key, OpeningState]:
        """The latest opening per (watch, screening) that is open or closed after
        `closed_since`; an older closed one behaves as if there were none (no damping)."""
        rows = await self._all(
            "SELECT o.watch_id, o.play_schdl_no, o.closed_at, o.starts_at FROM openings o "
            "JOIN (SELECT max(id) AS id FROM openings GROUP BY watch_id, play_schdl_no) latest "
            "ON o.id = latest.id WHERE o.closed_at IS NULL OR o.closed_at > ?",
            [ts(closed_since)],
        )
        return {
            (r[0], r[1]): OpeningState(
                open=r[2] is None, closed_at=dt(r[2]), starts_at=must_dt(r[3])
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
        starts = {s.play_schdl_no: s.start for s in screenings}
        applied: list[Transition] = []
        async with self.transaction() as db:
            await _upsert_screenings(db, screenings, counts, now)
            await record_history(db, [s.play_schdl_no for s in screenings], now, source)
            for (brch, theab), (wheelchair, total) in halls.items():
                await db.execute(
                    "INSERT OR REPLACE INTO halls (brch_no, theab_no, wheelchair_seats, "
                    "total_seats, seen_at) VALUES (?, ?, ?, ?, ?)",
                    [brch, theab, wheelchair, total, ts(now)],
                )
            await _learn_hidden_seats(db, screenings, counts)
            current = await watch_revisions(db, {tr.key[0] for tr in transitions})
            for tr in transitions:
                watch_id = tr.key[0]
                if watch_id not in current or current[watch_id] != revisions.get(watch_id):
                    continue
                told = {} if tr.key in folded else targets
                if await _apply_transition(db, tr, starts, told, now):
                    applied.append(tr)
        return applied

    async def prune(self, before: datetime) -> int:
        """Forget screenings that started before `before`, with their openings and alerts
        and their seat history (which cascades); check runs are kept as history."""
        cutoff = ts(before)
        async with self.transaction() as db:
            await db.execute("DELETE FROM openings WHERE starts_at < ?", [cutoff])
            await db.execute(
                "DELETE FROM silenced WHERE play_schdl_no IN "
                "(SELECT play_schdl_no FROM screenings WHERE starts_at < ?)",
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
            "JOIN screenings s ON s.play_schdl_no = o.play_schdl_no "
            f"WHERE o.closed_at IS NULL AND o.alerted = 1 AND o.watch_id IN ({marks(len(ids))}) "
            "ORDER BY s.starts_at",
            ids,
        )
        out: dict[int, list[dict[str, Any]]] = {}
        for r in rows:
            out.setdefault(r["watch_id"], []).append(screening_row(r))
        return out


async def _upsert_screenings(
    db: aiosqlite.Connection,
    screenings: Sequence[Screening],
    counts: Mapping[str, SeatCount],
    now: datetime,
) -> None:
    """Insert or update the last seen counts; `changed_at` moves only when they moved."""
    stamp = ts(now)
    for s in screenings:
        count = counts.get(s.play_schdl_no)
        values: dict[str, Any] = {
            "play_schdl_no": s.play_schdl_no,
            "brch_no": s.brch_no,
            "brch_nm": s.brch_nm,
            "theab_no": s.theab_no,
            "theab_nm": s.theab_nm,
            "format": s.format_code,
            "movie_no": s.movie_no,
            "rpst_movie_no": s.rpst_movie_no,
            "movie_nm": s.movie_nm,
            "play_de": s.play_de.isoformat(),
            "start_clock": s.start_clock,
            "end_clock": s.end_clock,
            "starts_at": ts(s.start),
            "rest_seat_cnt": s.rest_seat_cnt,
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
            f"ON CONFLICT (play_schdl_no) DO UPDATE SET {updates}, changed_at = CASE "
            "WHEN screenings.rest_seat_cnt IS excluded.rest_seat_cnt "
            "AND screenings.usable IS excluded.usable "
            "THEN screenings.changed_at ELSE excluded.changed_at END",
            list(values.values()),
        )


async def _apply_transition(
    db: aiosqlite.Connection,
    tr: Transition,
    starts: Mapping[str, datetime],
    targets: Mapping[int, Sequence[PendingAlert]],
    now: datetime,
) -> bool:
    """Apply one transition; False if it no longer applies (the key is already open)."""
    watch_id, play_schdl_no = tr.key
    if tr.change in (Change.OPENED, Change.BASELINE):
        alerted = tr.change is Change.OPENED
        async with db.execute(
            "INSERT OR IGNORE INTO openings (watch_id, play_schdl_no, starts_at, opened_at, "
            "alerted) VALUES (?, ?, ?, ?, ?)",
            [watch_id, play_schdl_no, ts(starts[play_schdl_no]), ts(now), alerted],
        ) as cursor:
            if not cursor.rowcount:
                return False  # open already: someone else recorded this opening
            opening_id = cursor.lastrowid
        if not alerted:
            return True
        async with db.execute(
            "SELECT user_id FROM silenced WHERE play_schdl_no = ?", [play_schdl_no]
        ) as cursor:
            silenced = {r[0] for r in await cursor.fetchall()}
        for target in recipients.for_screening(targets.get(watch_id, ()), silenced):
            await db.execute(
                "INSERT INTO alerts (opening_id, target_kind, target_id, mentions, nonce, "
                f"created_at) VALUES (?, ?, ?, ?, {NEW_NONCE_SQL}, ?)",
                [
                    opening_id,
                    target.target_kind,
                    target.target_id,
                    encode_mentions(target.mentions),
                    ts(now),
                ],
            )
        return True
    latest = "(SELECT max(id) FROM openings WHERE watch_id = ? AND play_schdl_no = ?)"
    if tr.change is Change.REVIVED:
        await db.execute(
            f"UPDATE openings SET closed_at = NULL, close_reason = NULL WHERE id = {latest}",
            [watch_id, play_schdl_no],
        )
        # An alert that expired undelivered (held in quiet hours, Discord down) is due again.
        await db.execute(
            f"UPDATE alerts SET status = 'pending', last_error = NULL WHERE status = 'expired' "
            f"AND opening_id = {latest}",
            [watch_id, play_schdl_no],
        )
    else:  # CLOSED, UNWATCHED or STARTED
        await db.execute(
            f"UPDATE openings SET closed_at = ?, close_reason = ? WHERE id = {latest}",
            [ts(now), tr.change.value, watch_id, play_schdl_no],
        )
    return True


async def _learn_hidden_seats(
    db: aiosqlite.Connection, screenings: Sequence[Screening], counts: Mapping[str, SeatCount]
) -> None:
    """Each hall's hidden seats from the maps read (the count rule, bot/seat_rule.py)."""
    for s in screenings:
        count = counts.get(s.play_schdl_no)
        if count is not None and count.hidden_seats is not None:
            await db.execute(
                "UPDATE halls SET hidden_seats = ? WHERE brch_no = ? AND theab_no = ?",
                [count.hidden_seats, s.brch_no, s.theab_no],
            )
