"""`/check` and `/status`: what a member may see of the checks. The check itself, delivery
and the status channel belong to the watcher cog; this cog asks it, keeps to the watches the
member may see (cogs/common.py `visible_watches`) and renders."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.checking.checker import CheckBusy, CheckResult, SeenScreening
from bot.checking.report import when
from bot.checking.schedule import overrun_warning, schedule_gap
from bot.drawing.queue import DrawingBusy
from bot.i18n import _, chain_name
from bot.seats.picture import picture
from bot.watches.watch import Watch
from cogs.common import (
    answer,
    member_cooldown,
    resolve_watch,
    show_watch,
    visible_watches,
    watch_choices,
    watcher_cog,
)
from cogs.render import check_embed, picture_name, safe, status_embed

if TYPE_CHECKING:
    from bot.app import WatchBot

Interaction = discord.Interaction["WatchBot"]
log = logging.getLogger(__name__)


class Inspect(commands.Cog):
    def __init__(self, bot: WatchBot) -> None:
        self.bot = bot

    @app_commands.command(name="check", description="Check the cinemas now and show what is open")
    @app_commands.describe(watch="Only show this watch's screenings")
    @app_commands.autocomplete(watch=watch_choices)
    # Every one asks MEGABOX about the member's watches.
    @member_cooldown(lambda settings: settings.check_cooldown_seconds)
    async def check(self, interaction: Interaction, watch: str | None = None) -> None:
        # Defer first: Discord allows 3 s, a check can take far longer.
        await interaction.response.defer(ephemeral=True, thinking=True)
        only = await resolve_watch(interaction, watch) if watch else None
        mine = [only] if only else await visible_watches(interaction)
        if not any(not w.paused for w in mine):
            # Nothing of theirs would be checked: don't run a check for everyone else.
            await answer(interaction, content=_nothing_to_check(mine, interaction))
            return
        async with self.bot.working():  # a shutdown lets the answer go out too
            try:
                # Only what the member can see: one member cannot make MEGABOX check
                # every server's watches; the full check is the schedule's.
                result = await watcher_cog(self.bot).run_check(
                    "command", wait=False, only={w.id for w in mine}
                )
            except asyncio.CancelledError:
                # A shutdown abandoned the check (nothing half-stored): say so, then go.
                with contextlib.suppress(discord.HTTPException, TimeoutError):
                    async with asyncio.timeout(2):
                        await interaction.followup.send(
                            _(
                                "The bot is restarting, so this check was stopped before it "
                                "finished. Nothing was lost; try `/check` again in a minute."
                            ),
                            ephemeral=True,
                        )
                raise
            except CheckBusy:
                await interaction.followup.send(
                    _(
                        "A check is already running. Its result will be in the status channel "
                        "shortly; try `/check` again in a minute."
                    ),
                    ephemeral=True,
                )
                return
            # Errors are told per branch: only those of the member's watches.
            shown = result.for_watches({w.id for w in mine})
            embeds, files = await match_pictures(shown, self.bot)
            await answer(interaction, embeds=[check_embed(shown), *embeds], files=files)

    @app_commands.command(name="status", description="Show the bot's health and what it watches")
    @app_commands.describe(watch="Show one watch in detail")
    @app_commands.autocomplete(watch=watch_choices)
    async def status(self, interaction: Interaction, watch: str | None = None) -> None:
        store = self.bot.store
        if watch:
            await show_watch(interaction, await resolve_watch(interaction, watch))
            return
        watcher = watcher_cog(self.bot)
        mine = await visible_watches(interaction)
        ids = [w.id for w in mine]
        runs = await store.last_runs(1)
        last = runs[0] if runs else None
        overrun = None
        if last is not None:
            gap = schedule_gap(self.bot.settings.check_schedule, self.bot.checker.clock())
            overrun = overrun_warning(last.finished_at - last.started_at, gap)
        own = self._own_targets(interaction, mine)
        latency = self.bot.latency
        embed = status_embed(
            uptime=str(self.bot.uptime),
            latency_ms=latency * 1000 if latency == latency and latency != float("inf") else None,
            last_run=last,
            next_run=watcher.next_run(),
            failures=await store.consecutive_failures(),
            watches=mine,
            watch_states=await store.watch_states(ids),
            alerts_sent=await store.alerts_sent(ids),
            problems=[text for target, text in watcher.problems.items() if target in own],
            checking=self.bot.checker.busy,
            overrun=overrun,
            # Only watches that use the lane (and are checked) make it worth a line.
            fast_lane=self._fast_lane(
                [w.id for w in mine if w.fast_lane and not w.paused and not w.waiting]
            ),
        )
        await answer(interaction, embed=embed)

    def _fast_lane(self, ids: list[int]) -> str | None:
        lane = self.bot.get_cog("FastLane")
        if lane is None or not ids:
            return None
        return lane.summary(set(ids))  # type: ignore[attr-defined, no-any-return]

    def _own_targets(self, interaction: Interaction, mine: list[Watch]) -> set[int]:
        """Channels and DMs whose delivery problems this member may see: their watches'
        channels, the status channel if it is in this server, and their own DMs."""
        settings = self.bot.settings
        own = {interaction.user.id}
        for watch in mine:
            channel = watch.channel_id or settings.alert_channel_id
            if not watch.personal and channel is not None:
                own.add(channel)
        status = settings.status_channel_id
        if status is not None and interaction.guild and interaction.guild.get_channel(status):
            own.add(status)
        return own


#: Pictures in one `/check` answer (Discord allows 10 embeds; a phone screen fewer).
MAX_PICTURES = 4


async def match_pictures(
    result: CheckResult, bot: WatchBot
) -> tuple[list[discord.Embed], list[discord.File]]:
    """A seat-map picture per match (the first few), painted in one drawing job (or taken
    from the pictures already painted for alerts), each in its own embed; matches whose seat
    map was not read (an estimate) get none."""
    watches = {w.id: w for w in result.watches}
    chosen: list[tuple[SeenScreening, dict[str, Any]]] = []
    for s in result.matches:
        if s.count is None or s.count.layout is None or len(chosen) >= MAX_PICTURES:
            continue
        watch = watches[s.matched_by[0]]
        count = s.count_for(watch.id) or s.count
        chosen.append((s, picture(s.count.layout, watch.prefs, count.best_seats).to_json()))
    if not chosen:
        return [], []
    try:
        pngs = await bot.drawing.pictures([model for _s, model in chosen])
    except DrawingBusy:
        log.warning("seat pictures for /check skipped: drawing queue busy")
        note = _("No seat pictures this time: other pictures were being drawn.")
        return [discord.Embed(description=note)], []
    except Exception:
        log.exception("seat pictures for /check could not be painted")
        return [], []
    embeds: list[discord.Embed] = []
    files: list[discord.File] = []
    for (s, _model), png in zip(chosen, pngs, strict=True):
        name = picture_name(s.screening.screening_id)
        files.append(discord.File(io.BytesIO(png), filename=name))
        embed = discord.Embed(
            title=f"{when(s)} · {chain_name(s.screening.screening_id)} {safe(s.screening.branch_name)} {safe(s.screening.hall_name)}"[
                :256
            ]
        )
        embeds.append(embed.set_image(url=f"attachment://{name}"))
    return embeds, files


def _nothing_to_check(mine: list[Watch], interaction: Interaction) -> str:
    if len(mine) == 1 and mine[0].paused:
        return _("**{watch}** is paused: `/watch resume` it, then `/check` again.").format(
            watch=safe(mine[0].label)
        )
    if mine:
        return _("Your watches here are all paused: `/watch resume` one, then `/check` again.")
    if interaction.guild is None:
        return _(
            "You have no personal watches, so there is nothing to check here. Add one with "
            "`/watch add … scope: just me` in a server."
        )
    return _("There are no watches here yet. Add one with `/watch add`.")


async def setup(bot: WatchBot) -> None:
    await bot.add_cog(Inspect(bot))
