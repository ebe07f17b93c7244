"""The provider seam: what every cinema chain gives the bot, as chain-neutral values.

A chain (`bot/chains/megabox/`, `bot/chains/lotte/`) turns its own answers into these values
and nothing above `bot/chains` knows more of it than its name. Identities are namespaced by
chain wherever they leave a chain ("megabox:24121100372", "lotte:1016-1204-2026-12-13-3",
branches "megabox:1372", films "lotte:24128"): a Lotte and a MEGABOX number can never
collide in the store, a button or a cache. Only a chain's own client reads the part after
the colon.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

KST = ZoneInfo("Asia/Seoul")

MEGABOX = "megabox"
LOTTE = "lotte"
#: Every chain the bot speaks to, in the order lists show them.
CHAINS = (MEGABOX, LOTTE)


# -- identities ---------------------------------------------------------------------------


def qualify(chain: str, native: str) -> str:
    """A chain's own code as the bot stores it: `megabox:1372`."""
    return f"{chain}:{native}"


def chain_of(ref: str) -> str:
    """The chain of a stored identity. Identities stored before there were two chains (and
    buttons posted then) carry no prefix: they are MEGABOX's."""
    head, sep, _ = ref.partition(":")
    return head if sep and head in CHAINS else MEGABOX


def native(ref: str) -> str:
    """The chain's own code inside an identity (the identity itself when unprefixed)."""
    head, sep, rest = ref.partition(":")
    return rest if sep and head in CHAINS else ref


def qualified(ref: str) -> str:
    """An identity with its chain prefix (old MEGABOX ones gain `megabox:`)."""
    return qualify(chain_of(ref), native(ref))


# -- numbers as the chains write them ------------------------------------------------------


def whole_number(value: Any) -> int | None:
    """An integer however it came ("144", 144, 144.0); None when it is not one (a bool, a
    fraction, text, nothing): each caller says what that means for its field."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def real_number(value: Any) -> float | None:
    """A number however it came ("1509.5", 1509); None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


# -- time ---------------------------------------------------------------------------------


def parse_clock(text: str) -> tuple[int, int]:
    """ "19:40", "1940" or "25:47" → (hours, minutes); hours may pass 24 (next day)."""
    digits = text.strip().replace(":", "")
    if not (3 <= len(digits) <= 4 and digits.isdigit()):
        raise ValueError(f"not a time: {text!r}")
    hours, minutes = int(digits[:-2]), int(digits[-2:])
    if hours > 47 or minutes > 59:
        raise ValueError(f"not a time: {text!r}")
    return hours, minutes


def at_clock(day: date, clock: str) -> datetime:
    """The KST moment of `clock` on `day`, rolling past midnight for "24:44"-style times."""
    hours, minutes = parse_clock(clock)
    base = datetime.combine(day, time(0, 0), tzinfo=KST)
    return base + timedelta(hours=hours, minutes=minutes)


# -- listings -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Screening:
    """One screening as listed: a chain's row (or rows: Lotte's seat zones) made neutral."""

    screening_id: str  # qualified
    play_date: date
    start_clock: str  # "HH:MM", may pass 24:00
    end_clock: str
    branch_id: str  # qualified
    branch_name: str = ""
    hall_id: str = ""  # the chain's own hall code, unique within its branch
    hall_name: str = ""
    #: The chain's format name ("MX4D", "SUPER4D", "DBC"…); None: the row did not say.
    format_code: str | None = None
    total_seats: int | None = None
    #: Seats still free as the listing counts them (wheelchair seats included).
    free_seats: int
    movie_id: str  # qualified
    #: The film this row is a version of (an event showing, a dub), qualified; None: itself.
    movie_group: str | None = None
    movie_name: str = ""
    #: Seats can be bought online now (not closed, not sold out, not "listed, not on sale").
    bookable: bool = True

    @property
    def chain(self) -> str:
        return chain_of(self.screening_id)

    @property
    def start(self) -> datetime:
        return at_clock(self.play_date, self.start_clock)

    @property
    def end(self) -> datetime:
        return at_clock(self.play_date, self.end_clock)

    def matches_movie(self, movie_id: str) -> bool:
        """Event showings and versions share the representative film."""
        return movie_id in (self.movie_id, self.movie_group)


@dataclass(frozen=True, slots=True)
class OpenDay:
    """One date of a chain's calendar: screenings on sale, and whether it is a public
    holiday (None: the chain does not say)."""

    play_date: date
    open: bool
    holiday: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SkippedRow:
    """An entry of an answer that could not be read: skipped, with what little is known, so
    one odd row does not cost the whole listing (the check reports it as not checked)."""

    kind: str  # "screening" | "branch"
    reason: str
    branch_id: str | None = None  # qualified
    play_date: date | None = None
    movie_id: str | None = None  # qualified


@dataclass(frozen=True, slots=True, kw_only=True)
class Listing:
    """What one listing request gave: the screenings of some branches on one date, the
    chain's calendar of open dates, and the rows that could not be read."""

    screenings: tuple[Screening, ...]
    calendar: tuple[OpenDay, ...] = ()
    skipped: tuple[SkippedRow, ...] = ()
    branches: tuple[Branch, ...] = ()


# -- catalogue ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Branch:
    branch_id: str  # qualified
    branch_name: str
    branch_name_en: str | None = None
    region: str = ""  # the chain's region code
    region_name: str = ""
    bookable: bool = True

    @property
    def chain(self) -> str:
        return chain_of(self.branch_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class Film:
    movie_id: str  # qualified
    movie_group: str | None = None  # qualified
    movie_name: str
    movie_name_en: str | None = None
    release: str | None = None  # "YYYYMMDD" or "YYYY-MM-DD" as the chain says
    minutes: int | None = None
    rating: str | None = None
    #: Bookable online now; upcoming films are listed before they are. None: not said.
    on_sale: bool | None = None
    #: The chain's motion-seat format shows it (MEGABOX's MX4D, Lotte's 수퍼 4D); None: unknown.
    motion_seats: bool | None = None

    @property
    def chain(self) -> str:
        return chain_of(self.movie_id)


# -- seats --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Seat:
    """One seat as drawn and judged. Positions are in seat widths, the screen at small y.
    Seats sit together when they share `row` and `grp` and their `seq` follow each other; a
    chain without such groups leaves them None and x positions decide (bot/seats/layout.py)."""

    row: str
    label: str  # what people read: "F7"
    x: float  # left edge
    y: float  # row position
    w: float  # width (>1 for wide seats)
    free: bool  # can be bought now (a chain decides: MEGABOX's GERN_SELL, Lotte's status 0)
    wheelchair: bool  # never usable by a watch
    grp: int | None = None
    seq: int | None = None

    @property
    def usable(self) -> bool:
        return self.free and not self.wheelchair

    @property
    def centre(self) -> float:
        return self.x + self.w / 2


#: Seats are immutable and a hall's seats repeat in every screening of it (only `free`
#: changes), so maps and layouts share their seat objects: a check holds hundreds of them,
#: and 200 seats each as separate objects were most of its memory (issue 17). Bounded: it is
#: emptied when it grows past this many seats.
_SHARED: dict[tuple[object, ...], Seat] = {}
_SHARED_MAX = 10_000


def shared_seat(
    row: str,
    label: str,
    x: float,
    y: float,
    w: float,
    free: bool,
    wheelchair: bool,
    grp: int | None = None,
    seq: int | None = None,
) -> Seat:
    """The one `Seat` object with these values."""
    key = (row, label, x, y, w, free, wheelchair, grp, seq)
    seat = _SHARED.get(key)
    if seat is None:
        if len(_SHARED) >= _SHARED_MAX:
            _SHARED.clear()
        seat = _SHARED[key] = Seat(row, label, x, y, w, free, wheelchair, grp, seq)
    return seat


@dataclass(frozen=True, slots=True, kw_only=True)
class SeatMap:
    """One screening's seats as read."""

    screening_id: str  # qualified
    seats: tuple[Seat, ...]  # the seats the chain draws
    #: Seats the listing's free count may include that no watch can count on: MEGABOX's seats
    #: not drawn, Lotte's couple seats (sold as a pair). The count rule subtracts them.
    uncounted: int = 0
    #: The chain's own cross-check failed (Lotte: free seats in the map ≠ the listing's
    #: count): what to tell the status channel. The map is then an estimate, never a clean read.
    disagreement: str | None = None


# -- errors -------------------------------------------------------------------------------


class ChainError(Exception):
    """A chain did not give a usable answer. None of these may ever be read as "no seats"."""

    kind = "error"
    #: Worth retrying soon (overload, 5xx, timeouts); a rejected request is not.
    transient = True
    #: Asking the same chain again in this check would only make it worse.
    stops_a_check = False

    def __init__(self, message: str, *, endpoint: str = "", chain: str = "") -> None:
        super().__init__(message)
        self.endpoint = endpoint
        self.chain = chain

    def describe(self) -> str:
        where = f" ({self.endpoint})" if self.endpoint else ""
        who = f"{self.chain} " if self.chain else ""
        return f"{who}{self.kind}{where}: {self}"


class Overloaded(ChainError):
    """The chain says it is overloaded (MEGABOX's plain-text "Workload is so high")."""

    kind = "overloaded"
    stops_a_check = True


class Rejected(ChainError):
    """The chain refused the request's parameters."""

    kind = "rejected"
    transient = False


class Blocked(ChainError):
    """HTTP 403: judged a bot. Retrying at once only makes it worse."""

    kind = "blocked"
    transient = False
    stops_a_check = True


class RateLimited(ChainError):
    """HTTP 429."""

    kind = "rate-limited"
    stops_a_check = True

    def __init__(
        self,
        message: str,
        *,
        endpoint: str = "",
        chain: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, endpoint=endpoint, chain=chain)
        self.retry_after = retry_after


class ServerError(ChainError):
    """HTTP 5xx."""

    kind = "server-error"


class Timeout(ChainError):
    """No answer (or a broken connection) within the configured time."""

    kind = "timeout"


class BadShape(ChainError):
    """An answer we cannot read: HTML, truncated JSON, missing keys, wrong types, or an
    empty answer where the chain must have listed something."""

    kind = "unexpected-response"
    transient = False


class Unreachable(ChainError):
    """The connection failed (DNS, refused, reset) before any answer."""

    kind = "unreachable"


# -- the provider -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RequestShape:
    """How a chain's listing request is cut: the planner batches by it, the cost model
    counts by it."""

    #: Branches one listing request can cover (MEGABOX 3, Lotte 1).
    branches_per_listing: int
    #: Films one request can filter on; None: a request lists every film.
    movies_per_listing: int | None


class Chain(Protocol):
    """One cinema chain, as the rest of the bot sees it."""

    @property
    def name(self) -> str: ...

    @property
    def shape(self) -> RequestShape: ...

    @property
    def requests_made(self) -> int:
        """Requests sent so far (retries and fallbacks included): budgets are counted in it."""
        ...

    async def listing(
        self, day: date, branches: Sequence[str], movies: Sequence[str] = ()
    ) -> Listing:
        """The screenings of `branches` (qualified, at most `shape.branches_per_listing`) on
        `day`, for `movies` (qualified; empty: every film) where the chain can filter, with
        the chain's calendar. Raises ChainError; a silent empty answer is an error."""
        ...

    async def seat_map(self, screening: Screening) -> SeatMap: ...

    async def films(self, *, upcoming: bool = False) -> list[Film]:
        """Films on sale (or with `upcoming`, announced ones), the whole list."""
        ...

    async def branches(self, today: date) -> list[Branch]: ...

    @property
    def links_to_screening(self) -> bool:
        """`booking_link` opens the screening itself (MEGABOX); False: only the film's
        booking page (Lotte), so an alert says which branch, date and time to pick."""
        ...

    def booking_link(self, screening: Screening) -> str:
        """Where a member books this screening (as close to it as the chain allows)."""
        ...

    def film_link(self, movie_id: str, name: str = "") -> str:
        """The chain's booking page for a film."""
        ...

    async def close(self) -> None: ...
