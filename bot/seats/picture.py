"""The seat-map picture as a plain layout model: rectangles, colours and labels.

The hall is drawn as MEGABOX draws it, seen from the screen: the screen on top, seats at
their `horzCoorVal`/`vertCoorVal` with their `horzSizeRt` width (aisles stay gaps, fractional
positions stay fractional), row letters on both sides. Colours say: free and usable, taken,
wheelchair seat, free but outside the watch's preference, and the alerted block. The model
is what tests compare; `bot/drawing/pictures.py` only paints it (Pillow, in a worker process).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from bot.i18n import N_, _
from bot.seats.layout import LayoutSeat, SeatLayout
from bot.seats.prefs import SeatPrefs

Colour = tuple[int, int, int]

#: Seat colours (readable on Discord's dark and light themes alike).
FREE: Colour = (46, 204, 113)  # free and usable
TAKEN: Colour = (88, 92, 100)
WHEELCHAIR: Colour = (52, 152, 219)  # never counted, free or not
OUTSIDE: Colour = (160, 214, 180)  # free, but not where the watch wants seats
BLOCK: Colour = (255, 196, 0)  # the alerted block
BACKGROUND: Colour = (32, 34, 37)
SCREEN: Colour = (220, 221, 222)
TEXT: Colour = (220, 221, 222)
LEGEND = (
    (N_("free"), FREE),
    (N_("your block"), BLOCK),
    (N_("not your rows"), OUTSIDE),
    (N_("taken"), TAKEN),
    (N_("wheelchair"), WHEELCHAIR),
)

#: Twice the first drawing's scale: the picture is read on phones, where 13 px text shrinks.
SCALE = 2
UNIT = 26 * SCALE  # pixels per seat width (and per row)
GAP = 3 * SCALE  # pixels between neighbouring seats
MARGIN = 24 * SCALE  # left and right, room for the row letters
TOP = 44 * SCALE  # the screen band
BOTTOM = 30 * SCALE  # the legend
FONT_SIZE = 13 * SCALE
#: Width of a Latin letter and of a Hangul syllable at FONT_SIZE, for laying out the legend.
LATIN = 7 * SCALE
WIDE = 13 * SCALE


@dataclass(frozen=True, slots=True)
class Rect:
    x0: int
    y0: int
    x1: int
    y1: int
    fill: Colour
    label: str = ""  # the seat ("F7"), for tests and debugging


@dataclass(frozen=True, slots=True)
class Text:
    x: int
    y: int
    text: str
    fill: Colour = TEXT
    #: The English words, painted instead where no Hangul-capable font is installed.
    plain: str = ""


@dataclass(frozen=True, slots=True)
class Picture:
    width: int
    height: int
    screen: Rect
    seats: tuple[Rect, ...]
    texts: tuple[Text, ...]
    legend: tuple[tuple[Rect, Text], ...]
    background: Colour = BACKGROUND
    font_size: int = FONT_SIZE

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def colour_of(self, label: str) -> Colour:
        return next(r.fill for r in self.seats if r.label == label)


def seat_colour(
    seat: LayoutSeat, layout: SeatLayout, prefs: SeatPrefs, block: frozenset[str]
) -> Colour:
    if seat.wheelchair:
        return WHEELCHAIR
    if not seat.free:
        return TAKEN
    if seat.label in block:
        return BLOCK
    if prefs.restricts and not prefs.allows(seat, layout):
        return OUTSIDE
    return FREE


NO_PREFS = SeatPrefs()


def picture(
    layout: SeatLayout, prefs: SeatPrefs = NO_PREFS, block: tuple[str, ...] = ()
) -> Picture:
    """The model of one hall's picture; `block`: the alerted seats ("F6", "F7", …)."""
    top_y = min((s.y for s in layout.seats), default=0.0)
    bottom_y = max((s.y for s in layout.seats), default=0.0)
    shown = [(n, c) for n, c in LEGEND if _in_legend(c, prefs, bool(block))]
    legend_width = 8 * SCALE + sum(22 * SCALE + _width(_(n), n) for n, _c in shown)
    hall = round(layout.width * UNIT)
    # A narrow hall is centred in a picture wide enough for the legend.
    pad = max(0, (legend_width - hall - 2 * MARGIN) // 2)
    width = MARGIN * 2 + hall + 2 * pad
    height = TOP + round((bottom_y - top_y + 1) * UNIT) + BOTTOM

    def px(x: float) -> int:
        return MARGIN + pad + round((x - layout.left) * UNIT)

    def py(y: float) -> int:
        return TOP + round((y - top_y) * UNIT)

    chosen = frozenset(block)
    seats = tuple(
        Rect(
            px(s.x) + GAP // 2,
            py(s.y) + GAP // 2,
            px(s.x + s.w) - (GAP - GAP // 2),
            py(s.y + 1) - (GAP - GAP // 2),
            seat_colour(s, layout, prefs, chosen),
            s.label,
        )
        for s in layout.seats
    )
    texts: list[Text] = []
    row_y: dict[str, float] = {}
    for s in layout.seats:
        row_y[s.row] = min(row_y.get(s.row, s.y), s.y)
    for row, y in row_y.items():
        mid = py(y) + UNIT // 2 - 6 * SCALE
        texts.append(Text(pad + 6 * SCALE, mid, row))
        texts.append(Text(width - pad - MARGIN + 6 * SCALE, mid, row))
    screen = Rect(
        MARGIN + pad + UNIT, 10 * SCALE, width - pad - MARGIN - UNIT, 16 * SCALE, SCREEN, "screen"
    )
    word = _("SCREEN")
    texts.append(Text(width // 2 - _width(word, "SCREEN") // 2, 20 * SCALE, word, plain="SCREEN"))
    legend: list[tuple[Rect, Text]] = []
    x = 8 * SCALE
    for name, colour in shown:
        words = _(name)
        box = Rect(x, height - 20 * SCALE, x + 12 * SCALE, height - 8 * SCALE, colour, name)
        legend.append((box, Text(x + 16 * SCALE, height - 22 * SCALE, words, plain=name)))
        x += 22 * SCALE + _width(words, name)
    return Picture(width, max(height, 1), screen, seats, tuple(texts), tuple(legend))


def _width(text: str, plain: str) -> int:
    """Room for `text`, or for its English `plain` if that is wider (the fallback)."""

    def size(words: str) -> int:
        return sum(WIDE if ord(ch) > 0x2FF else LATIN for ch in words)

    return max(size(text), size(plain))


def _in_legend(colour: Colour, prefs: SeatPrefs, has_block: bool) -> bool:
    if colour == OUTSIDE:
        return prefs.restricts
    return colour != BLOCK or has_block
