"""The fast lane's cadence policy (pure)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from bot.chains.base import KST
from bot.checking.fast_lane import Backoff, LanePolicy, Plan, interval, plan
from bot.store.history import LaneRow
from bot.watches.watch import Days, Watch

NOW = datetime(2026, 12, 3, 14, 15, tzinfo=KST)
POLICY = LanePolicy(requests_per_hour=60)
WATCH = Watch(
    movie_id="megabox:25008000", branches=("megabox:1351",), days=Days.parse("weekend"), id=1
)
ROW = LaneRow(
    screening_id="megabox:2612051351045",
    branch_id="megabox:1351",
    play_date=date(2026, 12, 5),
    starts_at=datetime(2026, 12, 5, 19, 40, tzinfo=KST),
    movie_id="megabox:25008000",
    movie_group=None,
    format="MX4D",
    free_seats=4,
    usable=0,
    bookable=True,
    seen_at=NOW - timedelta(hours=5),
    changed_at=NOW - timedelta(hours=5),
)


def test_started_and_cancelled_screenings_are_never_polled() -> None:
    assert interval(replace(ROW, starts_at=NOW), 3, False, NOW, POLICY) is None
    assert interval(replace(ROW, bookable=False), 3, False, NOW, POLICY) is None


def test_hot_screenings_are_polled_fastest_and_quiet_ones_slowest() -> None:
    assert interval(ROW, 3, False, NOW, POLICY) == (POLICY.fastest, "sold out")
    near = replace(ROW, free_seats=6, usable=2)
    assert interval(near, 3, False, NOW, POLICY) == (POLICY.fastest, "2 of 3 seats")
    moved = replace(ROW, changed_at=NOW - timedelta(minutes=5))
    assert interval(moved, 3, False, NOW, POLICY) == (POLICY.fastest, "changed recently")
    soon = replace(ROW, starts_at=NOW + timedelta(hours=1))
    assert interval(soon, 3, False, NOW, POLICY) == (POLICY.fastest, "starts soon")
    roomy = replace(ROW, free_seats=9, usable=9)
    assert interval(roomy, 3, True, NOW, POLICY) == (POLICY.middle, "open now")
    far = replace(ROW, free_seats=20, usable=20)
    assert interval(far, 30, False, NOW, POLICY) == (POLICY.slowest, "quiet for hours")


def _plan(spent: int = 0, last: datetime | None = None, budget: int = 60) -> Plan:
    key = (("megabox:1351",), ROW.play_date)
    return plan(
        now=NOW,
        chunks=[(("megabox:1351",), [WATCH])],
        rows=[ROW],
        open_screenings=set(),
        calendars={("megabox:1351",): frozenset({ROW.play_date})},
        last_listing={key: last} if last else {},
        spent_last_hour=spent,
        horizon_days=21,
        policy=replace(POLICY, requests_per_hour=budget),
    )


def test_a_due_listing_is_polled_and_a_standing_count_gets_a_seat_map_now_and_then() -> None:
    chosen = _plan(last=NOW - timedelta(minutes=3))
    assert chosen.listings == {("megabox:1351",): frozenset({ROW.play_date})}
    assert chosen.seat_maps == {ROW.screening_id}  # not read for 5 h
    recent = replace(ROW, seen_at=NOW - timedelta(minutes=3))
    again = plan(
        now=NOW,
        chunks=[(("megabox:1351",), [WATCH])],
        rows=[recent],
        open_screenings=set(),
        calendars={("megabox:1351",): frozenset({ROW.play_date})},
        last_listing={(("megabox:1351",), ROW.play_date): NOW - timedelta(minutes=3)},
        spent_last_hour=0,
        horizon_days=21,
        policy=POLICY,
    )
    assert again.listings and not again.seat_maps


def test_the_cadence_stretches_to_the_budget_and_the_last_hour_caps_it() -> None:
    # Wanted: a listing every 2 min and a seat map every 20 = 33 an hour; 11 is a third.
    chosen = _plan(last=NOW - timedelta(minutes=3), budget=11)
    assert chosen.stretch == 3.0
    assert chosen.listings == {}  # due after 6 min, not 2
    assert _plan(spent=59, last=NOW - timedelta(hours=1)).listings == {}


def test_backoff_reports_once_and_recovery_once() -> None:
    backoff = Backoff(POLICY)
    assert backoff.failed("rate-limited", NOW) is True
    assert backoff.active(NOW + timedelta(minutes=4))
    assert backoff.failed("rate-limited", NOW + timedelta(minutes=5)) is False
    assert backoff.until == NOW + timedelta(minutes=15)  # doubled
    assert backoff.succeeded() is True
    assert backoff.succeeded() is False
