"""bot/watches/forms.py: an edit that changes what matches starts a baseline; quiet hours are
KST clock times."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.chains.base import KST
from bot.chains.catalogue import Catalogue
from bot.chains.megabox.client import ClientOptions, MegaboxClient
from bot.watches.forms import QuietHours, WatchForm, build_watch, needs_baseline
from bot.watches.watch import Days, Mention, TimeWindow, Watch

BASE = Watch(
    movie_id="25008000",
    branches=("1351", "4651"),
    formats=frozenset({"MX4D"}),
    days=Days.parse("weekend"),
    window=TimeWindow.parse("18:00-23:00"),
    min_seats=3,
    together=True,
    id=1,
    name="coex",
)


@pytest.mark.parametrize(
    "changes",
    [
        {"movie_id": "26018900"},
        {"branches": ("1351",)},
        {"branches": ("1351", "4651", "0052")},
        {"formats": frozenset()},
        {"formats": frozenset({"MX4D", "DBC"})},
        {"days": Days.parse("all")},
        {"window": None},
        {"window": TimeWindow.parse("12:00-23:00")},
        {"min_seats": 1},
        {"min_seats": 4},
        {"together": False},
    ],
)
def test_a_change_of_what_matches_needs_a_baseline(changes: dict[str, object]) -> None:
    assert needs_baseline(BASE, replace(BASE, **changes))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"name": "renamed"},
        {"channel_id": 900_000_000_000_000_003},
        {"mention": Mention.parse("@here")},
        {"paused": True},
        {"branches": ("4651", "1351")},  # the same branches in another order
    ],
)
def test_other_changes_do_not(changes: dict[str, object]) -> None:
    assert not needs_baseline(BASE, replace(BASE, **changes))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("form", "pending"),
    [
        (WatchForm(min_seats=1), True),
        (WatchForm(together=False), True),
        (WatchForm(format="any"), True),
        (WatchForm(times="any"), True),
        (WatchForm(min_seats=3), False),  # given, but the same value
        (WatchForm(name="renamed"), False),
    ],
)
def test_an_edit_sets_baseline_pending_when_it_needs_one(form: WatchForm, pending: bool) -> None:
    # Options that need no MEGABOX lists: the catalogue is never asked.
    catalogue = Catalogue(MegaboxClient(ClientOptions(base_url="http://127.0.0.1:9")))
    edited = build_watch(form, catalogue, base=BASE)
    assert edited.baseline_pending is pending


def test_quiet_hours_compare_in_kst_for_a_utc_moment() -> None:
    night = QuietHours.parse("23:00-08:00")
    # 15:30 UTC is 00:30 KST: inside the quiet hours, although 15:30 is not.
    assert night.contains(datetime(2026, 12, 2, 15, 30, tzinfo=UTC))
    assert not night.contains(datetime(2026, 12, 2, 3, 0, tzinfo=UTC))  # 12:00 KST
    assert night.contains(datetime(2026, 12, 3, 0, 30, tzinfo=KST))
