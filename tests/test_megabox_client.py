"""The MEGABOX client against the fake server: every pitfall parsed, every failure typed."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.chains import base as errors
from bot.chains.base import KST, native
from bot.chains.megabox.client import MegaboxClient
from tests.conftest import COEX_MX4D_1940, COEX_MX4D_2220, SHORT_TIMEOUT, fast_options
from tests.fakes.megabox_server import FakeMegabox

SAT = date(2026, 12, 5)
MX4D_BRANCHES = ("1351", "4651", "0052")


async def test_listing_parses_bom_entities_late_end_and_string_numbers(
    megabox: FakeMegabox,
) -> None:
    megabox.set_rest_seats("2612054651035", 7)
    megabox.set_row_field("2612054651035", "restSeatCnt", "7")  # numbers may come as strings
    async with MegaboxClient(fast_options(megabox.base_url)) as client:
        page = await client.booking_page(SAT, MX4D_BRANCHES, ("25008000",))
    assert megabox.last("bokd").body["brchNo3"] == "0052"  # leading zero kept
    rows = {native(s.screening_id): s for s in page.screenings}
    assert len(rows) == 18
    late = rows[native(COEX_MX4D_2220)]
    assert late.end == datetime(2026, 12, 6, 0, 44, tzinfo=KST)  # "24:44"
    assert late.format_code == "MX4D"
    recliner = rows["2612051351028"]
    assert recliner.hall_name == "르 리클라이너 5관(마이어사운드)"  # &#40; &#41; unescaped
    assert rows["2612050052026"].bookable is False  # bokdAbleAt N
    assert rows["2612054651035"].free_seats == 7
    assert any(
        s.matches_movie("megabox:25008000") and s.movie_id == "megabox:25008001"
        for s in rows.values()
    )
    assert {c.play_date for c in page.calendar if c.holiday} == {date(2026, 12, 25)}
    assert {native(b.branch_id) for b in page.branches} >= set(MX4D_BRANCHES)


async def test_not_open_date_is_an_empty_list_not_an_error(megabox: FakeMegabox) -> None:
    async with MegaboxClient(fast_options(megabox.base_url)) as client:
        page = await client.booking_page(date(2026, 12, 19), MX4D_BRANCHES, ("25008000",))
    assert page.screenings == ()
    assert not {c.play_date: c for c in page.calendar}[date(2026, 12, 19)].open


async def test_seat_map_and_catalogue(megabox: FakeMegabox) -> None:
    async with MegaboxClient(fast_options(megabox.base_url)) as client:
        seat_map = await client.seat_list(native(COEX_MX4D_1940), "1351")
        movies = await client.movies()
        schedule = await client.schedule_page(SAT, "1351")
    assert len(seat_map.seats) == 192
    assert {native(m.movie_id) for m in movies} == {"26073500", "26018900", "25008000"}
    assert {s.branch_id for s in schedule.screenings} == {"megabox:1351"}
    assert megabox.last("seats").headers["X-Requested-With"] == "XMLHttpRequest"


@pytest.mark.parametrize(
    ("mode", "error"),
    [
        ("overload", errors.Overloaded),
        ("rejected", errors.Rejected),
        ("403", errors.Blocked),
        ("429", errors.RateLimited),
        ("500", errors.ServerError),
        ("502", errors.ServerError),
        ("timeout", errors.Timeout),
        ("html", errors.BadShape),
        ("missing-keys", errors.BadShape),
        ("bad-json", errors.BadShape),
        ("empty", errors.BadShape),
    ],
)
async def test_every_failure_is_typed_never_empty(
    megabox: FakeMegabox, mode: str, error: type[errors.ChainError]
) -> None:
    megabox.fail_always("bokd", mode)
    # Only the timeout case waits for the client to give up; the others must never time out.
    options = fast_options(
        megabox.base_url, **({"timeout_seconds": SHORT_TIMEOUT} if mode == "timeout" else {})
    )
    async with MegaboxClient(options) as client:
        with pytest.raises(error):
            await client.booking_page(SAT, ("1351",))
        # Transient failures are retried (max_retries=2); permanent ones are not.
        expected = 3 if error.transient else 1
        assert client.requests_made == expected == megabox.count("bokd")


async def test_transient_failure_then_success_is_retried(megabox: FakeMegabox) -> None:
    megabox.fail("bokd", "overload", times=2)
    async with MegaboxClient(fast_options(megabox.base_url)) as client:
        page = await client.booking_page(SAT, ("1351",), ("25008000",))
    assert len(page.screenings) == 8
    assert megabox.count("bokd") == 3


async def test_request_budget_spaces_requests(megabox: FakeMegabox) -> None:
    import time

    options = fast_options(megabox.base_url, requests_per_second=20)
    async with MegaboxClient(options) as client:
        started = time.monotonic()
        for _ in range(4):
            await client.seat_list(native(COEX_MX4D_1940), "1351")
        elapsed = time.monotonic() - started
    assert elapsed >= 3 / 20 * 0.9  # 4 requests at 20/s need at least 3 gaps of 50 ms
