"""The fewest listing requests that answer every active watch, per chain.

A chain's listing request covers one date and as many branches as its request shape allows
(MEGABOX: three, `selectBokdList.do`; Lotte: one, with every film), so for a date the minimum
is ceil(branches of that chain wanted that date / its width). We cut each chain's branches
into *chunks* of that width, grouping branches that are wanted on the same days, and ask each
chunk only for the dates some watch of it wants *and* its chain lists as open. The calendar
of open dates comes with every listing, so the first request of a chunk (the *probe*, its
earliest wanted date) tells which of its other dates are worth a request.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.chains import registry
from bot.chains.base import OpenDay, chain_of
from bot.watches.watch import Watch


@dataclass(frozen=True, slots=True)
class Chunk:
    """Branches of one chain fetched together (as many as its request takes), with the
    watches that need them."""

    branches: tuple[str, ...]
    #: The movie filter: the chunk's movies when the chain's request can name them all,
    #: else () = every movie.
    movies: tuple[str, ...]
    watches: tuple[Watch, ...]

    @property
    def chain(self) -> str:
        return chain_of(self.branches[0])

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
        self, calendar: Mapping[date, OpenDay], today: date, horizon_days: int
    ) -> list[date]:
        """Open dates in the horizon that some watch of this chunk wants (holidays included)."""
        last = today + timedelta(days=horizon_days - 1)
        return sorted(
            day
            for day, entry in calendar.items()
            if today <= day <= last
            and entry.open
            and any(_wants(w, day, entry.holiday) for w in self.watches)
        )


def _wants(watch: Watch, day: date, holiday: bool | None) -> bool:
    """A date whose holiday flag the chain does not give is asked when either could do."""
    if holiday is None:
        return watch.days.wants(day, False) or watch.days.wants(day, True)
    return watch.days.wants(day, holiday)


def make_chunks(watches: Iterable[Watch], today: date, horizon_days: int) -> list[Chunk]:
    """Cut the branches of all active watches into chunks, each of one chain and as wide as
    its listing request.

    Branches wanted on the same dates go together, so a date's requests only cover branches
    that want it; the number of chunks is the minimum, ceil(branches / width) per chain.
    """
    active = [w for w in watches if not w.paused]
    by_branch: dict[str, list[Watch]] = defaultdict(list)
    for watch in active:
        for branch in watch.branches:
            by_branch[branch].append(watch)

    def signature(branch: str) -> tuple[tuple[date, ...], tuple[str, ...], str]:
        ws = by_branch[branch]
        days = {d for w in ws for d in w.days.candidate_dates(today, horizon_days)}
        return (tuple(sorted(days)), tuple(sorted({w.movie_id for w in ws})), branch)

    chunks: list[Chunk] = []
    for chain in registry.known():
        shape = registry.info(chain).shape
        width, films = shape.branches_per_listing, shape.movies_per_listing
        ordered = sorted((b for b in by_branch if chain_of(b) == chain), key=signature)
        for start in range(0, len(ordered), width):
            branches = tuple(ordered[start : start + width])
            members = _unique(w for b in branches for w in by_branch[b])
            movies = tuple(sorted({w.movie_id for w in members}))
            chunks.append(
                Chunk(
                    branches=branches,
                    movies=movies if films is not None and len(movies) <= films else (),
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
    watches: Sequence[Watch], calendar: Mapping[date, OpenDay], today: date, horizon_days: int
) -> int:
    """A lower bound for one check: per open wanted date and chain, ceil(branches of that
    chain wanted / its request's width).

    Used by tests and the benchmark to compare the plan against; it assumes one shared
    calendar (what the fake serves).
    """
    last = today + timedelta(days=horizon_days - 1)
    total = 0
    for day, entry in calendar.items():
        if not (today <= day <= last and entry.open):
            continue
        branches = {
            b for w in watches if not w.paused and _wants(w, day, entry.holiday) for b in w.branches
        }
        total += sum(
            math.ceil(
                sum(1 for b in branches if chain_of(b) == c)
                / registry.info(c).shape.branches_per_listing
            )
            for c in registry.known()
        )
    return total
