"""The Discord bot's numbers: start-up, /check's defer, MEGABOX-to-alert, RSS over many checks.

    uv run python -m bench.bot_numbers [--checks 200] [--runs 20] [--chains megabox,lotte megabox]

Everything runs against the in-process fakes (tests/fakes), on 127.0.0.1 only:

- start-up and RSS: `python -m bot` as a subprocess (tests/fakes/redirect on PYTHONPATH points
  discord.py at the fake Discord), so its RSS is the bot's alone; a bare `discord.Client`
  subprocess against the same fake is the baseline. For the RSS run, `/check` is sent
  through the fake Discord N times (each runs a full check, its status line and alerts) by
  `bench._bot_unthrottled`, i.e. the real bot with the MEGABOX request budget lifted;
- /check's defer and MEGABOX-to-alert: the real bot in this process (as tests/e2e.py does, but
  with production client timeouts so a 0.5 s MEGABOX does not time out), with the fakes
  wrapped to timestamp when a callback, a message POST or a seat map answer happens.

The bot runs as deployed, with both chains (CHAINS "megabox,lotte"): a fake Lotte
(tests/fakes/lotte_server.py) is served beside the fake MEGABOX and the bot loads both
catalogues before RSS is read. `--chains megabox` runs MEGABOX only; `--chains megabox,lotte
megabox` measures both, one after the other, beside the same bare client.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

import psutil  # type: ignore[import-untyped]
from aiohttp import web

from bot.app import WatchBot, open_bot
from bot.chains.base import KST, LOTTE, native
from bot.chains.lotte.client import LotteOptions
from bot.chains.megabox.client import SEATS_PATH, ClientOptions
from cogs.watcher import Watcher
from tests.conftest import ALERT_CHANNEL, COEX_MX4D_1940, Clock
from tests.e2e import (
    ADMIN,
    GENERAL_CHANNEL,
    GUILD_ID,
    STATUS_CHANNEL,
    TOKEN,
    make_guild,
    make_settings,
)
from tests.fakes.discord_server import FakeDiscord, _Call
from tests.fakes.lotte_server import FakeLotte
from tests.fakes.megabox_server import FakeMegabox

ROOT = Path(__file__).resolve().parent.parent
REDIRECT = ROOT / "tests" / "fakes" / "redirect"
MIB = 1024 * 1024
READY_MARK = "connected to Discord as"
THREE_TOGETHER = "selectSeatList-coex-mx4d-three-together.json"
#: A cron time that never comes during a run: checks happen only when the bench asks.
NEVER = "0 3 1 1 *"
#: As deployed (bot/config.py's default) and MEGABOX alone, for comparison.
TWO_CHAINS = "megabox,lotte"
MEGABOX_ONLY = "megabox"
#: The bot's log line once a chain's catalogue is loaded (bot/chains/catalogue.py).
CATALOGUE_MARK = "catalogue of {chain}:"


@contextlib.asynccontextmanager
async def lotte_for(chains: str) -> AsyncIterator[FakeLotte | None]:
    """A fake Lotte (the fixture scenario, moved to this week) when `chains` enables Lotte:
    without it the bot would reach for the real site."""
    if LOTTE not in chains.split(","):
        yield None
        return
    async with FakeLotte(today=datetime.now(KST).date()) as lotte:
        yield lotte


# -- the fakes, timestamped ----------------------------------------------------------------


class StampedDiscord(FakeDiscord):
    """Records when an interaction callback and a channel message POST arrive."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.callback_at: dict[int, float] = {}
        self.posted_at: list[tuple[float, int]] = []  # (perf_counter, channel id)
        self.identified_at: list[float] = []

    async def _identify(self, conn: Any, data: dict[str, Any]) -> None:
        self.identified_at.append(time.perf_counter())
        await super()._identify(conn, data)

    async def _callback(self, call: _Call) -> web.StreamResponse:
        self.callback_at.setdefault(int(call.params["iid"]), time.perf_counter())
        return await super()._callback(call)

    async def _post_message(self, call: _Call) -> web.StreamResponse:
        self.posted_at.append((time.perf_counter(), int(call.params["channel_id"])))
        return await super()._post_message(call)


class StampedMegabox(FakeMegabox):
    """Records when each seat map answer leaves the handler (after the added latency)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seat_map_at: list[tuple[float, str]] = []  # (perf_counter, playSchdlNo)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        response = await super()._handle(request)
        if request.path == SEATS_PATH:
            body = json.loads((await request.read()).decode("utf-8-sig") or "{}")
            self.seat_map_at.append((time.perf_counter(), str(body.get("playSchdlNo"))))
        return response


# -- subprocesses --------------------------------------------------------------------------


class Child:
    """A Python subprocess whose output is drained (a full pipe would stall it)."""

    def __init__(self, args: Sequence[str], env: dict[str, str], marker: str, *then: str) -> None:
        self.args = list(args)
        self.env = env
        self.marker = marker
        #: Further log lines start() waits for after the marker (e.g. catalogues loaded).
        self.then = set(then)
        self._seen: set[str] = set()
        self.lines: list[str] = []
        self.ready_after = 0.0
        self.started = 0.0
        self._ready = asyncio.Event()
        self._proc: asyncio.subprocess.Process | None = None
        self._pump: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    def rss(self) -> int:
        return int(psutil.Process(self.pid).memory_info().rss)

    async def start(self, limit: float = 30) -> float:
        started = self.started = time.perf_counter()
        self._proc = await asyncio.create_subprocess_exec(
            sys.executable, *self.args, cwd=ROOT, env=self.env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        self._pump = asyncio.create_task(self._read(started))
        try:
            await asyncio.wait_for(self._ready.wait(), limit)
        except TimeoutError:
            await self.stop()
            raise RuntimeError(
                f"{' '.join(self.args)} not ready in {limit} s:\n" + "".join(self.lines[-30:])
            ) from None
        return self.ready_after

    async def _read(self, started: float) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        while line := await self._proc.stdout.readline():
            text = line.decode(errors="replace")
            self.lines.append(text)
            if self.marker in text and not self.ready_after:
                self.ready_after = time.perf_counter() - started
            self._seen.update(m for m in self.then if m in text)
            if self.ready_after and self._seen == self.then and not self._ready.is_set():
                self._ready.set()
        if not self._ready.is_set():
            self._ready.set()  # exited: start() reports it

    async def stop(self) -> int:
        assert self._proc is not None
        if self._proc.returncode is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self._proc.wait(), 20)
            except TimeoutError:
                self._proc.kill()
                await self._proc.wait()
        if self._pump is not None:
            await self._pump
        return int(self._proc.returncode or 0)


#: With `--bytecode`, children run from bytecode, as in the image (the venv is compiled by
#: uv, the bot's code by the Dockerfile), compiled once into this cache, not into the
#: worktree. Without it they inherit this environment: here PYTHONDONTWRITEBYTECODE=1, so
#: every start compiles every module (how the earlier figures were measured).
PYCACHE = Path(tempfile.gettempdir()) / "megabox-bench-pycache"
FROM_SOURCE = True


def python_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WATCH_", "DISCORD_"))}
    if not FROM_SOURCE:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return env


def child_env(fake: FakeDiscord, **values: str) -> dict[str, str]:
    env = python_env()
    env.update(fake.env())
    env.update(PYTHONPATH=str(REDIRECT), DISCORD_TOKEN=TOKEN, PYTHONUNBUFFERED="1")
    env.update(values)
    return env


def bot_env(
    fake: FakeDiscord, mb: FakeMegabox, lotte: FakeLotte | None, tmp: Path, **values: str
) -> dict[str, str]:
    base = {
        "CHAINS": TWO_CHAINS if lotte is not None else MEGABOX_ONLY,
        "DISCORD_GUILD_ID": str(GUILD_ID),
        "ALERT_CHANNEL_ID": str(ALERT_CHANNEL),
        "STATUS_CHANNEL_ID": str(STATUS_CHANNEL),
        "MEGABOX_BASE_URL": mb.base_url,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'bot.db'}",
        "HEARTBEAT_FILE": str(tmp / "heartbeat"),
        "WATCH_MOVIE_NO": "25008000",
        "WATCH_BRANCHES": "1351",
        "WATCH_FORMATS": "MX4D",
        "WATCH_DAYS": "weekend",
        "WATCH_MENTION": "@here",
        "CHECK_SCHEDULE": NEVER,
        "CHECK_COOLDOWN_SECONDS": "0",  # the bench sends /check back to back on purpose
        "HISTORY_COOLDOWN_SECONDS": "0",  # and /history 20 times at once (the peak part)
        "LOG_LEVEL": "INFO",
    }
    if lotte is not None:
        base["LOTTE_BASE_URL"] = lotte.base_url
    base.update(values)
    return child_env(fake, **base)


async def import_seconds(code: str, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", code, cwd=ROOT, env=python_env()
        )
        if await proc.wait() != 0:
            raise RuntimeError(f"python -c {code!r} failed")
        times.append(time.perf_counter() - started)
    return statistics.median(times)


#: Imported in this order in one process, RSS read after each step: what the bot's imports cost.
IMPORT_STEPS: tuple[tuple[str, str], ...] = (
    ("python + psutil", "pass"),
    ("discord (with aiohttp)", "import discord"),
    ("apscheduler", "import apscheduler.schedulers.asyncio, apscheduler.triggers.cron"),
    ("aiosqlite, aiolimiter, msgspec", "import aiosqlite, aiolimiter, msgspec"),
    (
        "bot.app and its cogs",
        "import bot.app\nfor n in bot.app.EXTENSIONS: importlib.import_module(n)",
    ),
)


async def import_rss() -> list[tuple[str, int]]:
    code = ["import importlib, json, psutil", "rss = []"]
    for name, step in IMPORT_STEPS:
        code += [step, f"rss.append(({name!r}, psutil.Process().memory_info().rss))"]
    code.append("print(json.dumps(rss))")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "\n".join(code), cwd=ROOT, env=python_env(),
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, _ = await proc.communicate()
    return [(str(n), int(v)) for n, v in json.loads(stdout)]


# -- 1. start-up and the baseline ----------------------------------------------------------


def catalogue_marks(chains: str) -> list[str]:
    return [CATALOGUE_MARK.format(chain=c) for c in chains.split(",")]


@dataclass
class Startup:
    chains: str
    fresh: list[float] = field(default_factory=list)  # new database: migrations, command sync
    restart: list[float] = field(default_factory=list)  # same database
    rss_ready: list[int] = field(default_factory=list)
    bare_ready: dict[str, list[float]] = field(default_factory=dict)
    bare_rss: dict[str, list[int]] = field(default_factory=dict)
    import_bot: float = 0.0
    import_discord: float = 0.0
    to_identify: list[float] = field(default_factory=list)  # process start → IDENTIFY
    bare_to_identify: list[float] = field(default_factory=list)
    imports: list[tuple[str, int]] = field(default_factory=list)


async def measure_startup(runs: int, chains: str, first: bool = True) -> Startup:
    """The bot with `chains` (RSS read once every chain's catalogue is loaded), each fresh
    start followed by a bare client's (GUILDS intent), so that the machine's load of the
    moment weighs on both; if `first`, also the bare client with default intents and the
    import costs."""
    out = Startup(chains)
    if first:
        out.imports = await import_rss()
        out.import_discord = await import_seconds("import discord")
        out.import_bot = await import_seconds(
            "import importlib, bot.app\nfor n in bot.app.EXTENSIONS: importlib.import_module(n)"
        )
    fake = StampedDiscord(guilds=[make_guild()])
    async with fake, StampedMegabox() as mb, lotte_for(chains) as lotte:

        async def one_start(tmp: Path) -> tuple[float, float, int]:
            env = bot_env(fake, mb, lotte, tmp)
            child = Child(["-m", "bot"], env, READY_MARK, *catalogue_marks(chains))
            await child.start()
            ready = child.ready_after
            identified = fake.identified_at[-1] - child.started
            await asyncio.sleep(1.0)  # let the start-up settle before reading RSS
            rss = child.rss()
            if await child.stop() != 0:
                raise RuntimeError("bot exited non-zero:\n" + "".join(child.lines[-30:]))
            return ready, identified, rss

        async def bare_start(which: str) -> None:
            child = Child(["-m", "bench._bare_client", which], child_env(fake), "ready as")
            ready = await child.start()
            if which == "guilds":
                out.bare_to_identify.append(fake.identified_at[-1] - child.started)
            await asyncio.sleep(1.0)
            out.bare_rss.setdefault(which, []).append(child.rss())
            out.bare_ready.setdefault(which, []).append(ready)
            await child.stop()

        for _ in range(runs):  # a new database each time: migrations, command sync
            with tempfile.TemporaryDirectory(prefix="bench-bot-") as tmp:
                ready, identified, rss = await one_start(Path(tmp))
            out.fresh.append(ready)
            out.to_identify.append(identified)
            out.rss_ready.append(rss)
            await bare_start("guilds")
        with tempfile.TemporaryDirectory(prefix="bench-bot-") as tmp:
            await one_start(Path(tmp))  # creates the database
            for _ in range(runs):
                out.restart.append((await one_start(Path(tmp)))[0])
        for _ in range(runs if first else 0):
            await bare_start("default")
    return out


# -- 2. RSS over many /check ---------------------------------------------------------------


@dataclass
class RssRun:
    checks: int
    samples: list[tuple[int, int]] = field(default_factory=list)  # (checks done, RSS)
    round_trips: list[float] = field(default_factory=list)  # /check sent → follow-up
    requests_per_check: float = 0.0
    alerts: int = 0
    edits: int = 0
    status_lines: int = 0


def _four_days(mb: FakeMegabox) -> tuple[list[str], list[str]]:
    """The synthetic scenario of the RSS and peak parts: 2 branches of one film on the next
    four days, every other date closed; its dates and branch codes."""
    today = datetime.now(KST).date()
    dates = [f"{today + timedelta(days=n):%Y%m%d}" for n in range(1, 5)]
    codes = mb.load_synthetic(2, dates, ["25008000"], 4, replace=True)
    for day in mb.open_dates:
        if day not in dates:
            mb.close_date(day)
    return dates, codes


async def measure_rss(checks: int, chains: str) -> RssRun:
    out = RssRun(checks)
    fake = StampedDiscord(guilds=[make_guild()])
    async with fake, StampedMegabox() as mb, lotte_for(chains) as lotte:
        dates, codes = _four_days(mb)
        flip = mb.rows(dates[0])[0]
        flip_no, flip_rest = str(flip["playSchdlNo"]), int(flip["restSeatCnt"]) or 20
        with tempfile.TemporaryDirectory(prefix="bench-rss-") as tmp:
            env = bot_env(
                fake,
                mb,
                lotte,
                Path(tmp),
                WATCH_BRANCHES=",".join(codes),
                WATCH_FORMATS="NOR,MX4D,DBC",
                WATCH_DAYS="all",
                WATCH_MIN_SEATS="2",
            )
            loaded = catalogue_marks(chains)
            child = Child(["-m", "bench._bot_unthrottled"], env, READY_MARK, *loaded)
            await child.start()
            await asyncio.sleep(1.0)
            out.samples.append((0, child.rss()))
            marks = {1, 10, 25, 50, 100, 150, checks} | set(range(0, checks + 1, 100))
            mb.reset_log()
            try:
                for n in range(1, checks + 1):
                    if n % 5 == 0:  # seats sell out and come back: alerts, edits, revivals
                        mb.set_rest_seats(flip_no, 0 if n % 10 == 5 else flip_rest)
                    sent = time.perf_counter()
                    interaction = await fake.send_command(GUILD_ID, GENERAL_CHANNEL, ADMIN, "check")
                    await fake.wait_for_followup(interaction, timeout=60)
                    out.round_trips.append(time.perf_counter() - sent)
                    if n in marks:
                        out.samples.append((n, child.rss()))
                await fake.wait_for_messages(STATUS_CHANNEL, checks, timeout=30)
            finally:
                await child.stop()
            out.requests_per_check = mb.count() / checks
            out.alerts = len(fake.messages_in(ALERT_CHANNEL))
            out.edits = len(fake.message_edits)
            out.status_lines = len(fake.messages_in(STATUS_CHANNEL))
    return out


# -- 2b. peak memory of the bot and its drawing processes ----------------------------------


@dataclass
class PeakRun:
    bot_rss: int = 0  # the bot's RSS when the sum peaked
    peak_sum: int = 0  # the bot plus every child process, at the highest sample
    most_children: int = 0  # drawing processes alive at once, at most
    alerts: int = 0
    charts: int = 0
    seconds: float = 0.0


def _tree_rss(pid: int) -> tuple[int, int, int]:
    """RSS of a process, of it and all its children, and how many children."""
    try:
        parent = psutil.Process(pid)
        children = parent.children(recursive=True)
        own = int(parent.memory_info().rss)
    except psutil.NoSuchProcess:
        return 0, 0, 0
    total = own
    for child in children:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += int(child.memory_info().rss)
    return own, total, len(children)


async def measure_peak(chains: str, histories: int = 20) -> PeakRun:
    """The bot's first check opens ~30 alerts with pictures; while they are delivered,
    `histories` members press /history at once. RSS of the bot and all its child processes
    is sampled every 10 ms: the compose file allows 256 MiB for all of them."""
    out = PeakRun()
    fake = StampedDiscord(guilds=[make_guild()])
    async with fake, StampedMegabox() as mb, lotte_for(chains) as lotte:
        _dates, codes = _four_days(mb)
        with tempfile.TemporaryDirectory(prefix="bench-peak-") as tmp:
            env = bot_env(
                fake, mb, lotte, Path(tmp),
                WATCH_BRANCHES=",".join(codes), WATCH_FORMATS="NOR,MX4D,DBC",
                WATCH_DAYS="all", WATCH_MIN_SEATS="2",
            )  # fmt: skip
            child = Child(["-m", "bench._bot_unthrottled"], env, READY_MARK)
            await child.start()
            stop = asyncio.Event()

            async def sample() -> None:
                while not stop.is_set():
                    own, total, n = _tree_rss(child.pid)
                    if total > out.peak_sum:
                        out.peak_sum, out.bot_rss = total, own
                    out.most_children = max(out.most_children, n)
                    await asyncio.sleep(0.01)

            sampler = asyncio.create_task(sample())
            started = time.perf_counter()
            try:
                first = await fake.send_command(GUILD_ID, GENERAL_CHANNEL, ADMIN, "check")
                await fake.wait_for_followup(first, timeout=120)
                presses = [
                    await fake.send_command(GUILD_ID, GENERAL_CHANNEL, ADMIN, "history")
                    for _ in range(histories)
                ]
                for press in presses:
                    await fake.wait_for_followup(press, timeout=180)
                await fake.wait_for_messages(ALERT_CHANNEL, 20, timeout=120)
                out.seconds = time.perf_counter() - started
            finally:
                stop.set()
                await sampler
                await child.stop()
            out.alerts = len(fake.messages_in(ALERT_CHANNEL))
            out.charts = len(fake.files)
    return out


# -- 3. the bot in this process: defer and alert latency -----------------------------------


@contextlib.asynccontextmanager
async def bot_in_process(
    fake: FakeDiscord, mb: FakeMegabox, lotte: FakeLotte | None, tmp: Path
) -> AsyncIterator[tuple[WatchBot, Clock]]:
    """tests/e2e.running_bot with production client timeouts (its 0.25 s would trip at 0.5 s);
    with `lotte`, both chains as deployed, Lotte at its production budget. Yields once every
    chain's catalogue is loaded."""
    clock = Clock()
    chains = {"chains": TWO_CHAINS, "lotte_base_url": lotte.base_url} if lotte else {}
    settings = make_settings(
        mb,
        f"sqlite+aiosqlite:///{tmp / 'bot.db'}",
        tmp,
        check_schedule=NEVER,
        check_cooldown_seconds=0,
        # Seats together: the alert waits for the opening's seat map, which the timing starts
        # from (a plain N could be settled by the count alone, with no map read).
        watch_together=True,
        **chains,
    )
    options = ClientOptions(base_url=mb.base_url, requests_per_second=0, jitter_seconds=0)
    lotte_options = LotteOptions(base_url=lotte.base_url) if lotte else None
    with fake.patch_client():
        async with open_bot(
            settings,
            client_options=options,
            lotte_options=lotte_options,
            clock=clock,
            guild_ready_timeout=0.05,
        ) as bot:
            task = asyncio.create_task(bot.start(TOKEN))
            await asyncio.wait_for(bot.wait_until_ready(), 15)
            try:
                # Waits for the refresh begun once connected, or does it (then fresh).
                await asyncio.wait_for(bot.catalogue.refresh(), 30)
                yield bot, clock
            finally:
                await bot.shutdown()
                await asyncio.wait_for(task, 15)


def watcher_of(bot: WatchBot) -> Watcher:
    cog = bot.get_cog("Watcher")
    assert cog is not None
    return cast(Watcher, cog)


@dataclass
class Defers:
    idle: list[float] = field(default_factory=list)
    slow: list[float] = field(default_factory=list)
    slow_answer: list[float] = field(default_factory=list)  # the whole /check, slow MEGABOX
    busy: list[float] = field(default_factory=list)  # while another check waits on MEGABOX


async def _one_check_command(fake: StampedDiscord) -> tuple[float, float]:
    sent = time.perf_counter()
    interaction = await fake.send_command(GUILD_ID, GENERAL_CHANNEL, ADMIN, "check")
    callback = await fake.wait_for_callback(interaction)
    if callback.get("type") != 5:
        raise RuntimeError(f"/check did not defer: {callback}")
    await fake.wait_for_followup(interaction, timeout=60)
    return fake.callback_at[interaction.id] - sent, time.perf_counter() - sent


async def measure_defers(runs: int, chains: str) -> Defers:
    out = Defers()
    fake = StampedDiscord(guilds=[make_guild()])
    async with fake, StampedMegabox() as mb, lotte_for(chains) as lotte:
        mb.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
        with tempfile.TemporaryDirectory(prefix="bench-defer-") as tmp:
            async with bot_in_process(fake, mb, lotte, Path(tmp)) as (bot, clock):
                watcher = watcher_of(bot)
                await _one_check_command(fake)  # warm-up: first check, first alert
                for _ in range(runs):
                    clock.advance(minutes=10)
                    defer, _ = await _one_check_command(fake)
                    out.idle.append(defer)
                mb.latency = 0.5
                for _ in range(runs):
                    clock.advance(minutes=10)
                    defer, answer = await _one_check_command(fake)
                    out.slow.append(defer)
                    out.slow_answer.append(answer)
                while len(out.busy) < runs:
                    clock.advance(minutes=10)
                    background = asyncio.create_task(watcher.run_check("bench"))
                    await asyncio.sleep(0.1)
                    while not background.done() and len(out.busy) < runs:
                        defer, _ = await _one_check_command(fake)
                        if not background.done():
                            out.busy.append(defer)
                        await asyncio.sleep(0.05)
                    await background
    return out


@dataclass
class AlertLatency:
    latency: float
    served_to_post: list[float] = field(default_factory=list)
    served_to_check_done: list[float] = field(default_factory=list)


async def measure_alert_latency(latency: float, runs: int, chains: str) -> AlertLatency:
    out = AlertLatency(latency)
    mb = StampedMegabox()  # `async with` would type it as the base class
    async with StampedDiscord(guilds=[make_guild()]) as fake, mb, lotte_for(chains) as lotte:
        with tempfile.TemporaryDirectory(prefix="bench-alert-") as tmp:
            async with bot_in_process(fake, mb, lotte, Path(tmp)) as (bot, clock):
                watcher = watcher_of(bot)
                await watcher.run_check("bench")  # the first check: store warm, halls known
                mb.latency = latency
                check_done: list[float] = []
                run = bot.checker.run

                async def timed_run(*args: Any, **kwargs: Any) -> Any:
                    result = await run(*args, **kwargs)
                    check_done.append(time.perf_counter())
                    return result

                bot.checker.run = timed_run  # type: ignore[method-assign]
                coex = native(COEX_MX4D_1940)
                for _ in range(runs):
                    clock.advance(hours=1)  # past the flap damping: a new opening, a new alert
                    mb.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
                    posts_before = len(fake.posted_at)
                    maps_before = len(mb.seat_map_at)
                    await watcher.run_check("bench")
                    await watcher.settle()  # delivery runs in its own task
                    alerts = [t for t, ch in fake.posted_at[posts_before:] if ch == ALERT_CHANNEL]
                    # The fake sees MEGABOX's own code; the tests' constant is qualified.
                    served = [t for t, no in mb.seat_map_at[maps_before:] if no == coex]
                    if len(alerts) != 1 or not served:
                        raise RuntimeError(f"expected one alert, got {len(alerts)}")
                    out.served_to_post.append(alerts[0] - served[-1])
                    out.served_to_check_done.append(check_done[-1] - served[-1])
                    mb.sell_out(COEX_MX4D_1940)
                    clock.advance(hours=1)
                    await watcher.run_check("bench")  # closes the opening (the alert is edited)
    return out


# -- report --------------------------------------------------------------------------------


def _ms(values: Sequence[float]) -> str:
    if not values:
        return "n/a"
    return (
        f"median {statistics.median(values) * 1000:7.1f} ms, max {max(values) * 1000:7.1f} ms"
        f"  (n={len(values)})"
    )


def _mib(n: float) -> str:
    return f"{n / MIB:.1f} MiB"


def print_header() -> None:
    print(
        f"bot_numbers: discord.py {_version('discord.py')}, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs; fake Discord, fake MEGABOX and fake Lotte on 127.0.0.1"
    )
    print()


def print_startup(startup: Startup, base: Startup) -> None:
    """`base` holds the default-intents client's RSS and the import costs (measured once)."""
    print(f"CHAINS={startup.chains}")
    print("start-up (subprocess, process start → log line 'connected to Discord as'):")
    print(f"  fresh database (migrations, command sync)  {_s(startup.fresh)}")
    print(f"  restart on the same database               {_s(startup.restart)}")
    print(f"  bare discord.Client, GUILDS intent         {_s(startup.bare_ready['guilds'])}")
    to_identify = statistics.median(startup.to_identify)
    bare_identify = statistics.median(startup.bare_to_identify)
    print(f"  process start → IDENTIFY: bot              {_s(startup.to_identify)}")
    print(f"  process start → IDENTIFY: bare client      {_s(startup.bare_to_identify)}"
          f"  bot = {to_identify / bare_identify:.2f}x bare (target 1.3x)")  # fmt: skip
    if base is startup:
        print(f"  imports alone: discord {startup.import_discord:.2f} s, bot.app + cogs "
              f"{startup.import_bot:.2f} s (python -c, median of 3)")  # fmt: skip
    print()
    bare = statistics.median(startup.bare_rss["guilds"])
    bare_default = statistics.median(base.bare_rss["default"])
    ready = statistics.median(startup.rss_ready)
    print("RSS (psutil, 1 s after ready and every chain's catalogue loaded, median):")
    print(f"  bare discord.Client, GUILDS intent         {_mib(bare)}")
    print(f"  bare discord.Client, default intents       {_mib(bare_default)}")
    print(f"  the bot (python -m bot)                    {_mib(ready)}  = {ready / bare:.2f}x bare"
          " (target 1.25x)")  # fmt: skip
    if base is startup:
        print("  imports, one process, RSS after each step:")
        previous = 0
        for name, value in startup.imports:
            print(f"    {name:34} {_mib(value):>10}  ({(value - previous) / MIB:+.1f} MiB)")
            previous = value
    print(flush=True)


def print_rss(rss: RssRun, bare: float, chains: str) -> None:
    first = rss.samples[0][1]
    print(f"CHAINS={chains}: RSS of the bot over {rss.checks} /check (each a full check; "
          "request budgets lifted):")  # fmt: skip
    for n, value in rss.samples:
        print(f"  after {n:4d} checks  {_mib(value):>10}  ({(value - first) / MIB:+.1f} MiB)")
    by_n = dict(rss.samples)
    if 50 in by_n and rss.checks > 50:
        tail = (by_n[rss.checks] - by_n[50]) / (rss.checks - 50) / 1024
        print(f"  growth from check 50 to {rss.checks}: {tail:.1f} KiB per check")
    peak = max(v for _, v in rss.samples)
    print(f"  peak {_mib(peak)} = {peak / bare:.2f}x bare (target 1.3x = {_mib(1.3 * bare)})")
    print(
        f"  {rss.requests_per_check:.0f} MEGABOX requests per check; {rss.alerts} alerts posted, "
        f"{rss.edits} edits, {rss.status_lines} status lines"
    )
    print(f"  /check sent → follow-up received           {_ms(rss.round_trips)}")
    print(flush=True)


def print_peak(peak: PeakRun) -> None:
    print("peak RSS, bot + its drawing processes (first check's alerts with pictures, then")
    print("20 /history pressed at once while they are delivered; sampled every 10 ms):")
    print(f"  bot + children at the peak                 {_mib(peak.peak_sum)} "
          f"(the bot {_mib(peak.bot_rss)}); compose mem_limit 256 MiB")  # fmt: skip
    print(f"  drawing processes alive at once (most)     {peak.most_children}")
    print(f"  alerts posted {peak.alerts}, files uploaded {peak.charts}, {peak.seconds:.1f} s")
    print(flush=True)


def print_defers(defers: Defers, chains: str) -> None:
    print(f"CHAINS={chains}: /check: INTERACTION_CREATE sent → type-5 (defer) callback received:")
    print(f"  MEGABOX fast (0 ms)                        {_ms(defers.idle)}")
    print(f"  MEGABOX slow (500 ms per request)          {_ms(defers.slow)}")
    print(f"  slow, while another check is running       {_ms(defers.busy)}")
    print(f"  (whole /check answer at 500 ms             {_ms(defers.slow_answer)})")
    print(flush=True)


def print_alerts(alerts: Sequence[AlertLatency], chains: str) -> None:
    print(f"CHAINS={chains}: MEGABOX served the opening's seat map → alert POST received:")
    for a in alerts:
        print(f"  MEGABOX latency {a.latency * 1000:3.0f} ms                    "
              f"{_ms(a.served_to_post)}")  # fmt: skip
        print(f"    of which the rest of the check           {_ms(a.served_to_check_done)}")
    print(flush=True)


def _s(values: Sequence[float]) -> str:
    if not values:
        return "n/a"
    return f"median {statistics.median(values):.2f} s, max {max(values):.2f} s (n={len(values)})"


def _version(dist: str) -> str:
    from importlib.metadata import version

    return version(dist)


async def main_async(
    checks: int,
    runs: int,
    only: str | None = None,
    chain_sets: Sequence[str] = (TWO_CHAINS,),
    starts: int = 3,
) -> None:
    """Each part for each of `chain_sets` in turn, beside the bare client of the same run."""
    started = time.perf_counter()
    print_header()
    base: Startup | None = None
    bare_rss: list[int] = []
    for chains in chain_sets:
        startup = await measure_startup(starts, chains, first=base is None)
        base = base or startup
        bare_rss += startup.bare_rss["guilds"]
        print_startup(startup, base)
    bare = statistics.median(bare_rss)
    if only in (None, "rss"):
        for chains in chain_sets:
            print_rss(await measure_rss(checks, chains), bare, chains)
    if only in (None, "peak"):
        for chains in chain_sets:
            print(f"CHAINS={chains}:")
            print_peak(await measure_peak(chains))
    if only in (None, "defer"):
        for chains in chain_sets:
            print_defers(await measure_defers(runs, chains), chains)
    if only in (None, "alerts"):
        for chains in chain_sets:
            latencies = [
                await measure_alert_latency(0.0, runs, chains),
                await measure_alert_latency(0.05, runs, chains),
            ]
            print_alerts(latencies, chains)
    print(f"[done in {time.perf_counter() - started:.0f} s]")


def main() -> None:
    parser = argparse.ArgumentParser(description="the Discord bot's numbers against the fakes")
    parser.add_argument("--checks", type=int, default=200, help="/check runs for the RSS figure")
    parser.add_argument("--runs", type=int, default=20, help="samples per latency figure")
    parser.add_argument(
        "--bytecode", action="store_true", help="children run from compiled bytecode"
    )
    parser.add_argument(
        "--only",
        choices=["startup", "rss", "peak", "defer", "alerts"],
        help="start-up (always measured, the baseline) and only this part",
    )
    parser.add_argument(
        "--chains",
        nargs="+",
        default=[TWO_CHAINS],
        choices=[TWO_CHAINS, MEGABOX_ONLY],
        help=f"the bot's CHAINS, one run of each part per value (default {TWO_CHAINS}, as "
        f"deployed; '{TWO_CHAINS} {MEGABOX_ONLY}' compares with MEGABOX only)",
    )
    parser.add_argument(
        "--starts", type=int, default=3, help="bot and bare-client starts per start-up figure"
    )
    args = parser.parse_args()
    global FROM_SOURCE
    FROM_SOURCE = not args.bytecode
    if not FROM_SOURCE:  # the in-process bot's drawing workers too
        os.environ.update({k: v for k, v in python_env().items() if k == "PYTHONPYCACHEPREFIX"})
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    asyncio.run(main_async(args.checks, args.runs, args.only, args.chains, args.starts))


if __name__ == "__main__":
    main()
