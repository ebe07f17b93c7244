"""Korean and English end to end (issue 18): the real bot against the fake Discord and MEGABOX.

A server in Korean gets its alert, the sold-out edit, the status line and the new-screening
message in Korean; a member whose client is English gets their /check answer in English in
that same server; a member whose client is Korean sees Korean command names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ALERT_CHANNEL, COEX_MX4D_1940, THREE_TOGETHER
from tests.e2e import (
    ADMIN,
    GENERAL_CHANNEL,
    GUILD_ID,
    MEMBER,
    STATUS_CHANNEL,
    make_settings,
    running_bot,
)
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.megabox_server import FakeMegabox, rewrite_id

pytestmark = pytest.mark.timeout(40)

MOVIE = "진격의 거인 완결편 더 라스트 어택"
NEW_DAY = "20261219"


def fields(message: Any) -> dict[str, str]:
    return {f["name"]: f["value"] for f in message.embeds[0]["fields"]}


def localised(command: dict[str, Any]) -> str:
    return str(command.get("name_localizations", {}).get("ko"))


async def test_a_korean_server_hears_korean_and_each_member_their_own_language(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(megabox, db_url, tmp_path, bot_language="ko")
    megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    async with running_bot(fake, megabox, settings) as run:
        # A Korean client shows Korean names: they are in the synced payload.
        _guild, commands = fake.command_syncs[-1]
        by_name = {c["name"]: c for c in commands}
        assert localised(by_name["check"]) == "확인"
        assert localised(by_name["language"]) == "언어"
        watch = by_name["watch"]
        assert localised(watch) == "알림"
        subs = {o["name"]: o for o in watch["options"]}
        assert localised(subs["add"]) == "추가"
        options = {o["name"]: o for o in subs["add"]["options"]}
        assert localised(options["min_seats"]) == "최소좌석"
        assert options["min_seats"]["description_localizations"]["ko"].startswith("필요한 잔여석")
        assert "ko" not in by_name["check"].get("description_localizations", {}) or (
            by_name["check"]["description"] == "Check the cinemas now and show what is open"
        )

        # The alert, in Korean.
        await run.scheduled_check()
        [alert] = run.alerts()
        embed = alert.embeds[0]
        assert embed["title"] == f"🎟️ 좌석이 열렸어요: {MOVIE}"
        assert fields(alert)["날짜"] == "12월 5일 (토)"
        assert fields(alert)["최대 연석"] == "연석 3석 (F열)"
        assert "예매 가능한 잔여석 **5**석" in embed["description"]
        labels = [b.get("label") for b in alert.payload["components"][0]["components"]]
        assert labels[:2] == ["예매하기", "상영시간표"]
        assert alert.content == "@here"
        # The status line, in Korean.
        line = run.status_lines()[-1]
        assert line.startswith(
            "✅ 4개 날짜의 상영 6회 확인, 조건에 맞는 상영 1회: 코엑스 12월 5일 (토) 19:40"
        )
        assert "(새 알림 1건)" in line and "요청" in line

        # An English client's /check in the same server: the answer in English…
        run.clock.advance(minutes=5)
        interaction = await fake.send_command(
            GUILD_ID, GENERAL_CHANNEL, MEMBER, "check", locale="en-US"
        )
        followup = await fake.wait_for_followup(interaction, timeout=10)
        answer = followup["embeds"][0]
        assert answer["title"] == "Check finished"
        assert "Matching (1)" in [f["name"] for f in answer["fields"]]
        assert answer["description"].startswith("✅ Checked 6 screenings on 4 dates")
        # …while the channel's status line of that check stays Korean.
        await fake.wait_for_messages(STATUS_CHANNEL, 2)
        assert run.status_lines()[-1].startswith("✅ 4개 날짜의 상영 6회 확인")

        # Sold out again: the alert is edited, in Korean.
        megabox.sell_out(COEX_MX4D_1940)
        run.clock.advance(hours=1)
        await run.scheduled_check()
        [edited] = [e["embeds"][0] for e in alert.edits]
        assert edited["title"] == f"~~{MOVIE}~~ — 다시 매진"
        assert edited["description"].startswith("15:20부터 다시 매진.")

        # New screenings: one grouped message, in Korean.
        megabox.copy_day("20261205", NEW_DAY)
        megabox.set_seat_map(rewrite_id(COEX_MX4D_1940, NEW_DAY), THREE_TOGETHER)
        run.clock.advance(hours=1)
        await run.scheduled_check()
        [news] = [m for m in run.alerts() if m.embeds[0]["title"].startswith("🆕")]
        assert news.embeds[0]["title"] == f"🆕 새 상영: {MOVIE}"
        assert "1개 날짜에 새 상영 6회" in news.embeds[0]["description"]
        [(name, _value)] = fields(news).items()
        assert name.startswith("12월 19일 (토) · 메가박스 코엑스")


async def test_language_is_set_per_server_by_someone_who_manages_it(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(megabox, db_url, tmp_path, bot_language="ko")
    async with running_bot(fake, megabox, settings) as run:
        # Without Manage Server: refused, in the member's (Korean) client language.
        denied = await fake.send_command(
            GUILD_ID, GENERAL_CHANNEL, MEMBER, "language", {"language": "en"}, locale="ko"
        )
        callback = await fake.wait_for_callback(denied)
        assert "서버 관리" in callback["data"]["content"]
        # An admin switches the server to English: its next status line is English.
        interaction = await fake.send_command(
            GUILD_ID, GENERAL_CHANNEL, ADMIN, "language", {"language": "en"}, locale="ko"
        )
        callback = await fake.wait_for_callback(interaction)
        assert callback["data"]["content"].startswith("완료: 이제 이 서버의 좌석 알림")
        assert "English" in callback["data"]["content"]
        await run.scheduled_check()
        assert run.status_lines()[-1].startswith("✅ Checked 6 screenings on 4 dates")

    # Kept across a restart (migration 0009).
    async with running_bot(fake, megabox, settings) as run:
        run.clock.advance(hours=1)
        await run.scheduled_check()
        assert run.status_lines()[-1].startswith("✅ Checked")


async def test_a_dm_alert_speaks_the_members_last_seen_language(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    """The server is English; a member whose client is Korean subscribes by DM: their DM
    alert is Korean, the channel's alert English."""
    settings = make_settings(megabox, db_url, tmp_path, bot_language="en")
    megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    async with running_bot(fake, megabox, settings) as run:
        interaction = await fake.send_command(
            GUILD_ID, GENERAL_CHANNEL, MEMBER, "subscribe", {"watch": "1"}, locale="ko"
        )
        callback = await fake.wait_for_callback(interaction)
        assert callback["data"]["content"].startswith("🔔 **#1")
        assert "구독 완료" in callback["data"]["content"]
        await run.scheduled_check()
        [channel_alert] = fake.messages_in(ALERT_CHANNEL)
        assert channel_alert.embeds[0]["title"].startswith("🎟️ Seats open")
        dms = fake.dms_to(MEMBER)
        assert [m.embeds[0]["title"] for m in dms] == [f"🎟️ 좌석이 열렸어요: {MOVIE}"]


async def test_a_korean_client_gets_korean_answers_in_an_english_server(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(megabox, db_url, tmp_path, bot_language="en")
    async with running_bot(fake, megabox, settings):
        status = await fake.send_command(GUILD_ID, GENERAL_CHANNEL, MEMBER, "status", locale="ko")
        embed = (await fake.wait_for_callback(status))["data"]["embeds"][0]
        assert embed["title"] == "megabox-watch 상태"
        assert {"가동 시간", "마지막 확인", "알림 (1)"} <= {f["name"] for f in embed["fields"]}
        listing = await fake.send_command(
            GUILD_ID, GENERAL_CHANNEL, MEMBER, "watch", subcommand="list", locale="ko"
        )
        embed = (await fake.wait_for_callback(listing))["data"]["embeds"][0]
        assert embed["title"] == "알림 (1)"
        assert "주말·공휴일 · 3석" in embed["description"]
        # A mistake is explained in the member's language too.
        wrong = await fake.send_command(
            GUILD_ID, GENERAL_CHANNEL, MEMBER, "watch", {"watch": "99"}, subcommand="show",
            locale="ko",
        )  # fmt: skip
        text = (await fake.wait_for_callback(wrong))["data"]["content"]
        assert text == "여기에 '99' 알림이 없어요. `/알림 목록`에서 쓸 수 있는 알림을 볼 수 있어요."
