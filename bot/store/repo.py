"""The store: one connection and transaction object (base.py) with its queries split by
concern: watches, users and subscriptions, screenings and openings, the outbox, check runs."""

from __future__ import annotations

from bot.delivery.outbox import AlertJob
from bot.delivery.recipients import PendingAlert
from bot.store.history import HistoryPoint, HistoryQueries, LaneRow, ScreeningHistory
from bot.store.lane import LaneQueries
from bot.store.languages import LanguageQueries
from bot.store.news import NewsQueries
from bot.store.outbox import OutboxQueries
from bot.store.runs import CheckRun, Coverage, RunQueries
from bot.store.screenings import ScreeningQueries
from bot.store.users import Subscription, UserQueries
from bot.store.watches import WatchQueries

__all__ = [
    "AlertJob",
    "CheckRun",
    "Coverage",
    "HistoryPoint",
    "LaneRow",
    "PendingAlert",
    "ScreeningHistory",
    "Store",
    "Subscription",
]


class Store(
    WatchQueries,
    UserQueries,
    ScreeningQueries,
    OutboxQueries,
    RunQueries,
    NewsQueries,
    HistoryQueries,
    LaneQueries,
    LanguageQueries,
):
    """Every query over one connection; open with `await Store.open(url)`."""
