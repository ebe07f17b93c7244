"""Every picture and chart the bot sends is drawn here: one job at a time, seat maps by one
warm worker process, each picture painted once per content.

- **One job at a time.** A drawing process costs 25-80 MiB (Pillow, matplotlib); under the
  compose file's 256 MiB no number of alerts or `/history` presses may start more than one.
  A job waits for the one before it at most `wait` seconds, then `DrawingBusy` is raised and
  the caller sends its message without the picture, saying so.
- **A warm Pillow worker.** Starting Python and Pillow takes ~250 ms, most of an alert's
  delay; `python -m bot.drawing.pictures --serve` stays up between pictures (length-prefixed
  frames on its stdin/stdout), is started lazily (or `warm()`ed when a check begins, so the
  first alert of a check does not wait for it), started again if it died, and retired after
  `idle` seconds without work so its memory goes back between checks.
- **matplotlib stays one-shot** (`python -m bot.drawing.chart`): `/history` is rare and the library
  is the heaviest; the queue keeps it to one at a time.
- **Painted once.** A picture depends only on its model (seat states, preferences, best
  block, labels), so PNGs are kept by a hash of the model in a small in-memory LRU with a byte
  cap: a retried or edited alert and `/check` reuse what was painted. In memory, not SQLite:
  a PNG is a few KB and cheap to repaint after a restart, a content key needs no
  invalidation, and it needs no migration or disk writes per alert.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import struct
import sys
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from bot.drawing.worker import WorkerError, run_worker

log = logging.getLogger(__name__)

#: How long a job waits for the one before it; past that it goes without (alerts) or asks
#: the member to try again (`/history`).
QUEUE_WAIT = 20.0
#: The warm worker exits after this long without a picture (between hourly checks).
IDLE_SECONDS = 300.0
#: One picture that takes longer is given up and its worker killed.
PICTURE_TIMEOUT = 30.0
#: A `/history` chart that takes longer is given up.
CHART_TIMEOUT = 60.0
#: Painted PNGs kept (a 200-seat hall is ~3 KB; 1 MiB holds a few hundred).
CACHE_BYTES = 1024 * 1024

_HEADER = struct.Struct(">cI")  # answer: b"K" (a PNG) or b"E" (an error text), length


class DrawingBusy(Exception):
    """Another drawing job held the queue longer than the bounded wait."""


def picture_key(model: dict[str, Any]) -> str:
    """What a painted picture depends on: its whole model, hashed."""
    text = json.dumps(model, sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


class _PictureWorker:
    """One long-lived `python -m bot.drawing.pictures --serve`; used under the queue's lock."""

    def __init__(self, module: str) -> None:
        self.module = module
        self.proc: asyncio.subprocess.Process | None = None
        self.started = 0  # processes started so far (tests, the bench)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def start(self) -> None:
        if self.alive:
            return
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            self.module,
            "--serve",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            # Its tracebacks go to the bot's stderr (the container log), nothing is buffered.
            stderr=None,
        )
        self.started += 1

    async def paint(self, model: dict[str, Any], within: float) -> bytes:
        await self.start()
        proc = self.proc
        assert proc is not None and proc.stdin is not None and proc.stdout is not None
        body = json.dumps(model).encode()
        try:
            async with asyncio.timeout(within):
                proc.stdin.write(struct.pack(">I", len(body)) + body)
                await proc.stdin.drain()
                kind, size = _HEADER.unpack(await proc.stdout.readexactly(_HEADER.size))
                payload = await proc.stdout.readexactly(size)
        except BaseException:
            # Timed out, died mid-frame or the caller was cancelled: the stream is out of
            # step, so this worker is done; the next picture starts another.
            await self.stop(kill=True)
            raise
        if kind != b"K":
            raise WorkerError(f"{self.module}: {payload.decode(errors='replace')[-500:]}")
        return payload

    async def stop(self, *, kill: bool = False) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.returncode is not None:
            return
        if kill:
            proc.kill()
        elif proc.stdin is not None:
            proc.stdin.close()
        try:
            # End of input: it exits. Reading its output to the end lets asyncio close the
            # pipes with the process (a transport left open warns when collected).
            async with asyncio.timeout(5):
                await proc.communicate()
        except TimeoutError:
            proc.kill()
            await proc.communicate()


class Drawing:
    """The bot's one drawing queue (see the module's docstring)."""

    def __init__(
        self,
        *,
        wait: float = QUEUE_WAIT,
        idle: float = IDLE_SECONDS,
        cache_bytes: int = CACHE_BYTES,
        picture_module: str = "bot.drawing.pictures",
        chart_module: str = "bot.drawing.chart",
    ) -> None:
        self.wait = wait
        self.idle = idle
        self.cache_bytes = cache_bytes
        self.chart_module = chart_module
        self._slot = asyncio.Lock()
        self._worker = _PictureWorker(picture_module)
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._cached_bytes = 0
        self._retire: asyncio.TimerHandle | None = None
        self._warming: asyncio.Task[None] | None = None
        self._retiring: asyncio.Task[None] | None = None
        self._closed = False
        #: Counters for tests and the bench: jobs running now, the most ever at once, pictures
        #: painted (not taken from the cache).
        self.running = 0
        self.most_at_once = 0
        self.painted = 0

    @property
    def workers_started(self) -> int:
        return self._worker.started

    # -- the public jobs -------------------------------------------------------------------

    async def pictures(self, models: Sequence[dict[str, Any]]) -> list[bytes]:
        """PNGs for these seat-map models, from the cache or painted by the warm worker in
        one job. Raises `DrawingBusy` past the queue's wait, or the worker's error."""
        keys = [picture_key(m) for m in models]
        got: dict[str, bytes] = {}
        for key in keys:
            if key in self._cache:
                self._cache.move_to_end(key)
                got[key] = self._cache[key]
        missing = {k: m for k, m in zip(keys, models, strict=True) if k not in got}
        if missing:
            async with self._job():
                for key, model in missing.items():
                    png = self._cache.get(key)  # painted by a job we waited behind?
                    if png is None:
                        png = await self._worker.paint(model, PICTURE_TIMEOUT)
                        self.painted += 1
                        self._keep(key, png)
                    got[key] = png
                self._idle_later()
        return [got[key] for key in keys]

    async def chart(self, data: dict[str, Any]) -> bytes:
        """A `/history` chart drawn by a one-shot matplotlib process, in the queue."""
        async with self._job():
            # matplotlib takes ~100 MiB: the idle picture worker makes room (bot + chart +
            # worker came to 219 MiB of the 256 MiB limit in bench.bot_numbers); the next
            # alert starts it again, a rare cost, as /history is rare.
            await self._worker.stop()
            return await run_worker(
                self.chart_module, json.dumps(data).encode(), within=CHART_TIMEOUT
            )

    def warm(self) -> None:
        """Start the picture worker in the background if it is not up, so the first alert
        of a check does not wait for Python and Pillow to load."""
        if self._closed or self._worker.alive or self._slot.locked():
            return
        if self._warming is not None and not self._warming.done():
            return
        self._warming = asyncio.get_running_loop().create_task(self._warm())

    async def close(self) -> None:
        self._closed = True
        if self._retire is not None:
            self._retire.cancel()
        if self._warming is not None:
            # Not cancelled: a spawn cut short would leave a process nobody stops.
            with contextlib.suppress(Exception):
                await self._warming
        if self._retiring is not None:
            with contextlib.suppress(Exception):
                await self._retiring
        await self._worker.stop()

    # -- the queue -------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _job(self) -> Any:
        try:
            async with asyncio.timeout(self.wait):
                await self._slot.acquire()
        except TimeoutError:
            raise DrawingBusy(f"the drawing queue was busy for {self.wait:.0f} s") from None
        if self._retire is not None:
            self._retire.cancel()
            self._retire = None
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            yield
        finally:
            self.running -= 1
            self._slot.release()

    async def _warm(self) -> None:
        try:
            async with self._job():
                await self._worker.start()
                self._idle_later()
        except Exception:
            log.warning("the picture worker could not be started ahead", exc_info=True)

    def _idle_later(self) -> None:
        if self._retire is not None:
            self._retire.cancel()
        loop = asyncio.get_running_loop()
        self._retire = loop.call_later(self.idle, self._start_retiring)

    def _start_retiring(self) -> None:
        self._retiring = asyncio.get_running_loop().create_task(self._retire_idle())

    async def _retire_idle(self) -> None:
        if self._slot.locked() or self._closed:
            return  # a job is running: it schedules the next retirement itself
        self._retire = None
        log.debug("picture worker idle for %.0f s: retired", self.idle)
        await self._worker.stop()

    def _keep(self, key: str, png: bytes) -> None:
        old = self._cache.pop(key, None)
        if old is not None:
            self._cached_bytes -= len(old)
        self._cache[key] = png
        self._cached_bytes += len(png)
        while self._cached_bytes > self.cache_bytes and len(self._cache) > 1:
            _, dropped = self._cache.popitem(last=False)
            self._cached_bytes -= len(dropped)
