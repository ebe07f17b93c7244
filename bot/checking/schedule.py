"""Whether a full check fits in the time `CHECK_SCHEDULE` leaves between two checks.

The scheduler runs one check at a time (`max_instances=1`, `coalesce=True` in the watcher
cog), so a check that outlasts the gap makes the next one start late or be skipped: more
watches, not MEGABOX, are then the reason openings are seen late.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger

from bot.chains.base import KST
from bot.i18n import _


def schedule_gap(schedule: str, after: datetime) -> timedelta | None:
    """The time between the next two fire times of the cron `schedule` after `after`;
    None if it does not fire twice more."""
    trigger = CronTrigger.from_crontab(schedule, timezone=KST)
    # APScheduler 3 is untyped: name what it returns.
    first: datetime | None = trigger.get_next_fire_time(None, after)
    if first is None:
        return None
    second: datetime | None = trigger.get_next_fire_time(first, first)
    if second is None:
        return None
    return second - first


def overrun_warning(took: timedelta, gap: timedelta | None) -> str | None:
    """One sentence when a check took longer than the gap, else None."""
    if gap is None or took <= gap:
        return None
    return _(
        "⚠️ The last check took {took}, longer than the {gap} the schedule leaves between "
        "checks, so the next one starts late or is skipped. Narrow or remove watches, or check "
        "less often (`CHECK_SCHEDULE`)."
    ).format(took=duration_text(took), gap=duration_text(gap))


def duration_text(span: timedelta) -> str:
    """ "3.1 s", "12 min 5 s", "2 h 5 min": short, for a status field."""
    seconds = span.total_seconds()
    if seconds < 60:
        return _("{seconds} s").format(seconds=f"{seconds:.1f}")
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        if secs:
            return _("{minutes} min {seconds} s").format(minutes=minutes, seconds=secs)
        return _("{minutes} min").format(minutes=minutes)
    hours, minutes = divmod(minutes, 60)
    if minutes:
        return _("{hours} h {minutes} min").format(hours=hours, minutes=minutes)
    return _("{hours} h").format(hours=hours)
