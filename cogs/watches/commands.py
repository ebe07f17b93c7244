"""`/watch …`, `/subscribe`, `/unsubscribe`, `/subscriptions` and `/quiet`: watches and
personal subscriptions managed from Discord. Validation lives in `bot.watches.forms`."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import Choice, Range
from discord.ext import commands

from bot import i18n
from bot.checking import cost
from bot.delivery.outbox import AlertView
from bot.i18n import _
from bot.store.outbox import alert_view
from bot.watches.forms import (
    MAX_GUILD_WATCHES,
    MAX_USER_WATCHES,
    FormError,
    QuietHours,
    WatchForm,
    build_watch,
)
from bot.watches.watch import Watch
from cogs.common import (
    answer,
    resolve_watch,
    show_watch,
    today,
    visible_watches,
    watch_choices,
)
from cogs.render import GREEN, alert_message, safe
from cogs.watches.access import can_manage_guild, check_channel, check_may_change
from cogs.watches.autocomplete import (
    branches_autocomplete,
    days_autocomplete,
    formats_autocomplete,
    movie_autocomplete,
    remind_autocomplete,
    rows_autocomplete,
)
from cogs.watches.views import RemoveButton

if TYPE_CHECKING:
    from bot.app import WatchBot

log = logging.getLogger(__name__)

Interaction = discord.Interaction["WatchBot"]

SCOPE_CHOICES = [
    Choice(name="this server (alerts in a channel)", value="guild"),
    Choice(name="just me (alerts by DM)", value="user"),
]
DELIVERY_CHOICES = [
    Choice(name="direct message", value="dm"),
    Choice(name="mention me in the alert channel", value="mention"),
]
#: The options /watch add and /watch edit share, explained once.
WATCH_OPTION_HELP = {
    "movie": "Movie (type part of the Korean title)",
    "branches": "Branch, or several separated by commas (type a name: 코엑스, COEX…)",
    "format": "Hall format(s), comma-separated, or any; 4DX finds MEGABOX's MX4D and Lotte's SUPER4D",
    "days": "weekend, weekdays, all, days like sat,sun, or dates like 2026-12-05",
    "min_seats": "How many free seats (not wheelchair seats) are needed",
    "together": "The seats must be next to each other (same row and seat block)",
    "channel": "Where alerts go (default: the bot's alert channel)",
    "mention": "A role to ping with each alert (default: nobody)",
    "name": "A short name for this watch",
    "notify": "Tell of seat openings, new screenings (a date opens, shows added), or both",
    "news_channel": "Another channel for new-screening messages (default: the alert channel)",
    "news_role": "Another role to ping with new-screening messages (default: `mention`)",
    "rows": "Rows to sit in (A = screen side): E-J, E,F,G or not A-C; any = every row",
    "centre": "The middle of the hall (from its layout): prefer it, or require it",
    "remind": "One reminder if still open after e.g. 30m, 1h, 2h (off by default)",
    "fast_lane": "Also re-check between scheduled checks, faster where seats are likely to "
    "come back (default: off)",
}
NOTIFY_CHOICES = [
    Choice(name="both: seat openings and new screenings", value="both"),
    Choice(name="seats: seat openings only", value="seats"),
    Choice(name="new: new screenings only (one message per check)", value="new"),
]
CENTRE_CHOICES = [
    Choice(name="off: any seat in the row", value="off"),
    Choice(name="prefer: report the most central block", value="prefer"),
    Choice(name="require: only seats in the middle half of the hall", value="require"),
]


def _mention_text(role: discord.Role | None) -> str | None:
    if role is None:
        return None
    return "@everyone" if role.is_default() else f"<@&{role.id}>"


class Watches(commands.Cog):
    watch = app_commands.Group(
        name="watch",
        description="Choose what this server watches at MEGABOX and Lotte Cinema",
        guild_only=True,
    )

    def __init__(self, bot: WatchBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(RemoveButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(RemoveButton)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Without DISCORD_GUILD_ID the .env watch belongs to no guild; adopt the only one."""
        watch = await self.bot.store.watch_by_source("env")
        if watch is not None and watch.guild_id is None and len(self.bot.guilds) == 1:
            guild_id = self.bot.guilds[0].id
            await self.bot.store.edit_watch(
                watch.id, lambda w: replace(w, guild_id=guild_id), now=self.bot.checker.clock()
            )
            log.info("the .env watch now belongs to guild %s", guild_id)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        removed = await self.bot.store.forget_guild(guild.id)
        log.info("left guild %s: removed %d watches and its subscriptions", guild.id, removed)
        self.bot.dispatch("guild_forgotten", guild.id)

    # -- /watch add ------------------------------------------------------------------------

    @watch.command(name="add", description="Watch a movie at cinema branches for free seats")
    @app_commands.describe(
        **WATCH_OPTION_HELP,
        times="Only screenings starting in this window, e.g. 18:00-23:30",
        scope="A watch for this server, or a personal one delivered to you by DM",
        alert_now="Also alert screenings that are already open (default: only new openings)",
    )
    @app_commands.choices(scope=SCOPE_CHOICES, notify=NOTIFY_CHOICES, centre=CENTRE_CHOICES)
    @app_commands.autocomplete(
        movie=movie_autocomplete,
        branches=branches_autocomplete,
        format=formats_autocomplete,
        days=days_autocomplete,
        rows=rows_autocomplete,
        remind=remind_autocomplete,
    )
    async def add(
        self,
        interaction: Interaction,
        movie: str,
        branches: str,
        format: str = "any",
        days: str = "weekend",
        times: str | None = None,
        min_seats: Range[int, 1, 10] = 3,
        together: bool = False,
        channel: discord.TextChannel | None = None,
        mention: discord.Role | None = None,
        scope: str = "guild",
        alert_now: bool = False,
        name: str | None = None,
        notify: str = "both",
        news_channel: discord.TextChannel | None = None,
        news_role: discord.Role | None = None,
        rows: str | None = None,
        centre: str | None = None,
        remind: str | None = None,
        fast_lane: bool = False,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild is not None
        store = self.bot.store
        if scope == "guild":
            if not can_manage_guild(interaction):
                raise FormError(
                    _(
                        "Adding a watch for the whole server needs the **Manage Server** "
                        "permission. Use `scope: just me` for a personal watch delivered by DM."
                    )
                )
            if await store.count_watches(guild_id=interaction.guild.id) >= MAX_GUILD_WATCHES:
                raise FormError(
                    _(
                        "This server already has {n} watches, the most it can have. Remove one "
                        "first (`/watch remove`)."
                    ).format(n=MAX_GUILD_WATCHES)
                )
        elif await store.count_watches(owner_id=interaction.user.id) >= MAX_USER_WATCHES:
            raise FormError(
                _(
                    "You already have {n} personal watches, the most one person can have. "
                    "Remove one first."
                ).format(n=MAX_USER_WATCHES)
            )
        if scope == "user" and (news_channel or news_role):
            raise FormError(
                _(
                    "A personal watch is delivered by DM; leave `news_channel` and `news_role` "
                    "empty."
                )
            )
        if news_channel is not None:
            check_channel(news_channel, interaction.guild.me)
        if channel is not None:
            if scope == "user":
                raise FormError(_("A personal watch is delivered by DM; leave `channel` empty."))
            check_channel(channel, interaction.guild.me)
        elif scope == "guild" and self.bot.settings.alert_channel_id is None:
            raise FormError(
                _(
                    "Where should the alerts go? Give a `channel` (this bot has no default "
                    "ALERT_CHANNEL_ID)."
                )
            )
        await self.bot.catalogue.refresh()
        form = WatchForm(
            movie=movie,
            branches=branches,
            format=format,
            days=days,
            times=times,
            min_seats=min_seats,
            together=together,
            channel_id=channel.id if channel else None,
            mention=_mention_text(mention),
            name=name,
            notify=notify,
            news_channel_id=news_channel.id if news_channel else None,
            news_mention=_mention_text(news_role),
            rows=rows,
            centre=centre,
            remind=remind,
            fast_lane=fast_lane,
        )
        watch = build_watch(
            form,
            self.bot.catalogue,
            guild_id=interaction.guild.id,
            owner_id=interaction.user.id,
            scope=scope,
            baseline=not alert_now,
        )
        spend = await self._afford(watch)
        watch = await store.add_watch(watch, now=self.bot.checker.clock())
        await show_watch(interaction, watch, _("✅ Watch added"), spend=spend)

    # -- list, show, edit, pause, resume, remove, test --------------------------------------

    @watch.command(name="list", description="List this server's watches and your personal ones")
    async def list_(self, interaction: Interaction) -> None:
        watches = await visible_watches(interaction)
        if not watches:
            await answer(interaction, content=_("No watches yet. Add one with `/watch add`."))
            return
        lines = []
        for w in watches:
            flags = " · " + _("paused") if w.paused else ""
            flags += " · " + _("personal") if w.personal else ""
            flags += " · " + _("⏳ waiting for the film") if w.waiting else ""
            flags += " · " + _("fast lane") if w.fast_lane else ""
            lines.append(f"**{safe(w.label)}**{flags}\n{safe(w.describe())}")
        embed = discord.Embed(title=_("Watches ({n})").format(n=len(watches)), colour=GREEN)
        embed.description = "\n".join(lines)[:4000]
        await answer(interaction, embed=embed)

    @watch.command(name="show", description="Show one watch and what it has found")
    @app_commands.describe(watch="The watch (type its name or number)")
    @app_commands.autocomplete(watch=watch_choices)
    async def show(self, interaction: Interaction, watch: str) -> None:
        await show_watch(interaction, await resolve_watch(interaction, watch))

    @watch.command(name="edit", description="Change a watch (only the options you give)")
    @app_commands.describe(
        watch="The watch to change",
        **WATCH_OPTION_HELP,
        times="Start-time window like 18:00-23:30, or 'any' for every start time",
        no_mention="Ping nobody",
        news_like_alerts="New-screening messages go where the seat alerts go again",
    )
    @app_commands.choices(notify=NOTIFY_CHOICES, centre=CENTRE_CHOICES)
    @app_commands.autocomplete(
        watch=watch_choices,
        movie=movie_autocomplete,
        branches=branches_autocomplete,
        format=formats_autocomplete,
        days=days_autocomplete,
        rows=rows_autocomplete,
        remind=remind_autocomplete,
    )
    async def edit(
        self,
        interaction: Interaction,
        watch: str,
        movie: str | None = None,
        branches: str | None = None,
        format: str | None = None,
        days: str | None = None,
        times: str | None = None,
        min_seats: Range[int, 1, 10] | None = None,
        together: bool | None = None,
        channel: discord.TextChannel | None = None,
        mention: discord.Role | None = None,
        no_mention: bool = False,
        name: str | None = None,
        notify: str | None = None,
        news_channel: discord.TextChannel | None = None,
        news_role: discord.Role | None = None,
        news_like_alerts: bool = False,
        rows: str | None = None,
        centre: str | None = None,
        remind: str | None = None,
        fast_lane: bool | None = None,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild is not None
        found = await resolve_watch(interaction, watch)
        check_may_change(interaction, found)
        if channel is not None:
            if found.personal:
                raise FormError(_("A personal watch is delivered by DM; it has no channel."))
            check_channel(channel, interaction.guild.me)
        if mention is not None and no_mention:
            raise FormError(_("Give either `mention` or `no_mention`, not both."))
        if found.personal and (news_channel or news_role):
            raise FormError(_("A personal watch is delivered by DM; it has no channel or role."))
        if news_channel is not None:
            check_channel(news_channel, interaction.guild.me)
        if movie is not None or branches is not None:
            await self.bot.catalogue.refresh()
        form = WatchForm(
            movie=movie,
            branches=branches,
            format=format,
            days=days,
            times=times,
            min_seats=min_seats,
            together=together,
            channel_id=channel.id if channel else None,
            mention="" if no_mention else _mention_text(mention),
            name=name,
            notify=notify,
            news_channel_id=news_channel.id if news_channel else None,
            news_mention=_mention_text(news_role),
            news_like_alerts=news_like_alerts,
            rows=rows,
            centre=centre,
            remind=remind,
            fast_lane=fast_lane,
        )
        if form == WatchForm():
            raise FormError(_("Nothing to change: give at least one option besides `watch`."))
        spend = await self._afford(build_watch(form, self.bot.catalogue, base=found))
        # Applied to the watch as stored now: a binding or pause meanwhile is kept.
        changed = await self.bot.store.edit_watch(
            found.id,
            lambda w: build_watch(form, self.bot.catalogue, base=w),
            now=self.bot.checker.clock(),
        )
        if changed is None:
            raise FormError(_("That watch was removed meanwhile; nothing was changed."))
        await show_watch(interaction, changed, _("✏️ Watch updated"), spend=spend)

    async def _afford(self, watch: Watch) -> cost.Spend | None:
        """A personal watch's owner's budget with this watch added or changed; a FormError
        (nothing stored) if it would take them over it. None for a server watch."""
        if not watch.personal or watch.owner_id is None:
            return None
        settings = self.bot.settings
        spend = cost.personal_spend(
            watch,
            await self.bot.store.visible_watches(None, watch.owner_id),
            budget=settings.personal_requests_per_check,
            today=today(self.bot),
            horizon_days=settings.horizon_days,
        )
        if spend.refused:
            raise FormError(cost.refusal(spend, watch))
        return spend

    @watch.command(name="pause", description="Stop checking a watch for now")
    @app_commands.autocomplete(watch=watch_choices)
    async def pause(self, interaction: Interaction, watch: str) -> None:
        await self._set_paused(interaction, watch, True)

    @watch.command(name="resume", description="Check a paused watch again")
    @app_commands.autocomplete(watch=watch_choices)
    async def resume(self, interaction: Interaction, watch: str) -> None:
        await self._set_paused(interaction, watch, False)

    async def _set_paused(self, interaction: Interaction, text: str, paused: bool) -> None:
        found = await resolve_watch(interaction, text)
        check_may_change(interaction, found)
        if found.paused == paused:
            text = (
                _("**{watch}** is already paused.")
                if paused
                else _("**{watch}** is already active.")
            )
            await answer(interaction, content=text.format(watch=safe(found.label)))
            return
        await self.bot.store.edit_watch(
            found.id, lambda w: replace(w, paused=paused), now=self.bot.checker.clock()
        )
        text = _("⏸️ Paused **{watch}**.") if paused else _("▶️ Resumed **{watch}**.")
        await answer(interaction, content=text.format(watch=safe(found.label)))

    @watch.command(name="remove", description="Delete a watch (asks to confirm)")
    @app_commands.autocomplete(watch=watch_choices)
    async def remove(self, interaction: Interaction, watch: str) -> None:
        found = await resolve_watch(interaction, watch)
        check_may_change(interaction, found)
        view = discord.ui.View(timeout=None)
        view.add_item(RemoveButton(found.id, interaction.user.id))
        await answer(
            interaction,
            content=_("Remove **{watch}** and everyone's subscriptions to it?").format(
                watch=safe(found.label)
            ),
            view=view,
        )

    @watch.command(name="test", description="Post a sample alert for a watch, marked as a test")
    @app_commands.autocomplete(watch=watch_choices)
    async def test(self, interaction: Interaction, watch: str) -> None:
        found = await resolve_watch(interaction, watch)
        check_may_change(interaction, found)
        await interaction.response.defer(ephemeral=True, thinking=True)
        sample = await self._sample_view(found)
        if found.personal:
            await interaction.user.send(**alert_message(sample, test=True))
            await answer(interaction, content=_("📨 Test alert sent to you by DM."))
            return
        assert interaction.guild is not None
        channel_id = found.channel_id or self.bot.settings.alert_channel_id
        channel = interaction.guild.get_channel(channel_id) if channel_id else None
        if not isinstance(channel, discord.TextChannel):
            raise FormError(
                _(
                    "This watch has no alert channel I can find. Set one with "
                    "`/watch edit channel:`."
                )
            )
        check_channel(channel, interaction.guild.me)
        # In the channel, the server's language, as a real alert would be.
        with i18n.using(self.bot.guild_language(interaction.guild.id)):
            kwargs = alert_message(sample, test=True)
        await channel.send(**kwargs)
        await answer(
            interaction,
            content=_("📨 Test alert posted in {channel}.").format(channel=channel.mention),
        )

    async def _sample_view(self, watch: Watch) -> AlertView:
        """A real rendering: the latest screening seen for this watch, else a made-up one."""
        now = self.bot.checker.clock()
        row = await self.bot.store.sample_screening(watch.movie_id, watch.branches)
        if row is not None:
            return alert_view(row, opened_at=now, mentions=(watch.mention,))
        play_date = now.date() + timedelta(days=(5 - now.weekday()) % 7 or 7)
        movie = self.bot.catalogue.movies.get(watch.movie_id)
        return AlertView(
            screening_id="0000000000000",
            movie_name=movie.movie_name if movie else watch.movie_id,
            branch_id=watch.branches[0],
            branch_name=self.bot.catalogue.branch_names(watch.branches[:1]),
            hall_name="—",
            format="/".join(sorted(watch.formats)) or "any",
            play_date=play_date,
            start_clock="19:40",
            end_clock="22:04",
            free_seats=watch.min_seats,
            usable=watch.min_seats,
            total=None,
            best_block=watch.min_seats,
            best_row="F",
            exact=True,
            opened_at=now,
            mentions=(watch.mention,),
        )

    # -- subscriptions ---------------------------------------------------------------------

    @app_commands.command(name="subscribe", description="Get a watch's alerts yourself")
    @app_commands.describe(watch="The watch", delivery="By DM (default) or a mention in the alert")
    @app_commands.choices(delivery=DELIVERY_CHOICES)
    @app_commands.autocomplete(watch=watch_choices)
    @app_commands.guild_only()
    async def subscribe(self, interaction: Interaction, watch: str, delivery: str = "dm") -> None:
        found = await resolve_watch(interaction, watch)
        if found.personal:
            raise FormError(_("That is a personal watch; its owner already gets its alerts by DM."))
        assert interaction.guild is not None
        new = await self.bot.store.subscribe(
            found.id,
            interaction.user.id,
            interaction.guild.id,
            delivery,
            now=self.bot.checker.clock(),
        )
        how = _("by DM") if delivery == "dm" else _("as a mention in the alert channel")
        text = (
            _("🔔 Subscribed to **{watch}**: new openings reach you {how}.")
            if new
            else _("🔔 Updated your subscription to **{watch}**: new openings reach you {how}.")
        )
        await answer(interaction, content=text.format(watch=safe(found.label), how=how))

    @app_commands.command(name="unsubscribe", description="Stop getting a watch's alerts")
    @app_commands.autocomplete(watch=watch_choices)
    @app_commands.guild_only()
    async def unsubscribe(self, interaction: Interaction, watch: str) -> None:
        found = await resolve_watch(interaction, watch)
        if await self.bot.store.unsubscribe(found.id, interaction.user.id):
            await answer(
                interaction,
                content=_("🔕 Unsubscribed from **{watch}**.").format(watch=safe(found.label)),
            )
        else:
            await answer(
                interaction,
                content=_("You were not subscribed to **{watch}**.").format(
                    watch=safe(found.label)
                ),
            )

    @app_commands.command(name="subscriptions", description="Your subscriptions and quiet hours")
    async def subscriptions(self, interaction: Interaction) -> None:
        store = self.bot.store
        subs = await store.subscriptions(user_id=interaction.user.id)
        personal = [w for w in await visible_watches(interaction) if w.personal]
        lines = []
        for sub in subs:
            watch = await store.watch(sub.watch_id)
            label = watch.label if watch else f"#{sub.watch_id}"
            paused = " · " + _("⏸️ paused (your DMs were closed)") if sub.paused else ""
            how = _("dm") if sub.delivery == "dm" else _("mention")
            lines.append(f"🔔 **{safe(label)}** · {how}{paused}")
        lines += [
            f"👤 **{safe(w.label)}** · "
            + _("personal, DM")
            + (" · " + _("paused") if w.paused else "")
            for w in personal
        ]
        quiet = (await store.quiet_hours()).get(interaction.user.id)
        text = "\n".join(lines) or _("No subscriptions yet: `/subscribe` to a watch.")
        text += "\n" + (
            _("Quiet hours: {start}-{end} KST").format(start=quiet[0], end=quiet[1])
            if quiet
            else _("Quiet hours: none")
        )
        await answer(interaction, content=text)

    @app_commands.command(name="quiet", description="Hold your alert DMs during these hours (KST)")
    @app_commands.describe(hours="e.g. 23:00-08:00, or 'off'")
    async def quiet(self, interaction: Interaction, hours: str) -> None:
        if hours.strip().lower() in ("off", "none", ""):
            await self.bot.store.set_quiet_hours(interaction.user.id, None, None)
            await answer(interaction, content=_("🔔 Quiet hours off: alerts reach you at once."))
            return
        window = QuietHours.parse(hours)
        start, end = window.to_text().split("-")
        await self.bot.store.set_quiet_hours(interaction.user.id, start, end)
        await answer(
            interaction,
            content=_(
                "🌙 Quiet hours {window} KST: DMs wait until they end, and are dropped if the "
                "seats are gone by then."
            ).format(window=window.to_text()),
        )
