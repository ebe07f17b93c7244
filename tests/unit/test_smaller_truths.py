"""Issue 16's smaller faults, each on plain values: a colon-less end time, a button pressed in
another server, the lane's backoff after many failures, rows named "AA", the middle of a hall
beside a wheelchair bay, and personal watches' matches in the status channel."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

import pytest

from bot.chains.base import KST
from bot.checking.fast_lane import Backoff, LanePolicy
from bot.checking.report import status_line
from bot.delivery.new_screenings import NewScreening
from bot.seats.layout import SeatLayout
from bot.seats.prefs import RowRule, SeatPrefs, fit
from bot.watches.forms import FormError
from cogs.render_news import line
from cogs.watches.access import check_may_change
from tests.unit.bot.test_results import result
from tests.unit.bot.test_seat_prefs import layout_of, seat


def test_a_colon_less_end_time_is_read_not_a_crash() -> None:
    item = NewScreening(
        "2612051351045", "1351", "코엑스", "MX4D", "MX4D", date(2026, 12, 5), "19:40", "2204",
        9, 5, 192, True, True, True,
    )  # fmt: skip
    assert "19:40–22:04]" in line(item)
    assert "00:44 (+1)" in line(replace(item, end_clock="2444"))


def test_a_server_watch_changes_only_with_manage_server_in_its_own_server() -> None:
    watch = SimpleNamespace(personal=False, guild_id=1, owner_id=None)
    elsewhere = SimpleNamespace(
        guild=object(), guild_id=2, user=SimpleNamespace(id=5),
        permissions=SimpleNamespace(manage_guild=True),
    )  # fmt: skip
    with pytest.raises(FormError, match="another server"):
        check_may_change(cast(Any, elsewhere), cast(Any, watch))
    check_may_change(cast(Any, replace_ns(elsewhere, guild_id=1)), cast(Any, watch))


def replace_ns(ns: SimpleNamespace, **changes: object) -> SimpleNamespace:
    return SimpleNamespace(**{**vars(ns), **changes})


def test_the_lanes_backoff_survives_a_long_outage() -> None:
    backoff = Backoff(LanePolicy(requests_per_hour=60))
    now = datetime(2026, 12, 3, 14, 0, tzinfo=KST)
    for _ in range(200):
        backoff.failed("overloaded", now)
    assert backoff.until == now + timedelta(hours=1)
    assert backoff.wait_text() == "60 min"


def test_rows_named_aa_get_a_clear_answer_not_a_silent_pass() -> None:
    hall = layout_of([seat("A", n, n) for n in range(1, 6)])
    odd = SeatLayout(tuple(replace(s, row="AA") for s in hall.seats))
    found = fit(odd, SeatPrefs(RowRule.parse("not B")), 3, False)
    assert not found.matches and found.reason is not None and "AA" in found.reason
    assert fit(hall, SeatPrefs(RowRule.parse("not B")), 3, False).matches


def test_a_wheelchair_bay_beside_a_row_does_not_move_the_middle() -> None:
    row = [seat("E", n, n) for n in range(1, 11)]  # x 1..11: the middle is 6
    bay = [seat("E", 20 + n, 12 + n, cls="DISABLED_CLS") for n in range(4)]
    assert layout_of(row + bay).mid == layout_of(row).mid == 6


def test_the_status_channel_counts_personal_matches_without_naming_them() -> None:
    base = result()
    personal = tuple(replace(w, scope="user") if w.id == 2 else w for w in base.watches)
    text = status_line(
        replace(base, watches=personal, errors=(), dates_checked=(date(2026, 12, 5),))
    )
    assert "1 for a personal watch" in text
    assert text.count("(5 seats)") == 1  # only the server watch's match is named
