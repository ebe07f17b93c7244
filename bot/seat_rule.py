"""Which screenings need a seat map, and what is known of each hall (product.md "Check").

`restSeatCnt` counts free wheelchair seats too, and which of them are free is known only
from a seat map: a wheelchair seat can sell while a normal one frees at an equal count. So a
screening whose count could satisfy a watch (`restSeatCnt` ≥ N) has its map read at every
check; only one below every wanting watch's N, or not bookable at all, needs none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bot.megabox.models import Screening
from bot.watches import Watch

#: (branch, hall)
Hall = tuple[str, str]

#: Wheelchair seats per hall from MEGABOX's seat maps of 2026-08-17 (README §6.5), used until
#: this bot has read the hall's own seat map.
KNOWN_WHEELCHAIR_SEATS: dict[Hall, int] = {
    ("1351", "09"): 4,  # COEX MX4D, A13-A16
    ("4651", "06"): 0,  # Hanam Starfield MX4D
    ("0052", "04"): 0,  # Suwon AK Plaza MX4D
}


def needs_seat_map(screening: Screening, wanting: Iterable[Watch]) -> bool:
    """A candidate: bookable, with a count that could satisfy some wanting watch."""
    need = min((w.min_seats for w in wanting), default=None)
    return need is not None and screening.bookable and screening.rest_seat_cnt >= need


@dataclass(slots=True)
class HallFacts:
    """Wheelchair seats per hall: the bot's own reads over the built-in table; the estimate
    for a screening whose map could not be read subtracts them."""

    wheelchair: dict[Hall, int] = field(default_factory=dict)

    @classmethod
    def with_known(cls, stored: Mapping[Hall, int]) -> HallFacts:
        return cls({**KNOWN_WHEELCHAIR_SEATS, **stored})

    def wheelchair_seats(self, screening: Screening) -> int | None:
        return self.wheelchair.get((screening.brch_no, screening.theab_no))

    def learn(self, screening: Screening, wheelchair_seats: int) -> None:
        self.wheelchair[(screening.brch_no, screening.theab_no)] = wheelchair_seats
