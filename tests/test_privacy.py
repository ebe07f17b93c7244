"""A member sees only their server's watches and their own personal ones, in `/check` and
`/status`, in a server and in DMs; and `/check` is rate-limited per member."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import COEX_MX4D_1940
from tests.e2e import (
    ADMIN,
    GENERAL_CHANNEL,
    GUILD_ID,
    MEMBER,
    STATUS_CHANNEL,
    Running,
    make_guild,
    make_settings,
    running_bot,
)
from tests.fakes.discord_server import (
    ATTACHMENT_SIZE_LIMIT,
    FakeDiscord,
    FakeInteraction,
    _InteractionState,
)
from tests.fakes.megabox_server import FakeMegabox
from tests.test_watch_commands import (
    GUILD2,
    GUILD2_ADMIN,
    GUILD2_CHANNEL,
    THREE_TOGETHER,
    add_watch,
    command,
    second_guild,
    text,
)

pytestmark = pytest.mark.timeout(30)

#: What each server's and member's watch finds in the fixture scenario (Sat 2026-12-05).
COEX = "코엑스"  # guild 1's watch: MX4D 19:40 with three together
HANAM = "하남스타필드"  # guild 2's watch: MX4D 15:50 (7) and 21:10 (18)
SUWON = "수원AK플라자"  # MEMBER's personal watch: MX4D 14:40 (3) and 19:50 (23)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(guilds=[make_guild(), second_guild()]) as server:
        yield server


async def start(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path, **changes: Any
) -> AsyncIterator[Running]:
    settings = make_settings(
        megabox,
        db_url,
        tmp_path,
        watch_movie_no=None,
        watch_branches=None,
        discord_guild_id=None,  # global commands: usable in every server and in DMs
        **changes,
    )
    async with running_bot(fake, megabox, settings) as running:
        assert await running.bot.catalogue.refresh()
        yield running


@pytest.fixture
async def run(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> AsyncIterator[Running]:
    async for running in start(fake, megabox, db_url, tmp_path):
        yield running


async def three_owners(run: Running) -> None:
    """Guild 1 watches COEX, guild 2 watches Hanam, MEMBER (of guild 1) Suwon personally."""
    run.megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    await add_watch(run, name="coex", alert_now=True)
    await command(run, GUILD2_ADMIN, "watch",
                  {"movie": "25008000", "branches": "4651", "format": "MX4D", "name": "hanam"},
                  sub="add", guild=GUILD2, channel=GUILD2_CHANNEL)  # fmt: skip
    await add_watch(run, user=MEMBER, scope="user", branches="0052", name="suwon")


async def send_dm_command(
    fake: FakeDiscord, user_id: int, name: str, options: dict[str, Any] | None = None
) -> FakeInteraction:
    """`/name` used in a DM with the bot. The fake has no helper for it, so this sends what
    Discord sends then: no guild, `user` instead of `member`, a DM channel, context 1."""
    data = fake._command_data(fake.guilds[0], name, options, None, guild_command=False)
    iid = fake._next_id()
    token = "fake-itoken-" + secrets.token_hex(24)
    channel_id = fake.dm_channels.get(user_id) or fake._next_id()
    user = {
        "id": str(user_id),
        "username": f"user{user_id}",
        "discriminator": "0",
        "global_name": None,
        "avatar": None,
    }
    payload = {
        "id": str(iid),
        "application_id": str(fake.application_id),
        "type": 2,
        "data": data,
        "channel": {"id": str(channel_id), "type": 1, "recipients": [user], "flags": 0},
        "channel_id": str(channel_id),
        "user": user,
        "token": token,
        "version": 1,
        "app_permissions": "0",
        "locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": str(user_id)},
        "context": 1,
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    }
    interaction = FakeInteraction(iid, token, 2, None, channel_id, user_id, payload)
    fake._interactions[iid] = _InteractionState(interaction, time.monotonic())
    fake._tokens[token] = iid
    await fake.dispatch("INTERACTION_CREATE", payload)
    return interaction


async def dm_command(run: Running, user: int, name: str) -> dict[str, Any]:
    interaction = await send_dm_command(run.discord, user, name)
    callback = await run.discord.wait_for_callback(interaction)
    if callback["type"] == 5:
        answer: dict[str, Any] = await run.discord.wait_for_followup(interaction, timeout=10)
    else:
        answer = callback["data"]
    assert answer.get("flags", 0) & 64, f"not private: {answer}"
    return answer


async def test_check_in_a_server_shows_its_watches_and_only_your_personal_ones(
    run: Running,
) -> None:
    await three_owners(run)
    other_server = text(await command(run, GUILD2_ADMIN, "check", guild=GUILD2,
                                      channel=GUILD2_CHANNEL))  # fmt: skip
    assert HANAM in other_server
    assert COEX not in other_server and SUWON not in other_server
    assert COEX_MX4D_1940 not in other_server

    owner = text(await command(run, MEMBER, "check"))  # guild 1's watch and their own
    assert COEX in owner and SUWON in owner
    assert HANAM not in owner
    admin = text(await command(run, ADMIN, "check"))  # not MEMBER's personal watch
    assert COEX in admin
    assert SUWON not in admin and HANAM not in admin
    # The status channel is the operator's: its line covers the check that ran, which for
    # ADMIN's /check was guild 1's watch alone.
    assert "1 match: 코엑스" in run.status_lines()[-1]


async def test_check_in_dms_shows_only_your_personal_watches(run: Running) -> None:
    await three_owners(run)
    await add_watch(run, user=ADMIN, scope="user", branches="4651", name="admin's own")
    mine = text(await dm_command(run, MEMBER, "check"))
    assert SUWON in mine
    assert COEX not in mine and HANAM not in mine

    status = text(await dm_command(run, MEMBER, "status"))
    assert "Watches (1)" in status and "**#3**" in status and "0052" in status
    assert "1351" not in status and "4651" not in status  # guild 1's, guild 2's, ADMIN's

    nothing = text(await dm_command(run, GUILD2_ADMIN, "check"))
    assert "You have no personal watches" in nothing


def branches_asked(megabox: FakeMegabox) -> set[str]:
    """Every branch the fake MEGABOX was asked about (listings and seat maps)."""
    return {
        value
        for r in megabox.requests
        for key, value in r.body.items()
        if key.startswith("brchNo") and key != "brchNoListCnt" and value
    }


async def test_a_member_s_check_in_dms_asks_megabox_only_about_their_watches(
    run: Running,
) -> None:
    await three_owners(run)
    run.megabox.reset_log()
    await dm_command(run, MEMBER, "check")
    assert run.megabox.count("bokd") >= 1
    assert branches_asked(run.megabox) == {"0052"}  # Suwon: not COEX's, not Hanam's
    run.megabox.reset_log()
    await command(run, GUILD2_ADMIN, "check", guild=GUILD2, channel=GUILD2_CHANNEL)
    assert branches_asked(run.megabox) == {"4651"}
    run.megabox.reset_log()
    await run.watcher.run_check("schedule")  # the schedule's check is still everyone's
    assert branches_asked(run.megabox) == {"1351", "4651", "0052"}


async def test_status_names_no_other_server_s_matches_watches_or_problems(run: Running) -> None:
    await three_owners(run)
    run.discord.set_channel_forbidden(STATUS_CHANNEL)  # guild 1's problem, not guild 2's
    await run.watcher.run_check("schedule")
    await run.watcher.settle()  # the delivery task (painting the picture) posts it
    assert len(run.alerts()) == 1  # guild 1's COEX alert

    fields = await status_fields(run, GUILD2_ADMIN, guild=GUILD2, channel=GUILD2_CHANNEL)
    assert "match" not in fields["Last check"] and COEX not in fields["Last check"]
    assert "✅ ok" in fields["Last check"]
    watches = fields["Watches (1)"]
    assert "hanam" not in watches  # described by movie and branch code
    assert "4651" in watches and "1351" not in watches and "0052" not in watches
    assert fields["Alerts sent"] == "0"  # guild 1's alert is not theirs
    assert "Problems" not in fields

    own = await status_fields(run, ADMIN)
    assert "Sat 2026-12-05 19:40 (5)" in own["Watches (1)"]  # what is open for guild 1
    assert own["Alerts sent"] == "1"
    assert "no permission to post in the status channel" in own["Problems"]


async def status_fields(
    run: Running, user: int, *, guild: int = GUILD_ID, channel: int = GENERAL_CHANNEL
) -> dict[str, str]:
    answer = await command(run, user, "status", guild=guild, channel=channel)
    return {f["name"]: f["value"] for f in answer["embeds"][0]["fields"]}


async def test_a_second_check_within_the_cooldown_is_refused_privately(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    # An hour, so that the second command is surely within it however slow the machine.
    async for run in start(fake, megabox, db_url, tmp_path, check_cooldown_seconds=3600):
        await add_watch(run)
        first = await command(run, ADMIN, "check")
        assert "Check finished" in text(first)
        asked = megabox.count()
        again = text(await command(run, ADMIN, "check"))
        assert "You ran `/check` a moment ago" in again
        assert re.search(r"Try again <t:\d+:R>\.", again)  # Discord shows "in 59 minutes"
        assert megabox.count() == asked  # refused before anything was asked of MEGABOX
        other = await command(run, MEMBER, "check")  # per member, not for everyone
        assert "Check finished" in text(other)


async def test_history_has_its_own_per_member_cooldown_that_says_when_to_try_again(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    async for run in start(fake, megabox, db_url, tmp_path, history_cooldown_seconds=3600):
        await add_watch(run)
        first = text(await command(run, ADMIN, "history", {"watch": "1"}))
        assert "No seat history yet" in first
        again = text(await command(run, ADMIN, "history", {"watch": "1"}))
        assert "You ran `/history` a moment ago" in again
        assert re.search(r"Try again <t:\d+:R>\.", again)
        other = text(await command(run, MEMBER, "history", {"watch": "1"}))
        assert "You ran" not in other  # per member
