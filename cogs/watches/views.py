"""Persistent components of the watch commands."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, cast

import discord

from bot import i18n
from bot.i18n import _
from bot.watches.forms import FormError
from cogs.render import safe
from cogs.watches.access import check_may_change

if TYPE_CHECKING:
    from bot.app import WatchBot


class RemoveButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"mbw:rm:(?P<watch>\d+):(?P<user>\d+)"
):
    """The confirm button of `/watch remove`; works after a restart too (its state is its id)."""

    def __init__(self, watch_id: int, user_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=_("Remove it"),
                style=discord.ButtonStyle.danger,
                custom_id=f"mbw:rm:{watch_id}:{user_id}",
            )
        )
        self.watch_id = watch_id
        self.user_id = user_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> RemoveButton:
        return cls(int(match["watch"]), int(match["user"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        i18n.use(interaction.locale.value)  # a button is not a slash command: set it here
        if interaction.user.id != self.user_id:
            await interaction.response.send_message(
                _("Only the person who asked can confirm this."), ephemeral=True
            )
            return
        store = cast("WatchBot", interaction.client).store
        watch = await store.watch(self.watch_id)
        if watch is None:
            await interaction.response.edit_message(content=_("Already removed."), view=None)
            return
        try:
            check_may_change(interaction, watch)
        except FormError as exc:
            await interaction.response.edit_message(content=str(exc), view=None)
            return
        await store.remove_watch(watch.id)
        await interaction.response.edit_message(
            content=_("🗑️ Removed watch **{watch}** and its subscriptions.").format(
                watch=safe(watch.label)
            ),
            view=None,
        )
