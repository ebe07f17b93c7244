"""The opening state machine (product.md "Opening"): plain values in, transitions out.

A screening *opens* for a watch when it goes from not matching (absent, sold out, too few
seats) to matching. One opening is one alert. It re-arms only after the screening stopped
matching, and a screening that closed less than `damping` ago and matches again is *revived*
(the earlier alert is edited back) instead of alerting again: no bursts when seats flap.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

#: (watch id, playSchdlNo)
Key = tuple[int, str]


class Change(StrEnum):
    OPENED = "opened"  # new alert
    REVIVED = "revived"  # matching again within the damping time: no new alert
    BASELINE = "baseline"  # a new watch's first check: remember, don't alert
    CLOSED = "closed"  # stopped matching (sold out, fewer seats, gone from an open date)
    UNWATCHED = "unwatched"  # the watch was changed and no longer wants it: seats may be free
    STARTED = "started"  # the screening began: nothing more to watch


@dataclass(frozen=True, slots=True)
class OpeningState:
    """The latest opening of one key, as stored."""

    open: bool
    closed_at: datetime | None
    starts_at: datetime


@dataclass(frozen=True, slots=True)
class Transition:
    key: Key
    change: Change


def advance(
    states: Mapping[Key, OpeningState],
    matching: Collection[Key],
    observed: Callable[[Key], bool],
    *,
    baseline_watches: Collection[int],
    now: datetime,
    damping: timedelta,
    unwatched: Collection[Key] = (),
) -> list[Transition]:
    """Compare this check's matches with the stored states.

    `observed(key)` says whether this check saw the screening's branch and date: a key we
    could not look at (a failed request) keeps its state, so a failure never closes or
    re-opens anything. A key in `unwatched` stopped matching because its watch was changed,
    not because seats went: it closes as such, so nobody is told "sold out".
    """
    out: list[Transition] = []
    for key in sorted(matching):
        state = states.get(key)
        if state is not None and state.open:
            continue
        if key[0] in baseline_watches:
            out.append(Transition(key, Change.BASELINE))
        elif state is not None and state.closed_at is not None and now - state.closed_at < damping:
            out.append(Transition(key, Change.REVIVED))
        else:
            out.append(Transition(key, Change.OPENED))
    for key, state in sorted(states.items()):
        if not state.open or key in matching:
            continue
        if state.starts_at <= now:
            out.append(Transition(key, Change.STARTED))
        elif key in unwatched:
            out.append(Transition(key, Change.UNWATCHED))
        elif observed(key):
            out.append(Transition(key, Change.CLOSED))
    return out
