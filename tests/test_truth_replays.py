"""Issue 16's bugs as the model-based test found them (tests/test_truth_model.py), replayed
step by step: each shrunk sequence runs on every test run, whatever the random search
reaches within its CI budget. Same machine, same reference, same invariants.

Issue 19 (two chains): the search found no bug in the bot; the "19-" sequences are what it
found, shrunk, on deliberately broken code (each break named at its case), kept so that
those regressions are caught whatever the search reaches."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.model.reference import BRANCH, LOTTE_BRANCH, MOVIE, Rules
from tests.test_truth_model import ORIGINAL, TruthMachine

Step = Callable[[TruthMachine], object]


def replay(*steps: Step) -> None:
    machine = TruthMachine()
    try:
        for step in steps:
            step(machine)
            machine.openings_agree()
    finally:
        machine.teardown()


SAT_1940, SAT_2220, MON_1940, TUE_1940 = range(4)
#: Lotte's 4관 수퍼 4D: Saturday 12:10 and 14:50, the holiday Monday 14:50.
L_SAT_1210, L_SAT_1450, L_MON_1450 = range(4, 7)


def start(rules: Rules, seats: list[str], second: Rules | None = None) -> Step:
    """MEGABOX's four screenings' seats, then Lotte's (wheelchair seats only if not given)."""
    seats = seats + ["wheelchair"] * (7 - len(seats))
    return lambda m: m.first_watch(rules=rules, seats=seats, second=second, title=None)


CASES: dict[str, tuple[Step, ...]] = {
    # 1. A fast poll (of the Saturday only) knows no holidays: the Monday holiday's alert
    #    closes as "no longer watched".
    "1-holiday-fast-poll": (
        start(ORIGINAL, ["six"] * 4),
        lambda m: m.scheduled_check(),
        lambda m: m.fast_poll(days={"sat"}, maps=set(), lane={"A"}),
    ),
    # 1. A check refused at once (403) reads no calendar: the same.
    "1-holiday-failed-check": (
        start(ORIGINAL, ["six"] * 4),
        lambda m: m.scheduled_check(),
        lambda m: m.failing_check(failure=("403", None)),
    ),
    # 1. A fast poll that reads the holiday's seat map (for another watch) does not open it
    #    for the weekend watch.
    "1-holiday-fast-poll-opens": (
        start(ORIGINAL, ["six"] * 4, second=Rules("all", 2, BRANCH)),
        lambda m: m.fast_poll(days={"sat", "mon"}, maps=set(), lane={"A", "B"}),
    ),
    # 2. An unreadable row closes its opening as sold out.
    "2-unreadable-row": (
        start(Rules("weekend", 2, BRANCH), ["six"] * 4),
        lambda m: m.scheduled_check(),
        lambda m: m.row_unreadable_or_back(show=SAT_1940),
        lambda m: m.scheduled_check(),
    ),
    # 3. A fast poll for another watch refreshes the shared row: the next check says "no
    #    longer watched" to a watch whose seats simply went.
    "3-other-path-refreshed": (
        start(ORIGINAL, ["six", "wheelchair", "wheelchair", "wheelchair"], second=ORIGINAL),
        lambda m: m.scheduled_check(),
        lambda m: m.seats_change(show=SAT_1940, state="two"),
        lambda m: m.fast_poll(days={"sat"}, maps={SAT_1940}, lane={"B"}),
        lambda m: m.scheduled_check(),
    ),
    # 3. Paused while its seats sold: resumed, it is told "no longer watched".
    "3-paused-resumed": (
        start(ORIGINAL, ["six", "wheelchair", "wheelchair", "wheelchair"], second=ORIGINAL),
        lambda m: m.scheduled_check(),
        lambda m: m.pause_or_resume(slot="A"),
        lambda m: m.seats_change(show=SAT_1940, state="two"),
        lambda m: m.scheduled_check(),
        lambda m: m.pause_or_resume(slot="A"),
        lambda m: m.scheduled_check(),
    ),
    # 3. A rename saved during a check drops that check's transitions for the watch, but
    #    the shared row is refreshed: the next check says "no longer watched".
    "3-renamed-during-check": (
        start(ORIGINAL, ["six", "wheelchair", "wheelchair", "wheelchair"]),
        lambda m: m.scheduled_check(),
        lambda m: m.seats_change(show=SAT_1940, state="two"),
        lambda m: m.edit_during_check(slot="A", rules=None),
        lambda m: m.scheduled_check(),
    ),
    # 7. A rename from the form opened before the check that binds the watch: the whole
    #    row is written back and the binding is lost.
    "7-edit-reverts-binding": (
        start(ORIGINAL, ["wheelchair"] * 4),
        lambda m: m.add_title_watch(title=("진격의 거인 완결편 더 라스트 어택", MOVIE)),
        lambda m: m.edit_during_check(slot="T", rules=None),
    ),
    # 4. Titles that differ only in punctuation never bind.
    "4-title-punctuation": (
        start(ORIGINAL, ["wheelchair"] * 4),
        lambda m: m.add_title_watch(title=("진격의거인: 완결편, 더 라스트어택!", MOVIE)),
        lambda m: m.scheduled_check(),
    ),
    # 4. A title found only inside another film's title binds to it.
    "4-title-substring": (
        start(ORIGINAL, ["wheelchair"] * 4),
        lambda m: m.add_title_watch(title=("진격의 거인", None)),
        lambda m: m.scheduled_check(),
    ),
    # 19. Broken: Lotte's listing count settles a watch without its map (registry
    #     count_settles True for Lotte): the lane opens a Lotte screening from its count.
    "19-lotte-count-never-settles": (
        start(Rules("weekend", 2, LOTTE_BRANCH), ["six"] * 7),
        lambda m: m.lane_tick(),
    ),
    # 19. Broken: one chain's failure stops every chain (`_stopped_for` ignores the chain):
    #     MEGABOX refused, Lotte's watch is not checked and Lotte is reported failing.
    "19-one-chain-fails-alone": (
        start(Rules("weekend", 3, LOTTE_BRANCH), ["six"] * 7, second=Rules("weekend", 2, BRANCH)),
        lambda m: m.failing_check(failure=("403", None)),
    ),
    # 19. Broken: a Lotte map that disagrees with its listing is a clean read (count.evaluate
    #     exact=True): a stale listing's map closes an opening as "sold out".
    "19-disagreeing-map-never-closes": (
        start(Rules("weekend", 2, LOTTE_BRANCH), ["six"] * 7),
        lambda m: m.lane_tick(),
        lambda m: m.seats_change(show=L_SAT_1210, state="sold"),
        lambda m: m.add_watch(rules=Rules("weekend", 2, BRANCH)),
        lambda m: m.lotte_listing_stale(show=L_SAT_1210, count=2),
        lambda m: m.lane_tick(),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_replay(case: str) -> None:
    replay(*CASES[case])
