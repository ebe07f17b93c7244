"""The opening state machine (product.md "Opening"): plain values in, transitions out.

A screening *opens* for a watch when it goes from not matching (absent, sold out, too few
seats) to matching. One opening is one alert. It re-arms only after the screening stopped
matching, and a screening that closed less than `damping` ago and matches again is *revived*
(the earlier alert is edited back) instead of alerting again: no bursts when seats flap.
The transitions themselves are decided in one place, bot/checking/judgement.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.seats.count import SeatCount

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
    #: The seats when it last matched its watch (None: not known, e.g. an old record).
    matched: SeatCount | None = None


@dataclass(frozen=True, slots=True)
class Transition:
    key: Key
    change: Change
