"""The opening state machine on plain values."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.megabox.models import KST
from bot.openings import Change, OpeningState, advance

NOW = datetime(2026, 12, 3, 14, 0, tzinfo=KST)
LATER = NOW + timedelta(days=2)
KEY = (1, "2612051351045")


def step(
    states: dict[tuple[int, str], OpeningState],
    matching: set[tuple[int, str]],
    **kw: object,
) -> list[Change]:
    return [
        t.change
        for t in advance(
            states,
            matching,
            kw.pop("observed", lambda key: True),  # type: ignore[arg-type]
            baseline_watches=kw.pop("baseline", ()),  # type: ignore[arg-type]
            now=NOW,
            damping=timedelta(minutes=30),
            unwatched=kw.pop("unwatched", ()),  # type: ignore[arg-type]
        )
    ]


def test_a_new_match_opens_and_a_baseline_watch_only_remembers() -> None:
    assert step({}, {KEY}) == [Change.OPENED]
    assert step({}, {KEY}, baseline={1}) == [Change.BASELINE]


def test_an_open_key_closes_only_when_looked_at() -> None:
    open_state = {KEY: OpeningState(True, None, LATER)}
    assert step(open_state, set()) == [Change.CLOSED]
    assert step(open_state, set(), observed=lambda key: False) == []
    assert step(open_state, {KEY}) == []


def test_an_unwatched_key_closes_as_such_not_as_sold_out() -> None:
    open_state = {KEY: OpeningState(True, None, LATER)}
    assert step(open_state, set(), unwatched={KEY}) == [Change.UNWATCHED]
    # Even where the check could not look: the watch changed, not the seats.
    assert step(open_state, set(), unwatched={KEY}, observed=lambda key: False) == [
        Change.UNWATCHED
    ]


def test_flapping_within_the_damping_revives_instead_of_alerting_again() -> None:
    closed = {KEY: OpeningState(False, NOW - timedelta(minutes=10), LATER)}
    assert step(closed, {KEY}) == [Change.REVIVED]
    long_ago = {KEY: OpeningState(False, NOW - timedelta(hours=2), LATER)}
    assert step(long_ago, {KEY}) == [Change.OPENED]


def test_a_started_screening_ends_its_opening() -> None:
    started = {KEY: OpeningState(True, None, NOW - timedelta(minutes=1))}
    assert step(started, set(), unwatched={KEY}) == [Change.STARTED]
