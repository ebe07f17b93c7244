"""Start-up order (issue 17): the bot sends IDENTIFY before it opens the store and loads its
cogs; what Discord sends meanwhile is handled once they are loaded, not lost or refused."""

from __future__ import annotations

import asyncio
from pathlib import Path

import discord
import pytest

from bot.app import EXTENSIONS, open_bot
from tests.conftest import Clock, fast_options
from tests.e2e import ADMIN, GENERAL_CHANNEL, GUILD_ID, TOKEN, make_settings, running_bot
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.megabox_server import FakeMegabox

pytestmark = pytest.mark.timeout(30)


async def test_a_command_sent_while_the_bot_loads_is_answered_after(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(megabox, db_url, tmp_path)
    async with running_bot(fake, megabox, settings):
        # The commands are synced (the fake refuses unsynced ones; the next start won't sync),
        # and the member's language is known (the next /status is not slowed by storing it).
        await fake.wait_for_callback(
            await fake.send_command(GUILD_ID, GENERAL_CHANNEL, ADMIN, "status")
        )
    with fake.patch_client():
        async with open_bot(
            settings,
            client_options=fast_options(megabox.base_url),
            clock=Clock(),
            guild_ready_timeout=0.05,
            extensions=("tests.gated_extension", *EXTENSIONS),
        ) as bot:
            bot.startup_gate = asyncio.Event()  # type: ignore[attr-defined]
            bot.ready_seen = asyncio.get_running_loop().create_future()  # type: ignore[attr-defined]
            task = asyncio.create_task(bot.start(TOKEN))
            try:
                # Connected and past READY (discord.py's own readiness), cogs not loaded yet.
                await asyncio.wait_for(discord.Client.wait_until_ready(bot), 10)
                assert bot.get_cog("Watcher") is None
                assert bot.ws is not None
                received = bot.ws.wait_for("INTERACTION_CREATE", lambda data: True)
                interaction = await fake.send_command(GUILD_ID, GENERAL_CHANNEL, ADMIN, "status")
                await asyncio.wait_for(received, 10)  # the bot has read it, before its cogs
                bot.startup_gate.set()  # type: ignore[attr-defined]
                await asyncio.wait_for(bot.wait_until_ready(), 10)
                # The command found its cog: the status, not "Something went wrong".
                callback = await fake.wait_for_callback(interaction)
                assert callback["type"] == 4 and callback["data"].get("embeds"), callback
                fields = {f["name"]: f["value"] for f in callback["data"]["embeds"][0]["fields"]}
                assert "25008000 @ 1351" in fields["Watches (1)"]
                # `ready` came before the cog that listens for it was added, and still reached it.
                await asyncio.wait_for(bot.ready_seen, 10)  # type: ignore[attr-defined]
                assert len(fake.command_syncs) == 1  # unchanged: not synced again
            finally:
                await bot.shutdown()
                await asyncio.wait_for(task, timeout=10)


async def test_a_store_that_cannot_open_still_ends_the_start(
    fake: FakeDiscord, megabox: FakeMegabox, tmp_path: Path
) -> None:
    """Opened after the login now, a failing store still fails the start (exit non-zero)."""
    (tmp_path / "not-a-folder").write_text("")
    db_url = f"sqlite:///{tmp_path / 'not-a-folder' / 'bot.db'}"
    settings = make_settings(megabox, db_url, tmp_path)
    with fake.patch_client():
        async with open_bot(
            settings, client_options=fast_options(megabox.base_url), guild_ready_timeout=0.05
        ) as bot:
            with pytest.raises(FileExistsError):
                await asyncio.wait_for(bot.start(TOKEN), 10)
            assert bot.is_closed()
