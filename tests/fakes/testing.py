"""Checks every cinema fake's own tests make alike (tests/test_fake_megabox.py,
tests/test_fake_lotte.py): a request that hangs, and the fake run as its own process."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.base import FakeServer

ROOT = Path(__file__).resolve().parent.parent.parent


async def assert_close_ends_a_hang(fake: FakeServer[Any], request: Awaitable[object]) -> None:
    """`request` meets the "timeout" mode (the client gives up), and close() still returns."""
    with pytest.raises(asyncio.TimeoutError):
        await request
    async with asyncio.timeout(10):  # guards a hang only; the shutdown itself takes ~1 s
        await fake.close()


@contextmanager
def standalone(module: str) -> Iterator[str]:
    """`python -m module --port 0` in a child process; yields the URL it prints, and on the way
    out checks that SIGTERM shuts it down cleanly."""
    cmd = [sys.executable, "-m", module, "--port", "0"]
    with subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline().strip()
            assert line.startswith("listening on http://127.0.0.1:")
            yield line.removeprefix("listening on ")
        finally:
            proc.terminate()
        # SIGTERM is a clean shutdown. No wait(timeout=): its polling time.sleep() fails under
        # libfaketime with FAKETIME_DONT_FAKE_MONOTONIC (CI's moved clock); pytest-timeout
        # guards a hang.
        assert proc.wait() == 0
