"""Exactly once, for real: the outbox against the fake Discord (which dedupes nonces as
Discord does), through reused row ids, a store that fails after Discord accepted, lost
replies, refusals, a slow Discord and a shutdown while MEGABOX hangs."""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.conftest import ALERT_CHANNEL, COEX_MX4D_1940, THREE_TOGETHER
from tests.e2e import (
    ADMIN,
    GENERAL_CHANNEL,
    GUILD_ID,
    STATUS_CHANNEL,
    TOKEN,
    Running,
    make_settings,
    running_bot,
)
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.megabox_server import FakeMegabox
from tests.test_process import ROOT, bot_env, read_until

pytestmark = pytest.mark.timeout(40)

ALERT_POSTS = f"/channels/{ALERT_CHANNEL}/messages"
UNKNOWN_CHANNEL = 900_000_000_000_000_099


def db_rows(db_url: str, sql: str) -> list[tuple[Any, ...]]:
    """Read the bot's database through a second connection, as an operator would."""
    with closing(sqlite3.connect(db_url.removeprefix("sqlite:///"))) as db:
        return db.execute(sql).fetchall()


def gave_up_lines(run: Running) -> list[str]:
    return [line for line in run.status_lines() if line.startswith("🚫")]


# -- the fake itself -------------------------------------------------------------------------


async def test_fake_discord_answers_a_repeated_enforced_nonce_with_the_earlier_message(
    fake: FakeDiscord,
) -> None:
    url = f"{fake.api_base}{ALERT_POSTS}"
    async with aiohttp.ClientSession(headers={"Authorization": f"Bot {TOKEN}"}) as http:

        async def post(**body: Any) -> str:
            async with http.post(url, json={"content": "seats!", **body}) as response:
                assert response.status == 200
                return str((await response.json())["id"])

        first = await post(nonce="mbw-1", enforce_nonce=True)
        assert await post(nonce="mbw-1", enforce_nonce=True) == first  # nothing new posted
        assert await post(nonce="mbw-1") != first  # without enforce_nonce Discord posts
        assert await post(nonce="mbw-2", enforce_nonce=True) != first
    assert len(fake.messages_in(ALERT_CHANNEL)) == 3
    assert [m.id for m in fake.nonce_replays] == [int(first)]


# -- 3. a reused row id is a new alert -------------------------------------------------------


async def test_a_new_alert_with_a_reused_row_id_is_not_swallowed_by_the_nonce(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    async with running_bot(fake, megabox, make_settings(megabox, db_url, tmp_path)) as run:
        await run.scheduled_check()
        assert len(run.alerts()) == 1
        first_alert = db_rows(db_url, "SELECT id FROM alerts")
        # Remove watch 1 in Discord (its openings and alerts go with it) ...
        removal = await fake.send_command(
            GUILD_ID, GENERAL_CHANNEL, ADMIN, "watch", {"watch": "1"}, subcommand="remove"
        )
        await fake.wait_for_callback(removal)
        button = fake.reply_message(removal)["components"][0]["components"][0]
        click = await fake.send_component(
            GUILD_ID, GENERAL_CHANNEL, ADMIN, button["custom_id"],
            message_id=int(fake.reply_message(removal)["id"]),
        )  # fmt: skip
        await fake.wait_for_callback(click)
        assert await run.bot.store.watches() == []
        # ... and add one: SQLite hands out id 1 again, to the watch and to its alert.
        add = await fake.send_command(
            GUILD_ID, GENERAL_CHANNEL, ADMIN, "watch", subcommand="add",
            options={"movie": "25008000", "branches": "1351", "format": "MX4D",
                     "days": "weekend", "min_seats": 3, "alert_now": True},
        )  # fmt: skip
        await fake.wait_for_followup(add)
        assert [w.id for w in await run.bot.store.watches()] == [1]
        run.clock.advance(hours=1)
        await run.scheduled_check()
        assert db_rows(db_url, "SELECT id, status FROM alerts") == [(first_alert[0][0], "sent")]
        assert len(run.alerts()) == 2  # the new opening was posted, not deduped away
        assert fake.nonce_replays == []


# -- 4. Discord accepted, the store could not note it ----------------------------------------

FAIL_MARK_SENT = (
    "CREATE TRIGGER fail_mark_sent BEFORE UPDATE OF status ON alerts "
    "WHEN NEW.status = 'sent' BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
)


def break_mark_sent(db_url: str, broken: bool) -> None:
    """A write fault from a second connection: marking an alert sent fails in SQLite."""
    with closing(sqlite3.connect(db_url.removeprefix("sqlite:///"))) as db:
        db.execute(FAIL_MARK_SENT if broken else "DROP TRIGGER fail_mark_sent")


async def test_a_failed_mark_sent_is_recorded_later_and_the_alert_still_edited(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    async with running_bot(fake, megabox, make_settings(megabox, db_url, tmp_path)) as run:
        break_mark_sent(db_url, True)
        await run.scheduled_check()
        assert len(run.alerts()) == 1  # Discord has it ...
        assert db_rows(db_url, "SELECT status FROM alerts") == [("pending",)]  # ... we don't
        await run.watcher.deliver()  # the store still fails: nothing is sent again
        assert len(run.alerts()) == 1
        break_mark_sent(db_url, False)
        assert await run.watcher.deliver() == 0  # recorded, not re-sent
        [alert] = run.alerts()
        assert db_rows(db_url, "SELECT status, message_id FROM alerts") == [("sent", alert.id)]
        megabox.sell_out(COEX_MX4D_1940)
        run.clock.advance(hours=1)
        await run.scheduled_check()
        assert len(run.alerts()) == 1
        assert len(alert.edits) == 1
        assert "sold out again" in alert.edits[0]["embeds"][0]["title"]


async def test_a_restart_after_an_unrecorded_send_posts_nothing_twice(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(megabox, db_url, tmp_path)
    megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    async with running_bot(fake, megabox, settings) as run:
        break_mark_sent(db_url, True)
        await run.scheduled_check()
        assert len(run.alerts()) == 1
    break_mark_sent(db_url, False)
    async with running_bot(fake, megabox, settings) as run:
        # The new process knows nothing of the message; it re-sends with the alert's stored
        # nonce and Discord answers with the message it already has.
        await asyncio.wait_for(run.watcher.settle(), timeout=10)
        [alert] = run.alerts()
        assert [m.id for m in fake.nonce_replays] == [alert.id]
        assert db_rows(db_url, "SELECT status, message_id FROM alerts") == [("sent", alert.id)]


async def test_a_lost_reply_is_retried_with_the_same_nonce_and_posts_once(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    async with running_bot(fake, megabox, make_settings(megabox, db_url, tmp_path)) as run:
        # Discord stores the message, but its answer is lost (a 503 from the edge).
        fake.fail_next("POST", ALERT_POSTS, status=503, after_store=True)
        await run.scheduled_check()
        await run.watcher.deliver()
        [alert] = run.alerts()
        assert db_rows(db_url, "SELECT status, message_id FROM alerts") == [("sent", alert.id)]
        assert [m.id for m in fake.nonce_replays] == [alert.id]


# -- 5. refusals are bounded, server errors are not ------------------------------------------


@pytest.mark.parametrize("refusal", ["403 forbidden", "404 unknown channel"])
async def test_a_refused_channel_is_given_up_after_the_bound_and_said_once(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path, refusal: str
) -> None:
    limit = 3
    channel = ALERT_CHANNEL if refusal.startswith("403") else UNKNOWN_CHANNEL
    tries = ("POST", f"/channels/{channel}/messages")
    if refusal.startswith("403"):
        fake.set_channel_forbidden(ALERT_CHANNEL)
    else:
        tries = ("GET", f"/channels/{channel}")  # not in the cache: fetched, 404
    settings = make_settings(
        megabox, db_url, tmp_path, alert_max_refusals=limit, alert_channel_id=channel
    )
    megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    async with running_bot(fake, megabox, settings) as run:
        await run.scheduled_check()
        while not db_rows(db_url, "SELECT 1 FROM alerts WHERE status = 'failed'"):
            assert len(fake.requests_to(*tries)) < limit
            await run.watcher.deliver()
        assert len(fake.requests_to(*tries)) == limit
        for _ in range(3):  # later rounds leave it alone and say nothing more
            await run.watcher.deliver()
        assert len(fake.requests_to(*tries)) == limit
        [line] = gave_up_lines(run)
    status = refusal.split()[0]
    movie = "진격의 거인 완결편 더 라스트 어택"
    assert f"Gave up delivering alert #1 ({movie} · Sat 2026-12-05 19:40 · 코엑스)" in line
    assert f"to <#{channel}>: Discord refused it {limit} times ({status} " in line
    fix = "Give me View Channel" if status == "403" else "Pick an existing text channel"
    assert fix in line
    assert fake.messages_in(STATUS_CHANNEL)[-1].payload["allowed_mentions"] == {"parse": []}


async def test_server_errors_are_retried_without_a_bound(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    limit = 2
    settings = make_settings(megabox, db_url, tmp_path, alert_max_refusals=limit)
    megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    async with running_bot(fake, megabox, settings) as run:
        fake.fail_next("POST", ALERT_POSTS, status=503, times=1000)  # not retried by discord.py
        await run.scheduled_check()
        for _ in range(limit + 2):
            assert await run.watcher.deliver() == 0
        assert len(fake.requests_to("POST", ALERT_POSTS)) > limit
        assert db_rows(db_url, "SELECT status, refusals FROM alerts") == [("pending", 0)]
        assert gave_up_lines(run) == []
        fake.clear_failures()
        assert await run.watcher.deliver() == 1
        assert len(run.alerts()) == 1


# -- 6. a slow Discord does not hold up the checks -------------------------------------------


async def test_a_slow_discord_neither_makes_check_busy_nor_delays_the_next_check(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    async with running_bot(fake, megabox, make_settings(megabox, db_url, tmp_path)) as run:
        fake.hold("POST", ALERT_POSTS)
        await run.scheduled_check(settle=False)  # finishes, its status line went out
        await fake.wait_for(lambda: fake.requests_to("POST", ALERT_POSTS), what="the alert")
        interaction = await fake.send_command(GUILD_ID, GENERAL_CHANNEL, ADMIN, "check")
        answer = await fake.wait_for_followup(interaction, timeout=10)
        assert "already running" not in json.dumps(answer)
        assert answer["embeds"][0]["title"] == "Check finished"
        run.clock.advance(hours=1)
        await run.scheduled_check(settle=False)  # the next scheduled check runs as well
        assert len(run.status_lines()) == 3
        assert run.alerts() == []  # all this while, Discord still sits on the alert
        fake.release("POST", ALERT_POSTS)
        await asyncio.wait_for(run.watcher.settle(), timeout=10)
        assert len(run.alerts()) == 1


# -- 7. shutdown ------------------------------------------------------------------------------


async def test_shutdown_delivers_what_is_stored(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    async with running_bot(fake, megabox, make_settings(megabox, db_url, tmp_path)) as run:
        fake.fail_next("POST", ALERT_POSTS, status=503, times=1000)
        await run.scheduled_check()
        assert run.alerts() == []  # waiting for the next retry, a minute away
        fake.clear_failures()
        await run.bot.shutdown()
        assert len(run.alerts()) == 1


async def test_sigterm_while_megabox_hangs_exits_zero_within_10_s(
    fake: FakeDiscord, live_megabox: FakeMegabox, tmp_path: Path
) -> None:
    megabox = live_megabox  # the process runs on the real clock: the scenario moved to it
    megabox.set_seat_map(megabox.moved_id(COEX_MX4D_1940), THREE_TOGETHER)
    env = bot_env(fake, megabox, tmp_path) | {"WATCH_DAYS": f"{megabox.fixture_day}"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        log = await asyncio.wait_for(read_until(process, b"connected to Discord as"), timeout=20)
        first = await fake.send_command(GUILD_ID, GENERAL_CHANNEL, ADMIN, "check")
        await fake.wait_for_followup(first, timeout=20)
        await fake.wait_for_messages(ALERT_CHANNEL, 1, timeout=10)
        seat_maps = megabox.count("seats")
        megabox.hold("seats")  # from now on MEGABOX does not answer
        second = await fake.send_command(GUILD_ID, GENERAL_CHANNEL, 1, "check")
        await fake.wait_for_callback(second)
        await megabox.wait_for_request("seats", count=seat_maps + 1, within=10)
        sent = time.monotonic()
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), timeout=15)
        stopped_after = time.monotonic() - sent
    finally:
        megabox.release("seats")
        if process.returncode is None:
            process.kill()
            await process.wait()
    text = log + output.decode()
    assert process.returncode == 0, text
    assert stopped_after < 10, text  # docker's default stop timeout
    assert "abandoned" in text
    assert "Traceback" not in text
    # The member whose /check was abandoned is told, not left with "thinking…".
    stopped = await fake.wait_for_followup(second, timeout=5)
    assert "restarting" in json.dumps(stopped, ensure_ascii=False)
    # Nothing was lost: the first check and its delivered alert are stored; the abandoned
    # one stored nothing.
    db = f"sqlite:///{tmp_path / 'bot.db'}"
    assert db_rows(db, "SELECT trigger, ok FROM check_runs") == [("command", 1)]
    assert db_rows(db, "SELECT status FROM alerts") == [("sent",)]
    assert len(fake.messages_in(ALERT_CHANNEL)) == 1
    print(f"stopped {stopped_after:.2f} s after SIGTERM")
