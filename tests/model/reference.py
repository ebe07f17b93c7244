"""The reference model: what the product rules say should happen to each opening, written
from README's "How alerts, openings and the status channel behave", product.md "Opening",
issue 16's design and issue 19's (two chains), never from the checker's code. No bot imports
here.

A path (scheduled check, failing check, fast poll) sees, per screening, one of: nothing, the
listing row only (its count of free seats), or the row and its seat map. Only that is judged:
"nothing seen" never opens or closes, a row without its map only proves what its count
proves (at Lotte a count never proves a match: only its map does), and a Lotte map whose free
seats disagree with its listing's count is an estimate: it may open, never closes, and a
watch that needed it is not seen whole. Each chain is judged on its own: a failure of one
chain is "nothing seen" for its screenings only. What the bot did (its openings before and
after the path) is checked against what the model allows; where the rules allow a choice (a
fast poll may leave a seat map for later), the model adopts the bot's choice.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import Enum

MEGABOX, LOTTE = "megabox", "lotte"
#: The COEX MX4D hall's wheelchair seats (DISABLED_CLS, A13-A16): free seats minus these is
#: a floor on the usable seats whatever the map says (MEGABOX's count rule).
HALL_WHEELCHAIR = 4
BRANCH = "megabox:1351"  # COEX
MOVIE = "megabox:25008000"
LOTTE_BRANCH = "lotte:1016"  # 월드타워
LOTTE_MOVIE = "lotte:24128"


def chain_of(ref: str) -> str:
    return ref.split(":", 1)[0]


@functools.cache
def _korean_holidays(year: int) -> frozenset[date]:
    import holidays  # the library the bot's table was generated with (a dev dependency)

    return frozenset(holidays.country_holidays("KR", years=year))


def korean_public_holiday(day: date) -> bool:
    return day in _korean_holidays(day.year)


@dataclass(frozen=True)
class SeatState:
    """One state of a screening's seats: which seats are free."""

    name: str
    free: tuple[str, ...]  # seat names (row + number), normal or wheelchair
    rest: int  # restSeatCnt: every free seat, wheelchair seats too
    usable: int  # free seats that are not wheelchair seats


WHEELCHAIR_SEATS = ("A13", "A14", "A15", "A16")
SEAT_STATES = {
    s.name: s
    for s in (
        SeatState("sold", (), 0, 0),
        SeatState("wheelchair", WHEELCHAIR_SEATS, 4, 0),
        # One wheelchair seat free and three normal ones: the same restSeatCnt as above.
        SeatState("swap3", ("A13", "F6", "F7", "F8"), 4, 3),
        SeatState("two", (*WHEELCHAIR_SEATS, "F6", "F7"), 6, 2),
        # Six normal seats and no wheelchair seat: the same restSeatCnt as "two".
        SeatState("six", ("F5", "F6", "F7", "F8", "F9", "F10"), 6, 6),
    )
}
#: The same states in Lotte's 4관 수퍼 4D (rows A-H, blocks 4|6|4; H1 H2 H13 H14 are its
#: wheelchair seats): equal counts, so a swap of wheelchair and normal seats keeps the
#: listing's BookingSeatCount.
LOTTE_WHEELCHAIR_SEATS = ("H1", "H2", "H13", "H14")
LOTTE_SEAT_STATES = {
    s.name: s
    for s in (
        SeatState("sold", (), 0, 0),
        SeatState("wheelchair", LOTTE_WHEELCHAIR_SEATS, 4, 0),
        SeatState("swap3", ("H1", "F5", "F6", "F7"), 4, 3),
        SeatState("two", (*LOTTE_WHEELCHAIR_SEATS, "F6", "F7"), 6, 2),
        SeatState("six", ("F5", "F6", "F7", "F8", "F9", "F10"), 6, 6),
    )
}


def seat_state(chain: str, name: str) -> SeatState:
    return (LOTTE_SEAT_STATES if chain == LOTTE else SEAT_STATES)[name]


@dataclass(frozen=True)
class Show:
    """A screening of the world: COEX MX4D or 월드타워 4관 수퍼 4D, the watched film of its
    chain; `no` is the bot's qualified identity ("megabox:…", "lotte:…")."""

    no: str
    day: date
    holiday: bool  # MEGABOX's calendar marks the day a holiday
    branch: str = BRANCH

    @property
    def chain(self) -> str:
        return chain_of(self.no)


@dataclass(frozen=True)
class Rules:
    """What a watch matches (everything that decides matching; the name does not)."""

    days: str  # "weekend" | "all" | "sat"
    min_seats: int
    branch: str  # qualified: the watch's chain is its branch's (the film and format follow)

    @property
    def chain(self) -> str:
        return chain_of(self.branch)

    def wants(self, show: Show, holidays_known: bool = True) -> bool | None:
        """Branch and day: a holiday counts as a weekend day. MEGABOX's calendar says which
        days are holidays; a Lotte weekday before any MEGABOX calendar was read takes Korea's
        public holidays (from the `holidays` library, as the bot's table was made: this
        world's holiday Monday is MEGABOX's alone, a plain day there). A MEGABOX screening
        is only seen with its calendar."""
        if self.branch != show.branch:
            return False
        if self.days == "sat":
            return show.day.weekday() == 5
        if self.days == "all" or show.day.weekday() >= 5:
            return True
        if holidays_known or show.chain == MEGABOX:
            return show.holiday
        return korean_public_holiday(show.day)


class Seen(Enum):
    NOTHING = "nothing"
    ROW = "row"  # the listing row, not its seat map
    MAP = "map"  # the row and its seat map


@dataclass(frozen=True)
class Look:
    """What one path saw of one screening."""

    seen: Seen
    rest: int = 0  # the listing's count of free seats
    usable: int = 0
    #: A Lotte map whose free seats are not its listing's count: an estimate.
    estimate: bool = False
    #: The listing's count proves a match with the hall's wheelchair seats taken off
    #: (MEGABOX's count rule; never at Lotte, whose maps are its cross-check).
    count_settles: bool = True
    #: ROW: its seat map was asked and could not be read (the bot estimates from the count).
    map_failed: bool = False

    def __str__(self) -> str:
        if self.seen is Seen.NOTHING:
            return "saw nothing"
        usable = f", usable {self.usable}" if self.seen is Seen.MAP else ""
        stale = " (map disagrees: an estimate)" if self.estimate else ""
        stale += " (map failed: an estimate)" if self.map_failed else ""
        return f"saw {self.seen.value}: rest {self.rest}{usable}{stale}"

    @property
    def seats(self) -> tuple[int, int | None]:
        return (self.rest, self.usable if self.seen is Seen.MAP else None)


class Verdict(Enum):
    UNWANTED = "unwanted"  # the watch does not want its branch or day (its own rules)
    NOTHING = "nothing"  # not seen, or seen without proof either way
    MATCH = "match"  # seen, and matches
    NO_MATCH = "no match"  # seen whole, does not match
    ROW_MATCH = "row match"  # the count alone proves it matches (a map may be skipped)
    ROW_NO_MATCH = "row no match"  # the count alone proves it does not
    #: Its seat map failed: an estimate from the count may match, and proves nothing gone.
    MAYBE = "maybe"


def verdict(rules: Rules, show: Show, look: Look, holidays_known: bool = True) -> Verdict:
    wanted = rules.wants(show, holidays_known)
    if wanted is None:
        return Verdict.NOTHING  # only the holiday flag could tell
    if not wanted:
        return Verdict.UNWANTED
    if look.seen is Seen.MAP:
        if look.usable >= rules.min_seats:
            return Verdict.MATCH
        # An estimate may open but proves nothing gone.
        return Verdict.NOTHING if look.estimate else Verdict.NO_MATCH
    if look.seen is Seen.ROW and look.map_failed:
        # The estimate (count less the hall's wheelchair seats, if ever read) judges every
        # watch that wanted the screening: it may open, never closes.
        return Verdict.MAYBE if look.rest >= rules.min_seats else Verdict.NOTHING
    if look.seen is Seen.ROW:
        if look.rest < rules.min_seats:
            return Verdict.ROW_NO_MATCH
        if look.count_settles and look.rest - HALL_WHEELCHAIR >= rules.min_seats:
            return Verdict.ROW_MATCH
    return Verdict.NOTHING


@dataclass
class ModelWatch:
    slot: str
    id: int
    rules: Rules
    paused: bool = False
    #: Matching was set or changed: what is open at the next look is recorded, not alerted.
    baseline: bool = True
    #: A title watch: the film it should bind to (None: it must keep waiting), and bound yet.
    title: str | None = None
    binds_to: str | None = None
    waiting: bool = False
    #: Screenings this watch has certainly / possibly judged (for "new" screenings).
    known: set[str] = field(default_factory=set)
    maybe_known: set[str] = field(default_factory=set)


@dataclass
class KeyState:
    """The model's view of one (watch, screening)."""

    open: bool = False
    rules_at_match: Rules | None = None
    seats_at_match: tuple[int, int | None] | None = None


@dataclass(frozen=True)
class Row:
    """One stored opening, as the driver reads it."""

    id: int
    watch_id: int
    no: str
    open: bool
    reason: str | None
    alerted: bool
    alert_rows: int
    in_news: bool  # its screening is in a new-screenings notice of its watch


class Expect(Enum):
    STAY = "stay"
    OPEN = "open"  # must open
    MAY_OPEN = "may open"
    CLOSE = "close"  # must close (with reasons)
    MAY_CLOSE = "may close"


@dataclass(frozen=True)
class Judgement:
    expect: Expect
    reasons: frozenset[str] = frozenset()
    alerted: bool = True
    news: bool | None = None  # True: told by its new-screenings message; None: either


class Violation(AssertionError):
    pass


@dataclass
class Model:
    shows: dict[str, Show]
    seats: dict[str, SeatState]
    unreadable: set[str] = field(default_factory=set)
    #: Lotte listings whose count was set apart from their map (stale): show → the count.
    listed: dict[str, int] = field(default_factory=dict)
    #: Some path read a MEGABOX calendar (its holiday flags are kept for every chain).
    holidays_known: bool = False
    watches: dict[str, ModelWatch] = field(default_factory=dict)  # slot → watch
    keys: dict[tuple[int, str], KeyState] = field(default_factory=dict)
    judged: set[int] = field(default_factory=set)  # the watches the last path judged
    optional: set[int] = field(default_factory=set)  # ... or may have left alone

    # -- what a path saw -----------------------------------------------------------------

    def looks(
        self,
        listed: Mapping[str, set[date]],
        maps: set[str],
        failed_maps: Iterable[str] = (),
    ) -> dict[str, Look]:
        """From what each chain answered this path: listings (per chain, the dates of the
        watched branch), seat maps read, and seat maps asked but never read."""
        failed = set(failed_maps)
        out: dict[str, Look] = {}
        for no, show in self.shows.items():
            state = self.seats[no]
            rest = self.listed.get(no, state.rest)
            settles = show.chain == MEGABOX
            if no in self.unreadable or show.day not in listed.get(show.chain, set()):
                out[no] = Look(Seen.NOTHING)
            elif no in maps:
                out[no] = Look(Seen.MAP, rest, state.usable, rest != state.rest, settles)
            elif no in failed:
                out[no] = Look(Seen.ROW, rest, count_settles=False, map_failed=True)
            else:
                out[no] = Look(Seen.ROW, rest, count_settles=settles)
        return out

    def covered(self, watch: ModelWatch, looks: Mapping[str, Look]) -> bool:
        """A scheduled check whose chain did not fail saw this watch whole unless a row it
        wants could not be read or a seat map it wants was an estimate."""
        return not any(
            watch.rules.wants(show, self.holidays_known)
            and (no in self.unreadable or looks[no].estimate or looks[no].map_failed)
            for no, show in self.shows.items()
        )

    def calendar_read(self, listings: Iterable[tuple[frozenset[str], date]]) -> bool:
        """This path read a MEGABOX calendar (it comes with every listing answered), unless
        the only listings answered were refused whole: COEX rows all unreadable."""
        for branches, day in listings:
            mine = [no for no, s in self.shows.items() if s.chain == MEGABOX and s.day == day]
            if BRANCH in branches and mine and all(no in self.unreadable for no in mine):
                continue
            return True
        return False

    # -- one path ------------------------------------------------------------------------

    def judge(
        self,
        kinds: Mapping[str, str],
        looks: dict[str, Look],
        *,
        catalogue_read: bool,
        calendar_read: bool = False,
        only: set[int] | None = None,
        optional: set[int] | None = None,
    ) -> dict[tuple[int, str], Judgement]:
        """What each key may or must do on this path. `kinds`, per chain: "check" (a
        scheduled check that chain did not fail), "failed" (it failed) or "poll"; `only`:
        the watches a fast poll is for; `optional`: watches this path may leave alone
        entirely (edited while it ran: the edit may drop its findings for them), or judge as
        usual. `calendar_read`: this path read a MEGABOX calendar; MEGABOX's listings come
        before Lotte's in one path, so its holiday flags judge this path's Lotte screenings
        too."""
        self.optional = set(optional or ())
        self.holidays_known |= calendar_read
        if kinds[MEGABOX] == "check" and catalogue_read:
            for w in self.watches.values():
                # The film list is read first: a watch edited during the check binds too.
                if w.waiting and not w.paused and w.binds_to is not None:
                    w.waiting = False
                    w.baseline = False  # its first screenings are news, not a baseline
        self.judged = {
            w.id
            for w in self.watches.values()
            if not (w.paused or w.waiting)
            and (only is None or w.id in only or w.id in self.optional)
        }
        out: dict[tuple[int, str], Judgement] = {}
        for w in self.watches.values():
            if w.id not in self.judged:
                continue
            for no, show in self.shows.items():
                key = (w.id, no)
                state = self.keys.setdefault(key, KeyState())
                look = looks[no]
                v = verdict(w.rules, show, look, self.holidays_known)
                out[key] = self._judge_key(kinds[show.chain], w, no, state, v, look)
        return out

    def _judge_key(
        self, kind: str, w: ModelWatch, no: str, state: KeyState, v: Verdict, look: Look
    ) -> Judgement:
        if state.open:
            if v is Verdict.UNWANTED:
                # Only the watch's own rules can make it unwanted (holidays never change).
                changed = state.rules_at_match != w.rules
                if not changed:
                    return Judgement(Expect.STAY)
                reasons = frozenset({"unwatched"})
                return Judgement(Expect.CLOSE if kind == "check" else Expect.MAY_CLOSE, reasons)
            if v in (Verdict.MATCH, Verdict.ROW_MATCH, Verdict.NOTHING, Verdict.MAYBE):
                return Judgement(Expect.STAY)
            reasons = self._close_reasons(w, state, look)
            if v is Verdict.NO_MATCH or kind == "check":
                return Judgement(Expect.CLOSE, reasons)
            return Judgement(Expect.MAY_CLOSE, reasons)
        if v in (Verdict.MATCH, Verdict.ROW_MATCH, Verdict.MAYBE):
            news = self._is_news(w, no)
            expect = Expect.OPEN if v is Verdict.MATCH else Expect.MAY_OPEN
            return Judgement(expect, alerted=not w.baseline, news=news)
        return Judgement(Expect.STAY)

    @staticmethod
    def _close_reasons(w: ModelWatch, state: KeyState, look: Look) -> frozenset[str]:
        """Sold out (closed) unless the watch's own rules changed since it last matched:
        then "unwatched" if the seats are as they were, either if both changed."""
        if state.rules_at_match == w.rules:
            return frozenset({"closed"})
        if state.seats_at_match == look.seats:
            return frozenset({"unwatched"})
        return frozenset({"closed", "unwatched"})

    @staticmethod
    def _is_news(w: ModelWatch, no: str) -> bool | None:
        """A bound title watch's first look at a screening is news (no seat alert)."""
        if w.title is None:
            return None  # only new screenings are news; this world has none for others
        if no in w.known:
            return False
        return None if no in w.maybe_known else True

    # -- after the path: compare with what the bot did, then adopt it -------------------

    def settle(
        self,
        kinds: Mapping[str, str],
        looks: dict[str, Look],
        judgements: dict[tuple[int, str], Judgement],
        before: list[Row],
        after: list[Row],
    ) -> None:
        old = {r.id: r for r in before}
        new = {r.id: r for r in after}
        if set(old) - set(new):
            raise Violation(f"openings vanished without a removal: {sorted(set(old) - set(new))}")
        opened: dict[tuple[int, str], Row] = {}
        closed: dict[tuple[int, str], Row] = {}
        for r in after:
            was = old.get(r.id)
            if was is None:
                opened[(r.watch_id, r.no)] = r
            elif was.open and not r.open:
                closed[(r.watch_id, r.no)] = r
            elif not was.open and r.open:
                raise Violation(f"{_name(r)} was revived (damping is 0: it must alert anew)")
            elif r.alert_rows != was.alert_rows or r.reason != was.reason:
                raise Violation(f"{_name(r)} changed without a transition: {was} -> {r}")
        changed = {k[0] for k in set(opened) | set(closed)}
        for wid in self.optional - changed:
            # Left alone: none of its keys judged; what it saw it may or may not remember.
            judgements = {k: j for k, j in judgements.items() if k[0] != wid}
            self.judged.discard(wid)
            for w in self.watches.values():
                if w.id == wid:
                    w.maybe_known |= {n for n, lk in looks.items() if lk.seen is not Seen.NOTHING}
        for key in set(opened) | set(closed):
            if key not in judgements:
                raise Violation(
                    f"watch {key[0]} screening {key[1]}: changed on a path that does not "
                    f"judge it (paused, waiting or removed): opened={key in opened} "
                    f"closed={closed.get(key)}"
                )
        by_id = {w.id: w for w in self.watches.values()}
        for key, j in judgements.items():
            w = by_id[key[0]]
            state = self.keys[key]
            look = looks[key[1]]
            label = f"watch {w.slot}#{w.id} screening {key[1]} ({kinds[chain_of(key[1])]})"
            if key in closed:
                r = closed[key]
                if j.expect not in (Expect.CLOSE, Expect.MAY_CLOSE):
                    raise Violation(
                        f"{label}: closed as {r.reason!r}, but the reference saw no close ({look})"
                    )
                if r.reason not in j.reasons:
                    raise Violation(
                        f"{label}: closed as {r.reason!r}, the reference says {sorted(j.reasons)}"
                    )
                state.open = False
            elif j.expect is Expect.CLOSE:
                raise Violation(f"{label}: must close as {sorted(j.reasons)}, still open")
            if key in opened:
                r = opened[key]
                if state.open or j.expect not in (Expect.OPEN, Expect.MAY_OPEN):
                    raise Violation(
                        f"{label}: opened (alerted={r.alerted}), but the reference says it "
                        f"{'is open already' if state.open else 'does not match'} ({look})"
                    )
                if r.alerted != j.alerted:
                    raise Violation(
                        f"{label}: opened with alerted={r.alerted}, the reference says "
                        f"{j.alerted} ({'baseline' if not j.alerted else 'an alert'})"
                    )
                if j.alerted and j.news is True and r.alert_rows:
                    raise Violation(f"{label}: a bound watch's first screening got a seat alert")
                if j.alerted and j.news is False and not r.alert_rows:
                    raise Violation(f"{label}: a known screening's opening got no seat alert")
                state.open = True
            elif j.expect is Expect.OPEN and not state.open:
                raise Violation(
                    f"{label}: the reference saw it match ({look}), the bot did not open it"
                )
            if state.open and (key in opened or j.expect is Expect.STAY):
                v = verdict(w.rules, self.shows[key[1]], look, self.holidays_known)
                if v in (Verdict.MATCH, Verdict.ROW_MATCH) or (
                    v is Verdict.MAYBE and key in opened
                ):
                    state.rules_at_match = w.rules
                    state.seats_at_match = look.seats
                elif v is Verdict.MAYBE:
                    state.seats_at_match = None  # the estimate may or may not have matched
        # What the watches now know (new screenings), and the baselines a check ended.
        for w in self.watches.values():
            if w.id not in self.judged:
                continue
            for no, look in looks.items():
                wanted = w.rules.wants(self.shows[no], self.holidays_known)
                if look.seen is Seen.NOTHING or not wanted:
                    continue
                w.maybe_known.add(no)
                if look.seen is Seen.MAP or kinds[self.shows[no].chain] == "check":
                    w.known.add(no)
            if kinds[w.rules.chain] == "check" and self.covered(w, looks):
                w.baseline = False

    def check_rows(self, rows: list[Row]) -> None:
        """Standing invariants: one open opening per key, the model's open set, and every
        alerted opening told exactly once (one alert for the one target, or its watch's
        new-screenings message)."""
        latest: dict[tuple[int, str], Row] = {}
        for r in sorted(rows, key=lambda r: r.id):
            if r.open and (r.watch_id, r.no) in latest and latest[(r.watch_id, r.no)].open:
                raise Violation(f"two open openings for {_name(r)}")
            latest[(r.watch_id, r.no)] = r
            if not r.alerted and r.alert_rows:
                raise Violation(f"{_name(r)}: a baseline opening has {r.alert_rows} alerts")
            if r.alerted and r.alert_rows > 1:
                raise Violation(f"{_name(r)}: alerted {r.alert_rows} times")
        folded = [r for r in rows if r.alerted and not r.alert_rows]
        for r in folded:
            if not r.in_news:
                raise Violation(f"{_name(r)}: alerted, but neither an alert nor in the news")
        seen: set[tuple[int, str]] = set()
        for r in folded:
            if (r.watch_id, r.no) in seen:
                raise Violation(f"{_name(r)}: told twice by new-screenings messages")
            seen.add((r.watch_id, r.no))
        bot_open = {k for k, r in latest.items() if r.open}
        model_open = {k for k, s in self.keys.items() if s.open}
        if bot_open != model_open:
            raise Violation(
                f"open openings differ: bot only {sorted(bot_open - model_open)}, "
                f"reference only {sorted(model_open - bot_open)}"
            )

    def forget(self, watch_id: int) -> None:
        for key in [k for k in self.keys if k[0] == watch_id]:
            del self.keys[key]


def _name(r: Row) -> str:
    return f"watch #{r.watch_id} screening {r.no} (opening {r.id})"
