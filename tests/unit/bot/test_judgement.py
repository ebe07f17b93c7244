"""The one judgement of an opening (bot/checking/judgement.py) on plain values."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from bot.chains.base import KST
from bot.checking.judgement import NOT_SEEN, Sight, Sighting, decide
from bot.seats.count import SeatCount
from bot.watches.openings import Change, OpeningState
from bot.watches.watch import Days, Place, Watch

NOW = datetime(2026, 12, 3, 14, 0, tzinfo=KST)
#: Friday 2026-12-25: a weekday that MEGABOX marks as a holiday.
CHRISTMAS = date(2026, 12, 25)
SATURDAY = date(2026, 12, 5)
WATCH = Watch(
    id=1, movie_id="25008000", branches=("1351",), days=Days.parse("weekend"), min_seats=3
)
OPEN = OpeningState(True, None, NOW + timedelta(days=2))


def place(day: date = SATURDAY, start: datetime | None = None) -> Place:
    start = start or datetime(day.year, day.month, day.day, 19, 40, tzinfo=KST)
    return Place("megabox:1351", day, ("megabox:25008000", "megabox:25008000"), "MX4D", start)


def seats(usable: int, *, exact: bool = True) -> Sighting:
    count = SeatCount(usable, usable, usable, "F", (), 192, 0, 4, exact)
    return Sighting(Sight.SEEN, count)


def step(
    sighting: Sighting,
    state: OpeningState | None = None,
    *,
    watch: Watch = WATCH,
    at: Place | None = None,
    holiday: bool | None = False,
    baseline: bool = False,
) -> Change | None:
    return decide(
        watch,
        at or place(),
        sighting,
        state=state,
        holiday=holiday,
        baseline=baseline,
        now=NOW,
        damping=timedelta(minutes=30),
    )


def test_a_new_match_opens_and_a_baseline_watch_only_remembers() -> None:
    assert step(seats(3)) is Change.OPENED
    assert step(seats(3), baseline=True) is Change.BASELINE
    assert step(seats(2)) is None


def test_only_a_sighting_closes_and_never_an_unreadable_one() -> None:
    assert step(seats(2), OPEN) is Change.CLOSED
    assert step(Sighting(Sight.GONE), OPEN) is Change.CLOSED
    assert step(NOT_SEEN, OPEN) is None
    assert step(Sighting(Sight.UNREADABLE), OPEN) is None
    assert step(seats(2, exact=False), OPEN) is None  # an estimate proves no sell-out
    assert step(seats(3), OPEN) is None


def test_a_holiday_counts_as_weekend_and_an_unknown_flag_decides_nothing() -> None:
    christmas = place(CHRISTMAS)
    assert step(seats(3), at=christmas, holiday=True) is Change.OPENED
    assert step(seats(3), OPEN, at=christmas, holiday=True) is None
    assert step(seats(3), OPEN, at=christmas, holiday=None) is None  # not "no longer watched"
    assert step(seats(3), at=christmas, holiday=None) is None
    assert step(seats(3), OPEN, at=christmas, holiday=False) is Change.UNWATCHED


def test_no_longer_watched_only_when_the_watch_itself_changed() -> None:
    matched_at_3 = replace(OPEN, matched=seats(3).count)
    # The same seats would not satisfy the watch as it is now: the watch changed.
    assert step(seats(3), matched_at_3, watch=replace(WATCH, min_seats=5)) is Change.UNWATCHED
    # The seats it matched would still match: the seats went, whoever refreshed the row.
    assert step(seats(1), matched_at_3) is Change.CLOSED
    assert step(seats(1), matched_at_3, watch=replace(WATCH, name="renamed")) is Change.CLOSED
    # A watch that no longer wants the place is told so whatever was seen.
    moved = replace(WATCH, branches=("0019",))
    assert step(NOT_SEEN, matched_at_3, watch=moved) is Change.UNWATCHED


def test_flapping_within_the_damping_revives_instead_of_alerting_again() -> None:
    recently = OpeningState(False, NOW - timedelta(minutes=10), NOW + timedelta(days=2))
    assert step(seats(3), recently) is Change.REVIVED
    long_ago = OpeningState(False, NOW - timedelta(hours=2), NOW + timedelta(days=2))
    assert step(seats(3), long_ago) is Change.OPENED


def test_a_started_screening_ends_its_opening_and_never_opens() -> None:
    begun = place(start=NOW - timedelta(minutes=1))
    assert step(NOT_SEEN, OPEN, at=begun) is Change.STARTED
    assert step(seats(5), at=begun) is None
