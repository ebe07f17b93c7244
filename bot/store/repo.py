"""The store: one connection and transaction object (base.py) with its queries split by
concern: watches, users and subscriptions, screenings and openings, the outbox, check runs."""

from __future__ import annotations

from bot.store.outbox import AlertJob, OutboxQueries
from bot.store.runs import CheckRun, RunQueries
from bot.store.screenings import PendingAlert, ScreeningQueries, Snapshot
from bot.store.users import Subscription, UserQueries
from bot.store.watches import WatchQueries

__all__ = ["AlertJob", "CheckRun", "PendingAlert", "Snapshot", "Store", "Subscription"]


class Store(WatchQueries, UserQueries, ScreeningQueries, OutboxQueries, RunQueries):
    """Every query over one connection; open with `await Store.open(url)`."""
