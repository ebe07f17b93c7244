"""The watches extension: `/watch …` and the subscription commands (see commands.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.watches.commands import Watches

if TYPE_CHECKING:
    from bot.app import WatchBot


async def setup(bot: WatchBot) -> None:
    await bot.add_cog(Watches(bot))
