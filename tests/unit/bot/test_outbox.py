"""The outbox's decisions: send, edit, record, hold, expire; and what a failure leads to."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from bot.chains.base import KST
from bot.delivery.outbox import (
    AlertJob,
    AlertView,
    Edit,
    Expire,
    Failure,
    FailureKind,
    Forget,
    GiveUp,
    Hold,
    PauseDms,
    Posted,
    Record,
    Retry,
    Send,
    after_failure,
    http_failure,
    plan,
)
from bot.watches.forms import QuietHours
from bot.watches.watch import Mention

NOW = datetime(2026, 12, 3, 14, 15, tzinfo=KST)
USER = 101
CHANNEL = 900
AFTERNOON = QuietHours.parse("14:00-16:00")  # NOW is inside

VIEW = AlertView(
    screening_id="2612051351045",
    movie_name="진격의 거인",
    branch_id="1351",
    branch_name="코엑스",
    hall_name="MX4D",
    format="MX4D",
    play_date=date(2026, 12, 5),
    start_clock="19:40",
    end_clock="22:04",
    free_seats=9,
    usable=5,
    total=192,
    best_block=3,
    best_row="F",
    exact=True,
    opened_at=NOW,
    mentions=(Mention("here"),),
)
CLOSED = replace(VIEW, closed_at=NOW + timedelta(hours=1), close_reason="closed")


def job(
    alert_id: int = 1, *, view: AlertView = VIEW, kind: str = "channel", **changes: object
) -> AlertJob:
    target = USER if kind == "dm" else CHANNEL
    values: dict[str, object] = {
        "alert_id": alert_id,
        "watch_id": 1,
        "target_kind": kind,
        "target_id": target,
        "nonce": f"mbw-{alert_id:016x}",
        "view": view,
    }
    values.update(changes)
    return AlertJob(**values)  # type: ignore[arg-type]


def sent(alert_id: int = 1, *, view: AlertView = VIEW, shown_open: bool = True) -> AlertJob:
    return job(alert_id, view=view, message_id=77, channel_id=CHANNEL, shown_open=shown_open)


def decide(*jobs: AlertJob, **kwargs: object) -> list[object]:
    options: dict[str, object] = {"now": NOW, "quiet": {}, "posted": {}}
    options.update(kwargs)
    return list(plan(jobs, **options))  # type: ignore[arg-type]


# -- plan ------------------------------------------------------------------------------------


def test_a_pending_open_alert_is_sent() -> None:
    assert decide(job()) == [Send(job())]


def test_a_pending_alert_whose_opening_closed_expires() -> None:
    closed = job(view=CLOSED)
    assert decide(closed) == [Expire(closed)]


def test_a_sent_alert_showing_the_wrong_state_is_edited_and_a_right_one_left_alone() -> None:
    wrong = sent(view=CLOSED, shown_open=True)
    revived = sent(2, view=VIEW, shown_open=False)
    right = sent(3, view=CLOSED, shown_open=False)
    assert decide(wrong, revived, right) == [Edit(wrong), Edit(revived)]


def test_quiet_hours_hold_a_dm_but_not_a_channel_alert_nor_an_edit() -> None:
    quiet = {USER: AFTERNOON, CHANNEL: AFTERNOON}
    dm, channel = job(1, kind="dm"), job(2)
    dm_edit = job(3, kind="dm", view=CLOSED, message_id=5, channel_id=6, shown_open=True)
    assert decide(dm, channel, dm_edit, quiet=quiet) == [Hold(dm), Send(channel), Edit(dm_edit)]
    assert decide(dm, quiet=quiet, now=NOW + timedelta(hours=2)) == [Send(dm)]


def test_a_held_dm_whose_seats_went_expires() -> None:
    held = job(kind="dm", view=CLOSED)
    assert decide(held, quiet={USER: AFTERNOON}) == [Expire(held)]


def test_a_message_discord_accepted_is_recorded_not_sent_again() -> None:
    posted = Posted(message_id=55, channel_id=CHANNEL, shown_open=True)
    pending = job()
    assert decide(pending, posted={pending.nonce: posted}) == [Record(pending, posted)]


def test_an_accepted_message_that_now_shows_the_wrong_state_is_recorded_then_edited() -> None:
    posted = Posted(message_id=55, channel_id=CHANNEL, shown_open=True)
    pending = job(view=CLOSED)  # sold out before the store could note the message
    shown = replace(pending, message_id=55, channel_id=CHANNEL, shown_open=True)
    assert decide(pending, posted={pending.nonce: posted}) == [
        Record(pending, posted),
        Edit(shown),
    ]


def test_posted_is_matched_by_nonce_not_by_alert_id() -> None:
    # A new alert that got a removed alert's row id has its own nonce: it is sent.
    posted = Posted(message_id=55, channel_id=CHANNEL, shown_open=True)
    reused = job(1, nonce="mbw-fresh")
    assert decide(reused, posted={"mbw-old": posted}) == [Send(reused)]


# -- after_failure ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_rate_limits_and_server_errors_are_retried_without_counting(status: int) -> None:
    failure = http_failure(status, None, "busy")
    assert failure.kind is FailureKind.TRANSIENT
    tired = job(refusals=99)
    assert after_failure(Send(tired), failure, max_refusals=5) == [Retry(tired, failure)]
    assert not Retry(tired, failure).refused


def test_no_answer_at_all_is_transient() -> None:
    failure = Failure(FailureKind.TRANSIENT, "connection reset")
    assert after_failure(Send(job()), failure, max_refusals=1) == [Retry(job(), failure)]


@pytest.mark.parametrize(("status", "code"), [(400, 50035), (403, 50013), (404, 10003)])
def test_refusals_are_retried_up_to_the_bound_then_given_up(status: int, code: int) -> None:
    failure = http_failure(status, code, "no")
    assert failure.kind is FailureKind.REFUSED
    first = job(refusals=0)
    assert after_failure(Send(first), failure, max_refusals=3) == [Retry(first, failure)]
    assert Retry(first, failure).refused
    second = job(refusals=1)
    assert after_failure(Send(second), failure, max_refusals=3) == [Retry(second, failure)]
    third = job(refusals=2)
    assert after_failure(Send(third), failure, max_refusals=3) == [GiveUp(third, failure, 3)]


def test_a_refused_edit_is_bounded_too_and_a_deleted_message_is_forgotten() -> None:
    edit = sent(view=CLOSED)
    forbidden = http_failure(403, 50013, "Missing Permissions")
    assert after_failure(Edit(edit), forbidden, max_refusals=2) == [Retry(edit, forbidden)]
    last = replace(edit, refusals=1)
    assert after_failure(Edit(last), forbidden, max_refusals=2) == [GiveUp(last, forbidden, 2)]
    gone = http_failure(404, 10008, "Unknown Message")
    assert after_failure(Edit(edit), gone, max_refusals=5) == [Forget(edit)]


def test_closed_dms_pause_the_users_dms_and_are_not_reported() -> None:
    dm = job(kind="dm")
    closed = http_failure(403, 50007, "Cannot send messages to this user")
    assert after_failure(Send(dm), closed, max_refusals=5) == [
        PauseDms(USER),
        GiveUp(dm, closed, 1, report=False),
    ]


def test_a_bug_gives_up_at_once() -> None:
    failure = Failure(FailureKind.BUG, "internal error")
    assert after_failure(Send(job()), failure, max_refusals=5) == [GiveUp(job(), failure, 1)]
