"""The synthetic fake MEGABOX in a process of its own, so that its CPU and memory stay out of
the measured process. Bench-only: `python -m bench._fake_megabox --branches 20 ...`.

It serves `FakeMegabox.synthetic(...)` plus three control routes the benchmark uses:
GET /bench/stats (request counts), GET /bench/log (endpoint and key per request), POST /bench/reset (clear the log), POST /bench/latency?s=
(seconds added per request).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from datetime import date, timedelta

from aiohttp import web

from tests.fakes.megabox_server import FakeMegabox, serve_until_signalled


def synthetic_dates(first: date, days: int) -> list[str]:
    return [f"{first + timedelta(days=n):%Y%m%d}" for n in range(days)]


def build(
    branches: int, first: date, days: int, movies: Sequence[str], screens: int
) -> tuple[BenchMegabox, list[str]]:
    """The fake and its branch codes; deterministic, so the parent can rebuild the same data."""
    mb = BenchMegabox()
    dates = synthetic_dates(first, days)
    codes = mb.load_synthetic(branches, dates, list(movies), screens, replace=True)
    return mb, codes


class BenchMegabox(FakeMegabox):
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.path == "/bench/stats":
            return web.json_response(
                {
                    "total": self.count(),
                    "bokd": self.count("bokd"),
                    "schedule": self.count("schedule"),
                    "seats": self.count("seats"),
                    "failed": sum(1 for r in self.requests if r.failure),
                }
            )
        if request.path == "/bench/log":
            return web.json_response(
                [
                    [r.endpoint, r.body.get("playSchdlNo") or r.body.get("playDe")]
                    for r in self.requests
                ]
            )
        if request.path == "/bench/reset":
            self.reset_log()
            return web.json_response({})
        if request.path == "/bench/latency":
            self.latency = float(request.query["s"])
            return web.json_response({"latency": self.latency})
        return await super()._handle(request)


async def _serve(args: argparse.Namespace) -> None:
    mb, _ = build(
        args.branches, date.fromisoformat(args.first), args.days, args.movies, args.screens
    )
    mb.latency = args.latency
    await serve_until_signalled(mb)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--branches", type=int, required=True)
    parser.add_argument("--first", required=True, help="first synthetic date, YYYY-MM-DD")
    parser.add_argument("--days", type=int, required=True)
    parser.add_argument("--movies", nargs="+", required=True)
    parser.add_argument("--screens", type=int, required=True)
    parser.add_argument("--latency", type=float, default=0.0)
    asyncio.run(_serve(parser.parse_args()))


if __name__ == "__main__":
    main()
