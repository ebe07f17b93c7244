"""One check over a large configuration: 200 watches, 20 branches, 14 dates.

    uv run python -m bench.check_scale [--latency 0.05]

The real `Checker`, a real SQLite store in a temporary directory and the real `MegaboxClient`
talk to the synthetic fake MEGABOX, which runs in a process of its own (so that its CPU and
memory are not counted as ours) and adds `--latency` seconds to every request. The client has
no request budget and no jitter; the wall time at the production budget (0.5 req/s) is printed
next to it. Three passes over a fresh database each, first and second check every time:

1. timing at the given latency: requests vs the minimum, wall time, process CPU, RSS;
2. cProfile (main-thread CPU clock) at latency 0: where our CPU goes, by package;
3. tracemalloc at latency 0: peak Python memory of each check.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import pstats
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import psutil  # type: ignore[import-untyped]

from bench._fake_megabox import BenchMegabox, build, synthetic_dates
from bot.chains.base import KST, OpenDay, Screening
from bot.chains.megabox.client import (
    BOKD_PATH,
    SEATS_PATH,
    ClientOptions,
    MegaboxClient,
    decode_body,
    parse_booking_page,
    parse_seat_map,
)
from bot.chains.megabox.models import SEAT_ANSWER, read_screening
from bot.checking.checker import Checker, CheckResult
from bot.checking.planner import make_chunks, minimum_listing_requests
from bot.memory import settle_after_start
from bot.seats.count import evaluate
from bot.store.repo import Store
from bot.watches.watch import Days, Mention, TimeWindow, Watch

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024

WATCHES = 200
BRANCHES = 20
FIRST_DATE = date(2026, 12, 14)  # a Monday; 12-25 is a MEGABOX holiday in the fake's calendar
DAYS = 14
#: Three films of the fixture catalogue and three more the fake makes up titles for.
MOVIES = ("25008000", "26018900", "26073500", "26100100", "26100200", "26100300")
SCREENS_PER_BRANCH_DAY = 10
HORIZON_DAYS = 21
#: The checker's clock: before the first screening (09:00) of the first synthetic date.
NOW = datetime(2026, 12, 14, 7, 0, tzinfo=KST)
ALERT_CHANNEL = 900_000_000_000_000_001
PRODUCTION_RATE = 0.5  # ClientOptions.requests_per_second default


# -- the configuration ---------------------------------------------------------------------


def make_watches(codes: Sequence[str], dates: Sequence[str]) -> list[Watch]:
    """200 watches, deterministic: a mix of movies, 1-3 branches, formats, days, seats."""
    rng = random.Random(20261214)
    formats: list[frozenset[str]] = [
        frozenset({"MX4D"}),
        frozenset(),  # any format
        frozenset({"MX4D"}),
        frozenset({"NOR"}),
        frozenset({"DBC"}),
        frozenset({"MX4D", "DBC"}),
    ]
    iso = [f"{d[:4]}-{d[4:6]}-{d[6:]}" for d in dates]
    days = [
        "weekend",
        "weekdays",
        "all",
        f"{iso[4]},{iso[5]}",  # explicit dates: a Friday and a Saturday
        "weekend",
        f"{iso[11]}",  # the holiday (12-25) only
        "sat,sun",
    ]
    return [
        mixed_watch(
            i,
            f"bench-{i}",
            tuple(rng.sample(list(codes), 1 + i % 3)),
            formats[i % len(formats)],
            days[i % len(days)],
        )
        for i in range(WATCHES)
    ]


def mixed_watch(
    i: int, name: str, branches: tuple[str, ...], formats: frozenset[str], days: str
) -> Watch:
    """The i-th watch of the benches' deterministic mix: its movie, time window, seats and
    "together" follow from i; branches, formats and days are the caller's."""
    return Watch(
        name=name,
        movie_id=MOVIES[i % len(MOVIES)],
        branches=branches,
        formats=formats,
        days=Days.parse(days),
        window=TimeWindow.parse("18:00-23:59") if i % 9 == 4 else None,
        min_seats=1 + (i * 7) % 6,
        together=i % 4 == 3,
        channel_id=ALERT_CHANNEL,
        mention=Mention.parse("@here"),
    )


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


# -- the fake in its own process -----------------------------------------------------------


class FakeProcess:
    """`python -m bench._fake_megabox` with the same data as `build(...)` makes here."""

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.url = ""
        self._proc: asyncio.subprocess.Process | None = None
        self._http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> FakeProcess:
        args = ["--branches", str(BRANCHES), "--first", FIRST_DATE.isoformat()]
        args += ["--days", str(DAYS), "--screens", str(SCREENS_PER_BRANCH_DAY)]
        args += ["--latency", str(self.latency), "--movies", *MOVIES]
        self._proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench._fake_megabox", *args,
            cwd=ROOT, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert self._proc.stdout is not None
        line = (await asyncio.wait_for(self._proc.stdout.readline(), 30)).decode().strip()
        if not line.startswith("listening on "):
            raise RuntimeError(f"fake MEGABOX did not start: {line!r}")
        self.url = line.removeprefix("listening on ")
        self._http = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._http is not None:
            await self._http.close()
        if self._proc is not None and self._proc.returncode is None:
            self._proc.terminate()
            try:
                await asyncio.wait_for(self._proc.wait(), 10)
            except TimeoutError:
                self._proc.kill()
                await self._proc.wait()

    async def _call(self, method: str, path: str) -> dict[str, Any]:
        assert self._http is not None
        async with self._http.request(method, f"{self.url}{path}") as resp:
            data: dict[str, Any] = await resp.json()
            return data

    async def stats(self) -> dict[str, int]:
        return {k: int(v) for k, v in (await self._call("GET", "/bench/stats")).items()}

    async def log(self) -> list[tuple[str, str]]:
        assert self._http is not None
        async with self._http.get(f"{self.url}/bench/log") as resp:
            return [(str(e), str(k)) for e, k in await resp.json()]

    async def reset(self) -> None:
        await self._call("POST", "/bench/reset")

    async def set_latency(self, seconds: float) -> None:
        await self._call("POST", f"/bench/latency?s={seconds}")


def client_options(base_url: str) -> ClientOptions:
    """No request budget, no jitter; production timeouts and retries."""
    return ClientOptions(base_url=base_url, requests_per_second=0, jitter_seconds=0)


# -- the minimum ---------------------------------------------------------------------------


@dataclass
class SeatMapMinimum:
    candidates: int  # screenings the checker's rule must look at: the minimum for seat maps


def seat_map_minimum(
    rows: Sequence[Screening],
    watches: Sequence[Watch],
    calendar: dict[date, OpenDay],
    today: date,
) -> SeatMapMinimum:
    """Seat maps one check needs, computed from the fake's rows independently of the checker.

    A screening needs a seat map when a watch wants it, it is bookable and its restSeatCnt
    reaches the fewest seats a wanting watch asks for (product.md "Check", corrected: an
    unchanged count proves nothing, so every such *candidate* is read at every check).
    """
    last = today + timedelta(days=HORIZON_DAYS - 1)
    candidates = 0
    for s in rows:
        entry = calendar.get(s.play_date)
        if entry is None or not entry.open or not today <= s.play_date <= last:
            continue
        wanting = [w for w in watches if w.wants(s, bool(entry.holiday))]
        if wanting and s.bookable and s.free_seats >= min(w.min_seats for w in wanting):
            candidates += 1
    return SeatMapMinimum(candidates)


# -- one pass ------------------------------------------------------------------------------


@dataclass
class CheckNumbers:
    result: CheckResult
    wall: float
    cpu: float  # process CPU, all threads
    main_cpu: float  # main thread only (the event loop)
    fake: dict[str, int]
    rss_before: int
    rss_after: int
    min_listing: int = 0
    min_seats: SeatMapMinimum | None = None
    traced_peak: int = 0
    #: How late the event loop was for a 10 ms timer during the check (loop lag): the worst
    #: and the 99th percentile (on a shared machine the worst includes being descheduled).
    max_lag: float = 0.0
    p99_lag: float = 0.0
    profile: pstats.Stats | None = None
    #: Per screening that opened: MEGABOX requests the check still made after its seat map.
    requests_after_opening: list[int] = field(default_factory=list)


Measure = Callable[[Callable[[], Awaitable[CheckResult]]], Awaitable[tuple[CheckResult, Any]]]


@dataclass
class Pass:
    checks: list[CheckNumbers] = field(default_factory=list)
    calendar: dict[date, OpenDay] = field(default_factory=dict)
    max_rss_kib: int = 0  # ru_maxrss of this process when the pass ended


async def run_pass(
    fake: FakeProcess,
    mirror: BenchMegabox,
    codes: Sequence[str],
    *,
    latency: float,
    mode: str,  # "timing" | "profile" | "memory"
) -> Pass:
    await fake.set_latency(latency)
    rows = [read_screening(r) for r in mirror.rows()]
    out = Pass()
    proc = psutil.Process()
    with tempfile.TemporaryDirectory(prefix="bench-check-") as tmp:
        store = await Store.open(f"sqlite+aiosqlite:///{tmp}/watch.db")
        try:
            clock = Clock()
            for w in make_watches(codes, synthetic_dates(FIRST_DATE, DAYS)):
                await store.add_watch(w, now=clock.now)
            async with MegaboxClient(client_options(fake.url)) as client:
                checker = Checker(
                    client,
                    store,
                    horizon_days=HORIZON_DAYS,
                    damping=timedelta(minutes=30),
                    default_channel_id=ALERT_CHANNEL,
                    clock=clock,
                )
                # The open-dates calendar as MEGABOX serves it (one request, not counted).
                page = await client.booking_page(clock.now.date(), [codes[0]])
                out.calendar = {e.play_date: e for e in page.calendar}
                watches = await store.watches(include_paused=False)
                for _ in ("first", "second"):
                    today = clock.now.date()
                    minimum = seat_map_minimum(rows, watches, out.calendar, today)
                    await fake.reset()
                    gc.collect()
                    marks: list[int] = []

                    async def delivery_point(
                        fake: FakeProcess = fake, marks: list[int] = marks
                    ) -> None:
                        marks.append(len(await fake.log()))

                    numbers = await _measure(checker, proc, mode, delivery_point)
                    numbers.fake = await fake.stats()
                    numbers.requests_after_opening = after_openings(
                        numbers.result, await fake.log(), marks
                    )
                    numbers.min_listing = minimum_listing_requests(
                        watches, out.calendar, today, HORIZON_DAYS
                    )
                    numbers.min_seats = minimum
                    out.checks.append(numbers)
                    clock.now += timedelta(hours=1)  # the next hourly check
        finally:
            await store.close()
    out.max_rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return out


def after_openings(
    result: CheckResult, log: Sequence[tuple[str, str]], marks: Sequence[int]
) -> list[int]:
    """Alerts go out when the chunk that found them is stored (`marks`: the request count at
    each delivery point): the requests between each opening's seat map and its delivery."""
    position = {key: n for n, (endpoint, key) in enumerate(log) if endpoint == "seats"}
    opened = {o.screening.screening_id for o in result.openings}
    points = [*marks, len(log)]
    return sorted(
        next(m for m in points if m > position[no]) - 1 - position[no]
        for no in opened
        if no in position
    )


async def _measure(
    checker: Checker,
    proc: psutil.Process,
    mode: str,
    on_progress: Callable[[], Awaitable[None]] | None = None,
) -> CheckNumbers:
    rss_before = proc.memory_info().rss
    profiler: cProfile.Profile | None = None
    if mode == "profile":
        # Main-thread CPU clock: waiting in epoll costs nothing, as it should.
        profiler = cProfile.Profile(time.thread_time)
    if mode == "memory":
        tracemalloc.start()
        tracemalloc.reset_peak()
    lags: list[float] = []

    async def watch_lag() -> None:
        loop = asyncio.get_running_loop()
        while True:
            asked = loop.time()
            await asyncio.sleep(0.01)
            lags.append(loop.time() - asked - 0.01)

    wall0, cpu0, main0 = time.perf_counter(), time.process_time(), time.thread_time()
    if profiler is not None:
        profiler.enable()
    lag_task = asyncio.create_task(watch_lag())
    try:
        result = await checker.run("bench", on_progress=on_progress)
    finally:
        lag_task.cancel()
        if profiler is not None:
            profiler.disable()
    wall = time.perf_counter() - wall0
    cpu, main_cpu = time.process_time() - cpu0, time.thread_time() - main0
    peak = 0
    if mode == "memory":
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return CheckNumbers(
        result=result,
        wall=wall,
        cpu=cpu,
        main_cpu=main_cpu,
        fake={},
        rss_before=rss_before,
        rss_after=proc.memory_info().rss,
        traced_peak=peak,
        max_lag=max(lags, default=0.0),
        p99_lag=sorted(lags)[int(len(lags) * 0.99)] if lags else 0.0,
        profile=pstats.Stats(profiler) if profiler is not None else None,
    )


# -- the profile by package ----------------------------------------------------------------

_AREAS: tuple[tuple[str, str], ...] = (
    (str(ROOT / "bot") + "/", "bot/ (our code)"),
    ("/pydantic", "pydantic (row/seat parsing)"),
    ("/msgspec", "msgspec (JSON, seat maps)"),
    ("/aiosqlite/", "aiosqlite (store)"),
    ("/sqlite3/", "aiosqlite (store)"),
    ("/sqlalchemy/", "sqlalchemy (store)"),
    ("/aiohttp/", "aiohttp/yarl/multidict (HTTP)"),
    ("/yarl/", "aiohttp/yarl/multidict (HTTP)"),
    ("/multidict/", "aiohttp/yarl/multidict (HTTP)"),
    ("/tenacity/", "tenacity/aiolimiter"),
    ("/aiolimiter/", "aiolimiter (request budget)"),
    ("/asyncio/", "asyncio"),
    ("/json/", "json"),
)


def _area(filename: str) -> str | None:
    for needle, name in _AREAS:
        if needle in filename:
            return name
    if filename == "~":
        return None  # a C function: charged to whoever called it
    return "other Python (stdlib, ...)"


def area_breakdown(stats: pstats.Stats) -> dict[str, float]:
    """Self CPU per package; a C function's time goes to the package of its caller."""
    areas: dict[str, float] = defaultdict(float)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, callers) in raw.items():
        area = _area(filename)
        if area is not None:
            areas[area] += tottime
            continue
        if not callers:
            areas["C, no caller"] += tottime
            continue
        for (caller_file, _l, _n), timing in callers.items():
            areas[_area(caller_file) or "C called from C"] += timing[2]
    return dict(areas)


def top_bot_functions(stats: pstats.Stats, n: int = 8) -> list[tuple[str, float, float]]:
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    prefix = str(ROOT) + "/"
    found = [
        (f"{filename.removeprefix(prefix)}:{line} {name}", tottime, cumtime)
        for (filename, line, name), (_cc, _nc, tottime, cumtime, _callers) in raw.items()
        if filename.startswith(str(ROOT / "bot") + "/")
    ]
    return sorted(found, key=lambda f: -f[1])[:n]


# -- hot spots, without the profiler ------------------------------------------------------


@dataclass
class HotSpots:
    match_per_check: float  # every listing row against every watch, as evaluate() does
    listing_parse: float  # decode + parse one 3-branch listing answer
    listing_branch_rows: int  # areaBrchList entries parsed with every listing
    listing_screenings: int
    seat_parse: float  # decode + parse one seat map
    seat_evaluate: float  # usable seats and best block of one parsed map
    seats_per_map: float


async def _raw(http: aiohttp.ClientSession, url: str, body: dict[str, Any]) -> tuple[int, bytes]:
    async with http.post(url, json=body) as resp:
        return resp.status, await resp.read()


def _per_call(fn: Callable[[], object], repeat: int) -> float:
    started = time.process_time()
    for _ in range(repeat):
        fn()
    return (time.process_time() - started) / repeat


async def hot_spots(
    fake: FakeProcess, mirror: BenchMegabox, codes: Sequence[str], calendar: dict[date, OpenDay]
) -> HotSpots:
    await fake.set_latency(0)
    rows = [read_screening(r) for r in mirror.rows()]
    watches = make_watches(codes, synthetic_dates(FIRST_DATE, DAYS))
    holiday = {d: e.holiday for d, e in calendar.items()}

    def match() -> None:
        for s in rows:
            [w for w in watches if w.wants(s, bool(holiday.get(s.play_date)))]

    async with aiohttp.ClientSession() as http:
        body = {"playDe": f"{FIRST_DATE:%Y%m%d}", "brchNoListCnt": 3, "arrMovieNo": ""}
        body |= {f"brchNo{i + 1}": codes[i] for i in range(3)}
        status, listing = await _raw(http, fake.url + BOKD_PATH, body)
        maps = []
        for s in rows[:: max(len(rows) // 100, 1)]:
            body = {"playSchdlNo": s.screening_id, "brchNo": s.branch_id}
            maps.append((s.screening_id, await _raw(http, fake.url + SEATS_PATH, body)))
    data = decode_body("selectBokdList", status, "application/json", listing)
    parsed = [
        parse_seat_map(decode_body("selectSeatList", st, "application/json", raw, SEAT_ANSWER), no)
        for no, (st, raw) in maps
    ]
    seat_parse = _per_call(
        lambda: [
            parse_seat_map(
                decode_body("selectSeatList", st, "application/json", raw, SEAT_ANSWER), no
            )
            for no, (st, raw) in maps
        ],
        3,
    ) / len(maps)
    return HotSpots(
        match_per_check=_per_call(match, 3),
        listing_parse=_per_call(
            lambda: parse_booking_page(
                decode_body("selectBokdList", status, "application/json", listing)
            ),
            20,
        ),
        listing_branch_rows=len(data.get("areaBrchList") or []),
        listing_screenings=len(data.get("movieFormList") or []),
        seat_parse=seat_parse,
        seat_evaluate=_per_call(lambda: [evaluate(m) for m in parsed], 3) / len(parsed),
        seats_per_map=sum(len(m.seats) for m in parsed) / len(parsed),
    )


# -- report --------------------------------------------------------------------------------


def _median(values: Sequence[int], scale: float = 1.0, unit: str = "") -> str:
    if not values:
        return "-"
    return f"{statistics.median(values) * scale:.0f}{unit}"


def _mib(n: int) -> str:
    return f"{n / MIB:.1f} MiB"


def report(timing: Pass, prof: Pass, mem: Pass, hot: HotSpots, latency: float, n_rows: int) -> None:
    c = timing.checks
    first_day, last_day = FIRST_DATE, FIRST_DATE + timedelta(days=DAYS - 1)
    print(
        f"check_scale: {WATCHES} watches, {BRANCHES} branches, {DAYS} dates "
        f"({first_day:%m-%d}..{last_day:%m-%d}), {len(MOVIES)} movies, {n_rows} screenings "
        f"({SCREENS_PER_BRANCH_DAY} per branch and day)"
    )
    print(
        f"fake MEGABOX in its own process, {latency * 1000:.0f} ms per request; client with no "
        "request budget and no jitter (production: 0.5 req/s + up to 0.3 s jitter)"
    )
    print(f"checker clock {NOW:%Y-%m-%d %H:%M} KST, then +1 h; horizon {HORIZON_DAYS} days")
    print()
    cols = ("first check", "second check")
    print(f"{'':38}{cols[0]:>18}{cols[1]:>18}")

    def row(label: str, values: Sequence[str]) -> None:
        print(f"{label:38}" + "".join(f"{v:>18}" for v in values))

    row("watches / chunks (3 branches each)", [
        f"{len(x.result.watches)} / {len(make_chunks(x.result.watches, x.result.started_at.date(), HORIZON_DAYS))}"
        for x in c
    ])  # fmt: skip
    row("listing rows seen / screenings wanted", [
        f"{x.result.rows_seen} / {len(x.result.screenings)}" for x in c
    ])  # fmt: skip
    row("listing requests (min)", [f"{x.fake['bokd']} ({x.min_listing})" for x in c])
    row("seat-map requests (min)", [
        f"{x.fake['seats']} ({x.min_seats.candidates if x.min_seats else '?'})" for x in c
    ])  # fmt: skip
    row("requests total (checker says)", [f"{x.fake['total']} ({x.result.requests})" for x in c])
    row("errors / openings", [f"{len(x.result.errors)} / {len(x.result.openings)}" for x in c])
    row("wall time", [f"{x.wall:.1f} s" for x in c])
    row("  of which waiting on MEGABOX", [f"{x.fake['total'] * latency:.1f} s" for x in c])
    row("wall at 0.5 req/s (requests / 0.5)", [
        f"{x.fake['total'] / PRODUCTION_RATE / 60:.1f} min" for x in c
    ])  # fmt: skip
    row("screenings that opened", [f"{len(x.requests_after_opening)}" for x in c])
    row("  requests after their seat map: median", [_median(x.requests_after_opening) for x in c])
    row("  ... max", [f"{max(x.requests_after_opening, default=0)}" for x in c])
    row("  alert delay that adds at 0.5 req/s", [
        _median(x.requests_after_opening, 1 / PRODUCTION_RATE / 60, " min") for x in c
    ])  # fmt: skip
    row("process CPU (all threads)", [f"{x.cpu:.2f} s" for x in c])
    row(
        "  event-loop thread / others",
        [f"{x.main_cpu:.2f} / {x.cpu - x.main_cpu:.2f} s" for x in c],
    )
    row("event-loop lag, max / p99 (10 ms timer)", [
        f"{x.max_lag * 1000:.1f} / {x.p99_lag * 1000:.1f} ms" for x in c
    ])  # fmt: skip
    row("process CPU per listing row seen", [
        f"{x.cpu / max(x.result.rows_seen, 1) * 1000:.2f} ms" for x in c
    ])  # fmt: skip
    row("process CPU per screening wanted", [
        f"{x.cpu / max(len(x.result.screenings), 1) * 1000:.2f} ms" for x in c
    ])  # fmt: skip
    row("process CPU per request", [f"{x.cpu / max(x.fake['total'], 1) * 1000:.2f} ms" for x in c])
    row(
        "RSS before -> after",
        [f"{x.rss_before / MIB:.0f} -> {x.rss_after / MIB:.0f} MiB" for x in c],
    )
    row("tracemalloc peak (latency 0 pass)", [_mib(x.traced_peak) for x in mem.checks])
    peak = timing.max_rss_kib / 1024
    print(f"{'peak RSS, timing pass (ru_maxrss)':38}{peak:>17.0f} MiB  (the whole bench process)")
    print()
    print("CPU by package (cProfile on the event-loop thread, latency-0 pass; a C function is")
    print("charged to its caller's package; the profiler itself inflates Python-heavy parts):")
    breakdowns = [area_breakdown(x.profile) for x in prof.checks if x.profile is not None]
    names = sorted({k for b in breakdowns for k in b}, key=lambda k: -breakdowns[0].get(k, 0))
    for name in names:
        values = []
        for b in breakdowns:
            total = sum(b.values()) or 1.0
            values.append(f"{b.get(name, 0):.2f} s {b.get(name, 0) / total:4.0%}")
        row(f"  {name}", values)
    print()
    print("bot/ functions by self CPU (first check, same profile): self s, cumulative s")
    first_profile = prof.checks[0].profile
    if first_profile is not None:
        for name, tottime, cumtime in top_bot_functions(first_profile):
            print(f"  {tottime:6.2f} {cumtime:7.2f}  {name}")
    print()
    first = c[0]
    n_listings, n_maps = first.fake["bokd"], first.fake["seats"]
    print("hot spots without the profiler (process CPU; x the first check's counts):")
    print(
        f"  match every listing row against every watch   {hot.match_per_check * 1000:7.0f} ms"
        f"  ({first.result.rows_seen} rows x {WATCHES} watches, once per check)"
    )
    print(
        f"  decode + parse one listing answer             {hot.listing_parse * 1000:7.2f} ms"
        f"  x {n_listings} = {hot.listing_parse * n_listings:.2f} s  ({hot.listing_screenings}"
        f" screenings + {hot.listing_branch_rows} areaBrchList branches per answer)"
    )
    print(
        f"  decode + parse one seat map                   {hot.seat_parse * 1000:7.2f} ms"
        f"  x {n_maps} = {hot.seat_parse * n_maps:.2f} s  ({hot.seats_per_map:.0f} seats per map)"
    )
    print(
        f"  evaluate one seat map (usable, best block)    {hot.seat_evaluate * 1000:7.2f} ms"
        f"  x {n_maps} = {hot.seat_evaluate * n_maps:.2f} s"
    )


async def main_async(latency: float) -> None:
    mirror, codes = build(
        BRANCHES, FIRST_DATE, DAYS, MOVIES, SCREENS_PER_BRANCH_DAY
    )  # the data the fake process serves, to compute the minimum from
    started = time.perf_counter()
    async with FakeProcess(latency) as fake:
        watches = make_watches(codes, synthetic_dates(FIRST_DATE, DAYS))
        chunks = make_chunks(watches, NOW.date(), HORIZON_DAYS)
        settle_after_start()  # as the bot does once it is connected (issue 17)
        print(f"[{len(chunks)} chunks; timing pass at {latency * 1000:.0f} ms ...]", flush=True)
        timing = await run_pass(fake, mirror, codes, latency=latency, mode="timing")
        print("[profile pass at 0 ms ...]", flush=True)
        prof = await run_pass(fake, mirror, codes, latency=0, mode="profile")
        print("[tracemalloc pass at 0 ms ...]", flush=True)
        mem = await run_pass(fake, mirror, codes, latency=0, mode="memory")
        hot = await hot_spots(fake, mirror, codes, timing.calendar)
    print(f"[done in {time.perf_counter() - started:.0f} s]\n", flush=True)
    report(timing, prof, mem, hot, latency, len(mirror.rows()))


def main() -> None:
    parser = argparse.ArgumentParser(description="a check over 200 watches against the fake")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    args = parser.parse_args()
    asyncio.run(main_async(args.latency))


if __name__ == "__main__":
    main()
