"""The fewest MEGABOX requests that answer every active watch.

One `selectBokdList.do` call covers one date and up to three branches (README §4), so for a
date the minimum is ceil(branches wanted that date / 3). We cut the union of all watches'
branches into *chunks* of three, grouping branches that are wanted on the same days, and ask
each chunk only for the dates some watch of it wants *and* MEGABOX lists as open. The open-dates
calendar comes free with every answer (§4.4), so the first request of a chunk (the *probe*,
its earliest wanted date) tells which of its other dates are worth a request.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.chains.megabox.client import MAX_BRANCHES_PER_CALL, MAX_MOVIES_PER_CALL
from bot.chains.megabox.models import CalendarDay
from bot.watches.watch import Watch


@dataclass(frozen=True, slots=True)
class Chunk:
    """Up to three branches fetched together, with the watches that need them."""

    branches: tuple[str, ...]
    #: The movie filter: the chunk's movies when three or fewer, else () = every movie.
    movies: tuple[str, ...]
    watches: tuple[Watch, ...]

    def probe_date(self, today: date, horizon_days: int) -> date | None:
        """The earliest date a watch of this chunk could want; None if none could."""
        dates = self.candidate_dates(today, horizon_days)
        if dates:
            return dates[0]
        # Only a holiday could still be wanted: ask today, just to read the calendar.
        return today if any(w.days.wants_holidays for w in self.watches) else None

    def candidate_dates(self, today: date, horizon_days: int) -> list[date]:
        found = {d for w in self.watches for d in w.days.candidate_dates(today, horizon_days)}
        return sorted(found)

    def dates_to_fetch(
        self, calendar: Mapping[date, CalendarDay], today: date, horizon_days: int
    ) -> list[date]:
        """Open dates in the horizon that some watch of this chunk wants (holidays included)."""
        last = today + timedelta(days=horizon_days - 1)
        return sorted(
            day
            for day, entry in calendar.items()
            if today <= day <= last
            and entry.open
            and any(w.days.wants(day, entry.holiday) for w in self.watches)
        )


def make_chunks(watches: Iterable[Watch], today: date, horizon_days: int) -> list[Chunk]:
    """Cut the branches of all active watches into chunks of three.

    Branches wanted on the same dates go together, so a date's requests only cover branches
    that want it; the number of chunks is the minimum, ceil(branches / 3).
    """
    active = [w for w in watches if not w.paused]
    by_branch: dict[str, list[Watch]] = defaultdict(list)
    for watch in active:
        for branch in watch.branches:
            by_branch[branch].append(watch)

    def signature(branch: str) -> tuple[tuple[date, ...], tuple[str, ...], str]:
        ws = by_branch[branch]
        days = {d for w in ws for d in w.days.candidate_dates(today, horizon_days)}
        return (tuple(sorted(days)), tuple(sorted({w.movie_no for w in ws})), branch)

    ordered = sorted(by_branch, key=signature)
    chunks: list[Chunk] = []
    for start in range(0, len(ordered), MAX_BRANCHES_PER_CALL):
        branches = tuple(ordered[start : start + MAX_BRANCHES_PER_CALL])
        members = _unique(w for b in branches for w in by_branch[b])
        movies = tuple(sorted({w.movie_no for w in members}))
        chunks.append(
            Chunk(
                branches=branches,
                movies=movies if len(movies) <= MAX_MOVIES_PER_CALL else (),
                watches=tuple(members),
            )
        )
    return chunks


def _unique(watches: Iterable[Watch]) -> list[Watch]:
    seen: dict[int, Watch] = {}
    for watch in watches:
        seen.setdefault(id(watch), watch)
    return list(seen.values())


def minimum_listing_requests(
    watches: Sequence[Watch], calendar: Mapping[date, CalendarDay], today: date, horizon_days: int
) -> int:
    """A lower bound for one check: per open wanted date, ceil(branches wanted / 3).

    Used by tests and the benchmark to compare the plan against; it assumes one shared
    calendar (what the fake serves).
    """
    last = today + timedelta(days=horizon_days - 1)
    total = 0
    for day, entry in calendar.items():
        if not (today <= day <= last and entry.open):
            continue
        branches = {
            b
            for w in watches
            if not w.paused and w.days.wants(day, entry.holiday)
            for b in w.branches
        }
        total += math.ceil(len(branches) / MAX_BRANCHES_PER_CALL)
    return total
