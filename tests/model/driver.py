"""The one adapter between the model-based test and the real bot: the fake MEGABOX set up
as the model's small world, a real Store on a SQLite file, and the real Checker. Everything
the machine does to the bot, and everything it reads back, goes through here, so a changed
signature in the bot is fixed in this file only. The model speaks MEGABOX's own numbers
("2612051351045"); the bot's qualified identities ("megabox:…") are translated here."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from bot.chains.base import KST, native, qualified
from bot.chains.megabox.client import MegaboxClient
from bot.checking.checker import Checker, Poll
from bot.checking.fast_lane import LanePolicy
from bot.checking.lane_runner import LaneRunner
from bot.checking.planner import make_chunks
from bot.delivery.notices import NewsBody
from bot.store.repo import Store
from bot.watches.forms import needs_baseline
from bot.watches.titles import Awaited
from bot.watches.watch import Days, Mention, Watch
from tests.conftest import ALERT_CHANNEL, Clock, fast_options
from tests.fakes.megabox_server import FakeMegabox
from tests.model.reference import BRANCH, MOVIE, Row, SeatState, Show

HORIZON = 21
#: The "one timeout" check: the client gives up this soon (the fake never answers it), and
#: its retry is answered. Short, since the search runs it often; the retry has two tries.
TIMEOUT = 0.1
#: The fixture's COEX MX4D screenings of the Saturday (ids before the scenario moves).
FIXTURE_SHOWS = ("2612051351045", "2612051351046")


@dataclass(frozen=True)
class Observed:
    """What MEGABOX answered one path: listing dates of the watched branch, seat maps,
    and whether the film list (catalogue) was read."""

    listed: set[dt.date]
    maps: set[str]
    catalogue: bool


class Driver:
    def __init__(self, tmp: Path) -> None:
        self.db_url = f"sqlite:///{tmp / 'model.db'}"
        today = dt.datetime.now(KST).date()
        self.megabox = FakeMegabox(today=today)
        sat = self.megabox.fixture_day
        # MEGABOX's clock and ours: the Thursday before the Saturday, as in the fixtures.
        self.clock = Clock(dt.datetime.combine(sat - dt.timedelta(days=2), dt.time(14, 15), KST))
        self.days = {"sat": sat, "mon": sat + dt.timedelta(days=2), "tue": sat + dt.timedelta(3)}
        self.holidays = {self.days["mon"]}
        self.client: MegaboxClient | None = None
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
        for day in self.days.values():
            mb.open_date(f"{day:%Y%m%d}", holiday=day in self.holidays)
        shows = [
            Show(
                str(r["playSchdlNo"]),
                _date(str(r["playDe"])),
                _date(str(r["playDe"])) in self.holidays,
            )
            for r in sorted(mb.rows(), key=lambda r: (str(r["playDe"]), str(r["playStartTime"])))
        ]
        self.original_start = {s.no: str(mb.row(s.no)["playStartTime"]) for s in shows}
        self.client = MegaboxClient(fast_options(mb.base_url))
        await self.client.__aenter__()
        self.store = await Store.open(self.db_url)
        self.checker = self._checker(self.client)
        return shows

    def _checker(self, client: MegaboxClient) -> Checker:
        assert self.store is not None
        # Damping 0: a screening that matches again after a real close alerts anew.
        return Checker(
            client,
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
        await self.megabox.close()

    def set_seats(self, no: str, state: SeatState) -> None:
        self.megabox.set_free_seats(no, list(state.free), keep_wheelchair_free=False)

    def set_readable(self, no: str, readable: bool) -> None:
        value = self.original_start[no] if readable else "soon"
        self.megabox.set_row_field(no, "playStartTime", value)

    # -- watches -------------------------------------------------------------------------

    def _watch(self, days: str, min_seats: int, branch: str, name: str) -> Watch:
        return Watch(
            movie_id=MOVIE,
            branches=(branch,),
            formats=frozenset({"MX4D"}),
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
        """As `/watch edit` does it: a change of matching starts a new baseline."""
        assert self.store is not None
        changes = {"days": Days.parse(days), "min_seats": min_seats, "branches": (branch,)}
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
        return native(watch.movie_id) if watch.movie_id else ""

    # -- paths ---------------------------------------------------------------------------

    async def check(self, failure: str | None = None) -> Observed:
        """A scheduled check; `failure`: "403" or "overload" (every request fails while it
        runs), "timeout" (the first request times out once, its retry is answered)."""
        assert self.checker is not None
        self._tick()
        mb = self.megabox
        if failure in ("403", "overload"):
            mb.fail_always(None, failure)
            try:
                await self.checker.run()
            finally:
                mb.recover()
        elif failure == "timeout":
            mb.fail(None, "timeout", times=1)
            async with MegaboxClient(fast_options(mb.base_url, timeout_seconds=TIMEOUT)) as client:
                await self._checker(client).run()
            mb.recover()
        else:
            await self.checker.run()
        return self._observed()

    async def check_while_editing(
        self, watch_id: int, *, days: str | None, min_seats: int, branch: str, name: str
    ) -> Observed:
        """A scheduled check during which a member edits a watch, as the edit form does:
        the watch was read before the check began (the form opened), the edit is saved
        while the check waits on its first listing. `days` None: a rename only."""
        assert self.checker is not None and self.store is not None
        self._tick()
        mb = self.megabox
        mb.hold("bokd")
        task = asyncio.ensure_future(self.checker.run())
        try:
            await mb.wait_for_request("bokd")
            changes: dict[str, object] = {"name": name}
            if days is not None:
                changes |= {"days": Days.parse(days), "min_seats": min_seats, "branches": (branch,)}
            # As `/watch edit` saves it: the change applied to the watch as stored now.
            await self.store.edit_watch(watch_id, _edit(changes), now=self.clock())
        finally:
            mb.release("bokd")
            await task
        return self._observed()

    async def poll(self, days: set[str], maps: set[str], watch_ids: set[int]) -> Observed:
        """A fast poll for these watches (the fast lane's), of these listing dates ("sat",
        "mon", "tue") for every chunk of them, asking these seat maps, as the lane would."""
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
            seat_maps=frozenset(qualified(no) for no in maps),  # the bot's identities
        )
        await self.checker.poll(poll)
        return self._observed()

    async def lane_tick(self) -> Observed:
        """The fast lane's own tick (bot/checking/lane_runner.py): its planner chooses the
        listings and seat maps, with the holidays as stored and without waiting watches."""
        assert self.checker is not None
        if self.lane is None or self.lane.checker is not self.checker:
            self.lane = LaneRunner(self.checker, LanePolicy(requests_per_hour=10_000))
        self.clock.advance(minutes=30)  # every listing is due again
        self.megabox.reset_log()
        await self.lane.tick()
        return self._observed()

    async def restart(self) -> None:
        """A new process on the same database file."""
        assert self.store is not None and self.client is not None
        await self.store.close()
        self.store = await Store.open(self.db_url)
        self.checker = self._checker(self.client)

    def _tick(self) -> None:
        self.clock.advance(minutes=1)
        self.megabox.reset_log()

    def _observed(self) -> Observed:
        listed: set[dt.date] = set()
        maps: set[str] = set()
        catalogue = False
        for r in self.megabox.requests:
            if r.failure is not None:
                continue
            if r.endpoint in ("bokd", "schedule"):
                branches = {
                    v for k, v in r.body.items() if k.startswith("brchNo") and k != "brchNoListCnt"
                }
                if BRANCH in branches:
                    listed.add(_date(r.body["playDe"]))
            elif r.endpoint == "seats":
                maps.add(r.body["playSchdlNo"])
            elif r.endpoint == "movies":
                catalogue = True
        return Observed(listed, maps, catalogue)

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
                news.update((job.watch_id, native(s.screening_id)) for s in job.body.screenings)
        return [
            Row(
                id=r[0],
                watch_id=r[1],
                no=native(r[2]),  # the model speaks MEGABOX's own numbers
                open=r[3] is None,
                reason=r[4],
                alerted=bool(r[5]),
                alert_rows=r[6],
                in_news=(r[1], native(r[2])) in news,
            )
            for r in rows
        ]


def _date(play_date: str) -> dt.date:
    return dt.date(int(play_date[:4]), int(play_date[4:6]), int(play_date[6:8]))


def _edit(changes: dict[str, object]) -> Callable[[Watch], Watch]:
    """An edit as the form makes it: these fields, and a new baseline when matching changed."""

    def apply(watch: Watch) -> Watch:
        new = replace(watch, **changes)  # type: ignore[arg-type]
        if needs_baseline(watch, new):
            new = replace(new, baseline_pending=True, news_baseline_pending=True)
        return new

    return apply
