"""Bench-only: `python -m bot run` with the chains' request budgets and jitter lifted.

Settings accept at most 5 requests per second; hundreds of checks in a few minutes need none.
Everything else (settings, store, scheduler, cogs, discord.py) is the real bot.
"""

from __future__ import annotations

import dataclasses
import sys

from bot import __main__ as entry
from bot.chains.lotte.client import LotteOptions
from bot.chains.megabox.client import ClientOptions
from bot.config import Settings

_configured = Settings.client_options
_configured_lotte = Settings.lotte_options


def _unthrottled(self: Settings) -> ClientOptions:
    return dataclasses.replace(_configured(self), requests_per_second=0, jitter_seconds=0)


def _unthrottled_lotte(self: Settings) -> LotteOptions:
    return dataclasses.replace(_configured_lotte(self), requests_per_second=0, jitter_seconds=0)


Settings.client_options = _unthrottled  # type: ignore[method-assign]
Settings.lotte_options = _unthrottled_lotte  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(entry.main(["run"]))
