"""A check seen from some watches: what one member may be shown."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import datetime
from typing import Any

import pytest

from bot.chains.base import KST, Screening
from bot.chains.megabox.models import read_screening
from bot.checking.results import CheckError, CheckResult, NewOpening, SeenScreening
from bot.seats.count import SeatCount
from bot.watches.openings import Change, Transition
from bot.watches.watch import Days, Watch

NOW = datetime(2026, 12, 3, 14, 0, tzinfo=KST)


def screening(no: str) -> Screening:
    row: dict[str, Any] = {
        "playSchdlNo": no,
        "playDe": "20261205",
        "playStartTime": "19:40",
        "playEndTime": "22:04",
        "brchNo": "1351",
        "restSeatCnt": 9,
        "movieNo": "25008000",
    }
    return read_screening(row)


COUNT = SeatCount(9, 5, 3, "F", ("F6", "F7", "F8"), 192, 4, 4, True)


def result() -> CheckResult:
    watches = tuple(
        Watch(movie_id="25008000", branches=("1351",), days=Days.parse("weekend"), id=i)
        for i in (1, 2)
    )
    both, only_two = screening("A"), screening("B")
    return CheckResult(
        trigger="command",
        started_at=NOW,
        finished_at=NOW,
        watches=watches,
        screenings=(
            SeenScreening(both, COUNT, (1, 2), (1, 2)),
            SeenScreening(only_two, COUNT, (2,), (2,)),
        ),
        openings=(NewOpening(1, both, COUNT), NewOpening(2, only_two, COUNT)),
        transitions=(
            Transition((1, "megabox:A"), Change.OPENED),
            Transition((2, "megabox:B"), Change.OPENED),
        ),
        covered=frozenset({1, 2}),
        errors=(
            CheckError(
                "timeout", "no answer", "megabox 12-05 at 4651", frozenset({"megabox:4651"})
            ),
            CheckError(
                "timeout", "no answer", "megabox 12-05 at 1351", frozenset({"megabox:1351"})
            ),
        ),
    )


def test_a_member_sees_only_their_watches() -> None:
    mine = result().for_watches({1})
    assert [w.id for w in mine.watches] == [1]
    assert [(s.screening.screening_id, s.wanted_by, s.matched_by) for s in mine.screenings] == [
        ("megabox:A", (1,), (1,))
    ]
    assert [o.watch_id for o in mine.openings] == [1]
    assert [t.key for t in mine.transitions] == [(1, "megabox:A")]
    assert mine.covered == {1}
    # Another server's branch failing is not this member's business.
    assert [e.scope for e in mine.errors] == ["megabox 12-05 at 1351"]


def test_a_result_is_frozen() -> None:
    with pytest.raises(FrozenInstanceError):
        result().requests = 3  # type: ignore[misc]
