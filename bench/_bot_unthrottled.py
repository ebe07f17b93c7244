"""Bench-only: `python -m bot run` with MEGABOX's request budget and jitter lifted.

Settings accept at most 5 requests per second; hundreds of checks in a few minutes need none.
Everything else (settings, store, scheduler, cogs, discord.py) is the real bot.
"""

from __future__ import annotations

import dataclasses
import sys

from bot import __main__ as entry
from bot.chains.megabox.client import ClientOptions
from bot.config import Settings

_configured = Settings.client_options


def _unthrottled(self: Settings) -> ClientOptions:
    return dataclasses.replace(_configured(self), requests_per_second=0, jitter_seconds=0)


Settings.client_options = _unthrottled  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(entry.main(["run"]))
