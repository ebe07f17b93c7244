"""Who may change which watch, and whether the bot can post where alerts should go: checked
at run time, because Discord's default permissions are only a hint to server admins."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from bot.i18n import _
from bot.watches.forms import FormError
from bot.watches.watch import Watch

if TYPE_CHECKING:
    from bot.app import WatchBot  # noqa: F401  (named in the string annotation below)

Interaction = discord.Interaction["WatchBot"]


def can_manage_guild(interaction: Interaction) -> bool:
    return bool(interaction.guild is not None and interaction.permissions.manage_guild)


def check_may_change(interaction: Interaction, watch: Watch) -> None:
    """Run-time permission check: Discord's default permissions are only a hint."""
    if watch.personal:
        if watch.owner_id != interaction.user.id:
            raise FormError(_("That is someone else's personal watch."))
    elif interaction.guild_id is None or interaction.guild_id != watch.guild_id:
        # Manage Server counts only in the watch's own server, wherever the button is.
        raise FormError(_("That watch belongs to another server; change it there."))
    elif not can_manage_guild(interaction):
        raise FormError(
            _(
                "Changing this server's watches needs the **Manage Server** permission. You can "
                "add your own with `/watch add … scope: just me`, or `/subscribe` to one."
            )
        )


def check_channel(channel: discord.abc.GuildChannel, me: discord.Member | None) -> None:
    if me is None:
        return
    perms = channel.permissions_for(me)
    if not (perms.view_channel and perms.send_messages and perms.embed_links):
        raise FormError(
            _(
                "I can't post alerts in {channel}: give me View Channel, Send Messages and "
                "Embed Links there, or pick another channel."
            ).format(channel=channel.mention)
        )
