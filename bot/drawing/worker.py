"""Run a drawing module (`python -m bot.drawing.chart`, `python -m bot.drawing.pictures`) in a
short-lived child process: heavy imaging libraries never load into the bot, a render never
runs on the event loop, and the memory goes back when the child exits."""

from __future__ import annotations

import asyncio
import sys


class WorkerError(Exception):
    """The child failed: its exit status and the end of what it wrote to stderr."""


async def run_worker(module: str, payload: bytes, *, within: float) -> bytes:
    """`payload` on the child's stdin, its stdout back; killed when it takes longer than `within`
    seconds (or the caller is cancelled)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        module,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(within):
            out, err = await proc.communicate(payload)
    except BaseException:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        raise
    if proc.returncode != 0:
        tail = err.decode(errors="replace")[-500:]
        raise WorkerError(f"{module} failed: {tail or f'exit {proc.returncode}'}")
    return out
