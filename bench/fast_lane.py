"""A simulated week against the fake MEGABOX: hourly, fixed 5 minutes, and the adaptive fast
lane at a smaller budget. `uv run python -m bench.fast_lane [--seed 7] [--days 7]`.

The scenario (deterministic per seed): the original watch (COEX MX4D, weekends, 3 seats).
Two weekends ahead, four MX4D screenings a day, sold out but for the hall's four wheelchair
seats. Cancellations free 1-4 normal seats at random times (08:00-24:00, ~9 a day); each
stays free for a heavy-tailed time (lognormal, median 8 min: many short, a few hours), then
sells again. The second weekend's dates open at a random hour on Tuesday-Thursday with one
screening showing 5 free seats for such a time. An *opening* is a span with ≥ 3 usable
seats; it is caught if an alert was stored while it lasted, with the delay open → alert.

Everything runs on a simulated clock in 30 s steps: the real Checker, store, fast-lane
runner and MEGABOX client (no request budget: the lane's own budget is the point), the fake
MEGABOX in this process.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import statistics
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from bot.chains.base import KST
from bot.chains.megabox.client import MegaboxClient
from bot.checking.checker import Checker
from bot.checking.fast_lane import LanePolicy
from bot.checking.lane_runner import LaneRunner
from bot.store.repo import Store
from tests.conftest import Clock, fast_options, original_watch
from tests.fakes.megabox_server import FakeMegabox

START = datetime(2026, 11, 30, 0, 0, tzinfo=KST)  # a Monday
STEP = timedelta(seconds=30)
TEMPLATE = "2612051351045"
STARTS = ("10:10", "13:00", "16:20", "19:40")


@dataclass
class Event:
    at: datetime
    screening_id: str
    seats: tuple[str, ...]  # freed at `at`, sold again at `until`
    until: datetime


def build(
    mb: FakeMegabox, rng: random.Random
) -> tuple[list[str], list[Event], dict[str, datetime]]:
    template = dict(mb.row(TEMPLATE))
    mb.clear()
    days = [date(2026, 12, 5), date(2026, 12, 6), date(2026, 12, 12), date(2026, 12, 13)]
    nos: list[str] = []
    for day in days:
        for i, start in enumerate(STARTS):
            h, m = map(int, start.split(":"))
            end = h * 60 + m + 144
            no = f"{day:%y%m%d}1351{60 + i:03d}"
            mb.add_screening(
                {
                    **template,
                    "playSchdlNo": no,
                    "playDe": f"{day:%Y%m%d}",
                    "playStartTime": f"{h:02d}{m:02d}",
                    "playEndTime": f"{end // 60:02d}{end % 60:02d}",
                }
            )
            mb.sell_out(no, keep_wheelchair_free=True)
            nos.append(no)
    late = {f"{d:%Y%m%d}" for d in days[2:]}
    for d in late:
        mb.close_date(d)
    seats = [
        f"{s['rowNm']}{s['seatNo']}"
        for s in mb.seat_map(nos[0])["seatListSD01"]
        if s["seatClassCd"] != "DISABLED_CLS"
    ]
    events: list[Event] = []
    opens: dict[str, datetime] = {}
    for d in sorted(late):
        opens[d] = START + timedelta(days=rng.randint(1, 3), hours=rng.randint(8, 22))
    day = START
    while day < START + timedelta(days=7):
        for _ in range(9):
            at = day + timedelta(hours=8) + timedelta(seconds=rng.uniform(0, 16 * 3600))
            no = rng.choice(nos)
            if f"20{no[:6]}" in opens and at < opens[f"20{no[:6]}"]:
                continue  # its date is not open yet
            k = rng.choice((1, 2, 3, 3, 4))
            events.append(Event(at, no, tuple(rng.sample(seats, k)), at + _duration(rng)))
        day += timedelta(days=1)
    for d, at in opens.items():
        no = next(n for n in nos if f"20{n[:6]}" == d)
        events.append(Event(at, no, tuple(rng.sample(seats, 5)), at + _duration(rng)))
    return nos, sorted(events, key=lambda e: e.at), opens


def _duration(rng: random.Random) -> timedelta:
    return timedelta(minutes=min(rng.lognormvariate(math.log(8), 1.3), 24 * 60))


def truth(events: list[Event], nos: list[str]) -> list[tuple[str, datetime, datetime]]:
    """Spans with ≥ 3 usable seats per screening, from the overlapping events."""
    spans = []
    for no in nos:
        marks = sorted(
            [(e.at, len(e.seats)) for e in events if e.screening_id == no]
            + [(e.until, -len(e.seats)) for e in events if e.screening_id == no]
        )
        free, since = 0, None
        for at, delta in marks:
            free += delta
            if free >= 3 and since is None:
                since = at
            elif free < 3 and since is not None:
                spans.append((no, since, at))
                since = None
    return spans


async def simulate(strategy: str, seed: int, days: int, lane_budget: int) -> dict[str, float]:
    rng = random.Random(seed)
    async with FakeMegabox() as mb:
        nos, events, opens = build(mb, rng)
        clock = Clock(START)
        with tempfile.TemporaryDirectory() as tmp:
            store = await Store.open(f"sqlite:///{Path(tmp) / 'bench.db'}")
            async with MegaboxClient(fast_options(mb.base_url)) as client:
                checker = Checker(client, store, clock=clock, default_channel_id=1)
                await store.add_watch(
                    original_watch(fast_lane=strategy == "adaptive"), now=clock.now
                )
                runner = LaneRunner(checker, LanePolicy(requests_per_hour=lane_budget))
                free: dict[str, set[str]] = {no: set() for no in nos}
                pending = list(events)
                ending: list[Event] = []
                end = START + timedelta(days=days)
                while clock.now < end:
                    now = clock.now
                    for d, at in list(opens.items()):
                        if at <= now:
                            mb.open_date(d)
                            del opens[d]
                    while pending and pending[0].at <= now:
                        e = pending.pop(0)
                        free[e.screening_id] |= set(e.seats)
                        mb.set_free_seats(e.screening_id, free[e.screening_id])
                        ending.append(e)
                    for e in [e for e in ending if e.until <= now]:
                        ending.remove(e)
                        free[e.screening_id] -= set(e.seats)
                        mb.set_free_seats(e.screening_id, free[e.screening_id])
                    minute = now.hour * 60 + now.minute
                    on_the_hour = now.second == 0 and now.minute == 0 and 9 <= now.hour <= 23
                    if strategy == "fixed 5 min":
                        if now.second == 0 and minute % 5 == 0:
                            await checker.run()
                    elif on_the_hour:
                        await checker.run()
                    elif strategy == "adaptive":
                        await runner.tick()
                    clock.advance(seconds=STEP.total_seconds())
                rows = await store._all("SELECT screening_id, opened_at FROM openings")
                requests = client.requests_made
            await store.close()
    alerts = [(r[0], datetime.fromisoformat(r[1])) for r in rows]
    spans = [s for s in truth(events, nos) if s[1] < START + timedelta(days=days)]
    delays = []
    for no, since, until in spans:
        hit = [at for n, at in alerts if n == no and since <= at <= until]
        if hit:
            delays.append((min(hit) - since).total_seconds() / 60)
    return {
        "openings": len(spans),
        "caught": len(delays),
        "median": statistics.median(delays) if delays else float("nan"),
        "p95": statistics.quantiles(delays, n=20)[-1] if len(delays) > 1 else float("nan"),
        "per_hour": requests / (days * 24),
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--lane-budget", type=int, default=120)
    args = parser.parse_args()
    print(f"seed {args.seed}, {args.days} simulated days, lane budget {args.lane_budget}/h")
    print("| strategy | openings caught | median delay | p95 delay | MEGABOX requests/h |")
    print("|---|---|---|---|---|")
    for strategy in ("hourly", "fixed 5 min", "adaptive"):
        r = await simulate(strategy, args.seed, args.days, args.lane_budget)
        print(
            f"| {strategy} | {r['caught']:.0f}/{r['openings']:.0f} "
            f"({100 * r['caught'] / max(r['openings'], 1):.0f} %) | {r['median']:.1f} min "
            f"| {r['p95']:.1f} min | {r['per_hour']:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    asyncio.run(main())
