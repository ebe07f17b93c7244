"""The real bot (unmodified discord.py) against the fake Discord and the fake MEGABOX."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import discord

from bot.app import WatchBot, open_bot
from bot.chains.base import KST
from bot.config import Settings
from cogs.watcher import JOB_ID, Watcher
from tests.conftest import (
    ALERT_CHANNEL,
    Clock,
    fast_lotte_options,
    fast_options,
    migrated,
    quiet_schedule,
)
from tests.fakes.discord_server import FakeChannel, FakeDiscord, FakeGuild, FakeMember, FakeRole
from tests.fakes.lotte_server import FakeLotte
from tests.fakes.megabox_server import FakeMegabox

GUILD_ID = 1_500_000_000_000_000_001
STATUS_CHANNEL = 900_000_000_000_000_002
GENERAL_CHANNEL = 900_000_000_000_000_003
ADMIN_ROLE = 1_500_000_000_000_000_020
ADMIN = 1_500_000_000_000_000_100
MEMBER = 1_500_000_000_000_000_101
TOKEN = "test-token"


def make_guild() -> FakeGuild:
    return FakeGuild(
        id=GUILD_ID,
        name="Movie Friends",
        channels=[
            FakeChannel(ALERT_CHANNEL, "seat-alerts"),
            FakeChannel(STATUS_CHANNEL, "seat-status"),
            FakeChannel(GENERAL_CHANNEL, "general"),
        ],
        roles=[
            FakeRole(ADMIN_ROLE, "admins", permissions=discord.Permissions(manage_guild=True).value)
        ],
        members=[FakeMember(ADMIN, "admin", roles=[ADMIN_ROLE]), FakeMember(MEMBER, "friend")],
    )


def make_settings(megabox: FakeMegabox, db_url: str, tmp_path: Path, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "discord_token": TOKEN,
        "alert_channel_id": ALERT_CHANNEL,
        "status_channel_id": STATUS_CHANNEL,
        "discord_guild_id": GUILD_ID,
        "megabox_base_url": megabox.base_url,
        # Lotte only where a test serves a fake Lotte (tests/test_lotte_e2e.py): no network.
        "chains": "megabox",
        "database_url": db_url,
        "watch_movie_no": "25008000",
        "watch_branches": "1351",
        "watch_formats": "MX4D",
        "watch_days": "weekend",
        "watch_min_seats": 3,
        "watch_mention": "@here",
        "heartbeat_file": tmp_path / "heartbeat",
        "failure_alert_threshold": 3,
        "check_schedule": quiet_schedule(),  # tests fire the job themselves
        "history_cooldown_seconds": 0,  # tests draw several charts; one test sets it
    }
    values.update(changes)
    return Settings(_env_file=None, **values)


@dataclass
class Running:
    bot: WatchBot
    discord: FakeDiscord
    megabox: FakeMegabox
    clock: Clock
    task: asyncio.Task[None]
    seen_status: int = field(default=0)
    lotte: FakeLotte | None = None

    @property
    def watcher(self) -> Watcher:
        # load_extension imports its own copy of cogs.watcher: check the name, not the class.
        cog = self.bot.get_cog("Watcher")
        assert cog is not None
        return cast(Watcher, cog)

    async def scheduled_check(self, *, settle: bool = True) -> None:
        """Let APScheduler fire the real job now (instead of at the next full hour); with
        `settle`, also until the delivery task has delivered what the check stored."""
        done = asyncio.get_running_loop().create_future()
        before = len(self.discord.messages_in(STATUS_CHANNEL))

        def listener(event: Any) -> None:
            if event.job_id == JOB_ID and not done.done():
                done.set_result(event)

        from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED

        self.bot.scheduler.add_listener(listener, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        try:
            job = self.bot.scheduler.get_job(JOB_ID)
            assert job is not None
            job.modify(next_run_time=datetime.now(KST))
            self.bot.scheduler.wakeup()
            await asyncio.wait_for(done, timeout=10)
        finally:
            self.bot.scheduler.remove_listener(listener)
        await self.discord.wait_for_messages(STATUS_CHANNEL, before + 1)
        if settle:
            await asyncio.wait_for(self.watcher.settle(), timeout=10)

    def status_lines(self) -> list[str]:
        return [m.content for m in self.discord.messages_in(STATUS_CHANNEL)]

    def alerts(self) -> list[Any]:
        return self.discord.messages_in(ALERT_CHANNEL)


@contextlib.asynccontextmanager
async def running_bot(
    fake: FakeDiscord,
    megabox: FakeMegabox,
    settings: Settings,
    clock: Clock | None = None,
    *,
    lotte: FakeLotte | None = None,
) -> AsyncIterator[Running]:
    """The bot logged in to `fake`; with `lotte`, its Lotte client speaks to that fake (the
    settings must enable the chain: make_settings(..., chains="megabox,lotte"))."""
    clock = clock or Clock()
    await migrated(settings.database_url)
    with fake.patch_client():
        async with open_bot(
            settings,
            client_options=fast_options(megabox.base_url),
            lotte_options=fast_lotte_options(lotte.base_url) if lotte else None,
            clock=clock,
            guild_ready_timeout=0.05,
        ) as bot:
            beat = asyncio.create_task(bot.wait_for("heartbeat", timeout=10))
            task = asyncio.create_task(bot.start(TOKEN))
            ready = asyncio.create_task(bot.wait_until_ready())
            done, _ = await asyncio.wait(
                {task, ready}, timeout=10, return_when=asyncio.FIRST_COMPLETED
            )
            if ready not in done:
                ready.cancel()
                if task in done:
                    task.result()
                raise AssertionError("bot did not become ready")
            await beat  # the first heartbeat file is written once the gateway is up
            try:
                yield Running(bot, fake, megabox, clock, task, lotte=lotte)
            finally:
                await bot.shutdown()
                await asyncio.wait_for(task, timeout=10)
