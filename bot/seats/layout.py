"""A hall's seats as drawn and judged: position, width, free or taken, wheelchair, seat block.

Made from a chain's seat map (neutral seats, bot/chains/base.py) and stored with the
screening (compact JSON), so seat preferences and the seat-map picture can be worked out
again when an alert is delivered later (a retry, a restart) without asking the chain again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from functools import cached_property

import msgspec

from bot.chains.base import Seat, SeatMap, shared_seat

#: The seat as this package speaks of it.
LayoutSeat = Seat
#: Without group fields, seats touch when their x positions are at most this many seat widths
#: apart; aisles are as narrow as 1.1 widths (Hanam MX4D), so stay under that.
ADJACENT_TOLERANCE = 1.05


class SeatLayout:
    """A hall's seats. Read back from the store it stays the stored text until its seats are
    needed (a check reads the stored layout of every screening of a chunk, and most are never
    looked at), and storing it again reuses that text."""

    __slots__ = ("__dict__", "_encoded", "_seats")

    def __init__(
        self, seats: tuple[LayoutSeat, ...] | None = None, *, encoded: str | None = None
    ) -> None:
        if seats is None and encoded is None:
            raise ValueError("a layout needs its seats or their stored text")
        self._seats = seats
        self._encoded = encoded

    @property
    def seats(self) -> tuple[LayoutSeat, ...]:
        if self._seats is None:
            assert self._encoded is not None
            self._seats = tuple(
                shared_seat(r, lbl, float(x), float(y), float(w), bool(f), bool(wc), g, q)
                for r, lbl, x, y, w, f, wc, g, q in msgspec.json.decode(self._encoded)
            )
        return self._seats

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SeatLayout) and self.seats == other.seats

    def __hash__(self) -> int:
        return hash(self.seats)

    def __repr__(self) -> str:
        return f"SeatLayout({len(self.seats)} seats)"

    @classmethod
    def from_seat_map(cls, seat_map: SeatMap) -> SeatLayout:
        return cls(seat_map.seats)

    # -- geometry from the hall itself --------------------------------------------------------

    @cached_property
    def _rows_extent(self) -> tuple[LayoutSeat, ...]:
        # The seat rows' own extent: a wheelchair bay beside a row would skew the middle.
        ordinary = tuple(s for s in self.seats if not s.wheelchair)
        return ordinary or self.seats

    @cached_property
    def left(self) -> float:
        return min((s.x for s in self._rows_extent), default=0.0)

    @cached_property
    def right(self) -> float:
        return max((s.x + s.w for s in self._rows_extent), default=0.0)

    @property
    def mid(self) -> float:
        """The hall's centre line (the screen's middle), from seat positions, not numbers."""
        return (self.left + self.right) / 2

    @property
    def width(self) -> float:
        return self.right - self.left

    @cached_property
    def rows(self) -> tuple[str, ...]:
        """Row letters, screen side first."""
        first: dict[str, float] = {}
        for s in self.seats:
            first[s.row] = min(first.get(s.row, s.y), s.y)
        return tuple(sorted(first, key=lambda r: (first[r], r)))

    # -- storage ------------------------------------------------------------------------------

    def encode(self) -> str:
        if self._encoded is not None:  # read from the store: the same text again
            return self._encoded
        # Not kept: a check holds hundreds of fresh layouts and stores each once.
        return msgspec.json.encode(
            [[s.row, s.label, s.x, s.y, s.w, int(s.free), int(s.wheelchair), s.grp, s.seq]
             for s in self.seats]
        ).decode()  # fmt: skip

    @classmethod
    def decode(cls, text: str) -> SeatLayout:
        return cls(encoded=text)


def runs(seats: Iterable[LayoutSeat]) -> list[tuple[LayoutSeat, ...]]:
    """Every run of the given seats that sit together: same row and seat block with
    consecutive positions, or (without group fields) touching x positions (README §11)."""
    grouped: dict[tuple[str, int], list[LayoutSeat]] = defaultdict(list)
    loose: dict[str, list[LayoutSeat]] = defaultdict(list)
    for seat in seats:
        if seat.grp is not None and seat.seq is not None:
            grouped[(seat.row, seat.grp)].append(seat)
        else:
            loose[seat.row].append(seat)
    out: list[tuple[LayoutSeat, ...]] = []
    for members in grouped.values():
        members.sort(key=lambda s: s.seq or 0)
        out += _split(members, lambda a, b: b.seq == (a.seq or 0) + 1)
    for members in loose.values():
        members.sort(key=lambda s: s.x)
        out += _split(members, lambda a, b: 0 < b.x - a.x <= ADJACENT_TOLERANCE * a.w)
    return out


def _split(
    ordered: Sequence[LayoutSeat], touching: Callable[[LayoutSeat, LayoutSeat], bool]
) -> list[tuple[LayoutSeat, ...]]:
    found: list[tuple[LayoutSeat, ...]] = []
    current: list[LayoutSeat] = []
    for seat in ordered:
        if current and not touching(current[-1], seat):
            found.append(tuple(current))
            current = []
        current.append(seat)
    if current:
        found.append(tuple(current))
    return found
