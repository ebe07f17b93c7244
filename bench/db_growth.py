"""Database size over a simulated 90 days of 200 watches (issue 17, "Lean and bounded").

    uv run python -m bench.db_growth [--days 90] [--every 10] [--screens 5] [--seed 17]

The real `Checker`, SQLite `Store`, `LaneRunner` and `MegaboxClient` (no request budget, no
jitter) against the synthetic fake MEGABOX in this process, on a simulated clock. MEGABOX
shows 14 dates (20 synthetic branches, 6 films, `--screens` screenings a branch and day: 5
keeps the run to a few minutes, 10 is bench.check_scale's density and takes twice as long);
each simulated day one new date opens at the end (a copy of a template day, its counts
shuffled) and the day that passed is gone from MEGABOX. Each day: seat counts move at random
(60 screenings before each poll), two scheduled checks (09:00 and 18:00 KST), six fast-lane
ticks for the 20 watches with the lane on (its default 240 requests an hour), then, at 23:00,
what the bot's delivery and members would have written: pending alerts and notices marked
sent with a message id, and a few "booked / not for me" (the `silenced` table).

Retention (bot/checking/checker.py `RETENTION`): a scheduled check forgets screenings 30
days after they start, and with them their openings, alerts, history, silenced rows and
notices; the lane forgets the listings of past dates. So the live screenings grow for the
first 30 days (from 14 dates to 14 ahead + 30 kept) and their history until day 44 (a
screening collects points for the 14 days it is on sale), then both stay level: the
database must follow them, not the days (compare `--screens 5` and `--screens 10` for the
screenings). Every `--every` days the table gets a row: rows per table, the file size as it
is (database + WAL, no VACUUM), and `page_count * page_size` of a copy after
`wal_checkpoint(TRUNCATE)` with the free pages in it. At the end: bytes per table, the
steady state's change over its days, and what grows with days regardless (one `check_runs`
row per check, one `calendar_days` row per date: kept as history by design).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import shutil
import sqlite3
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from bench.check_scale import MOVIES, client_options, mixed_watch
from bot.chains.base import KST
from bot.chains.megabox.client import MegaboxClient
from bot.checking.checker import RETENTION, Checker
from bot.checking.fast_lane import LanePolicy
from bot.checking.lane_runner import LaneRunner
from bot.store.base import ts
from bot.store.repo import Store
from bot.watches.watch import Watch
from tests.fakes.megabox_server import FakeMegabox

WATCHES = 200
FAST_LANE_WATCHES = 20
BRANCHES = 20
OPEN_DATES = 14  # dates MEGABOX shows at once
SCREENS_PER_BRANCH_DAY = 5
START = datetime(2026, 12, 14, 0, 0, tzinfo=KST)  # a Monday
CHECKS = (9, 18)  # scheduled checks, hour KST
LANE_TICKS = (10, 12, 14, 16, 20, 22)
MOVES_PER_POLL = 60  # screenings whose count moves before each check or tick
LANE_BUDGET = 240  # FAST_LANE_REQUESTS_PER_HOUR default (bot/config.py)
ALERT_CHANNEL = 900_000_000_000_000_001
SUBSCRIBERS = 10
TABLES = (
    "screenings",
    "screening_history",
    "openings",
    "alerts",
    "notices",
    "watch_screenings",
    "silenced",
    "check_runs",
    "lane_spend",
    "calendar_days",
    "halls",
)
#: Columns of the printed table: (header, table).
SHOWN = (
    ("screenings", "screenings"),
    ("history", "screening_history"),
    ("openings", "openings"),
    ("alerts", "alerts"),
    ("notices", "notices"),
    ("seen", "watch_screenings"),
    ("silenced", "silenced"),
    ("runs", "check_runs"),
    ("lane_spend", "lane_spend"),
)
MIB = 1024 * 1024


def make_watches(codes: list[str]) -> list[Watch]:
    """200 watches, deterministic, as in bench.check_scale but with recurring days only (an
    explicit date would be past after two weeks); every 10th has the fast lane on."""
    rng = random.Random(20261214)
    formats: list[frozenset[str]] = [
        frozenset({"MX4D"}),
        frozenset(),
        frozenset({"MX4D"}),
        frozenset({"NOR"}),
        frozenset({"DBC"}),
        frozenset({"MX4D", "DBC"}),
    ]
    days = ["weekend", "weekdays", "all", "fri,sat", "weekend", "sun", "sat,sun"]
    return [
        replace(
            mixed_watch(
                i,
                f"growth-{i}",
                tuple(rng.sample(codes, 1 + i % 3)),
                formats[i % len(formats)],
                days[i % len(days)],
            ),
            guild_id=1,
            fast_lane=i % (WATCHES // FAST_LANE_WATCHES) == 0,
        )
        for i in range(WATCHES)
    ]


def play_date(day: date) -> str:
    return f"{day:%Y%m%d}"


@dataclass
class Sample:
    day: int
    rows: dict[str, int]
    file_bytes: int  # database + WAL as they are, no VACUUM, no checkpoint
    wal_bytes: int  # of which the WAL (it stays at its largest size: SQLite reuses it)
    page_bytes: int  # page_count * page_size after wal_checkpoint(TRUNCATE)
    free_bytes: int  # of which free pages (freelist_count * page_size)
    table_bytes: dict[str, int]  # dbstat: pages per table with its indexes
    lane_listings: int  # LaneRunner.last_listing entries (the lane's per-listing memory)
    wall: float

    @property
    def used_bytes(self) -> int:
        return self.page_bytes - self.free_bytes


class Simulation:
    def __init__(self, mb: FakeMegabox, rng: random.Random, screens: int) -> None:
        self.mb = mb
        self.rng = rng
        self.screens = screens
        self.clock_now = START
        self.template = ""

    def clock(self) -> datetime:
        return self.clock_now

    def load(self) -> list[str]:
        first = START.date()
        dates = [play_date(first + timedelta(days=n)) for n in range(OPEN_DATES)]
        codes = self.mb.load_synthetic(BRANCHES, dates, list(MOVIES), self.screens, replace=True)
        # The first date's rows stay (closed, never served) as the day the new dates copy.
        self.template = play_date(first - timedelta(days=1))
        self.mb.copy_day(dates[0], self.template)
        self.mb.close_date(self.template)
        return codes

    def new_day(self, today: date) -> None:
        """MEGABOX moves on: yesterday is gone, the date 13 days ahead opens."""
        gone = play_date(today - timedelta(days=1))
        for row in self.mb.rows(gone):
            self.mb.remove_screening(str(row["playSchdlNo"]))
        self.mb.close_date(gone)
        new = play_date(today + timedelta(days=OPEN_DATES - 1))
        for no in self.mb.copy_day(self.template, new):
            self._move(no)
        self.mb.reset_log()  # the fake's own request log would grow for 90 days

    def move_counts(self, today: date) -> None:
        """Seats sell and come back: `MOVES_PER_POLL` random screenings get a new count."""
        live = [
            str(r["playSchdlNo"])
            for n in range(OPEN_DATES)
            for r in self.mb.rows(play_date(today + timedelta(days=n)))
        ]
        for no in self.rng.sample(live, min(MOVES_PER_POLL, len(live))):
            self._move(no)

    def _move(self, no: str) -> None:
        cap = int(self.mb.row(no)["theabSeatCnt"])
        # Mostly few seats (near the watches' 1-6), sometimes sold out, sometimes many.
        n = self.rng.choice((0, 0, 1, 2, 3, 4, 5, 6, 8, 12, cap // 4, cap // 2))
        self.mb.set_rest_seats(no, n)


async def deliver(store: Store, now: datetime, rng: random.Random) -> None:
    """What the outbox and the members would have written by the end of the day: every
    pending alert and notice sent with a message id (as `mark_sent` / `mark_notice_sent`
    do, in one statement each), and a few "booked / not for me" on alerted screenings."""
    stamp = ts(now)
    message = rng.randrange(10**17, 10**18)
    await store._write(
        "UPDATE alerts SET status = 'sent', message_id = ? + id, channel_id = ?, "
        "shown_open = 1, sent_at = ?, attempts = attempts + 1 WHERE status = 'pending'",
        [message, ALERT_CHANNEL, stamp],
    )
    await store._write(
        "UPDATE notices SET status = 'sent', message_id = ? + id, channel_id = ?, "
        "sent_at = ?, attempts = attempts + 1 WHERE status = 'pending'",
        [message, ALERT_CHANNEL, stamp],
    )
    alerted = await store._all(
        "SELECT DISTINCT screening_id FROM openings WHERE alerted = 1 AND closed_at IS NULL"
    )
    for row in rng.sample(alerted, min(5, len(alerted))):
        await store.silence(rng.randrange(SUBSCRIBERS) + 1, row[0], now=now)


def measure(path: Path, runner: LaneRunner, day: int, t0: float) -> Sample:
    """Sizes and counts of a copy of the database (taken between two writes: the bench is
    the only writer), so that the checkpoint does not touch the live WAL, which keeps
    growing and being reused as in production."""
    wal = path.with_name(path.name + "-wal")
    wal_bytes = wal.stat().st_size if wal.exists() else 0
    file_bytes = path.stat().st_size + wal_bytes
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / path.name
        shutil.copyfile(path, copy)
        if wal.exists():
            shutil.copyfile(wal, copy.with_name(wal.name))
        db = sqlite3.connect(copy)
        try:
            rows = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            page_size = db.execute("PRAGMA page_size").fetchone()[0]
            pages = db.execute("PRAGMA page_count").fetchone()[0]
            free = db.execute("PRAGMA freelist_count").fetchone()[0]
            # Each index counted with its table.
            stat = db.execute(
                "SELECT coalesce(m.tbl_name, d.name), sum(d.pgsize) FROM dbstat d "
                "LEFT JOIN sqlite_schema m ON m.name = d.name GROUP BY 1"
            ).fetchall()
        finally:
            db.close()
    return Sample(
        day,
        rows,
        file_bytes,
        wal_bytes,
        pages * page_size,
        free * page_size,
        {r[0]: r[1] for r in stat},
        len(runner.last_listing),
        time.monotonic() - t0,
    )


async def simulate(
    days: int, every: int, seed: int, screens: int = SCREENS_PER_BRANCH_DAY, report: bool = True
) -> list[Sample]:
    rng = random.Random(seed)
    samples: list[Sample] = []
    async with FakeMegabox() as mb:
        sim = Simulation(mb, rng, screens)
        codes = sim.load()
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "growth.db"
            store = await Store.open(f"sqlite:///{path}")
            async with MegaboxClient(client_options(mb.base_url)) as client:
                checker = Checker(client, store, clock=sim.clock, default_channel_id=1)
                watches = [await store.add_watch(w, now=sim.clock()) for w in make_watches(codes)]
                for n in range(SUBSCRIBERS):  # members who also want DMs of some watches
                    for w in watches[n::SUBSCRIBERS][:3]:
                        await store.subscribe(w.id, n + 1, 1, "dm", now=sim.clock())
                runner = LaneRunner(checker, LanePolicy(requests_per_hour=LANE_BUDGET))
                t0 = time.monotonic()
                samples.append(measure(path, runner, 0, t0))
                if report:
                    print_header()
                    print_row(samples[-1])
                for day in range(1, days + 1):
                    today = (START + timedelta(days=day - 1)).date()
                    if day > 1:
                        sim.clock_now = datetime.combine(today, datetime.min.time(), KST)
                        sim.new_day(today)
                    for hour in sorted((*CHECKS, *LANE_TICKS)):
                        sim.clock_now = datetime.combine(
                            today, datetime.min.time(), KST
                        ) + timedelta(hours=hour)
                        sim.move_counts(today)
                        if hour in CHECKS:
                            await checker.run()
                        else:
                            await runner.tick()
                    sim.clock_now = datetime.combine(today, datetime.min.time(), KST) + (
                        timedelta(hours=23)
                    )
                    await deliver(store, sim.clock_now, rng)
                    if day % every == 0 or day == days:
                        samples.append(measure(path, runner, day, t0))
                        if report:
                            print_row(samples[-1])
            await store.close()
    return samples


def print_header() -> None:
    cols = " | ".join(h for h, _ in SHOWN)
    print(
        f"| day | {cols} | lane memory | file (db+WAL) | of which WAL | pages after checkpoint "
        "| of which free | in use, KiB per screening |"
    )
    print("|" + "---|" * (len(SHOWN) + 7))


def print_row(s: Sample) -> None:
    cols = " | ".join(f"{s.rows[t]:,}" for _, t in SHOWN)
    per = s.used_bytes / s.rows["screenings"] / 1024 if s.rows["screenings"] else 0.0
    print(
        f"| {s.day} | {cols} | {s.lane_listings} | {s.file_bytes / MIB:.2f} MiB "
        f"| {s.wal_bytes / MIB:.2f} MiB "
        f"| {s.page_bytes / MIB:.2f} MiB | {s.free_bytes / MIB:.2f} MiB | {per:.2f} |",
        flush=True,
    )


def summary(samples: list[Sample]) -> None:
    last = samples[-1]
    print()
    print("Bytes per table at the end (dbstat, indexes with their table):")
    for name, size in sorted(last.table_bytes.items(), key=lambda kv: -kv[1]):
        if size >= 8192:
            rows = last.rows.get(name)
            each = f" ({rows:,} rows, {size / rows:,.0f} B a row)" if rows else ""
            print(f"  {name}: {size / 1024:,.0f} KiB{each}")
    steady_from = OPEN_DATES + RETENTION.days  # every live screening has its full history
    steady = [s for s in samples if s.day >= steady_from]
    if len(steady) >= 2:
        first, end = steady[0], steady[-1]
        span = end.day - first.day

        def change(x: float, y: float) -> str:
            return f"{100 * (y - x) / x:+.1f} %" if x else "n/a"

        print(
            f"Steady state (day {first.day} to {end.day}, {span} days): live screenings "
            f"{change(first.rows['screenings'], end.rows['screenings'])}, in-use bytes "
            f"{change(first.used_bytes, end.used_bytes)}, file "
            f"{change(first.file_bytes, end.file_bytes)}; "
            f"check_runs +{(end.rows['check_runs'] - first.rows['check_runs']) / span:.1f} rows "
            f"a day ({last.table_bytes.get('check_runs', 0) / max(last.rows['check_runs'], 1):.0f}"
            f" B each with its index), calendar_days "
            f"+{(end.rows['calendar_days'] - first.rows['calendar_days']) / span:.1f} a day"
        )
    print(
        f"Simulated {last.day} days in {last.wall / 60:.1f} min; peak RSS "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--every", type=int, default=10, help="a table row every N days")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument(
        "--screens", type=int, default=SCREENS_PER_BRANCH_DAY, help="a branch and day"
    )
    args = parser.parse_args()
    print(
        f"{WATCHES} watches ({FAST_LANE_WATCHES} with the fast lane), {BRANCHES} branches, "
        f"{OPEN_DATES} dates open, {args.screens} screenings a branch and day; "
        f"{len(CHECKS)} checks and {len(LANE_TICKS)} lane ticks a simulated day; "
        f"retention {RETENTION.days} days; seed {args.seed}; pid {os.getpid()}"
    )
    summary(await simulate(args.days, args.every, args.seed, args.screens))


if __name__ == "__main__":
    asyncio.run(main())
