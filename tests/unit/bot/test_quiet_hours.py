"""Quiet hours are KST clock times, whatever time zone the moment comes in."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.megabox.models import KST
from bot.watch_forms import QuietHours


def test_quiet_hours_compare_in_kst_for_a_utc_moment() -> None:
    night = QuietHours.parse("23:00-08:00")
    # 15:30 UTC is 00:30 KST: inside the quiet hours, although 15:30 is not.
    assert night.contains(datetime(2026, 12, 2, 15, 30, tzinfo=UTC))
    assert not night.contains(datetime(2026, 12, 2, 3, 0, tzinfo=UTC))  # 12:00 KST
    assert night.contains(datetime(2026, 12, 3, 0, 30, tzinfo=KST))
