"""One check, end to end: plan → fetch → evaluate seats → openings → outbox (architecture.md).

Returns a `CheckResult` value; nothing here knows about Discord. A failed request never turns
into "no seats": what could not be fetched is reported as an error and keeps its state.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from bot.config import Settings
from bot.megabox.client import MegaboxClient
from bot.megabox.errors import Blocked, MegaboxError, RateLimited
from bot.megabox.models import KST, BookingPage, Screening
from bot.openings import Change, Key, OpeningState, Transition, advance
from bot.planner import Chunk, make_chunks
from bot.seats import SeatCount, estimate, evaluate
from bot.store.repo import CheckRun, PendingAlert, Snapshot, Store, Subscription
from bot.watches import Watch

log = logging.getLogger(__name__)

#: Wheelchair seats per hall from MEGABOX's seat maps of 2026-08-17 (README §6.5), used until
#: this bot has read the hall's own seat map.
KNOWN_WHEELCHAIR_SEATS: dict[tuple[str, str], int] = {
    ("1351", "09"): 4,  # COEX MX4D, A13-A16
    ("4651", "06"): 0,  # Hanam Starfield MX4D
    ("0052", "04"): 0,  # Suwon AK Plaza MX4D
}


#: Screenings (with their openings and alerts) are forgotten this long after they started.
RETENTION = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class CheckError:
    kind: str
    message: str
    scope: str  # what could not be checked, in words


@dataclass(frozen=True, slots=True)
class SeenScreening:
    """A screening some watch wants (whatever its seats), with what we know of its seats."""

    screening: Screening
    count: SeatCount | None  # None: restSeatCnt alone ruled it out, no seat map needed
    wanted_by: tuple[int, ...]
    matched_by: tuple[int, ...]

    @property
    def usable(self) -> int:
        """Best known usable count, for sorting near misses."""
        if self.count is not None:
            return self.count.usable
        return self.screening.rest_seat_cnt


@dataclass(frozen=True, slots=True)
class NewOpening:
    watch_id: int
    screening: Screening
    count: SeatCount


@dataclass(slots=True)
class CheckResult:
    trigger: str
    started_at: datetime
    finished_at: datetime
    watches: tuple[Watch, ...]
    dates_checked: tuple[date, ...] = ()
    screenings: tuple[SeenScreening, ...] = ()
    rows_seen: int = 0
    openings: tuple[NewOpening, ...] = ()
    transitions: tuple[Transition, ...] = ()
    errors: tuple[CheckError, ...] = ()  # parts that could not be checked
    warnings: tuple[CheckError, ...] = ()  # checked, but with estimated seat counts
    requests: int = 0
    seat_maps: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def failed(self) -> bool:
        """Nothing at all could be checked."""
        return bool(self.errors) and not self.dates_checked

    @property
    def duration(self) -> timedelta:
        return self.finished_at - self.started_at

    @property
    def matches(self) -> list[SeenScreening]:
        return [s for s in self.screenings if s.matched_by]

    def for_watch(self, watch_id: int) -> CheckResult:
        """The same check seen from one watch: its screenings, its matches, its openings."""
        return self.for_watches({watch_id})

    def for_watches(self, watch_ids: Collection[int]) -> CheckResult:
        """The same check seen from some watches (what one member may see): only their
        screenings, matches and openings."""
        ids = set(watch_ids)
        return replace(
            self,
            watches=tuple(w for w in self.watches if w.id in ids),
            screenings=tuple(
                replace(
                    s,
                    wanted_by=tuple(i for i in s.wanted_by if i in ids),
                    matched_by=tuple(i for i in s.matched_by if i in ids),
                )
                for s in self.screenings
                if ids.intersection(s.wanted_by)
            ),
            openings=tuple(o for o in self.openings if o.watch_id in ids),
        )

    def near_misses(self, limit: int = 5) -> list[SeenScreening]:
        misses = [s for s in self.screenings if not s.matched_by and s.screening.bookable]
        return sorted(misses, key=lambda s: (-s.usable, s.screening.start))[:limit]


class CheckBusy(Exception):
    """A check is already running; the caller may wait for it or say so."""


class Checker:
    """Runs checks one at a time: the scheduler and `/check` share this lock."""

    def __init__(
        self,
        client: MegaboxClient,
        store: Store,
        *,
        horizon_days: int = 21,
        damping: timedelta = timedelta(minutes=30),
        default_channel_id: int | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(KST),
    ) -> None:
        self.client = client
        self.store = store
        self.horizon_days = horizon_days
        self.damping = damping
        self.default_channel_id = default_channel_id
        self.clock = clock
        self.lock = asyncio.Lock()

    @classmethod
    def from_settings(
        cls,
        client: MegaboxClient,
        store: Store,
        settings: Settings,
        clock: Callable[[], datetime] | None = None,
    ) -> Checker:
        return cls(
            client,
            store,
            horizon_days=settings.horizon_days,
            damping=timedelta(minutes=settings.flap_damping_minutes),
            default_channel_id=settings.alert_channel_id,
            **({"clock": clock} if clock else {}),
        )

    @property
    def busy(self) -> bool:
        return self.lock.locked()

    async def run(
        self,
        trigger: str = "schedule",
        *,
        wait: bool = True,
        on_progress: Callable[[], Awaitable[object]] | None = None,
    ) -> CheckResult:
        """One check. `on_progress` runs after each listing chunk's openings are stored, so
        alerts can go out long before a large check ends."""
        if not wait and self.lock.locked():
            raise CheckBusy
        async with self.lock:
            return await self._run(trigger, on_progress)

    async def _run(
        self, trigger: str, on_progress: Callable[[], Awaitable[object]] | None
    ) -> CheckResult:
        started = self.clock()
        requests_before = self.client.requests_made
        watches = tuple(await self.store.watches(include_paused=False))
        run = _Run(self, watches, started)
        await run.prepare(await self._targets(watches))
        for chunk in make_chunks(watches, run.today, self.horizon_days):
            if await run.check_chunk(chunk) and on_progress is not None:
                await on_progress()
        await run.finish()
        result = run.result(trigger)
        result.requests = self.client.requests_made - requests_before
        result.finished_at = self.clock()
        await self.store.record_run(
            _run_row(result),
            # A new watch's baseline is complete once a check saw everything it wants.
            finished_baselines=[w.id for w in watches if w.baseline_pending and result.ok],
        )
        await self.store.prune(started - RETENTION)
        return result

    async def _targets(self, watches: Iterable[Watch]) -> dict[int, list[PendingAlert]]:
        """Who hears of an opening: the watch's channel (with its mention and the users who
        asked to be mentioned), each DM subscriber, or the owner of a personal watch."""
        subscribers: dict[int, list[Subscription]] = {}
        for sub in await self.store.subscriptions():
            if not sub.paused:
                subscribers.setdefault(sub.watch_id, []).append(sub)
        targets: dict[int, list[PendingAlert]] = {}
        for watch in watches:
            subs = subscribers.get(watch.id, [])
            found = [PendingAlert("dm", s.user_id, "") for s in subs if s.delivery == "dm"]
            if watch.personal and watch.owner_id is not None:
                found.append(PendingAlert("dm", watch.owner_id, ""))
            elif not watch.personal:
                channel = watch.channel_id or self.default_channel_id
                mentions = [watch.mention.to_text()]
                mentions += [f"<@{s.user_id}>" for s in subs if s.delivery == "mention"]
                if channel is not None:
                    found.append(
                        PendingAlert("channel", channel, " ".join(m for m in mentions if m))
                    )
                else:
                    log.warning("watch %s has no alert channel: openings go to DMs only", watch.id)
            targets[watch.id] = list(dict.fromkeys(found))
        return targets


class _Run:
    """The working state of one check, processed chunk by chunk (planner.py)."""

    def __init__(self, checker: Checker, watches: tuple[Watch, ...], now: datetime) -> None:
        self.c = checker
        self.watches = watches
        self.now = now
        self.today = now.astimezone(KST).date()
        self.rows: dict[str, Screening] = {}
        self.observed: set[tuple[str, date]] = set()
        self.holidays: dict[date, bool] = {}
        self.errors: list[CheckError] = []
        self.warnings: list[CheckError] = []
        self.seen: list[SeenScreening] = []
        self.transitions: list[Transition] = []
        self.openings: list[NewOpening] = []
        self.seat_maps = 0
        self.seat_errors = 0
        self.rows_seen = 0
        self._stopped: MegaboxError | None = None
        self._by_branch: dict[str, list[Watch]] = {}
        for watch in watches:
            for branch in watch.branches:
                self._by_branch.setdefault(branch, []).append(watch)
        self._active = {w.id for w in watches}

    async def prepare(self, targets: dict[int, list[PendingAlert]]) -> None:
        """What every chunk needs from the store, read once."""
        self.targets = targets
        self.wheelchair = {**KNOWN_WHEELCHAIR_SEATS, **await self.c.store.wheelchair_seats()}
        states = await self.c.store.opening_states(self.now - self.c.damping)
        self.states = {k: v for k, v in states.items() if k[0] in self._active}
        self.open_keys = {key for key, state in self.states.items() if state.open}
        self.scopes = await self.c.store.screening_scopes(k[1] for k in self.states)

    async def check_chunk(self, chunk: Chunk) -> bool:
        """Listings, seats and openings of one chunk, stored; True if it opened anything."""
        rows = await self._fetch_chunk(chunk)
        snapshots = await self.c.store.snapshots(r.play_schdl_no for r in rows)
        matching: set[Key] = set()
        unknown: set[Key] = set()  # open openings this check could not judge exactly
        seen: list[SeenScreening] = []
        halls: dict[tuple[str, str], tuple[int, int | None]] = {}
        for screening in sorted(rows, key=lambda s: (s.start, s.play_schdl_no)):
            judged = await self._judge(screening, snapshots, halls)
            if judged is None:
                continue
            seen.append(judged)
            no = screening.play_schdl_no
            matching.update((wid, no) for wid in judged.matched_by)
            if judged.count is not None and not judged.count.exact:
                # An estimate cannot prove that seats went away: keep what was open, open.
                unknown.update(
                    (wid, no) for wid in judged.wanted_by if wid not in judged.matched_by
                )
        for row in rows:
            self.scopes[row.play_schdl_no] = (row.brch_no, row.play_de)
        mine = {
            key: state
            for key, state in self.states.items()
            if (scope := self.scopes.get(key[1])) is not None and scope[0] in chunk.branches
        }
        for key in mine:
            del self.states[key]
        self.seen += seen
        transitions = self._advance(mine, matching, unknown)
        await self.c.store.record_progress(
            now=self.now,
            screenings=[s.screening for s in seen],
            counts={s.screening.play_schdl_no: s.count for s in seen if s.count},
            halls=halls,
            transitions=transitions,
            targets=self.targets,
        )
        return any(t.change is Change.OPENED for t in transitions)

    async def finish(self) -> None:
        """Openings no chunk looked at (their branch is no longer watched): only a started
        screening ends them; and one summary warning for unreadable seat maps."""
        transitions = self._advance(self.states, set(), set())
        if transitions:
            await self.c.store.record_progress(
                now=self.now, screenings=[], counts={}, halls={}, transitions=transitions,
                targets=self.targets,
            )  # fmt: skip
        if self.seat_errors:
            self.warnings.append(
                CheckError(
                    "seat-map",
                    f"{self.seat_errors} seat map(s) unreadable: counts are estimates",
                    "seat maps",
                )
            )

    # -- listings --------------------------------------------------------------------------

    async def _fetch_chunk(self, chunk: Chunk) -> list[Screening]:
        before = set(self.rows)
        probe = chunk.probe_date(self.today, self.c.horizon_days)
        if probe is None:
            return []
        page = await self._fetch(chunk, probe)
        if page is not None:
            calendar = {entry.play_de: entry for entry in page.calendar}
            self.holidays.update({d: e.holiday for d, e in calendar.items()})
            for day in chunk.dates_to_fetch(calendar, self.today, self.c.horizon_days):
                if day != probe:
                    await self._fetch(chunk, day)
        return [row for no, row in self.rows.items() if no not in before]

    async def _fetch(self, chunk: Chunk, day: date) -> BookingPage | None:
        scope = f"{day:%m-%d} at {', '.join(chunk.branches)}"
        if self._stopped is not None:
            self.errors.append(
                CheckError(self._stopped.kind, "not tried after an earlier failure", scope)
            )
            return None
        try:
            page = await self._listing(chunk, day)
        except MegaboxError as exc:
            log.warning("listing %s failed: %s", scope, exc.describe())
            self.errors.append(CheckError(exc.kind, str(exc), scope))
            if exc.transient or isinstance(exc, Blocked):
                # Overload, blocks and timeouts: stop this check instead of hammering (§13.1).
                self._stopped = exc
            return None
        for row in page.screenings:
            if row.brch_no in chunk.branches:
                self.rows[row.play_schdl_no] = row
                self.rows_seen += 1
        self.observed.update((b, day) for b in chunk.branches)
        return page

    async def _listing(self, chunk: Chunk, day: date) -> BookingPage:
        try:
            return await self.c.client.booking_page(day, chunk.branches, chunk.movies)
        except (Blocked, RateLimited):
            raise  # asking another endpoint would only make it worse
        except MegaboxError as first:
            log.info("selectBokdList failed (%s); trying schedulePage", first.kind)
            try:
                pages = [await self.c.client.schedule_page(day, b) for b in chunk.branches]
            except MegaboxError:
                raise first from None
        movies = {w.movie_no for w in chunk.watches}
        rows = tuple(
            s for p in pages for s in p.screenings if any(s.matches_movie(m) for m in movies)
        )
        return BookingPage(screenings=rows, calendar=pages[0].calendar if pages else ())

    # -- seats and openings ----------------------------------------------------------------

    async def _judge(
        self,
        screening: Screening,
        snapshots: dict[str, Snapshot],
        halls: dict[tuple[str, str], tuple[int, int | None]],
    ) -> SeenScreening | None:
        """The seats of one screening for the watches that want it; None if none does."""
        holiday = self.holidays.get(screening.play_de, False)
        wanting = [
            w for w in self._by_branch.get(screening.brch_no, ()) if w.wants(screening, holiday)
        ]
        if not wanting:
            return None
        no = screening.play_schdl_no
        known_wc = self.wheelchair.get((screening.brch_no, screening.theab_no))
        need = min(w.min_seats for w in wanting)
        count: SeatCount | None = None
        # Fewer free seats than needed, or not bookable: no map can change the answer.
        if screening.bookable and screening.rest_seat_cnt >= need:
            before = snapshots.get(no)
            if _count_decides(screening, known_wc, wanting, before):
                assert before is not None
                count = before.count  # unchanged, and the count alone decides
            elif self._needs_seat_map(screening, known_wc, need, before, wanting, self.open_keys):
                count = await self._seats(screening, known_wc, halls)
        matched = tuple(
            w.id for w in wanting if count is not None and count.satisfies(w.min_seats, w.together)
        )
        return SeenScreening(screening, count, tuple(w.id for w in wanting), matched)

    @staticmethod
    def _needs_seat_map(
        screening: Screening,
        known_wc: int | None,
        need: int,
        before: Snapshot | None,
        wanting: Sequence[Watch],
        open_keys: set[Key],
    ) -> bool:
        """Whether restSeatCnt leaves the answer open (product.md "Check").

        Usable seats are at least restSeatCnt minus the hall's wheelchair seats. Below that,
        the map is read when the count moved (sold wheelchair seats hide there), when the
        screening is open for a watch, or when its last map had enough usable seats: a
        matching screening is never dropped for want of a look.
        """
        if screening.rest_seat_cnt - (known_wc or 0) >= need:
            return True
        if before is None or before.rest_seat_cnt != screening.rest_seat_cnt:
            return True
        if any((w.id, screening.play_schdl_no) in open_keys for w in wanting):
            return True
        return before.count is not None and before.count.usable >= need

    async def _seats(
        self,
        screening: Screening,
        known_wc: int | None,
        halls: dict[tuple[str, str], tuple[int, int | None]],
    ) -> SeatCount:
        if self._stopped is None:
            try:
                seat_map = await self.c.client.seat_map(screening.play_schdl_no, screening.brch_no)
                self.seat_maps += 1
                count = evaluate(seat_map)
                if count.wheelchair_seats is not None:
                    hall = (screening.brch_no, screening.theab_no)
                    halls[hall] = (count.wheelchair_seats, count.total)
                    self.wheelchair[hall] = count.wheelchair_seats
                return count
            except MegaboxError as exc:
                log.warning("seat map %s failed: %s", screening.play_schdl_no, exc.describe())
                if exc.transient or isinstance(exc, Blocked):
                    self._stopped = exc
        self.seat_errors += 1
        return estimate(screening, known_wc)

    def _advance(
        self, states: dict[Key, OpeningState], matching: set[Key], unknown: set[Key]
    ) -> list[Transition]:
        def observed(key: Key) -> bool:
            scope = self.scopes.get(key[1])
            return key not in unknown and scope is not None and scope in self.observed

        transitions = advance(
            states,
            matching,
            observed,
            baseline_watches={w.id for w in self.watches if w.baseline_pending},
            now=self.now,
            damping=self.c.damping,
        )
        counts = {s.screening.play_schdl_no: s.count for s in self.seen}
        for tr in transitions:
            count = counts.get(tr.key[1])
            if tr.change is Change.OPENED and count is not None:
                self.openings.append(NewOpening(tr.key[0], self.rows[tr.key[1]], count))
        self.transitions += transitions
        return transitions

    def result(self, trigger: str) -> CheckResult:
        return CheckResult(
            trigger=trigger,
            started_at=self.now,
            finished_at=self.now,
            watches=self.watches,
            dates_checked=tuple(sorted({d for _, d in self.observed})),
            screenings=tuple(self.seen),
            rows_seen=self.rows_seen,
            openings=tuple(self.openings),
            transitions=tuple(self.transitions),
            errors=tuple(self.errors),
            warnings=tuple(self.warnings),
            seat_maps=self.seat_maps,
        )


def _count_decides(
    screening: Screening,
    known_wc: int | None,
    wanting: Sequence[Watch],
    before: Snapshot | None,
) -> bool:
    """product.md: skipping a seat map by an unchanged count is allowed only where no watch
    asks for seats together and restSeatCnt alone decides every watch's answer (certainly
    enough: restSeatCnt minus all the hall's wheelchair seats; certainly not: restSeatCnt)."""
    if known_wc is None or before is None or before.count is None or not before.count.exact:
        return False
    if before.rest_seat_cnt != screening.rest_seat_cnt:
        return False
    lower = screening.rest_seat_cnt - known_wc
    return all(
        not w.together and (lower >= w.min_seats or screening.rest_seat_cnt < w.min_seats)
        for w in wanting
    )


def _run_row(result: CheckResult) -> CheckRun:
    from bot.report import status_line

    first = result.errors[0] if result.errors else None
    return CheckRun(
        trigger=result.trigger,
        started_at=result.started_at,
        finished_at=result.finished_at,
        ok=result.ok,
        requests=result.requests,
        screenings_seen=len(result.screenings),
        matches=len(result.matches),
        openings=len(result.openings),
        error_kind=first.kind if first else None,
        error_text=first.message if first else None,
        summary=status_line(result),
    )
