"""One check of 100 MEGABOX and 100 Lotte watches against the two fakes (issue 19).

    uv run python -m bench.two_chains [--latency 0] [--no-tracemalloc] [--only megabox|lotte]

The real `Checker` with both real clients (`MegaboxClient`, `LotteClient`) and a real SQLite
store in a temporary directory; the synthetic fake MEGABOX and fake Lotte serve from a process
of their own (`bench/_two_fakes.py`), so their CPU and memory are not ours. Both clients run
with no request budget and no jitter; the time at each chain's default budget is computed:

    time = MEGABOX requests / 0.5 + Lotte requests / 1.0   (requests per second)

Each chain's client has its own limiter (one request per 1/rate seconds, the jitter of up to
0.3 s falls inside that period), and one check asks the chains one after the other (the
planner's chunks come chain by chain), so the two chains' times add up; it is a lower bound
that assumes every answer arrives within its period.

Per chain it prints listing requests beside the minimum for that chain's request shape
(`minimum_listing_requests`: per open wanted date ceil(branches / 3) for MEGABOX, one per
cinema for Lotte) for the shared calendar: both fakes open the same dates, and MEGABOX's
holiday flags hold for both (Lotte's calendar has none; the checker judges Lotte's rows with
MEGABOX's flags); a row below gives it for each chain's own calendar, where Lotte's unknown
flags make every weekday a possible holiday. Then seat maps beside the candidates (bookable
screenings a watch wants whose count reaches the fewest seats a wanting watch asks for: Lotte
reads every one, its count never settles a watch; MEGABOX's count rule skips some), the
requests in all, and the cost model's estimate (`bot.checking.cost.estimate`). Then wall time,
CPU and memory of the run; a second run on a fresh database measures the tracemalloc peak.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import psutil  # type: ignore[import-untyped]

from bench.check_scale import (
    ALERT_CHANNEL,
    HORIZON_DAYS,
    MOVIES,
    NOW,
    Clock,
    mixed_watch,
)
from bot.chains.base import LOTTE, MEGABOX, OpenDay, qualify
from bot.chains.lotte.client import LotteClient, LotteOptions
from bot.chains.megabox.client import ClientOptions, MegaboxClient
from bot.checking import cost
from bot.checking.checker import Checker, CheckResult
from bot.checking.planner import make_chunks, minimum_listing_requests
from bot.memory import settle_after_start
from bot.store.repo import Store
from bot.watches.watch import Place, Watch

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024

WATCHES_PER_CHAIN = 100
BRANCHES = 20  # MEGABOX branches, and as many Lotte cinemas
FIRST_DATE = date(2026, 12, 14)  # a Monday; 12-25 is a holiday in the fake MEGABOX's calendar
DAYS = 14
SCREENS = 10  # per branch and date
#: Two films of the Lotte fixture catalogue and four the fake makes up titles for.
LOTTE_MOVIES = ("24128", "24210", "24501", "24502", "24503", "24504")
#: The default budgets (bot/config.py: MEGABOX_REQUESTS_PER_SECOND, LOTTE_REQUESTS_PER_SECOND).
RATE = {MEGABOX: 0.5, LOTTE: 1.0}
CHAINS = (MEGABOX, LOTTE)


# -- the configuration ---------------------------------------------------------------------


def make_watches(megabox_branches: Sequence[str], lotte_cinemas: Sequence[str]) -> list[Watch]:
    """100 watches per chain, deterministic: check_scale's mix (films in turn, 1-3 random
    branches, formats, days, 1-6 seats, every 4th together, every 9th an evening window),
    the Lotte ones with its films and its formats."""
    rng = random.Random(20261214)
    iso = [(FIRST_DATE + timedelta(days=n)).isoformat() for n in range(DAYS)]
    days = [
        "weekend",
        "weekdays",
        "all",
        f"{iso[4]},{iso[5]}",  # explicit dates: a Friday and a Saturday
        "weekend",
        f"{iso[11]}",  # 12-25 only (a holiday for MEGABOX; Lotte does not say)
        "sat,sun",
    ]
    formats: dict[str, list[frozenset[str]]] = {
        MEGABOX: [
            frozenset({"MX4D"}),
            frozenset(),  # any format
            frozenset({"MX4D"}),
            frozenset({"NOR"}),
            frozenset({"DBC"}),
            frozenset({"MX4D", "DBC"}),
        ],
        LOTTE: [
            frozenset({"SUPER4D"}),
            frozenset(),
            frozenset({"SUPER4D"}),
            frozenset({"STANDARD"}),
            frozenset({"SUPERPLEX"}),
            frozenset({"SUPER4D", "SUPERPLEX"}),
        ],
    }
    out: list[Watch] = []
    for i in range(WATCHES_PER_CHAIN):
        for chain, codes, films in (
            (MEGABOX, megabox_branches, MOVIES),
            (LOTTE, lotte_cinemas, LOTTE_MOVIES),
        ):
            branches = tuple(qualify(chain, c) for c in rng.sample(list(codes), 1 + i % 3))
            watch = mixed_watch(
                i,
                f"{chain}-{i}",
                branches,
                formats[chain][i % len(formats[chain])],
                days[i % len(days)],
            )
            out.append(replace(watch, movie_id=qualify(chain, films[i % len(films)])))
    return out


# -- the fakes in their own process --------------------------------------------------------


class FakesProcess:
    """`python -m bench._two_fakes`: both fakes, with the data configured above."""

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.urls: dict[str, str] = {}
        self._proc: asyncio.subprocess.Process | None = None
        self._http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> FakesProcess:
        args = ["--branches", str(BRANCHES), "--cinemas", str(BRANCHES)]
        args += ["--first", FIRST_DATE.isoformat(), "--days", str(DAYS)]
        args += ["--screens", str(SCREENS), "--megabox-movies", *MOVIES]
        args += ["--lotte-movies", *LOTTE_MOVIES, "--latency", str(self.latency)]
        self._proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench._two_fakes", *args,
            cwd=ROOT, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert self._proc.stdout is not None
        line = (await asyncio.wait_for(self._proc.stdout.readline(), 60)).decode().strip()
        if not line.startswith("listening on "):
            raise RuntimeError(f"the fakes did not start: {line!r}")
        megabox_url, lotte_url = line.removeprefix("listening on ").split()
        self.urls = {MEGABOX: megabox_url, LOTTE: lotte_url}
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

    async def _call(self, method: str, chain: str, path: str) -> dict[str, Any]:
        assert self._http is not None
        async with self._http.request(method, f"{self.urls[chain]}{path}") as resp:
            data: dict[str, Any] = await resp.json()
            return data

    async def stats(self) -> dict[str, dict[str, int]]:
        return {
            c: {k: int(v) for k, v in (await self._call("GET", c, "/bench/stats")).items()}
            for c in CHAINS
        }

    async def reset(self) -> None:
        for chain in CHAINS:
            await self._call("POST", chain, "/bench/reset")


def megabox_options(url: str) -> ClientOptions:
    """No request budget, no jitter; production timeouts and retries."""
    return ClientOptions(base_url=url, requests_per_second=0, jitter_seconds=0)


def lotte_options(url: str) -> LotteOptions:
    return LotteOptions(base_url=url, requests_per_second=0, jitter_seconds=0)


# -- one run -------------------------------------------------------------------------------


@dataclass
class Run:
    result: CheckResult
    fake: dict[str, dict[str, int]]
    client_requests: dict[str, int]
    wall: float
    cpu: float
    rss_before: int
    rss_after: int
    traced_peak: int = 0
    calendars: dict[str, dict[date, OpenDay]] = field(default_factory=dict)


async def calendars(
    fakes: FakesProcess, megabox: str, lotte: str
) -> dict[str, dict[date, OpenDay]]:
    """Each chain's calendar as its fake serves it, read by throwaway clients (so the measured
    clients start cold, as the bot's do at start-up)."""
    today = NOW.date()
    async with MegaboxClient(megabox_options(fakes.urls[MEGABOX])) as mb:
        mb_page = await mb.listing(today, [megabox])
    async with LotteClient(lotte_options(fakes.urls[LOTTE])) as lc:
        lc_page = await lc.listing(today, [lotte])
    return {
        MEGABOX: {e.play_date: e for e in mb_page.calendar},
        LOTTE: {e.play_date: e for e in lc_page.calendar},
    }


async def run_check(
    fakes: FakesProcess, watches: Sequence[Watch], *, memory: bool
) -> tuple[Run, list[Watch]]:
    proc = psutil.Process()
    with tempfile.TemporaryDirectory(prefix="bench-two-chains-") as tmp:
        store = await Store.open(f"sqlite:///{tmp}/watch.db")
        try:
            clock = Clock(NOW)
            for w in watches:
                await store.add_watch(w, now=clock.now)
            stored = await store.watches(include_paused=False)
            async with (
                MegaboxClient(megabox_options(fakes.urls[MEGABOX])) as mb,
                LotteClient(lotte_options(fakes.urls[LOTTE])) as lc,
            ):
                checker = Checker(
                    [mb, lc],
                    store,
                    horizon_days=HORIZON_DAYS,
                    damping=timedelta(minutes=30),
                    default_channel_id=ALERT_CHANNEL,
                    clock=clock,
                )
                await fakes.reset()
                gc.collect()
                rss_before = proc.memory_info().rss
                if memory:
                    tracemalloc.start()
                    tracemalloc.reset_peak()
                wall0, cpu0 = time.perf_counter(), time.process_time()
                result = await checker.run("bench")
                wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
                peak = 0
                if memory:
                    peak = tracemalloc.get_traced_memory()[1]
                    tracemalloc.stop()
                run = Run(
                    result=result,
                    fake=await fakes.stats(),
                    client_requests={MEGABOX: mb.requests_made, LOTTE: lc.requests_made},
                    wall=wall,
                    cpu=cpu,
                    rss_before=rss_before,
                    rss_after=proc.memory_info().rss,
                    traced_peak=peak,
                )
        finally:
            await store.close()
    return run, stored


# -- what the numbers are compared with ----------------------------------------------------


def candidates(
    result: CheckResult, watches: Sequence[Watch], chain: str, holidays: dict[date, bool | None]
) -> int:
    """Screenings of `chain` a watch wants (asked of every watch again, not the checker's
    index) that are bookable and whose count reaches the fewest seats a wanting watch asks
    for: every one whose map the seat rule may need. `holidays`: MEGABOX's flags, which the
    checker applies to both chains (Lotte gives none)."""
    mine = [w for w in watches if w.chain == chain]
    n = 0
    for seen in result.screenings:
        s = seen.screening
        if s.chain != chain or not s.bookable:
            continue
        place = Place.of(s)
        wanting = [w for w in mine if w.wants_place(place, holidays.get(s.play_date)) is True]
        if wanting and s.free_seats >= min(w.min_seats for w in wanting):
            n += 1
    return n


def _chain_errors(result: CheckResult, chain: str) -> int:
    return sum(1 for e in result.errors if e.chain == chain)


# -- report --------------------------------------------------------------------------------


def report(
    run: Run, mem: Run | None, watches: Sequence[Watch], latency: float, peak_rss: int
) -> None:
    today = NOW.date()
    cal = run.calendars
    holidays = {d: e.holiday for d, e in cal[MEGABOX].items()}
    r = run.result
    last = FIRST_DATE + timedelta(days=DAYS - 1)
    print(
        f"two_chains: {sum(w.chain == MEGABOX for w in watches)} MEGABOX + "
        f"{sum(w.chain == LOTTE for w in watches)} Lotte watches; "
        f"{BRANCHES} MEGABOX branches and {BRANCHES} Lotte cinemas, {DAYS} open dates "
        f"({FIRST_DATE:%m-%d}..{last:%m-%d}), 6 films each, {SCREENS} screenings per branch "
        "and date"
    )
    print(
        f"both fakes in their own process, {latency * 1000:.0f} ms per request; clients with "
        "no request budget and no jitter; checker clock "
        f"{NOW:%Y-%m-%d %H:%M} KST, horizon {HORIZON_DAYS} days"
    )
    print()
    cols = ("MEGABOX", "Lotte", "both")
    print(f"{'':44}" + "".join(f"{c:>16}" for c in cols))

    def row(label: str, values: Sequence[object]) -> None:
        print(f"{label:44}" + "".join(f"{v!s:>16}" for v in values))

    per: dict[str, dict[str, int | float]] = {}
    for chain in CHAINS:
        mine = [w for w in watches if w.chain == chain]
        shape_chunks = [c for c in make_chunks(mine, today, HORIZON_DAYS) if c.chain == chain]
        est = cost.estimate(mine, today, HORIZON_DAYS)
        f = run.fake[chain]
        per[chain] = {
            "watches": len(mine),
            "chunks": len(shape_chunks),
            "listing": f["listing"],
            "minimum": minimum_listing_requests(mine, cal[MEGABOX], today, HORIZON_DAYS),
            "own": minimum_listing_requests(mine, cal[chain], today, HORIZON_DAYS),
            "seats": f["seats"],
            "candidates": candidates(r, watches, chain, holidays),
            "other": f["total"] - f["listing"] - f["seats"],
            "total": f["total"],
            "client": run.client_requests[chain],
            "est_listings": est.listings,
            "est_seats": est.seat_maps,
            # The model counts every date of the horizon; the fakes open the first DAYS.
            "est_open_listings": cost.estimate(mine, today, DAYS).listings,
            "est_open_seats": cost.estimate(mine, today, DAYS).seat_maps,
            "errors": _chain_errors(r, chain),
            "openings": sum(1 for o in r.openings if o.screening.chain == chain),
            "time": f["total"] / RATE[chain],
        }

    def both(key: str) -> list[object]:
        return [*(per[c][key] for c in CHAINS), sum(per[c][key] for c in CHAINS)]

    row("watches / listing chunks", [f"{per[c]['watches']} / {per[c]['chunks']}" for c in CHAINS])
    row("listing requests", both("listing"))
    row("  minimum for the chain's request shape", both("minimum"))
    row("  same, each chain's own calendar", both("own"))
    row("seat-map requests", both("seats"))
    row("  candidates (count reaches fewest seats)", both("candidates"))
    row("other requests (Lotte: ticketing page)", both("other"))
    row("requests total (fake's log)", both("total"))
    row("  client's own count (retries included)", both("client"))
    row("cost model estimate: listings", both("est_listings"))
    row("  seat maps", both("est_seats"))
    row(
        "  per check",
        [*(per[c]["est_listings"] + per[c]["est_seats"] for c in CHAINS), sum(
            per[c]["est_listings"] + per[c]["est_seats"] for c in CHAINS
        )],
    )  # fmt: skip
    row(f"  listings, the {DAYS} open dates only", both("est_open_listings"))
    row(f"  seat maps, the {DAYS} open dates only", both("est_open_seats"))
    row("default budget (requests per second)", [RATE[MEGABOX], RATE[LOTTE], "-"])
    row(
        "time at that budget (requests / rate)",
        [f"{per[c]['time'] / 60:.1f} min" for c in CHAINS]
        + [f"{sum(per[c]['time'] for c in CHAINS) / 60:.1f} min"],
    )
    row("errors (checker) / openings", [f"{per[c]['errors']} / {per[c]['openings']}" for c in CHAINS]
        + [f"{len(r.errors)} / {len(r.openings)}"])  # fmt: skip
    print()
    print(f"checker: {r.requests} requests, {r.seat_maps} seat maps, {r.rows_seen} listing rows")
    print(f"  seen, {len(r.screenings)} screenings wanted, {len(r.warnings)} warning(s)")
    for w in r.warnings:
        print(f"  warning: {w}")
    print(f"wall time of the check: {run.wall:.1f} s; process CPU {run.cpu:.2f} s")
    print(
        f"RSS before -> after the check: {run.rss_before / MIB:.0f} -> "
        f"{run.rss_after / MIB:.0f} MiB; peak RSS of the bench process (ru_maxrss) "
        f"{peak_rss / 1024:.0f} MiB"
    )
    if mem is not None:
        print(
            f"tracemalloc peak during the check (second run, fresh database): "
            f"{mem.traced_peak / MIB:.1f} MiB (wall {mem.wall:.1f} s under tracemalloc; "
            f"same requests: {mem.fake[MEGABOX]['total']} + {mem.fake[LOTTE]['total']})"
        )


async def main_async(latency: float, tracemalloc_pass: bool, only: Sequence[str]) -> None:
    started = time.perf_counter()
    settle_after_start()  # as the bot does once it is connected (issue 17)
    megabox_codes = [f"{n:04d}" for n in range(100, 100 + BRANCHES)]  # load_synthetic's
    lotte_ids = [str(n) for n in range(9001, 9001 + BRANCHES)]
    watches = [w for w in make_watches(megabox_codes, lotte_ids) if w.chain in only]
    async with FakesProcess(latency) as fakes:
        cal = await calendars(fakes, megabox_codes[0], lotte_ids[0])
        print("[check ...]", flush=True)
        run, stored = await run_check(fakes, watches, memory=False)
        run.calendars = cal
        peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        mem = None
        if tracemalloc_pass:
            print("[the same check under tracemalloc ...]", flush=True)
            mem, _ = await run_check(fakes, watches, memory=True)
    print(f"[done in {time.perf_counter() - started:.0f} s]\n", flush=True)
    report(run, mem, stored, latency, peak_rss)


def main() -> None:
    parser = argparse.ArgumentParser(description="a check of 100 MEGABOX + 100 Lotte watches")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per request")
    parser.add_argument("--no-tracemalloc", action="store_true", help="skip the memory run")
    parser.add_argument(
        "--only", choices=CHAINS, help="the watches of one chain only (the other asks nothing)"
    )
    args = parser.parse_args()
    only = (args.only,) if args.only else CHAINS
    asyncio.run(main_async(args.latency, not args.no_tracemalloc, only))


if __name__ == "__main__":
    main()
