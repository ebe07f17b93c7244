"""Two chains end to end (issue 19): the real bot against the fake Discord, MEGABOX and Lotte.

The server speaks Korean (the default language). The .env watch is Lotte's: 월드타워 (1016),
별의 계승자 (24128), 수퍼 4D typed as "4DX", 3 seats. The fake Lotte's scenario is moved to the
week of the bot's clock (FIXTURE_NOW), so its fixture Sunday is that weekend's; every test
keeps only the 4관 screenings it is about on sale (tests/fixtures/lotte/README.md).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from tests.conftest import COEX_MX4D_1940, FIXTURE_NOW, THREE_TOGETHER
from tests.e2e import ADMIN, GENERAL_CHANNEL, GUILD_ID, Running, make_settings, running_bot
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.lotte_server import (
    SUPER4D_ACROSS_AISLE,
    SUPER4D_INVERTED,
    SUPER4D_THREE,
    SUPER4D_WHEELCHAIR_ONLY,
    ZONES_9,
    FakeLotte,
    Key,
)
from tests.fakes.megabox_server import FakeMegabox

pytestmark = pytest.mark.timeout(40)

FILM = "별의 계승자"
WORLD_TOWER = "롯데시네마 월드타워"


@pytest.fixture
async def lotte() -> AsyncIterator[FakeLotte]:
    # The fixture week moved to the bot's clock: its Sunday is FIXTURE_NOW's weekend.
    async with FakeLotte(today=FIXTURE_NOW.date()) as fake:
        yield fake


def lotte_settings(
    megabox: FakeMegabox, lotte: FakeLotte, db_url: str, tmp_path: Path, **changes: Any
) -> Settings:
    values: dict[str, Any] = {
        "chains": "megabox,lotte",
        "lotte_base_url": lotte.base_url,
        "bot_language": "ko",
        "watch_chain": "lotte",
        "watch_branches": "1016",
        "watch_movie_no": "24128",
        "watch_formats": "4DX",
        "watch_min_seats": 3,
    }
    values.update(changes)
    return make_settings(megabox, db_url, tmp_path, **values)


def keep_on_sale(lotte: FakeLotte, *keep: Key) -> None:
    """Sell out every screening of the fixture day but `keep` (fixture keys)."""
    kept = {lotte.moved(k) for k in keep}
    for key in lotte.keys(lotte.date()):
        if key not in kept:
            lotte.sell_out(key)


def fields(message: Any) -> dict[str, str]:
    return {f["name"]: f["value"] for f in message.embeds[0]["fields"]}


def lotte_alerts(run: Running) -> list[Any]:
    return [a for a in run.alerts() if fields(a)["지점"].startswith("롯데시네마 ")]


def megabox_alerts(run: Running) -> list[Any]:
    return [a for a in run.alerts() if fields(a)["지점"].startswith("메가박스 ")]


async def command(run: Running, name: str, options: dict[str, Any], sub: str) -> str:
    """A slash command from a Korean client; the private answer's text."""
    interaction = await run.discord.send_command(
        GUILD_ID, GENERAL_CHANNEL, ADMIN, name, options, subcommand=sub, locale="ko"
    )
    callback = await run.discord.wait_for_callback(interaction)
    answer = (
        await run.discord.wait_for_followup(interaction, timeout=10)
        if callback["type"] == 5
        else callback["data"]
    )
    parts = [answer.get("content") or ""]
    for embed in answer.get("embeds", []):
        parts += [embed.get("title", ""), embed.get("description", "")]
        parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields", [])]
    return "\n".join(parts)


async def autocomplete(run: Running, options: dict[str, Any], focused: str) -> list[dict[str, Any]]:
    interaction = await run.discord.send_autocomplete(
        GUILD_ID,
        GENERAL_CHANNEL,
        ADMIN,
        "watch",
        options,
        focused=focused,
        subcommand="add",
        locale="ko",
    )
    callback = await run.discord.wait_for_callback(interaction)
    assert callback["type"] == 8
    choices: list[dict[str, Any]] = callback["data"]["choices"]
    return choices


async def test_lotte_watch_alerts_once_for_usable_seats(
    fake: FakeDiscord, megabox: FakeMegabox, lotte: FakeLotte, db_url: str, tmp_path: Path
) -> None:
    keep_on_sale(lotte, SUPER4D_THREE)  # 7 free: 4 wheelchair seats and F5-F7
    settings = lotte_settings(megabox, lotte, db_url, tmp_path)
    async with running_bot(fake, megabox, settings, lotte=lotte) as run:
        await run.scheduled_check()
        [alert] = run.alerts()
        embed = alert.embeds[0]
        assert alert.content == "@here"
        assert embed["title"] == f"🎟️ 좌석이 열렸어요: {FILM}"
        assert "전체 112석 중 예매 가능한 잔여석 **3**석" in embed["description"]
        assert "추정" not in embed["description"]  # the map agrees with the listing
        assert fields(alert)["지점"] == f"{WORLD_TOWER} · 4관 수퍼 4D"
        assert fields(alert)["최대 연석"] == "연석 3석 (F열)"
        assert fields(alert)["시간"].startswith("14:50")
        # Lotte cannot link one screening: the alert says what the button opens.
        note = fields(alert)["예매 링크"]
        assert "롯데시네마 예매 페이지" in note and "월드타워" in note and "14:50" in note
        book = alert.payload["components"][0]["components"][0]
        assert "롯데시네마" in book["label"]
        assert "movieCd=24128" in book["url"]
        labels = [b.get("label") for b in alert.payload["components"][0]["components"]]
        assert "상영시간표" not in labels  # no timetable link for Lotte
        line = run.status_lines()[-1]
        assert "조건에 맞는 상영 1회: 월드타워" in line and "(3석)" in line
        assert "(새 알림 1건)" in line

        run.clock.advance(hours=1)
        await run.scheduled_check()
        assert len(run.alerts()) == 1  # still open: no second alert
        line = run.status_lines()[-1]
        assert "조건에 맞는 상영 1회" in line and "새 알림" not in line

    async with running_bot(fake, megabox, settings, lotte=lotte) as run:
        run.clock.advance(hours=2)
        await run.scheduled_check()
        assert len(run.alerts()) == 1  # a restart on the same database: no duplicate


async def test_wheelchair_seats_never_alert(
    fake: FakeDiscord, megabox: FakeMegabox, lotte: FakeLotte, db_url: str, tmp_path: Path
) -> None:
    keep_on_sale(lotte, SUPER4D_WHEELCHAIR_ONLY)
    assert lotte.remaining(lotte.moved(SUPER4D_WHEELCHAIR_ONLY)) == 4  # the listing says 4
    settings = lotte_settings(megabox, lotte, db_url, tmp_path)
    async with running_bot(fake, megabox, settings, lotte=lotte) as run:
        await run.scheduled_check()
        assert run.alerts() == []
        line = run.status_lines()[-1]
        assert line.startswith("✅") and "3석 이상인 상영 없음" in line


@pytest.mark.parametrize("hall_format", ["STANDARD", "any"])
async def test_a_hall_split_into_zones_is_summed(
    fake: FakeDiscord,
    megabox: FakeMegabox,
    lotte: FakeLotte,
    db_url: str,
    tmp_path: Path,
    hall_format: str,
) -> None:
    # 9관 comes as two listing rows: zone 100 (4 free: B7 B8 and two wheelchair seats) and
    # zone 960 (I1 I2). Summed: 6 free, 4 usable; the first row alone has only 2 usable.
    keep_on_sale(lotte, ZONES_9)
    assert [int(r["BookingSeatCount"]) for r in lotte.rows(lotte.moved(ZONES_9))] == [4, 2]
    settings = lotte_settings(megabox, lotte, db_url, tmp_path)
    async with running_bot(fake, megabox, settings, lotte=lotte) as run:
        added = await command(
            run,
            "watch",
            {
                "movie": "lotte:24128",
                "branches": "lotte:1016",
                "format": hall_format,
                "days": "weekend",
                "min_seats": 4,
                "alert_now": True,
            },
            sub="add",
        )
        assert "#2" in added, added
        await run.scheduled_check()
        [alert] = run.alerts()
        assert fields(alert)["지점"] == f"{WORLD_TOWER} · 9관"
        assert fields(alert)["시간"].startswith("15:40")
        assert "예매 가능한 잔여석 **4**석" in alert.embeds[0]["description"]
        assert "추정" not in alert.embeds[0]["description"]
        line = run.status_lines()[-1]
        assert "(4석)" in line
        assert "disagree" not in line  # the rows summed agree with the map's 6 free


async def test_an_inverted_count_is_flagged_and_never_alerted_as_the_listing_says(
    fake: FakeDiscord, megabox: FakeMegabox, lotte: FakeLotte, db_url: str, tmp_path: Path
) -> None:
    # The listing says 108 remaining, the map has 4 free (E6 E7 G11 G12): the counts disagree.
    keep_on_sale(lotte, SUPER4D_INVERTED)
    assert lotte.remaining(lotte.moved(SUPER4D_INVERTED)) == 108
    settings = lotte_settings(megabox, lotte, db_url, tmp_path)
    async with running_bot(fake, megabox, settings, lotte=lotte) as run:
        await run.scheduled_check()
        line = run.status_lines()[-1]
        # In the server's language (Korean), naming the chain whose map disagrees.
        assert "롯데시네마 좌석배치도 1개가 상영시간표의 잔여석 수와 달라요" in line, line
        assert "108" not in line and "104" not in line
        # The map's 4 free seats may alert, marked as an estimate; never the listing's 108.
        [alert] = run.alerts()
        description = alert.embeds[0]["description"]
        assert "**4**석" in description
        assert "⚠️ 추정치: 좌석도가 상영시간표의 잔여석 수와 달라요" in description
        # The map was read: its picture is there (not "could not be read, no picture").
        assert alert.embeds[0]["image"]["url"].startswith("attachment://")
        assert "읽지 못해서" not in description
        text = str(alert.embeds)
        assert "108" not in text and "104" not in text

        # The map now shows none free, the listing still 108: still an estimate, which never
        # closes an alert (neither count can be trusted).
        key = lotte.moved(SUPER4D_INVERTED)
        lotte.sell(key, ["E6", "E7", "G11", "G12"])
        lotte.set_listing_count(key, 108)
        run.clock.advance(hours=1)
        await run.scheduled_check()
        assert "상영시간표의 잔여석 수와 달라요" in run.status_lines()[-1]
        assert alert.edits == [] and len(run.alerts()) == 1
        # Once map and listing agree again (sold out), the alert is closed.
        lotte.set_listing_count(key, 0)
        run.clock.advance(hours=1)
        await run.scheduled_check()
        assert "disagree" not in run.status_lines()[-1]
        assert len(alert.edits) == 1 and "다시 매진" in alert.edits[0]["embeds"][0]["title"]


async def add_megabox_watch(run: Running) -> None:
    """The original job as a watch added in Discord, alerting what is open now."""
    added = await command(
        run,
        "watch",
        {
            "movie": "25008000",
            "branches": "1351",
            "format": "MX4D",
            "days": "weekend",
            "min_seats": 3,
            "alert_now": True,
        },
        sub="add",
    )
    assert "#2" in added, added


#: (the chain that fails, how, its Korean name, the other's, the other's matching branch)
FAILURES = [
    ("megabox", "403", "메가박스", "롯데시네마", "월드타워"),
    ("megabox", "overload", "메가박스", "롯데시네마", "월드타워"),
    ("lotte", "503", "롯데시네마", "메가박스", "코엑스"),
    ("lotte", "error", "롯데시네마", "메가박스", "코엑스"),
]


@pytest.mark.parametrize(("failing", "mode", "failed_name", "other_name", "other_branch"), FAILURES)
async def test_one_chains_failure_leaves_the_others_results_intact(
    fake: FakeDiscord,
    megabox: FakeMegabox,
    lotte: FakeLotte,
    db_url: str,
    tmp_path: Path,
    failing: str,
    mode: str,
    failed_name: str,
    other_name: str,
    other_branch: str,
) -> None:
    keep_on_sale(lotte, SUPER4D_THREE)
    megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    settings = lotte_settings(megabox, lotte, db_url, tmp_path)
    broken, alerts_of = (megabox, megabox_alerts) if failing == "megabox" else (lotte, lotte_alerts)
    other_alerts = lotte_alerts if failing == "megabox" else megabox_alerts
    async with running_bot(fake, megabox, settings, lotte=lotte) as run:
        assert await run.bot.catalogue.refresh()
        await add_megabox_watch(run)
        broken.fail_always(None, mode)
        await run.scheduled_check()
        assert len(other_alerts(run)) == 1
        assert alerts_of(run) == []
        line = run.status_lines()[-1]
        # The failing chain is named as not checked (not as "no seats"); the other is not.
        assert line.startswith("⚠️") and f"확인 못 함: 1건 ({failed_name} " in line, line
        assert other_name not in line.split("확인 못 함:")[1]
        # Each chain's requests are counted apart (each has its own budget).
        assert f"{failed_name} " in line.split("확인 못 함:")[0]
        assert f"조건에 맞는 상영 1회: {other_branch}" in line

        broken.recover()  # back: its alert now, the other's not again
        run.clock.advance(hours=1)
        await run.scheduled_check()
        assert len(other_alerts(run)) == 1
        assert len(alerts_of(run)) == 1


async def test_watch_add_offers_both_chains_and_refuses_a_mixed_watch(
    fake: FakeDiscord, megabox: FakeMegabox, lotte: FakeLotte, db_url: str, tmp_path: Path
) -> None:
    settings = lotte_settings(megabox, lotte, db_url, tmp_path)
    async with running_bot(fake, megabox, settings, lotte=lotte) as run:
        assert await run.bot.catalogue.refresh()
        # One list of branches, each labelled with its chain.
        names = [c["name"] for c in await autocomplete(run, {"branches": ""}, "branches")]
        assert any(n.startswith("롯데시네마 월드타워") for n in names), names
        assert any(n.startswith("메가박스 코엑스") for n in names), names
        [tower] = await autocomplete(run, {"branches": "월드"}, "branches")
        assert tower["name"].startswith("롯데시네마 월드타워") and tower["value"] == "lotte:1016"
        [coex] = await autocomplete(run, {"branches": "코엑스"}, "branches")
        assert coex["name"].startswith("메가박스 코엑스") and coex["value"] == "megabox:1351"
        # Once a branch is picked, only its chain's branches are offered for the next one.
        more = await autocomplete(run, {"branches": "lotte:1016, "}, "branches")
        assert more and all(c["value"].startswith("lotte:") for c in more), more

        # Films follow the chosen branches' chain.
        films = await autocomplete(run, {"branches": "lotte:1016", "movie": ""}, "movie")
        assert "lotte:24128" in [c["value"] for c in films]
        assert any(FILM in c["name"] for c in films)
        assert all(c["value"].startswith("lotte:") for c in films), films
        films = await autocomplete(run, {"branches": "1351", "movie": ""}, "movie")
        assert "megabox:25008000" in [c["value"] for c in films]
        assert all(c["value"].startswith("megabox:") for c in films), films

        # A watch of branches of two chains is refused, saying why; nothing is stored.
        for branches in ("lotte:1016,1351", "코엑스, 월드타워"):
            answer = await command(
                run,
                "watch",
                {"movie": "lotte:24128", "branches": branches, "format": "4DX"},
                sub="add",
            )
            assert "알림 하나는 한 영화관 체인만 볼 수 있어요" in answer, answer
            assert "롯데시네마" in answer and "메가박스" in answer
        assert [w.source for w in await run.bot.store.watches()] == ["env"]

        # One chain's branches: added, as Lotte's film in Lotte's 수퍼 4D.
        added = await command(
            run,
            "watch",
            {"movie": "lotte:24128", "branches": "월드타워", "format": "4DX"},
            sub="add",
        )
        assert "#2" in added, added
        watch = await run.bot.store.watch(2)
        assert watch is not None
        assert watch.branches == ("lotte:1016",) and watch.formats == frozenset({"SUPER4D"})


@pytest.mark.parametrize("failing", ["megabox", "lotte"])
async def test_a_failing_chain_closes_nothing_while_the_other_chain_is_read_as_usual(
    fake: FakeDiscord,
    megabox: FakeMegabox,
    lotte: FakeLotte,
    db_url: str,
    tmp_path: Path,
    failing: str,
) -> None:
    keep_on_sale(lotte, SUPER4D_THREE)
    megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    settings = lotte_settings(megabox, lotte, db_url, tmp_path)
    async with running_bot(fake, megabox, settings, lotte=lotte) as run:
        assert await run.bot.catalogue.refresh()
        await add_megabox_watch(run)
        await run.scheduled_check()
        [mb_alert], [lc_alert] = megabox_alerts(run), lotte_alerts(run)

        # Both sell out; one chain cannot be read. Only the chain that was read closes.
        megabox.sell_out(COEX_MX4D_1940)
        lotte.sell_out(lotte.moved(SUPER4D_THREE))
        if failing == "megabox":
            megabox.fail_always(None, "403")
            unread, read, unread_name = mb_alert, lc_alert, "메가박스"
        else:
            lotte.fail_always(None, "503")
            unread, read, unread_name = lc_alert, mb_alert, "롯데시네마"
        run.clock.advance(hours=1)
        await run.scheduled_check()
        assert unread.edits == []  # a failure is never "no seats"
        assert len(read.edits) == 1
        assert "다시 매진" in read.edits[0]["embeds"][0]["title"]
        line = run.status_lines()[-1]
        assert f"확인 못 함: 1건 ({unread_name} " in line, line
        assert len(run.alerts()) == 2  # nothing new either


async def test_the_env_lotte_watch_is_shown_with_its_chain(
    fake: FakeDiscord, megabox: FakeMegabox, lotte: FakeLotte, db_url: str, tmp_path: Path
) -> None:
    settings = lotte_settings(megabox, lotte, db_url, tmp_path)
    async with running_bot(fake, megabox, settings, lotte=lotte) as run:
        assert await run.bot.catalogue.refresh()
        shown = await command(run, "watch", {"watch": "1"}, sub="show")
        assert f"영화: {FILM} · lotte:24128" in shown, shown
        assert "지점: 월드타워 (lotte:1016)" in shown
        assert "포맷: SUPER4D" in shown  # "4DX" in .env found Lotte's 수퍼 4D
        assert "좌석: 3석, 장애인석 제외" in shown
        # Its cost in Lotte's request shape: one listing per branch and date.
        assert re.search(r"요청 약 \d+건 \(상영시간표 \d+회, 좌석배치도 약 \d+회\)", shown), shown
        listed = await command(run, "watch", {}, sub="list")
        assert "롯데시네마 24128 @ 1016 · SUPER4D" in listed, listed


async def test_seats_together_come_from_the_map_not_from_seat_numbers(
    fake: FakeDiscord, megabox: FakeMegabox, lotte: FakeLotte, db_url: str, tmp_path: Path
) -> None:
    # 23:00: D3 D4 | D5, numbered in a row but across an aisle (2 together); 14:50: F5-F7.
    keep_on_sale(lotte, SUPER4D_THREE, SUPER4D_ACROSS_AISLE)
    settings = lotte_settings(megabox, lotte, db_url, tmp_path, watch_formats="SUPERPLEX")
    async with running_bot(fake, megabox, settings, lotte=lotte) as run:
        added = await command(
            run,
            "watch",
            {
                "movie": "lotte:24128",
                "branches": "lotte:1016",
                "format": "4DX",
                "min_seats": 3,
                "together": True,
                "alert_now": True,
            },
            sub="add",
        )
        assert "#2" in added, added
        await run.scheduled_check()
        [alert] = run.alerts()
        assert fields(alert)["시간"].startswith("14:50")
        assert fields(alert)["최대 연석"] == "연석 3석 (F열)"
