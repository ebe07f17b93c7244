"""Seat evaluation: usable free seats and the best block of adjacent ones (README §6.4, §11)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from bot.megabox.models import Screening, Seat, SeatMap
from bot.seat_layout import SeatLayout

FREE = "GERN_SELL"
WHEELCHAIR = "DISABLED_CLS"
#: Without group fields, seats are adjacent when their x positions are at most this many seat
#: widths apart; aisles are as narrow as 1.1 widths (Hanam MX4D), so stay under that.
ADJACENT_TOLERANCE = 1.05


@dataclass(frozen=True, slots=True)
class SeatCount:
    """What a screening offers. `exact` is False for the restSeatCnt-based estimate."""

    free: int
    usable: int
    best_block: int
    best_row: str | None
    best_seats: tuple[str, ...]
    total: int | None
    wheelchair_free: int
    wheelchair_seats: int | None
    exact: bool
    #: The hall as read (None for an estimate): seat preferences and the picture need it.
    layout: SeatLayout | None = field(default=None, compare=False, repr=False)

    def satisfies(self, min_seats: int, together: bool) -> bool:
        if together:
            # An estimate says nothing about adjacency: only a seat map can prove a block.
            return self.exact and self.best_block >= min_seats
        return self.usable >= min_seats


def is_free(seat: Seat) -> bool:
    # seatSellTyCd is the sale type, not the status: it says GERN_SELL on sold seats too.
    return seat.seat_stat_cd == FREE


def is_usable(seat: Seat) -> bool:
    return is_free(seat) and seat.seat_expo_at == "Y" and seat.seat_class_cd != WHEELCHAIR


def best_block(seats: Iterable[Seat]) -> tuple[Seat, ...]:
    """The longest run of seats (given usable) that sit together in one row and seat block."""
    grouped: dict[tuple[str, int], list[Seat]] = defaultdict(list)
    loose: dict[str, list[Seat]] = defaultdict(list)
    for seat in seats:
        if seat.grp_no is not None and seat.grp_seq is not None:
            grouped[(seat.row_nm, seat.grp_no)].append(seat)
        else:
            loose[seat.row_nm].append(seat)
    best: tuple[Seat, ...] = ()
    for members in grouped.values():
        members.sort(key=lambda s: s.grp_seq or 0)
        best = max(best, *_runs(members, _consecutive_seq), key=len)
    for members in loose.values():
        members.sort(key=lambda s: s.horz if s.horz is not None else -1.0)
        best = max(best, *_runs(members, _touching), key=len)
    return best


def _consecutive_seq(a: Seat, b: Seat) -> bool:
    return a.grp_seq is not None and b.grp_seq is not None and b.grp_seq == a.grp_seq + 1


def _touching(a: Seat, b: Seat) -> bool:
    if a.horz is None or b.horz is None:
        return False
    width = a.horz_size or 1.0
    return 0 < b.horz - a.horz <= ADJACENT_TOLERANCE * width


def _runs(
    ordered: Sequence[Seat], adjacent: Callable[[Seat, Seat], bool]
) -> list[tuple[Seat, ...]]:
    runs: list[tuple[Seat, ...]] = [()]
    current: list[Seat] = []
    for seat in ordered:
        if current and not adjacent(current[-1], seat):
            runs.append(tuple(current))
            current = []
        current.append(seat)
    runs.append(tuple(current))
    return runs


def evaluate(seat_map: SeatMap) -> SeatCount:
    """The exact answer from a seat map."""
    shown = [s for s in seat_map.seats if s.seat_expo_at == "Y"]
    free = [s for s in shown if is_free(s)]
    usable = [s for s in free if s.seat_class_cd != WHEELCHAIR]
    block = best_block(usable)
    return SeatCount(
        free=len(free),
        usable=len(usable),
        best_block=len(block),
        best_row=block[0].row_nm if block else None,
        best_seats=tuple(s.label for s in block),
        total=len(shown),
        wheelchair_free=sum(1 for s in free if s.seat_class_cd == WHEELCHAIR),
        wheelchair_seats=sum(1 for s in shown if s.seat_class_cd == WHEELCHAIR),
        exact=True,
        layout=SeatLayout.from_seat_map(seat_map),
    )


def estimate(screening: Screening, wheelchair_seats: int | None) -> SeatCount:
    """Without a seat map: restSeatCnt minus the wheelchair seats last seen in that hall.

    restSeatCnt counts unsold wheelchair seats (README §11); assuming all of them are free
    gives a lower bound on the usable seats. In a hall never seen (and not among the known
    MX4D halls) nothing can be subtracted, so the figure may be too high: it is always marked
    as an estimate, and an estimate never proves seats together.
    """
    known = wheelchair_seats or 0
    return SeatCount(
        free=screening.rest_seat_cnt,
        usable=max(screening.rest_seat_cnt - known, 0),
        best_block=0,
        best_row=None,
        best_seats=(),
        total=screening.total_seats,
        wheelchair_free=min(known, screening.rest_seat_cnt),
        wheelchair_seats=wheelchair_seats,
        exact=False,
    )
