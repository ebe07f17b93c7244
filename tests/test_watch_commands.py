"""Watches and subscriptions managed from Discord, through the fake Discord, end to end."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.chains.base import native
from bot.chains.megabox.models import read_day
from bot.checking.planner import minimum_listing_requests
from tests.conftest import ALERT_CHANNEL, COEX_MX4D_1940, FIXTURE_NOW, THREE_TOGETHER
from tests.e2e import (
    ADMIN,
    GENERAL_CHANNEL,
    GUILD_ID,
    MEMBER,
    Running,
    make_guild,
    make_settings,
    running_bot,
)
from tests.fakes.discord_server import FakeChannel, FakeDiscord, FakeGuild, FakeMember, FakeRole
from tests.fakes.megabox_server import FakeMegabox

pytestmark = pytest.mark.timeout(30)

GUILD2 = 1_600_000_000_000_000_001
GUILD2_CHANNEL = 1_600_000_000_000_000_010
GUILD2_ADMIN = 1_600_000_000_000_000_100
MANAGE_GUILD = 1 << 5


def second_guild() -> FakeGuild:
    return FakeGuild(
        id=GUILD2,
        name="Other Friends",
        channels=[FakeChannel(GUILD2_CHANNEL, "alerts")],
        roles=[FakeRole(GUILD2 + 1, "mods", permissions=MANAGE_GUILD)],
        members=[FakeMember(GUILD2_ADMIN, "mod", roles=[GUILD2 + 1])],
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(guilds=[make_guild(), second_guild()]) as server:
        yield server


@pytest.fixture
async def run(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> AsyncIterator[Running]:
    # No .env watch: every watch here comes from a command. No DISCORD_GUILD_ID: the commands
    # are synced globally, as for a bot in many servers.
    settings = make_settings(
        megabox, db_url, tmp_path, watch_movie_no=None, watch_branches=None, discord_guild_id=None
    )
    async with running_bot(fake, megabox, settings) as running:
        assert await running.bot.catalogue.refresh()
        yield running


async def command(
    run: Running,
    user: int,
    name: str,
    options: dict[str, Any] | None = None,
    *,
    sub: str | None = None,
    guild: int = GUILD_ID,
    channel: int = GENERAL_CHANNEL,
) -> dict[str, Any]:
    """Run a slash command; return the private answer (after a defer, the follow-up)."""
    interaction = await run.discord.send_command(
        guild, channel, user, name, options, subcommand=sub
    )
    callback = await run.discord.wait_for_callback(interaction)
    if callback["type"] == 5:
        answer = await run.discord.wait_for_followup(interaction, timeout=10)
    else:
        answer = callback["data"]
    assert answer.get("flags", 0) & 64, f"not private: {answer}"
    return answer


def text(answer: dict[str, Any]) -> str:
    parts = [answer.get("content") or ""]
    for embed in answer.get("embeds", []):
        parts += [embed.get("title", ""), embed.get("description", "")]
        parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields", [])]
    return "\n".join(parts)


async def add_watch(run: Running, user: int = ADMIN, **options: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "movie": "25008000",
        "branches": "1351",
        "format": "MX4D",
        "days": "weekend",
        "min_seats": 3,
    }
    values.update(options)
    return await command(run, user, "watch", values, sub="add")


async def autocomplete(
    run: Running, options: dict[str, Any], focused: str, sub: str = "add"
) -> list[dict[str, Any]]:
    interaction = await run.discord.send_autocomplete(
        GUILD_ID, GENERAL_CHANNEL, ADMIN, "watch", options, focused=focused, subcommand=sub
    )
    callback = await run.discord.wait_for_callback(interaction)
    assert callback["type"] == 8
    choices: list[dict[str, Any]] = callback["data"]["choices"]
    return choices


async def test_autocomplete_from_the_megabox_catalogue(run: Running) -> None:
    # Answered from the catalogue in memory; bench/ measures the time (~1 ms).
    movies = await autocomplete(run, {"movie": "진격"}, "movie")
    assert [c["value"] for c in movies] == ["megabox:25008000"]
    assert "2025.03.13" in movies[0]["name"]
    coex = await autocomplete(run, {"movie": "25008000", "branches": "coex"}, "branches")
    assert [c["value"] for c in coex] == ["megabox:1351"]
    assert coex[0]["name"].startswith("코엑스 COEX (서울)")
    several = await autocomplete(run, {"movie": "25008000", "branches": "1351, 하남"}, "branches")
    # What was typed is kept as typed (a bare code is MEGABOX's), the completion is qualified.
    assert [c["value"] for c in several] == ["1351,megabox:4651"]
    assert several[0]["name"].startswith("코엑스 + 하남스타필드")


async def test_admin_manages_a_watch_from_add_to_remove(run: Running) -> None:
    added = await add_watch(run, name="coex 4dx", together=True)
    assert "✅ Watch added: #1 coex 4dx" in text(added)
    assert "Seats: 3 together, wheelchair seats excluded" in text(added)
    assert "records what is already open" in text(added)

    watch_choices = await autocomplete(run, {"watch": "coex"}, "watch", sub="show")
    assert watch_choices == [{"name": "#1 coex 4dx", "value": "1"}]

    listed = await command(run, ADMIN, "watch", sub="list")
    assert "#1 coex 4dx" in text(listed)

    edited = await command(
        run, ADMIN, "watch", {"watch": "1", "min_seats": 4, "days": "sat"}, sub="edit"
    )
    assert "Seats: 4 together" in text(edited)
    assert "Days: Sat" in text(edited)

    paused = await command(run, ADMIN, "watch", {"watch": "1"}, sub="pause")
    assert "Paused" in text(paused)
    assert (await run.bot.store.watch(1)).paused  # type: ignore[union-attr]
    resumed = await command(run, ADMIN, "watch", {"watch": "#1"}, sub="resume")
    assert "Resumed" in text(resumed)

    interaction = await run.discord.send_command(
        GUILD_ID, GENERAL_CHANNEL, ADMIN, "watch", {"watch": "1"}, subcommand="remove"
    )
    ask = (await run.discord.wait_for_callback(interaction))["data"]
    assert "Remove **#1 coex 4dx**" in ask["content"]
    button = ask["components"][0]["components"][0]
    assert await run.bot.store.watch(1) is not None  # nothing removed before the click
    reply = run.discord.reply_message(interaction)
    click = await run.discord.send_component(
        GUILD_ID, GENERAL_CHANNEL, ADMIN, button["custom_id"], message_id=int(reply["id"])
    )
    done = await run.discord.wait_for_callback(click)
    assert done["type"] == 7
    assert "Removed watch **#1 coex 4dx**" in done["data"]["content"]
    assert await run.bot.store.watch(1) is None


async def test_member_without_manage_server_is_refused(run: Running) -> None:
    await add_watch(run)
    refused = await add_watch(run, user=MEMBER)
    assert "needs the **Manage Server** permission" in text(refused)
    for sub, options in [("edit", {"watch": "1", "min_seats": 1}), ("pause", {"watch": "1"}),
                         ("remove", {"watch": "1"}), ("test", {"watch": "1"})]:  # fmt: skip
        answer = await command(run, MEMBER, "watch", options, sub=sub)
        assert "Manage Server" in text(answer), sub
    watches = await run.bot.store.watches()
    assert [(w.id, w.min_seats, w.paused) for w in watches] == [(1, 3, False)]
    # A personal watch needs no permission.
    mine = await add_watch(run, user=MEMBER, scope="user")
    assert "Delivery: DM to its owner" in text(mine)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"movie": "12345678"}, "MEGABOX has no movie matching '12345678'"),
        (
            {"movie": "진격의 거인 완결편 더 라스트 어택x"},
            "Did you mean: 진격의 거인 완결편 더 라스트 어택",
        ),
        ({"branches": "Gangnum"}, "No cinema has a branch matching 'Gangnum'. Did you mean: 강남"),
        ({"branches": "9999"}, "No cinema has a branch matching '9999'"),
        ({"days": "someday"}, "days: not a day: 'someday'"),
        ({"times": "late"}, "times: time window must look like 18:00-23:30"),
        ({"format": "IMAX"}, "unknown format 'IMAX'"),
        ({"name": "   "}, "The name can't be empty"),
    ],
)
async def test_bad_options_get_a_specific_private_error(
    run: Running, options: dict[str, Any], expected: str
) -> None:
    answer = await add_watch(run, **options)
    assert expected in text(answer)
    assert await run.bot.store.watches() == []


async def test_new_watch_records_a_baseline_instead_of_alerting(run: Running) -> None:
    run.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)  # already open before the add
    await add_watch(run)
    await run.scheduled_check()
    assert run.alerts() == []
    run.megabox.sell_out(COEX_MX4D_1940)
    run.clock.advance(hours=1)
    await run.scheduled_check()
    run.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    run.clock.advance(hours=1)
    await run.scheduled_check()
    assert len(run.alerts()) == 1  # a new opening after the baseline


async def test_alert_now_alerts_what_is_already_open(run: Running) -> None:
    run.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    await add_watch(run, alert_now=True)
    await run.scheduled_check()
    assert len(run.alerts()) == 1


async def test_subscribers_get_a_dm_or_a_mention(run: Running, fake: FakeDiscord) -> None:
    await add_watch(run, alert_now=True)
    dm = await command(run, MEMBER, "subscribe", {"watch": "1"})
    assert "Subscribed to **#1" in text(dm)
    assert "by DM" in text(dm)
    await command(run, ADMIN, "subscribe", {"watch": "1", "delivery": "mention"})
    run.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    await run.scheduled_check()
    dms = fake.dms_to(MEMBER)
    assert len(dms) == 1
    assert dms[0].embeds[0]["title"].startswith("🎟️ Seats open")
    alert = run.alerts()[0]
    assert f"<@{ADMIN}>" in alert.content
    assert alert.payload["allowed_mentions"] == {"parse": [], "users": [ADMIN]}  # only them
    mine = await command(run, MEMBER, "subscriptions")
    assert "#1" in text(mine) and "dm" in text(mine)
    gone = await command(run, MEMBER, "unsubscribe", {"watch": "1"})
    assert "Unsubscribed" in text(gone)


async def test_closed_dms_pause_the_subscription_and_tell_the_user_once(
    run: Running, fake: FakeDiscord
) -> None:
    await add_watch(run, alert_now=True)
    await command(run, MEMBER, "subscribe", {"watch": "1"})
    fake.close_dms(MEMBER)
    run.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    await run.scheduled_check()
    assert len(run.alerts()) == 1  # the channel alert is unaffected
    assert fake.dms_to(MEMBER) == []
    subs = await run.bot.store.subscriptions(user_id=MEMBER)
    assert [s.paused for s in subs] == [True]
    assert await run.watcher.deliver() == 0  # not retried forever
    first = await command(run, MEMBER, "status")  # whatever they run next tells them
    assert "couldn't send you an alert by DM" in text(first)
    second = await command(run, MEMBER, "subscriptions")
    assert "couldn't send you an alert by DM" not in text(second)  # told once
    assert "paused (your DMs were closed)" in text(second)


async def test_quiet_hours_hold_dms_until_they_end(run: Running, fake: FakeDiscord) -> None:
    await add_watch(run, alert_now=True)
    await command(run, MEMBER, "subscribe", {"watch": "1"})
    quiet = await command(run, MEMBER, "quiet", {"hours": "14:00-16:00"})  # clock: 14:15 KST
    assert "Quiet hours 14:00-16:00 KST" in text(quiet)
    run.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    await run.scheduled_check()
    assert len(run.alerts()) == 1
    assert fake.dms_to(MEMBER) == []  # held
    run.clock.advance(hours=2)  # 16:15: quiet hours are over
    assert await run.watcher.deliver() == 1
    assert len(fake.dms_to(MEMBER)) == 1


async def test_held_dm_is_dropped_when_the_seats_are_gone(run: Running, fake: FakeDiscord) -> None:
    await add_watch(run, alert_now=True)
    await command(run, MEMBER, "subscribe", {"watch": "1"})
    await command(run, MEMBER, "quiet", {"hours": "14:00-16:00"})
    run.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    await run.scheduled_check()
    run.megabox.sell_out(COEX_MX4D_1940)
    run.clock.advance(minutes=30)
    await run.scheduled_check()
    run.clock.advance(hours=2)
    await run.watcher.deliver()
    assert fake.dms_to(MEMBER) == []
    assert len(run.alerts()[0].edits) == 1  # the channel alert says "sold out again"


async def test_leaving_a_guild_removes_its_watches_and_subscriptions(
    run: Running, fake: FakeDiscord
) -> None:
    await add_watch(run)
    await command(run, MEMBER, "subscribe", {"watch": "1"})
    await command(run, GUILD2_ADMIN, "watch", {"movie": "25008000", "branches": "4651"},
                  sub="add", guild=GUILD2, channel=GUILD2_CHANNEL)  # fmt: skip
    forgotten = asyncio.ensure_future(run.bot.wait_for("guild_forgotten", timeout=10))
    await fake.remove_guild(GUILD_ID)
    assert await forgotten == GUILD_ID
    watches = await run.bot.store.watches()
    assert [w.guild_id for w in watches] == [GUILD2]
    assert await run.bot.store.subscriptions() == []


async def test_watches_of_two_guilds_coalesce_into_the_minimum(run: Running) -> None:
    for branches in ("1351", "1351,4651", "0052"):
        await add_watch(run, branches=branches, format="any", min_seats=2)
    for branches in ("4651", "1372,0052"):
        await command(run, GUILD2_ADMIN, "watch",
                      {"movie": "25008000", "branches": branches, "days": "weekend"},
                      sub="add", guild=GUILD2, channel=GUILD2_CHANNEL)  # fmt: skip
    run.megabox.reset_log()
    await run.scheduled_check()
    watches = await run.bot.store.watches()
    calendar = {}
    for n in range(21):
        day = FIXTURE_NOW.date().fromordinal(FIXTURE_NOW.date().toordinal() + n)
        key = f"{day:%Y%m%d}"
        calendar[day] = read_day(
            {"playDe": key, "formAt": "Y" if run.megabox.is_open(key) else "N"}
        )
    minimum = minimum_listing_requests(watches, calendar, FIXTURE_NOW.date(), 21)
    # 4 branches over 4 open weekend dates: ceil(4/3) = 2 requests a date.
    assert minimum == 8
    assert run.megabox.count("bokd") == minimum


async def test_check_and_status_for_one_watch(run: Running) -> None:
    await add_watch(run, name="coex")
    await add_watch(run, branches="4651", name="hanam", alert_now=True)
    answer = await command(run, ADMIN, "check", {"watch": "2"})
    body = text(answer)
    assert "Matching (2)" in body  # Hanam 15:50 (7) and 21:10 (18)
    assert "코엑스" not in body
    status = await command(run, ADMIN, "status", {"watch": "hanam"})
    assert "Open now" in text(status)
    assert "하남스타필드" in text(status)


async def test_watch_test_posts_a_marked_alert(run: Running) -> None:
    await add_watch(run)
    await run.scheduled_check()
    answer = await command(run, ADMIN, "watch", {"watch": "1"}, sub="test")
    assert "Test alert posted" in text(answer)
    test_alert = run.alerts()[-1]
    assert test_alert.embeds[0]["title"].startswith("[TEST]")
    assert test_alert.payload["allowed_mentions"] == {"parse": []}
    assert test_alert.channel_id == ALERT_CHANNEL


async def test_limits_are_explained(run: Running) -> None:
    from dataclasses import replace

    from tests.conftest import original_watch

    for i in range(25):
        await run.bot.store.add_watch(
            replace(original_watch(name=f"w{i}"), guild_id=GUILD_ID), now=FIXTURE_NOW
        )
    full = await add_watch(run)
    assert "already has 25 watches, the most it can have" in text(full)
    for i in range(10):
        await run.bot.store.add_watch(
            replace(original_watch(name=f"p{i}"), scope="user", owner_id=MEMBER), now=FIXTURE_NOW
        )
    mine = await add_watch(run, user=MEMBER, scope="user")
    assert "You already have 10 personal watches" in text(mine)
    assert len(await run.bot.store.watches()) == 35


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"branches": "nowhere"}, "No cinema has a branch matching 'nowhere'"),
        ({"times": "25:00-26:00"}, "times: time window '25:00-26:00' is not a valid range"),
        ({}, "Nothing to change"),
        ({"watch": "99"}, "No watch '99' here"),
    ],
)
async def test_bad_edits_change_nothing(
    run: Running, options: dict[str, Any], expected: str
) -> None:
    await add_watch(run)
    before = await run.bot.store.watches()
    answer = await command(run, ADMIN, "watch", {"watch": "1", **options}, sub="edit")
    assert expected in text(answer)
    assert await run.bot.store.watches() == before


async def test_personal_watch_is_delivered_by_dm_only(run: Running, fake: FakeDiscord) -> None:
    await add_watch(run, user=MEMBER, scope="user", alert_now=True)
    run.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    await run.scheduled_check()
    assert run.alerts() == []
    [dm] = fake.dms_to(MEMBER)
    assert dm.embeds[0]["title"].startswith("🎟️ Seats open")
    assert dm.payload["allowed_mentions"] == {"parse": []}


async def test_second_check_while_one_runs_is_told_so(run: Running) -> None:
    run.megabox.hold("seats")
    await add_watch(run, alert_now=True)
    first = await run.discord.send_command(GUILD_ID, GENERAL_CHANNEL, ADMIN, "check")
    await run.megabox.wait_for_request("seats")  # the first check is waiting on MEGABOX
    second = await command(run, MEMBER, "check")
    assert "A check is already running" in text(second)
    run.megabox.release("seats")
    answer = await run.discord.wait_for_followup(first, timeout=10)
    assert "Check finished" in text(answer)


async def test_watch_mention_and_mention_subscribers_in_one_alert(run: Running) -> None:
    from tests.e2e import ADMIN_ROLE

    await add_watch(run, alert_now=True, mention=ADMIN_ROLE)
    await command(run, MEMBER, "subscribe", {"watch": "1", "delivery": "mention"})
    await command(run, ADMIN, "subscribe", {"watch": "1", "delivery": "mention"})
    run.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    await run.scheduled_check()
    [alert] = run.alerts()
    assert alert.content == f"<@&{ADMIN_ROLE}> <@{MEMBER}> <@{ADMIN}>"
    assert alert.payload["allowed_mentions"] == {
        "parse": [],
        "roles": [ADMIN_ROLE],
        "users": [MEMBER, ADMIN],
    }
    answer = await command(run, ADMIN, "watch", {"watch": "1"}, sub="test")
    assert "Test alert posted" in text(answer)
    test_alert = run.alerts()[-1]
    assert test_alert.content == "(test alert: nobody was pinged)"
    assert test_alert.payload["allowed_mentions"] == {"parse": []}


async def test_held_dm_comes_back_when_the_seats_do(run: Running, fake: FakeDiscord) -> None:
    await add_watch(run, alert_now=True)
    await command(run, MEMBER, "subscribe", {"watch": "1"})
    await command(run, MEMBER, "quiet", {"hours": "14:00-16:00"})
    run.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    await run.scheduled_check()  # opening; the DM is held
    run.megabox.sell_out(COEX_MX4D_1940)
    run.clock.advance(minutes=10)
    await run.scheduled_check()  # closed: the held DM expires
    run.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    run.clock.advance(minutes=10)
    await run.scheduled_check()  # back within the damping time: the same opening, revived
    assert fake.dms_to(MEMBER) == []
    run.clock.advance(hours=2)
    assert await run.watcher.deliver() == 1
    assert len(fake.dms_to(MEMBER)) == 1


async def test_several_formats_and_4dx_finds_mx4d(run: Running) -> None:
    found = await autocomplete(
        run, {"movie": "25008000", "branches": "1351", "format": "4dx"}, "format"
    )
    assert [c["value"] for c in found] == ["MX4D"]
    assert "4DX" in found[0]["name"]
    more = await autocomplete(
        run, {"movie": "25008000", "branches": "1351", "format": "MX4D, dolby c"}, "format"
    )
    assert [c["value"] for c in more] == ["MX4D,DBC"]
    added = await add_watch(run, format="MX4D,DBC")
    assert "Format: DBC/MX4D" in text(added)


async def test_add_and_edit_say_what_a_watch_costs(run: Running) -> None:
    added = text(await add_watch(run))
    assert "costs about" in added and "MEGABOX requests per check" in added
    wider = text(await command(run, ADMIN, "watch", {"watch": "1", "format": "any"}, sub="edit"))
    assert "costs about" in wider
    assert _requests(wider) > _requests(added)  # any format reads more seat maps
    mine = text(await add_watch(run, user=MEMBER, scope="user"))
    assert "Your personal watches together: about" in mine


def _requests(answer: str) -> int:
    return int(answer.split("costs about ", 1)[1].split(" ", 1)[0])


async def test_personal_watch_over_the_members_budget_is_refused_and_not_stored(
    run: Running,
) -> None:
    first = text(await add_watch(run, user=MEMBER, scope="user", name="coex"))
    assert "✅ Watch added" in first
    # Four branches in any format every day: far more than one member's share.
    wide = {"branches": "1351,4651,0052,1372", "format": "any", "days": "all", "name": "wide"}
    refused = text(await add_watch(run, user=MEMBER, scope="user", **wide))
    assert "That personal watch would cost about" in refused
    assert "MEGABOX requests per check" in refused
    assert "which leaves" in refused and "Nothing was saved" in refused
    assert "fewer branches" in refused and "start-time window" in refused
    assert [w.name for w in await run.bot.store.watches()] == ["coex"]
    # Widening the stored one past the budget is refused too, and changes nothing.
    before = await run.bot.store.watches()
    edit = {"watch": "1", "branches": "1351,4651,0052,1372", "format": "any"}
    too_wide = text(await command(run, MEMBER, "watch", edit, sub="edit"))
    assert "That personal watch would cost about" in too_wide
    assert await run.bot.store.watches() == before
    # The budget is the member's: a server watch as wide is the admins' call.
    server = text(await add_watch(run, **wide))
    assert "✅ Watch added" in server


@pytest.mark.parametrize(
    ("first", "widened"),
    [
        ({"min_seats": 6}, {"min_seats": 3}),  # 19:40 has 5 usable seats
        ({"format": "DBC"}, {"format": "MX4D,DBC"}),
        ({"times": "09:00-12:00"}, {"times": "any"}),
        ({"together": True, "min_seats": 4}, {"together": False}),
    ],
)
async def test_widening_edit_records_a_baseline_instead_of_alerting(
    run: Running, first: dict[str, Any], widened: dict[str, Any]
) -> None:
    run.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    await add_watch(run, **first)
    await run.scheduled_check()  # the new watch's baseline: 19:40 does not match it yet
    edited = await command(run, ADMIN, "watch", {"watch": "1", **widened}, sub="edit")
    assert "records what is already open" in text(edited)
    run.clock.advance(hours=1)
    await run.scheduled_check()  # 19:40 matches now, but it was open before the edit
    assert run.alerts() == []
    run.megabox.sell_out(COEX_MX4D_1940)
    run.clock.advance(hours=1)
    await run.scheduled_check()
    run.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    run.clock.advance(hours=1)
    await run.scheduled_check()
    [alert] = run.alerts()  # a genuine opening after the baseline alerts
    assert native(COEX_MX4D_1940) in alert.payload["components"][0]["components"][0]["url"]
