"""Messages that are not one opening's alert — a check's new screenings of a watch, a
waiting watch that found its film — and what to do with them: plain values in, actions out.

They follow the outbox's rule (bot/delivery/outbox.py): stored before sending, with a random nonce,
'sent' only with the message id Discord returned, retried after failures and restarts,
never sent twice. Unlike an alert they describe a moment ("these screenings appeared"), so
they are never edited or expired; a DM waits for its recipient's quiet hours.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.chains.base import qualified
from bot.delivery.new_screenings import NewScreening
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
    after_send_failure,
)
from bot.delivery.recipients import TargetKind
from bot.watches.watch import Mention


@dataclass(frozen=True, slots=True)
class NewsBody:
    """A watch's new screenings of one check."""

    watch_label: str
    movie_id: str
    movie_name: str
    screenings: tuple[NewScreening, ...]

    def to_text(self) -> str:
        return json.dumps(
            {
                "watch_label": self.watch_label,
                "movie_id": self.movie_id,
                "movie_name": self.movie_name,
                "screenings": [s.to_json() for s in self.screenings],
            },
            ensure_ascii=False,
        )


@dataclass(frozen=True, slots=True)
class BoundBody:
    """A waiting watch found its film."""

    watch_label: str
    movie_id: str
    movie_name: str
    awaited: str  # what it waited for, in words

    def to_text(self) -> str:
        return json.dumps(
            {
                "watch_label": self.watch_label,
                "movie_id": self.movie_id,
                "movie_name": self.movie_name,
                "awaited": self.awaited,
            },
            ensure_ascii=False,
        )


Body = NewsBody | BoundBody


def parse_body(kind: str, text: str) -> Body:
    data: dict[str, Any] = json.loads(text)
    # Bodies stored before there were two chains: MEGABOX's names and bare numbers.
    movie_id = qualified(data.get("movie_id", data.get("movie_no", "")))
    movie_name = data.get("movie_name", data.get("movie_nm", ""))
    if kind == "new":
        return NewsBody(
            watch_label=data["watch_label"],
            movie_id=movie_id,
            movie_name=movie_name,
            screenings=tuple(NewScreening.from_json(s) for s in data["screenings"]),
        )
    return BoundBody(
        watch_label=data["watch_label"],
        movie_id=movie_id,
        movie_name=movie_name,
        awaited=data["awaited"],
    )


@dataclass(frozen=True, slots=True)
class NoticeJob:
    """A stored notice not delivered yet."""

    notice_id: int
    watch_id: int
    target_kind: TargetKind
    target_id: int
    nonce: str
    body: Body
    mentions: tuple[Mention, ...] = ()
    refusals: int = 0


# -- actions: those of bot/delivery/outbox.py, over notices ---------------------------------------

NoticeAction = Send[NoticeJob] | Record[NoticeJob] | Hold[NoticeJob]


def plan(
    jobs: Iterable[NoticeJob],
    *,
    now: datetime,
    quiet: Mapping[int, QuietHoursLike],
    posted: Mapping[str, Posted],
) -> list[NoticeAction]:
    actions: list[NoticeAction] = []
    for job in jobs:
        done = posted.get(job.nonce)
        hours = quiet.get(job.target_id)
        if done is not None:
            actions.append(Record(job, done))
        elif job.target_kind == "dm" and hours is not None and hours.contains(now):
            actions.append(Hold(job))
        else:
            actions.append(Send(job))
    return actions


def after_failure(
    job: NoticeJob, failure: Failure, *, max_refusals: int
) -> list[Retry[NoticeJob] | GiveUp[NoticeJob] | PauseDms]:
    """As for alerts (bot/delivery/outbox.py): 429/5xx retry without limit, refusals a bounded number
    of times, closed DMs pause the user's DM deliveries."""
    return after_send_failure(job, failure, max_refusals=max_refusals)
