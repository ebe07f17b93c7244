"""Lotte's calendar does not say which dates are public holidays (MEGABOX's does): a
"weekend" Lotte watch still counts Chuseok on a Friday as a weekend day, from Korea's public
holidays (bot/checking/public_holidays.py), and a plain weekday stays a weekday."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

from bot.chains.base import KST
from bot.chains.lotte.client import LotteClient
from bot.checking.checker import Checker
from bot.checking.public_holidays import public_holiday
from bot.store.repo import Store
from bot.watches.watch import Days, Mention, Watch
from tests.conftest import ALERT_CHANNEL, Clock, fast_lotte_options
from tests.fakes.lotte_server import SUPER4D_THREE, FakeLotte

#: A fixed week (the clock is injected, so this holds on any real date): Mon 2026-09-21;
#: Chuseok falls on Thu 24 – Sat 26; the fake's fixture Sunday moves to the 27th.
MONDAY = date(2026, 9, 21)
CHUSEOK_FRIDAY = date(2026, 9, 25)
PLAIN_TUESDAY = date(2026, 9, 22)


def test_the_table_knows_korean_holidays_and_says_when_it_does_not() -> None:
    assert public_holiday(CHUSEOK_FRIDAY) is True  # 추석
    assert public_holiday(date(2026, 10, 9)) is True  # 한글날
    assert public_holiday(PLAIN_TUESDAY) is False
    assert public_holiday(date(1999, 1, 1)) is None  # outside the table: unknown, not "no"


async def test_a_weekend_lotte_watch_counts_chuseok_on_a_friday_and_not_a_plain_tuesday(
    tmp_path: Path,
) -> None:
    async with FakeLotte(today=MONDAY) as lotte:
        sunday = lotte.fixture_day
        for day in (CHUSEOK_FRIDAY, PLAIN_TUESDAY):
            lotte.copy_day(sunday.isoformat(), day.isoformat())
        store = await Store.open(f"sqlite:///{tmp_path / 'lotte.db'}")
        try:
            async with LotteClient(fast_lotte_options(lotte.base_url)) as client:
                clock = Clock(datetime.combine(MONDAY, time(10, 0), KST))
                watch = Watch(
                    movie_id="lotte:24128",
                    branches=("lotte:1016",),
                    formats=frozenset({"SUPER4D"}),
                    days=Days.parse("weekend"),
                    min_seats=3,
                    channel_id=ALERT_CHANNEL,
                    mention=Mention.parse("@here"),
                )
                await store.add_watch(watch, now=clock())
                result = await Checker(client, store, clock=clock).run()
        finally:
            await store.close()
    three = lotte.moved(SUPER4D_THREE)
    opened = {o.screening.play_date for o in result.openings}
    # The three-together showing of each day: Sunday and the Chuseok Friday, not Tuesday.
    assert {sunday, CHUSEOK_FRIDAY} <= opened, (three, opened)
    assert PLAIN_TUESDAY not in opened
    assert result.errors == ()
