"""Truth under change and failure: partial failures, watches changed during a check, edits,
swaps at an equal count, one bad seat map, and a second writer. Each test drives the real
checker against the fake MEGABOX and a real SQLite file."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from bot.chains.megabox.client import parse_booking_page
from bot.checking.checker import Checker
from bot.checking.report import status_line
from bot.store.repo import Store
from bot.watches.openings import Change
from bot.watches.watch import TimeWindow
from tests.conftest import (
    ALERT_CHANNEL,
    COEX_MX4D_1940,
    COEX_MX4D_2220,
    THREE_TOGETHER,
    World,
    original_watch,
)
from tests.fakes.megabox_server import load_fixture

HANAM_1550 = "2612054651035"


async def opened(world: World) -> list[tuple[int, str]]:
    """(watch, screening) of every alert waiting for delivery."""
    return sorted((j.watch_id, j.view.screening_id) for j in await world.store.alert_jobs())


async def deliver_all(world: World) -> None:
    for job in await world.store.alert_jobs():
        await world.store.mark_sent(
            job.alert_id, message_id=job.alert_id, channel_id=ALERT_CHANNEL, shown_open=True,
            now=world.clock(),
        )  # fmt: skip


# -- 1. one failing part ---------------------------------------------------------------------


async def test_a_lasting_failure_elsewhere_does_not_keep_a_new_watch_in_baseline(
    world: World,
) -> None:
    await world.add(original_watch(branches=("4651",), name="hanam"))
    coex = await world.add(original_watch(name="coex", baseline_pending=True))
    # A Hanam row MEGABOX keeps sending broken: every check is partial, for Hanam only.
    world.megabox.set_row_field(HANAM_1550, "playStartTime", "soon")
    first = await world.checker.run()
    assert first.errors and not first.failed
    assert coex.id in first.covered
    assert not (await world.store.watch(coex.id)).baseline_pending  # type: ignore[union-attr]
    # Seats open at COEX: the new watch hears of it although Hanam is still broken.
    world.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    world.clock.advance(hours=1)
    second = await world.checker.run()
    assert second.errors
    assert (coex.id, COEX_MX4D_1940) in await opened(world)


async def test_one_unreadable_row_costs_only_itself(world: World) -> None:
    await world.add(original_watch())
    world.megabox.set_row_field(COEX_MX4D_1940, "playStartTime", "soon")
    world.megabox.set_seat_map(COEX_MX4D_2220, THREE_TOGETHER)
    result = await world.checker.run()
    assert not result.failed
    seen = {s.screening.screening_id for s in result.screenings}
    assert COEX_MX4D_2220 in seen and COEX_MX4D_1940 not in seen  # the rest of the listing
    assert [o.screening.screening_id for o in result.openings] == [COEX_MX4D_2220]
    assert {e.kind for e in result.errors} == {"unreadable-row"}
    line = status_line(result)
    assert "Not checked: 1 part (MEGABOX unreadable-row)" in line and "none with" not in line
    assert (await world.store.last_runs())[0].ok is False  # partial, not "all fine"


def test_an_unreadable_branch_entry_is_skipped_not_fatal() -> None:
    data: dict[str, Any] = load_fixture("selectBokdList-coex-mx4d-open.json")
    data["areaBrchList"] = [{"brchNo": None}, *data["areaBrchList"]]
    page = parse_booking_page(data)
    assert page.screenings and page.branches
    assert [s.kind for s in page.skipped] == ["branch"]


# -- 2. watches changed during a check -------------------------------------------------------


async def run_held(world: World, during: Any) -> Any:
    """Run a check, and while it waits on its first seat map, do `during()`."""
    world.megabox.reset_log()
    world.megabox.hold("seats")
    task = asyncio.create_task(world.checker.run())
    await world.megabox.wait_for_request("seats")
    await during()
    world.megabox.release("seats")
    return await task


async def test_removing_a_watch_during_a_check_keeps_the_check_whole(world: World) -> None:
    gone = await world.add(original_watch(name="gone"))
    kept = await world.add(original_watch(name="kept"))
    world.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    result = await run_held(world, lambda: world.store.remove_watch(gone.id))
    assert await opened(world) == [(kept.id, COEX_MX4D_1940)]
    assert [(o.watch_id, o.screening.screening_id) for o in result.openings] == [
        (kept.id, COEX_MX4D_1940)
    ]
    runs = await world.store.last_runs()
    assert runs and runs[0].started_at == result.started_at  # the check was recorded


async def test_an_edit_during_a_check_keeps_its_new_baseline(world: World) -> None:
    watch = await world.add(original_watch(min_seats=6, baseline_pending=True))  # a new watch
    world.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)  # 5 usable: not 6

    async def widen() -> None:
        await world.store.update_watch(
            watch, replace(watch, min_seats=3, baseline_pending=True), now=world.clock()
        )

    await run_held(world, widen)  # the check read the 6-seat watch
    stored = await world.store.watch(watch.id)
    assert stored is not None and stored.baseline_pending  # not ended by the older check
    world.clock.advance(hours=1)
    after = await world.checker.run()
    # What was already open when the watch was widened is its baseline, not an alert.
    assert after.openings == () and await opened(world) == []
    assert [t.change for t in after.transitions] == [Change.BASELINE]


async def test_pausing_a_watch_during_a_check_spares_the_others(world: World) -> None:
    paused = await world.add(original_watch(name="paused"))
    other = await world.add(original_watch(name="other"))
    world.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)

    async def pause() -> None:
        await world.store.update_watch(paused, replace(paused, paused=True), now=world.clock())

    await run_held(world, pause)
    assert await opened(world) == [(other.id, COEX_MX4D_1940)]


# -- 3. narrowing ----------------------------------------------------------------------------


async def test_narrowing_a_watch_does_not_say_sold_out(world: World) -> None:
    watch = await world.add(original_watch())
    world.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)  # 5 usable, 3 together in F
    await world.checker.run()
    await deliver_all(world)
    await world.store.update_watch(watch, replace(watch, min_seats=6), now=world.clock())
    world.clock.advance(hours=1)
    result = await world.checker.run()
    assert [(t.key[1], t.change) for t in result.transitions] == [
        (COEX_MX4D_1940, Change.UNWATCHED)
    ]
    jobs = await world.store.alert_jobs()  # the sent alert must be edited: but not "sold out"
    assert [(j.open, j.view.close_reason) for j in jobs] == [(False, "unwatched")]


async def test_a_narrower_time_window_closes_as_no_longer_watched(world: World) -> None:
    watch = await world.add(original_watch())
    world.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    await world.checker.run()
    await world.store.update_watch(
        watch, replace(watch, window=TimeWindow.parse("20:00-23:59")), now=world.clock()
    )
    world.clock.advance(hours=1)
    result = await world.checker.run()
    assert [t.change for t in result.transitions] == [Change.UNWATCHED]


async def test_a_real_sell_out_after_an_edit_still_says_sold_out(world: World) -> None:
    watch = await world.add(original_watch())
    world.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    await world.checker.run()
    await world.store.update_watch(watch, replace(watch, name="renamed"), now=world.clock())
    world.megabox.sell_out(COEX_MX4D_1940)
    world.clock.advance(hours=1)
    result = await world.checker.run()
    assert [t.change for t in result.transitions] == [Change.CLOSED]


# -- 4. swaps at an equal count --------------------------------------------------------------


async def test_a_wheelchair_seat_sold_while_normal_seats_free_at_an_equal_count(
    world: World,
) -> None:
    await world.add(original_watch())
    first = await world.checker.run()  # 19:40: restSeatCnt 4, all of them wheelchair seats
    assert first.openings == ()
    # Three wheelchair seats sell while three normal seats free: restSeatCnt is still 4.
    world.megabox.set_free_seats(
        COEX_MX4D_1940, ["A13", "F6", "F7", "F8"], keep_wheelchair_free=False
    )
    assert world.megabox.row(COEX_MX4D_1940)["restSeatCnt"] in (4, "4")
    world.clock.advance(hours=1)
    second = await world.checker.run()
    assert [o.screening.screening_id for o in second.openings] == [COEX_MX4D_1940]


async def test_around_the_count_bound_the_verdict_is_the_seat_map_s(world: World) -> None:
    """A model of the hall (COEX MX4D: 4 wheelchair seats, N = 3) against the check: free
    wheelchair and normal seats swap at every count around restSeatCnt - 4 = N, and the
    check matches exactly when 3 normal seats are free, map or no map."""
    watch = await world.add(original_watch())
    await world.checker.run()  # the hall is read once
    normal = ["F6", "F7", "F8", "H8", "H9", "H10"]
    for rest in range(2, 9):
        for wheelchair in range(min(rest, 4), -1, -1):
            free = normal[: rest - wheelchair]
            if len(free) != rest - wheelchair:
                continue
            world.megabox.set_free_seats(
                COEX_MX4D_1940, [*["A13", "A14", "A15", "A16"][:wheelchair], *free],
                keep_wheelchair_free=False,
            )  # fmt: skip
            world.clock.advance(hours=1)
            result = await world.checker.run()
            (seen,) = [s for s in result.screenings if s.screening.screening_id == COEX_MX4D_1940]
            assert (watch.id in seen.matched_by) == (len(free) >= 3), (rest, wheelchair)
            # The count alone decides only where every split would give the same verdict.
            assert (seen.count is not None and seen.count.from_count) == (rest - 4 >= 3)


# -- 5. one bad seat map ---------------------------------------------------------------------


async def test_one_seat_map_timeout_does_not_end_the_check(world: World) -> None:
    # Seats together: every candidate's map is read (a count alone proves no block).
    await world.add(original_watch(branches=("1351", "4651"), together=True))
    world.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    await world.checker.run()
    await deliver_all(world)
    world.megabox.reset_log()
    # The first seat map of the next check times out on every try; the rest answer.
    world.megabox.fail("seats", "timeout", times=world.client.options.max_retries + 1)
    world.megabox.sell_out(COEX_MX4D_1940)
    world.clock.advance(hours=1)
    async with world.short_timeouts():
        result = await world.checker.run()
    assert result.seat_maps >= 2  # the check went on after the timeout
    assert not any("earlier failure" in e.message for e in result.errors)
    assert len({s.screening.branch_id for s in result.screenings}) == 2
    first_asked = next(
        r.body["playSchdlNo"] for r in world.megabox.requests if r.endpoint == "seats"
    )
    # The screening whose map timed out keeps its state: nothing is closed for it.
    assert all(t.key[1] != first_asked for t in result.transitions)


# -- exactly once: a second writer -----------------------------------------------------------


async def test_two_writers_cannot_double_an_opening(world: World) -> None:
    await world.add(original_watch())
    world.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    second_store = await Store.open(world.db_url)
    try:
        replica = Checker(world.client, second_store, clock=world.clock)
        world.megabox.hold("seats")
        both = [asyncio.create_task(c.run()) for c in (world.checker, replica)]
        await world.megabox.wait_for_request("seats", count=2)  # both judged nothing yet
        world.megabox.release("seats")
        results = await asyncio.gather(*both)
    finally:
        await second_store.close()
    assert sum(len(r.openings) for r in results) == 1
    assert len(await world.store.alert_jobs()) == 1


async def test_a_run_of_timeouts_stops_the_check(world: World) -> None:
    await world.add(original_watch(branches=("1351", "4651", "0052")))
    world.megabox.fail_always("seats", "timeout")  # MEGABOX's seat maps are down
    async with world.short_timeouts():
        result = await world.checker.run()
    tries = world.client.options.max_retries + 1
    candidates = [s for s in result.screenings if s.count is not None]
    assert len(candidates) > 3
    # Three maps in a row failed: the rest were not asked for (no full round of timeouts).
    assert world.megabox.count("seats") <= 3 * tries
    assert result.seat_maps == 0
