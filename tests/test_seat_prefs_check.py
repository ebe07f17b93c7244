"""Seat preferences inside the check (real checker, real store, fake MEGABOX): the opening
state machine is unchanged; only what "matching" means is."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.config import ConfigError, load_settings
from bot.seats.prefs import RowRule, SeatPrefs
from bot.watches.openings import Change
from tests.conftest import COEX_MX4D_1940, COEX_MX4D_2220, World, original_watch


async def _open_in_row_g(world: World) -> None:
    world.megabox.set_free_seats(COEX_MX4D_1940, ["G6", "G7", "G8"])
    world.megabox.sell_out(COEX_MX4D_2220)


async def test_seats_leaving_the_preferred_rows_close_as_sold_out_not_unwatched(
    world: World,
) -> None:
    await world.add(original_watch(prefs=SeatPrefs(RowRule.parse("E-J")), together=True))
    await _open_in_row_g(world)
    first = await world.checker.run()
    assert [(o.screening.screening_id, o.count.best_row) for o in first.openings] == [
        (COEX_MX4D_1940, "G")
    ]
    # Row G sells; more seats free up, but in the front rows: the hall has more than before.
    world.megabox.set_free_seats(COEX_MX4D_1940, ["A1", "A2", "A3", "B1", "B2"])
    world.clock.advance(hours=1)
    result = await world.checker.run()
    assert [(t.key[1], t.change) for t in result.transitions] == [(COEX_MX4D_1940, Change.CLOSED)]
    (miss,) = [s for s in result.screenings if s.screening.screening_id == COEX_MX4D_1940]
    assert miss.reasons == ("5 free, none in rows E–J",)


async def test_a_narrower_row_preference_closes_as_no_longer_watched(world: World) -> None:
    watch = await world.add(original_watch(prefs=SeatPrefs(RowRule.parse("E-J"))))
    await _open_in_row_g(world)
    await world.checker.run()
    await world.store.update_watch(
        watch, replace(watch, prefs=SeatPrefs(RowRule.parse("A-C"))), now=world.clock()
    )
    world.clock.advance(hours=1)
    result = await world.checker.run()
    assert [(t.key[1], t.change) for t in result.transitions] == [
        (COEX_MX4D_1940, Change.UNWATCHED)
    ]


async def test_an_estimate_never_satisfies_a_row_preference(world: World) -> None:
    await world.add(original_watch(prefs=SeatPrefs(RowRule.parse("E-J"))))
    await _open_in_row_g(world)
    world.megabox.fail_always("seats", "500")
    result = await world.checker.run()
    assert result.openings == ()
    (seen,) = [s for s in result.screenings if s.screening.screening_id == COEX_MX4D_1940]
    assert seen.reasons == ("estimate: seat positions unknown",)


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("WATCH_ROWS", "E-5", "E-J"),
        ("WATCH_CENTRE", "left", "prefer"),
        ("WATCH_REMIND", "2d", "1h"),
    ],
)
def test_env_preferences_are_refused_with_one_line_naming_the_variable(
    variable: str, value: str, says: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None, **{variable.lower(): value})
    line = str(caught.value)
    assert line.startswith(f"{variable}: ") and says in line and "\n" not in line


def test_env_preferences_make_the_default_watch() -> None:
    settings = load_settings(
        _env_file=None, watch_movie_no="25008000", watch_branches="1351",
        watch_rows="not A-C", watch_centre="require", watch_remind="90",
    )  # fmt: skip
    watch = settings.default_watch()
    assert watch is not None
    assert watch.prefs == SeatPrefs(RowRule.parse("not A-C"), "require")
    assert watch.remind == timedelta(minutes=90)
