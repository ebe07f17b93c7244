"""Helpers the cogs share: what a member may see, finding the watch they mean, offering
their watches, and what a watch costs MEGABOX."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar, cast

import discord
from discord import app_commands
from discord.app_commands import Choice

from bot.chains.base import KST
from bot.checking import cost
from bot.i18n import _
from bot.watches.forms import FormError
from bot.watches.watch import Watch
from cogs.render import safe, watch_embed

if TYPE_CHECKING:
    from bot.app import WatchBot
    from bot.config import Settings
    from cogs.watcher import Watcher

Interaction = discord.Interaction["WatchBot"]
T = TypeVar("T")


def watcher_cog(bot: WatchBot) -> Watcher:
    """The watcher cog (checks, delivery, the status channel), by name: load_extension
    imports its own copy of the module, so an isinstance check would fail."""
    cog = bot.get_cog("Watcher")
    if cog is None:
        raise RuntimeError("the Watcher extension is not loaded")
    return cast("Watcher", cog)


async def answer(interaction: discord.Interaction[WatchBot], **kwargs: Any) -> None:
    """Reply privately, prefixed once with a pending notice for this user (closed DMs)."""
    notice = await interaction.client.store.pop_notice(interaction.user.id)
    if notice:
        kwargs["content"] = f"⚠️ {_(notice)}\n\n{kwargs.get('content') or ''}".strip()
    kwargs.setdefault("ephemeral", True)
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


async def show_watch(
    interaction: discord.Interaction[WatchBot],
    watch: Watch,
    title: str | None = None,
    *,
    spend: cost.Spend | None = None,
) -> None:
    """One watch with what is open for it now and what it costs, as a private answer;
    `spend`: the owner's budget after adding or editing a personal watch."""
    bot = interaction.client
    price = cost.estimate([watch], today(bot), bot.settings.horizon_days)
    embed = watch_embed(
        watch,
        bot.catalogue,
        default_channel=bot.settings.alert_channel_id,
        open_now=(await bot.store.watch_states([watch.id])).get(watch.id, []),
        cost=cost.summary(price, spend),
    )
    if title:
        embed.title = _("{title}: {watch}").format(title=title, watch=safe(watch.label))
    await answer(interaction, embed=embed)


def today(bot: WatchBot) -> date:
    """The date in Seoul by the checker's clock: the first day a watch's dates count from."""
    return bot.checker.clock().astimezone(KST).date()


async def visible_watches(interaction: discord.Interaction[WatchBot]) -> list[Watch]:
    """All a member may see or pick from: in a server, its watches and their own personal
    ones; in DMs, only their personal ones (never another server's or member's)."""
    guild_id = interaction.guild.id if interaction.guild else None
    return await interaction.client.store.visible_watches(guild_id, interaction.user.id)


async def watch_choices(
    interaction: discord.Interaction[WatchBot], current: str
) -> list[Choice[str]]:
    """Autocomplete for a `watch` option, by number or name."""
    text = current.strip().lstrip("#").casefold()
    return [
        Choice(name=f"{w.label}{_(' (paused)') if w.paused else ''}"[:100], value=str(w.id))
        for w in await visible_watches(interaction)
        if text in w.label.casefold()
    ][:25]


async def resolve_watch(interaction: discord.Interaction[WatchBot], text: str) -> Watch:
    """The watch meant by "3", "#3" or its name; a FormError the user can act on otherwise."""
    key = text.strip().lstrip("#")
    for watch in await visible_watches(interaction):
        if key == str(watch.id) or key.casefold() == watch.name.casefold():
            return watch
    raise FormError(
        _("No watch {watch} here. `/watch list` shows the ones you can use.").format(
            watch=repr(text)
        )
    )


def member_cooldown(seconds: Callable[[Settings], int]) -> Callable[[T], T]:
    """One use per member every `seconds(settings)` (0: no limit). The buckets live in the
    command's check, which every bot made in one process shares (tests make many): keyed by
    bot as well as by member."""

    def cooldown(interaction: Interaction) -> app_commands.Cooldown | None:
        per = seconds(interaction.client.settings)
        return app_commands.Cooldown(1, per) if per else None

    def per_member(interaction: Interaction) -> Hashable:
        return (interaction.client, interaction.user.id)

    return app_commands.checks.dynamic_cooldown(cooldown, key=per_member)
