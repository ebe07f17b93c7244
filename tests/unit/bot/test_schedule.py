"""bot/checking/schedule.py: whether a check fits in the time the schedule leaves."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.chains.base import KST
from bot.checking.schedule import duration_text, overrun_warning, schedule_gap

AFTERNOON = datetime(2026, 12, 3, 14, 15, tzinfo=KST)


def test_gap_between_the_next_two_fire_times() -> None:
    assert schedule_gap("0 9-23 * * *", AFTERNOON) == timedelta(hours=1)
    assert schedule_gap("*/5 * * * *", AFTERNOON) == timedelta(minutes=5)
    # 22:30: the next two are 23:00 and 09:00 the next morning.
    late = datetime(2026, 12, 3, 22, 30, tzinfo=KST)
    assert schedule_gap("0 9-23 * * *", late) == timedelta(hours=10)


def test_a_check_longer_than_the_gap_is_called_out() -> None:
    hour = timedelta(hours=1)
    assert overrun_warning(timedelta(minutes=59), hour) is None
    assert overrun_warning(hour, hour) is None
    assert overrun_warning(timedelta(hours=2), None) is None
    text = overrun_warning(timedelta(minutes=75), hour)
    assert text is not None
    assert "took 1 h 15 min, longer than the 1 h the schedule leaves" in text
    assert "CHECK_SCHEDULE" in text


def test_durations_read_short() -> None:
    assert duration_text(timedelta(seconds=3.14)) == "3.1 s"
    assert duration_text(timedelta(minutes=12, seconds=5)) == "12 min 5 s"
    assert duration_text(timedelta(minutes=5)) == "5 min"
    assert duration_text(timedelta(hours=2)) == "2 h"
