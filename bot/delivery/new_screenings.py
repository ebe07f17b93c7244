"""New screenings (product.md "new screening" versus "opening"): plain values in, decisions out.

A screening is *new* for a watch when the watch wants it and it was not there at the
watch's previous check: a date that opened, or shows added to a known date. What a watch has
seen is remembered per watch (the store's `watch_screenings`), and only screenings of
listings a check actually read are judged, so a failed listing neither makes everything
"new" next time nor loses news: what was not read stays unknown and is judged when it is.

A watch added or whose matching changed starts with a *baseline*: its first covered check
only remembers what exists. A watch that was waiting for its film has none: its first
screenings are what its user asked to hear of. A screening is new once, when it first
appears; its later change to bookable (`bokdAbleAt`, README §10) is an opening.

All new screenings of one watch in one check become one message, grouped by date, then
branch and hall (`group`); their seat openings in that same check are folded into it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Set
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from bot.chains.base import Screening, qualified
from bot.seats.count import SeatCount
from bot.watches.openings import Key


@dataclass(frozen=True, slots=True)
class NewScreening:
    """One line of a new-screenings message, as the check saw it."""

    screening_id: str
    branch_id: str
    branch_name: str
    hall_name: str
    format: str | None
    play_date: date
    start_clock: str
    end_clock: str
    free_seats: int  # MEGABOX's count, wheelchair seats included
    usable: int | None  # None: no seat map was needed (too few seats for the watch)
    total: int | None
    exact: bool
    bookable: bool
    matches: bool  # enough seats for the watch: its seat opening is folded in here

    @classmethod
    def of(cls, screening: Screening, count: SeatCount | None, matches: bool) -> NewScreening:
        return cls(
            screening_id=screening.screening_id,
            branch_id=screening.branch_id,
            branch_name=screening.branch_name,
            hall_name=screening.hall_name,
            format=screening.format_code,
            play_date=screening.play_date,
            start_clock=screening.start_clock,
            end_clock=screening.end_clock,
            free_seats=screening.free_seats,
            usable=count.usable if count else None,
            total=(count.total if count and count.total else None) or screening.total_seats,
            exact=bool(count and count.exact),
            bookable=screening.bookable,
            matches=matches,
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"play_date": self.play_date.isoformat()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> NewScreening:
        # Messages stored before there were two chains use MEGABOX's field names and bare
        # numbers (migration 0010 left their JSON as it was).
        fields = {_RENAMED.get(k, k): v for k, v in data.items()}
        return cls(
            **fields
            | {
                "play_date": date.fromisoformat(fields["play_date"]),
                "screening_id": qualified(fields["screening_id"]),
                "branch_id": qualified(fields["branch_id"]),
            }
        )


_RENAMED = {
    "play_schdl_no": "screening_id",
    "brch_no": "branch_id",
    "brch_nm": "branch_name",
    "theab_nm": "hall_name",
    "play_de": "play_date",
    "rest_seat_cnt": "free_seats",
}


@dataclass(frozen=True, slots=True)
class News:
    """What one part of a check means for new screenings."""

    #: watch id → its new screenings' numbers, to announce (only watches that tell news).
    new: dict[int, list[str]] = field(default_factory=dict)
    #: (watch, screening) pairs to remember as seen, announced or not.
    remember: set[Key] = field(default_factory=set)

    @property
    def folded(self) -> set[Key]:
        """Seat openings that the new-screenings message tells instead of an alert."""
        return {(w, no) for w, nos in self.new.items() for no in nos}


def sort_out(
    seen: Iterable[tuple[str, Collection[int]]],
    known: Mapping[int, Set[str]],
    *,
    baseline: Collection[int],
    announce: Collection[int],
) -> News:
    """`seen`: each screening a check read, with the watches that want it; `known`: what
    each watch has seen before; `baseline`: watches that only remember this time;
    `announce`: watches that want to be told of new screenings."""
    news = News()
    for no, watch_ids in seen:
        for wid in watch_ids:
            if no in known.get(wid, ()):
                continue
            news.remember.add((wid, no))
            if wid not in baseline and wid in announce:
                news.new.setdefault(wid, []).append(no)
    return news


@dataclass(frozen=True, slots=True)
class HallGroup:
    branch_id: str
    branch_name: str
    hall_name: str
    screenings: tuple[NewScreening, ...]


@dataclass(frozen=True, slots=True)
class DayGroup:
    play_date: date
    halls: tuple[HallGroup, ...]

    @property
    def count(self) -> int:
        return sum(len(h.screenings) for h in self.halls)


def group(items: Iterable[NewScreening]) -> list[DayGroup]:
    """By date, then branch and hall (by name), each hall's screenings by start time."""
    days: dict[date, dict[tuple[str, str, str], list[NewScreening]]] = {}
    for item in items:
        hall = (item.branch_name, item.branch_id, item.hall_name)
        days.setdefault(item.play_date, {}).setdefault(hall, []).append(item)
    return [
        DayGroup(
            day,
            tuple(
                HallGroup(branch_id, branch_name, hall_name, tuple(sorted(rows, key=_start)))
                for (branch_name, branch_id, hall_name), rows in sorted(halls.items())
            ),
        )
        for day, halls in sorted(days.items())
    ]


def _start(item: NewScreening) -> tuple[str, str]:
    # "HH:MM" sorts as text; MEGABOX writes times past midnight as 24:xx, which sort last.
    return (item.start_clock.zfill(5), item.screening_id)
