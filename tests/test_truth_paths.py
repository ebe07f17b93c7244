"""Truth on every path (issue 16): each path judges an opening only from what it saw.

Each test drives the real checker, store and (where named) the fast lane against the fake
MEGABOX and a real SQLite file, and reproduces one reported fault: a fast poll or a failed
check without the holiday calendar, an unreadable row, a paused watch, a title watch, a
waiting watch in the lane, reminders, an edit racing a binding, a folded opening."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from bot.chains.base import Film
from bot.chains.megabox.models import read_film
from bot.checking.checker import Poll
from bot.checking.fast_lane import LanePolicy
from bot.checking.lane_runner import LaneRunner
from bot.watches.openings import Change
from bot.watches.titles import Awaited, find_film
from bot.watches.watch import Days, Watch
from tests.conftest import COEX_MX4D_1940, THREE_TOGETHER, World, original_watch
from tests.fakes.megabox_server import rewrite_id

#: Friday 2026-12-04, a weekday that the fake's calendar marks as a holiday.
HOLIDAY = "20261204"
WHEELCHAIR_ONLY = "selectSeatList-coex-mx4d-wheelchair-only.json"


def changes(result: object, key: tuple[int, str]) -> list[Change]:
    return [t.change for t in result.transitions if t.key == key]  # type: ignore[attr-defined]


async def alerts(world: World) -> list[tuple[int, str]]:
    """(watch, screening) of every alert waiting for delivery."""
    return sorted((j.watch_id, j.view.screening_id) for j in await world.store.alert_jobs())


async def open_on_holiday(world: World) -> tuple[Watch, str]:
    """A weekend watch alerted for a screening on a weekday holiday."""
    world.megabox.copy_day("20261205", HOLIDAY)
    world.megabox.open_date(HOLIDAY, holiday=True)
    screening = rewrite_id(COEX_MX4D_1940, HOLIDAY)
    world.megabox.set_seat_map(screening, THREE_TOGETHER)
    watch = await world.add(original_watch(fast_lane=True))
    first = await world.checker.run()
    assert changes(first, (watch.id, screening)) == [Change.OPENED]
    return watch, screening


# -- 1. holidays without the calendar ---------------------------------------------------------


async def test_a_fast_poll_after_a_restart_keeps_a_holiday_opening_open(world: World) -> None:
    watch, screening = await open_on_holiday(world)
    await world.restart()  # nothing held in memory: the calendar is stored
    world.clock.advance(minutes=10)
    poll = Poll(
        frozenset({watch.id}), {("megabox:1351",): frozenset({date(2026, 12, 4)})}, frozenset()
    )
    polled = await world.checker.poll(poll)
    assert polled is not None and polled.result.requests
    assert changes(polled.result, (watch.id, screening)) == []
    world.clock.advance(hours=1)
    again = await world.checker.run()
    assert changes(again, (watch.id, screening)) == [] and await alerts(world) == [
        (watch.id, screening)
    ]  # the first alert only


async def test_a_check_failing_before_any_calendar_keeps_a_holiday_opening_open(
    world: World,
) -> None:
    watch, screening = await open_on_holiday(world)
    world.megabox.fail_always(None, "403")
    world.clock.advance(hours=1)
    failed = await world.checker.run()
    assert failed.failed and changes(failed, (watch.id, screening)) == []
    world.megabox.recover()
    world.clock.advance(hours=1)
    again = await world.checker.run()
    assert changes(again, (watch.id, screening)) == []  # still open: no second alert


async def test_the_fast_lane_polls_holiday_dates(world: World) -> None:
    watch, screening = await open_on_holiday(world)
    world.megabox.reset_log()
    runner = LaneRunner(world.checker, LanePolicy(requests_per_hour=240))
    runner.calendars[("megabox:1351",)] = frozenset({date(2026, 12, 4), date(2026, 12, 5)})
    world.clock.advance(minutes=20)
    tick = await runner.tick()
    assert tick.result is not None
    asked = {r.body.get("playDe") for r in world.megabox.requests if r.endpoint == "bokd"}
    assert HOLIDAY in asked
    assert any(c.screening_id == screening for c in runner.last_plan.watched)  # type: ignore[union-attr]
    assert watch.id in {w for c in runner.last_plan.watched for w in c.watch_ids}  # type: ignore[union-attr]


# -- 2. an unreadable row ---------------------------------------------------------------------


async def test_an_unreadable_row_never_closes_its_opening(world: World) -> None:
    watch = await world.add(original_watch())
    world.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    await world.checker.run()
    start = world.megabox.row(COEX_MX4D_1940)["playStartTime"]
    world.megabox.set_row_field(COEX_MX4D_1940, "playStartTime", "soon")
    world.clock.advance(hours=1)
    broken = await world.checker.run()
    assert changes(broken, (watch.id, COEX_MX4D_1940)) == []  # not "sold out again"
    world.megabox.set_row_field(COEX_MX4D_1940, "playStartTime", start)
    world.clock.advance(hours=1)
    again = await world.checker.run()
    assert changes(again, (watch.id, COEX_MX4D_1940)) == []  # no second alert


# -- 3. "no longer watched" only for a watch that changed -------------------------------------


async def test_a_resumed_watch_whose_seats_went_meanwhile_says_sold_out(world: World) -> None:
    paused = await world.add(original_watch(name="paused"))
    await world.add(original_watch(name="other"))
    world.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    await world.checker.run()
    await world.store.edit_watch(paused.id, lambda w: replace(w, paused=True), now=world.clock())
    # Only wheelchair seats left: restSeatCnt still reaches 3, so the map is read; the
    # other watch's check stores the hall as it is now.
    world.megabox.set_seat_map(COEX_MX4D_1940, WHEELCHAIR_ONLY)
    world.clock.advance(hours=1)
    await world.checker.run()
    await world.store.edit_watch(paused.id, lambda w: replace(w, paused=False), now=world.clock())
    world.clock.advance(hours=1)
    resumed = await world.checker.run()
    assert changes(resumed, (paused.id, COEX_MX4D_1940)) == [Change.CLOSED]


async def test_a_renamed_watch_whose_seats_went_says_sold_out(world: World) -> None:
    watch = await world.add(original_watch())
    world.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    await world.checker.run()
    await world.store.edit_watch(watch.id, lambda w: replace(w, name="new"), now=world.clock())
    world.megabox.set_seat_map(COEX_MX4D_1940, WHEELCHAIR_ONLY)
    world.clock.advance(hours=1)
    result = await world.checker.run()
    assert changes(result, (watch.id, COEX_MX4D_1940)) == [Change.CLOSED]


# -- 4. title watches bind to their own film --------------------------------------------------


def film(no: str, name: str, eng: str = "", rpst: str | None = None) -> Film:
    return read_film({"movieNo": no, "movieNm": name, "movieEngNm": eng, "rpstMovieNo": rpst or no})


def test_a_title_binds_to_the_whole_title_only() -> None:
    on_sale = [
        film("1", "아바타: 불과 재", "Avatar: Fire and Ash"),
        film("2", "슈퍼맨", "Superman"),
        film("3", "마더", "Mother"),
        film("4", "미션 임파서블: 파이널 레코닝", "Mission: Impossible"),
    ]
    assert find_film(Awaited(title="아바타"), on_sale) is None
    assert find_film(Awaited(title="Up"), on_sale) is None
    assert find_film(Awaited(title="Her"), on_sale) is None
    found = find_film(Awaited(title="미션임파서블 파이널레코닝"), on_sale)
    assert found is not None and found.movie_id == "megabox:4"


def test_a_film_picked_by_number_binds_to_that_number_only() -> None:
    older = film("1", "아바타", "Avatar")
    newer = film("9", "아바타", "Avatar")
    event = film("10", "[무대인사] 아바타", "Avatar", rpst="9")
    picked = Awaited(title="아바타", movie_id="9")
    assert find_film(picked, [older]) is None
    found = find_film(picked, [older, event])
    assert found is not None and found.movie_id == "megabox:10"
    found = find_film(picked, [older, newer])
    assert found is not None and found.movie_id == "megabox:9"


# -- 5. a waiting watch in the fast lane ------------------------------------------------------


async def test_a_waiting_watch_in_the_fast_lane_does_not_stop_the_lane(world: World) -> None:
    await world.add(original_watch(fast_lane=True))
    # Its branches differ, so a lane that planned with it would cut other chunks than
    # the poll, which leaves it out.
    await world.add(
        original_watch(
            fast_lane=True,
            movie_id="",
            branches=("1351", "4651"),
            awaiting=Awaited(title="없는 영화"),
        )
    )
    await world.checker.run()
    runner = LaneRunner(world.checker, LanePolicy(requests_per_hour=240))
    world.megabox.reset_log()
    world.clock.advance(minutes=20)
    tick = await runner.tick()
    assert tick.result is not None and world.megabox.count("bokd") >= 1
    assert runner.last_listing  # what was read counts as polled, and only that


# -- 6. reminders count from delivery, for watches being checked ------------------------------


async def deliver(world: World) -> None:
    for job in await world.store.alert_jobs():
        await world.store.mark_sent(
            job.alert_id, message_id=job.alert_id, channel_id=1, shown_open=True,
            now=world.clock(),
        )  # fmt: skip


async def due(world: World) -> bool:
    return any(j.reminder_due(world.clock()) for j in await world.store.alert_jobs())


async def test_a_reminder_counts_from_delivery_not_from_the_opening(world: World) -> None:
    await world.add(original_watch(remind=timedelta(minutes=30)))
    world.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    await world.checker.run()
    world.clock.advance(hours=2)  # held by quiet hours, or Discord was down
    await deliver(world)
    world.clock.advance(minutes=1)
    assert not await due(world)
    world.clock.advance(minutes=30)
    assert await due(world)


async def test_turning_remind_on_does_not_remind_old_openings_at_once(world: World) -> None:
    watch = await world.add(original_watch())
    world.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    await world.checker.run()
    await deliver(world)
    world.clock.advance(hours=3)
    thirty = timedelta(minutes=30)
    await world.store.edit_watch(watch.id, lambda w: replace(w, remind=thirty), now=world.clock())
    world.clock.advance(minutes=1)
    assert not await due(world)
    world.clock.advance(minutes=30)
    assert await due(world)


async def test_a_paused_watch_gets_no_reminder(world: World) -> None:
    watch = await world.add(original_watch(remind=timedelta(minutes=30)))
    world.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    await world.checker.run()
    await deliver(world)
    await world.store.edit_watch(watch.id, lambda w: replace(w, paused=True), now=world.clock())
    world.clock.advance(hours=1)
    assert not await due(world)


# -- 7. lost updates --------------------------------------------------------------------------


async def test_an_edit_overlapping_a_binding_keeps_the_binding(world: World) -> None:
    waiting = await world.add(
        original_watch(movie_id="", awaiting=Awaited(title="진격의 거인 완결편 더 라스트 어택"))
    )
    await world.checker.run()  # the film is on sale: the watch binds
    bound = await world.store.watch(waiting.id)
    assert bound is not None and bound.movie_id and bound.awaiting is None
    # An edit that read the watch before the binding writes only what it changed.
    stale = await world.store.update_watch(
        waiting, replace(waiting, min_seats=2), now=world.clock()
    )
    assert stale is None  # refused: the watch changed meanwhile
    edited = await world.store.edit_watch(
        waiting.id, lambda w: replace(w, min_seats=2), now=world.clock()
    )
    assert edited is not None and edited.movie_id == bound.movie_id and edited.min_seats == 2
    stored = await world.store.watch(waiting.id)
    assert stored is not None and stored.awaiting is None and stored.min_seats == 2


async def test_an_edit_keeps_a_pause_made_meanwhile(world: World) -> None:
    watch = await world.add(original_watch(scope="user", owner_id=7, channel_id=None))
    await world.store.pause_dm_deliveries(7, "your DMs are closed")
    edited = await world.store.edit_watch(
        watch.id, lambda w: replace(w, min_seats=4), now=world.clock()
    )
    assert edited is not None and edited.paused and edited.min_seats == 4


# -- 8. a folded opening is never lost --------------------------------------------------------


async def test_a_folded_opening_edited_before_its_message_is_still_told(world: World) -> None:
    watch = await world.add(original_watch(news_baseline_pending=False, baseline_pending=False))
    new_day = "20261219"
    world.megabox.copy_day("20261205", new_day)
    opened = rewrite_id(COEX_MX4D_1940, new_day)
    world.megabox.set_seat_map(opened, THREE_TOGETHER)

    async def rename() -> None:
        await world.store.edit_watch(watch.id, lambda w: replace(w, name="x"), now=world.clock())

    result = await world.checker.run(on_progress=rename)
    assert changes(result, (watch.id, opened)) == [Change.OPENED]
    # The grouped message was dropped with the edit: the seats get an alert of their own.
    assert (watch.id, opened) in await alerts(world)


# -- 9. smaller ones --------------------------------------------------------------------------


def test_days_leave_an_unknown_holiday_undecided() -> None:
    weekend = Days.parse("weekend")
    friday = date(2026, 12, 4)
    assert weekend.decides(friday, None) is None
    assert weekend.decides(friday, True) is True
    assert weekend.decides(date(2026, 12, 5), None) is True
    assert Days.parse("all").decides(friday, None) is True
