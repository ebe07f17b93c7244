"""What watches cost MEGABOX per check, and one member's budget for their personal watches.

A watch count alone does not bound the load: ten personal watches of ten branches in any
format cost hundreds of seat maps (and DMs) at every check. So a member's personal watches
share a budget in requests (`PERSONAL_REQUESTS_PER_CHECK`); server watches are governed by
the members with Manage Server and the 25-watch limit.

The figures are upper estimates, made before any request:

- **Listings**: one `selectBokdList` request covers one date and up to three branches
  (planner.py), so per wanted date within the horizon ceil(branches / 3). A check shares
  listings between all watches, so a watch's own figure is the most it adds; only dates
  MEGABOX lists as open are asked for, which are usually fewer.
- **Seat maps** follow the count rule (bot/checking/seat_rule.py): a watch that cares where the
  seats are (together, rows, centre) needs the map of every screening whose free count could
  satisfy it; which ones that will be is unknown in advance, so we assume every screening
  may: per wanted date and branch, halls × screenings per hall. A watch that asks for N
  seats anywhere needs a map only where the count cannot settle it: near the bound, where
  `restSeatCnt` is at least N but within the hall's wheelchair and hidden seats of it (a
  screening selling out or coming back), and a hall's first read: we count
  `NEAR_BOUND_PER_HALL_DAY` of those per hall and date. A named format is one hall (MEGABOX's
  special formats are one hall per branch); any format is `HALLS_ANY_FORMAT` halls. A hall
  starts a screening about every `MINUTES_PER_SCREENING`, at most `SCREENINGS_PER_HALL_DAY`
  a day, so a start-time window lowers the count.

- **The fast lane**: a watch with it on is also polled between checks (bot/checking/fast_lane.py), at
  its regular pace a listing every `listing_every` and a standing seat map every
  `seat_map_every`: its listings and seat maps above, that many times an hour. Faster paces
  (a sold-out screening every 2 min) are stretched to fit the lane's shared budget
  (`FAST_LANE_REQUESTS_PER_HOUR`). These count in a member's budget like a check an hour.

Holidays that MEGABOX adds to a weekend watch are not counted (they are few and unknown in
advance).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.chains import registry
from bot.chains.base import chain_of
from bot.checking.fast_lane import LanePolicy
from bot.checking.seat_rule import placed
from bot.i18n import _, ngettext
from bot.watches.watch import TimeWindow, Watch

#: COEX's MX4D hall shows the 144-minute film six times on Sat 2026-12-05, every 160 minutes
#: from 09:00 to 22:20 (tests/fixtures/README.md).
SCREENINGS_PER_HALL_DAY = 6
MINUTES_PER_SCREENING = 160
#: Halls one film plays in at a branch in any format (COEX: MX4D, recliner, LED).
HALLS_ANY_FORMAT = 3
#: Screenings a hall a day whose count cannot settle a watch of N seats anywhere: the one
#: selling out (or coming back) through the band of its wheelchair and hidden seats.
NEAR_BOUND_PER_HALL_DAY = 1


_LANE = LanePolicy(requests_per_hour=1)
#: Fast-lane polls an hour of a listing, and of a seat map, at the lane's regular pace.
LANE_LISTINGS_PER_HOUR = round(timedelta(hours=1) / _LANE.listing_every)
LANE_SEAT_MAPS_PER_HOUR = round(timedelta(hours=1) / _LANE.seat_map_every)


@dataclass(frozen=True, slots=True)
class Cost:
    """MEGABOX requests per check, and an hour's of the fast lane for watches in it."""

    listings: int = 0
    seat_maps: int = 0
    lane: int = 0  # fast-lane requests an hour

    @property
    def per_check(self) -> int:
        return self.listings + self.seat_maps

    @property
    def total(self) -> int:
        """What counts against a budget: a check plus an hour of the fast lane."""
        return self.per_check + self.lane

    def describe(self) -> str:
        text = _("about {n} requests per check ({listings} and about {seat_maps})").format(
            n=self.per_check,
            listings=ngettext("{n} listing", "{n} listings", self.listings).format(n=self.listings),
            seat_maps=ngettext("{n} seat map", "{n} seat maps", self.seat_maps).format(
                n=self.seat_maps
            ),
        )
        if self.lane:
            text += _(" plus about {n} an hour in the fast lane").format(n=self.lane)
        return text


def estimate(watches: Iterable[Watch], today: date, horizon_days: int) -> Cost:
    """What checking these watches together costs, shared as one check shares it, and an
    hour of the fast lane for those in it."""
    watches = list(watches)
    check = _check(watches, today, horizon_days)
    fast = [w for w in watches if w.fast_lane]
    lane = _check(fast, today, horizon_days) if fast else Cost()
    return Cost(
        check.listings,
        check.seat_maps,
        lane.listings * LANE_LISTINGS_PER_HOUR + lane.seat_maps * LANE_SEAT_MAPS_PER_HOUR,
    )


def _check(watches: Iterable[Watch], today: date, horizon_days: int) -> Cost:
    """One check's listings and seat maps for these watches."""
    # Per date and chain: each chain's request covers as many branches as its shape allows.
    branches_by_date: dict[tuple[date, str], set[str]] = defaultdict(set)
    wanting: dict[tuple[date, str, str], list[Watch]] = defaultdict(list)
    for watch in watches:
        for day in watch.days.candidate_dates(today, horizon_days):
            for branch in watch.branches:
                branches_by_date[(day, chain_of(branch))].add(branch)
                wanting[(day, branch, watch.movie_id)].append(watch)
    listings = sum(
        math.ceil(len(b) / registry.info(chain).shape.branches_per_listing)
        for (_day, chain), b in branches_by_date.items()
    )
    return Cost(listings, sum(_seat_maps(ws) for ws in wanting.values()))


def _seat_maps(watches: Sequence[Watch]) -> int:
    """Seat maps for one film at one branch on one date, for the watches that want it."""
    formats = frozenset().union(*(w.formats for w in watches))
    if any(not w.formats for w in watches):
        halls = max(HALLS_ANY_FORMAT, len(formats))
    else:
        halls = len(formats)
    per_hall = min(SCREENINGS_PER_HALL_DAY, sum(_screenings_per_hall(w.window) for w in watches))
    # Only where the chain lets its count settle a watch (not Lotte: every map is its check).
    if not any(placed(w) for w in watches) and registry.info(watches[0].chain).count_settles:
        per_hall = min(per_hall, NEAR_BOUND_PER_HALL_DAY)  # the rest settle from their count
    return halls * per_hall


def _screenings_per_hall(window: TimeWindow | None) -> int:
    if window is None:
        return SCREENINGS_PER_HALL_DAY
    start = window.start.hour * 60 + window.start.minute
    span = max(0, window.end_minutes - start)
    return min(SCREENINGS_PER_HALL_DAY, span // MINUTES_PER_SCREENING + 1)


@dataclass(frozen=True, slots=True)
class Spend:
    """A member's personal watches before and after adding or editing one, and their budget."""

    watch: Cost  # the new or edited watch alone
    others: Cost  # the member's other personal watches
    before: Cost  # all their personal watches as stored
    after: Cost  # all of them with the change
    budget: int

    @property
    def refused(self) -> bool:
        # Narrowing is always allowed, also for someone a lowered budget left above it.
        return self.after.total > self.budget and self.after.total > self.before.total

    @property
    def left(self) -> int:
        """What the other personal watches leave of the budget."""
        return max(0, self.budget - self.others.total)


def personal_spend(
    watch: Watch, mine: Sequence[Watch], *, budget: int, today: date, horizon_days: int
) -> Spend:
    """`mine`: the member's personal watches as stored (paused ones too: resuming one is not
    checked again). `watch` replaces the stored one with its id, or is new."""
    others = [w for w in mine if w.id != watch.id]
    return Spend(
        watch=estimate([watch], today, horizon_days),
        others=estimate(others, today, horizon_days),
        before=estimate(mine, today, horizon_days),
        after=estimate([*others, watch], today, horizon_days),
        budget=budget,
    )


def refusal(spend: Spend, watch: Watch) -> str:
    """Why a personal watch was refused, what is left, and how to narrow it."""
    tips: list[str] = []
    if len(watch.branches) > 1:
        tips.append(_("fewer branches"))
    if watch.window is None:
        tips.append(_("a start-time window (`times: 18:00-23:00`)"))
    if not watch.formats:
        tips.append(_("one format instead of any (`format: MX4D`)"))
    if watch.fast_lane:
        tips.append(_("the fast lane off (`fast_lane: False`)"))
    tips.append(_("fewer days (`days: sat`, or dates like 2026-12-05)"))
    if spend.others.total:
        tips.append(_("removing or narrowing another of your personal watches (`/watch list`)"))
    share = _(
        "Your personal watches may use {n} requests per check together (an hour of the fast "
        "lane counts like a check)"
    ).format(n=spend.budget)
    if spend.others.total:
        share += _("; your others use about {n}, which leaves {left}").format(
            n=spend.others.total, left=spend.left
        )
    return _(
        "That personal watch would cost {cost}. {share}. Nothing was saved. To make it fit, "
        "try {tips}."
    ).format(cost=spend.watch.describe(), share=share, tips=_or_list(tips))


def summary(cost: Cost, spend: Spend | None = None) -> str:
    """The cost line of a watch's confirmation, with the member's budget for a personal one."""
    text = _("This watch costs {cost}.").format(cost=cost.describe())
    if spend is not None:
        if spend.after.lane:
            together = _(
                "Your personal watches together: about {n} of your {budget} per check and "
                "fast-lane hour."
            )
        else:
            together = _("Your personal watches together: about {n} of your {budget} per check.")
        text += " " + together.format(n=spend.after.total, budget=spend.budget)
    return text


def _or_list(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return _("{items} or {last}").format(items=", ".join(items[:-1]), last=items[-1])
