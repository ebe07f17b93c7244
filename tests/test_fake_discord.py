"""Proves tests/fakes/discord_server.py against an unmodified discord.py client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.fakes.discord_server import (
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    FakeMember,
    FakeRole,
)

pytestmark = pytest.mark.timeout(10)

GUILD_ID = 1400000000000000001
CHANNEL_ID = 1400000000000000010
OTHER_CHANNEL_ID = 1400000000000000011
ADMIN_ROLE_ID = 1400000000000000020
USER_ID = 1400000000000000100
GUILD = discord.Object(GUILD_ID)


def make_guild() -> FakeGuild:
    return FakeGuild(
        id=GUILD_ID,
        name="Megabox Fans",
        channels=[FakeChannel(CHANNEL_ID, "alerts"), FakeChannel(OTHER_CHANNEL_ID, "general")],
        roles=[FakeRole(ADMIN_ROLE_ID, "admins", permissions=discord.Permissions.all().value)],
        members=[FakeMember(USER_ID, "moviegoer")],
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(guilds=[make_guild()]) as server, server.patch_client():
        yield server


async def start(bot: discord.Client, token: str) -> asyncio.Task[None]:
    """Start the client and return once it is ready (or raise why it stopped)."""
    task = asyncio.create_task(bot.start(token))
    ready = asyncio.create_task(bot.wait_until_ready())
    done, _ = await asyncio.wait({task, ready}, timeout=5, return_when=asyncio.FIRST_COMPLETED)
    if ready not in done:
        ready.cancel()
        await bot.close()
        if task in done:
            task.result()  # raises the startup error
        raise AssertionError("client did not become ready")
    return task


@pytest.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[commands.Bot]:
    client = commands.Bot(
        command_prefix="!", intents=discord.Intents.default(), guild_ready_timeout=0.05
    )
    task = await start(client, fake.token)
    try:
        yield client
    finally:
        await client.close()  # before the fake goes away, or the client starts reconnecting
        await task


def text_channel(bot: discord.Client, channel_id: int = CHANNEL_ID) -> discord.TextChannel:
    channel = bot.get_channel(channel_id)
    assert isinstance(channel, discord.TextChannel)
    return channel


async def test_login_and_ready(fake: FakeDiscord, bot: commands.Bot) -> None:
    assert bot.user is not None
    assert bot.user.id == fake.bot_user_id
    guild = bot.get_guild(GUILD_ID)
    assert guild is not None
    assert guild.name == "Megabox Fans"
    assert text_channel(bot).name == "alerts"
    assert guild.me is not None
    assert fake.identify_count == 1
    assert fake.intents == discord.Intents.default().value
    assert ("GET", "/users/@me") in fake.requests
    assert ("GET", "/oauth2/applications/@me") in fake.requests
    assert fake.unhandled == []


async def test_wrong_token_is_login_failure(fake: FakeDiscord) -> None:
    client = discord.Client(intents=discord.Intents.default())
    try:
        with pytest.raises(discord.LoginFailure):
            await client.login("not-the-token")
    finally:
        await client.close()


async def test_send_embed_view_allowed_mentions_then_edit(
    fake: FakeDiscord, bot: commands.Bot
) -> None:
    view = discord.ui.View()
    view.add_item(discord.ui.Button(label="Book", url="https://www.megabox.co.kr/"))
    embed = discord.Embed(title="Seats open", description="Dune: Part Two 19:30")
    message = await text_channel(bot).send(
        "@everyone seats!",
        embed=embed,
        view=view,
        allowed_mentions=discord.AllowedMentions.none(),
    )

    [sent] = fake.messages_in(CHANNEL_ID)
    assert sent.id == message.id
    assert sent.payload["allowed_mentions"] == {"parse": []}
    assert sent.payload["embeds"][0]["title"] == "Seats open"
    button = sent.payload["components"][0]["components"][0]
    assert button["style"] == 5
    assert button["url"] == "https://www.megabox.co.kr/"
    assert message.embeds[0].description == "Dune: Part Two 19:30"

    edited = await message.edit(content="sold out")
    assert edited.content == "sold out"
    assert sent.edits[0]["content"] == "sold out"
    assert fake.message_edits[0].message_id == message.id


async def test_rate_limit_is_retried_and_forbidden_raises(
    fake: FakeDiscord, bot: commands.Bot
) -> None:
    path = f"/channels/{CHANNEL_ID}/messages"
    fake.fail_next("POST", path, status=429, retry_after=0.05)
    await text_channel(bot).send("after a 429")
    assert fake.injected_failures == [("POST", path, 429)]
    assert fake.requests.count(("POST", path)) == 2
    assert [m.content for m in fake.messages_in(CHANNEL_ID)] == ["after a 429"]

    fake.set_channel_forbidden(OTHER_CHANNEL_ID)
    with pytest.raises(discord.Forbidden) as excinfo:
        await text_channel(bot, OTHER_CHANNEL_ID).send("nope")
    assert excinfo.value.code == 50013
    assert fake.messages_in(OTHER_CHANNEL_ID) == []


async def test_empty_or_oversized_messages_are_rejected(
    fake: FakeDiscord, bot: commands.Bot
) -> None:
    with pytest.raises(discord.HTTPException) as excinfo:
        await text_channel(bot).send(embed=discord.Embed(description="x" * 4097))
    assert excinfo.value.code == 50035
    assert "embeds.0.description" in str(excinfo.value)


async def test_tree_sync_to_guild(fake: FakeDiscord, bot: commands.Bot) -> None:
    @app_commands.command(name="watch", description="Watch a screening")
    async def watch(interaction: discord.Interaction, theater: str, seats: int = 1) -> None:
        raise NotImplementedError

    bot.tree.add_command(watch, guild=GUILD)
    synced = await bot.tree.sync(guild=GUILD)

    guild_id, payload = fake.command_syncs[-1]
    assert guild_id == GUILD_ID
    assert [c["name"] for c in payload] == ["watch"]
    options = {o["name"]: (o["type"], o["required"]) for o in payload[0]["options"]}
    assert options == {"theater": (3, True), "seats": (4, False)}
    assert synced[0].name == "watch"
    assert synced[0].id == int(fake.synced_commands(GUILD_ID)[0]["id"])


async def test_slash_command_defer_followup_and_send_message(
    fake: FakeDiscord, bot: commands.Bot
) -> None:
    @app_commands.command(name="ping", description="Ping")
    async def ping(interaction: discord.Interaction, text: str) -> None:
        await interaction.response.defer(ephemeral=True)
        await interaction.followup.send(f"pong {text}", ephemeral=True)

    @app_commands.command(name="hello", description="Say hello")
    async def hello(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"hello {interaction.user.name}")

    bot.tree.add_command(ping, guild=GUILD)
    bot.tree.add_command(hello, guild=GUILD)
    await bot.tree.sync(guild=GUILD)

    completed = asyncio.ensure_future(bot.wait_for("app_command_completion"))
    interaction = await fake.send_command(GUILD_ID, CHANNEL_ID, USER_ID, "ping", {"text": "hi"})
    assert await fake.wait_for_callback(interaction) == {"type": 5, "data": {"flags": 64}}
    followup = await fake.wait_for_followup(interaction)
    assert followup["content"] == "pong hi"
    assert followup["flags"] & 64
    done_interaction, command = await asyncio.wait_for(completed, 5)
    assert command.name == "ping"
    assert done_interaction.user.id == USER_ID

    second = await fake.send_command(GUILD_ID, CHANNEL_ID, USER_ID, "hello")
    callback = await fake.wait_for_callback(second)
    assert callback["type"] == 4
    assert callback["data"]["content"] == "hello moviegoer"
    responses = fake.responses_for(second)
    assert responses.followups == []
    assert len(responses.callbacks) == 1
    assert fake.unhandled == []


async def test_autocomplete_and_component(fake: FakeDiscord, bot: commands.Bot) -> None:
    async def theaters(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        names = ["Coex", "Seongsu", "Sangam"]
        return [app_commands.Choice(name=n, value=n) for n in names if n.startswith(current)]

    @app_commands.command(name="theater", description="Pick a theater")
    @app_commands.autocomplete(name=theaters)
    async def theater(interaction: discord.Interaction, name: str) -> None:
        raise NotImplementedError

    bot.tree.add_command(theater, guild=GUILD)
    await bot.tree.sync(guild=GUILD)
    auto = await fake.send_autocomplete(
        GUILD_ID, CHANNEL_ID, USER_ID, "theater", {"name": "S"}, focused="name"
    )
    choices = (await fake.wait_for_callback(auto))["data"]["choices"]
    assert [c["value"] for c in choices] == ["Seongsu", "Sangam"]

    class Confirm(discord.ui.View):
        @discord.ui.button(label="Stop", custom_id="stop")
        async def stop_watch(
            self, interaction: discord.Interaction, button: discord.ui.Button[Confirm]
        ) -> None:
            await interaction.response.edit_message(content="stopped", view=None)

    message = await text_channel(bot).send("watching", view=Confirm(timeout=None))
    click = await fake.send_component(GUILD_ID, CHANNEL_ID, USER_ID, "stop", message_id=message.id)
    assert (await fake.wait_for_callback(click))["type"] == 7
    [recorded] = fake.messages_in(CHANNEL_ID)
    assert recorded.content == "stopped"


async def test_resume_after_dropped_connection(fake: FakeDiscord, bot: commands.Bot) -> None:
    resumed = asyncio.ensure_future(bot.wait_for("resumed"))
    await fake.drop_connections()
    await fake.wait_for(lambda: fake.resume_count == 1, what="a RESUME")
    await asyncio.wait_for(resumed, 5)
    assert fake.identify_count == 1
    await text_channel(bot).send("still here")
    assert fake.messages_in(CHANNEL_ID)[-1].content == "still here"

    # Client-side effects are awaited through client events, not fake.wait_for.
    unavailable = asyncio.ensure_future(bot.wait_for("guild_unavailable"))
    await fake.dispatch("GUILD_DELETE", {"id": str(GUILD_ID), "unavailable": True})
    guild = await asyncio.wait_for(unavailable, 5)
    assert guild.id == GUILD_ID


async def test_dm_to_user_with_closed_dms_is_forbidden(
    fake: FakeDiscord, bot: commands.Bot
) -> None:
    user = await bot.fetch_user(USER_ID)
    fake.close_dms(USER_ID)
    with pytest.raises(discord.Forbidden) as excinfo:
        await user.send("seats open!")
    assert excinfo.value.code == 50007
    assert USER_ID in fake.dm_channels
    assert fake.dms_to(USER_ID) == []

    fake.open_dms(USER_ID)
    await user.send("seats open!")
    assert [m.content for m in fake.dms_to(USER_ID)] == ["seats open!"]


async def test_wait_for_timeout_explains(fake: FakeDiscord) -> None:
    with pytest.raises(AssertionError, match=r"timed out after 0\.05s waiting for nothing"):
        await fake.wait_for(lambda: False, timeout=0.05, what="nothing")
