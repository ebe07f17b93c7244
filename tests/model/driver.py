"""The one adapter between the model-based test and the real bot: the fake MEGABOX and the
fake Lotte set up as the model's small world, a real Store on a SQLite file, and the real
Checker with both chains' clients. Everything the machine does to the bot, and everything it
reads back, goes through here, so a changed signature in the bot is fixed in this file only.
The model speaks the bot's qualified identities ("megabox:2612051351045",
"lotte:1016-1204-2026-12-12-6"); each fake's own keys are translated here."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.chains.base import KST, Chain, qualified
from bot.chains.lotte.client import LotteClient, LotteOptions
from bot.chains.megabox.client import MegaboxClient
from bot.checking.checker import Checker, CheckResult, Poll
from bot.checking.fast_lane import LanePolicy
from bot.checking.lane_runner import LaneRunner
from bot.checking.planner import make_chunks
from bot.delivery.notices import NewsBody
from bot.store.repo import Store
from bot.watches.forms import needs_baseline
from bot.watches.titles import Awaited
from bot.watches.watch import Days, Mention, Watch
from tests.conftest import ALERT_CHANNEL, Clock, fast_options, migrated
from tests.fakes.lotte_server import SUPER4D_THREE, SUPER4D_WHEELCHAIR_ONLY, FakeLotte, Key
from tests.fakes.megabox_server import FakeMegabox
from tests.model.reference import (
    BRANCH,
    LOTTE,
    LOTTE_BRANCH,
    LOTTE_MOVIE,
    MEGABOX,
    MOVIE,
    Row,
    SeatState,
    Show,
    chain_of,
)

HORIZON = 21
#: The "one timeout" check: the client gives up this soon (the fake never answers it), and
#: its retry is answered. Short, since the search runs it often; the retry has two tries.
TIMEOUT = 0.1
#: The fixture's COEX MX4D screenings of the Saturday (ids before the scenario moves).
FIXTURE_SHOWS = ("2612051351045", "2612051351046")
#: Lotte's 4관 수퍼 4D showings of 별의 계승자 in the world: (fixture screening it is cloned
#: from, day, PlaySequence, start). Two on MEGABOX's Saturday, one on the Monday that only
#: MEGABOX's calendar marks as a holiday (Lotte's says nothing of holidays).
LOTTE_SHOWS = (
    (SUPER4D_WHEELCHAIR_ONLY, "sat", 6, "12:10"),
    (SUPER4D_THREE, "sat", 7, "14:50"),
    (SUPER4D_THREE, "mon", 8, "14:50"),
)
FORMATS = {MEGABOX: "MX4D", LOTTE: "SUPER4D"}
MOVIES = {MEGABOX: MOVIE, LOTTE: LOTTE_MOVIE}


def lotte_options(base_url: str, timeout: float = 1.0) -> LotteOptions:
    """No budget, no jitter, millisecond backoff: the same code paths, without waiting."""
    return LotteOptions(
        base_url=base_url,
        requests_per_second=0,
        jitter_seconds=0,
        timeout_seconds=timeout,
        max_retries=2,
        backoff_seconds=0.001,
        backoff_max_seconds=0.01,
    )


@dataclass(frozen=True)
class Observed:
    """What the chains answered one path: per chain the listing dates of the watched branch
    read whole, the seat maps read (qualified ids), and whether MEGABOX's film list
    (catalogue) was read."""

    listed: dict[str, set[dt.date]]
    maps: set[str]
    catalogue: bool
    #: Seat maps asked and never answered in this path.
    failed_maps: set[str] = field(default_factory=set)
    #: MEGABOX listings answered: (branches asked, date); their calendar comes with them.
    megabox_listings: list[tuple[frozenset[str], dt.date]] = field(default_factory=list)
    #: What the bot reported (its status line): the chains it named as failing, and
    #: whether it warned that seat maps disagree with their listing (None: no result).
    failing: frozenset[str] | None = None
    disagree_warning: bool = False


class Driver:
    def __init__(self, tmp: Path) -> None:
        self.db_url = f"sqlite:///{tmp / 'model.db'}"
        today = dt.datetime.now(KST).date()
        self.megabox = FakeMegabox(today=today)
        self.lotte = FakeLotte(today=today)
        sat = self.megabox.fixture_day
        # MEGABOX's clock and ours: the Thursday before the Saturday, as in the fixtures.
        self.clock = Clock(dt.datetime.combine(sat - dt.timedelta(days=2), dt.time(14, 15), KST))
        self.days = {"sat": sat, "mon": sat + dt.timedelta(days=2), "tue": sat + dt.timedelta(3)}
        self.holidays = {self.days["mon"]}
        self.lotte_keys: dict[str, Key] = {}  # qualified id → the fake Lotte's key
        self.client: MegaboxClient | None = None
        self.lotte_client: LotteClient | None = None
        self.store: Store | None = None
        self.checker: Checker | None = None
        self.lane: LaneRunner | None = None
        self.original_start: dict[str, str] = {}

    # -- the world -----------------------------------------------------------------------

    async def start(self) -> list[Show]:
        mb = self.megabox
        await mb.start()
        keep = {mb.moved_id(no) for no in FIXTURE_SHOWS}
        for row in mb.rows():
            if row["playSchdlNo"] not in keep:
                mb.remove_screening(str(row["playSchdlNo"]))
        sat = f"{self.days['sat']:%Y%m%d}"
        for name in ("mon", "tue"):
            # Only the 19:40 on the other days: four screenings in all keep the world small.
            copied = mb.copy_day(sat, f"{self.days[name]:%Y%m%d}")
            for no in copied:
                if mb.row(no)["playStartTime"] != "19:40":
                    mb.remove_screening(no)
        mine = {f"{d:%Y%m%d}" for d in self.days.values()}
        for day in mb.open_dates:
            if day not in mine:
                mb.close_date(day)
        for wanted in self.days.values():
            mb.open_date(f"{wanted:%Y%m%d}", holiday=wanted in self.holidays)
        shows = [
            Show(
                qualified(str(r["playSchdlNo"])),
                _date(str(r["playDe"])),
                _date(str(r["playDe"])) in self.holidays,
            )
            for r in sorted(mb.rows(), key=lambda r: (str(r["playDe"]), str(r["playStartTime"])))
        ]
        self.original_start = {s.no: str(mb.row(s.no)["playStartTime"]) for s in shows}
        shows += await self._start_lotte()
        self.client = MegaboxClient(fast_options(mb.base_url))
        await self.client.__aenter__()
        self.lotte_client = LotteClient(lotte_options(self.lotte.base_url))
        await self.lotte_client.__aenter__()
        await migrated(self.db_url)
        self.store = await Store.open(self.db_url)
        self.checker = self._checker(self.client, self.lotte_client)
        return shows

    async def _start_lotte(self) -> list[Show]:
        """월드타워 with only the world's 수퍼 4D showings, on sale on their days."""
        lc = self.lotte
        await lc.start()
        shows: list[Show] = []
        for src, day, seq, start in LOTTE_SHOWS:
            play_dt = self.days[day].isoformat()
            key = lc.clone_screening(
                lc.moved(src), PlayDt=play_dt, PlaySequence=seq, StartTime=start
            )
            no = f"lotte:{key[0]}-{key[1]}-{key[2]}-{key[3]}"
            self.lotte_keys[no] = key
            self.original_start[no] = start
            holiday = self.days[day] in self.holidays
            shows.append(Show(no, self.days[day], holiday, LOTTE_BRANCH))
        mine = set(self.lotte_keys.values())
        for key in lc.keys(None):
            if key not in mine:
                lc.remove_screening(key)
        for listed in lc.listed_dates:
            lc.unlist_date(listed)
        for day in ("sat", "mon"):
            lc.open_date(self.days[day].isoformat())
        return shows

    def _checker(self, client: MegaboxClient, lotte: LotteClient) -> Checker:
        assert self.store is not None
        chains: list[Chain] = [client, lotte]
        # Damping 0: a screening that matches again after a real close alerts anew.
        return Checker(
            chains,
            self.store,
            horizon_days=HORIZON,
            damping=dt.timedelta(0),
            default_channel_id=ALERT_CHANNEL,
            clock=self.clock,
        )

    async def close(self) -> None:
        if self.store is not None:
            await self.store.close()
        if self.client is not None:
            await self.client.__aexit__(None, None, None)
        if self.lotte_client is not None:
            await self.lotte_client.close()
        await self.megabox.close()
        await self.lotte.close()

    def set_seats(self, no: str, state: SeatState) -> None:
        """Exactly these seats free; the listing's count follows the map."""
        if chain_of(no) == LOTTE:
            self.lotte.set_free_seats(
                self.lotte_keys[no], list(state.free), keep_wheelchair_free=False
            )
        else:
            self.megabox.set_free_seats(no, list(state.free), keep_wheelchair_free=False)

    def set_listing_count(self, no: str, count: int) -> None:
        """A stale Lotte listing: its count set apart from the map (the map stays)."""
        self.lotte.set_listing_count(self.lotte_keys[no], count)

    def set_readable(self, no: str, readable: bool) -> None:
        """The listing row's start time as it was, or one no reader can parse."""
        value = self.original_start[no] if readable else "soon"
        if chain_of(no) == LOTTE:
            self.lotte.set_row_field(self.lotte_keys[no], "StartTime", value)
        else:
            self.megabox.set_row_field(no, "playStartTime", value)

    # -- watches -------------------------------------------------------------------------

    def _watch(self, days: str, min_seats: int, branch: str, name: str) -> Watch:
        chain = chain_of(branch)
        return Watch(
            movie_id=MOVIES[chain],
            branches=(branch,),
            formats=frozenset({FORMATS[chain]}),
            days=Days.parse(days),
            min_seats=min_seats,
            channel_id=ALERT_CHANNEL,
            mention=Mention.parse("@here"),
            name=name,
            baseline_pending=True,  # as /watch add makes it
            fast_lane=True,  # the lane polls every watch (the `lane_tick` rule)
        )

    async def add_watch(self, days: str, min_seats: int, branch: str, name: str) -> int:
        assert self.store is not None
        stored = await self.store.add_watch(
            self._watch(days, min_seats, branch, name), now=self.clock()
        )
        return stored.id

    async def add_title_watch(self, title: str, days: str, min_seats: int, name: str) -> int:
        assert self.store is not None
        watch = replace(
            self._watch(days, min_seats, BRANCH, name), movie_id="", awaiting=Awaited(title=title)
        )
        return (await self.store.add_watch(watch, now=self.clock())).id

    async def edit(
        self, watch_id: int, *, days: str, min_seats: int, branch: str, name: str
    ) -> None:
        """As `/watch edit` does it: a change of matching starts a new baseline; a branch of
        the other chain comes with that chain's film and format (the form asks for them)."""
        assert self.store is not None
        changes = _matching(days, min_seats, branch)
        await self.store.edit_watch(watch_id, _edit({**changes, "name": name}), now=self.clock())

    async def set_paused(self, watch_id: int, paused: bool) -> None:
        assert self.store is not None
        await self.store.edit_watch(watch_id, lambda w: replace(w, paused=paused), now=self.clock())

    async def remove(self, watch_id: int) -> None:
        assert self.store is not None
        assert await self.store.remove_watch(watch_id)

    async def movie_of(self, watch_id: int) -> str:
        """The film a watch is bound to; "" while it waits."""
        assert self.store is not None
        watch = await self.store.watch(watch_id)
        assert watch is not None
        return watch.movie_id

    # -- paths ---------------------------------------------------------------------------

    async def check(self, failure: str | None = None, lotte: str | None = None) -> Observed:
        """A scheduled check. `failure` (MEGABOX) and `lotte`: "403", "overload" (MEGABOX)
        or "500" (Lotte): every request to that chain fails while it runs; "timeout": the
        chain's first request times out once, its retry is answered; "map" (Lotte): its first
        seat map is refused (IsOK false, not retried), the rest of the check is answered."""
        assert self.checker is not None and self.client is not None
        assert self.lotte_client is not None
        self._tick()
        mb, lc = self.megabox, self.lotte
        for fake, mode in ((mb, failure), (lc, lotte)):
            if mode == "timeout":
                fake.fail(None, "timeout", times=1)
            elif mode == "map":
                lc.fail("GetSeats", "error", times=1)
            elif mode is not None:
                fake.fail_always(None, mode)
        try:
            if "timeout" not in (failure, lotte):
                result = await self.checker.run()
            else:
                mb_options = fast_options(
                    mb.base_url, **({"timeout_seconds": TIMEOUT} if failure == "timeout" else {})
                )
                lc_options = lotte_options(lc.base_url, TIMEOUT if lotte == "timeout" else 1.0)
                async with MegaboxClient(mb_options) as client, LotteClient(lc_options) as lcc:
                    result = await self._checker(client, lcc).run()
        finally:
            mb.recover()
            lc.recover()
        return self._observed(result)

    async def check_while_editing(
        self,
        watch_id: int,
        *,
        days: str | None,
        min_seats: int,
        branch: str,
        name: str,
        hold: str = MEGABOX,
    ) -> Observed:
        """A scheduled check during which a member edits a watch, as the edit form does:
        the watch was read before the check began (the form opened), the edit is saved
        while the check waits on its first listing of chain `hold` (MEGABOX's come first).
        `days` None: a rename only."""
        assert self.checker is not None and self.store is not None
        self._tick()
        fake: FakeMegabox | FakeLotte = self.megabox if hold == MEGABOX else self.lotte
        key = "bokd" if hold == MEGABOX else "GetPlaySequence"
        fake.hold(key)
        task = asyncio.ensure_future(self.checker.run())
        try:
            await fake.wait_for_request(key)
            changes: dict[str, object] = {"name": name}
            if days is not None:
                changes |= _matching(days, min_seats, branch)
            # As `/watch edit` saves it: the change applied to the watch as stored now.
            await self.store.edit_watch(watch_id, _edit(changes), now=self.clock())
        finally:
            fake.release(key)
            result = await task
        return self._observed(result)

    async def poll(self, days: set[str], maps: set[str], watch_ids: set[int]) -> Observed:
        """A fast poll for these watches (the fast lane's), of these listing dates ("sat",
        "mon", "tue") for every chunk of them (either chain), asking these seat maps
        (qualified ids), as the lane would."""
        assert self.checker is not None and self.store is not None
        self._tick()
        watches = [
            w
            for w in await self.store.watches(include_paused=False)
            if not w.waiting and w.id in watch_ids
        ]
        today = self.clock().date()
        chosen = frozenset(self.days[d] for d in days)
        chunks = make_chunks(watches, today, HORIZON)
        poll = Poll(
            watch_ids=frozenset(w.id for w in watches),
            listings={c.branches: chosen for c in chunks},
            seat_maps=frozenset(maps),
        )
        polled = await self.checker.poll(poll)
        return self._observed(polled.result if polled is not None else None)

    async def lane_tick(self) -> Observed:
        """The fast lane's own tick (bot/checking/lane_runner.py): its planner chooses the
        listings and seat maps, with the holidays as stored and without waiting watches."""
        assert self.checker is not None
        if self.lane is None or self.lane.checker is not self.checker:
            self.lane = LaneRunner(self.checker, LanePolicy(requests_per_hour=10_000))
        self.clock.advance(minutes=30)  # every listing is due again
        self.megabox.reset_log()
        self.lotte.reset_log()
        tick = await self.lane.tick()
        return self._observed(tick.result)

    async def restart(self) -> None:
        """A new process on the same database file."""
        assert self.store is not None and self.client is not None
        assert self.lotte_client is not None
        await self.store.close()
        self.store = await Store.open(self.db_url)
        self.checker = self._checker(self.client, self.lotte_client)

    def _tick(self) -> None:
        self.clock.advance(minutes=1)
        self.megabox.reset_log()
        self.lotte.reset_log()

    def _observed(self, result: CheckResult | None) -> Observed:
        """From the fakes' request logs (only answered requests count), and the result."""
        listed: dict[str, set[dt.date]] = {MEGABOX: set(), LOTTE: set()}
        maps: set[str] = set()
        asked: set[str] = set()
        catalogue = False
        megabox_listings: list[tuple[frozenset[str], dt.date]] = []
        for r in self.megabox.requests:
            if r.failure is not None:
                continue
            if r.endpoint in ("bokd", "schedule"):
                branches = {
                    qualified(v)
                    for k, v in r.body.items()
                    if k.startswith("brchNo") and k != "brchNoListCnt"
                }
                megabox_listings.append((frozenset(branches), _date(r.body["playDe"])))
                if BRANCH in branches:
                    listed[MEGABOX].add(_date(r.body["playDe"]))
            elif r.endpoint == "seats":
                maps.add(qualified(r.body["playSchdlNo"]))
            elif r.endpoint == "movies":
                catalogue = True
        own = LOTTE_BRANCH.removeprefix("lotte:")
        for q in self.lotte.requests:
            if q.failure is not None and q.method != "GetSeats":
                continue
            if q.method == "GetPlaySequence" and q.params.get("cinemaID", "").endswith(f"|{own}"):
                listed[LOTTE].add(dt.date.fromisoformat(q.params["playDate"]))
            elif q.method == "GetSeats":
                p = q.params
                no = f"lotte:{p['cinemaId']}-{p['screenId']}-{p['playDate']}-{p['playSequence']}"
                (maps if q.failure is None else asked).add(no)
        failed_maps = asked - maps
        if result is None:
            return Observed(listed, maps, catalogue, failed_maps, megabox_listings)
        return Observed(
            listed,
            maps,
            catalogue,
            failed_maps,
            megabox_listings,
            # An unreadable row is a gap, not its chain failing.
            failing=frozenset(
                e.chain for e in result.errors if e.chain and e.kind != "unreadable-row"
            ),
            disagree_warning=any(w.kind == "map-disagrees" for w in result.warnings),
        )

    # -- what the bot stored -------------------------------------------------------------

    async def openings(self) -> list[Row]:
        assert self.store is not None
        rows = await self.store._all(
            "SELECT o.id, o.watch_id, o.screening_id, o.closed_at, o.close_reason, o.alerted, "
            "(SELECT count(*) FROM alerts a WHERE a.opening_id = o.id) FROM openings o ORDER BY o.id"
        )
        news: set[tuple[int, str]] = set()
        for job in await self.store.notice_jobs():
            if isinstance(job.body, NewsBody):
                news.update((job.watch_id, s.screening_id) for s in job.body.screenings)
        return [
            Row(
                id=r[0],
                watch_id=r[1],
                no=r[2],
                open=r[3] is None,
                reason=r[4],
                alerted=bool(r[5]),
                alert_rows=r[6],
                in_news=(r[1], r[2]) in news,
            )
            for r in rows
        ]


def _date(play_date: str) -> dt.date:
    return dt.date(int(play_date[:4]), int(play_date[4:6]), int(play_date[6:8]))


def _matching(days: str, min_seats: int, branch: str) -> dict[str, object]:
    """What an edit of matching sets: days, seats, the branch, and its chain's film and
    format with it (a watch is of one chain)."""
    chain = chain_of(branch)
    return {
        "days": Days.parse(days),
        "min_seats": min_seats,
        "branches": (branch,),
        "movie_id": MOVIES[chain],
        "formats": frozenset({FORMATS[chain]}),
    }


def _edit(changes: dict[str, object]) -> Callable[[Watch], Watch]:
    """An edit as the form makes it: these fields, and a new baseline when matching changed."""

    def apply(watch: Watch) -> Watch:
        new = replace(watch, **changes)  # type: ignore[arg-type]
        if needs_baseline(watch, new):
            new = replace(new, baseline_pending=True, news_baseline_pending=True)
        return new

    return apply
