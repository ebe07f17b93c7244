"""Requests per check with 50 watches waiting for films not on sale yet.

    uv run python -m bench.title_watches [--films 250]

The real `Checker`, SQLite store and `MegaboxClient` (no request budget) against the fake
MEGABOX in this process, on the fixtures' clock. The catalogue holds `--films` films (100 a
page). Three configurations, each on a fresh database: 1 waiting watch, 50 waiting watches,
and 50 waiting watches next to the original .env watch; then the 50 films go on sale
at once (each with one COEX MX4D show) and the next two checks are counted.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

from bot.chains.base import KST
from bot.chains.megabox.client import ClientOptions, MegaboxClient
from bot.checking.checker import Checker
from bot.store.repo import Store
from bot.watches.titles import Awaited
from bot.watches.watch import Days, Watch
from tests.fakes.megabox_server import FakeMegabox

NOW = datetime(2026, 12, 3, 14, 15, tzinfo=KST)
COEX_1940 = "2612051351045"


def waiting(n: int) -> Watch:
    return Watch(
        movie_id="",
        branches=("1351",),
        days=Days.parse("weekend"),
        formats=frozenset({"MX4D"}),
        channel_id=1,
        name=f"wait {n}",
        awaiting=Awaited(title=f"미래의 영화 {n:02d}"),
    )


async def one(films: int, watches: int, with_env: bool, release: bool) -> list[Counter[str]]:
    async with FakeMegabox() as mb:
        for n in range(films):
            mb.add_movie(
                {"movieNo": f"2700{n:04d}", "movieNm": f"다른 영화 {n}", "bokdAbleAt": "Y"}
            )
        with tempfile.TemporaryDirectory() as tmp:
            store = await Store.open(f"sqlite:///{Path(tmp) / 'b.db'}")
            options = ClientOptions(base_url=mb.base_url, requests_per_second=0, jitter_seconds=0)
            async with MegaboxClient(options) as client:
                checker = Checker(client, store, default_channel_id=1, clock=lambda: NOW)
                for n in range(watches):
                    await store.add_watch(waiting(n), now=NOW)
                if with_env:
                    await store.add_watch(
                        Watch(
                            movie_id="25008000",
                            branches=("1351",),
                            days=Days.parse("weekend"),
                            formats=frozenset({"MX4D"}),
                            channel_id=1,
                        ),
                        now=NOW,
                    )
                counts: list[Counter[str]] = []
                for check in range(3 if release else 2):
                    if release and check == 1:
                        for n in range(watches):
                            no = f"2800{n:04d}"
                            mb.add_movie({"movieNo": no, "movieNm": f"미래의 영화 {n:02d}",
                                          "bokdAbleAt": "Y"})  # fmt: skip
                            mb.clone_screening(COEX_1940, f"261212135{n:04d}", playDe="20261212",
                                               movieNo=no, rpstMovieNo=no)  # fmt: skip
                    before = len(mb.requests)
                    started = time.perf_counter()
                    await checker.run()
                    took = time.perf_counter() - started
                    counter = Counter(r.endpoint for r in mb.requests[before:])
                    counter["ms"] = round(took * 1000)
                    counts.append(counter)
            await store.close()
    return counts


def show(label: str, counts: list[Counter[str]]) -> None:
    for i, c in enumerate(counts, 1):
        total = sum(v for k, v in c.items() if k != "ms")
        print(f"{label:42} check {i}: {total:3} requests  (catalogue pages {c['movies']}, "
              f"listings {c['bokd']}, seat maps {c['seats']})  {c['ms']} ms")  # fmt: skip


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--films", type=int, default=250)
    args = parser.parse_args()
    show("1 waiting watch", await one(args.films, 1, False, False))
    show("50 waiting watches", await one(args.films, 50, False, False))
    show("50 waiting + the .env watch", await one(args.films, 50, True, False))
    show("50 waiting, all 50 films go on sale at check 2", await one(args.films, 50, False, True))


if __name__ == "__main__":
    asyncio.run(main())
