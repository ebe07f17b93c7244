"""The request plan: the fewest MEGABOX requests that answer every watch."""

from __future__ import annotations

from datetime import date, timedelta

from bot.chains.base import OpenDay
from bot.chains.megabox.models import read_day
from bot.checking.planner import make_chunks, minimum_listing_requests
from bot.watches.watch import Days
from cogs.render import screening_line
from tests.conftest import COEX_MX4D_1940, FIXTURE_NOW, THREE_TOGETHER, World, original_watch

TODAY = FIXTURE_NOW.date()


def fixture_calendar(world: World) -> dict[date, OpenDay]:
    days = {}
    for n in range(25):
        day = TODAY + timedelta(days=n)
        key = f"{day:%Y%m%d}"
        days[day] = read_day(
            {
                "playDe": key,
                "formAt": "Y" if world.megabox.is_open(key) else "N",
                "hldyDivAt": "Y" if day == date(2026, 12, 25) else "N",
            }
        )
    return days


def listing_dates(world: World) -> list[str]:
    return [r.body["playDe"] for r in world.megabox.requests if r.endpoint == "bokd"]


async def test_original_job_asks_each_open_weekend_date_once(world: World) -> None:
    await world.add(original_watch())
    result = await world.checker.run()
    # Weekends in 21 days: 12-05/06, 12-12/13, 12-19/20; 12-19/20 are not open yet.
    assert listing_dates(world) == ["20261205", "20261206", "20261212", "20261213"]
    minimum = minimum_listing_requests(
        [original_watch()], fixture_calendar(world), TODAY, world.checker.horizon_days
    )
    assert len(listing_dates(world)) == minimum == 4
    # Seat maps only where restSeatCnt could give 3 usable seats: 19:40 (4) and 22:20 (6).
    assert maps_read(world) == [COEX_MX4D_1940, "megabox:2612051351046"]
    assert result.requests == 6

    # Next hour nothing moved, yet both candidates are read again: at an equal count a
    # wheelchair seat can have sold while a normal one freed (product.md "Check").
    world.megabox.reset_log()
    world.clock.advance(hours=1)
    again = await world.checker.run()
    assert len(listing_dates(world)) == 4
    assert maps_read(world) == [COEX_MX4D_1940, "megabox:2612051351046"]
    assert again.requests == world.megabox.count()


async def test_holidays_marked_by_megabox_count_as_weekend(world: World) -> None:
    await world.add(original_watch())
    world.checker.horizon_days = 23
    await world.checker.run()
    assert "20261225" in listing_dates(world)  # a Friday with hldyDivAt Y


async def test_many_watches_coalesce_into_the_minimum(world: World) -> None:
    branches = ["1351", "4651", "0052", "1372", "0020", "0019", "4062"]
    movies = ["25008000", "26018900", "26073500"]
    for i in range(12):
        await world.add(
            original_watch(
                name=f"w{i}",
                movie_id=movies[i % 3],
                branches=(branches[i % 7], branches[(i * 3) % 7]),
                formats=frozenset(),
                min_seats=1 + i % 4,
            )
        )
    # A weekday watch on a branch of its own: its weekdays must not cost the others requests.
    await world.add(original_watch(name="weekday", branches=("7011",), days=Days.parse("weekdays")))
    await world.checker.run()
    watches = await world.store.watches()
    minimum = minimum_listing_requests(watches, fixture_calendar(world), TODAY, 21)
    # 7 weekend branches → 3 requests per open weekend date (4) + 1 weekday branch → 1 per
    # open weekday (12-03, 04, 07, 08, 10, 11) = 12 + 6.
    assert minimum == 18
    assert world.megabox.count("bokd") == minimum
    for request in (r for r in world.megabox.requests if r.endpoint == "bokd"):
        assert 1 <= int(request.body["brchNoListCnt"]) <= 3
    assert len(make_chunks(watches, TODAY, 21)) == 3  # ceil(8 branches / 3)


async def test_paused_watches_cost_nothing(world: World) -> None:
    await world.add(original_watch(paused=True))
    result = await world.checker.run()
    assert world.megabox.count() == 0
    assert result.screenings == ()


def maps_read(world: World) -> list[str]:
    return sorted(
        f"megabox:{r.body['playSchdlNo']}" for r in world.megabox.requests if r.endpoint == "seats"
    )


async def test_a_seat_map_is_read_only_where_the_count_cannot_settle_it(world: World) -> None:
    await world.add(original_watch(branches=("4651",), name="hanam"))
    first = await world.checker.run()
    # Hanam MX4D: 15:50 has 7 free, 21:10 has 18; both could give 3 seats. The hall has
    # never been read, so the first map is read; it tells the hall's wheelchair and hidden
    # seats (none), which settle 21:10 from its count in the same check.
    assert maps_read(world) == ["megabox:2612054651035"]
    assert len(first.matches) == 2
    world.megabox.reset_log()
    world.clock.advance(hours=1)
    again = await world.checker.run()
    # Now the hall is known (no wheelchair or hidden seats): 7 and 18 free are ≥ 3 usable
    # whatever seats moved, so no map is read, and both match "from the count".
    assert maps_read(world) == []
    assert len(again.matches) == 2
    assert all(s.count is not None and s.count.from_count for s in again.matches)
    lines = [screening_line(s) for s in again.matches]  # what /check shows
    assert any("at least 7 usable, from the count" in line for line in lines)
    # Below N no seat map can change the answer either: no map, no match.
    world.megabox.set_rest_seats("2612054651035", 2)
    world.megabox.reset_log()
    world.clock.advance(hours=1)
    third = await world.checker.run()
    assert maps_read(world) == []
    assert [s.screening.screening_id for s in third.matches] == ["megabox:2612054651037"]  # 21:10


async def test_a_together_watch_has_the_map_read_and_a_count_only_watch_shares_it(
    world: World,
) -> None:
    counted = await world.add(original_watch(name="anywhere"))
    world.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)  # 9 free, 4 of them wheelchair
    await world.checker.run()  # COEX MX4D is read once: 4 wheelchair seats, none hidden
    world.megabox.reset_log()
    world.clock.advance(hours=1)
    alone = await world.checker.run()
    # 9 - 4 = 5 ≥ 3 usable, certain (22:20's 4 free may all be wheelchair seats: read).
    assert COEX_MX4D_1940 not in maps_read(world)
    assert [s.screening.screening_id for s in alone.matches] == [COEX_MX4D_1940]
    # The same screening for a watch that wants its seats together: only the map can tell,
    # and the count-only watch is judged by that map too.
    together = await world.add(original_watch(name="together", together=True))
    world.megabox.reset_log()
    world.clock.advance(hours=1)
    both = await world.checker.run()
    assert maps_read(world).count(COEX_MX4D_1940) == 1
    (seen,) = [s for s in both.screenings if s.screening.screening_id == COEX_MX4D_1940]
    assert seen.count is not None and seen.count.exact
    assert set(seen.matched_by) == {counted.id, together.id}
