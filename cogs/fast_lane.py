"""The fast lane's loop: runs bot/checking/lane_runner.py between scheduled checks and says in the
status channel when it backs off (once) and when it works again (once). No line per poll:
its findings are alerts, delivered by the watcher like any others."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from discord.ext import commands

from bot import i18n
from bot.chains.base import KST, native
from bot.checking.fast_lane import LanePolicy
from bot.checking.lane_runner import LaneRunner, Tick
from bot.i18n import _
from cogs.common import watcher_cog

if TYPE_CHECKING:
    from bot.app import WatchBot

log = logging.getLogger(__name__)

#: However due things are, the loop looks at most this often and at least this rarely.
_MIN_SLEEP = 5.0
_MAX_SLEEP = 60.0


class FastLane(commands.Cog):
    def __init__(self, bot: WatchBot) -> None:
        self.bot = bot
        self.runner = LaneRunner(
            bot.checker,
            LanePolicy(requests_per_hour=bot.settings.fast_lane_requests_per_hour),
            horizon_days=bot.settings.horizon_days,
        )
        self._ticking = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._forever(), name="fast-lane")

    async def cog_unload(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            # A poll stores each part in one transaction: cancelling it loses nothing.
            task.cancel()
            await asyncio.wait([task])

    async def _forever(self) -> None:
        await self.bot.wait_until_ready()
        while not self.bot.stopping:
            sleep = _MAX_SLEEP
            try:
                done = await self.tick()
                if done.next_at is not None:
                    left = (done.next_at - self.bot.checker.clock()).total_seconds()
                    sleep = min(max(left, _MIN_SLEEP), _MAX_SLEEP)
            except Exception:
                log.exception("fast lane tick crashed; trying again in a minute")
            await asyncio.sleep(sleep)

    async def tick(self) -> Tick:
        """One look: poll what is due, hand alerts to delivery, report a backing-off."""
        async with self._ticking:
            watcher = watcher_cog(self.bot)
            done = await self.runner.tick(on_progress=watcher.alerts_stored)
            if done.result is not None:
                watcher.wake()  # closings and revivals need their edits too
            with i18n.using(watcher.status_language()):  # the status channel's server's
                if done.backed_off:
                    text = _(
                        "🐢 Fast lane paused: MEGABOX answered {answer}. It waits {wait} (longer "
                        "if it happens again) and says when it works again; scheduled checks go "
                        "on as usual."
                    ).format(answer=_words(done.backed_off), wait=self.runner.backoff.wait_text())
                elif done.recovered:
                    text = _("✅ Fast lane resumed: MEGABOX answers its polls again.")
                else:
                    text = ""
            if text:
                await watcher.status(text)
            return done

    def summary(self, watch_ids: set[int]) -> str | None:
        """`/status`: the cadence, requests per hour and what it watches closely, for these
        watches; None when none of them is in the fast lane."""
        plan = self.runner.last_plan
        now = self.bot.checker.clock()
        spent = self.runner.requests_last_hour(now)
        budget = self.runner.policy.requests_per_hour
        head = _("{n} MEGABOX requests in the last hour (budget {budget})").format(
            n=spent, budget=budget
        )
        if self.runner.backoff.active(now):
            until = self.runner.backoff.until
            assert until is not None
            head = _("🐢 backing off after {answer} until {until} · {head}").format(
                answer=_words(self.runner.backoff.reason),
                until=f"<t:{int(until.timestamp())}:t>",
                head=head,
            )
        if plan is None:
            return _("on, waiting for its first look · {head}").format(head=head)
        mine = [c for c in plan.watched if set(c.watch_ids) & watch_ids]
        if not mine:
            return None
        fastest = min(c.every for c in mine) * plan.stretch
        slowest = max(c.every for c in mine) * plan.stretch
        span = (
            _minutes(fastest) if fastest == slowest else f"{_minutes(fastest)}–{_minutes(slowest)}"
        )
        lines = [_("every {span} · {head}").format(span=span, head=head)]
        for close in mine[:3]:
            start = close.starts_at.astimezone(KST)
            lines.append(
                "• "
                + _("{when} at {branch}: every {every} ({why})").format(
                    when=i18n.short_day_time(start.date(), f"{start:%H:%M}"),
                    branch=native(close.branch_id),  # the chain's own code, as elsewhere
                    every=_minutes(close.every * plan.stretch),
                    why=close.why,
                )
            )
        return "\n".join(lines)


def _minutes(delta: timedelta) -> str:
    minutes = delta.total_seconds() / 60
    if minutes >= 1:
        return _("{minutes} min").format(minutes=f"{minutes:.0f}")
    return _("{seconds} s").format(seconds=f"{delta.total_seconds():.0f}")


def _words(kind: str) -> str:
    return {
        "rate-limited": _("429 (too many requests)"),
        "blocked": _("403 (it refused us)"),
        "overloaded": '"Workload is so high"',
    }.get(kind, kind)


async def setup(bot: WatchBot) -> None:
    await bot.add_cog(FastLane(bot))
