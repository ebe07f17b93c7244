"""Per-screening history (what each check and fast poll saw) and what the fast lane reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import aiosqlite

from bot.store.base import Connection, chunks, marks, must_dt, ts


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    seen_at: datetime
    source: str  # check | fast
    free_seats: int
    usable: int | None  # None: restSeatCnt was below N, no seat map was needed
    best_block: int | None
    exact: bool


@dataclass(frozen=True, slots=True)
class ScreeningHistory:
    """One screening of a day with its points, oldest first, and when openings began."""

    screening_id: str
    branch_name: str
    hall_name: str
    start_clock: str
    starts_at: datetime
    points: tuple[HistoryPoint, ...]
    opened_at: tuple[datetime, ...]


@dataclass(frozen=True, slots=True)
class LaneRow:
    """A stored screening as the fast lane's policy needs it (bot/checking/fast_lane.py)."""

    screening_id: str
    branch_id: str
    play_date: date
    starts_at: datetime
    movie_id: str
    movie_group: str | None
    format: str | None
    free_seats: int
    usable: int | None
    bookable: bool
    seen_at: datetime
    changed_at: datetime


async def record_history(
    db: aiosqlite.Connection, screening_ids: Sequence[str], now: datetime, source: str
) -> None:
    """A point per screening just stored; a fast poll adds one only where the counts moved
    (`changed_at` is now), so a screening polled every two minutes costs rows only when
    something happens."""
    stamp = ts(now)
    for part in chunks(sorted(set(screening_ids))):
        await db.execute(
            "INSERT INTO screening_history (screening_id, seen_at, source, free_seats, "
            "usable, best_block, exact) SELECT screening_id, ?, ?, free_seats, usable, "
            f"best_block, exact FROM screenings WHERE screening_id IN ({marks(len(part))}) "
            "AND (? = 'check' OR changed_at = ?)",
            [stamp, source, *part, source, stamp],
        )


class HistoryQueries(Connection):
    async def day_history(self, watch_id: int, play_date: date) -> list[ScreeningHistory]:
        """The screenings of `play_date` that this watch's branches, movie and formats cover,
        each with its points and the openings it had for this watch."""
        watch = await self._one("SELECT * FROM watches WHERE id = ?", [watch_id])
        if watch is None:
            return []
        branches = [b for b in watch["branches"].split(",") if b]
        formats = [f for f in watch["formats"].split(",") if f]
        movie = watch["movie_id"]
        if not branches:
            return []
        where = (
            f"s.play_date = ? AND s.branch_id IN ({marks(len(branches))}) "
            "AND (s.movie_id = ? OR s.movie_group = ?)"
        )
        params: list[object] = [play_date.isoformat(), *branches, movie, movie]
        if formats:
            where += f" AND s.format IN ({marks(len(formats))})"
            params += formats
        rows = await self._all(
            f"SELECT s.screening_id, s.branch_name, s.hall_name, s.start_clock, s.starts_at, "
            f"h.seen_at, h.source, h.free_seats, h.usable, h.best_block, h.exact "
            f"FROM screenings s JOIN screening_history h ON h.screening_id = s.screening_id "
            f"WHERE {where} ORDER BY s.starts_at, s.screening_id, h.seen_at",
            params,
        )
        opened = await self._all(
            "SELECT screening_id, opened_at FROM openings WHERE watch_id = ? AND alerted = 1 "
            "ORDER BY opened_at",
            [watch_id],
        )
        openings: dict[str, list[datetime]] = {}
        for r in opened:
            openings.setdefault(r[0], []).append(must_dt(r[1]))
        out: dict[str, tuple[aiosqlite.Row, list[HistoryPoint]]] = {}
        for r in rows:
            point = HistoryPoint(
                must_dt(r["seen_at"]),
                r["source"],
                r["free_seats"],
                r["usable"],
                r["best_block"],
                bool(r["exact"]),
            )
            out.setdefault(r["screening_id"], (r, []))[1].append(point)
        return [
            ScreeningHistory(
                no,
                r["branch_name"],
                r["hall_name"],
                r["start_clock"],
                must_dt(r["starts_at"]),
                tuple(points),
                tuple(openings.get(no, ())),
            )
            for no, (r, points) in out.items()
        ]

    async def history_dates(self, watch_id: int) -> list[date]:
        """Play dates with history for this watch's branches (for autocomplete and hints)."""
        watch = await self._one("SELECT branches, movie_id FROM watches WHERE id = ?", [watch_id])
        if watch is None:
            return []
        branches = [b for b in watch[0].split(",") if b]
        rows = await self._all(
            "SELECT DISTINCT s.play_date FROM screenings s WHERE "
            f"s.branch_id IN ({marks(len(branches))}) AND (s.movie_id = ? OR s.movie_group = ?) "
            "AND EXISTS (SELECT 1 FROM screening_history h "
            "WHERE h.screening_id = s.screening_id) ORDER BY s.play_date",
            [*branches, watch[1], watch[1]],
        )
        return [date.fromisoformat(r[0]) for r in rows]

    async def lane_rows(self, branches: Sequence[str], after: datetime) -> list[LaneRow]:
        """Stored screenings at these branches that start after `after`."""
        if not branches:
            return []
        rows = await self._all(
            "SELECT screening_id, branch_id, play_date, starts_at, movie_id, movie_group, "
            "format, free_seats, usable, bookable, seen_at, changed_at FROM screenings "
            f"WHERE branch_id IN ({marks(len(branches))}) AND starts_at > ?",
            [*sorted(set(branches)), ts(after)],
        )
        return [
            LaneRow(
                r[0],
                r[1],
                date.fromisoformat(r[2]),
                must_dt(r[3]),
                r[4],
                r[5],
                r[6],
                r[7],
                r[8],
                bool(r[9]),
                must_dt(r[10]),
                must_dt(r[11]),
            )
            for r in rows
        ]
