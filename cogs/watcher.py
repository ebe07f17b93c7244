"""The watcher cog: the scheduled check, alert delivery from the outbox, the status channel,
and `/check` and `/status`. It translates; every decision is made in `bot/`."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import TYPE_CHECKING

import discord
from apscheduler.triggers.cron import CronTrigger
from discord import app_commands
from discord.ext import commands, tasks
from discord.utils import escape_markdown

from bot.checker import CheckBusy, CheckResult
from bot.megabox.models import KST
from bot.report import status_line
from bot.store.repo import AlertJob
from bot.watch_forms import QuietHours
from cogs.common import answer, resolve_watch, show_watch, visible_watches, watch_choices
from cogs.render import alert_message, check_embed, status_embed

if TYPE_CHECKING:
    from bot.app import WatchBot

log = logging.getLogger(__name__)

JOB_ID = "megabox-check"
_DMS_CLOSED = (
    "I couldn't send you an alert by DM (Discord refused it: your DMs are closed), so your "
    "DM alerts are paused. Allow direct messages from this server's members, then run "
    "`/subscribe` again (and `/watch resume` for your personal watches)."
)
_FAILURE_REPORTED_KEY = "failure_reported"
#: Discord dedupes a repeated nonce for a few minutes (discord.py sends enforce_nonce), which
#: covers a crash between Discord accepting an alert and us marking it sent.
_NONCE_PREFIX = "mbw-alert-"


class NotATextChannel(Exception):
    """The configured id names a category, voice channel or the like."""


class Watcher(commands.Cog):
    def __init__(self, bot: WatchBot) -> None:
        self.bot = bot
        self._deliver_lock = asyncio.Lock()
        #: Channel id → what is wrong with it; shown by /status, logged once.
        self.problems: dict[int, str] = {}

    async def cog_load(self) -> None:
        settings = self.bot.settings
        trigger = CronTrigger.from_crontab(settings.check_schedule, timezone=KST)
        self.bot.scheduler.add_job(
            self.scheduled_check,
            trigger,
            id=JOB_ID,
            coalesce=True,
            max_instances=1,
            # A briefly busy loop must not skip the hourly run (the default grace is 1 s).
            misfire_grace_time=15 * 60,
            replace_existing=True,
        )
        self.outbox.start()

    async def cog_unload(self) -> None:
        # Cancel only between rounds: a query cancelled mid-flight can leave the database
        # connection half-closed while the store shuts down.
        async with self._deliver_lock:
            self.outbox.cancel()
        if self.bot.scheduler.get_job(JOB_ID):
            self.bot.scheduler.remove_job(JOB_ID)

    def next_run(self) -> datetime | None:
        job = self.bot.scheduler.get_job(JOB_ID)
        return job.next_run_time if job is not None else None

    # -- checks ----------------------------------------------------------------------------

    async def scheduled_check(self) -> None:
        try:
            await self.run_check("schedule")
        except Exception:
            log.exception("scheduled check crashed")

    async def run_check(self, trigger: str, *, wait: bool = True) -> CheckResult:
        async with self.bot.working():
            # Alerts go out as each part of a long check finds them, not only at its end.
            result = await self.bot.checker.run(trigger, wait=wait, on_progress=self._deliver_now)
            log.info("%s", status_line(result))
            try:
                await self.deliver()
            finally:
                await self.report(result)  # the status line goes out whatever delivery did
            return result

    # -- alerts ----------------------------------------------------------------------------

    @tasks.loop(seconds=60)
    async def outbox(self) -> None:
        """Deliver what a failed send or a restart left pending, without waiting a whole hour."""
        try:
            async with self.bot.working():
                await self.deliver()
        except Exception:
            log.exception("alert delivery crashed")

    async def _deliver_now(self) -> None:
        try:
            await self.deliver()
        except Exception:
            log.exception("alert delivery crashed; the outbox retries within a minute")

    @outbox.before_loop
    async def _ready(self) -> None:
        await self.bot.wait_until_ready()

    async def deliver(self) -> int:
        """Send pending alerts and fix alerts that show the wrong state; returns how many."""
        async with self._deliver_lock:
            now = self.bot.checker.clock()
            await self.bot.store.expire_undelivered()
            quiet = {
                user: QuietHours.parse(f"{start}-{end}")
                for user, (start, end) in (await self.bot.store.quiet_hours()).items()
            }
            done = 0
            for job in await self.bot.store.alert_jobs():
                hours = quiet.get(job.target_id) if job.target_kind == "dm" else None
                if hours is not None and job.message_id is None and hours.contains(now):
                    continue  # held until the quiet hours end; expired if the seats go first
                done += await self._deliver(job, now)
            return done

    async def _deliver(self, job: AlertJob, now: datetime) -> int:
        try:
            if job.message_id is None:
                channel = await self._target(job)
                message = await channel.send(
                    **alert_message(job), nonce=f"{_NONCE_PREFIX}{job.alert_id}"
                )
                await self.bot.store.mark_sent(
                    job.alert_id,
                    message_id=message.id,
                    channel_id=message.channel.id,
                    shown_open=job.open,
                    now=now,
                )
                log.info("alert %s delivered to %s", job.alert_id, job.target_id)
            else:
                assert job.channel_id is not None
                partial = self.bot.get_partial_messageable(job.channel_id)
                kwargs = alert_message(job)
                kwargs.pop("allowed_mentions")
                await partial.get_partial_message(job.message_id).edit(**kwargs)
                await self.bot.store.mark_shown(job.alert_id, shown_open=job.open)
            self.problems.pop(job.target_id, None)
            return 1
        except discord.NotFound as exc:
            if job.message_id is not None:
                # Someone deleted the alert: nothing left to edit.
                await self.bot.store.mark_shown(job.alert_id, shown_open=job.open)
                return 0
            self._problem(job.target_id, f"channel {job.target_id} not found ({exc.text})")
        except discord.Forbidden as exc:
            if job.target_kind == "dm":
                # Closed DMs: retrying forever would not help. Pause and tell the user once.
                await self.bot.store.pause_dm_deliveries(job.target_id, _DMS_CLOSED)
                await self.bot.store.mark_failed(
                    job.alert_id, f"DM refused: {exc.text}", give_up=True
                )
                log.info("DMs to %s are closed: their DM alerts are paused", job.target_id)
                return 0
            self._problem(job.target_id, f"no permission to post in {job.target_id} ({exc.text})")
        except NotATextChannel as exc:
            self._problem(job.target_id, str(exc))
        except discord.HTTPException as exc:
            log.warning("alert %s not delivered yet: %s", job.alert_id, exc)
        except Exception:
            # A bug must not block every later alert: give this one up, loudly.
            log.exception("alert %s cannot be rendered or sent", job.alert_id)
            await self.bot.store.mark_failed(job.alert_id, "internal error", give_up=True)
            return 0
        await self.bot.store.mark_failed(job.alert_id, "delivery failed; will retry")
        return 0

    async def _target(self, job: AlertJob) -> discord.abc.Messageable:
        if job.target_kind == "dm":
            user = self.bot.get_user(job.target_id) or await self.bot.fetch_user(job.target_id)
            return user
        return await self._channel(job.target_id)

    async def _channel(self, channel_id: int) -> discord.abc.Messageable:
        channel = self.bot.get_channel(channel_id)
        if channel is None:
            channel = await self.bot.fetch_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            raise NotATextChannel(f"{channel_id} is not a text channel")
        return channel

    def _problem(self, channel_id: int, text: str) -> None:
        if self.problems.get(channel_id) != text:
            log.error("%s", text)  # once per problem, not once per retry
        self.problems[channel_id] = text

    # -- the status channel ----------------------------------------------------------------

    async def report(self, result: CheckResult) -> None:
        """One line per check; one error after repeated failures, then one recovery."""
        await self._status(escape_markdown(status_line(result)))
        store = self.bot.store
        failures = await store.consecutive_failures()
        reported = await store.get_value(_FAILURE_REPORTED_KEY) == "1"
        threshold = self.bot.settings.failure_alert_threshold
        if failures >= threshold and not reported:
            err = result.errors[0] if result.errors else None
            detail = f"{err.kind}: {err.message}" if err else "see the lines above"
            await self._status(
                f"🚨 MEGABOX checks have failed {failures} times in a row ({detail}). "
                "Openings can be missed until this recovers; I keep trying on schedule "
                "and will say when it works again."
            )
            await store.set_value(_FAILURE_REPORTED_KEY, "1")
        elif failures == 0 and reported:
            await self._status("✅ Recovered: MEGABOX checks work again.")
            await store.set_value(_FAILURE_REPORTED_KEY, "0")

    async def _status(self, text: str) -> None:
        channel_id = self.bot.settings.status_channel_id
        if channel_id is None:
            return
        try:
            channel = await self._channel(channel_id)
            await channel.send(text[:2000], allowed_mentions=discord.AllowedMentions.none())
            self.problems.pop(channel_id, None)
        except (discord.NotFound, NotATextChannel):
            self._problem(
                channel_id, f"status channel {channel_id} not found or not a text channel"
            )
        except discord.Forbidden:
            self._problem(channel_id, f"no permission to post in the status channel {channel_id}")
        except discord.HTTPException as exc:
            log.warning("status line not posted: %s", exc)

    # -- commands --------------------------------------------------------------------------

    @app_commands.command(name="check", description="Check MEGABOX now and show what is open")
    @app_commands.describe(watch="Only show this watch's screenings")
    @app_commands.autocomplete(watch=watch_choices)
    async def check(
        self, interaction: discord.Interaction[WatchBot], watch: str | None = None
    ) -> None:
        # Defer first: Discord allows 3 s, a check can take far longer.
        await interaction.response.defer(ephemeral=True, thinking=True)
        only = await resolve_watch(interaction, watch) if watch else None
        async with self.bot.working():  # a shutdown lets the answer go out too
            try:
                result = await self.run_check("command", wait=False)
            except CheckBusy:
                await interaction.followup.send(
                    "A check is already running. Its result will be in the status channel "
                    "shortly; try `/check` again in a minute.",
                    ephemeral=True,
                )
                return
            shown = result.for_watch(only.id) if only else result
            await answer(interaction, embed=check_embed(shown))

    @app_commands.command(name="status", description="Show the bot's health and what it watches")
    @app_commands.describe(watch="Show one watch in detail")
    @app_commands.autocomplete(watch=watch_choices)
    async def status(
        self, interaction: discord.Interaction[WatchBot], watch: str | None = None
    ) -> None:
        store = self.bot.store
        if watch:
            await show_watch(interaction, await resolve_watch(interaction, watch))
            return
        runs = await store.last_runs(1)
        latency = self.bot.latency
        embed = status_embed(
            uptime=str(self.bot.uptime),
            latency_ms=latency * 1000 if latency == latency and latency != float("inf") else None,
            last_run=runs[0] if runs else None,
            next_run=self.next_run(),
            failures=await store.consecutive_failures(),
            watches=await visible_watches(interaction),
            watch_states=await store.watch_states(),
            alerts_sent=await store.alerts_sent(),
            problems=list(self.problems.values()),
            checking=self.bot.checker.busy,
        )
        await answer(interaction, embed=embed)


async def setup(bot: WatchBot) -> None:
    await bot.add_cog(Watcher(bot))
