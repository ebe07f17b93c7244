"""One check end to end against the fake MEGABOX and a real SQLite file: openings, the outbox,
restarts, flapping and failures (product.md "Opening", "Status and failures")."""

from __future__ import annotations

import contextlib
from datetime import date

import pytest

from bot.checking.report import status_line, table
from bot.watches.openings import Change
from bot.watches.watch import Mention
from tests.conftest import ALERT_CHANNEL, COEX_MX4D_1940, THREE_TOGETHER, World, original_watch


async def deliver_all(world: World, message_id: int) -> None:
    """What the bot's outbox does once Discord accepted the message."""
    for job in await world.store.alert_jobs():
        await world.store.mark_sent(
            job.alert_id, message_id=message_id, channel_id=ALERT_CHANNEL, shown_open=True,
            now=world.clock(),
        )  # fmt: skip


async def test_wheelchair_only_seats_are_not_an_opening(world: World) -> None:
    await world.add(original_watch())
    result = await world.checker.run()
    assert result.ok
    seen = {s.screening.screening_id: s for s in result.screenings}
    wheelchair = seen[COEX_MX4D_1940]
    assert wheelchair.screening.free_seats == 4
    assert wheelchair.count is not None
    assert (wheelchair.count.free, wheelchair.count.usable) == (4, 0)
    assert result.openings == ()
    assert await world.store.alert_jobs() == []
    line = status_line(result)
    assert "none with 3 seats" in line
    assert "Checked 6 screenings on 4 dates" in line  # Sat+Sun 12-05/06, 12-12/13


async def test_three_free_seats_open_once_and_alert_once(world: World) -> None:
    await world.add(original_watch())
    world.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    first = await world.checker.run()
    assert [o.screening.screening_id for o in first.openings] == [COEX_MX4D_1940]
    opening = first.openings[0]
    assert (opening.count.usable, opening.count.best_block, opening.count.best_row) == (5, 3, "F")
    jobs = await world.store.alert_jobs()
    assert [(j.target_id, j.view.mentions, j.message_id) for j in jobs] == [
        (ALERT_CHANNEL, (Mention("here"),), None)
    ]
    await world.store.mark_sent(
        jobs[0].alert_id, message_id=1, channel_id=ALERT_CHANNEL, shown_open=True, now=world.clock()
    )

    world.clock.advance(hours=1)
    second = await world.checker.run()
    assert second.openings == ()
    assert [s.screening.screening_id for s in second.matches] == [COEX_MX4D_1940]
    assert await world.store.alert_jobs() == []

    await world.restart()
    world.clock.advance(hours=1)
    third = await world.checker.run()
    assert third.openings == ()
    assert await world.store.alert_jobs() == []


async def test_undelivered_alert_survives_a_restart(world: World) -> None:
    await world.add(original_watch())
    world.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    await world.checker.run()
    await world.restart()
    jobs = await world.store.alert_jobs()
    assert len(jobs) == 1 and jobs[0].message_id is None
    again = await world.checker.run()
    assert again.openings == ()
    assert len(await world.store.alert_jobs()) == 1  # still the same one, not a second


async def test_sold_out_then_available_again_alerts_again(world: World) -> None:
    await world.add(original_watch())
    world.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    await world.checker.run()
    await deliver_all(world, message_id=7)

    world.clock.advance(hours=1)
    world.megabox.sell_out(COEX_MX4D_1940)
    closed = await world.checker.run()
    assert [t.change for t in closed.transitions] == [Change.CLOSED]
    edits = await world.store.alert_jobs()
    assert [(e.message_id, e.open) for e in edits] == [(7, False)]  # the alert must say so
    await world.store.mark_shown(edits[0].alert_id, shown_open=False)

    world.clock.advance(hours=1)  # longer than the 30 min damping
    world.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    reopened = await world.checker.run()
    assert [o.screening.screening_id for o in reopened.openings] == [COEX_MX4D_1940]
    assert [j.message_id for j in await world.store.alert_jobs()] == [None]  # a new alert


async def test_flapping_within_damping_does_not_alert_again(world: World) -> None:
    await world.add(original_watch())
    world.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    await world.checker.run()
    await deliver_all(world, message_id=7)
    for _ in range(3):
        world.clock.advance(minutes=5)
        world.megabox.sell_out(COEX_MX4D_1940)
        await world.checker.run()
        world.clock.advance(minutes=5)
        world.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
        back = await world.checker.run()
        assert back.openings == ()
        assert [t.change for t in back.transitions] == [Change.REVIVED]
    # Only the first alert exists; it was edited to closed and back, never re-sent.
    assert [j.message_id for j in await world.store.alert_jobs()] in ([], [7])


async def test_together_needs_adjacent_seats(world: World) -> None:
    together = await world.add(original_watch(together=True, name="together"))
    loose = await world.add(original_watch(name="loose"))
    # Three usable seats, but the best block is H8|H9 across a seat-block boundary: 1.
    world.megabox.set_free_seats(COEX_MX4D_1940, ["C2", "H8", "H9"])
    result = await world.checker.run()
    match = {s.screening.screening_id: s for s in result.screenings}[COEX_MX4D_1940]
    assert match.count is not None and (match.count.usable, match.count.best_block) == (3, 1)
    assert match.matched_by == (loose.id,)
    assert together.id not in match.matched_by
    world.clock.advance(hours=1)
    world.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    result = await world.checker.run()
    assert [o.watch_id for o in result.openings] == [together.id]


@pytest.mark.parametrize(
    "mode",
    ["overload", "rejected", "403", "429", "500", "timeout", "html", "missing-keys", "bad-json"],
)
async def test_failures_are_errors_and_lose_no_state(world: World, mode: str) -> None:
    await world.add(original_watch())
    world.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    await world.checker.run()
    before = await world.store.opening_states()

    world.clock.advance(hours=1)
    world.megabox.sell_out(COEX_MX4D_1940)  # would close the opening, if we could see it
    world.megabox.fail_always("bokd", mode)
    world.megabox.fail_always("schedule", mode)
    async with contextlib.AsyncExitStack() as stack:
        if mode == "timeout":
            await stack.enter_async_context(world.short_timeouts())
        failed = await world.checker.run()
    assert failed.failed and not failed.ok
    assert failed.errors[0].kind != ""
    assert failed.screenings == () and failed.transitions == ()
    line = status_line(failed)
    assert "Check failed" in line and "not a 'no seats' result" in line
    assert "none with" not in line
    assert await world.store.opening_states() == before
    assert (await world.store.last_runs())[0].ok is False
    assert await world.store.consecutive_failures() == 1

    world.megabox.recover()
    world.clock.advance(hours=1)
    recovered = await world.checker.run()
    assert recovered.ok
    assert [t.change for t in recovered.transitions] == [Change.CLOSED]
    assert await world.store.consecutive_failures() == 0


async def test_listing_falls_back_to_schedule_page(world: World) -> None:
    await world.add(original_watch())
    world.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    world.megabox.fail_always("bokd", "rejected")
    result = await world.checker.run()
    assert result.ok
    assert [o.screening.screening_id for o in result.openings] == [COEX_MX4D_1940]
    assert world.megabox.count("schedule") >= 1


async def test_unreadable_seat_map_falls_back_to_an_estimate(world: World) -> None:
    await world.add(original_watch())
    world.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)  # restSeatCnt 9, 4 wheelchair
    world.megabox.fail_always("seats", "html")
    result = await world.checker.run()
    opening = {o.screening.screening_id: o for o in result.openings}[COEX_MX4D_1940]
    assert opening.count.exact is False and opening.count.usable == 5
    assert "estimates" in status_line(result)


async def test_overload_stops_the_check_instead_of_hammering(world: World) -> None:
    await world.add(original_watch())
    world.megabox.fail_always(None, "overload")
    result = await world.checker.run()
    assert result.failed
    # One listing with its retries and one schedulePage fallback try, then the check stopped.
    assert world.megabox.count() <= 3 + 3
    assert all(e.kind == "overloaded" for e in result.errors)


async def test_started_screening_closes_its_opening(world: World) -> None:
    await world.add(original_watch())
    world.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    await world.checker.run()
    world.clock.now = world.clock.now.replace(day=5, hour=19, minute=45)
    world.megabox.remove_screening(COEX_MX4D_1940)  # today's list drops started shows
    result = await world.checker.run()
    assert [(t.key[1], t.change) for t in result.transitions] == [(COEX_MX4D_1940, Change.STARTED)]


async def test_new_watch_baseline_does_not_alert_what_is_already_open(world: World) -> None:
    world.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    await world.add(original_watch(baseline_pending=True))
    first = await world.checker.run()
    assert first.openings == () and [t.change for t in first.transitions] == [Change.BASELINE]
    assert await world.store.alert_jobs() == []
    assert not (await world.store.watches())[0].baseline_pending
    # It alerts the next opening as usual.
    world.clock.advance(hours=1)
    world.megabox.sell_out(COEX_MX4D_1940)
    await world.checker.run()
    world.clock.advance(hours=1)
    world.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    assert len((await world.checker.run()).openings) == 1


async def test_cli_table_shows_every_wanted_screening(world: World) -> None:
    await world.add(original_watch())
    world.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    text = table(await world.checker.run())
    assert "2026-12-05 Sat" in text
    assert "22:20-24:44 (+1d)" in text
    assert "9/5/192" in text and "3 in row F" in text and "MATCH" in text
    assert "sold out" in text
    assert date(2026, 12, 5).isoformat() in text


async def test_unreadable_seat_map_never_closes_an_opening(world: World) -> None:
    await world.add(original_watch(together=True))
    world.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    assert len((await world.checker.run()).openings) == 1
    world.megabox.fail_always("seats", "500")
    for _ in range(2):
        world.clock.advance(hours=1)
        result = await world.checker.run()
        assert result.transitions == ()  # an estimate proves nothing about seats together
        assert "estimates" in status_line(result)
    world.megabox.recover()
    world.clock.advance(hours=1)
    back = await world.checker.run()
    assert back.transitions == ()
    assert back.openings == ()


async def test_an_open_screening_is_looked_at_every_check(world: World) -> None:
    await world.add(original_watch())
    world.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    await world.checker.run()
    # The wheelchair seats sell: restSeatCnt 5, of which 5 are usable, although
    # "restSeatCnt minus the hall's 4 wheelchair seats" would say 1.
    world.megabox.set_free_seats(
        COEX_MX4D_1940, ["F6", "F7", "F8", "H8", "H9"], keep_wheelchair_free=False
    )
    for _ in range(2):  # the second time the count has not moved
        world.clock.advance(hours=1)
        result = await world.checker.run()
        assert result.transitions == ()
        assert [s.screening.screening_id for s in result.matches] == [COEX_MX4D_1940]


async def test_odd_times_from_megabox_are_an_error_not_a_crash(world: World) -> None:
    await world.add(original_watch())
    for row in world.megabox.rows():  # every row unreadable: the API changed
        world.megabox.set_row_field(row["playSchdlNo"], "playStartTime", "soon")
    world.megabox.fail_always("schedule", "rejected")
    result = await world.checker.run()
    assert result.failed
    assert {e.kind for e in result.errors} == {"unexpected-response"}
    assert "playStartTime" in result.errors[0].message
    assert (await world.store.last_runs())[0].ok is False


async def test_a_partial_check_does_not_end_a_baseline(world: World) -> None:
    # Four branches: two listing chunks (0052, 1351, 1372) and (4651).
    await world.add(
        original_watch(branches=("1351", "4651", "0052", "1372"), baseline_pending=True)
    )
    world.megabox.fail("bokd", "rejected")  # the first chunk's first date fails…
    world.megabox.fail("schedule", "rejected")  # …and so does its fallback
    first = await world.checker.run()
    assert first.errors
    assert {t.change for t in first.transitions} == {Change.BASELINE}  # Hanam, seen
    assert (await world.store.watches())[0].baseline_pending
    world.clock.advance(hours=1)
    second = await world.checker.run()
    assert second.ok
    assert second.openings == ()  # Suwon was open all along: recorded, not alerted
    assert {t.change for t in second.transitions} == {Change.BASELINE}
    assert not (await world.store.watches())[0].baseline_pending
    assert await world.store.alert_jobs() == []


async def test_openings_are_stored_chunk_by_chunk_for_early_delivery(world: World) -> None:
    # Four branches: two listing chunks, (0052, 1351, 1372) then (4651).
    await world.add(original_watch(branches=("1351", "4651", "0052", "1372")))
    progress: list[tuple[int, bool]] = []

    async def delivered_so_far() -> None:
        jobs = await world.store.alert_jobs()
        asked_hanam = any(r.body.get("brchNo1") == "4651" for r in world.megabox.requests)
        progress.append((len(jobs), asked_hanam))

    result = await world.checker.run(on_progress=delivered_so_far)
    # Suwon's two openings were ready for delivery before Hanam was even asked about.
    assert progress == [(2, False), (4, True)]
    assert len(result.openings) == 4
