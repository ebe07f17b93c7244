"""Test-only extension (tests/test_startup.py): loaded first, it keeps the bot's start-up
(`WatchBot._load`) waiting on `bot.startup_gate`, then adds a listener that records the
`ready` event, which by then has already happened."""

from __future__ import annotations

import asyncio
from typing import Any

from discord.ext import commands


class ReadySeen(commands.Cog):
    def __init__(self, seen: asyncio.Future[None]) -> None:
        self.seen = seen

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        if not self.seen.done():
            self.seen.set_result(None)


async def setup(bot: Any) -> None:
    await bot.startup_gate.wait()
    await bot.add_cog(ReadySeen(bot.ready_seen))
