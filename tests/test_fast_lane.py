"""The fast lane and /history, end to end: the real bot against the fake Discord and MEGABOX."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import pytest

from bot.checking.fast_lane import LanePolicy
from bot.checking.lane_runner import LaneRunner
from tests.conftest import COEX_MX4D_1940, THREE_TOGETHER, World, child_env, original_watch
from tests.e2e import (
    ADMIN,
    GENERAL_CHANNEL,
    GUILD_ID,
    Running,
    make_settings,
    running_bot,
)
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.megabox_server import FakeMegabox
from tests.test_cli import run_cli

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
async def run(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> AsyncIterator[Running]:
    """The bot with the `.env` watch in the fast lane."""
    settings = make_settings(megabox, db_url, tmp_path, watch_fast_lane=True)
    async with running_bot(fake, megabox, settings) as running:
        yield running


def lane(run: Running) -> Any:
    cog = run.bot.get_cog("FastLane")
    assert cog is not None
    return cast(Any, cog)


async def short_lived_opening(run: Running, megabox: FakeMegabox) -> None:
    """Hourly checks at :15 see the screening sold out; seats come back at :25 and are gone
    again by :40."""
    await run.scheduled_check()
    run.clock.advance(minutes=10)
    megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    await lane(run).tick()
    run.clock.advance(minutes=15)
    megabox.set_seat_map(COEX_MX4D_1940, "selectSeatList-coex-mx4d-wheelchair-only.json")
    await lane(run).tick()
    run.clock.advance(minutes=35)
    await run.scheduled_check()


@pytest.mark.parametrize("fast_lane", [False, True])
async def test_the_fast_lane_catches_an_opening_the_hourly_schedule_misses(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path, fast_lane: bool
) -> None:
    settings = make_settings(megabox, db_url, tmp_path, watch_fast_lane=fast_lane)
    async with running_bot(fake, megabox, settings) as run:
        await short_lived_opening(run, megabox)
        await run.watcher.settle()
        alerts = run.alerts()
        if not fast_lane:
            assert alerts == []  # the hourly schedule never saw the seats
            return
        assert len(alerts) == 1
        assert COEX_MX4D_1940 in str(alerts[0].payload["components"])
        # The lane also saw them go: the alert says so.
        assert "sold out again" in alerts[0].embeds[0]["title"]
        # No status line per fast poll: only the two scheduled checks wrote there.
        assert len(run.status_lines()) == 2


async def test_no_opening_is_alerted_twice_by_the_lane_and_the_schedule(
    fake: FakeDiscord, megabox: FakeMegabox, run: Running
) -> None:
    await run.scheduled_check()
    run.clock.advance(minutes=10)
    megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    await lane(run).tick()  # the lane finds it first
    await run.watcher.settle()
    assert len(run.alerts()) == 1
    for _ in range(3):  # then both paths keep seeing it open
        run.clock.advance(minutes=20)
        await run.scheduled_check()
        run.clock.advance(minutes=3)
        await lane(run).tick()
    interaction = await fake.send_command(GUILD_ID, GENERAL_CHANNEL, ADMIN, "check")
    await fake.wait_for_followup(interaction, timeout=10)
    await run.watcher.settle()
    assert len(run.alerts()) == 1


async def test_a_429_slows_the_lane_and_is_reported_once_then_recovery_once(
    fake: FakeDiscord, megabox: FakeMegabox, run: Running
) -> None:
    await run.scheduled_check()
    megabox.fail_always("bokd", "429")
    run.clock.advance(minutes=20)
    await lane(run).tick()
    paused = [line for line in run.status_lines() if line.startswith("🐢 Fast lane paused")]
    assert len(paused) == 1 and "429" in paused[0]
    asked = megabox.count("bokd")
    run.clock.advance(minutes=2)
    await lane(run).tick()
    assert megabox.count("bokd") == asked  # backing off: MEGABOX is left alone
    run.clock.advance(minutes=10)
    await lane(run).tick()  # tried again, still 429: no second message
    assert megabox.count("bokd") > asked
    interaction = await fake.send_command(GUILD_ID, GENERAL_CHANNEL, ADMIN, "status")
    callback = await fake.wait_for_callback(interaction)
    fields = {f["name"]: f["value"] for f in callback["data"]["embeds"][0]["fields"]}
    assert "backing off after 429" in fields["Fast lane"]
    megabox.recover()
    run.clock.advance(minutes=30)
    await lane(run).tick()
    run.clock.advance(minutes=30)
    await lane(run).tick()
    lines = run.status_lines()
    assert sum(line.startswith("🐢 Fast lane paused") for line in lines) == 1
    assert sum(line.startswith("✅ Fast lane resumed") for line in lines) == 1


async def test_check_while_a_fast_poll_runs_is_deferred_at_once_and_answers(
    fake: FakeDiscord, megabox: FakeMegabox, run: Running
) -> None:
    await run.scheduled_check()
    run.clock.advance(minutes=10)
    megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    megabox.hold("bokd")
    asked = megabox.count("bokd")
    poll = asyncio.create_task(lane(run).tick())
    await megabox.wait_for_request("bokd", asked + 1)  # the lane waits on MEGABOX now
    interaction = await fake.send_command(GUILD_ID, GENERAL_CHANNEL, ADMIN, "check")
    callback = await fake.wait_for_callback(interaction)
    assert callback == {"type": 5, "data": {"flags": 64}}  # deferred while MEGABOX hangs
    megabox.release("bokd")
    await poll
    followup = await fake.wait_for_followup(interaction, timeout=10)
    embed = followup["embeds"][0]
    assert "Matching (1)" in [f["name"] for f in embed["fields"]]  # a real answer
    await run.watcher.settle()
    assert len(run.alerts()) == 1


async def test_status_shows_the_lanes_cadence_requests_and_what_it_watches(
    fake: FakeDiscord, megabox: FakeMegabox, run: Running
) -> None:
    await run.scheduled_check()
    run.clock.advance(minutes=40)  # nothing changed lately: the cadence follows the seats
    await lane(run).tick()
    interaction = await fake.send_command(GUILD_ID, GENERAL_CHANNEL, ADMIN, "status")
    callback = await fake.wait_for_callback(interaction)
    fields = {f["name"]: f["value"] for f in callback["data"]["embeds"][0]["fields"]}
    text = fields["Fast lane"]
    assert text.startswith("every 2 min")
    assert "requests in the last hour (budget 240)" in text
    # The fixture's screenings are all sold out: each is looked at every two minutes.
    assert "• Sat 12-05 09:00 at MEGABOX 1351: every 2 min (sold out)" in text


async def test_history_answers_with_a_png_chart_or_says_there_is_no_data(
    fake: FakeDiscord, megabox: FakeMegabox, run: Running
) -> None:
    await short_lived_opening(run, megabox)
    interaction = await fake.send_command(
        GUILD_ID, GENERAL_CHANNEL, ADMIN, "history", {"date": "2026-12-19"}
    )
    empty = await fake.wait_for_followup(interaction, timeout=10)
    assert "No seat history yet for **#1 default** on 2026-12-19" in empty["content"]
    assert "Dates with data: 2026-12-05" in empty["content"]
    assert not empty.get("attachments")
    interaction = await fake.send_command(
        GUILD_ID, GENERAL_CHANNEL, ADMIN, "history", {"watch": "1", "date": "2026-12-05"}
    )
    await fake.wait_for_callback(interaction)
    reply = await fake.wait_for_followup(interaction, timeout=30)
    assert reply["flags"] & 64
    assert "▼ marks an opening" in reply["content"]
    assert [a["filename"] for a in reply["attachments"]] == ["history-1-2026-12-05.png"]
    (served,) = fake.followup_messages(interaction)
    upload = fake.files[served["attachments"][0]["id"]]
    assert upload.startswith(b"\x89PNG\r\n\x1a\n")
    interaction = await fake.send_command(
        GUILD_ID, GENERAL_CHANNEL, ADMIN, "history", {"date": "2026-13-05"}
    )
    bad = await fake.wait_for_followup(interaction, timeout=10)
    assert "must look like 2026-12-05" in bad["content"]


async def test_cli_history_prints_the_same_data_as_a_table(
    megabox: FakeMegabox, world: World, tmp_path: Path
) -> None:
    watch = await world.add(original_watch())
    await world.checker.run()
    world.clock.advance(minutes=10)
    megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    await world.checker.run()
    env = child_env(megabox, tmp_path, DATABASE_URL=world.db_url, WATCH_MOVIE_NO="")
    code, out, _ = await run_cli(env, "history", str(watch.id), "2026-12-05")
    assert code == 0
    assert "N = 3 · times in KST" in out
    line = next(row for row in out.splitlines() if row.startswith(COEX_MX4D_1940) and "▲" in row)
    assert "12-03 14:25" in line and "▲ alert" in line
    code, out, _ = await run_cli(env, "history", str(watch.id), "2026-12-19")
    assert code == 1 and "No seat history" in out


async def test_watch_edit_turns_the_fast_lane_on_and_the_watch_says_so(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    async with running_bot(fake, megabox, make_settings(megabox, db_url, tmp_path)) as run:
        interaction = await fake.send_command(
            GUILD_ID, GENERAL_CHANNEL, ADMIN, "watch", {"watch": "1", "fast_lane": True},
            subcommand="edit",
        )  # fmt: skip
        reply = await fake.wait_for_followup(interaction, timeout=10)
        fields = {f["name"]: f["value"] for f in reply["embeds"][0]["fields"]}
        assert "fast lane: re-checked between scheduled checks" in fields["Status"]
        (watch,) = await run.bot.store.watches()
        assert watch.fast_lane and not watch.baseline_pending  # no new baseline for this


# -- the lane's budget and memory, across a restart ------------------------------------------


async def test_the_lane_s_count_and_backoff_survive_a_restart(world: World) -> None:
    await world.add(original_watch(fast_lane=True, together=True))
    policy = LanePolicy(requests_per_hour=240)
    runner = LaneRunner(world.checker, policy)
    first = await runner.tick()
    assert first.result is not None
    spent = runner.requests_last_hour(world.clock())
    assert spent == first.result.requests > 0
    await world.restart()
    after = LaneRunner(world.checker, policy)
    await after.load()
    assert after.requests_last_hour(world.clock()) == spent  # not a fresh hour
    # A 429 makes it back off; a restart does not forget that either.
    world.clock.advance(minutes=20)
    world.megabox.fail("bokd", "429", times=10)
    backed = await after.tick()
    assert backed.backed_off == "rate-limited"
    await world.restart()
    asked = world.megabox.count()
    again = LaneRunner(world.checker, policy)
    quiet = await again.tick()
    assert quiet.result is None and quiet.next_at == backed.next_at
    assert world.megabox.count() == asked  # nothing asked while backing off
    world.clock.advance(hours=2)
    assert again.requests_last_hour(world.clock()) == 0


async def test_a_poll_stops_at_what_the_hour_leaves_of_the_lane_s_budget(world: World) -> None:
    await world.add(original_watch(fast_lane=True, together=True, min_seats=1))
    await world.checker.run()
    budget = 3
    runner = LaneRunner(world.checker, LanePolicy(requests_per_hour=budget))
    for _ in range(15):
        # Counts move everywhere: each moved count wants its seat map at once.
        for row in world.megabox.rows():
            world.megabox.set_rest_seats(str(row["playSchdlNo"]), int(row["restSeatCnt"]) + 1)
        await runner.tick()
        world.clock.advance(minutes=4)
        assert runner.requests_last_hour(world.clock()) <= budget
