"""What one check found, as frozen values: the checker produces them, the report, the CLI
and the cogs read them (no import of the checker needed, so no import cycle)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from bot.chains.base import Screening
from bot.seats.count import SeatCount
from bot.seats.prefs import Judgement
from bot.watches.openings import Transition
from bot.watches.watch import Watch


@dataclass(frozen=True, slots=True)
class CheckError:
    kind: str
    message: str
    scope: str  # what could not be checked, in words
    #: The branches it concerns (empty: the whole check), so a member is shown only errors
    #: about their own watches' branches.
    branches: frozenset[str] = frozenset()
    #: The chain that failed ("" when no chain did: the store, a film list of several).
    chain: str = ""
    #: How many of a kind a warning counts (seat maps, entries); the status line says it.
    count: int = 0


@dataclass(frozen=True, slots=True)
class SeenScreening:
    """A screening some watch wants (whatever its seats), with what we know of its seats."""

    screening: Screening
    count: SeatCount | None  # None: restSeatCnt alone ruled it out, no seat map needed
    wanted_by: tuple[int, ...]
    matched_by: tuple[int, ...]
    #: Per watch with seat preferences: its count (by preference) and why it missed.
    judged: tuple[tuple[int, Judgement], ...] = ()

    def count_for(self, watch_id: int) -> SeatCount | None:
        """The count as one watch sees it: by its preferences, else the hall's."""
        return next((j.count for wid, j in self.judged if wid == watch_id), self.count)

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why watches with preferences missed it ("5 free, none in rows E–J")."""
        return tuple(
            dict.fromkeys(
                j.reason for wid, j in self.judged if wid not in self.matched_by and j.reason
            )
        )

    @property
    def usable(self) -> int:
        """Best known usable count, for sorting near misses."""
        if self.count is not None:
            return self.count.usable
        return self.screening.free_seats


@dataclass(frozen=True, slots=True)
class NewOpening:
    watch_id: int
    screening: Screening
    count: SeatCount


@dataclass(frozen=True, slots=True)
class CheckResult:
    trigger: str
    started_at: datetime
    finished_at: datetime
    watches: tuple[Watch, ...]
    dates_checked: tuple[date, ...] = ()
    screenings: tuple[SeenScreening, ...] = ()
    rows_seen: int = 0
    openings: tuple[NewOpening, ...] = ()
    transitions: tuple[Transition, ...] = ()
    errors: tuple[CheckError, ...] = ()  # parts that could not be checked
    warnings: tuple[CheckError, ...] = ()  # checked, but with estimated seat counts
    requests: int = 0
    #: The requests per chain that was asked (each chain has its own budget).
    requests_by_chain: tuple[tuple[str, int], ...] = ()
    seat_maps: int = 0
    #: Watches for which this check saw everything they need (their branches × dates).
    covered: frozenset[int] = frozenset()

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def failed(self) -> bool:
        """Nothing at all could be checked."""
        return bool(self.errors) and not self.dates_checked

    @property
    def duration(self) -> timedelta:
        return self.finished_at - self.started_at

    @property
    def matches(self) -> list[SeenScreening]:
        return [s for s in self.screenings if s.matched_by]

    def for_watches(self, watch_ids: Collection[int]) -> CheckResult:
        """The same check seen from some watches (what one member may see): only their
        screenings, matches and openings."""
        ids = set(watch_ids)
        branches = {b for w in self.watches if w.id in ids for b in w.branches}
        return replace(
            self,
            watches=tuple(w for w in self.watches if w.id in ids),
            screenings=tuple(
                replace(
                    s,
                    wanted_by=tuple(i for i in s.wanted_by if i in ids),
                    matched_by=tuple(i for i in s.matched_by if i in ids),
                    judged=tuple((i, j) for i, j in s.judged if i in ids),
                )
                for s in self.screenings
                if ids.intersection(s.wanted_by)
            ),
            openings=tuple(o for o in self.openings if o.watch_id in ids),
            errors=tuple(e for e in self.errors if not e.branches or e.branches & branches),
            warnings=tuple(e for e in self.warnings if not e.branches or e.branches & branches),
            transitions=tuple(t for t in self.transitions if t.key[0] in ids),
            covered=self.covered & ids,
        )

    def near_misses(self, limit: int = 5) -> list[SeenScreening]:
        misses = [s for s in self.screenings if not s.matched_by and s.screening.bookable]
        return sorted(misses, key=lambda s: (-s.usable, s.screening.start))[:limit]
