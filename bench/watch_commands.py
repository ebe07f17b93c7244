"""Watches managed from Discord (issue "Watches and personal subscriptions").

    uv run python -m bench.watch_commands [--runs 50]

The real bot (in-process, unmodified discord.py) against the fake Discord and the fake
MEGABOX, as in tests/e2e.py. Prints:

1. autocomplete answer time with a warm catalogue: from the fake Discord dispatching the
   INTERACTION_CREATE (type 4) to it receiving the type-8 callback, for movie and branch
   options; median / p95 / max over --runs each;
2. requests per check for 100 watches spread over 3 guilds (20 synthetic branches, 14 open
   dates), against the minimum (`bot.checking.planner.minimum_listing_requests` for listings; one seat
   map per candidate screening).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

from bot.chains.base import KST
from bot.chains.megabox.models import read_day
from bot.checking.planner import minimum_listing_requests
from bot.watches.watch import Days, Watch
from tests.conftest import Clock
from tests.e2e import ADMIN, GENERAL_CHANNEL, GUILD_ID, make_guild, make_settings, running_bot
from tests.fakes.discord_server import FakeChannel, FakeDiscord, FakeGuild
from tests.fakes.megabox_server import FakeMegabox

GUILDS = (GUILD_ID, 1_700_000_000_000_000_001, 1_700_000_000_000_000_002)
FIRST = date(2026, 12, 14)
DAYS = 14
NOW = datetime(2026, 12, 14, 7, 0, tzinfo=KST)


def other_guild(guild_id: int) -> FakeGuild:
    return FakeGuild(
        id=guild_id, name=f"guild {guild_id}", channels=[FakeChannel(guild_id + 1, "alerts")]
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def autocomplete_times(
    fake: FakeDiscord, field: str, typed: list[str], options: dict[str, str]
) -> list[float]:
    times = []
    for text in typed:
        started = time.perf_counter()
        interaction = await fake.send_autocomplete(
            GUILD_ID, GENERAL_CHANNEL, ADMIN, "watch", {**options, field: text},
            focused=field, subcommand="add",
        )  # fmt: skip
        await fake.wait_for_callback(interaction)
        times.append((time.perf_counter() - started) * 1000)
    return times


async def main(runs: int) -> None:
    dates = [FIRST + timedelta(days=n) for n in range(DAYS)]
    async with (
        FakeMegabox() as mb,
        FakeDiscord(guilds=[make_guild(), *(other_guild(g) for g in GUILDS[1:])]) as fake,
    ):
        codes = mb.load_synthetic(20, [f"{d:%Y%m%d}" for d in dates], ["25008000", "26018900"])
        with tempfile.TemporaryDirectory() as tmp:
            settings = make_settings(
                mb, f"sqlite:///{tmp}/bench.db", Path(tmp),
                watch_movie_no=None, watch_branches=None, discord_guild_id=None,
            )  # fmt: skip
            async with running_bot(fake, mb, settings, Clock(NOW)) as run:
                await run.bot.catalogue.refresh()
                movies = await autocomplete_times(
                    fake, "movie", ["진격", "오디", "겨울", "2500"] * (runs // 4), {}
                )
                branches = await autocomplete_times(
                    fake, "branches", ["코엑", "coex", "1351, 하남", "0"] * (runs // 4),
                    {"movie": "25008000"},
                )  # fmt: skip
                for name, values in (("movie", movies), ("branches", branches)):
                    print(
                        f"autocomplete {name:8s} n={len(values)}: median "
                        f"{statistics.median(values):.1f} ms, p95 {percentile(values, 0.95):.1f} ms,"
                        f" max {max(values):.1f} ms"
                    )

                rng = random.Random(20261123)
                kinds = ["weekend", "weekdays", "all", "sat,sun", "fri,sat,sun"]
                base = Watch(movie_id="25008000", branches=("0100",), days=Days.parse("weekend"))
                for n in range(100):
                    guild = GUILDS[n % 3]
                    watch = replace(
                        base,
                        name=f"w{n}",
                        movie_id=("25008000", "26018900")[n % 2],
                        branches=tuple(rng.sample(codes, rng.randint(1, 3))),
                        days=Days.parse(kinds[n % len(kinds)]),
                        min_seats=1 + n % 5,
                        together=n % 4 == 0,
                        guild_id=guild,
                        channel_id=guild + 1 if guild != GUILD_ID else None,
                    )
                    await run.bot.store.add_watch(watch, now=NOW)
                mb.reset_log()
                started = time.perf_counter()
                result = await run.watcher.run_check("bench")
                wall = time.perf_counter() - started
                watches = await run.bot.store.watches()
                calendar = {
                    d: read_day(
                        {
                            "playDe": f"{d:%Y%m%d}",
                            "formAt": "Y" if mb.is_open(f"{d:%Y%m%d}") else "N",
                        }
                    )
                    for d in (NOW.date() + timedelta(days=n) for n in range(21))
                }
                minimum = minimum_listing_requests(watches, calendar, NOW.date(), 21)
                seat_maps = mb.count("seats")
                print(
                    f"100 watches, 3 guilds: listing requests {mb.count('bokd')} (minimum {minimum}),"
                    f" seat maps {seat_maps} (one per candidate: {result.seat_maps}),"
                    f" total {result.requests}, {len(result.screenings)} screenings wanted,"
                    f" {len(result.openings)} openings, {wall:.1f} s with no request budget"
                )
                mb.reset_log()
                run.clock.advance(hours=1)
                second = await run.watcher.run_check("bench")
                print(
                    f"second check, nothing moved: listing requests {mb.count('bokd')}, seat maps"
                    f" {mb.count('seats')} (every candidate again: an unchanged count proves nothing),"
                    f" total {second.requests}"
                )
                print(f"listing requests without coalescing (one per watch, branch and date): "
                      f"{sum(len(w.branches) * sum(1 for d in calendar if calendar[d].open and w.days.wants(d)) for w in watches)}")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=52)
    asyncio.run(main(parser.parse_args().runs))
