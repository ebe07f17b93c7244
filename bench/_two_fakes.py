"""The synthetic fake MEGABOX and fake Lotte in one process of their own, so that their CPU and
memory stay out of the measured process. Bench-only (bench/two_chains.py):

    python -m bench._two_fakes --branches 20 --cinemas 20 --first 2026-12-14 --days 14 ...

Prints one line, "listening on MEGABOX_URL LOTTE_URL". Each fake also answers
GET /bench/stats (request counts by kind) and POST /bench/reset (clear its log).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from collections.abc import Sequence
from datetime import date, timedelta

from aiohttp import web

from bench._fake_megabox import BenchMegabox
from tests.fakes.lotte_server import FakeLotte


def lotte_dates(first: date, days: int) -> list[str]:
    return [(first + timedelta(days=n)).isoformat() for n in range(days)]


def build_lotte(
    cinemas: int, first: date, days: int, movies: Sequence[str], screens: int
) -> tuple[BenchLotte, list[int]]:
    """The fake Lotte with only synthetic cinemas' screenings (fixture cinemas and catalogue
    kept); deterministic, so the parent can rebuild the same data."""
    lc = BenchLotte()
    ids = lc.load_synthetic(cinemas, lotte_dates(first, days), list(movies), screens, replace=True)
    return lc, ids


class BenchLotte(FakeLotte):
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.path == "/bench/stats":
            return web.json_response(
                {
                    "total": self.count(),
                    "listing": self.count("GetPlaySequence"),
                    "seats": self.count("GetSeats"),
                    "page": self.count("GetTicketingPageTOBE"),
                    "films": self.count("GetMoviesToBe"),
                    "failed": sum(1 for r in self.requests if r.failure),
                }
            )
        if request.path == "/bench/reset":
            self.reset_log()
            return web.json_response({})
        return await super()._handle(request)


class _MegaboxStats(BenchMegabox):
    """The same counts under the names two_chains.py reads for either chain."""

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.path == "/bench/stats":
            return web.json_response(
                {
                    "total": self.count(),
                    "listing": self.count("bokd"),
                    "seats": self.count("seats"),
                    "schedule": self.count("schedule"),
                    "failed": sum(1 for r in self.requests if r.failure),
                }
            )
        return await super()._handle(request)


async def _serve(args: argparse.Namespace) -> None:
    first = date.fromisoformat(args.first)
    mb = _MegaboxStats()
    mb.load_synthetic(
        args.branches,
        [f"{first + timedelta(days=n):%Y%m%d}" for n in range(args.days)],
        list(args.megabox_movies),
        args.screens,
        replace=True,
    )
    lc, _ids = build_lotte(args.cinemas, first, args.days, args.lotte_movies, args.screens)
    mb.latency = lc.latency = args.latency
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with mb, lc:
        print(f"listening on {mb.base_url} {lc.base_url}", flush=True)
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--branches", type=int, required=True)
    parser.add_argument("--cinemas", type=int, required=True)
    parser.add_argument("--first", required=True, help="first synthetic date, YYYY-MM-DD")
    parser.add_argument("--days", type=int, required=True)
    parser.add_argument("--megabox-movies", nargs="+", required=True)
    parser.add_argument("--lotte-movies", nargs="+", required=True)
    parser.add_argument("--screens", type=int, required=True)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per request")
    asyncio.run(_serve(parser.parse_args()))


if __name__ == "__main__":
    main()
