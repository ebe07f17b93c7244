"""Shared fixtures: the fake MEGABOX, a real SQLite store, and a checker on MEGABOX's clock."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile

# The suite's English assertions run in English explicitly (the bot's default is Korean,
# issue 18); Korean is tested by name (tests/test_i18n*.py). Set before any bot module is
# imported: bot.i18n reads it once, and child processes inherit it.
os.environ["BOT_LANGUAGE"] = "en"
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

import aiohttp
import pytest

from bot.chains.base import KST
from bot.chains.http import HttpOptions
from bot.chains.lotte.client import LotteOptions
from bot.chains.megabox.client import ClientOptions, MegaboxClient
from bot.checking.checker import Checker
from bot.store.database import sqlite_path
from bot.store.repo import Store
from bot.watches.watch import Days, Mention, Watch
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.megabox_server import FakeMegabox


def pytest_configure(config: pytest.Config) -> None:
    """Compile the catalogues (.po → .mo, never committed) before anything is worded."""
    from bot.i18n.catalogues import compile_all

    compile_all()


#: The fixtures' MEGABOX clock: Thursday 2026-12-03 14:15 KST.
FIXTURE_NOW = datetime(2026, 12, 3, 14, 15, tzinfo=KST)
ALERT_CHANNEL = 900_000_000_000_000_001
COEX_MX4D_1940 = "megabox:2612051351045"
COEX_MX4D_2220 = "megabox:2612051351046"
#: The COEX MX4D seat map with 5 usable seats, 3 of them together in row F.
THREE_TOGETHER = "selectSeatList-coex-mx4d-three-together.json"


def original_watch(**changes: object) -> Watch:
    """The original job: movie 25008000 at COEX, MX4D, weekends, 3 seats."""
    watch = Watch(
        movie_id="25008000",
        branches=("1351",),
        formats=frozenset({"MX4D"}),
        days=Days.parse("weekend"),
        min_seats=3,
        channel_id=ALERT_CHANNEL,
        mention=Mention.parse("@here"),
        name="original",
    )
    from dataclasses import replace

    return replace(watch, **changes)  # type: ignore[arg-type]


def child_env(megabox: FakeMegabox, tmp_path: Path, **values: str) -> dict[str, str]:
    """The environment of a `python -m bot` child process: ours without any WATCH_/DISCORD_
    setting, the fake MEGABOX at the fastest allowed budget, a database in `tmp_path`, and
    the movie of the fixtures; `values` add or override."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WATCH_", "DISCORD_"))}
    env.update(
        MEGABOX_BASE_URL=megabox.base_url,
        MEGABOX_REQUESTS_PER_SECOND="5",
        MEGABOX_JITTER_SECONDS="0",
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
        WATCH_MOVIE_NO="25008000",
    )
    env.update(values)
    return env


#: For tests of MEGABOX not answering (the fake's "timeout" mode): the client gives up soon.
SHORT_TIMEOUT = 0.25


def quiet_schedule() -> str:
    """A cron schedule that cannot fire while a test runs: at the minute half an hour away.
    Tests start checks themselves; a scheduled one on the real clock would race them."""
    return f"{(datetime.now(KST).minute + 30) % 60} * * * *"


Opts = TypeVar("Opts", bound=HttpOptions)


def fast_options(base_url: str, **changes: float) -> ClientOptions:
    """No budget, no jitter, millisecond backoff: the same code paths, without waiting."""
    return _fast(ClientOptions, base_url, changes)


def fast_lotte_options(base_url: str, **changes: float) -> LotteOptions:
    """Lotte's client as `fast_options` has MEGABOX's."""
    return _fast(LotteOptions, base_url, changes)


def _fast(kind: type[Opts], base_url: str, changes: dict[str, float]) -> Opts:
    values: dict[str, float] = {
        "requests_per_second": 0,
        "jitter_seconds": 0,
        # The fake answers in ~1 ms, but a loaded machine can stall for more than a quarter
        # second: a spurious timeout would be retried and break exact request counts. Tests of
        # the "timeout" mode pass timeout_seconds=SHORT_TIMEOUT.
        "timeout_seconds": 1.0,
        "max_retries": 2,
        "backoff_seconds": 0.001,
        "backoff_max_seconds": 0.01,
    }
    values.update(changes)
    return kind(
        base_url=base_url,
        requests_per_second=values["requests_per_second"],
        jitter_seconds=values["jitter_seconds"],
        timeout_seconds=values["timeout_seconds"],
        max_retries=int(values["max_retries"]),
        backoff_seconds=values["backoff_seconds"],
        backoff_max_seconds=values["backoff_max_seconds"],
    )


@dataclass
class Clock:
    now: datetime = FIXTURE_NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class World:
    """A fake MEGABOX, a store on disk and a checker wired together."""

    megabox: FakeMegabox
    client: MegaboxClient
    db_url: str
    store: Store
    clock: Clock = field(default_factory=Clock)
    checker: Checker = field(init=False)

    def __post_init__(self) -> None:
        self.checker = self.make_checker()

    def make_checker(self) -> Checker:
        return Checker(
            self.client,
            self.store,
            horizon_days=21,
            damping=timedelta(minutes=30),
            default_channel_id=ALERT_CHANNEL,
            clock=self.clock,
        )

    async def restart(self) -> None:
        """A new process on the same database file."""
        await self.store.close()
        self.store = await Store.open(self.db_url)
        self.checker = self.make_checker()

    @contextlib.asynccontextmanager
    async def short_timeouts(self) -> AsyncIterator[None]:
        """A client that gives up after SHORT_TIMEOUT, for tests of the "timeout" failure."""
        normal = self.client
        async with MegaboxClient(
            fast_options(self.megabox.base_url, timeout_seconds=SHORT_TIMEOUT)
        ) as client:
            self.client = client
            self.checker = self.make_checker()
            try:
                yield
            finally:
                self.client = normal
                self.checker = self.make_checker()

    async def add(self, watch: Watch) -> Watch:
        return await self.store.add_watch(watch, now=self.clock.now)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """The fake Discord with the test guild (tests/e2e.py); a module may override it."""
    from tests.e2e import make_guild  # tests/e2e.py imports this module

    async with FakeDiscord(guilds=[make_guild()]) as server:
        yield server


@pytest.fixture
async def megabox() -> AsyncIterator[FakeMegabox]:
    async with FakeMegabox() as mb:
        yield mb


@pytest.fixture
async def live_megabox() -> AsyncIterator[FakeMegabox]:
    """For a bot process on the real clock (not FIXTURE_NOW): the fixture scenario moved by
    whole weeks to the week ahead of today; `fixture_day` and `moved_id()` name what moved."""
    async with FakeMegabox(today=datetime.now(KST).date()) as mb:
        yield mb


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain HTTP session, for tests that speak raw HTTP to a fake."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'watch.db'}"


_TEMPLATE: list[Path] = []


async def migrated(url: str) -> None:
    """A migrated, empty database at `url`'s file unless one is there: migrating a new file
    costs ~90 ms, a copy ~1 ms, and hundreds of tests (and model examples) open one. The
    migrations themselves are run once per process, on the template."""
    path = sqlite_path(url)
    if path.exists():
        return
    if not _TEMPLATE:
        template = Path(tempfile.mkdtemp(prefix="megabox-watch-template-")) / "template.db"
        await (await Store.open(f"sqlite:///{template}")).close()
        _TEMPLATE.append(template)
    shutil.copyfile(_TEMPLATE[0], path)


@pytest.fixture
async def world(megabox: FakeMegabox, db_url: str) -> AsyncIterator[World]:
    await migrated(db_url)
    store = await Store.open(db_url)
    async with MegaboxClient(fast_options(megabox.base_url)) as client:
        w = World(megabox, client, db_url, store)
        yield w
        await w.store.close()


WorldFactory = Callable[[], World]
