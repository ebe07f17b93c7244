"""Truth on every path (issues 16 and 19): a model-based test of openings and alerts over
both chains.

Hypothesis drives the REAL Checker with BOTH chain clients (MegaboxClient against the fake
MEGABOX, LotteClient against the fake Lotte) and one Store (tests/model/driver.py), next to a
small reference model written from the product rules (tests/model/reference.py): README "How
alerts, openings and the status channel behave", product.md "Opening", issue 16's design and
issue 19's. The world: COEX MX4D, the watched film at 19:40 and 22:20 on a Saturday, at 19:40
on a Monday that MEGABOX's calendar marks as a holiday and on a plain Tuesday; Lotte 월드타워
4관 수퍼 4D (film 24128) at 12:10 and 14:50 on the same Saturday and at 14:50 on the holiday
Monday (Lotte's calendar says nothing of holidays: MEGABOX's flags, once any path read them,
judge Lotte's dates too; before that Korea's public holidays do, and this world's holiday
Monday is MEGABOX's alone). Seats in either hall: sold out, wheelchair seats only, three normal
seats and one wheelchair seat (the same count as wheelchair-only), two, six. 1-2 watches of
either chain (COEX, Hanam or 월드타워; a watch is of one chain) and maybe a MEGABOX title
watch; damping 0 (a reopening after a real close alerts anew).

Rules: seats change in either chain (including the equal-count swaps of wheelchair and
normal seats); a stale Lotte listing (its count set apart from its map: the map disagrees, an
estimate); a scheduled check; a failing check where MEGABOX fails (403, overload), Lotte fails
(403, 500) or both, or one chain's request times out once (retried: that chain saw all), or
one Lotte seat map is refused (the bot estimates from the count: may open, never closes); a
fast poll of some dates and seat maps across both chains; the fast lane's own tick (its
planner chooses); a listing row of either chain that cannot be read (and reads again);
pause and resume; an edit (widen, narrow, rename, or move the watch to the other chain's
branch with that chain's film and format); an edit saved while a check runs (from the watch
as read before it, as the edit form does); remove and re-add; a title watch binding (or
rightly not); a restart on the same database file.

Invariants, after every step, per watch and screening (from the store's openings and alerts),
each chain judged on its own:
1. Judged only from an observation: a path that did not see a screening (request failed,
   403, overload, 500, a fast poll that did not read its listing or seat map, an unreadable
   row) neither opens nor closes it; seen but unproven (a MEGABOX row whose count proves
   nothing; a Lotte row, whose count never proves a match; a Lotte map that disagrees with
   its listing, or one that failed) never closes; a paused, waiting or removed watch changes nothing. A failure
   of one chain leaves the other chain's judgements exactly as a normal check's (must-opens
   and must-closes included, and its watches' baselines end).
2. An opening opens only when the reference sees it match (seats, branch, day with
   holidays as weekend days), and must open when the reference sees it match whole (a
   disagreeing Lotte map with enough usable seats included).
3. A close happens only when the reference saw it close, with the same reason: "closed"
   (seats seen gone), "unwatched" only when the watch's own rules changed (and seats still
   as they were when it last matched: "unwatched", never "sold out"; a watch moved to the
   other chain: "unwatched"); never "unwatched" because another path refreshed shared rows.
   (Screenings never start in this world.)
4. An opening is alerted exactly once: one alert for the one target, or (a bound title
   watch's first screenings, which are news) its watch's new-screenings message; a baseline
   opening (new or re-matched watch, or a watch whose last check read a disagreeing Lotte
   map: not seen whole) has no alert; never two open openings for one key; the bot's open
   openings are exactly the reference's.
5. A title watch binds to the film whose whole title matches (NFKC, case, spaces and
   punctuation ignored), never to one that only contains it.
6. A chain that did not fail a check was asked every listing its watches want, whatever the
   other chain did. The status line names exactly the chains that failed (of those the path
   asked; or a listing of unreadable rows only), and warns that seat maps disagree with their
   listing exactly when the path read such a Lotte map.

CI runs a fixed, derandomized budget (100 examples of up to 25 steps). A longer run by hand
(TRUTH_MODEL_STEPS sets the steps):
    TRUTH_MODEL_EXAMPLES=500 uv run pytest tests/test_truth_model.py -q -p no:cacheprovider
tests/test_truth_replays.py replays the sequences this search found, shrunk.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from tests.model.driver import Driver, Observed
from tests.model.reference import (
    BRANCH,
    LOTTE,
    LOTTE_BRANCH,
    MEGABOX,
    MOVIE,
    SEAT_STATES,
    Look,
    Model,
    ModelWatch,
    Rules,
    Violation,
    seat_state,
)

T = TypeVar("T")

EXAMPLES = int(os.environ.get("TRUTH_MODEL_EXAMPLES", "100"))
STEPS = int(os.environ.get("TRUTH_MODEL_STEPS", "25"))

#: The world's screenings: MEGABOX's four (0-3), then Lotte's three (4-6).
LOTTE_SHOWS = st.integers(4, 6)
ALL_SHOWS = st.integers(0, 6)
SLOTS = st.sampled_from(["A", "B", "T"])
RULES = st.builds(
    Rules,
    days=st.sampled_from(["weekend", "all", "sat"]),
    min_seats=st.sampled_from([2, 3, 5]),
    branch=st.sampled_from([BRANCH, BRANCH, "megabox:4651", LOTTE_BRANCH, LOTTE_BRANCH]),
)
#: The original job: weekends (holidays too) at COEX, 3 seats.
ORIGINAL = Rules("weekend", 3, BRANCH)
#: The same job at Lotte's 월드타워 수퍼 4D.
LOTTE_ORIGINAL = Rules("weekend", 3, LOTTE_BRANCH)
#: A failing check: (MEGABOX's failure, Lotte's), one chain or both. "timeout": one request
#: times out and its retry is answered, so that chain saw everything.
FAILURES = st.sampled_from(
    [
        ("403", None),
        ("overload", None),
        ("timeout", None),
        (None, "403"),
        (None, "500"),
        (None, "timeout"),
        (None, "map"),
        ("403", "500"),
        ("overload", "403"),
    ]
)
#: (title typed, the film it must bind to or None): punctuation and spacing do not matter,
#: a title that only appears inside another film's title is not that film.
TITLES = st.sampled_from(
    [
        ("진격의 거인 완결편 더 라스트 어택", MOVIE),
        ("진격의거인: 완결편, 더 라스트어택!", MOVIE),
        ("진격의 거인", None),
    ]
)


class TruthMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.tmp = Path(tempfile.mkdtemp(prefix="truth-model-"))
        self.driver = Driver(self.tmp)
        shows = self.run(self.driver.start())
        self.shows = [s.no for s in shows]
        self.model = Model({s.no: s for s in shows}, {})
        for show in shows:
            self._set_seats(show.no, "wheelchair")
        self.renames = 0

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)

    def teardown(self) -> None:
        try:
            self.run(self.driver.close())
        finally:
            self.loop.close()
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -- watches -------------------------------------------------------------------------

    def _add(self, slot: str, rules: Rules) -> None:
        wid = self.run(self.driver.add_watch(rules.days, rules.min_seats, rules.branch, name=slot))
        self.model.watches[slot] = ModelWatch(slot, wid, rules)

    @initialize(
        rules=st.sampled_from([ORIGINAL, LOTTE_ORIGINAL]) | RULES,
        seats=st.lists(st.sampled_from(sorted(SEAT_STATES)), min_size=7, max_size=7),
        second=st.none() | st.sampled_from([ORIGINAL, LOTTE_ORIGINAL]) | RULES,
        title=st.none() | TITLES,
    )
    def first_watch(
        self,
        rules: Rules,
        seats: list[str],
        second: Rules | None,
        title: tuple[str, str | None] | None,
    ) -> None:
        """The seats as the chains have them when the watches are made (MEGABOX's four
        screenings, then Lotte's three), and the watches."""
        for no, state in zip(self.shows, seats, strict=True):
            self._set_seats(no, state)
        self._add("A", rules)
        if second is not None:
            self._add("B", second)
        if title is not None:
            self.add_title_watch(title)

    @precondition(lambda self: len({"A", "B"} - set(self.model.watches)) > 0)
    @rule(rules=RULES)
    def add_watch(self, rules: Rules) -> None:
        slot = "A" if "A" not in self.model.watches else "B"
        self._add(slot, rules)

    @precondition(lambda self: "T" not in self.model.watches)
    @rule(title=TITLES)
    def add_title_watch_rule(self, title: tuple[str, str | None]) -> None:
        self.add_title_watch(title)

    def add_title_watch(self, title: tuple[str, str | None]) -> None:
        typed, film = title
        rules = Rules("weekend", 3, BRANCH)
        wid = self.run(self.driver.add_title_watch(typed, rules.days, rules.min_seats, "T"))
        self.model.watches["T"] = ModelWatch(
            "T", wid, rules, baseline=False, title=typed, binds_to=film, waiting=True
        )

    @precondition(lambda self: bool(self.model.watches))
    @rule(slot=SLOTS)
    def remove_watch(self, slot: str) -> None:
        if slot not in self.model.watches:
            return
        watch = self.model.watches.pop(slot)
        self.run(self.driver.remove(watch.id))
        self.model.forget(watch.id)

    @precondition(lambda self: bool(self.model.watches))
    @rule(slot=SLOTS)
    def pause_or_resume(self, slot: str) -> None:
        if slot not in self.model.watches:
            return
        watch = self.model.watches[slot]
        watch.paused = not watch.paused
        self.run(self.driver.set_paused(watch.id, watch.paused))

    @precondition(lambda self: bool({"A", "B"} & set(self.model.watches)))
    @rule(slot=st.sampled_from(["A", "B"]), rules=RULES)
    def edit(self, slot: str, rules: Rules) -> None:
        """Widen, narrow or (same rules) rename a watch, as /watch edit does."""
        if slot not in self.model.watches:
            return
        watch = self.model.watches[slot]
        self.renames += 1
        name = f"{slot}-{self.renames}"
        self.run(
            self.driver.edit(
                watch.id, days=rules.days, min_seats=rules.min_seats, branch=rules.branch, name=name
            )
        )
        if rules != watch.rules:
            watch.rules = rules
            watch.baseline = True

    # -- the chains ----------------------------------------------------------------------

    def _set_seats(self, no: str, state: str) -> None:
        seats = seat_state(self.model.shows[no].chain, state)
        self.driver.set_seats(no, seats)
        self.model.seats[no] = seats
        self.model.listed.pop(no, None)  # the listing follows the map again

    @rule(show=ALL_SHOWS, state=st.sampled_from(sorted(SEAT_STATES)))
    def seats_change(self, show: int, state: str) -> None:
        self._set_seats(self.shows[show], state)

    @rule(show=LOTTE_SHOWS, count=st.sampled_from([0, 2, 3, 6, 8]))
    def lotte_listing_stale(self, show: int, count: int) -> None:
        """Lotte's listing says `count` seats remain while its map stays: the map disagrees,
        so it is an estimate (opens, never closes, never sees a watch whole)."""
        no = self.shows[show]
        self.driver.set_listing_count(no, count)
        self.model.listed[no] = count

    @rule(show=ALL_SHOWS)
    def row_unreadable_or_back(self, show: int) -> None:
        no = self.shows[show]
        readable = no in self.model.unreadable
        self.driver.set_readable(no, readable)
        (self.model.unreadable.discard if readable else self.model.unreadable.add)(no)

    # -- paths ---------------------------------------------------------------------------

    def _path(
        self,
        kind: str | dict[str, str],
        action: Coroutine[Any, Any, Observed],
        only: set[int] | None = None,
        optional: set[int] | None = None,
    ) -> None:
        """`kind` per chain ("check", "failed", "poll"), or one for both."""
        kinds = kind if isinstance(kind, dict) else {MEGABOX: kind, LOTTE: kind}
        before = self.run(self.driver.openings())
        observed = self.run(action)
        looks = self.model.looks(observed.listed, observed.maps, observed.failed_maps)
        judgements = self.model.judge(
            kinds,
            looks,
            catalogue_read=observed.catalogue,
            calendar_read=self.model.calendar_read(observed.megabox_listings),
            only=only,
            optional=optional,
        )
        self._check_titles()
        after = self.run(self.driver.openings())
        self.model.settle(kinds, looks, judgements, before, after)
        self._check_report(kinds, observed, looks)

    def _check_report(
        self, kinds: dict[str, str], observed: Observed, looks: dict[str, Look]
    ) -> None:
        """The status line names exactly the chains that failed (of those the path asked; or
        a listing of unreadable rows only), and warns of seat maps that disagree with their listing exactly when it read one."""
        if observed.failing is None:
            return  # no result: the lane did not poll
        readers = {
            w.rules.chain
            for w in self.model.watches.values()
            if not w.paused and not w.waiting and w.id in self.model.judged | self.model.optional
        }
        failed = {c for c, k in kinds.items() if k == "failed"}
        # A listing whose only rows are unreadable is an error of its chain too.
        partial = {self.model.shows[no].chain for no in self.model.unreadable}
        if not observed.failing <= failed | partial or not failed & readers <= observed.failing:
            raise Violation(
                f"the check names {sorted(observed.failing)} as failing; failed: "
                f"{sorted(failed)}, asked: {sorted(readers)}"
            )
        self._check_asked(kinds, observed)
        estimates = any(look.estimate for look in looks.values())
        if observed.disagree_warning != estimates:
            raise Violation(
                f"seat maps disagreeing with their listing: warned={observed.disagree_warning}, "
                f"read one={estimates}"
            )

    def _check_asked(self, kinds: dict[str, str], observed: Observed) -> None:
        """A chain that did not fail a check was asked every listing its judged watches want
        (a failure of the other chain stops only that one); with an unreadable row of the
        chain, its calendar may be unknown and the rest unasked."""
        model = self.model
        for chain, kind in kinds.items():
            shows = [s for s in model.shows.values() if s.chain == chain]
            if kind != "check" or any(s.no in model.unreadable for s in shows):
                continue
            for w in model.watches.values():
                if w.id not in model.judged or w.id in model.optional:
                    continue
                for show in shows:
                    wanted = w.rules.wants(show, model.holidays_known)
                    if wanted is not False and show.day not in observed.listed[chain]:
                        raise Violation(
                            f"{chain} did not fail, yet its listing of {show.day} that watch "
                            f"{w.slot}#{w.id} wants was not read"
                        )

    @rule()
    def scheduled_check(self) -> None:
        self._path("check", self.driver.check())

    def _first_listing(self) -> str | None:
        """The chain whose listing a check asks first (MEGABOX's come first): some watch of
        it is active, or binds in it; None when no listing is asked."""
        readers = {
            w.rules.chain
            for w in self.model.watches.values()
            if not w.paused and (not w.waiting or w.binds_to is not None)
        }
        return next((c for c in (MEGABOX, LOTTE) if c in readers), None)

    @precondition(lambda self: self._first_listing() is not None)
    @rule(slot=SLOTS, rules=st.none() | RULES)
    def edit_during_check(self, slot: str, rules: Rules | None) -> None:
        """An edit (`rules` None or a title watch: a rename) saved while a check runs, from
        the watch as it was read before: the check must not undo it (a binding stays) and
        judges that watch not at all or as usual, never half."""
        watch = self.model.watches.get(slot)
        if watch is None or watch.paused:
            return
        if watch.title is not None:
            rules = None
        self.renames += 1
        name = f"{slot}-{self.renames}"
        new = rules or watch.rules
        hold = self._first_listing()
        assert hold is not None
        action = self.driver.check_while_editing(
            watch.id,
            days=None if rules is None else new.days,
            min_seats=new.min_seats,
            branch=new.branch,
            name=name,
            hold=hold,
        )
        # Its findings are dropped (the watch changed under the check), or, if the edit
        # was refused as stale (made from before the check bound a title watch), kept.
        others = {w.id for w in self.model.watches.values() if w is not watch}
        self._path("check", action, only=others, optional={watch.id})
        if new != watch.rules:
            watch.rules = new
            watch.baseline = True

    @rule(failure=FAILURES)
    def failing_check(self, failure: tuple[str | None, str | None]) -> None:
        """One chain fails, or both: the other is judged exactly as by a normal check. One
        timeout is retried and answered: that chain saw everything."""
        megabox, lotte = failure
        kinds = {
            chain: "check" if mode in (None, "timeout", "map") else "failed"
            for chain, mode in ((MEGABOX, megabox), (LOTTE, lotte))
        }
        self._path(kinds, self.driver.check(megabox, lotte))

    @rule(
        days=st.sets(st.sampled_from(["sat", "mon", "tue"]), min_size=1),
        maps=st.sets(ALL_SHOWS, max_size=3),
        # Often one watch: the lane is opt-in per watch, and a poll for one watch must not
        # change what another watch was told.
        lane=st.sampled_from(["A", "B"]).map(lambda s: {s})
        | st.sets(st.sampled_from(["A", "B", "T"]), min_size=1),
    )
    def fast_poll(self, days: set[str], maps: set[int], lane: set[str]) -> None:
        """A fast poll for the watches in `lane` (those with the fast lane on)."""
        ids = {w.id for slot, w in self.model.watches.items() if slot in lane}
        self._path("poll", self.driver.poll(days, {self.shows[i] for i in maps}, ids), only=ids)

    @rule()
    def lane_tick(self) -> None:
        """The fast lane's own tick: what its planner asks, judged like any fast poll."""
        ids = {w.id for w in self.model.watches.values()}
        self._path("poll", self.driver.lane_tick(), only=ids)

    @rule()
    def restart(self) -> None:
        self.run(self.driver.restart())

    # -- invariants ----------------------------------------------------------------------

    def _check_titles(self) -> None:
        for w in self.model.watches.values():
            if w.title is None:
                continue
            have = self.run(self.driver.movie_of(w.id))
            want = "" if w.waiting else w.binds_to
            if have != want:
                raise Violation(
                    f"title watch {w.title!r}: bound to {have or 'nothing'!r}, the reference "
                    f"says {want or 'keep waiting'!r}"
                )

    @invariant()
    def openings_agree(self) -> None:
        self._check_titles()
        self.model.check_rows(self.run(self.driver.openings()))


TruthMachine.TestCase.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=STEPS,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    # No "explain" phase: it reruns the failing case many times and says little here.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
)
#: Passing, the budget runs in 32-40 s on a quiet 2-core machine with both chains (the
#: MEGABOX-only model took 43 s on the same machine); a failure is then shrunk, which takes
#: minutes.
test_truth_model = pytest.mark.timeout(600)(TruthMachine.TestCase)
