"""What to do with the alerts outbox: plain values in, a list of actions out.

The store hands over every alert that needs attention (`AlertJob`); `plan` decides for each
whether to send it, edit its message (it shows the wrong open/closed state), record a message
Discord already accepted, hold it for the recipient's quiet hours, or expire it (its opening
closed before delivery). When Discord refuses, `after_failure` decides: retry (429, 5xx, no
answer: without limit), retry a bounded number of times (400, 403, 404: a refusal that only a
person can fix), give up and say so, or pause a user's DMs (Discord refuses DMs to them).
The watcher cog executes the actions and turns them into words; nothing here knows Discord.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Generic, Protocol, TypeVar

from bot.delivery.recipients import TargetKind, without_users
from bot.seats.layout import SeatLayout
from bot.seats.prefs import SeatPrefs, fit
from bot.watches.watch import Mention


@dataclass(frozen=True, slots=True)
class AlertView:
    """Everything an alert message shows: one screening's opening, open or closed."""

    screening_id: str
    movie_name: str
    branch_id: str
    branch_name: str
    hall_name: str
    format: str | None
    play_date: date
    start_clock: str  # "HH:MM"; MEGABOX writes times past midnight as "24:40"
    end_clock: str
    free_seats: int  # MEGABOX's count, wheelchair seats included
    usable: int | None  # None: no seat map was read
    total: int | None
    best_block: int | None
    best_row: str | None
    exact: bool  # False: `usable` is an estimate
    opened_at: datetime
    closed_at: datetime | None = None
    close_reason: str | None = None  # closed | started | unwatched (openings.Change)
    mentions: tuple[Mention, ...] = ()
    #: The hall as last read (None: the last count was an estimate, so no picture).
    layout: SeatLayout | None = field(default=None, compare=False, repr=False)
    #: The watch's seat preferences and need: the picture and best block follow them.
    prefs: SeatPrefs = field(default_factory=SeatPrefs)
    min_seats: int = 1
    together: bool = False
    #: Usable seats the preferences allow (None: the watch has none, or no seat map).
    allowed: int | None = None
    best_seats: tuple[str, ...] = ()
    #: The film (qualified): a chain without a link to one screening books by film (Lotte).
    movie_id: str = ""
    #: No seat map was read: restSeatCnt alone proved `usable` (a lower bound) enough.
    from_count: bool = False

    @property
    def open(self) -> bool:
        return self.closed_at is None

    def by_preference(self) -> AlertView:
        """The best block and allowed seats by the watch's preferences, from the stored hall
        (the screening row holds the hall's own best block, for any watch)."""
        if self.layout is None or not self.prefs.active:
            return self
        found = fit(self.layout, self.prefs, self.min_seats, self.together)
        return replace(
            self,
            allowed=found.allowed,
            best_block=len(found.block),
            best_row=found.block[0].row if found.block else None,
            best_seats=tuple(s.label for s in found.block),
        )


@dataclass(frozen=True, slots=True)
class AlertJob:
    """An alert that needs attention: not delivered yet, or its message shows the wrong
    state. `nonce` is random per alert, so Discord's nonce dedupe never swallows a new alert
    whose row id SQLite reused."""

    alert_id: int
    watch_id: int
    target_kind: TargetKind
    target_id: int  # channel id, or user id for a DM
    nonce: str
    view: AlertView
    message_id: int | None = None  # None: no message recorded yet
    channel_id: int | None = None  # where the message landed (a DM channel too)
    shown_open: bool | None = None  # what the message says now
    refusals: int = 0  # permanent refusals so far (400, 403, 404)
    #: Users who pressed "Booked / not for me" on this screening: no DM, no mention.
    silenced: frozenset[int] = frozenset()
    remind_after: timedelta | None = None  # the watch's reminder delay (None: off)
    reminded: bool = False  # its one reminder went out (or was skipped)
    #: Reminders count from the later of the alert's delivery and the watch's `remind`
    #: being set: a DM held by quiet hours is not followed at once by "still open".
    remind_from: datetime | None = None

    @property
    def open(self) -> bool:
        return self.view.open

    @property
    def reminder_nonce(self) -> str:
        return f"{self.nonce}-r"

    def reminder_due(self, now: datetime) -> bool:
        return (
            self.remind_after is not None
            and not self.reminded
            and self.message_id is not None
            and self.open
            and bool(self.shown_open)
            and self.remind_from is not None
            and now >= self.remind_from + self.remind_after
        )


@dataclass(frozen=True, slots=True)
class Posted:
    """A message Discord accepted for an alert, remembered until the store has recorded it."""

    message_id: int
    channel_id: int
    shown_open: bool


class QuietHoursLike(Protocol):
    def contains(self, moment: datetime) -> bool: ...


class Deliverable(Protocol):
    """What every stored message (an alert, a notice in bot/delivery/notices.py) has for delivery."""

    @property
    def target_kind(self) -> TargetKind: ...
    @property
    def target_id(self) -> int: ...
    @property
    def nonce(self) -> str: ...
    @property
    def refusals(self) -> int: ...


J = TypeVar("J", bound=Deliverable)


# -- actions ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Send(Generic[J]):
    job: J


@dataclass(frozen=True, slots=True)
class Edit:
    """Make the message say what `job.view` says (open again, sold out, started…)."""

    job: AlertJob


@dataclass(frozen=True, slots=True)
class Record(Generic[J]):
    """Discord has the message already (the store failed to note it): only note it now."""

    job: J
    posted: Posted


@dataclass(frozen=True, slots=True)
class Expire:
    """The opening closed before anything was sent: nothing true is left to say."""

    job: AlertJob


@dataclass(frozen=True, slots=True)
class Hold(Generic[J]):
    """Quiet hours: the DM waits (an alert expires if the seats go first)."""

    job: J


@dataclass(frozen=True, slots=True)
class Remind:
    """The opening is still open after the watch's reminder delay: one reminder, part of
    the same opening (never a new one)."""

    job: AlertJob


@dataclass(frozen=True, slots=True)
class Silence:
    """Its recipient said "booked / not for me": the DM (or its reminder) is not sent."""

    job: AlertJob


class FailureKind(StrEnum):
    TRANSIENT = "transient"  # 429, 5xx, no answer: retried without limit
    REFUSED = "refused"  # 400, 403, 404, not a text channel: retried a bounded number of times
    BUG = "bug"  # our own error (e.g. rendering): retrying cannot help


@dataclass(frozen=True, slots=True)
class Failure:
    kind: FailureKind
    text: str
    status: int | None = None  # the HTTP status Discord answered with
    code: int | None = None  # Discord's JSON error code (50013 Missing Permissions, …)


def http_failure(status: int, code: int | None, text: str) -> Failure:
    """Discord's answer as a failure: 429 and 5xx pass, other 4xx need a person to act."""
    transient = status == 429 or status >= 500
    kind = FailureKind.TRANSIENT if transient else FailureKind.REFUSED
    return Failure(kind, text, status, code)


@dataclass(frozen=True, slots=True)
class Retry(Generic[J]):
    job: J
    failure: Failure

    @property
    def refused(self) -> bool:
        """Counts toward the bound (a transient failure does not)."""
        return self.failure.kind is FailureKind.REFUSED


@dataclass(frozen=True, slots=True)
class GiveUp(Generic[J]):
    """Stop trying this message (or this edit); `report`: say so once in the status channel."""

    job: J
    failure: Failure
    tries: int
    report: bool = True


@dataclass(frozen=True, slots=True)
class PauseDms:
    """Discord refuses DMs to this user: pause their DM alerts and tell them once."""

    user_id: int


@dataclass(frozen=True, slots=True)
class Forget:
    """The message to edit is gone (deleted): nothing left to fix."""

    job: AlertJob


Action = Send[AlertJob] | Edit | Record[AlertJob] | Expire | Hold[AlertJob] | Remind | Silence
Step = Retry[AlertJob] | GiveUp[AlertJob] | PauseDms | Forget


def plan(
    jobs: Iterable[AlertJob],
    *,
    now: datetime,
    quiet: Mapping[int, QuietHoursLike],
    posted: Mapping[str, Posted],
) -> list[Action]:
    """One delivery round: what to do with each alert, in the store's order.

    `quiet`: user id → their quiet hours; `posted`: nonce → a message Discord accepted
    that the store has not recorded yet (the cog remembers those).
    """
    actions: list[Action] = []
    for job in jobs:
        if job.silenced:
            # Whoever silenced this screening is not pinged by a later alert or reminder.
            job = replace(
                job, view=replace(job.view, mentions=without_users(job.view.mentions, job.silenced))
            )
        silenced = job.target_kind == "dm" and job.target_id in job.silenced
        if job.message_id is not None:
            if job.shown_open != job.open:
                actions.append(Edit(job))
            elif job.reminder_due(now):
                if silenced:
                    actions.append(Silence(job))
                elif job.target_kind == "dm" and _quiet(quiet.get(job.target_id), now):
                    actions.append(Hold(job))
                else:
                    actions.append(Remind(job))
            continue
        done = posted.get(job.nonce)
        if done is not None:
            actions.append(Record(job, done))
            if done.shown_open != job.open:
                shown = replace(
                    job,
                    message_id=done.message_id,
                    channel_id=done.channel_id,
                    shown_open=done.shown_open,
                )
                actions.append(Edit(shown))
        elif not job.open:
            actions.append(Expire(job))
        elif silenced:
            actions.append(Silence(job))
        elif job.target_kind == "dm" and _quiet(quiet.get(job.target_id), now):
            actions.append(Hold(job))
        else:
            actions.append(Send(job))
    return actions


def after_failure(
    action: Send[AlertJob] | Edit | Remind, failure: Failure, *, max_refusals: int
) -> list[Step]:
    """What a failed send, edit or reminder of an alert leads to: a send as any stored
    message (`after_send_failure`); an edit whose message is gone is forgotten."""
    if isinstance(action, Send):
        return list(after_send_failure(action.job, failure, max_refusals=max_refusals))
    job = action.job
    if isinstance(action, Edit) and failure.kind is not FailureKind.BUG and failure.status == 404:
        return [Forget(job)]  # someone deleted the alert (or its channel)
    if failure.kind is FailureKind.TRANSIENT:
        return [Retry(job, failure)]
    tries = job.refusals + 1
    if failure.kind is FailureKind.BUG or tries >= max_refusals:
        return [GiveUp(job, failure, tries)]
    return [Retry(job, failure)]


def after_send_failure(
    job: J, failure: Failure, *, max_refusals: int
) -> list[Retry[J] | GiveUp[J] | PauseDms]:
    """What a failed send leads to, for any stored message. `max_refusals`: permanent
    refusals (400, 403, 404) it gets before it is given up; transient failures never count."""
    tries = job.refusals + 1
    if failure.kind is FailureKind.BUG:
        return [GiveUp(job, failure, tries)]
    if failure.kind is FailureKind.TRANSIENT:
        return [Retry(job, failure)]
    if job.target_kind == "dm" and failure.status == 403:
        # Closed DMs (50007): retrying would not help; the user hears of it once, not the
        # status channel.
        return [PauseDms(job.target_id), GiveUp(job, failure, tries, report=False)]
    if tries >= max_refusals:
        return [GiveUp(job, failure, tries)]
    return [Retry(job, failure)]


def _quiet(hours: QuietHoursLike | None, now: datetime) -> bool:
    return hours is not None and hours.contains(now)


def reminder_given_up(failure: Failure) -> bool:
    """A reminder is a courtesy: one Discord refuses for good (400, 403, 404) or cannot
    render is skipped, not retried (429 and 5xx are retried next round)."""
    return failure.kind is not FailureKind.TRANSIENT
