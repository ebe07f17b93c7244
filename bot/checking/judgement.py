"""The one judgement of an opening: its transition from what a path actually saw.

Every path (a scheduled check, `/check`, a fast poll, a failed or partial check, a check
after an edit, a pause or a binding) decides an opening here and nowhere else, from:
- the watch at the revision that path read;
- what that path saw of the screening (`Sighting`): its row with the seats as read, its
  listing read whole without it, a part it could not read, or nothing at all;
- the facts the watch needs that do not come from seats: the screening's place (stored
  facts that never change for one screening) and MEGABOX's holiday flag for its date
  (persisted from every calendar read; None while no path has read it);
- the opening's own record: open or closed, and the seats as they were when it last matched.

"Nothing seen" and "seen but unreadable" never open or close. A close says why; "no longer
watched" is only for a watch whose own matching changed (it does not want the place, or it
would not match the very seats it last matched).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.seats.count import SeatCount
from bot.seats.prefs import Judgement, judge
from bot.watches.openings import Change, OpeningState
from bot.watches.watch import Place, Watch


class Sight(StrEnum):
    NOTHING = "nothing"  # not looked at: a failed or unasked request, a deferred seat map
    UNREADABLE = "unreadable"  # looked at, but its part of the answer could not be read
    GONE = "gone"  # its listing was read whole and it is not in it
    SEEN = "seen"  # its row was read, with the seats below


@dataclass(frozen=True, slots=True)
class Sighting:
    sight: Sight
    #: SEEN: the seats as read (an estimate when the seat map failed, or settled by the count
    #: alone, seat_rule.from_count); None when no map was needed because the listing's count
    #: is below what the watch asks.
    count: SeatCount | None = None


NOT_SEEN = Sighting(Sight.NOTHING)


def verdict(watch: Watch, count: SeatCount | None) -> Judgement | None:
    """Whether these seats satisfy the watch (its N, together, seat preferences); None when
    there are no seats to judge (the count alone is below N)."""
    if count is None:
        return None
    return judge(count, watch.prefs, watch.min_seats, watch.together)


def decide(
    watch: Watch,
    place: Place,
    sighting: Sighting,
    *,
    state: OpeningState | None,
    holiday: bool | None,
    baseline: bool,
    now: datetime,
    damping: timedelta,
) -> Change | None:
    """The transition of one (watch, screening) opening, or None to leave it as it is."""
    wanted = watch.wants_place(place, holiday)
    seats = verdict(watch, sighting.count) if sighting.sight is Sight.SEEN else None
    matches = wanted is True and seats is not None and seats.matches
    if state is None or not state.open:
        if not matches or place.start <= now:
            return None
        if baseline:
            return Change.BASELINE
        if state is not None and state.closed_at is not None and now - state.closed_at < damping:
            return Change.REVIVED
        return Change.OPENED
    if place.start <= now:
        return Change.STARTED
    if wanted is False:
        return Change.UNWATCHED
    if wanted is None or matches:
        return None  # only an unknown holiday flag could tell; or still open
    if sighting.sight is Sight.GONE:
        return Change.CLOSED
    if sighting.sight is not Sight.SEEN:
        return None  # nothing seen, or seen but unreadable: never a close
    if sighting.count is not None and not sighting.count.settled:
        return None  # an estimate cannot prove that seats went away
    before = verdict(watch, state.matched)
    if before is not None and not before.matches:
        return Change.UNWATCHED  # the seats it last matched would not match it now
    return Change.CLOSED
