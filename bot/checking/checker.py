"""One check, end to end: plan → fetch → evaluate seats → openings → outbox (architecture.md).

Orchestration only: which screenings need a seat map is `seat_rule.py`, the state machine
is `openings.py`, and the result is a frozen `results.CheckResult`. Nothing here knows about
Discord. A failed request never turns into "no seats": what could not be fetched is reported
as an error, keeps its state, and keeps the watches that needed it in their baseline.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Protocol

from bot.chains.base import KST, Chain, ChainError, Listing, Screening, chain_of, native
from bot.checking.judgement import NOT_SEEN, Sight, Sighting, decide, verdict
from bot.checking.planner import Chunk, make_chunks
from bot.checking.public_holidays import public_holiday
from bot.checking.report import run_row
from bot.checking.results import CheckError, CheckResult, NewOpening, SeenScreening
from bot.checking.seat_rule import KNOWN_WHEELCHAIR_SEATS, HallFacts, from_count, needs_seat_map
from bot.checking.waiting import bind_waiting
from bot.delivery import recipients
from bot.delivery.new_screenings import News, NewScreening, sort_out
from bot.delivery.notices import NewsBody
from bot.seats.count import SeatCount, estimate, evaluate
from bot.store.news import NewNotice, Seen
from bot.store.repo import Coverage, PendingAlert, Store
from bot.watches.openings import Change, Key, OpeningState, Transition
from bot.watches.watch import Place, Watch

__all__ = [
    "KNOWN_WHEELCHAIR_SEATS",
    "CheckBusy",
    "CheckError",
    "CheckResult",
    "Checker",
    "NewOpening",
    "SeenScreening",
]

log = logging.getLogger(__name__)

#: Screenings (with their openings and alerts) are forgotten this long after they started.
RETENTION = timedelta(days=30)

#: Overload, blocks and rate limits (`ChainError.stops_a_check`) stop asking that chain at
#: once: asking more would make them worse. An isolated timeout or 5xx is that part "not
#: checked", and the check goes on; only a run of them (the chain down, not one slow answer)
#: stops it too, so a dead chain costs minutes, not a full round of timeouts. Either stops
#: only the chain that failed: the other chain's parts are checked as ever.
_TRANSIENT_FAILURES_IN_A_ROW = 3


class CheckSettings(Protocol):
    """What a checker takes from the settings (bot/config.py, which sits above this)."""

    horizon_days: int
    flap_damping_minutes: int
    alert_channel_id: int | None


class CheckBusy(Exception):
    """A check is already running; the caller may wait for it or say so."""


class Yielded(ChainError):
    """A fast poll stopped to let a scheduled check or `/check` have the chains: what it did
    not ask keeps its state, like any part not checked."""

    kind = "yielded"
    transient = False


@dataclass(frozen=True, slots=True)
class Poll:
    """What one fast poll asks (bot/checking/fast_lane.py decides it): these watches, these listing
    dates per chunk of branches, and seat maps only for `seat_maps` (a screening whose
    restSeatCnt moved since it was stored, or that is new, gets one anyway)."""

    watch_ids: frozenset[int]
    listings: Mapping[tuple[str, ...], frozenset[date]]
    seat_maps: frozenset[str]
    #: Requests it may cause (the lane's budget left this hour); None: no limit.
    budget: int | None = None


@dataclass(frozen=True, slots=True)
class Polled:
    result: CheckResult
    #: Open dates per chunk of branches, from the calendars the poll read (new dates).
    calendars: Mapping[tuple[str, ...], frozenset[date]]
    #: The listings (chunk branches, date) the poll read whole.
    read: frozenset[tuple[tuple[str, ...], date]] = frozenset()


@dataclass(frozen=True, slots=True)
class _Gap:
    """A part of the listings this check could not read: these branches on `day` (None:
    every date, the calendar itself is unknown), for `movies` (None: any movie)."""

    branches: frozenset[str]
    day: date | None
    movies: frozenset[str] | None = None

    def hits(self, place: Place) -> bool:
        """The screening may sit in this unread part: its state is not to be judged."""
        return (
            place.branch_id in self.branches
            and (self.day is None or self.day == place.play_date)
            and (self.movies is None or not self.movies.isdisjoint(place.movies))
        )


class Checker:
    """Runs checks one at a time: the scheduler and `/check` share this lock."""

    def __init__(
        self,
        chains: Chain | Sequence[Chain],
        store: Store,
        *,
        horizon_days: int = 21,
        damping: timedelta = timedelta(minutes=30),
        default_channel_id: int | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(KST),
    ) -> None:
        self.chains: dict[str, Chain] = {
            c.name: c for c in (chains if isinstance(chains, Sequence) else [chains])
        }
        self.store = store
        self.horizon_days = horizon_days
        self.damping = damping
        self.default_channel_id = default_channel_id
        self.clock = clock
        self.lock = asyncio.Lock()
        self._polling = False  # the lock is held by a fast poll, which yields on demand
        self._waiting = 0  # checks waiting for the lock: a running fast poll stops for them

    @classmethod
    def from_settings(
        cls,
        chains: Chain | Sequence[Chain],
        store: Store,
        settings: CheckSettings,
        clock: Callable[[], datetime] | None = None,
    ) -> Checker:
        return cls(
            chains,
            store,
            horizon_days=settings.horizon_days,
            damping=timedelta(minutes=settings.flap_damping_minutes),
            default_channel_id=settings.alert_channel_id,
            **({"clock": clock} if clock else {}),
        )

    @property
    def requests_made(self) -> int:
        """Requests every chain has sent (retries and fallbacks included)."""
        return sum(c.requests_made for c in self.chains.values())

    @property
    def busy(self) -> bool:
        """A check (not a fast poll) is running."""
        return self.lock.locked() and not self._polling

    async def run(
        self,
        trigger: str = "schedule",
        *,
        wait: bool = True,
        on_progress: Callable[[], Awaitable[object]] | None = None,
        only: Collection[int] | None = None,
    ) -> CheckResult:
        """One check. `on_progress` runs after each listing chunk's openings are stored, so
        alerts can go out long before a large check ends. `only`: check just these watches
        (a member's `/check`); the others are not looked at and keep their state.

        Cancelling it (shutdown) is safe: each chunk is stored in one transaction, so what
        was not stored keeps its state and is simply checked next time."""
        if not wait and self.busy:
            raise CheckBusy
        # A fast poll holding the lock sees `_waiting` and stops at its next request.
        self._waiting += 1
        try:
            await self.lock.acquire()
        finally:
            self._waiting -= 1
        try:
            return await self._run(trigger, on_progress, only)
        finally:
            self.lock.release()

    async def poll(
        self, poll: Poll, *, on_progress: Callable[[], Awaitable[object]] | None = None
    ) -> Polled | None:
        """One fast poll through the same machinery as a check (openings, outbox, history);
        None when a check runs or waits: the lane never delays one. It records no check run
        and ends no baseline (it does not see a watch whole)."""
        if self.lock.locked() or self._waiting:
            return None
        async with self.lock:
            self._polling = True
            try:
                started = self.clock()
                before = self.spent_by_chain()
                watches = tuple(
                    w
                    for w in await self.store.watches(include_paused=False)
                    if w.id in poll.watch_ids and not w.waiting
                )

                def stop() -> bool:
                    # A check waits, or the poll spent its budget (retries count too).
                    spent = self.requests_made - sum(before.values())
                    return self._waiting > 0 or (poll.budget is not None and spent >= poll.budget)

                run = _Run(self, watches, started, poll=poll, interrupt=stop)
                await self._prepare(run, watches, await self.store.subscriptions())
                result = await self._checked(run, "fast", before, on_progress)
                return Polled(result, run.calendars, frozenset(run.read))
            finally:
                self._polling = False

    async def _run(
        self,
        trigger: str,
        on_progress: Callable[[], Awaitable[object]] | None,
        only: Collection[int] | None = None,
    ) -> CheckResult:
        started = self.clock()
        requests_before = self.spent_by_chain()
        stored = await self.store.watches(include_paused=False)
        if only is not None:
            stored = [w for w in stored if w.id in only]
        subscriptions = await self.store.subscriptions()
        # Watches waiting for a film cost one catalogue read, together; one that finds its
        # film is checked as any watch from this check on.
        binding = await bind_waiting(
            self.chains,
            self.store,
            [w for w in stored if w.waiting],
            lambda w: self._targets([w], subscriptions, news=not w.tells_seats)[w.id],
            started,
        )
        watches = tuple(binding.bound.get(w.id, w) for w in stored)
        watches = tuple(w for w in watches if not w.waiting)
        run = _Run(self, watches, started)
        for watch in recipients.without_channel(watches, self.default_channel_id):
            log.warning("watch %s has no alert channel: openings go to DMs only", watch.id)
        await self._prepare(run, watches, subscriptions)
        if binding.error is not None:
            run.warnings.append(
                CheckError(binding.error.kind, str(binding.error), "the film list (catalogue)")
            )
        result = await self._checked(run, trigger, requests_before, on_progress)
        complete = {w.id: w.revision for w in watches if w.id in result.covered}
        await self.store.record_run(run_row(result), coverage=Coverage(complete))
        await self.store.prune(started - RETENTION)
        await self.store.forget_seen(started - RETENTION)
        return result

    async def _checked(
        self,
        run: _Run,
        trigger: str,
        requests_before: Mapping[str, int],
        on_progress: Callable[[], Awaitable[object]] | None,
    ) -> CheckResult:
        """Every chunk of the run's watches, then what no chunk looked at: the result."""
        for chunk in make_chunks(run.watches, run.today, self.horizon_days):
            if await run.check_chunk(chunk) and on_progress is not None:
                await on_progress()
        await run.finish()
        spent = self.spent_by_chain()
        return run.result(
            trigger,
            finished_at=self.clock(),
            # Each chain's requests since the path began (a waiting watch's film list too).
            requests={c: n - requests_before.get(c, 0) for c, n in spent.items()},
        )

    def spent_by_chain(self) -> dict[str, int]:
        """Requests each chain has sent so far."""
        return {name: chain.requests_made for name, chain in self.chains.items()}

    async def _prepare(
        self,
        run: _Run,
        watches: Sequence[Watch],
        subscriptions: Sequence[recipients.SubscriptionLike],
    ) -> None:
        """Who hears of what (seat alerts only for watches that tell seats), then the run's
        own reads from the store."""
        seat_targets = self._targets(watches, subscriptions)
        await run.prepare(
            {w.id: seat_targets[w.id] if w.tells_seats else [] for w in watches},
            self._targets(watches, subscriptions, news=True),
        )

    def _targets(
        self,
        watches: Sequence[Watch],
        subscriptions: Sequence[recipients.SubscriptionLike],
        *,
        news: bool = False,
    ) -> dict[int, list[PendingAlert]]:
        """Who hears of an opening (recipients.py), or with `news` of new screenings (the
        watch's own channel and mention for them, where set)."""
        seen_as = [w.as_news() for w in watches] if news else watches
        return recipients.targets(seen_as, subscriptions, self.default_channel_id)


class _Run:
    """The working state of one check, processed chunk by chunk (planner.py)."""

    def __init__(
        self,
        checker: Checker,
        watches: tuple[Watch, ...],
        now: datetime,
        *,
        poll: Poll | None = None,
        interrupt: Callable[[], bool] = lambda: False,
    ) -> None:
        self.c = checker
        self.watches = watches
        self.poll = poll
        self._interrupt = interrupt
        #: Fast poll: screenings whose seat map it did not ask (their openings keep state).
        self.deferred: set[str] = set()
        #: Open dates per chunk of branches, from the calendars this run read.
        self.calendars: dict[tuple[str, ...], frozenset[date]] = {}
        self.now = now
        self.today = now.astimezone(KST).date()
        self.rows: dict[str, Screening] = {}
        self.observed: set[tuple[str, date]] = set()
        self.read: set[tuple[tuple[str, ...], date]] = set()  # (chunk branches, date) read
        self.holidays: dict[date, bool] = {}
        self.read_holidays: dict[date, bool] = {}  # read by this run, not yet stored
        self.errors: list[CheckError] = []
        self.warnings: list[CheckError] = []
        self.seen: dict[str, SeenScreening] = {}  # playSchdlNo → what this run saw of it
        self.transitions: list[Transition] = []
        self.openings: list[NewOpening] = []
        self.gaps: list[_Gap] = []
        self.uncovered: set[int] = set()  # watches with a seat map this check could not read
        self.seat_maps = 0
        self.seat_errors: dict[str, str] = {}  # playSchdlNo → branch, maps not read
        self.skipped_branches = 0
        self.rows_seen = 0
        #: Per chain: the failure that stopped asking it, and its transient failures since
        #: its last answer (a fast poll that yields stops every chain: `_yielded`).
        self._stopped: dict[str, ChainError] = {}
        self._yielded: Yielded | None = None
        self._in_a_row: dict[str, int] = {}
        self.disagreements: set[str] = set()  # screenings whose map disagrees with its listing
        # Rows x watches is the check's inner loop: only the watches of a row's branch and
        # film are asked (a row names its film and its representative film, README §13.10).
        self._by_listing: dict[tuple[str, str], list[Watch]] = {}
        for watch in watches:
            for branch in watch.branches:
                self._by_listing.setdefault((branch, watch.movie_id), []).append(watch)
        self._watch = {w.id: w for w in watches}
        self.revisions = {w.id: w.revision for w in watches}
        self.baseline = {w.id for w in watches if w.baseline_pending}
        self.news_baseline = {w.id for w in watches if w.news_baseline_pending}
        self.announce = {w.id for w in watches if w.tells_news}
        self.news: dict[int, list[NewScreening]] = {}  # watch → its new screenings so far
        self.seen_by: list[Seen] = []
        self.folded: set[Key] = set()  # seat openings told by their watch's news message

    async def prepare(
        self,
        targets: dict[int, list[PendingAlert]],
        news_targets: dict[int, list[PendingAlert]],
    ) -> None:
        """What every chunk needs from the store, read once."""
        self.targets = targets
        self.news_targets = news_targets
        self.known = await self.c.store.known_screenings(self._watch)
        self.halls = HallFacts.with_known(
            await self.c.store.wheelchair_seats(), await self.c.store.hidden_seats()
        )
        # Every path judges holidays from every calendar read so far, then from its own.
        self.holidays.update(await self.c.store.holidays())
        states = await self.c.store.opening_states(self.now - self.c.damping)
        self.states = {k: v for k, v in states.items() if k[0] in self._watch}
        self.places: dict[str, Place] = await self.c.store.screening_places(
            k[1] for k in self.states
        )

    async def check_chunk(self, chunk: Chunk) -> bool:
        """Listings, seats and openings of one chunk, stored; True if it opened anything."""
        rows = await self._fetch_chunk(chunk)
        before = await self.c.store.rest_counts(r.screening_id for r in rows) if self.poll else {}
        seen: dict[str, SeenScreening] = {}
        halls: dict[tuple[str, str], tuple[int, int | None]] = {}
        for screening in sorted(rows, key=lambda s: (s.start, s.screening_id)):
            judged = await self._judge(screening, halls, before.get(screening.screening_id))
            if judged is not None:
                seen[screening.screening_id] = judged
        self.places.update((row.screening_id, Place.of(row)) for row in rows)
        mine = {
            key: state
            for key, state in self.states.items()
            if (place := self.places.get(key[1])) is not None and place.branch_id in chunk.branches
        }
        for key in mine:
            del self.states[key]
        keys = set(mine) | {(wid, no) for no, s in seen.items() for wid in s.wanted_by}
        transitions = self._decide(mine, sorted(keys), seen)
        # The seats each opening matched in this chunk stay with it (bot/checking/judgement.py);
        # the hall itself only for a watch with seat preferences, the one judge that reads it.
        matched = {
            (wid, no): count if self._watch[wid].prefs.active else replace(count, layout=None)
            for no, s in seen.items()
            if (count := s.count) is not None
            for wid in s.matched_by
        }
        self.seen.update(seen)
        news = self._news(seen)
        applied = await self._store(
            transitions, [s.screening for s in seen.values()],
            {no: s.count for no, s in seen.items() if s.count}, halls, news.folded, matched,
        )  # fmt: skip
        return any(t.change is Change.OPENED for t in applied)

    def _decide(
        self,
        states: Mapping[Key, OpeningState],
        keys: Sequence[Key],
        seen: dict[str, SeenScreening],
    ) -> list[Transition]:
        """Each opening's transition from what this run saw of it (bot/checking/judgement.py)."""
        out: list[Transition] = []
        for key in keys:
            place = self.places.get(key[1])
            if place is None:
                continue
            change = decide(
                self._watch[key[0]],
                place,
                self._sighting(key[1], place, seen),
                state=states.get(key),
                holiday=self.holidays.get(place.play_date),
                baseline=key[0] in self.baseline,
                now=self.now,
                damping=self.c.damping,
            )
            if change is not None:
                out.append(Transition(key, change))
        return out

    def _sighting(self, no: str, place: Place, seen: dict[str, SeenScreening]) -> Sighting:
        """What this run saw of one screening: only what it read counts."""
        if no in self.deferred:
            return NOT_SEEN  # a fast poll left its seat map for later
        if no in self.rows:
            judged = seen.get(no)
            return Sighting(Sight.SEEN, judged.count if judged is not None else None)
        if any(gap.hits(place) for gap in self.gaps):
            return Sighting(Sight.UNREADABLE if place.listing in self.observed else Sight.NOTHING)
        return Sighting(Sight.GONE if place.listing in self.observed else Sight.NOTHING)

    def _news(self, seen: dict[str, SeenScreening]) -> News:
        """New screenings in this chunk's listings (bot/delivery/new_screenings.py); they are
        announced and remembered together at the end of the check."""
        news = sort_out(
            ((no, s.wanted_by) for no, s in seen.items()),
            self.known,
            baseline=self.news_baseline,
            announce=self.announce,
        )
        for wid, nos in news.new.items():
            self.news.setdefault(wid, []).extend(
                NewScreening.of(seen[no].screening, seen[no].count, wid in seen[no].matched_by)
                for no in nos
            )
        self.seen_by += [Seen(w, no, seen[no].screening.start) for w, no in news.remember]
        self.folded |= news.folded
        return news

    async def finish(self) -> None:
        """Openings no chunk looked at (no active watch lists their branch any more): a
        started screening ends them, and so does a watch that no longer wants them; one
        summary warning for unreadable seat maps and rows."""
        transitions = self._decide(self.states, sorted(self.states), {})
        if transitions:
            await self._store(transitions, [], {}, {})
        await self.c.store.record_news(
            now=self.now,
            seen=self.seen_by,
            notices=[
                NewNotice(wid, "new", self._news_body(wid, items), self.news_targets[wid])
                for wid, items in sorted(self.news.items())
            ],
            revisions=self.revisions,
            folded={key: self.targets.get(key[0], []) for key in sorted(self.folded)},
        )
        if self.seat_errors:
            self.warnings.append(
                CheckError(
                    "seat-map",
                    f"{len(self.seat_errors)} seat map(s) unreadable: counts are estimates",
                    "seat maps",
                    frozenset(self.seat_errors.values()),
                    count=len(self.seat_errors),
                )
            )
        for chain in sorted({chain_of(no) for no in self.disagreements}):
            mine = [no for no in self.disagreements if chain_of(no) == chain]
            self.warnings.append(
                CheckError(
                    "map-disagrees",
                    f"{len(mine)} seat map(s) of {chain} disagree with the listing's count: "
                    "counts there are estimates",
                    "seat maps",
                    frozenset(self.rows[no].branch_id for no in mine),
                    chain,
                    count=len(mine),
                )
            )
        if self.skipped_branches:
            self.warnings.append(
                CheckError(
                    "unreadable-row",
                    f"{self.skipped_branches} unreadable branch entr(ies) skipped",
                    "branch list",
                    count=self.skipped_branches,
                )
            )

    async def _store(
        self,
        transitions: list[Transition],
        screenings: list[Screening],
        counts: dict[str, SeatCount],
        halls: dict[tuple[str, str], tuple[int, int | None]],
        folded: set[Key] | None = None,
        matched: dict[Key, SeatCount] | None = None,
    ) -> list[Transition]:
        applied = await self.c.store.record_progress(
            now=self.now,
            screenings=screenings,
            counts=counts,
            halls=halls,
            transitions=transitions,
            targets=self.targets,
            revisions=self.revisions,
            folded=folded or set(),
            source="check" if self.poll is None else "fast",
            matched=matched or {},
            holidays=self._new_holidays(),
        )
        self.transitions += applied
        for tr in applied:
            judged = self.seen.get(tr.key[1])
            count = judged.count_for(tr.key[0]) if judged is not None else None
            if tr.change is Change.OPENED and count is not None:
                self.openings.append(NewOpening(tr.key[0], self.rows[tr.key[1]], count))
        return applied

    def _new_holidays(self) -> dict[date, bool]:
        """The holiday flags read since the last store, to persist with this part."""
        new, self.read_holidays = self.read_holidays, {}
        return new

    def _news_body(self, watch_id: int, items: list[NewScreening]) -> NewsBody:
        watch = self._watch[watch_id]
        rows = [self.rows[i.screening_id] for i in items]
        # The film's own name, not an event version's "[무대인사] …", where there is one.
        name = next((r for r in rows if r.movie_id == watch.movie_id), rows[0]).movie_name
        return NewsBody(watch.label, watch.movie_id, name, tuple(items))

    # -- listings --------------------------------------------------------------------------

    async def _fetch_chunk(self, chunk: Chunk) -> list[Screening]:
        before = set(self.rows)
        if self.poll is not None:
            # A fast poll asks only the dates the lane chose; the calendar comes with each.
            for day in sorted(self.poll.listings.get(chunk.branches, ())):
                if await self._fetch(chunk, day) is None:
                    self.gaps.append(_Gap(frozenset(chunk.branches), day))
            return [row for no, row in self.rows.items() if no not in before]
        probe = chunk.probe_date(self.today, self.c.horizon_days)
        if probe is None:
            return []
        page = await self._fetch(chunk, probe)
        if page is None:
            # Without the calendar, every date of these branches is unknown.
            self.gaps.append(_Gap(frozenset(chunk.branches), None))
        else:
            calendar = {entry.play_date: entry for entry in page.calendar}
            for day in chunk.dates_to_fetch(calendar, self.today, self.c.horizon_days):
                if day != probe and await self._fetch(chunk, day) is None:
                    self.gaps.append(_Gap(frozenset(chunk.branches), day))
        return [row for no, row in self.rows.items() if no not in before]

    async def _fetch(self, chunk: Chunk, day: date) -> Listing | None:
        chain = chunk.chain
        scope = f"{chain} {day:%m-%d} at {', '.join(native(b) for b in chunk.branches)}"
        branches = frozenset(chunk.branches)
        self._yield_if_asked()
        if chain not in self.c.chains:
            # A watch of a chain the settings turned off (CHAINS): not checked, and said so.
            self.errors.append(
                CheckError("chain-off", f"{chain} is not in CHAINS", scope, branches, chain)
            )
            return None
        stopped = self._stopped_for(chain)
        if stopped is not None:
            self.errors.append(
                CheckError(
                    stopped.kind, "not tried after an earlier failure", scope, branches, chain
                )
            )
            return None
        try:
            page = await self.c.chains[chain].listing(day, chunk.branches, chunk.movies)
        except ChainError as exc:
            log.warning("listing %s failed: %s", scope, exc.describe())
            self.errors.append(CheckError(exc.kind, str(exc), scope, branches, chain))
            self._failed(chain, exc)
            return None
        self._in_a_row[chain] = 0
        self.calendars[chunk.branches] = frozenset(
            e.play_date for e in page.calendar if e.open
        ) | self.calendars.get(chunk.branches, frozenset())
        # Every calendar read tells every path which dates are holidays (stored per part);
        # where a chain does not say (Lotte), what another chain said stands, else Korea's
        # public holidays (bot/checking/public_holidays.py) decide.
        holidays = {e.play_date: e.holiday for e in page.calendar if e.holiday is not None}
        holidays |= {
            e.play_date: flag
            for e in page.calendar
            if e.holiday is None
            and e.play_date not in self.holidays
            and (flag := public_holiday(e.play_date)) is not None
        }
        self.holidays.update(holidays)
        self.read_holidays.update(holidays)
        for row in page.screenings:
            if row.branch_id in chunk.branches:
                self.rows[row.screening_id] = row
                self.rows_seen += 1
        self._skipped(chunk, day, page)
        self.observed.update((b, day) for b in chunk.branches)
        self.read.add((chunk.branches, day))
        # The calendar as the run judges it: a date the chain left unflagged plans with the
        # flag the rows are judged by, or a weekend watch would list every plain weekday "in
        # case it is a holiday" (bench/two_chains.py: 17 of 280 Lotte listings).
        calendar = tuple(
            e if e.holiday is not None or e.play_date not in self.holidays
            else replace(e, holiday=self.holidays[e.play_date])
            for e in page.calendar
        )  # fmt: skip
        return replace(page, calendar=calendar)

    def _skipped(self, chunk: Chunk, day: date, page: Listing) -> None:
        """Unreadable rows cost only what they could be: their branch and date (every
        branch of the chunk when even that is unreadable) for their movie, if known."""
        for row in page.skipped:
            if row.kind == "branch":
                self.skipped_branches += 1  # only area names come from there: no gap
                continue
            if row.branch_id and row.branch_id not in chunk.branches:
                continue
            log.warning("skipped an unreadable row at %s %s: %s", row.branch_id, day, row.reason)
            branches = frozenset([row.branch_id] if row.branch_id else chunk.branches)
            movies = frozenset([row.movie_id]) if row.movie_id else None
            self.gaps.append(_Gap(branches, row.play_date or day, movies))
            where = ", ".join(
                native(b) for b in ([row.branch_id] if row.branch_id else chunk.branches)
            )
            self.errors.append(
                CheckError(
                    "unreadable-row",
                    f"a screening row could not be read ({row.reason})",
                    f"{chunk.chain} {day:%m-%d} at {where}",
                    branches,
                    chunk.chain,
                )
            )

    # -- seats and openings ----------------------------------------------------------------

    async def _judge(
        self,
        screening: Screening,
        halls: dict[tuple[str, str], tuple[int, int | None]],
        before: int | None = None,
    ) -> SeenScreening | None:
        """The seats of one screening for the watches that want it; None if none does, or
        if a fast poll leaves its seat map for later (`deferred`)."""
        place = Place.of(screening)
        holiday = self.holidays.get(screening.play_date)
        wanting = [w for w in self._candidates(screening) if w.wants_place(place, holiday) is True]
        if not wanting:
            return None
        # No map where the count alone settles every watch it could satisfy (seat_rule).
        count = from_count(screening, wanting, self.halls)
        if needs_seat_map(screening, wanting, self.halls):
            if self._defers(screening, before):
                self.deferred.add(screening.screening_id)
                return None
            count = await self._seats(screening, wanting, halls)
        if count is None:
            return SeenScreening(screening, None, tuple(w.id for w in wanting), ())
        # Seat preferences are part of matching (seat_prefs.py); the state machine is not.
        verdicts = {w.id: v for w in wanting if (v := verdict(w, count)) is not None}
        matched = tuple(wid for wid, v in verdicts.items() if v.matches)
        judged = tuple((w.id, verdicts[w.id]) for w in wanting if w.prefs.active)
        return SeenScreening(screening, count, tuple(w.id for w in wanting), matched, judged)

    def _candidates(self, screening: Screening) -> Sequence[Watch]:
        """The watches of this row's branch and film, in the order the watches were given."""
        by = self._by_listing
        found = by.get((screening.branch_id, screening.movie_id), ())
        rpst = screening.movie_group
        if rpst is None or rpst == screening.movie_id or (screening.branch_id, rpst) not in by:
            return found
        both = {id(w): w for w in (*found, *by[(screening.branch_id, rpst)])}
        return [w for w in self.watches if id(w) in both]

    def _defers(self, screening: Screening, before: int | None) -> bool:
        """A fast poll reads the seat maps the lane asked for, and any whose count moved
        or that it has never seen: a moved count is the sign of a cancellation."""
        if self.poll is None:
            return False
        if self._stopped_for(screening.chain) is not None or self._interrupt():
            return True  # an estimate from a poll that stopped would tell nothing new
        if screening.screening_id in self.poll.seat_maps:
            return False
        return before is not None and before == screening.free_seats

    async def _seats(
        self,
        screening: Screening,
        wanting: Sequence[Watch],
        halls: dict[tuple[str, str], tuple[int, int | None]],
    ) -> SeatCount:
        self._yield_if_asked()
        chain = screening.chain
        if self._stopped_for(chain) is None:
            try:
                seat_map = await self.c.chains[chain].seat_map(screening)
                self.seat_maps += 1
                self._in_a_row[chain] = 0
                count = evaluate(seat_map)
                if seat_map.disagreement is not None:
                    # The chain's own cross-check failed: an estimate, never a clean read.
                    log.warning("seat map %s: %s", screening.screening_id, seat_map.disagreement)
                    self.disagreements.add(screening.screening_id)
                    self.uncovered.update(w.id for w in wanting)
                if count.wheelchair_seats is not None:
                    halls[(screening.branch_id, screening.hall_id)] = (
                        count.wheelchair_seats,
                        count.total,
                    )
                    self.halls.learn(screening, count.wheelchair_seats, count.hidden_seats)
                return count
            except ChainError as exc:
                log.warning("seat map %s failed: %s", screening.screening_id, exc.describe())
                self._failed(chain, exc)
        # Not checked: an estimate may alert (marked as such) but never closes an opening,
        # and the watches that wanted this map are not fully covered by this check.
        self.seat_errors[screening.screening_id] = screening.branch_id
        self.uncovered.update(w.id for w in wanting)
        return estimate(screening, self.halls.wheelchair_seats(screening))

    def _yield_if_asked(self) -> None:
        """A fast poll stops before its next request when a check wants the chains."""
        if self._yielded is None and self._interrupt():
            self._yielded = Yielded("a check needs the chains, or the fast lane's budget is spent")

    def _stopped_for(self, chain: str) -> ChainError | None:
        return self._yielded or self._stopped.get(chain)

    def _failed(self, chain: str, exc: ChainError) -> None:
        """Stop asking this chain on overload, blocks and rate limits, or a run of outages."""
        if exc.transient:
            self._in_a_row[chain] = self._in_a_row.get(chain, 0) + 1
        if exc.stops_a_check or self._in_a_row.get(chain, 0) >= _TRANSIENT_FAILURES_IN_A_ROW:
            self._stopped[chain] = exc

    def _covered(self) -> frozenset[int]:
        """Watches this check saw whole: no gap in their branches × dates × movie, and
        every seat map they needed was read."""

        def hits(gap: _Gap, watch: Watch) -> bool:
            if not gap.branches.intersection(watch.branches):
                return False
            if gap.movies is not None and watch.movie_id not in gap.movies:
                return False
            if gap.day is None:
                return True
            holiday = self.holidays.get(gap.day)
            if holiday is None:
                return watch.days.wants(gap.day, False) or watch.days.wants(gap.day, True)
            return watch.days.wants(gap.day, holiday)

        return frozenset(
            w.id
            for w in self.watches
            if w.id not in self.uncovered and not any(hits(g, w) for g in self.gaps)
        )

    def result(
        self, trigger: str, *, finished_at: datetime, requests: Mapping[str, int]
    ) -> CheckResult:
        return CheckResult(
            trigger=trigger,
            started_at=self.now,
            finished_at=finished_at,
            watches=self.watches,
            dates_checked=tuple(sorted({d for _, d in self.observed})),
            screenings=tuple(self.seen.values()),
            rows_seen=self.rows_seen,
            openings=tuple(self.openings),
            transitions=tuple(self.transitions),
            errors=tuple(self.errors),
            warnings=tuple(self.warnings),
            requests=sum(requests.values()),
            requests_by_chain=tuple((c, n) for c, n in requests.items() if n),
            seat_maps=self.seat_maps,
            covered=self._covered(),
        )
