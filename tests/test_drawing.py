"""The drawing queue's bounds (bot/drawing/queue.py): one drawing job at a time whatever asks,
one warm picture worker for many pictures, a picture painted once per seat state (a retried
alert reuses it), and past the queue's wait the alert goes out without its picture and
says so."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from bot.drawing.queue import Drawing, DrawingBusy
from tests.conftest import ALERT_CHANNEL, COEX_MX4D_1940, THREE_TOGETHER
from tests.e2e import make_settings, running_bot
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.megabox_server import FakeMegabox

pytestmark = pytest.mark.timeout(60)

ALERT_POSTS = f"/channels/{ALERT_CHANNEL}/messages"
PNG = b"\x89PNG"


def model(width: int) -> dict[str, Any]:
    """A tiny, valid picture model: its width makes each one different."""
    box = {"x0": 2, "y0": 2, "x1": 12, "y1": 12, "fill": [30, 200, 90]}
    return {
        "width": width,
        "height": 40,
        "background": [255, 255, 255],
        "screen": box,
        "seats": [box],
        "texts": [{"x": 14, "y": 2, "text": "A1", "fill": [0, 0, 0]}],
        "legend": [],
    }


async def test_many_pictures_and_a_chart_at_once_run_one_job_at_a_time() -> None:
    drawing = Drawing()
    try:
        # Ten alerts' pictures and a /history chart asked for together.
        jobs: list[Any] = [drawing.pictures([model(40 + n)]) for n in range(10)]
        jobs.append(drawing.chart({"title": "t", "date": "2026-12-05", "threshold": 3,
                                   "series": []}))  # fmt: skip
        results = await asyncio.gather(*jobs)
        assert all(r[0].startswith(PNG) for r in results[:10])
        assert results[10].startswith(PNG)
        assert drawing.most_at_once == 1  # never two drawing processes working at once
        assert drawing.workers_started == 1  # one warm worker painted all ten
        assert drawing.painted == 10
    finally:
        await drawing.close()


async def test_a_job_waits_for_the_queue_only_so_long() -> None:
    drawing = Drawing(wait=0.05)
    try:
        async with drawing._job():  # another job holds the queue
            with pytest.raises(DrawingBusy):
                await drawing.pictures([model(50)])
        # The queue is free again: the same picture is painted.
        (png,) = await drawing.pictures([model(50)])
        assert png.startswith(PNG)
    finally:
        await drawing.close()


async def test_a_dead_worker_is_replaced_and_a_bad_model_does_not_kill_it() -> None:
    drawing = Drawing()
    try:
        await drawing.pictures([model(40)])
        with pytest.raises(Exception, match="KeyError"):
            await drawing.pictures([{"width": 10}])
        assert drawing.workers_started == 1  # the error came back as an answer
        assert drawing._worker.proc is not None
        drawing._worker.proc.kill()
        await drawing._worker.proc.wait()
        (png,) = await drawing.pictures([model(41)])
        assert png.startswith(PNG)
        assert drawing.workers_started == 2
    finally:
        await drawing.close()


async def test_the_cache_keeps_to_its_byte_cap() -> None:
    drawing = Drawing(cache_bytes=1)
    try:
        first = await drawing.pictures([model(40), model(41)])
        assert len(first) == 2 and drawing._cached_bytes == len(first[1])
        assert len(drawing._cache) == 1
    finally:
        await drawing.close()


async def test_an_idle_worker_is_retired_and_comes_back_when_needed() -> None:
    drawing = Drawing(idle=0.01)
    try:
        await drawing.pictures([model(40)])
        for _ in range(500):  # the retirement runs on the loop's timer
            if not drawing._worker.alive:
                break
            await asyncio.sleep(0.01)
        assert not drawing._worker.alive
        (png,) = await drawing.pictures([model(40)])  # from the cache: no worker needed
        assert png.startswith(PNG) and drawing.workers_started == 1
    finally:
        await drawing.close()


async def test_a_retried_alert_reuses_its_picture(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    async with running_bot(fake, megabox, make_settings(megabox, db_url, tmp_path)) as run:
        # Discord's edge fails the first post (nothing stored): the alert is tried again.
        fake.fail_next("POST", ALERT_POSTS, status=503)
        await run.scheduled_check()
        await run.watcher.deliver()
        assert [f[2] for f in fake.injected_failures] == [503]
        [alert] = run.alerts()
        [attachment] = alert.data["attachments"]
        assert fake.files[attachment["id"]].startswith(PNG)  # the retry still has its picture
        assert run.bot.drawing.painted == 1  # painted for the first try, not again


async def test_past_the_queue_s_wait_the_alert_goes_out_without_its_picture_and_says_so(
    fake: FakeDiscord, megabox: FakeMegabox, db_url: str, tmp_path: Path
) -> None:
    megabox.set_seat_map(COEX_MX4D_1940, THREE_TOGETHER)
    async with running_bot(fake, megabox, make_settings(megabox, db_url, tmp_path)) as run:
        run.bot.drawing.wait = 0.05
        async with run.bot.drawing._job():  # a long /history chart holds the queue
            await run.scheduled_check()
        [alert] = run.alerts()
        assert alert.data["attachments"] == []
        fields = {f["name"]: f["value"] for f in alert.data["embeds"][0]["fields"]}
        assert "other pictures were being drawn" in fields["Seat map"]
