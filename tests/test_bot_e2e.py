"""End to end: the real bot logs in to the fake Discord and watches the fake MEGABOX."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.chains.base import native
from tests.conftest import ALERT_CHANNEL, COEX_MX4D_1940, THREE_TOGETHER
from tests.e2e import (
    ADMIN,
    GENERAL_CHANNEL,
    GUILD_ID,
    STATUS_CHANNEL,
    make_settings,
    running_bot,
)
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.megabox_server import FakeMegabox

pytestmark = pytest.mark.timeout(30)


async def test_login_syncs_commands_once_with_minimal_intents(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(megabox, db_url, tmp_path)
    async with running_bot(fake, megabox, settings):
        assert fake.intents == 1  # GUILDS only: no privileged intent
        assert len(fake.command_syncs) == 1
        guild, commands = fake.command_syncs[0]
        assert guild == GUILD_ID
        assert {c["name"] for c in commands} >= {"check", "status"}
        assert all(c["description"] for c in commands)
        assert (tmp_path / "heartbeat").exists()
    async with running_bot(fake, megabox, settings):
        assert len(fake.command_syncs) == 1  # unchanged commands: no second sync


async def test_scheduled_run_posts_one_status_line(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    async with running_bot(fake, megabox, make_settings(megabox, db_url, tmp_path)) as run:
        await run.scheduled_check()
        assert run.status_lines() == [run.status_lines()[0]]
        line = run.status_lines()[0]
        assert line.startswith("✅ Checked 6 screenings on 4 dates, none with 3 seats.")
        assert run.alerts() == []
        status = fake.messages_in(STATUS_CHANNEL)[0]
        assert status.payload["allowed_mentions"] == {"parse": []}


async def test_opening_alerts_exactly_once_across_runs_and_restarts(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(megabox, db_url, tmp_path)
    megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    async with running_bot(fake, megabox, settings) as run:
        await run.scheduled_check()
        alerts = run.alerts()
        assert len(alerts) == 1
        alert = alerts[0]
        assert alert.content == "@here"
        assert alert.payload["allowed_mentions"] == {"parse": ["everyone"]}
        embed = alert.embeds[0]
        assert embed["title"] == "🎟️ Seats open: 진격의 거인 완결편 더 라스트 어택"
        fields = {f["name"]: f["value"] for f in embed["fields"]}
        assert fields["Branch"] == "코엑스 · MEGA \\| MX4D관"
        assert fields["Format"] == "MX4D"
        assert fields["Date"] == "Sat 2026-12-05"
        assert fields["Time"] == "19:40–22:04"
        assert fields["Best block"] == "3 together in row F"
        assert "**5** usable free seats of 192" in embed["description"]
        buttons = alert.payload["components"][0]["components"]
        assert (
            buttons[0]["url"]
            == f"https://www.megabox.co.kr/booking?playSchdlNo={native(COEX_MX4D_1940)}"
        )
        assert (
            buttons[1]["url"]
            == "https://www.megabox.co.kr/theater/time?brchNo=1351&playDe=20261205"
        )
        assert "1 new alert" in run.status_lines()[0]

        run.clock.advance(hours=1)
        await run.scheduled_check()
        assert len(run.alerts()) == 1
        assert "1 match" in run.status_lines()[1]

    async with running_bot(fake, megabox, settings) as run:
        run.clock.advance(hours=2)
        await run.scheduled_check()
        assert len(run.alerts()) == 1  # restart on the same database: no duplicate


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_failed_alert_send_still_delivers_exactly_once(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path, status: int
) -> None:
    megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    async with running_bot(fake, megabox, make_settings(megabox, db_url, tmp_path)) as run:
        # discord.py does not retry a 503 itself: fail every round until Discord "recovers".
        times = 1000 if status == 503 else 1
        fake.fail_next("POST", f"/channels/{ALERT_CHANNEL}/messages", status=status, times=times)
        await run.scheduled_check()
        if status in (429, 500):
            # discord.py waits and retries these itself (429 per Retry-After, 500 after 1 s).
            assert len(run.alerts()) == 1
        else:
            assert run.alerts() == []  # Discord refused it: the alert stays in the outbox
            fake.clear_failures()
            assert await run.watcher.deliver() == 1  # the outbox's next round (or next run)
        assert len(run.alerts()) == 1
        assert await run.watcher.deliver() == 0
        run.clock.advance(hours=1)
        await run.scheduled_check()
        assert len(run.alerts()) == 1


async def test_alert_is_edited_when_seats_sell_out_again(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    async with running_bot(fake, megabox, make_settings(megabox, db_url, tmp_path)) as run:
        await run.scheduled_check()
        alert = run.alerts()[0]
        megabox.sell_out(COEX_MX4D_1940)
        run.clock.advance(hours=1)
        await run.scheduled_check()
        assert len(run.alerts()) == 1
        assert len(alert.edits) == 1
        edited = alert.edits[0]["embeds"][0]
        assert "sold out again" in edited["title"]
        assert "Sold out again since 15:15 KST" in edited["description"]


async def test_check_command_defers_then_answers_privately(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    async with running_bot(fake, megabox, make_settings(megabox, db_url, tmp_path)) as run:
        megabox.hold("bokd")  # MEGABOX does not answer: the defer must not wait for it
        interaction = await fake.send_command(GUILD_ID, GENERAL_CHANNEL, ADMIN, "check")
        callback = await fake.wait_for_callback(interaction)
        assert callback == {"type": 5, "data": {"flags": 64}}
        await megabox.wait_for_request("bokd")  # the check is waiting on MEGABOX now
        megabox.release("bokd")
        followup = await fake.wait_for_followup(interaction, timeout=10)
        assert followup["flags"] & 64  # ephemeral
        embed = followup["embeds"][0]
        assert "Matching (1)" in [f["name"] for f in embed["fields"]]
        assert native(COEX_MX4D_1940) in embed["fields"][0]["value"]
        await run.discord.wait_for_messages(ALERT_CHANNEL, 1)  # the alert still goes there
        await fake.wait_for_messages(STATUS_CHANNEL, 1)


async def test_status_command(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    async with running_bot(fake, megabox, make_settings(megabox, db_url, tmp_path)) as run:
        await run.scheduled_check()
        interaction = await fake.send_command(GUILD_ID, GENERAL_CHANNEL, ADMIN, "status")
        callback = await fake.wait_for_callback(interaction)
        assert callback["type"] == 4
        assert callback["data"]["flags"] & 64
        fields = {f["name"]: f["value"] for f in callback["data"]["embeds"][0]["fields"]}
        # When, how long, how it went; not the status line, which names every match.
        assert "✅ ok" in fields["Last check"] and "took " in fields["Last check"]
        assert "the schedule leaves" not in fields["Last check"]
        assert fields["Consecutive failures"] == "0"
        assert fields["Next check"].startswith("<t:")
        assert "25008000 @ 1351" in fields["Watches (1)"]
        assert fields["Alerts sent"] == "0"


async def test_status_warns_when_a_check_outlasts_the_schedule(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    # The tests' schedule fires once an hour (quiet_schedule): an hour between checks.
    async with running_bot(fake, megabox, make_settings(megabox, db_url, tmp_path)) as run:
        # Only a check asks for seat maps (the catalogue reads listings too): hold those.
        megabox.hold("seats")
        check = asyncio.create_task(run.scheduled_check())
        await megabox.wait_for_request("seats", count=megabox.count("seats") + 1)
        run.clock.advance(hours=2)  # MEGABOX answers slowly: the check takes two hours
        megabox.release("seats")
        await check
        interaction = await fake.send_command(GUILD_ID, GENERAL_CHANNEL, ADMIN, "status")
        callback = await fake.wait_for_callback(interaction)
        fields = {f["name"]: f["value"] for f in callback["data"]["embeds"][0]["fields"]}
        assert "took 2 h" in fields["Last check"]
        assert "longer than the 1 h the schedule leaves between checks" in fields["Last check"]


async def test_megabox_outage_reports_once_and_recovers_once(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    async with running_bot(fake, megabox, make_settings(megabox, db_url, tmp_path)) as run:
        megabox.fail_always(None, "overload")
        for _ in range(5):
            run.clock.advance(hours=1)
            await run.scheduled_check()
        lines = run.status_lines()
        assert not any("none with" in line for line in lines)
        assert sum(line.startswith("⚠️ Check failed: MEGABOX overloaded") for line in lines) == 5
        assert sum(line.startswith("🚨") for line in lines) == 1
        megabox.recover()
        for _ in range(2):
            run.clock.advance(hours=1)
            await run.scheduled_check()
        lines = run.status_lines()
        assert sum(line.startswith("✅ Recovered") for line in lines) == 1
        assert lines[-1].startswith("✅ Checked")


async def test_missing_status_channel_is_reported_and_the_bot_keeps_working(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    fake.set_channel_forbidden(STATUS_CHANNEL)
    megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    async with running_bot(fake, megabox, make_settings(megabox, db_url, tmp_path)) as run:
        result = await run.watcher.run_check("schedule")
        assert result.ok
        await run.watcher.settle()
        assert len(run.alerts()) == 1
        interaction = await fake.send_command(GUILD_ID, GENERAL_CHANNEL, ADMIN, "status")
        callback = await fake.wait_for_callback(interaction)
        fields = {f["name"]: f["value"] for f in callback["data"]["embeds"][0]["fields"]}
        assert "no permission to post in the status channel" in fields["Problems"]


async def test_env_watch_removed_in_discord_stays_removed(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(megabox, db_url, tmp_path)
    async with running_bot(fake, megabox, settings) as run:
        interaction = await fake.send_command(
            GUILD_ID, GENERAL_CHANNEL, ADMIN, "watch", {"watch": "1"}, subcommand="remove"
        )
        await fake.wait_for_callback(interaction)
        button = fake.reply_message(interaction)["components"][0]["components"][0]
        click = await fake.send_component(
            GUILD_ID,
            GENERAL_CHANNEL,
            ADMIN,
            button["custom_id"],
            message_id=int(fake.reply_message(interaction)["id"]),
        )
        await fake.wait_for_callback(click)
        assert await run.bot.store.watches() == []
    async with running_bot(fake, megabox, settings) as run:
        assert await run.bot.store.watches() == []  # a restart does not bring it back
    changed = make_settings(megabox, db_url, tmp_path, watch_min_seats=2)
    async with running_bot(fake, megabox, changed) as run:
        assert [w.min_seats for w in await run.bot.store.watches()] == [2]  # .env changed
