"""`/language`: the server's language for its channel messages (alerts, new screenings, the
status line), for someone with Manage Server. Answers to members follow their own client."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import Choice
from discord.ext import commands

from bot import i18n
from bot.i18n import _

if TYPE_CHECKING:
    from bot.app import WatchBot


class Language(commands.Cog):
    def __init__(self, bot: WatchBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="language", description="Set the language of this server's alerts and status lines"
    )
    @app_commands.describe(language="Korean or English")
    @app_commands.choices(
        language=[Choice(name="한국어 (Korean)", value="ko"), Choice(name="English", value="en")]
    )
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def language(
        self, interaction: discord.Interaction[WatchBot], language: Choice[str] | None = None
    ) -> None:
        assert interaction.guild_id is not None  # guild_only
        if language is None:
            now = self.bot.guild_language(interaction.guild_id)
            text = _("This server's alerts and status lines are in {language}.")
        else:
            now = i18n.normalise(language.value)
            await self.bot.set_guild_language(interaction.guild_id, now)
            text = _(
                "Done: this server's alerts, new-screening messages and status lines are now in "
                "{language}. Answers to each member follow their own Discord language."
            )
        await interaction.response.send_message(
            text.format(language=i18n.NAMES[now]), ephemeral=True
        )


async def setup(bot: WatchBot) -> None:
    await bot.add_cog(Language(bot))
