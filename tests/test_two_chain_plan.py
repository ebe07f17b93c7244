"""A check of both chains asks Lotte only for the dates its watches want, with the holiday
flags MEGABOX gave (Lotte's calendar has none): found by bench/two_chains.py, where 17 of 280
Lotte listings were weekdays asked for weekend watches "in case they were holidays"."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from bot.chains.base import KST, LOTTE
from bot.chains.lotte.client import LotteClient
from bot.chains.megabox.client import MegaboxClient
from bot.checking.checker import Checker
from bot.store.repo import Store
from bot.watches.watch import Days, Mention, Watch
from tests.conftest import ALERT_CHANNEL, Clock, fast_lotte_options, fast_options
from tests.fakes.lotte_server import FakeLotte
from tests.fakes.megabox_server import FakeMegabox


def next_monday() -> date:
    today = datetime.now(KST).date()
    return today + timedelta(days=7 - today.weekday())


@dataclass
class Both:
    megabox: FakeMegabox
    lotte: FakeLotte
    checker: Checker
    store: Store
    clock: Clock
    week: list[date]

    async def add(self, watch: Watch) -> Watch:
        return await self.store.add_watch(watch, now=self.clock.now)

    def lotte_dates(self) -> set[str]:
        return {r.params["playDate"] for r in self.lotte.requests if r.method == "GetPlaySequence"}


@pytest.fixture
async def both(tmp_path: Path) -> AsyncIterator[Both]:
    """One synthetic MEGABOX branch (0100) and Lotte cinema (9001) showing a week from next
    Monday; MEGABOX calls that Wednesday a holiday and no other day."""
    week = [next_monday() + timedelta(days=n) for n in range(7)]
    mb = FakeMegabox.synthetic(1, [f"{d:%Y%m%d}" for d in week])
    for d in week:
        mb.open_date(f"{d:%Y%m%d}", holiday=d == week[2])
    lc = FakeLotte()
    lc.load_synthetic(1, [d.isoformat() for d in week], replace=True)
    store = await Store.open(f"sqlite:///{tmp_path}/watch.db")
    clock = Clock(datetime.combine(week[0], datetime.min.time(), KST).replace(hour=7))
    try:
        async with (
            mb,
            lc,
            MegaboxClient(fast_options(mb.base_url)) as mbc,
            LotteClient(fast_lotte_options(lc.base_url)) as lcc,
        ):
            checker = Checker(
                [mbc, lcc], store, horizon_days=7, default_channel_id=ALERT_CHANNEL, clock=clock
            )
            yield Both(mb, lc, checker, store, clock, week)
    finally:
        await store.close()


def watch(branch: str, movie: str, days: str) -> Watch:
    return Watch(
        name=f"{branch} {days}",
        movie_id=movie,
        branches=(branch,),
        days=Days.parse(days),
        min_seats=1,
        channel_id=ALERT_CHANNEL,
        mention=Mention.parse("@here"),
    )


async def test_lotte_weekend_watch_lists_weekend_and_megabox_holiday_only(both: Both) -> None:
    await both.add(watch("megabox:0100", "megabox:25008000", "all"))
    lotte = await both.add(watch("lotte:9001", "lotte:24128", "weekend"))

    result = await both.checker.run()

    assert not result.errors
    wed, sat, sun = both.week[2], both.week[5], both.week[6]
    # Not the plain weekdays (each would be read and then judged not wanted).
    assert both.lotte_dates() == {wed.isoformat(), sat.isoformat(), sun.isoformat()}
    # The holiday still counts as a weekend day for the Lotte watch: it alerts there.
    alerted = {
        o.screening.play_date
        for o in result.openings
        if o.watch_id == lotte.id and o.screening.chain == LOTTE
    }
    assert alerted == {wed, sat, sun}
