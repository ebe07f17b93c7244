"""The watcher cog: the scheduled check, alert delivery from the outbox and the status
channel (`/check` and `/status` live in cogs/inspect.py). It translates; every decision is
made in `bot/` (what to deliver and what a failure means: bot/delivery/outbox.py).

Delivery runs in its own long-lived task, woken when a check stores alerts and every minute
for retries: a check never waits on Discord, so a slow Discord neither delays MEGABOX checks
nor makes `/check` say "busy".
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

import aiohttp
import discord
from apscheduler.triggers.cron import CronTrigger
from discord.ext import commands
from discord.utils import escape_markdown

from bot import i18n
from bot.chains.base import KST
from bot.checking.checker import CheckResult
from bot.checking.report import failure_kind, status_line
from bot.delivery import outbox
from bot.delivery.outbox import AlertJob, Failure, FailureKind, GiveUp, Posted
from bot.drawing.queue import DrawingBusy
from bot.i18n import N_, _, ngettext
from bot.memory import release_free_memory
from bot.seats.picture import picture
from bot.seats.prefs import remind_text
from bot.watches.forms import QuietHours
from cogs.notice_delivery import deliver_notices
from cogs.render import (
    BookedButton,
    alert_message,
    day_text,
    picture_name,
    reminder_message,
    safe,
    where,
)

if TYPE_CHECKING:
    from bot.app import WatchBot

log = logging.getLogger(__name__)

JOB_ID = "megabox-check"
#: Stored in English and worded when shown (cogs/common.py answer), in the reader's language.
_DMS_CLOSED = N_(
    "I couldn't send you an alert by DM (Discord refused it: your DMs are closed), so your "
    "DM alerts are paused. Allow direct messages from this server's members, then run "
    "`/subscribe` again (and `/watch resume` for your personal watches)."
)
_FAILURE_REPORTED_KEY = "failure_reported"
#: A failed send (429, 5xx, a refusal under the bound) is tried again this often.
RETRY_SECONDS = 60.0
#: How long an unload outside a shutdown lets the outbox deliver what is stored.
_UNLOAD_FLUSH_SECONDS = 5.0


class NotATextChannel(Exception):
    """The configured id names a category, voice channel or the like."""


class Watcher(commands.Cog):
    def __init__(self, bot: WatchBot) -> None:
        self.bot = bot
        #: Channel or user id → what is wrong with delivering there; shown by /status.
        self.problems: dict[int, str] = {}
        self._round = asyncio.Lock()  # one delivery round at a time
        self._wake = asyncio.Event()
        self._asked = 0  # wake-ups so far
        self._served = 0  # wake-ups that a finished round started after
        self._rounds = asyncio.Condition()
        #: nonce → a message Discord accepted whose sending the store failed to record; the
        #: next round records it instead of sending again.
        self._posted: dict[str, Posted] = {}
        self._delivery: asyncio.Task[None] | None = None
        #: The same for notices (cogs/notice_delivery.py).
        self.posted_notices: dict[str, Posted] = {}
        self.dms_closed_text = _DMS_CLOSED

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(BookedButton)  # alerts' buttons work after a restart
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
        self._delivery = asyncio.get_running_loop().create_task(
            self._deliver_forever(), name="alert-delivery"
        )
        self.wake()  # what a restart left pending

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(BookedButton)
        if self.bot.scheduler.get_job(JOB_ID):
            self.bot.scheduler.remove_job(JOB_ID)
        await self._stop_delivery()

    def next_run(self) -> datetime | None:
        job = self.bot.scheduler.get_job(JOB_ID)
        return job.next_run_time if job is not None else None

    # -- checks ----------------------------------------------------------------------------

    async def scheduled_check(self) -> None:
        try:
            await self.run_check("schedule")
        except asyncio.CancelledError:
            if not self.bot.stopping:
                raise
            # Abandoned by a shutdown: it stored nothing half-way, and the next start checks
            # again. Ending quietly keeps APScheduler from logging it as a crash.
            log.info("the scheduled check was abandoned for the shutdown")
        except Exception:
            log.exception("scheduled check crashed")

    async def run_check(
        self, trigger: str, *, wait: bool = True, only: Collection[int] | None = None
    ) -> CheckResult:
        async with self.bot.working():
            # The picture worker loads while MEGABOX answers: the first alert need not wait.
            self.bot.drawing.warm()
            try:
                # Alerts go out as each part of a long check stores them, not at its end.
                result = await self.bot.checker.run(
                    trigger, wait=wait, on_progress=self.alerts_stored, only=only
                )
            finally:
                self.wake()  # closings and revivals need their edits too
            log.info("%s", status_line(result))
            await self.report(result)
            release_free_memory()  # a check's garbage goes back, not just to the heap
            return result

    async def alerts_stored(self) -> None:
        """A check's `on_progress`: what it stored goes out now, not at its end."""
        self.wake()

    # -- the delivery task -----------------------------------------------------------------

    def wake(self) -> None:
        """Alerts may be due: the delivery task runs a round as soon as it is free."""
        self._asked += 1
        self._wake.set()

    async def settle(self) -> None:
        """Until a delivery round that started after every wake-up so far has finished."""
        asked = self._asked
        async with self._rounds:
            await self._rounds.wait_for(lambda: self._served >= asked)

    async def _deliver_forever(self) -> None:
        await self.bot.wait_until_ready()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), RETRY_SECONDS)
            self._wake.clear()
            asked = self._asked
            try:
                await self.deliver()
            except Exception:
                log.exception("alert delivery crashed; retrying within a minute")
            async with self._rounds:
                self._served = asked
                self._rounds.notify_all()

    async def _stop_delivery(self) -> None:
        """Deliver what is stored while the shutdown's time allows, then stop the task."""
        task, self._delivery = self._delivery, None
        if task is None:
            return
        left = self.bot.time_to_stop()
        budget = _UNLOAD_FLUSH_SECONDS if left is None else max(left - 1.0, 0.0)
        if self.bot.is_ready() and budget > 0:
            self.wake()
            try:
                async with asyncio.timeout(budget):
                    await self.settle()
                    async with self._round:  # between rounds, not inside a database write
                        task.cancel()
            except TimeoutError:
                log.warning("Discord is slow: undelivered alerts go out after the restart")
        task.cancel()
        await asyncio.wait([task])

    # -- one delivery round ----------------------------------------------------------------

    async def deliver(self) -> int:
        """One round: send what is due, fix messages that show the wrong state, expire what
        closed undelivered; returns how many messages were sent or edited."""
        async with self._round:
            store = self.bot.store
            now = self.bot.checker.clock()
            quiet = {
                user: QuietHours.parse(f"{start}-{end}")
                for user, (start, end) in (await store.quiet_hours()).items()
            }
            jobs = await store.alert_jobs()
            # Forget accepted messages whose alert is gone (its watch was removed).
            nonces = {job.nonce for job in jobs}
            self._posted = {n: p for n, p in self._posted.items() if n in nonces}
            gave_up: list[GiveUp[AlertJob]] = []
            done = 0
            for action in outbox.plan(jobs, now=now, quiet=quiet, posted=self._posted):
                match action:
                    case outbox.Send(job):
                        done += await self._send(job, now, gave_up)
                    case outbox.Edit(job):
                        done += await self._edit(job, gave_up)
                    case outbox.Record(job, posted):
                        await self._record(job, posted, now)
                    case outbox.Expire(job):
                        await store.expire(job.alert_id)
                    case outbox.Hold(job):
                        log.debug("alert %s held for quiet hours", job.alert_id)
                    case outbox.Remind(job):
                        done += await self._remind(job, now)
                    case outbox.Silence(job):
                        if job.message_id is None:
                            await store.mark_silenced(job.alert_id)
                        else:  # its reminder: not for them either
                            await store.mark_reminded(job.alert_id, message_id=None, now=now)
            await self._report_give_ups(gave_up)
            return done + await deliver_notices(self, now, quiet)

    async def _send(self, job: AlertJob, now: datetime, gave_up: list[GiveUp[AlertJob]]) -> int:
        try:
            target = await self.target(job.target_kind, job.target_id)
            with i18n.using(self._language(job)):
                files, no_picture = await self._picture(job)
                kwargs = alert_message(
                    job.view, picture=files[0].filename if files else None, no_picture=no_picture
                )
            if files:
                kwargs["files"] = files
            # The same nonce on every try: if Discord stored an earlier try whose answer was
            # lost, it returns that message instead of posting a second one.
            message = await target.send(**kwargs, nonce=job.nonce)
        except Exception as exc:
            await self._failed(outbox.Send(job), self._failure(job, exc), gave_up)
            return 0
        posted = Posted(message.id, message.channel.id, job.open)
        self._posted[job.nonce] = posted
        self.problems.pop(job.target_id, None)
        log.info("alert %s delivered to %s %s", job.alert_id, job.target_kind, job.target_id)
        await self._record(job, posted, now)
        return 1

    async def _record(self, job: AlertJob, posted: Posted, now: datetime) -> None:
        try:
            await self.bot.store.mark_sent(
                job.alert_id,
                message_id=posted.message_id,
                channel_id=posted.channel_id,
                shown_open=posted.shown_open,
                now=now,
            )
        except Exception:
            # Discord has the message; only our note of it failed (database locked, disk
            # full). The alert stays pending and the next round records this message instead
            # of sending another (after a restart, the same nonce returns it).
            log.exception(
                "alert %s was delivered but not recorded; recording it later", job.alert_id
            )
            return
        self._posted.pop(job.nonce, None)

    async def _edit(self, job: AlertJob, gave_up: list[GiveUp[AlertJob]]) -> int:
        assert job.message_id is not None and job.channel_id is not None
        # Open again: a fresh picture; closed: none (the hall shown would be out of date).
        # In its target's language as it is now: an edit never mixes languages in one message.
        with i18n.using(self._language(job)):
            files, no_picture = await self._picture(job) if job.open else ([], None)
            kwargs = alert_message(
                job.view, picture=files[0].filename if files else None, no_picture=no_picture
            )
        kwargs["attachments"] = files
        kwargs.pop("allowed_mentions")  # an edit never pings
        try:
            partial = self.bot.get_partial_messageable(job.channel_id)
            await partial.get_partial_message(job.message_id).edit(**kwargs)
        except Exception as exc:
            await self._failed(outbox.Edit(job), self._failure(job, exc), gave_up)
            return 0
        if job.nonce in self._posted:  # sent, not recorded yet: remember what it says now
            self._posted[job.nonce] = replace(self._posted[job.nonce], shown_open=job.open)
        await self.bot.store.mark_shown(job.alert_id, shown_open=job.open)
        return 1

    def _language(self, job: AlertJob) -> str:
        return self.bot.target_language(job.target_kind, job.target_id)

    async def _picture(self, job: AlertJob) -> tuple[list[discord.File], str | None]:
        """The seat-map picture of an open alert, from the hall stored with the screening
        (painted once per seat state: a retry or an edit reuses it), and why there is none
        when it could not be had: the alert must not wait long for a picture. None at all for
        an estimate. Called in the target's language (the picture's legend speaks it)."""
        view = job.view
        if not view.open or view.layout is None:
            return [], None
        model = picture(view.layout, view.prefs, view.best_seats)
        try:
            (png,) = await self.bot.drawing.pictures([model.to_json()])
        except DrawingBusy:
            log.warning("alert %s sent without its picture: drawing queue busy", job.alert_id)
            return [], _("no picture this time (other pictures were being drawn)")
        except Exception:
            log.exception("seat picture of alert %s could not be painted", job.alert_id)
            return [], _("no picture this time (it could not be drawn)")
        return [discord.File(io.BytesIO(png), filename=picture_name(view.screening_id))], None

    async def _remind(self, job: AlertJob, now: datetime) -> int:
        """The one reminder of a still-open opening; part of it (never a new opening)."""
        assert job.remind_after is not None
        try:
            target = await self.target(job.target_kind, job.target_id)
            with i18n.using(self._language(job)):
                kwargs = reminder_message(job.view, remind_text(job.remind_after))
            message = await target.send(**kwargs, nonce=job.reminder_nonce)
        except Exception as exc:
            failure = self._failure(job, exc)
            if outbox.reminder_given_up(failure):
                log.warning("reminder of alert %s skipped: %s", job.alert_id, failure.text)
                await self.bot.store.mark_reminded(job.alert_id, message_id=None, now=now)
            else:
                log.info("reminder of alert %s not sent yet: %s", job.alert_id, failure.text)
            return 0
        await self.bot.store.mark_reminded(job.alert_id, message_id=message.id, now=now)
        log.info("reminder of alert %s delivered", job.alert_id)
        return 1

    async def _failed(
        self,
        action: outbox.Send[AlertJob] | outbox.Edit,
        failure: Failure,
        gave_up: list[GiveUp[AlertJob]],
    ) -> None:
        store = self.bot.store
        limit = self.bot.settings.alert_max_refusals
        for step in outbox.after_failure(action, failure, max_refusals=limit):
            match step:
                case outbox.Retry(job, failure):
                    log.warning("alert %s not delivered yet: %s", job.alert_id, failure.text)
                    if step.refused:
                        self.note_problem(job.target_id, _refusal_text(job, failure))
                    await store.mark_failed(job.alert_id, failure.text, refused=step.refused)
                case outbox.GiveUp(job, failure):
                    if job.message_id is None:
                        await store.mark_failed(
                            job.alert_id, failure.text, refused=True, give_up=True
                        )
                    else:  # stop trying to edit it
                        await store.mark_shown(job.alert_id, shown_open=job.open)
                    if step.report:
                        self.note_problem(job.target_id, _refusal_text(job, failure))
                        gave_up.append(step)
                case outbox.PauseDms(user_id):
                    await store.pause_dm_deliveries(user_id, _DMS_CLOSED)
                    log.info("DMs to %s are closed: their DM alerts are paused", user_id)
                case outbox.Forget(job):
                    # Someone deleted the alert: nothing left to edit.
                    await store.mark_shown(job.alert_id, shown_open=job.open)

    def _failure(self, job: AlertJob, exc: Exception) -> Failure:
        return self.failure(f"alert {job.alert_id}", exc)

    def failure(self, what: str, exc: Exception) -> Failure:
        """A Discord error as a value for bot/delivery/outbox.py; anything unexpected is our bug."""
        if isinstance(exc, discord.HTTPException):
            return outbox.http_failure(exc.status, exc.code or None, exc.text or str(exc))
        if isinstance(exc, NotATextChannel):
            return Failure(FailureKind.REFUSED, str(exc))
        if isinstance(exc, discord.RateLimited | aiohttp.ClientError | OSError | TimeoutError):
            return Failure(FailureKind.TRANSIENT, str(exc) or type(exc).__name__)
        log.error("%s cannot be rendered or sent", what, exc_info=exc)
        return Failure(FailureKind.BUG, "internal error (see the log)")

    async def target(self, kind: str, target_id: int) -> discord.abc.Messageable:
        if kind == "dm":
            return self.bot.get_user(target_id) or await self.bot.fetch_user(target_id)
        return await self._channel(target_id)

    async def _channel(self, channel_id: int) -> discord.abc.Messageable:
        channel = self.bot.get_channel(channel_id)
        if channel is None:
            channel = await self.bot.fetch_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            raise NotATextChannel(f"{channel_id} is not a text channel")
        return channel

    def note_problem(self, target_id: int, text: str) -> None:
        """What is wrong with delivering there, for /status; logged once, not per retry."""
        if self.problems.get(target_id) != text:
            log.error("%s", text)  # once per problem, not once per retry
        self.problems[target_id] = text

    async def _report_give_ups(self, gave_up: Sequence[GiveUp[AlertJob]]) -> None:
        """One status message per target that alerts were given up for in this round."""
        by_target: dict[tuple[str, int], list[GiveUp[AlertJob]]] = {}
        for step in gave_up:
            by_target.setdefault((step.job.target_kind, step.job.target_id), []).append(step)
        for steps in by_target.values():
            with i18n.using(self.status_language()):
                text = _give_up_text(steps)
            await self.status(text)

    # -- the status channel ----------------------------------------------------------------

    @property
    def status_channel_id(self) -> int:
        return self.bot.settings.status_channel_id or 0

    def status_language(self) -> str:
        return self.bot.channel_language(self.status_channel_id)

    async def report(self, result: CheckResult) -> None:
        """One line per check; one error after repeated failures, then one recovery; in the
        status channel's server's language."""
        with i18n.using(self.status_language()):
            await self._report(result)

    async def _report(self, result: CheckResult) -> None:
        await self.status(escape_markdown(status_line(result)))
        store = self.bot.store
        failures = await store.consecutive_failures()
        reported = await store.get_value(_FAILURE_REPORTED_KEY) == "1"
        threshold = self.bot.settings.failure_alert_threshold
        if failures >= threshold and not reported:
            err = result.errors[0] if result.errors else None
            detail = f"{failure_kind(err)}: {err.message}" if err else _("see the lines above")
            await self.status(
                ngettext(
                    "🚨 Checks have failed {n} time in a row ({detail}). Openings can be "
                    "missed until this recovers; I keep trying on schedule and will say when it "
                    "works again.",
                    "🚨 Checks have failed {n} times in a row ({detail}). Openings can be "
                    "missed until this recovers; I keep trying on schedule and will say when it "
                    "works again.",
                    failures,
                ).format(n=failures, detail=detail)
            )
            await store.set_value(_FAILURE_REPORTED_KEY, "1")
        elif failures == 0 and reported:
            await self.status(_("✅ Recovered: checks work again."))
            await store.set_value(_FAILURE_REPORTED_KEY, "0")

    async def status(self, text: str) -> None:
        """One line in the status channel (never pings); a missing channel is a problem."""
        channel_id = self.bot.settings.status_channel_id
        if channel_id is None:
            return
        try:
            channel = await self._channel(channel_id)
            await channel.send(text[:2000], allowed_mentions=discord.AllowedMentions.none())
            self.problems.pop(channel_id, None)
        except (discord.NotFound, NotATextChannel):
            self.note_problem(
                channel_id, f"status channel {channel_id} not found or not a text channel"
            )
        except discord.Forbidden:
            self.note_problem(
                channel_id, f"no permission to post in the status channel {channel_id}"
            )
        except discord.HTTPException as exc:
            log.warning("status line not posted: %s", exc)


# -- words for delivery problems ---------------------------------------------------------------


def _refusal_text(job: AlertJob, failure: Failure) -> str:
    """Why Discord refuses delivering to this target, for /status and the log."""
    why = f"{failure.status} {failure.text}" if failure.status else failure.text
    return _("alerts to {target} refused: {why}").format(
        target=where(job.target_kind, job.target_id), why=why
    )


def _fix(job: AlertJob, failure: Failure) -> str:
    """What a person can do about it."""
    if failure.kind is FailureKind.BUG:
        return _("This is a bug in the bot: please report it with the log.")
    if job.target_kind == "dm":
        return _("The user may have left, or blocked the bot.")
    if failure.status == 403:
        return _(
            "Give me View Channel, Send Messages and Embed Links in {channel}, or move the "
            "watch with `/watch edit channel:`."
        ).format(channel=f"<#{job.target_id}>")
    if failure.status == 404 or failure.status is None:
        return _(
            "Pick an existing text channel with `/watch edit channel:` (or fix ALERT_CHANNEL_ID "
            "in .env for watches without a channel of their own)."
        )
    return _("Discord rejected the message itself: this is likely a bug; please report it.")


def _give_up_text(steps: Sequence[GiveUp[AlertJob]]) -> str:
    first = steps[0]
    job, failure = first.job, first.failure
    alerts = ", ".join(
        f"#{s.job.alert_id} ({safe(s.job.view.movie_name)} · {day_text(s.job.view.play_date)} "
        f"{s.job.view.start_clock} · {safe(s.job.view.branch_name)})"
        for s in steps
    )
    if job.message_id is not None:
        what = ngettext("an edit of alert", "an edit of alerts", len(steps))
    else:
        what = ngettext("alert", "alerts", len(steps))
    if failure.kind is FailureKind.BUG:
        reason = _("it could not be rendered or sent (an internal error, see the log)")
    else:
        tries = ngettext("once", "{n} times", first.tries).format(n=first.tries)
        if failure.status is None:  # not a text channel: Discord was never asked
            reason = _("it could not be posted there, {tries} ({error})").format(
                tries=tries, error=safe(failure.text)
            )
        else:
            reason = _("Discord refused it {tries} ({status} {error})").format(
                tries=tries, status=failure.status, error=safe(failure.text)
            )
    return _(
        "🚫 Gave up delivering {what} {alerts} to {target}: {reason}. {fix} New alerts there "
        "will be tried again."
    ).format(
        what=what,
        alerts=alerts,
        target=where(job.target_kind, job.target_id),
        reason=reason,
        fix=_fix(job, failure),
    )


async def setup(bot: WatchBot) -> None:
    await bot.add_cog(Watcher(bot))
