"""Seat-map pictures: render time per seat map (median, p95), picture sizes, and what they
cost in memory, for the bot (which never imports Pillow) and for the worker process.

    uv run python -m bench.seat_pictures [--renders 200]
    uv run python -m bench.seat_pictures --example docs/alert-example.png

`--example` regenerates the README's picture: the alert of the COEX MX4D fixture
(`selectSeatList-coex-mx4d-three-together.json`) for a watch of 3 together in rows E–J.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bot.chains.megabox.client import parse_seat_map
from bot.drawing.pictures import render_pngs
from bot.seats.layout import SeatLayout
from bot.seats.picture import picture
from bot.seats.prefs import RowRule, SeatPrefs, fit
from tests.fakes.megabox_server import _build_hall, load_fixture

FIXTURE = "selectSeatList-coex-mx4d-three-together.json"


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def halls() -> dict[str, SeatLayout]:
    coex = parse_seat_map(load_fixture(FIXTURE), "coex")
    out = {"COEX MX4D (192, fixture)": SeatLayout.from_seat_map(coex)}
    for name, brch, theab, size in (
        ("Hanam MX4D (132)", "4651", "06", 132),
        ("Suwon MX4D (176)", "0052", "04", 176),
        ("synthetic (400)", "9999", "01", 400),
    ):
        seats = _build_hall(brch, theab, size)
        for i, s in enumerate(seats):
            s["seatStatCd"] = "GERN_SELL" if i % 7 == 0 else "SCT04"
        out[name] = SeatLayout.from_seat_map(parse_seat_map({"seatListSD01": seats}, name))
    return out


def example(path: Path) -> None:
    layout = halls()["COEX MX4D (192, fixture)"]
    prefs = SeatPrefs(RowRule.parse("E-J"), "prefer")
    block = fit(layout, prefs, 3, True).block
    (png,) = asyncio.run(
        render_pngs([picture(layout, prefs, tuple(s.label for s in block)).to_json()])
    )
    path.write_bytes(png)
    print(f"wrote {path} ({len(png)} bytes)")


_PAINTER = """
import json, sys, time
from bot.drawing.pictures import paint
model = json.loads(sys.stdin.read())
times = []
for _ in range(int(sys.argv[1])):
    start = time.perf_counter()
    paint(model)
    times.append(time.perf_counter() - start)
rss = [line for line in open("/proc/self/status") if line.startswith("VmRSS")][0].split()[1]
print(json.dumps([times, int(rss) / 1024]))
"""


def paint_in_process(model: dict[str, object], n: int) -> tuple[list[float], float]:
    """Painting alone, in a fresh process (Pillow imported there): times and its RSS."""
    out = subprocess.run(
        [sys.executable, "-c", _PAINTER, str(n)],
        input=json.dumps(model),
        capture_output=True,
        text=True,
        check=True,
    )
    times, rss = json.loads(out.stdout)
    return times, rss


async def main_async(renders: int) -> None:
    layouts = halls()
    print(f"bot process at rest (no Pillow): {rss_mib():.1f} MiB RSS")
    print(
        "| hall | picture (px) | PNG size | worker round trip median / p95 | paint only median / p95 |"
    )
    print("|---|---|---|---|---|")
    for name, layout in layouts.items():
        model = picture(layout, SeatPrefs(RowRule.parse("E-J")), ()).to_json()
        trips = []
        png = b""
        for _ in range(20):
            start = time.perf_counter()
            (png,) = await render_pngs([model])
            trips.append(time.perf_counter() - start)
        paints, _ = paint_in_process(model, 50)
        q = statistics.quantiles
        print(
            f"| {name} | {model['width']}x{model['height']} | {len(png) / 1024:.1f} KB | "
            f"{statistics.median(trips) * 1000:.0f} / {q(trips, n=20)[18] * 1000:.0f} ms | "
            f"{statistics.median(paints) * 1000:.1f} / {q(paints, n=20)[18] * 1000:.1f} ms |"
        )
    coex = picture(layouts["COEX MX4D (192, fixture)"]).to_json()
    before = rss_mib()
    start = time.perf_counter()
    for _ in range(renders):
        await render_pngs([coex])
    took = time.perf_counter() - start
    batch_start = time.perf_counter()
    await render_pngs([coex] * 10)
    batch = time.perf_counter() - batch_start
    worker_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"{renders} renders, one worker each: {took:.1f} s; 10 in one worker: {batch * 1000:.0f} ms"
    )
    print(f"bot process RSS: {before:.1f} MiB before, {rss_mib():.1f} MiB after {renders} renders")
    print(f"Pillow loaded in the bot process: {'PIL' in sys.modules}")
    print(f"worker process peak RSS: {worker_peak:.1f} MiB (gone when it exits)")
    _, in_process = paint_in_process(coex, 200)
    print(f"for comparison, a process that imports Pillow and paints 200: {in_process:.1f} MiB RSS")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--renders", type=int, default=200)
    parser.add_argument("--example", type=Path)
    args = parser.parse_args()
    if args.example:
        example(args.example)
        return
    asyncio.run(main_async(args.renders))


if __name__ == "__main__":
    main()
