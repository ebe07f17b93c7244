"""Booking opens: new dates and shows added to a known date reach each watch as one grouped
message, delivered exactly once; seat openings of those screenings are folded into it; a
watch set to "seats" hears only of openings. The real bot against the fakes."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from bot.chains.base import native
from tests.conftest import ALERT_CHANNEL, COEX_MX4D_1940, THREE_TOGETHER
from tests.e2e import (
    ADMIN,
    GENERAL_CHANNEL,
    GUILD_ID,
    Running,
    make_settings,
    running_bot,
)
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.megabox_server import FakeMegabox, rewrite_id

pytestmark = pytest.mark.timeout(40)

ALERT_POSTS = f"/channels/{ALERT_CHANNEL}/messages"
NEW_DAY = "20261219"  # a Saturday MEGABOX does not list as open yet
COEX_MX4D = ["041", "042", "043", "044", "045", "046"]  # 09:00 … 22:20 on 12-05


def db_rows(db_url: str, sql: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(db_url.removeprefix("sqlite:///"))) as db:
        return db.execute(sql).fetchall()


def news(run: Running) -> list[Any]:
    return [m for m in run.alerts() if m.embeds and m.embeds[0]["title"].startswith("🆕")]


def seat_alerts(run: Running) -> list[Any]:
    return [m for m in run.alerts() if m.embeds and "Seats open" in m.embeds[0]["title"]]


def fields(message: Any) -> dict[str, str]:
    return {f["name"]: f["value"] for f in message.embeds[0]["fields"]}


def open_new_day(megabox: FakeMegabox) -> str:
    """MEGABOX opens a new Saturday with the COEX MX4D shows of 12-05 (and the rest); one
    of them has three seats together. Returns that screening's id."""
    megabox.copy_day("20261205", NEW_DAY)
    opened = rewrite_id(COEX_MX4D_1940, NEW_DAY)
    megabox.set_seat_map(opened, THREE_TOGETHER)
    return opened


async def next_check(run: Running) -> None:
    run.clock.advance(hours=1)
    await run.scheduled_check()


async def test_a_date_opening_sends_one_grouped_message_and_no_seat_alerts(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    async with running_bot(fake, megabox, make_settings(megabox, db_url, tmp_path)) as run:
        await run.scheduled_check()  # the .env watch's baseline: what exists is not news
        assert run.alerts() == []
        opened = open_new_day(megabox)
        await next_check(run)
        [message] = run.alerts()
        assert message.embeds[0]["title"] == "🆕 New screenings: 진격의 거인 완결편 더 라스트 어택"
        assert message.content == "@here"
        assert message.payload["allowed_mentions"] == {"parse": ["everyone"]}
        assert "6 new screenings on 1 date" in message.embeds[0]["description"]
        [(name, value)] = fields(message).items()  # one date, one branch and hall
        assert name == "Sat 2026-12-19 · 코엑스 · MEGA \\| MX4D관"
        lines = value.split("\n")
        assert [line.split("[")[1][:5] for line in lines] == [
            "09:00", "11:40", "14:20", "17:00", "19:40", "22:20",
        ]  # fmt: skip
        for suffix, text in zip(COEX_MX4D, lines, strict=True):
            assert f"booking?playSchdlNo=2612191351{suffix}" in text
        # The seat opening is folded in (✅, its usable seats), not alerted on its own.
        assert lines[4].startswith("✅ [19:40–22:04]") and "usable of 192" in lines[4]
        assert seat_alerts(run) == []
        assert db_rows(db_url, "SELECT status FROM notices") == [("sent",)]
        # Nothing new next time; the opening stays open, not alerted again.
        await next_check(run)
        assert len(run.alerts()) == 1
        # A later seat opening on one of them is an ordinary alert.
        megabox.sell_out(opened)
        await next_check(run)
        megabox.set_seat_map(opened, THREE_TOGETHER)
        await next_check(run)
        [alert] = seat_alerts(run)
        assert f"playSchdlNo={native(opened)}" in str(alert.payload["components"])
        assert len(news(run)) == 1


async def test_shows_added_to_a_known_date_are_grouped_the_same_way(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    async with running_bot(fake, megabox, make_settings(megabox, db_url, tmp_path)) as run:
        await run.scheduled_check()
        # MEGABOX adds two MX4D shows at COEX to Saturday 12-05, and one at Hanam (not watched).
        megabox.clone_screening(COEX_MX4D_1940, "2612051351047", playStartTime="23:30",
                                playEndTime="25:54", restSeatCnt=150)  # fmt: skip
        megabox.clone_screening(COEX_MX4D_1940, "2612051351048", playStartTime="08:10",
                                playEndTime="10:34", restSeatCnt=2)  # fmt: skip
        megabox.clone_screening("2612054651035", "2612054651099", playStartTime="23:00")
        await next_check(run)
        [message] = run.alerts()
        assert "2 new screenings on 1 date" in message.embeds[0]["description"]
        [(name, value)] = fields(message).items()
        assert name == "Sat 2026-12-05 · 코엑스 · MEGA \\| MX4D관"
        first, second = value.split("\n")
        assert first.startswith("[08:10–10:34](") and "2 free" in first  # < 3: no seat map
        assert second.startswith("✅ [23:30–01:54 (+1)](") and "2612051351047" in second
        assert seat_alerts(run) == []


async def test_a_watch_set_to_seats_gets_no_grouped_message(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    async with running_bot(fake, megabox, make_settings(megabox, db_url, tmp_path)) as run:
        await run.scheduled_check()
        edit = await fake.send_command(
            GUILD_ID, GENERAL_CHANNEL, ADMIN, "watch", {"watch": "1", "notify": "seats"},
            subcommand="edit",
        )  # fmt: skip
        reply = await fake.wait_for_followup(edit)
        assert "seat openings only" in str(reply)
        await next_check(run)  # the edit changed no matching rule: no new baseline needed
        opened = open_new_day(megabox)
        await next_check(run)
        [alert] = run.alerts()
        assert "Seats open" in alert.embeds[0]["title"]
        assert f"playSchdlNo={native(opened)}" in str(alert.payload["components"])
        assert news(run) == []
        assert db_rows(db_url, "SELECT count(*) FROM notices") == [(0,)]


async def test_a_restart_between_storing_and_sending_does_not_duplicate_it(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(megabox, db_url, tmp_path)
    async with running_bot(fake, megabox, settings) as run:
        await run.scheduled_check()
        open_new_day(megabox)
        # Discord stores the message but the reply is lost, and stays lost until we stop.
        fake.fail_next("POST", ALERT_POSTS, status=503, times=1000, after_store=True)
        await next_check(run)
        assert len(run.alerts()) >= 1  # Discord has it (once: the nonce dedupes retries)
        assert db_rows(db_url, "SELECT status FROM notices") == [("pending",)]
    fake.clear_failures()
    async with running_bot(fake, megabox, settings) as run:
        # A new process sends the stored notice with its stored nonce: Discord answers with
        # the message it has, and the notice is recorded as sent, once.
        await asyncio.wait_for(run.watcher.settle(), timeout=10)
        [message] = run.alerts()
        assert message.embeds[0]["title"].startswith("🆕 New screenings")
        assert db_rows(db_url, "SELECT status, message_id FROM notices") == [("sent", message.id)]
        assert message.id in [m.id for m in fake.nonce_replays]
        await next_check(run)
        assert len(run.alerts()) == 1


# -- watches for films not on sale yet --------------------------------------------------------

UPCOMING = {"movieNo": "26120200", "rpstMovieNo": "26120200", "movieNm": "겨울 왕국 3",
            "movieStatCd": "MSC02", "bokdAbleAt": "N", "rfilmDe": "2027.01.20"}  # fmt: skip
VOYAGE = {"movieNo": "26120300", "rpstMovieNo": "26120300", "movieNm": "마지막 항해",
          "movieEngNm": "The Last  Voyage", "movieStatCd": "MSC01", "bokdAbleAt": "Y"}  # fmt: skip


async def command(run: Running, options: dict[str, Any], sub: str) -> str:
    interaction = await run.discord.send_command(
        GUILD_ID, GENERAL_CHANNEL, ADMIN, "watch", options, subcommand=sub
    )
    callback = await run.discord.wait_for_callback(interaction)
    if callback["type"] == 4:  # answered at once, not deferred
        return str(callback["data"])
    return str(await run.discord.wait_for_followup(interaction))


async def test_a_title_watch_binds_when_the_film_appears_and_alerts_its_first_screenings_once(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    megabox.add_movie(UPCOMING)
    async with running_bot(fake, megabox, make_settings(megabox, db_url, tmp_path)) as run:
        await run.scheduled_check()
        await run.bot.catalogue.refresh()
        asked = await run.discord.send_autocomplete(
            GUILD_ID, GENERAL_CHANNEL, ADMIN, "watch", {"movie": "겨울 왕국"}, focused="movie",
            subcommand="add",
        )  # fmt: skip
        choices = (await run.discord.wait_for_callback(asked))["data"]["choices"]
        assert [c["name"] for c in choices] == ["겨울 왕국 3 (2027.01.20) · 26120200 · upcoming"]
        # By title text (English, other spacing and case), and from the upcoming list.
        by_title = await command(
            run, {"movie": "the last voyage", "branches": "1351", "format": "MX4D"}, "add"
        )
        assert "waiting for the film" in by_title and "the last voyage" in by_title
        upcoming = await command(run, {"movie": "26120200", "branches": "1351"}, "add")
        assert "waiting for the film: “겨울 왕국 3” (upcoming, 26120200)" in upcoming
        listing = await command(run, {}, "list")
        assert listing.count("waiting for the film") == 2
        # Waiting costs one catalogue read per check, shared; no listing for them.
        reads = megabox.count("movies")
        await next_check(run)
        assert megabox.count("movies") == reads + 1
        assert run.alerts() == []
        # The film goes on sale with two COEX MX4D shows, one of them a stage greeting
        # (its own movieNo, under the film's rpstMovieNo).
        megabox.add_movie(VOYAGE)
        film = {"rpstMovieNo": "26120300", "playDe": "20261212"}
        megabox.clone_screening(COEX_MX4D_1940, "2612121351071", movieNo="26120300",
                                movieNm="마지막 항해", **film)  # fmt: skip
        megabox.clone_screening(COEX_MX4D_1940, "2612121351072", movieNo="26120301",
                                movieNm="[무대인사] 마지막 항해", playStartTime="10:00",
                                playEndTime="12:24", **film)  # fmt: skip
        await next_check(run)
        found, grouped = run.alerts()
        assert found.embeds[0]["title"] == "🎬 On sale now: 마지막 항해"
        assert "the last voyage" in found.embeds[0]["description"]
        assert grouped.embeds[0]["title"] == "🆕 New screenings: 마지막 항해"
        [(name, value)] = fields(grouped).items()
        assert name == "Sat 2026-12-12 · 코엑스 · MEGA \\| MX4D관"
        assert ["2612121351072" in value.split("\n")[0], "2612121351071" in value] == [True, True]
        assert seat_alerts(run) == []
        shown = await command(run, {"watch": "2"}, "show")
        assert "waiting" not in shown and "26120300" in shown
        assert "waiting for the film" in await command(run, {"watch": "3"}, "show")
        # Once: nothing more at the next checks.
        await next_check(run)
        await next_check(run)
        assert len(run.alerts()) == 2
        assert db_rows(db_url, "SELECT kind, status FROM notices ORDER BY id") == [
            ("bound", "sent"), ("new", "sent"),
        ]  # fmt: skip
