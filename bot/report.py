"""A CheckResult in plain words: the status line and the command-line table."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from bot.megabox.models import KST
from bot.results import CheckResult, SeenScreening
from bot.seats import SeatCount
from bot.store.runs import CheckRun

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _plural(n: int, word: str) -> str:
    if n == 1:
        return f"{n} {word}"
    return f"{n} {word}{'es' if word.endswith(('ch', 's')) else 's'}"


def seat_phrase(result: CheckResult) -> str:
    needs = {(w.min_seats, w.together) for w in result.watches}
    if len(needs) == 1:
        n, together = needs.pop()
        return f"{n} seats together" if together else f"{n} seats"
    return "enough seats"


def status_line(result: CheckResult) -> str:
    """One concise line per check: what was checked, what matched, how long, or the error."""
    took = f"{result.duration.total_seconds():.1f} s"
    reqs = _plural(result.requests, "request")
    if not result.watches:
        return "No active watches: nothing to check."
    if result.failed:
        err = result.errors[0]
        return (
            f"⚠️ Check failed: MEGABOX {err.kind} ({err.message}). Nothing was checked, so this "
            f"is not a 'no seats' result. {reqs}, {took}."
        )
    checked = (
        f"checked {_plural(len(result.screenings), 'screening')} on "
        f"{_plural(len(result.dates_checked), 'date')}"
    )
    matches = result.matches
    if matches:
        # The status channel is the server's: a member's personal watches are counted,
        # never named there.
        personal = {w.id for w in result.watches if w.personal}
        named = [s for s in matches if not set(s.matched_by) <= personal]
        shown = ", ".join(short_screening(s) for s in named[:3])
        more = f" and {len(named) - 3} more" if len(named) > 3 else ""
        if len(named) < len(matches):
            more += f"{' and ' if named else ''}{len(matches) - len(named)} for personal watches"
        found = f"{_plural(len(matches), 'match')}: {shown}{more}"
        if result.openings:
            found += f" ({_plural(len(result.openings), 'new alert')})"
    else:
        found = f"none with {seat_phrase(result)}"
    line = f"{'⚠️' if result.errors else '✅'} {checked.capitalize()}, {found}. {reqs}, {took}."
    if result.errors:
        kinds = sorted({e.kind for e in result.errors})
        line += f" Not checked: {_plural(len(result.errors), 'part')} ({', '.join(kinds)})."
    if result.warnings:
        line += " " + " ".join(w.message for w in result.warnings) + "."
    return line


def when(s: SeenScreening) -> str:
    start = s.screening.start.astimezone(KST)
    day = s.screening.play_de
    return f"{WEEKDAYS[day.weekday()]} {day:%m-%d} {start:%H:%M}"


def short_screening(s: SeenScreening) -> str:
    seats = s.count.usable if s.count else s.screening.rest_seat_cnt
    return f"{s.screening.brch_nm} {when(s)} ({seats} seats)"


def shown_count(s: SeenScreening) -> SeatCount | None:
    """The count to show: by the first matching (else wanting) watch's seat preferences."""
    first = (s.matched_by or s.wanted_by or (0,))[0]
    return s.count_for(first)


def verdict(s: SeenScreening) -> str:
    if s.matched_by:
        return "MATCH"
    if s.reasons:
        return "; ".join(s.reasons)  # a preference missed: "5 free, none in rows E–J"
    if not s.screening.bookable:
        return "closed"
    if s.screening.rest_seat_cnt == 0:
        return "sold out"
    if s.count is not None and s.count.free and not s.count.usable:
        return "wheelchair only"
    return "too few"


def _width(text: str) -> int:
    """Terminal columns: Korean names take two columns a character."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def table(result: CheckResult) -> str:
    """The `python -m bot check` table: every screening a watch wants."""
    headers = (
        "date",
        "time",
        "branch",
        "hall",
        "format",
        "free/usable/total",
        "best block",
        "verdict",
    )
    rows: list[Sequence[str]] = []
    for s in result.screenings:
        scr = s.screening
        count = shown_count(s)
        if s.count is not None and count is not None:
            usable = f"{s.count.usable}{'' if s.count.exact else '~'}"
            if s.count.from_count:
                usable = f"≥{s.count.usable}"  # from the count: no seat map needed
            block = f"{count.best_block} in row {count.best_row}" if count.best_row else "-"
        else:
            usable, block = "-", "-"
        total = scr.total_seats if scr.total_seats is not None else "?"
        end = scr.end.astimezone(KST)
        rows.append(
            (
                f"{scr.play_de:%Y-%m-%d} {WEEKDAYS[scr.play_de.weekday()]}",
                f"{scr.start_clock}-{scr.end_clock}"
                + (" (+1d)" if end.date() > scr.play_de else ""),
                f"{scr.brch_nm} {scr.brch_no}",
                scr.theab_nm,
                scr.format_code or "?",
                f"{scr.rest_seat_cnt}/{usable}/{total}",
                block,
                verdict(s),
            )
        )
    widths = [max([_width(h), *(_width(r[i]) for r in rows)]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(_pad(c, w) for c, w in zip(cells, widths, strict=True)).rstrip()

    lines = [line(headers), "  ".join("-" * w for w in widths)]
    lines += [line(r) for r in rows]
    if not rows:
        # An empty table says "nothing matched" only about what was actually checked.
        if result.failed:
            lines.append("(nothing could be checked: see below)")
        elif result.errors:
            lines.append("(no screening matched in the parts that could be checked)")
        else:
            lines.append("(no screening matched the watches' movie, branches, formats and days)")
    prefs = [w for w in result.watches if w.prefs.active]
    if prefs:
        lines.append("")
        lines += [f"seat preference of {w.label}: {w.prefs.describe()}" for w in prefs]
    lines.append("")
    lines.append(status_line(result))
    for err in result.errors:
        lines.append(f"  not checked: {err.scope}: {err.kind}: {err.message}")
    return "\n".join(lines)


def run_row(result: CheckResult) -> CheckRun:
    """The check_runs row of a check: its numbers, first error and status line."""
    first = result.errors[0] if result.errors else None
    return CheckRun(
        trigger=result.trigger,
        started_at=result.started_at,
        finished_at=result.finished_at,
        ok=result.ok,
        requests=result.requests,
        screenings_seen=len(result.screenings),
        matches=len(result.matches),
        openings=len(result.openings),
        error_kind=first.kind if first else None,
        error_text=first.message if first else None,
        summary=status_line(result),
    )
