"""bot/checking/cost.py: what watches cost MEGABOX per check, and a member's budget."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from bot.checking.cost import (
    HALLS_ANY_FORMAT,
    LANE_LISTINGS_PER_HOUR,
    LANE_SEAT_MAPS_PER_HOUR,
    NEAR_BOUND_PER_HALL_DAY,
    SCREENINGS_PER_HALL_DAY,
    Cost,
    estimate,
    personal_spend,
    refusal,
    summary,
)
from bot.seats.prefs import RowRule, SeatPrefs
from bot.watches.watch import Days, TimeWindow, Watch

TODAY = date(2026, 12, 3)  # a Thursday: 21 days hold six weekend days (12-05 … 12-20)
HORIZON = 21


def watch(**changes: object) -> Watch:
    base = Watch(
        movie_id="25008000",
        branches=("1351",),
        formats=frozenset({"MX4D"}),
        days=Days.parse("weekend"),
        scope="user",
        owner_id=7,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def cost(*watches: Watch) -> Cost:
    return estimate(watches, TODAY, HORIZON)


def test_the_original_job_costs_a_listing_and_the_seat_maps_near_the_bound_per_day() -> None:
    # N seats anywhere: most screenings are settled by their count (bot/checking/seat_rule.py).
    assert cost(watch()) == Cost(listings=6, seat_maps=6 * NEAR_BOUND_PER_HALL_DAY)
    # Seats together (or rows, centre): every screening may need its map.
    assert cost(watch(together=True)) == Cost(listings=6, seat_maps=6 * SCREENINGS_PER_HALL_DAY)
    rows = watch(prefs=SeatPrefs(rows=RowRule.parse("E-J")))
    assert cost(rows) == cost(watch(together=True))


def test_a_basic_personal_watch_fits_the_default_budget() -> None:
    # One film, one branch, one format, every day: 21 listings and a seat map a day near
    # the bound (it was 21 + 126 = 147 when every screening's map was counted).
    basic = watch(days=Days.parse("all"))
    assert cost(basic) == Cost(listings=21, seat_maps=21)
    assert not personal_spend(basic, [], budget=60, today=TODAY, horizon_days=HORIZON).refused
    together = replace(basic, together=True)
    assert personal_spend(together, [], budget=60, today=TODAY, horizon_days=HORIZON).refused


def test_one_listing_covers_three_branches_of_a_date() -> None:
    three = cost(watch(branches=("1351", "4651", "0052")))
    four = cost(watch(branches=("1351", "4651", "0052", "1372")))
    assert three.listings == cost(watch()).listings
    assert four.listings == 2 * three.listings
    assert four.seat_maps == 4 * cost(watch()).seat_maps


def test_watches_wanting_the_same_share_listings_and_seat_maps() -> None:
    one = cost(watch())
    assert cost(watch(), watch(min_seats=1)) == one
    assert cost(watch(together=True), watch(min_seats=1, together=True)) == cost(
        watch(together=True)
    )
    # Another branch on the same dates: its listing rides along (up to three branches).
    both = cost(watch(), watch(branches=("4651",)))
    assert both.listings == one.listings
    assert both.seat_maps == 2 * one.seat_maps


def test_any_format_counts_several_halls_and_a_window_fewer_screenings() -> None:
    assert cost(watch(formats=frozenset())).seat_maps == HALLS_ANY_FORMAT * cost(watch()).seat_maps
    placed = watch(together=True)
    evening = cost(replace(placed, window=TimeWindow.parse("18:00-23:00")))
    assert evening.listings == cost(placed).listings
    assert 0 < evening.seat_maps < cost(placed).seat_maps
    one_start = cost(replace(placed, window=TimeWindow.parse("19:40-19:40")))
    assert one_start.seat_maps == 6  # one screening a weekend day


def test_more_days_cost_more_and_dates_past_the_horizon_nothing() -> None:
    assert cost(watch(days=Days.parse("all"))).total > cost(watch()).total
    assert cost(watch(days=Days.parse("sat"))).total < cost(watch()).total
    assert cost(watch(days=Days.parse("2027-06-01"))) == Cost()


def test_a_member_over_budget_is_refused_with_what_it_costs_and_what_is_left() -> None:
    mine = [watch(id=1)]
    wide = watch(branches=("1351", "4651"), formats=frozenset(), together=True)
    spend = personal_spend(wide, mine, budget=60, today=TODAY, horizon_days=HORIZON)
    assert spend.refused
    assert spend.others == cost(watch())
    assert spend.left == 60 - cost(watch()).total
    text = refusal(spend, wide)
    assert f"about {cost(wide).total} requests per check" in text
    assert f"leaves {spend.left}" in text
    assert "fewer branches" in text and "start-time window" in text and "one format" in text
    assert "Nothing was saved" in text


def test_within_budget_is_accepted_and_the_confirmation_says_so() -> None:
    spend = personal_spend(watch(), [], budget=60, today=TODAY, horizon_days=HORIZON)
    assert not spend.refused
    text = summary(spend.watch, spend)
    assert f"costs about {cost(watch()).total} requests per check" in text
    assert f"about {cost(watch()).total} of your 60" in text


def test_an_edit_replaces_the_watch_and_narrowing_is_allowed_over_budget() -> None:
    stored = watch(id=1, branches=("1351", "4651"))
    # Over a (since lowered) budget already: narrowing is fine, widening is not.
    narrower = personal_spend(
        replace(stored, branches=("1351",)), [stored], budget=10, today=TODAY, horizon_days=21
    )
    assert narrower.others == Cost()
    assert not narrower.refused
    wider = personal_spend(
        replace(stored, formats=frozenset()), [stored], budget=10, today=TODAY, horizon_days=21
    )
    assert wider.refused


def test_a_first_watch_over_budget_is_told_the_budget_alone() -> None:
    wide = watch(branches=("1351", "4651", "0052", "1372"), formats=frozenset())
    spend = personal_spend(wide, [], budget=60, today=TODAY, horizon_days=HORIZON)
    assert spend.refused and spend.left == 60
    text = refusal(spend, wide)
    assert "may use 60 requests per check together" in text
    assert "your others" not in text and "another of your personal watches" not in text


def test_a_personal_fast_lane_watch_counts_its_hour_of_polls_in_the_budget() -> None:
    weekend = watch(fast_lane=True)
    lane = 6 * LANE_LISTINGS_PER_HOUR + 6 * NEAR_BOUND_PER_HALL_DAY * LANE_SEAT_MAPS_PER_HOUR
    assert cost(weekend) == Cost(listings=6, seat_maps=6, lane=lane)
    assert cost(weekend).total == 12 + lane
    spend = personal_spend(weekend, [], budget=60, today=TODAY, horizon_days=HORIZON)
    assert not spend.refused
    assert f"plus about {lane} an hour in the fast lane" in summary(spend.watch, spend)
    # Every day in the lane is too much for one member; the refusal says what to drop.
    daily = watch(fast_lane=True, days=Days.parse("all"))
    spend = personal_spend(daily, [], budget=60, today=TODAY, horizon_days=HORIZON)
    assert spend.refused
    assert "the fast lane off" in refusal(spend, daily)
    assert not personal_spend(
        replace(daily, fast_lane=False), [], budget=60, today=TODAY, horizon_days=HORIZON
    ).refused
