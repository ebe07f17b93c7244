"""Seat preferences inside the check (real checker, real store, fake MEGABOX): the opening
state machine is unchanged; only what "matching" means is."""

from __future__ import annotations

from dataclasses import replace

from bot.openings import Change
from bot.seat_prefs import RowRule, SeatPrefs
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
    assert [(o.screening.play_schdl_no, o.count.best_row) for o in first.openings] == [
        (COEX_MX4D_1940, "G")
    ]
    # Row G sells; more seats free up, but in the front rows: the hall has more than before.
    world.megabox.set_free_seats(COEX_MX4D_1940, ["A1", "A2", "A3", "B1", "B2"])
    world.clock.advance(hours=1)
    result = await world.checker.run()
    assert [(t.key[1], t.change) for t in result.transitions] == [(COEX_MX4D_1940, Change.CLOSED)]
    (miss,) = [s for s in result.screenings if s.screening.play_schdl_no == COEX_MX4D_1940]
    assert miss.reasons == ("5 free, none in rows E–J",)


async def test_a_narrower_row_preference_closes_as_no_longer_watched(world: World) -> None:
    watch = await world.add(original_watch(prefs=SeatPrefs(RowRule.parse("E-J"))))
    await _open_in_row_g(world)
    await world.checker.run()
    await world.store.update_watch(
        replace(watch, prefs=SeatPrefs(RowRule.parse("A-C"))), now=world.clock()
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
    (seen,) = [s for s in result.screenings if s.screening.play_schdl_no == COEX_MX4D_1940]
    assert seen.reasons == ("estimate: seat positions unknown",)
