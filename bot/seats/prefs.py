"""Seat preferences of a watch (rows, the middle of the hall) and how a screening fits them.

A preference is part of "matching": a screening matches only with N usable seats (N
together when asked) that satisfy it, and the opening state machine, baselines and
exactly-once delivery are untouched. "The middle" comes from the hall's own geometry
(`horzCoorVal` and `horzSizeRt`, README §6.4), never from seat numbers, which continue across
aisles and skip beside wheelchair bays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.i18n import N_, _
from bot.seats.layout import LayoutSeat, SeatLayout, runs

if TYPE_CHECKING:
    from bot.seats.count import SeatCount

#: "The middle" is this share of the hall's width around its centre line.
MIDDLE_SHARE = 0.5
CENTRE_MODES = ("off", "prefer", "require")
ROW_EXAMPLES = "E-J, E,F,G, or not A-C"
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True, slots=True)
class RowRule:
    """Allowed rows: `letters`, or every row but them when `exclude`."""

    letters: frozenset[str]
    exclude: bool = False

    @classmethod
    def parse(cls, text: str) -> RowRule | None:
        """ "E-J", "E,F,G", "E-G,K", "not A-C"; "" or "any" → None (every row)."""
        body = text.strip().upper()
        if body in ("", "ANY", "ALL"):
            return None
        exclude = False
        if match := re.match(r"^(NOT|NO|EXCEPT|!)\s*", body):
            exclude, body = True, body[match.end() :]
        letters: set[str] = set()
        for raw in body.split(","):
            part = raw.strip().replace("–", "-")
            if not part:
                continue
            bounds = [p.strip() for p in part.split("-")]
            if not all(len(b) == 1 and b in _LETTERS for b in bounds) or len(bounds) > 2:
                raise ValueError(
                    _("{value} is not a row or range of row letters A-Z (e.g. {examples})").format(
                        value=repr(raw.strip()), examples=ROW_EXAMPLES
                    )
                )
            first, last = bounds[0], bounds[-1]
            if first > last:
                raise ValueError(
                    _("row range {value} runs backwards (write {last}-{first})").format(
                        value=repr(part), last=last, first=first
                    )
                )
            letters.update(_LETTERS[_LETTERS.index(first) : _LETTERS.index(last) + 1])
        if not letters:
            raise ValueError(_("no rows given (e.g. {examples})").format(examples=ROW_EXAMPLES))
        if exclude and len(letters) == len(_LETTERS):
            raise ValueError(_("that excludes every row"))
        return cls(frozenset(letters), exclude)

    def allows(self, row: str) -> bool:
        return (row in self.letters) != self.exclude

    def to_text(self) -> str:
        """The inverse of `parse` ("E-J", "not A-C", "A,C-D")."""
        spans: list[str] = []
        ordered = sorted(self.letters)
        start = prev = ordered[0]
        for letter in [*ordered[1:], ""]:
            if letter and ord(letter) == ord(prev) + 1:
                prev = letter
                continue
            spans.append(start if start == prev else f"{start}-{prev}")
            start = prev = letter
        return ("not " if self.exclude else "") + ",".join(spans)

    def describe(self) -> str:
        """ "rows E–J" or "not rows A–C"."""
        text = self.to_text().removeprefix("not ").replace("-", "–")
        return (_("not rows {rows}") if self.exclude else _("rows {rows}")).format(rows=text)


@dataclass(frozen=True, slots=True)
class SeatPrefs:
    rows: RowRule | None = None
    centre: str = "off"  # off | prefer | require

    @property
    def active(self) -> bool:
        return self.rows is not None or self.centre != "off"

    @property
    def restricts(self) -> bool:
        """Whether some usable seats may not count (an estimate can then prove nothing)."""
        return self.rows is not None or self.centre == "require"

    def allows(self, seat: LayoutSeat, layout: SeatLayout) -> bool:
        if self.rows is not None and not self.rows.allows(seat.row):
            return False
        return self.centre != "require" or in_middle(seat, layout)

    def where(self) -> str:
        """ "in rows E–J in the middle", for reasons."""
        parts = []
        if self.rows is not None:
            text = self.rows.to_text().removeprefix("not ").replace("-", "–")
            words = _("outside rows {rows}") if self.rows.exclude else _("in rows {rows}")
            parts.append(words.format(rows=text))
        if self.centre == "require":
            parts.append(_("in the middle"))
        return " ".join(parts) or _("anywhere")

    def describe(self) -> str:
        parts = []
        if self.rows is not None:
            parts.append(self.rows.describe())
        if self.centre == "require":
            parts.append(_("middle of the hall only"))
        elif self.centre == "prefer":
            parts.append(_("middle preferred"))
        return ", ".join(parts) or _("any seat")


def parse_centre(text: str) -> str:
    key = text.strip().lower()
    aliases = {"": "off", "no": "off", "none": "off", "any": "off", "center": "prefer"}
    key = aliases.get(key, key)
    if key not in CENTRE_MODES:
        raise ValueError(
            _("centre must be off, prefer or require, got {value}").format(value=repr(text.strip()))
        )
    return key


_REMIND_FORM = N_("remind looks like 30m, 1h or 1h30m (or off), got {value}")


def parse_remind(text: str) -> timedelta | None:
    """ "off", "30m", "1h", "1h30m", "90" (minutes) → a delay from 10 minutes to 24 hours."""
    body = text.strip().lower().replace(" ", "")
    if body in ("", "off", "no", "none", "0"):
        return None
    if body.isdigit():
        minutes = int(body)
    elif match := re.fullmatch(r"(?:(\d{1,2})h)?(?:(\d{1,4})m(?:in)?)?", body):
        if not any(match.groups()):
            raise ValueError(_(_REMIND_FORM).format(value=repr(text.strip())))
        minutes = int(match.group(1) or 0) * 60 + int(match.group(2) or 0)
    else:
        raise ValueError(_(_REMIND_FORM).format(value=repr(text.strip())))
    if not 10 <= minutes <= 24 * 60:
        raise ValueError(_("remind must be between 10m and 24h"))
    return timedelta(minutes=minutes)


def remind_text(delay: timedelta) -> str:
    hours, minutes = divmod(int(delay.total_seconds() // 60), 60)
    if hours and minutes:
        return _("{hours}h{minutes}m").format(hours=hours, minutes=minutes)
    if hours:
        return _("{hours}h").format(hours=hours)
    return _("{minutes}m").format(minutes=minutes)


def in_middle(seat: LayoutSeat, layout: SeatLayout) -> bool:
    return abs(seat.centre - layout.mid) <= layout.width * MIDDLE_SHARE / 2


@dataclass(frozen=True, slots=True)
class Fit:
    """How one hall fits one watch: the usable seats its preferences allow, the best block
    by preference, and why it misses (None when it matches)."""

    allowed: int
    block: tuple[LayoutSeat, ...]
    matches: bool
    reason: str | None


def fit(layout: SeatLayout, prefs: SeatPrefs, min_seats: int, together: bool) -> Fit:
    usable = [s for s in layout.seats if s.usable]
    odd = sorted({s.row for s in layout.seats if s.row not in _LETTERS or not s.row})
    if prefs.rows is not None and odd:
        # Rows named "AA" or "1" cannot be said in a rule of A-Z: never pass them silently.
        named = ", ".join(odd[:3]) + ("…" if len(odd) > 3 else "")
        return Fit(0, (), False, f"rows named {named} here: a row preference cannot apply")
    allowed = [s for s in usable if prefs.allows(s, layout)]
    block = best_block(allowed, layout, min_seats)
    ok = len(block) >= min_seats if together else len(allowed) >= min_seats
    reason = None
    if not ok:
        where = prefs.where() if prefs.restricts else ""
        # Worded in the check's language (BOT_LANGUAGE for scheduled checks).
        if len(usable) < min_seats:
            reason = _("{n} free, {needed} needed").format(n=len(usable), needed=min_seats)
        elif len(allowed) < min_seats:
            some = _("none") if not allowed else _("only {n}").format(n=len(allowed))
            reason = _("{n} free, {some} {where}").format(n=len(usable), some=some, where=where)
        else:
            reason = _("{n} free{where}, at most {block} together").format(
                n=len(allowed), where=" " + where if where else "", block=len(block)
            )
    return Fit(len(allowed), block, ok, reason)


def best_block(
    seats: list[LayoutSeat], layout: SeatLayout, min_seats: int
) -> tuple[LayoutSeat, ...]:
    """The most central block of at least `min_seats` (not simply the longest); without one,
    the longest, the most central first."""

    def off_centre(run: tuple[LayoutSeat, ...]) -> float:
        return abs((run[0].x + run[-1].x + run[-1].w) / 2 - layout.mid)

    found = runs(seats)
    if not found:
        return ()
    enough = [r for r in found if len(r) >= min_seats]
    if enough:
        return min(enough, key=lambda r: (off_centre(r), r[0].y))
    return min(found, key=lambda r: (-len(r), off_centre(r), r[0].y))


@dataclass(frozen=True, slots=True)
class Judgement:
    """One screening for one watch: the count shown for it, and whether it matches."""

    count: SeatCount
    matches: bool
    reason: str | None = None


def judge(count: SeatCount, prefs: SeatPrefs, min_seats: int, together: bool) -> Judgement:
    """The count for a watch with preferences: usable seats and best block by preference.
    Without preferences, the hall's own count (unchanged behaviour)."""
    if not prefs.active:
        return Judgement(count, count.satisfies(min_seats, together))
    if count.layout is None:
        # An estimate knows no rows or positions: it cannot prove seats the watch allows.
        if prefs.restricts:
            return Judgement(count, False, "estimate: seat positions unknown")
        return Judgement(count, count.satisfies(min_seats, together))
    found = fit(count.layout, prefs, min_seats, together)
    shown = replace(
        count,
        usable=found.allowed,
        best_block=len(found.block),
        best_row=found.block[0].row if found.block else None,
        best_seats=tuple(s.label for s in found.block),
    )
    return Judgement(shown, found.matches, found.reason)
