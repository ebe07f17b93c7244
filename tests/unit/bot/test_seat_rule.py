"""Which screenings need a seat map (product.md "Check", corrected)."""

from __future__ import annotations

from typing import Any

from bot.megabox.models import Screening
from bot.seat_rule import HallFacts, needs_seat_map
from bot.watches import Days, Watch


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
    return Screening.model_validate(row)


def watch(n: int) -> Watch:
    return Watch(movie_no="25008000", branches=("1351",), days=Days.parse("weekend"), min_seats=n)


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
