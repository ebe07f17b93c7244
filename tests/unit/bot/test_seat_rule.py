"""Which screenings need a seat map (product.md "Check", corrected)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.chains.base import Screening
from bot.chains.megabox.models import read_screening
from bot.checking.seat_rule import HallFacts, from_count, needs_seat_map
from bot.seats.prefs import SeatPrefs
from bot.watches.watch import Days, Watch


def screening(rest: int, *, bookable: bool = True, hall: str = "09") -> Screening:
    row: dict[str, Any] = {
        "playSchdlNo": "2612051351045",
        "playDe": "20261205",
        "playStartTime": "19:40",
        "playEndTime": "22:04",
        "brchNo": "1351",
        "theabNo": hall,
        "restSeatCnt": rest,
        "movieNo": "25008000",
        "bokdAbleAt": "Y" if bookable else "N",
    }
    return read_screening(row)


def watch(n: int) -> Watch:
    return Watch(movie_id="25008000", branches=("1351",), days=Days.parse("weekend"), min_seats=n)


def test_a_count_that_could_satisfy_any_watch_needs_the_map() -> None:
    # 4 free in a hall with 4 wheelchair seats: the map decides, whatever the count did.
    assert needs_seat_map(screening(4), [watch(3)])
    assert needs_seat_map(screening(3), [watch(5), watch(3)])


def test_below_every_n_or_not_bookable_needs_none() -> None:
    assert not needs_seat_map(screening(2), [watch(3)])
    assert not needs_seat_map(screening(40, bookable=False), [watch(3)])
    assert not needs_seat_map(screening(40), [])


def test_hall_facts_prefer_what_the_bot_read() -> None:
    facts = HallFacts.with_known({})
    assert facts.wheelchair_seats(screening(4)) == 4  # COEX MX4D, built in
    assert facts.wheelchair_seats(screening(4, hall="01")) is None
    facts.learn(screening(4), 2)
    assert facts.wheelchair_seats(screening(4)) == 2


def coex(wheelchair: int = 4, hidden: int = 0) -> HallFacts:
    facts = HallFacts.with_known({})
    facts.learn(screening(0), wheelchair, hidden)
    return facts


def test_the_count_settles_n_anywhere_once_the_hall_s_unusable_seats_are_known() -> None:
    # 7 free in a hall with 4 wheelchair seats: at least 3 usable whatever moved.
    assert not needs_seat_map(screening(7), [watch(3)], coex())
    count = from_count(screening(7), [watch(3)], coex())
    assert count is not None and count.from_count and count.usable == 3 and count.settled
    # One below the bound: 6 free may be 2 usable and 4 wheelchair seats.
    assert needs_seat_map(screening(6), [watch(3)], coex())
    assert from_count(screening(6), [watch(3)], coex()) is None
    # Hidden seats can be free without being usable too.
    assert needs_seat_map(screening(7), [watch(3)], coex(hidden=1))
    assert not needs_seat_map(screening(8), [watch(3)], coex(hidden=1))


def test_a_hall_never_read_or_a_watch_that_cares_where_needs_the_map() -> None:
    # The built-in table knows COEX's wheelchair seats, not its hidden ones.
    assert needs_seat_map(screening(40), [watch(3)], HallFacts.with_known({}))
    assert HallFacts.with_known({}).unusable(screening(40)) is None
    together = replace(watch(3), together=True)
    rows = replace(watch(3), prefs=SeatPrefs(centre="require"))
    for placed in (together, rows):
        assert needs_seat_map(screening(40), [placed], coex())
        # One such watch has the map read; the count-only watch beside it uses it.
        assert needs_seat_map(screening(40), [watch(3), placed], coex())
    # Below every N, or not bookable: no map either way.
    assert not needs_seat_map(screening(2), [together], coex())
    assert not needs_seat_map(screening(40, bookable=False), [watch(3)], coex())
