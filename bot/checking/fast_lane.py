"""The fast lane's cadence: which listings and seat maps to re-poll, and when (pure).

Seats that come back from a cancellation are often gone within minutes, so an hourly check
misses most of them; a fixed fast poll asks MEGABOX about everything, also what cannot
change. Here every screening a fast-lane watch wants gets its own interval:

- never: it started, or it is not bookable (cancelled);
- fastest: its counts moved recently, it starts soon, or it is sold out or a few seats short
  of the watch's N (where a cancellation turns into an opening);
- slow: it is open already (only its closing is left to see), or nothing moved for hours;
- between those otherwise.

A listing (one date of up to three branches, one request) is due when one of its screenings
is, and at least every `listing_every` (new screenings; the calendar that comes with it shows
new dates, which are due at once). Seat maps are asked only for due screenings whose count
could satisfy a watch, at most every `seat_map_every` while their count stands still (the
checker reads any whose `restSeatCnt` moved at once: that is how a cancellation shows). When the
estimate exceeds the lane's budget, every interval stretches by the same factor; a hard cap
on the requests of the last hour stays underneath.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.chains.base import KST
from bot.store.history import LaneRow
from bot.watches.watch import Place, Watch

#: (branches of one listing request, play date)
Listing = tuple[tuple[str, ...], date]

#: Errors that make the lane back off: asking more would make them worse (README §13).
BACKS_OFF = frozenset({"blocked", "rate-limited", "overloaded"})


@dataclass(frozen=True, slots=True)
class LanePolicy:
    requests_per_hour: int
    fastest: timedelta = timedelta(minutes=2)
    middle: timedelta = timedelta(minutes=10)
    slowest: timedelta = timedelta(minutes=30)
    listing_every: timedelta = timedelta(minutes=15)
    #: "Recently changed" and "starts soon".
    recent: timedelta = timedelta(minutes=30)
    soon: timedelta = timedelta(hours=3)
    #: Nothing moved for this long: slow.
    quiet: timedelta = timedelta(hours=3)
    #: A candidate whose restSeatCnt did not move: its seat map this often (a wheelchair
    #: seat can sell while a normal one frees at an equal count, product.md).
    seat_map_every: timedelta = timedelta(minutes=20)
    #: Up to this many seats short of N counts as "near the threshold".
    near: int = 2
    #: Backing off after a 403, 429 or overload: doubling from `backoff` up to `backoff_max`.
    backoff: timedelta = timedelta(minutes=5)
    backoff_max: timedelta = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Close:
    """A screening the lane watches, with its interval and why (shown by `/status`)."""

    screening_id: str
    branch_id: str
    starts_at: datetime
    every: timedelta
    why: str
    watch_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Plan:
    listings: Mapping[tuple[str, ...], frozenset[date]]
    seat_maps: frozenset[str]
    #: When the next listing falls due (None: nothing to watch).
    next_at: datetime | None
    #: The intervals' common stretch to stay in budget (1.0: as wanted).
    stretch: float
    watched: tuple[Close, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.listings


def wants_row(watch: Watch, row: LaneRow, holidays: Mapping[date, bool]) -> bool:
    """`Watch.wants` for a stored screening, with MEGABOX's holiday flags as stored from
    every calendar read (a weekday holiday is a weekend day here too)."""
    place = Place(
        row.branch_id,
        row.play_date,
        (row.movie_id, row.movie_group or row.movie_id),
        row.format,
        row.starts_at.astimezone(KST),
    )
    return watch.wants_place(place, holidays.get(row.play_date)) is True


def _may_want(watch: Watch, day: date, holidays: Mapping[date, bool]) -> bool:
    """A listing date worth a poll: wanted, or maybe wanted while its holiday flag is unknown."""
    return watch.days.decides(day, holidays.get(day)) is not False


def interval(
    row: LaneRow, need: int, open_now: bool, now: datetime, policy: LanePolicy
) -> tuple[timedelta, str] | None:
    """How often this screening is worth a look, and why; None: never again."""
    if row.starts_at <= now:
        return None
    if not row.bookable:
        return None
    if now - row.changed_at <= policy.recent:
        return policy.fastest, "changed recently"
    if row.starts_at - now <= policy.soon:
        return policy.fastest, "starts soon"
    if open_now:
        return policy.middle, "open now"
    seats = row.usable if row.usable is not None else row.free_seats
    if seats <= 0:
        return policy.fastest, "sold out"
    if need - seats <= policy.near:
        return policy.fastest, f"{seats} of {need} seats"
    if now - row.changed_at >= policy.quiet:
        return policy.slowest, "quiet for hours"
    return policy.middle, "watching"


def plan(
    *,
    now: datetime,
    chunks: Sequence[tuple[tuple[str, ...], Sequence[Watch]]],
    rows: Sequence[LaneRow],
    open_screenings: Collection[str],
    calendars: Mapping[tuple[str, ...], Collection[date]],
    last_listing: Mapping[Listing, datetime],
    spent_last_hour: int,
    horizon_days: int,
    policy: LanePolicy,
    holidays: Mapping[date, bool] | None = None,
) -> Plan:
    """What to poll now: the due listings and seat maps, within the budget. `holidays`:
    MEGABOX's flags per date as stored (bot/store/screenings.py)."""
    holidays = holidays or {}
    today = now.astimezone(KST).date()
    last_day = today + timedelta(days=horizon_days - 1)
    listing_every: dict[Listing, timedelta] = {}
    seat_every: dict[str, tuple[Listing, timedelta]] = {}
    watched: list[Close] = []
    by_branch = {b: branches for branches, _ in chunks for b in branches}
    for branches, watches in chunks:
        open_days = calendars.get(branches)
        if open_days is None:
            # The calendar is unknown until the first answer: ask the earliest wanted date.
            first = min(
                (d for w in watches for d in w.days.candidate_dates(today, horizon_days)),
                default=None,
            )
            if first is not None:
                listing_every[(branches, first)] = policy.listing_every
            continue
        for day in open_days:
            if today <= day <= last_day and any(_may_want(w, day, holidays) for w in watches):
                listing_every[(branches, day)] = policy.listing_every
    watches_of = {b: [w for br, ws in chunks if b in br for w in ws] for b in by_branch}
    for row in rows:
        owner = by_branch.get(row.branch_id)
        if owner is None:
            continue
        wanting = [w for w in watches_of[row.branch_id] if wants_row(w, row, holidays)]
        if not wanting:
            continue
        need = min(w.min_seats for w in wanting)
        found = interval(row, need, row.screening_id in open_screenings, now, policy)
        if found is None:
            continue
        every, why = found
        key: Listing = (owner, row.play_date)
        listing_every[key] = min(listing_every.get(key, policy.listing_every), every)
        if row.free_seats >= need:
            # A moved count gets its seat map with the listing anyway (the checker reads
            # it); an unchanged one is re-read only now and then, per the product rule.
            seat_every[row.screening_id] = (key, max(every, policy.seat_map_every))
        watched.append(
            Close(
                row.screening_id,
                row.branch_id,
                row.starts_at,
                every,
                why,
                tuple(w.id for w in wanting),
            )
        )
    hour = timedelta(hours=1)
    wanted = sum(hour / every for every in listing_every.values()) + sum(
        hour / every for _, every in seat_every.values()
    )
    stretch = max(1.0, wanted / policy.requests_per_hour) if wanted else 1.0
    due_at = {
        key: (last_listing[key] + every * stretch if key in last_listing else now)
        for key, every in listing_every.items()
    }
    # Most overdue first; the last hour's requests cap what may go now.
    room = policy.requests_per_hour - spent_last_hour
    listings: dict[tuple[str, ...], set[date]] = {}
    seat_maps: set[str] = set()
    for key in sorted((k for k, at in due_at.items() if at <= now), key=lambda k: due_at[k]):
        maps = {
            no
            for no, (listing, every) in seat_every.items()
            if listing == key and _seat_due(no, rows, every * stretch, now)
        }
        if 1 + len(maps) > room:
            break
        room -= 1 + len(maps)
        listings.setdefault(key[0], set()).add(key[1])
        seat_maps |= maps
    polled = {(b, d) for b, ds in listings.items() for d in ds}
    upcoming = [
        now + listing_every[key] * stretch if key in polled else max(at, now)
        for key, at in due_at.items()
    ]
    next_at = min(upcoming) if upcoming else None
    watched.sort(key=lambda c: (c.every, c.starts_at))
    return Plan(
        listings={b: frozenset(ds) for b, ds in listings.items()},
        seat_maps=frozenset(seat_maps),
        next_at=next_at,
        stretch=stretch,
        watched=tuple(watched),
    )


def _seat_due(no: str, rows: Sequence[LaneRow], every: timedelta, now: datetime) -> bool:
    seen = next((r.seen_at for r in rows if r.screening_id == no), None)
    return seen is None or seen + every <= now


@dataclass
class Backoff:
    """The lane's answer to 403, 429 and overload: wait, doubling; say so once, and once
    more when a poll works again."""

    policy: LanePolicy
    until: datetime | None = None
    level: int = 0
    reason: str = ""
    _reported: bool = field(default=False, repr=False)

    def active(self, now: datetime) -> bool:
        return self.until is not None and now < self.until

    def failed(self, kind: str, now: datetime, retry_after: float | None = None) -> bool:
        """Back off after `kind`; True if this starts a backing-off (to report once)."""
        wait = self._wait(self.level)
        if retry_after:
            wait = max(wait, timedelta(seconds=retry_after))
        self.until = now + wait
        self.level += 1
        self.reason = kind
        first = not self._reported
        self._reported = True
        return first

    def succeeded(self) -> bool:
        """A poll worked; True if that ends a reported backing-off (to report once)."""
        recovered = self._reported
        self.until, self.level, self.reason, self._reported = None, 0, "", False
        return recovered

    def wait_text(self) -> str:
        minutes = math.ceil(self._wait(max(self.level - 1, 0)) / timedelta(minutes=1))
        return f"{minutes} min"

    def _wait(self, level: int) -> timedelta:
        # The doubling is capped before it is computed: timedelta overflows near 2**40.
        doublings = math.ceil(math.log2(max(self.policy.backoff_max / self.policy.backoff, 1)))
        wait: timedelta = self.policy.backoff * 2 ** min(level, doublings)
        return min(wait, self.policy.backoff_max)
