"""Seat evaluation: usable free seats and the best block of adjacent ones (README §6.4, §11)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.chains.base import Screening, SeatMap
from bot.seats.layout import SeatLayout, runs


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
    #: Seats the map lists but does not show (None: no map read); the count rule needs them.
    hidden_seats: int | None = None
    #: No map read because the count alone settles it (seat_rule.from_count): `usable` is a
    #: lower bound, yet the verdict is certain, so it can close an opening like a map.
    from_count: bool = False

    @property
    def settled(self) -> bool:
        """Its verdicts are certain: a map was read, or the count alone decided."""
        return self.exact or self.from_count

    def satisfies(self, min_seats: int, together: bool) -> bool:
        if together:
            # An estimate says nothing about adjacency: only a seat map can prove a block.
            return self.exact and self.best_block >= min_seats
        return self.usable >= min_seats


def evaluate(seat_map: SeatMap) -> SeatCount:
    """The exact answer from a seat map; an estimate when the chain's own cross-check of it
    failed (its `disagreement`): then it never closes an opening nor proves seats together."""
    layout = SeatLayout.from_seat_map(seat_map)
    seats = layout.seats
    free = [s for s in seats if s.free]
    # The longest run of usable seats that sit together (layout.runs).
    block = max(runs(s for s in seats if s.usable), key=len, default=())
    return SeatCount(
        free=len(free),
        usable=sum(1 for s in free if not s.wheelchair),
        best_block=len(block),
        best_row=block[0].row if block else None,
        best_seats=tuple(s.label for s in block),
        total=len(seats),
        wheelchair_free=sum(1 for s in free if s.wheelchair),
        wheelchair_seats=sum(1 for s in seats if s.wheelchair),
        exact=seat_map.disagreement is None,
        layout=layout,
        hidden_seats=seat_map.uncounted,
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
        free=screening.free_seats,
        usable=max(screening.free_seats - known, 0),
        best_block=0,
        best_row=None,
        best_seats=(),
        total=screening.total_seats,
        wheelchair_free=min(known, screening.free_seats),
        wheelchair_seats=wheelchair_seats,
        exact=False,
    )
