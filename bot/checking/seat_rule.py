"""Which screenings need a seat map, and what is known of each hall (product.md "Check").

`restSeatCnt` counts free wheelchair (and hidden) seats too, and which of them are free is
known only from a seat map: a wheelchair seat can sell while a normal one frees at an equal
count. So a screening whose count could satisfy a watch (`restSeatCnt` ≥ N) has its map read,
unless the count alone already settles it: for a watch that asks for N seats anywhere (not
together, no row or centre preference), usable ≥ N is certain whatever seats moved while
`restSeatCnt` minus every seat of the hall that can be free without being usable (its
wheelchair and hidden seats, from the hall as last read) is still ≥ N. Such a screening
matches "from the count"; a map read for another watch anyway is used for all of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from bot.chains import registry
from bot.chains.base import Screening
from bot.seats.count import SeatCount, estimate
from bot.watches.watch import Watch

#: (branch, hall): the branch qualified ("megabox:1351"), as screenings carry it
Hall = tuple[str, str]

#: Wheelchair seats per hall from MEGABOX's seat maps of 2026-08-17 (README §6.5), used until
#: this bot has read the hall's own seat map.
KNOWN_WHEELCHAIR_SEATS: dict[Hall, int] = {
    ("megabox:1351", "09"): 4,  # COEX MX4D, A13-A16
    ("megabox:4651", "06"): 0,  # Hanam Starfield MX4D
    ("megabox:0052", "04"): 0,  # Suwon AK Plaza MX4D
}


def placed(watch: Watch) -> bool:
    """The watch cares where the seats are: only a seat map can tell."""
    return watch.together or watch.prefs.active


def certain(screening: Screening, watch: Watch, unusable: int | None) -> bool:
    """Usable ≥ N follows from the count alone (`unusable`: see `HallFacts.unusable`)."""
    return (
        not placed(watch)
        and unusable is not None
        and screening.bookable
        and screening.free_seats - unusable >= watch.min_seats
    )


def needs_seat_map(
    screening: Screening, wanting: Iterable[Watch], halls: HallFacts | None = None
) -> bool:
    """A candidate: bookable, with a count that could satisfy some wanting watch that the
    count alone cannot settle."""
    if not screening.bookable:
        return False
    unusable = halls.unusable(screening) if halls is not None else None
    return any(
        screening.free_seats >= w.min_seats and not certain(screening, w, unusable) for w in wanting
    )


def from_count(
    screening: Screening, wanting: Iterable[Watch], halls: HallFacts
) -> SeatCount | None:
    """Without a seat map: the count that settles the watches `certain` holds for (their
    usable seats at least, the verdict exact); None when no wanting watch is settled by it
    (the count rules them all out)."""
    unusable = halls.unusable(screening)
    if unusable is None or not any(certain(screening, w, unusable) for w in wanting):
        return None
    # The estimate's seats, less the hidden ones too: a lower bound that settles `certain`.
    wheelchair = halls.wheelchair_seats(screening) or 0
    count = estimate(screening, wheelchair)
    return replace(count, usable=screening.free_seats - unusable, from_count=True)


@dataclass(slots=True)
class HallFacts:
    """Wheelchair and hidden seats per hall: the bot's own reads over the built-in table (of
    wheelchair seats only); the estimate for a screening whose map could not be read
    subtracts the wheelchair seats, the count rule needs both."""

    wheelchair: dict[Hall, int] = field(default_factory=dict)
    hidden: dict[Hall, int] = field(default_factory=dict)

    @classmethod
    def with_known(
        cls, stored: Mapping[Hall, int], hidden: Mapping[Hall, int] | None = None
    ) -> HallFacts:
        return cls({**KNOWN_WHEELCHAIR_SEATS, **stored}, dict(hidden or {}))

    def wheelchair_seats(self, screening: Screening) -> int | None:
        return self.wheelchair.get((screening.branch_id, screening.hall_id))

    def unusable(self, screening: Screening) -> int | None:
        """Seats of the hall that can be free without being usable (wheelchair and hidden
        ones), as this bot last read the hall; None: never read (the built-in table knows
        no hidden seats), or a chain whose count must not settle a watch (Lotte's: every map
        is its cross-check, so a stale count is caught, never alerted)."""
        hall = (screening.branch_id, screening.hall_id)
        if not registry.info(screening.screening_id).count_settles:
            return None
        if hall not in self.hidden or hall not in self.wheelchair:
            return None
        return self.wheelchair[hall] + self.hidden[hall]

    def learn(self, screening: Screening, wheelchair_seats: int, hidden: int | None = None) -> None:
        hall = (screening.branch_id, screening.hall_id)
        self.wheelchair[hall] = wheelchair_seats
        if hidden is not None:
            self.hidden[hall] = hidden
