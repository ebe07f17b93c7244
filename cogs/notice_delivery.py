"""Delivering notices (new screenings, a film found) for the watcher cog: the decisions are
bot/delivery/notices.py's, the words cogs/render_news.py's; this only executes them."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

import discord

from bot import i18n
from bot.delivery import notices
from bot.delivery.notices import NoticeJob
from bot.delivery.outbox import (
    Failure,
    GiveUp,
    Hold,
    PauseDms,
    Posted,
    QuietHoursLike,
    Record,
    Retry,
    Send,
)
from bot.i18n import _
from cogs.render import safe, where
from cogs.render_news import notice_message

if TYPE_CHECKING:
    from bot.app import WatchBot

log = logging.getLogger(__name__)


class Watcher(Protocol):
    """What notice delivery needs of the cog that runs it (cogs/watcher.py): its bot, where
    to send, how a failure reads, and the status channel. A protocol, so this module does
    not import the watcher cog that imports it."""

    bot: WatchBot
    posted_notices: dict[str, Posted]
    problems: dict[int, str]
    dms_closed_text: str

    @property
    def status_channel_id(self) -> int: ...

    def failure(self, what: str, exc: Exception) -> Failure: ...

    async def target(self, kind: str, target_id: int) -> discord.abc.Messageable: ...

    def note_problem(self, target_id: int, text: str) -> None: ...

    async def status(self, text: str) -> None: ...


async def deliver_notices(
    watcher: Watcher, now: datetime, quiet: Mapping[int, QuietHoursLike]
) -> int:
    """One round over the stored notices; returns how many were sent."""
    store = watcher.bot.store
    jobs = await store.notice_jobs()
    nonces = {job.nonce for job in jobs}
    posted = watcher.posted_notices
    for nonce in [n for n in posted if n not in nonces]:
        del posted[nonce]
    done = 0
    for action in notices.plan(jobs, now=now, quiet=quiet, posted=posted):
        match action:
            case Send(job):
                done += await _send(watcher, job, now)
            case Record(job, sent):
                await _record(watcher, job, sent, now)
            case Hold(job):
                log.debug("notice %s held for quiet hours", job.notice_id)
    return done


async def _send(watcher: Watcher, job: NoticeJob, now: datetime) -> int:
    try:
        target = await watcher.target(job.target_kind, job.target_id)
        # The same nonce on every try: Discord answers a repeat with the stored message.
        with i18n.using(watcher.bot.target_language(job.target_kind, job.target_id)):
            kwargs = notice_message(job.body, job.mentions)
        message = await target.send(**kwargs, nonce=job.nonce)
    except Exception as exc:
        await _failed(watcher, job, watcher.failure(f"notice {job.notice_id}", exc))
        return 0
    sent = Posted(message.id, message.channel.id, True)
    watcher.posted_notices[job.nonce] = sent
    watcher.problems.pop(job.target_id, None)
    log.info("notice %s delivered to %s %s", job.notice_id, job.target_kind, job.target_id)
    await _record(watcher, job, sent, now)
    return 1


async def _record(watcher: Watcher, job: NoticeJob, sent: Posted, now: datetime) -> None:
    try:
        await watcher.bot.store.mark_notice_sent(
            job.notice_id, message_id=sent.message_id, channel_id=sent.channel_id, now=now
        )
    except Exception:
        # Discord has it; the next round records it (after a restart the nonce returns it).
        log.exception("notice %s was delivered but not recorded", job.notice_id)
        return
    watcher.posted_notices.pop(job.nonce, None)


async def _failed(watcher: Watcher, job: NoticeJob, failure: Failure) -> None:
    store = watcher.bot.store
    limit = watcher.bot.settings.alert_max_refusals
    to = where(job.target_kind, job.target_id)
    why = f"{failure.status} {failure.text}" if failure.status else failure.text
    for step in notices.after_failure(job, failure, max_refusals=limit):
        match step:
            case Retry():
                log.warning("notice %s not delivered yet: %s", job.notice_id, failure.text)
                await store.mark_notice_failed(job.notice_id, failure.text, refused=step.refused)
            case GiveUp():
                await store.mark_notice_failed(
                    job.notice_id, failure.text, refused=True, give_up=True
                )
                if step.report:
                    watcher.note_problem(
                        job.target_id,
                        _("messages to {target} refused: {why}").format(target=to, why=why),
                    )
                    with i18n.using(watcher.bot.channel_language(watcher.status_channel_id)):
                        text = _(
                            "🚫 Gave up delivering the {what} of watch {watch} to {target}: {why}."
                        ).format(
                            what=_what(job),
                            watch=safe(job.body.watch_label),
                            target=where(job.target_kind, job.target_id),
                            why=safe(why),
                        )
                    await watcher.status(text)
            case PauseDms(user_id):
                await store.pause_dm_deliveries(user_id, watcher.dms_closed_text)


def _what(job: NoticeJob) -> str:
    if isinstance(job.body, notices.NewsBody):
        return _("new-screenings message")
    return _("film notice")
