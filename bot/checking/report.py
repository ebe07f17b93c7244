"""A CheckResult in plain words: the status line and the command-line table."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from bot import i18n
from bot.chains.base import KST, native
from bot.checking.results import CheckError, CheckResult, SeenScreening
from bot.i18n import _, chain_name, ngettext
from bot.seats.count import SeatCount
from bot.store.runs import CheckRun


def seat_phrase(result: CheckResult) -> str:
    needs = {(w.min_seats, w.together) for w in result.watches}
    if len(needs) == 1:
        n, together = needs.pop()
        if together:
            return ngettext("{n} seat together", "{n} seats together", n).format(n=n)
        return ngettext("{n} seat", "{n} seats", n).format(n=n)
    return _("enough seats")


def status_line(result: CheckResult) -> str:
    """One concise line per check: what was checked, what matched, how long, or the error."""
    took = _("{seconds} s").format(seconds=f"{result.duration.total_seconds():.1f}")
    reqs = ngettext("{n} request", "{n} requests", result.requests).format(n=result.requests)
    if len(result.requests_by_chain) > 1:
        # Each chain has its own budget: say what each was asked.
        reqs += " (" + ", ".join(f"{chain_name(c)} {n}" for c, n in result.requests_by_chain) + ")"
    if not result.watches:
        return _("No active watches: nothing to check.")
    if result.failed:
        err = result.errors[0]
        return _(
            "⚠️ Check failed: {kind} ({message}). Nothing was checked, so this is not "
            "a 'no seats' result. {requests}, {took}."
        ).format(kind=failure_kind(err), message=err.message, requests=reqs, took=took)
    n_screenings, n_dates = len(result.screenings), len(result.dates_checked)
    checked = ngettext(
        "Checked {n} screening on {dates}", "Checked {n} screenings on {dates}", n_screenings
    ).format(
        n=n_screenings,
        dates=ngettext("{n} date", "{n} dates", n_dates).format(n=n_dates),
    )
    matches = result.matches
    if matches:
        # The status channel is the server's: a member's personal watches are counted,
        # never named there.
        personal = {w.id for w in result.watches if w.personal}
        named = [s for s in matches if not set(s.matched_by) <= personal]
        shown = ", ".join(short_screening(s) for s in named[:3])
        if len(named) > 3:
            shown = _("{shown} and {n} more").format(shown=shown, n=len(named) - 3)
        if hidden := len(matches) - len(named):
            mine = ngettext("{n} for a personal watch", "{n} for personal watches", hidden).format(
                n=hidden
            )
            shown = _("{shown} and {more}").format(shown=shown, more=mine) if shown else mine
        found = ngettext("{n} match: {shown}", "{n} matches: {shown}", len(matches)).format(
            n=len(matches), shown=shown
        )
        if result.openings:
            n_new = len(result.openings)
            found += " " + ngettext("({n} new alert)", "({n} new alerts)", n_new).format(n=n_new)
    else:
        found = _("none with {seats}").format(seats=seat_phrase(result))
    line = _("{mark} {checked}, {found}. {requests}, {took}.").format(
        mark="⚠️" if result.errors else "✅", checked=checked, found=found, requests=reqs, took=took
    )
    if result.errors:
        # Which chain failed is named: the other chain's results above stand.
        kinds = sorted({failure_kind(e) for e in result.errors})
        n_parts = len(result.errors)
        line += " " + ngettext(
            "Not checked: {n} part ({kinds}).", "Not checked: {n} parts ({kinds}).", n_parts
        ).format(n=n_parts, kinds=", ".join(kinds))
    if result.warnings:
        line += " " + " ".join(warning_text(w) for w in result.warnings) + "."
    return line


def warning_text(w: CheckError) -> str:
    """A warning of the status line in the reader's language; a chain's own text as is."""
    n = w.count
    if w.kind == "seat-map":
        return ngettext(
            "{n} seat map could not be read: its counts are estimates",
            "{n} seat maps could not be read: their counts are estimates",
            n,
        ).format(n=n)
    if w.kind == "map-disagrees":
        return ngettext(
            "{n} seat map of {chain} disagrees with the listing's count: its counts are estimates",
            "{n} seat maps of {chain} disagree with the listing's count: their counts are "
            "estimates",
            n,
        ).format(n=n, chain=chain_name(w.chain))
    if w.kind == "unreadable-row":
        return ngettext(
            "{n} unreadable branch entry skipped", "{n} unreadable branch entries skipped", n
        ).format(n=n)
    return w.message


def failure_kind(err: CheckError) -> str:
    """ "메가박스 blocked", "Lotte Cinema timeout": the chain that failed, and how."""
    return f"{chain_name(err.chain)} {err.kind}" if err.chain else err.kind


def when(s: SeenScreening) -> str:
    start = s.screening.start.astimezone(KST)
    return i18n.short_day_time(s.screening.play_date, f"{start:%H:%M}")


def short_screening(s: SeenScreening) -> str:
    seats = s.count.usable if s.count else s.screening.free_seats
    return ngettext("{branch} {when} ({n} seat)", "{branch} {when} ({n} seats)", seats).format(
        branch=s.screening.branch_name, when=when(s), n=seats
    )


def shown_count(s: SeenScreening) -> SeatCount | None:
    """The count to show: by the first matching (else wanting) watch's seat preferences."""
    first = (s.matched_by or s.wanted_by or (0,))[0]
    return s.count_for(first)


def verdict(s: SeenScreening) -> str:
    if s.matched_by:
        return _("MATCH")
    if s.reasons:
        return "; ".join(s.reasons)  # a preference missed: "5 free, none in rows E–J"
    if not s.screening.bookable:
        return _("closed")
    if s.screening.free_seats == 0:
        return _("sold out")
    if s.count is not None and s.count.free and not s.count.usable:
        return _("wheelchair only")
    return _("too few")


def _width(text: str) -> int:
    """Terminal columns: Korean names take two columns a character."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def table(result: CheckResult) -> str:
    """The `python -m bot check` table: every screening a watch wants."""
    headers = (
        _("date"),
        _("time"),
        _("branch"),
        _("hall"),
        _("format"),
        _("free/usable/total"),
        _("best block"),
        _("verdict"),
    )
    rows: list[Sequence[str]] = []
    for s in result.screenings:
        scr = s.screening
        count = shown_count(s)
        if s.count is not None and count is not None:
            usable = f"{s.count.usable}{'' if s.count.exact else '~'}"
            if s.count.from_count:
                usable = f"≥{s.count.usable}"  # from the count: no seat map needed
            block = (
                _("{n} in row {row}").format(n=count.best_block, row=count.best_row)
                if count.best_row
                else "-"
            )
        else:
            usable, block = "-", "-"
        total = scr.total_seats if scr.total_seats is not None else "?"
        end = scr.end.astimezone(KST)
        rows.append(
            (
                f"{scr.play_date:%Y-%m-%d} {i18n.weekday(scr.play_date)}",
                f"{scr.start_clock}-{scr.end_clock}"
                + (_(" (+1d)") if end.date() > scr.play_date else ""),
                f"{scr.branch_name} {native(scr.branch_id)}",
                scr.hall_name,
                scr.format_code or "?",
                f"{scr.free_seats}/{usable}/{total}",
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
            lines.append(_("(nothing could be checked: see below)"))
        elif result.errors:
            lines.append(_("(no screening matched in the parts that could be checked)"))
        else:
            lines.append(_("(no screening matched the watches' movie, branches, formats and days)"))
    prefs = [w for w in result.watches if w.prefs.active]
    if prefs:
        lines.append("")
        lines += [
            _("seat preference of {watch}: {prefs}").format(watch=w.label, prefs=w.prefs.describe())
            for w in prefs
        ]
    lines.append("")
    lines.append(status_line(result))
    for err in result.errors:
        lines.append(
            "  "
            + _("not checked: {scope}: {kind}: {message}").format(
                scope=err.scope, kind=err.kind, message=err.message
            )
        )
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
