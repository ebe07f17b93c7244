"""`/history [watch] [date]`: a chart of a watch's screenings' usable seats over one day
(bot/drawing/chart.py, drawn in a worker process), or a clear sentence when there is no data."""

from __future__ import annotations

import io
import logging
from datetime import date
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.drawing.chart import ChartError, chart_data, render_in_worker
from bot.drawing.queue import DrawingBusy
from bot.i18n import _, ngettext
from bot.watches.forms import FormError
from bot.watches.watch import Watch
from cogs.common import (
    answer,
    member_cooldown,
    resolve_watch,
    today,
    visible_watches,
    watch_choices,
)
from cogs.render import safe

if TYPE_CHECKING:
    from bot.app import WatchBot

log = logging.getLogger(__name__)

Interaction = discord.Interaction["WatchBot"]


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise FormError(
            _("`date` must look like 2026-12-05, got {value}.").format(value=repr(text.strip()))
        ) from None


class History(commands.Cog):
    def __init__(self, bot: WatchBot) -> None:
        self.bot = bot

    @app_commands.command(name="history", description="Chart a watch's free seats over one day")
    @app_commands.describe(
        watch="The watch (default: your only one)",
        date="The screenings' date, e.g. 2026-12-05 (default: the next one with data)",
    )
    @app_commands.autocomplete(watch=watch_choices)
    # Each one paints a chart in a drawing process.
    @member_cooldown(lambda settings: settings.history_cooldown_seconds)
    async def history(
        self, interaction: Interaction, watch: str | None = None, date: str | None = None
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        found = await self._watch(interaction, watch)
        store = self.bot.store
        dates = await store.history_dates(found.id)
        day = parse_day(date) if date else _default_day(dates, today(self.bot))
        histories = await store.day_history(found.id, day) if day else []
        if not histories:
            known = ", ".join(d.isoformat() for d in dates[-5:])
            hint = (
                _("Dates with data: {dates}.").format(dates=known)
                if known
                else _("Its first check records some.")
            )
            text = (
                _("No seat history yet for **{watch}** on {day}.")
                if day
                else _("No seat history yet for **{watch}**.")
            )
            await answer(
                interaction,
                content=text.format(watch=safe(found.label), day=day.isoformat() if day else "")
                + " "
                + hint,
            )
            return
        assert day is not None
        data = chart_data(
            histories,
            title=_("Watch #{id}").format(id=found.id),
            plain_title=f"Watch #{found.id}",
            play_date=day,
            threshold=found.min_seats,
        )
        try:
            png = await render_in_worker(data, self.bot.drawing)
        except DrawingBusy:
            await answer(
                interaction,
                content=_("Other pictures are being drawn just now; please try again in a minute."),
            )
            return
        except (ChartError, TimeoutError) as exc:
            log.error("history chart failed: %s", exc)
            await answer(
                interaction, content=_("I couldn't draw that chart just now; please try again.")
            )
            return
        points = sum(len(h.points) for h in histories)
        await answer(
            interaction,
            content=_(
                "**{watch}** on {day}: usable free seats of {screenings}, {readings}, KST; "
                "▼ marks an opening, the dashed line is N = {n}."
            ).format(
                watch=safe(found.label),
                day=day.isoformat(),
                screenings=ngettext("{n} screening", "{n} screenings", len(histories)).format(
                    n=len(histories)
                ),
                readings=ngettext("{n} reading", "{n} readings", points).format(n=points),
                n=found.min_seats,
            ),
            file=discord.File(io.BytesIO(png), filename=f"history-{found.id}-{day}.png"),
        )

    async def _watch(self, interaction: Interaction, text: str | None) -> Watch:
        if text:
            return await resolve_watch(interaction, text)
        mine = await visible_watches(interaction)
        if len(mine) == 1:
            return mine[0]
        if not mine:
            raise FormError(_("There are no watches here yet. Add one with `/watch add`."))
        raise FormError(_("Which watch? Give `watch` (`/watch list` shows them)."))


def _default_day(dates: list[date], now: date) -> date | None:
    upcoming = [d for d in dates if d >= now]
    if upcoming:
        return upcoming[0]
    return dates[-1] if dates else None


async def setup(bot: WatchBot) -> None:
    await bot.add_cog(History(bot))
