"""The fast lane's runner: reads what the policy needs, asks it (bot/checking/fast_lane.py), and
runs the poll it chose through the checker (`Checker.poll`: same openings, outbox and
history as a check). Discord-free; the cog (cogs/fast_lane.py) loops it and words the
events in the status channel, the benchmark drives it on a simulated clock.

Every request a poll causes counts against the hourly budget: the client's request counter
around the poll (seat maps read because a count moved, retries and fallbacks too), and a
poll stops before its next request once it has spent what the last hour left. What it spent
and its backing-off are stored (bot/store/lane.py), so a restart changes neither."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.chains.base import KST
from bot.checking.checker import Checker, CheckResult, Poll
from bot.checking.fast_lane import BACKS_OFF, Backoff, LanePolicy, Listing, Plan, plan
from bot.checking.planner import make_chunks
from bot.store.lane import StoredBackoff

log = logging.getLogger(__name__)

_HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Tick:
    """What one tick did: `result` when it polled; `backed_off`/`recovered` to report."""

    result: CheckResult | None = None
    next_at: datetime | None = None
    backed_off: str | None = None  # the error kind, when a backing-off starts
    recovered: bool = False


@dataclass
class LaneRunner:
    checker: Checker
    policy: LanePolicy
    horizon_days: int = 21
    backoff: Backoff = field(init=False)
    last_plan: Plan | None = None
    #: The last poll of each listing (a check counts: it reads them all).
    last_listing: dict[Listing, datetime] = field(default_factory=dict)
    calendars: dict[tuple[str, ...], frozenset[date]] = field(default_factory=dict)
    _spent: deque[tuple[datetime, int]] = field(default_factory=deque)
    _loaded: bool = False

    def __post_init__(self) -> None:
        self.backoff = Backoff(self.policy)

    async def load(self) -> None:
        """What the lane spent in the last hour and its backing-off, as stored before a
        restart (once; `tick` calls it)."""
        if self._loaded:
            return
        store = self.checker.store
        now = self.checker.clock()
        self._spent = deque(await store.lane_spend_since(now - _HOUR))
        stored = await store.lane_backoff()
        if stored is not None:
            self.backoff.until, self.backoff.level = stored.until, stored.level
            self.backoff.reason, self.backoff._reported = stored.reason, stored.reported
        self._loaded = True

    async def _save_backoff(self) -> None:
        b = self.backoff
        await self.checker.store.save_lane_backoff(
            StoredBackoff(b.until, b.level, b.reason, b._reported)
        )

    def requests_last_hour(self, now: datetime) -> int:
        while self._spent and self._spent[0][0] <= now - _HOUR:
            self._spent.popleft()
        return sum(n for _, n in self._spent)

    async def tick(self, on_progress: Callable[[], Awaitable[object]] | None = None) -> Tick:
        """Poll what is due now, if anything and if MEGABOX lets us."""
        await self.load()
        now = self.checker.clock()
        if self.backoff.active(now):
            return Tick(next_at=self.backoff.until)
        store = self.checker.store
        # A watch waiting for its film has no listing yet: the catalogue read binds it.
        watches = [
            w for w in await store.watches(include_paused=False) if w.fast_lane and not w.waiting
        ]
        if not watches:
            self.last_plan = None
            return Tick()
        today = now.astimezone(KST).date()
        # A past date's listing is never asked again: its memory goes (growth stays flat).
        for key in [k for k in self.last_listing if k[1] < today]:
            del self.last_listing[key]
        chunks = make_chunks(watches, today, self.horizon_days)
        branches = sorted({b for c in chunks for b in c.branches})
        rows = await store.lane_rows(branches, now)
        for row in rows:  # a check's reads count as polls of their listing
            key = (next(c.branches for c in chunks if row.branch_id in c.branches), row.play_date)
            if row.seen_at > self.last_listing.get(key, row.seen_at - _HOUR):
                self.last_listing[key] = row.seen_at
        open_now = {k[1] for k, s in (await store.opening_states()).items() if s.open}
        chosen = plan(
            now=now,
            chunks=[(c.branches, c.watches) for c in chunks],
            rows=rows,
            open_screenings=open_now,
            calendars=self.calendars,
            last_listing=self.last_listing,
            spent_last_hour=self.requests_last_hour(now),
            horizon_days=self.horizon_days,
            policy=self.policy,
            holidays=await store.holidays(),
        )
        self.last_plan = chosen
        if chosen.empty:
            return Tick(next_at=chosen.next_at)
        room = self.policy.requests_per_hour - self.requests_last_hour(now)
        poll = Poll(
            frozenset(w.id for w in watches), chosen.listings, chosen.seat_maps, budget=room
        )
        polled = await self.checker.poll(poll, on_progress=on_progress)
        if polled is None:  # a check runs: it reads everything anyway
            return Tick(next_at=chosen.next_at)
        result = polled.result
        self._spent.append((now, result.requests))
        await self.checker.store.record_lane_spend(now, result.requests)
        self.calendars.update(polled.calendars)
        for listing in polled.read:  # only what was read counts as polled
            self.last_listing[listing] = now
        stop = next((e for e in result.errors if e.kind in BACKS_OFF), None)
        if stop is not None:
            first = self.backoff.failed(stop.kind, now)
            await self._save_backoff()
            log.warning("fast lane backs off for %s: %s", self.backoff.wait_text(), stop.message)
            return Tick(result, self.backoff.until, backed_off=stop.kind if first else None)
        recovered = False
        if not result.errors and self.backoff.level:
            recovered = self.backoff.succeeded()
            await self._save_backoff()
        return Tick(result, chosen.next_at, recovered=recovered)
