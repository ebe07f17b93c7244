"""MEGABOX's failures are the chain-neutral ones (bot/chains/base.py) with `chain="megabox"`;
the names stay for the code and tests that speak of MEGABOX."""

from __future__ import annotations

from bot.chains.base import (
    BadShape,
    Blocked,
    Overloaded,
    RateLimited,
    Rejected,
    ServerError,
    Timeout,
    Unreachable,
)
from bot.chains.base import ChainError as MegaboxError

__all__ = [
    "BadShape",
    "Blocked",
    "MegaboxError",
    "Overloaded",
    "RateLimited",
    "Rejected",
    "ServerError",
    "Timeout",
    "Unreachable",
]
