"""Korean and English (issue 18): every message has both texts, every message renders in both
within Discord's limits, slash-command names follow Discord's rules, Korean reads as Koreans
write it (dates, counts), and the pictures speak the language or fall back to English."""

from __future__ import annotations

import asyncio
import copy
import string
import warnings
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import discord
import pytest
from babel.messages.catalog import Catalog

from bot import i18n
from bot.app import EXTENSIONS
from bot.chains.base import KST
from bot.delivery.new_screenings import NewScreening
from bot.delivery.notices import BoundBody, NewsBody
from bot.delivery.outbox import AlertView
from bot.i18n import catalogues
from bot.seats.layout import SeatLayout
from bot.seats.picture import picture
from bot.seats.prefs import RowRule, SeatPrefs
from bot.store.runs import CheckRun
from bot.watches.watch import Days, Mention, Watch
from cogs import render, render_news
from cogs.translator import NAME, NAME_PATTERN, command_strings

MODULES = [*EXTENSIONS, "cogs.watches.commands"]
MOVIE = "진격의 거인 완결편 더 라스트 어택"
SAT = date(2026, 12, 12)


@pytest.fixture(scope="module")
def commands() -> list[tuple[str | None, str, Any]]:
    return asyncio.run(command_strings(MODULES))


def _entries(catalog: Catalog) -> dict[tuple[str, str | None], Any]:
    return {(m.id[0] if isinstance(m.id, tuple) else m.id, m.context): m for m in catalog if m.id}


def _fields(text: str) -> set[str]:
    """The placeholders of a message, by name ("{date:%Y}" and "{date.month}" → date)."""
    names = set()
    for _lit, name, _spec, _conv in string.Formatter().parse(text):
        if name:
            names.add(name.split(".")[0].split("[")[0])
    return names


# -- every message has its Korean and its English text --------------------------------------


def test_every_message_has_korean_and_english_text(commands: list[Any]) -> None:
    """Extracts the messages of bot/ and cogs/ and every string of the slash commands, and
    fails if either catalogue lacks one, leaves one empty or fuzzy, or drops a placeholder the
    code fills in (which would say something else) or adds one it does not."""
    source = catalogues.extract((ctx, text) for ctx, text, _where in commands)
    wanted = _entries(source)
    assert len(wanted) > 300
    for language in i18n.LANGUAGES:
        catalog = catalogues.read(language)
        assert not catalog.fuzzy  # `pybabel compile` (the image's build) skips a fuzzy one
        assert not list(catalog.check())  # what `pybabel compile` refuses (e.g. placeholders)
        have = _entries(catalog)
        missing = sorted(str(k) for k in wanted.keys() - have.keys())
        assert not missing, (
            f"{language} catalogue lacks (run `python -m cogs.translator update`): {missing}"
        )
        for key in wanted:
            message = have[key]
            texts = message.string if isinstance(message.string, tuple) else (message.string,)
            assert all(texts), f"{language}: no text for {key}"
            assert not message.fuzzy, f"{language}: fuzzy {key}"
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            allowed = set().union(*(_fields(i) for i in ids))
            for text in texts:
                assert _fields(text) <= allowed, f"{language}: {text!r} has unknown placeholders"
            if key[1] is None and not isinstance(message.id, tuple):
                # A singular message must keep what it fills in (a plural's one form may
                # drop the count word, as English "once" does).
                assert _fields(ids[0]) <= _fields(texts[0]) | {"n"}, (language, key, texts)


def test_korean_catalogue_is_really_korean() -> None:
    """Most messages read in Hangul (names like MX4D or placeholders-only are the rest)."""
    ko = [m for m in catalogues.read("ko") if m.id and m.context != NAME]
    hangul = [m for m in ko if any("가" <= ch <= "힣" for ch in str(m.string))]
    assert len(hangul) / len(ko) > 0.9


# -- slash commands: Discord's naming rules, Korean names ----------------------------------


def test_command_names_and_descriptions_follow_discords_rules(commands: list[Any]) -> None:
    where = discord.app_commands.TranslationContextLocation
    for language in i18n.LANGUAGES:
        for context, text, location in commands:
            shown = i18n.translate(language, text, context) or text
            if context == NAME:
                assert NAME_PATTERN.fullmatch(shown), (language, text, shown)
                assert shown == shown.lower(), (language, shown)
                assert len(shown) <= 32
            elif location is where.choice_name:
                assert 1 <= len(shown) <= 100
            else:
                assert 1 <= len(shown) <= 100, (language, text, shown)
    # Korean names are short words, unique where Discord needs them unique.
    assert i18n.translate("ko", "check", NAME) == "확인"
    assert i18n.translate("ko", "watch", NAME) == "알림"
    assert i18n.translate("en", "check", NAME) == "check"


def test_korean_option_names_are_unique_within_each_command() -> None:
    payloads = asyncio.run(_payloads())
    for payload in payloads:
        for level in _levels(payload):
            names = [o.get("name_localizations", {}).get("ko", o["name"]) for o in level]
            assert len(names) == len(set(names)), names


async def _payloads() -> list[dict[str, Any]]:
    from cogs.translator import CatalogueTranslator, cog_commands

    client = discord.Client(intents=discord.Intents.none())
    tree: discord.app_commands.CommandTree[discord.Client] = discord.app_commands.CommandTree(
        client
    )
    out = [
        await c.get_translated_payload(tree, CatalogueTranslator()) for c in cog_commands(MODULES)
    ]
    await client.close()
    return out


def _levels(payload: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
    options = payload.get("options", [])
    yield options
    for option in options:
        if option.get("type") in (1, 2):
            yield from _levels(option)


# -- how Korean reads ----------------------------------------------------------------------


def test_dates_and_counts_read_as_koreans_write_them() -> None:
    with i18n.using("ko"):
        assert i18n.day_text(date(2026, 12, 13)) == "12월 13일 (일)"
        assert i18n.day_time(date(2026, 12, 12), "19:35") == "12월 12일 (토) 19:35"
        # One plural form in Korean, from the catalogue's Plural-Forms.
        assert i18n.ngettext("{n} seat", "{n} seats", 1).format(n=1) == "1석"
        assert i18n.ngettext("{n} seat", "{n} seats", 5).format(n=5) == "5석"
    with i18n.using("en"):
        assert i18n.day_text(date(2026, 12, 13)) == "Sun 2026-12-13"
        assert i18n.ngettext("{n} seat", "{n} seats", 1).format(n=1) == "1 seat"
        assert i18n.ngettext("{n} seat", "{n} seats", 5).format(n=5) == "5 seats"


def test_catalogues_are_loaded_once_per_process() -> None:
    """The RSS budget (issue 17): one compiled catalogue per language, shared by every message."""
    assert i18n.catalogue("ko") is i18n.catalogue("ko-KR") is i18n.catalogue("ko")
    assert i18n.catalogue("en") is i18n.catalogue("en-GB")


def test_language_of_a_discord_locale() -> None:
    assert i18n.normalise("ko") == "ko"
    assert i18n.normalise("en-US") == "en"
    assert i18n.normalise("ja") == "en"
    assert i18n.normalise(None) == "en"


# -- every message, rendered in both languages, within Discord's limits ---------------------


def _sample(name: str) -> Any:
    if name in ("date", "day_date"):
        return SAT
    if name == "n":
        return 12
    return "가나다 " * 8 if name in ("movie", "title", "watch", "label") else "x" * 40


def test_every_message_formats_in_both_languages_with_sample_values() -> None:
    """Every catalogue text, filled with long sample values, formats without error and fits
    in a field (1024) and in a message (2000)."""
    for language in i18n.LANGUAGES:
        for message in catalogues.read(language):
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            names = set().union(*(_fields(i) for i in ids))
            values = {n: _sample(n) for n in names}
            texts = message.string if isinstance(message.string, tuple) else (message.string,)
            for text in texts:
                filled = text.format(**values)
                assert len(filled) <= 1024, (language, text)


def _view(**changes: Any) -> AlertView:
    values: dict[str, Any] = {
        "screening_id": "2612121351045",
        "movie_name": MOVIE,
        "branch_id": "1351",
        "branch_name": "코엑스",
        "hall_name": "MEGA | MX4D관",
        "format": "MX4D",
        "play_date": SAT,
        "start_clock": "19:35",
        "end_clock": "24:40",
        "free_seats": 7,
        "usable": 5,
        "total": 192,
        "best_block": 3,
        "best_row": "F",
        "exact": True,
        "opened_at": datetime(2026, 12, 10, 14, 5, tzinfo=KST),
        "mentions": (Mention.parse("@here"),),
        "prefs": SeatPrefs(RowRule.parse("E-J"), "prefer"),
        "allowed": 4,
        "min_seats": 3,
    }
    values.update(changes)
    return AlertView(**values)


def _embed_ok(embed: discord.Embed) -> None:
    data = embed.to_dict()
    assert len(data.get("title", "")) <= 256
    assert len(data.get("description", "")) <= 4096
    fields = data.get("fields", [])
    assert len(fields) <= 25
    for f in fields:
        assert 1 <= len(f["name"]) <= 256 and 1 <= len(f["value"]) <= 1024
    assert len(embed) <= 6000


def _news_body(n: int) -> NewsBody:
    screenings = tuple(
        NewScreening(
            screening_id=f"26121{i:08d}",
            branch_id="1351",
            branch_name=f"코엑스 {i % 7}",
            hall_name="MEGA | MX4D관",
            format="MX4D",
            play_date=SAT + timedelta(days=i % 9),
            start_clock=f"{9 + i % 14:02d}:{i % 60:02d}",
            end_clock="24:40",
            free_seats=40,
            usable=35,
            total=192,
            exact=i % 2 == 0,
            bookable=i % 5 != 0,
            matches=i % 3 == 0,
        )
        for i in range(n)
    )
    return NewsBody(watch_label="#1 original", movie_id="25008000", movie_name=MOVIE,
                    screenings=screenings)  # fmt: skip


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_channel_messages_render_within_discords_limits(language: str) -> None:
    with i18n.using(language):
        closed_at = datetime(2026, 12, 10, 15, 15, tzinfo=KST)
        views = [
            _view(),
            _view(exact=False, usable=4),
            _view(usable=None, best_block=None, best_row=None),
            *(
                _view(closed_at=closed_at, close_reason=r)
                for r in ("closed", "started", "unwatched", "superseded")
            ),
        ]
        for view in views:
            for test in (False, True):
                message = render.alert_message(view, test=test, picture="seats.png")
                _embed_ok(message["embed"])
                assert len(message["content"] or "") <= 2000
                for item in message["view"].children:
                    assert len(getattr(item, "label", "") or "") <= 80
        _embed_ok(render.reminder_message(_view(), "1h30m")["embed"])
        for n in (1, 3, 400):
            _embed_ok(render_news.notice_message(_news_body(n), ())["embed"])
        bound = BoundBody("#2 기다림", "25008000", MOVIE, "“진격의 거인”")
        _embed_ok(render_news.notice_message(bound, ())["embed"])


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_answers_render_within_discords_limits(language: str) -> None:
    watch = Watch(
        movie_id="25008000",
        branches=("1351", "4651"),
        formats=frozenset({"MX4D"}),
        days=Days.parse("sat,sun,2026-12-25"),
        min_seats=3,
        together=True,
        channel_id=1,
        mention=Mention.parse("@here"),
        name="original",
        remind=timedelta(minutes=90),
        prefs=SeatPrefs(RowRule.parse("not A-C"), "require"),
        id=1,
    )
    now = datetime(2026, 12, 10, 14, 5, tzinfo=KST)
    run = CheckRun("schedule", now - timedelta(seconds=75), now, False, 9, 4, 0, 0, "timeout",
                   "MEGABOX did not answer", "…")  # fmt: skip
    with i18n.using(language):
        status = render.status_embed(
            uptime="1 day, 2:03:04",
            latency_ms=42.0,
            last_run=run,
            next_run=now + timedelta(hours=1),
            failures=2,
            watches=[watch] * 40,
            watch_states={1: [{"play_date": SAT, "start_clock": "19:35", "usable": 5}] * 3},
            alerts_sent=12,
            problems=["alerts to <#1> refused: 403 Missing Access"] * 5,
            checking=True,
            overrun="⚠️ x",
            fast_lane="y",
        )
        _embed_ok(status)
        from bot.chains.catalogue import Catalogue

        catalogue = Catalogue(None)  # type: ignore[arg-type]  # never asked: nothing loaded
        shown = render.watch_embed(
            watch, catalogue, default_channel=1, open_now=[{"play_date": SAT, "start_clock": "19:35",
            "branch_name": "코엑스", "usable": 5}] * 30, cost="about 4 requests per check"
        )  # fmt: skip
        _embed_ok(shown)


def test_the_original_jobs_alert_reads_naturally_in_korean() -> None:
    with i18n.using("ko"):
        embed = render.alert_message(_view(prefs=SeatPrefs(), allowed=None))["embed"]
    fields = {f.name: f.value for f in embed.fields}
    assert embed.title == f"🎟️ 좌석이 열렸어요: {MOVIE}"
    assert fields["날짜"] == "12월 12일 (토)"
    assert fields["시간"] == "19:35–00:40 (다음 날)"
    assert fields["최대 연석"] == "연석 3석 (F열)"
    assert embed.description == "전체 192석 중 예매 가능한 잔여석 **5**석"


# -- pictures --------------------------------------------------------------------------------


def test_the_seat_picture_speaks_the_language_at_twice_the_scale() -> None:
    layout = _layout_from_fixture()
    with i18n.using("ko"):
        ko = picture(layout, SeatPrefs(RowRule.parse("E-J")), ("F6", "F7", "F8"))
    with i18n.using("en"):
        en = picture(layout, SeatPrefs(RowRule.parse("E-J")), ("F6", "F7", "F8"))
    assert [t.text for _box, t in ko.legend] == ["잔여석", "알림 연석", "원하는 열 밖", "예매됨",
                                                 "장애인석 (휠체어석)"]  # fmt: skip
    assert [t.plain for _box, t in ko.legend] == [t.text for _box, t in en.legend]
    assert ko.font_size == 26  # twice the 13 px it was drawn at
    # The legend has room for the wider Korean words.
    _box, last_text = ko.legend[-1]
    assert last_text.x + 13 * 2 * len(last_text.text) <= ko.width + 26


def _layout_from_fixture() -> SeatLayout:
    from tests.unit.bot.test_seat_prefs import layout_of, seat

    return layout_of([seat(r, n, float(n)) for r in "ABCDEFGH" for n in range(1, 13)])


def test_pictures_fall_back_to_english_without_a_hangul_font(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.drawing import fonts
    from bot.drawing.pictures import paint

    layout = _layout_from_fixture()
    with i18n.using("ko"):
        ko = picture(layout, SeatPrefs(), ("F6", "F7", "F8")).to_json()
    english = copy.deepcopy(ko)
    for text in [*english["texts"], *(t for _box, t in english["legend"])]:
        text["text"] = text["plain"] or text["text"]
    assert english != ko
    monkeypatch.setattr(fonts, "hangul_font", lambda: None)
    # No font with Hangul: the Korean picture is painted with its English words (no empty
    # boxes), exactly as if they had been English all along.
    assert paint(ko) == paint(english)


@pytest.mark.skipif(i18n is None or not __import__("bot.drawing.fonts").drawing.fonts.hangul_font(),
                    reason="no Hangul-capable font installed here (the image ships one)")  # fmt: skip
def test_pictures_draw_hangul_with_the_installed_font() -> None:
    from bot.drawing.chart import chart_data
    from bot.drawing.chart import render as draw_chart
    from bot.drawing.pictures import paint

    layout = _layout_from_fixture()
    with i18n.using("ko"):
        ko = picture(layout, SeatPrefs(), ("F6", "F7", "F8")).to_json()
        data = chart_data([], title="알림 #1", plain_title="Watch #1", play_date=SAT, threshold=3)
    with i18n.using("en"):
        en = picture(layout, SeatPrefs(), ("F6", "F7", "F8")).to_json()
    assert paint(ko) != paint(en)
    assert data["words"]["ylabel"] == ("예매 가능한 잔여석", "usable free seats")
    assert data["day"][0] == "12월 12일 (토)"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph would warn
        assert draw_chart(data).startswith(b"\x89PNG")
