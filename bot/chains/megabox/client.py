"""The only place that talks HTTP to MEGABOX: one polite session, typed rows or typed errors."""

from __future__ import annotations

import codecs
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import aiohttp
import msgspec

from bot.chains.base import (
    MEGABOX,
    BadShape,
    Blocked,
    Branch,
    ChainError,
    Film,
    Listing,
    Overloaded,
    RateLimited,
    Rejected,
    Screening,
    SeatMap,
    ServerError,
    SkippedRow,
    native,
)
from bot.chains.http import BROWSER_USER_AGENT, HttpOptions, PoliteClient, PoliteSession
from bot.chains.megabox import site
from bot.chains.megabox.models import (
    SEAT_ANSWER,
    BadRow,
    Seat,
    SeatAnswer,
    read_branch,
    read_day,
    read_film,
    read_screening,
    skipped_row,
)
from bot.chains.megabox.seats import neutral_seat_map
from bot.chains.megabox.site import MAX_BRANCHES_PER_CALL, MAX_MOVIES_PER_CALL

log = logging.getLogger(__name__)

BOKD_PATH = "/on/oh/ohb/SimpleBooking/selectBokdList.do"
SCHEDULE_PATH = "/on/oh/ohc/Brch/schedulePage.do"
SEATS_PATH = "/on/oh/ohz/PcntSeatChoi/selectSeatList.do"
MOVIES_PATH = "/on/oh/oha/Movie/selectMovieList.do"

#: Page requests per catalogue list at most (2,000 films at 100 a page, several times what
#: MEGABOX lists): a bound on the cost of a read, whatever `totCnt` says.
MAX_MOVIE_PAGES = 20


T = TypeVar("T")
M = TypeVar("M", Screening, Branch)

#: Every listing answer names every branch (README §4.6): any one serves to read them.
_PROBE_BRANCH = "1351"


@dataclass(frozen=True)
class ClientOptions(HttpOptions):
    """MEGABOX's site and politeness (README §2 "Rates": one request every two seconds)."""

    base_url: str = "https://www.megabox.co.kr"
    requests_per_second: float = 0.5


def browser_headers(base_url: str, referer_path: str) -> dict[str, str]:
    """The header set the site's own AJAX sends; leaving some out can earn a 403 (README §2)."""
    return {
        "User-Agent": BROWSER_USER_AGENT,
        "Accept": "application/json, text/javascript, */*; q=0.01",
        "Accept-Language": "ko-KR,ko;q=0.9",
        "Content-Type": "application/json;charset=UTF-8",
        "Origin": base_url,
        "Referer": f"{base_url}{referer_path}",
        "X-Requested-With": "XMLHttpRequest",
    }


#: Any answer as plain JSON (dicts and lists); msgspec's parser is about twice as fast as the
#: standard library's on MEGABOX's answers.
_JSON = msgspec.json.Decoder()


def _head(raw: bytes) -> str:
    return raw[:400].decode("utf-8-sig", errors="replace").lstrip("\ufeff")[:160].strip()


def _overloaded(endpoint: str, raw: bytes, head: str | None = None) -> None:
    """Overload comes as plain text, mostly with HTTP 200, sometimes with an error status."""
    if "workload is so high" in (head if head is not None else _head(raw)).lower():
        raise Overloaded("MEGABOX says its workload is too high", endpoint=endpoint)


def decode_body(
    endpoint: str,
    status: int,
    content_type: str,
    raw: bytes,
    decoder: msgspec.json.Decoder[Any] = _JSON,
) -> Any:
    """Turn one HTTP answer into JSON (or what `decoder` makes of it: `SEAT_ANSWER`) or the
    typed error it really is (README §13)."""
    # Only the start is decoded for the checks below; the JSON parser reads the bytes.
    head = _head(raw)
    _overloaded(endpoint, raw, head)
    if status == 403:
        raise Blocked("HTTP 403: MEGABOX refused us (bot protection?)", endpoint=endpoint)
    if status == 429:
        raise RateLimited("HTTP 429: too many requests", endpoint=endpoint)
    if status >= 500:
        raise ServerError(f"HTTP {status}", endpoint=endpoint)
    if status != 200:
        raise BadShape(f"HTTP {status}", endpoint=endpoint)
    if not head:
        raise BadShape("empty body", endpoint=endpoint)
    if head.startswith("<"):
        raise BadShape(
            f"an HTML page instead of JSON ({content_type or 'no type'})", endpoint=endpoint
        )
    try:
        try:
            data = decoder.decode(raw.removeprefix(codecs.BOM_UTF8))
        except msgspec.ValidationError:
            raise
        except msgspec.DecodeError:
            # Not valid UTF-8 somewhere: read it as the text it decodes to, as before.
            text = raw.decode("utf-8-sig", errors="replace").lstrip("\ufeff")
            data = decoder.decode(text)
    except msgspec.ValidationError as exc:
        raise BadShape(f"unexpected field {exc}", endpoint=endpoint) from None
    except (msgspec.DecodeError, ValueError) as exc:
        raise BadShape(f"unreadable JSON: {exc}", endpoint=endpoint) from None
    if isinstance(data, SeatAnswer):
        stat, msg = data.statCd, data.msg
    elif isinstance(data, dict):
        stat, msg = data.get("statCd", "0"), data.get("msg")
    else:
        raise BadShape("JSON is not an object", endpoint=endpoint)
    if str(stat if stat is not None else "0").strip() == "-1":
        raise Rejected(f"request rejected: {msg or 'no reason given'}", endpoint=endpoint)
    return data


def _rows(data: Mapping[str, Any], key: str, endpoint: str) -> list[Any]:
    value = data.get(key)
    if not isinstance(value, list):
        raise BadShape(f"'{key}' is missing", endpoint=endpoint)
    return value


def _parse(endpoint: str, build: Callable[[], T]) -> T:
    try:
        return build()
    except BadRow as exc:
        raise BadShape(f"unexpected field {exc}", endpoint=endpoint) from None


def parse_booking_page(data: Mapping[str, Any], endpoint: str = "selectBokdList") -> Listing:
    """Rows and branch entries are read one by one: an unreadable one is skipped (and
    reported by the check), unless none at all can be read, which is a changed API."""
    rows = _rows(data, "movieFormList", endpoint)
    screenings, skipped = _each(read_screening, rows, "screening")
    branches, skipped_branches = _each(read_branch, data.get("areaBrchList") or [], "branch")
    if rows and not screenings:
        raise BadShape(f"no readable screening: {skipped[0].reason}", endpoint=endpoint)
    return Listing(
        screenings=screenings,
        calendar=_parse(
            endpoint, lambda: tuple(read_day(r) for r in data.get("movieFormDeList") or [])
        ),
        branches=branches,
        skipped=skipped + skipped_branches,
    )


def _each(
    read: Callable[[Any], M], raws: Any, kind: str
) -> tuple[tuple[M, ...], tuple[SkippedRow, ...]]:
    if not isinstance(raws, list):
        return (), (SkippedRow(kind=kind, reason=f"{kind} list is not a list"),)
    good: list[M] = []
    bad: list[SkippedRow] = []
    for raw in raws:
        try:
            good.append(read(raw))
        except BadRow as exc:
            bad.append(skipped_row(kind, raw, f"{exc.key or 'row'}: {exc.message}"))
    return tuple(good), tuple(bad)


def parse_seat_map(data: SeatAnswer | Mapping[str, Any], screening_id: str) -> SeatMap:
    """The seat map from a decoded answer (`SEAT_ANSWER`, what the client uses) or plain JSON."""
    if isinstance(data, SeatAnswer):
        if data.seatListSD01 is None:
            raise BadShape("'seatListSD01' is missing", endpoint="selectSeatList")
        seats = tuple(data.seatListSD01)
    else:
        rows = _rows(data, "seatListSD01", "selectSeatList")
        seats = _parse("selectSeatList", lambda: tuple(Seat.model_validate(r) for r in rows))
    if not seats:
        # Every hall has seats: an empty map is a broken answer, not "no free seats".
        raise BadShape("the seat map has no seats", endpoint="selectSeatList")
    return neutral_seat_map(screening_id, seats)


class MegaboxClient(PoliteClient):
    """MEGABOX as a `bot.chains.base.Chain`: one shared aiohttp session with a request
    budget, jitter and retries for transient errors.

    `requests_made` counts HTTP requests actually sent (retries included): the check reports it.
    """

    name = MEGABOX
    shape = site.SHAPE
    links_to_screening = site.LINKS_TO_SCREENING

    def __init__(self, options: ClientOptions, session: aiohttp.ClientSession | None = None):
        self.options = options
        self.base_url = options.base_url.rstrip("/")
        # A leaky bucket of one request: evenly spaced, never a burst (README §2 "Rates").
        self._http = PoliteSession(MEGABOX, options, session)
        self._areas: dict[str, str] = {}

    # -- transport -------------------------------------------------------------------------

    async def _post(
        self,
        path: str,
        body: Mapping[str, Any],
        referer: str,
        decoder: msgspec.json.Decoder[Any] = _JSON,
    ) -> Any:
        endpoint = path.rsplit("/", 1)[-1].removesuffix(".do")
        data = json.dumps(body, ensure_ascii=False).encode()
        return await self._http.post(
            f"{self.base_url}{path}",
            endpoint,
            data=lambda: data,
            headers=browser_headers(self.base_url, referer),
            decode=lambda raw, content_type: decode_body(endpoint, 200, content_type, raw, decoder),
            screen=lambda raw: _overloaded(endpoint, raw),
        )

    # -- endpoints -------------------------------------------------------------------------

    async def booking_page(
        self, play_de: date, branches: Sequence[str], movie_nos: Sequence[str] = ()
    ) -> Listing:
        """`selectBokdList.do`: one date, up to three branches, optional movie filter (§4)."""
        if not 1 <= len(branches) <= MAX_BRANCHES_PER_CALL:
            raise ValueError(f"1 to {MAX_BRANCHES_PER_CALL} branches per call, got {len(branches)}")
        if len(movie_nos) > MAX_MOVIES_PER_CALL:
            raise ValueError(f"at most {MAX_MOVIES_PER_CALL} movies per call")
        body: dict[str, Any] = {
            "arrMovieNo": ",".join(movie_nos),
            "playDe": play_de.strftime("%Y%m%d"),
            "brchNoListCnt": len(branches),
            "brchAll": "",
            "brchSpcl": "",
            "sellChnlCd": "",
        }
        for slot in range(1, MAX_BRANCHES_PER_CALL + 1):
            brch = branches[slot - 1] if slot <= len(branches) else ""
            body[f"brchNo{slot}"] = brch
            body[f"areaCd{slot}"] = self._areas.get(brch, "")
            body[f"spclbYn{slot}"] = "N" if brch else ""
            body[f"theabKindCd{slot}"] = ""
            body[f"movieNo{slot}"] = movie_nos[slot - 1] if slot <= len(movie_nos) else ""
        data = await self._post(BOKD_PATH, body, "/booking")
        page = parse_booking_page(data, "selectBokdList")
        self._areas.update({native(b.branch_id): b.region for b in page.branches})
        return page

    async def schedule_page(self, play_de: date, brch_no: str) -> Listing:
        """`schedulePage.do`: the fallback, one branch per call, lists under `megaMap` (§5)."""
        day = play_de.strftime("%Y%m%d")
        body = {
            "masterType": "brch",
            "detailType": "area",
            "brchNo": brch_no,
            "brchNo1": brch_no,
            "firstAt": "Y",
            "playDe": day,
        }
        data = await self._post(SCHEDULE_PATH, body, f"/theater/time?brchNo={brch_no}")
        mega = data.get("megaMap")
        if not isinstance(mega, dict):
            raise BadShape("'megaMap' is missing", endpoint="schedulePage")
        return parse_booking_page(mega, "schedulePage")

    async def seat_list(self, play_schdl_no: str, brch_no: str, screening_id: str = "") -> SeatMap:
        """`selectSeatList.do`: the seat map of one screening; public, no login (§6)."""
        body = {"playSchdlNo": play_schdl_no, "brchNo": brch_no}
        data = await self._post(
            SEATS_PATH, body, "/on/oh/ohz/PcntSeatChoi/selectPcntSeatChoi.do", SEAT_ANSWER
        )
        return parse_seat_map(data, screening_id or f"{MEGABOX}:{play_schdl_no}")

    # -- the Chain interface (qualified identities) ----------------------------------------

    async def listing(
        self, day: date, branches: Sequence[str], movies: Sequence[str] = ()
    ) -> Listing:
        """selectBokdList.do for these branches and films; when it fails (but not for a block
        or a rate limit: asking another endpoint would only make it worse), schedulePage.do
        per branch, filtered to the films (README §5)."""
        codes = [native(b) for b in branches]
        films = [native(m) for m in movies]
        try:
            return await self.booking_page(day, codes, films)
        except (Blocked, RateLimited):
            raise
        except ChainError as first:
            log.info("selectBokdList failed (%s); trying schedulePage", first.kind)
            try:
                pages = [await self.schedule_page(day, b) for b in codes]
            except ChainError:
                raise first from None
        rows = tuple(
            s
            for p in pages
            for s in p.screenings
            if not movies or any(s.matches_movie(m) for m in movies)
        )
        return Listing(
            screenings=rows,
            calendar=pages[0].calendar if pages else (),
            skipped=tuple(r for p in pages for r in p.skipped),
        )

    async def seat_map(self, screening: Screening) -> SeatMap:
        return await self.seat_list(
            native(screening.screening_id), native(screening.branch_id), screening.screening_id
        )

    async def films(self, *, upcoming: bool = False) -> list[Film]:
        return await self.all_movies(upcoming=upcoming)

    async def branches(self, today: date) -> list[Branch]:
        return list((await self.booking_page(today, [_PROBE_BRANCH])).branches)

    def booking_link(self, screening: Screening) -> str:
        return site.booking(screening.screening_id)

    def film_link(self, movie_id: str, name: str = "") -> str:
        return site.film_booking(movie_id, name)

    # -- catalogue ---------------------------------------------------------------------------

    async def movies(
        self, search: str = "", page: int = 1, per_page: int = 100, *, upcoming: bool = False
    ) -> list[Film]:
        """`selectMovieList.do`: one page of the catalogue by booking share, or upcoming (§7)."""
        movies, _ = await self._movie_page(search, page, per_page, upcoming=upcoming)
        return movies

    async def all_movies(
        self, *, upcoming: bool = False, per_page: int = 100, max_pages: int = MAX_MOVIE_PAGES
    ) -> list[Film]:
        """The whole list, page after page as far as its `totCnt`, at most `max_pages` requests.

        Entries are unique by number: the list is ranked by booking share, which can move a
        film between pages while we read them.
        """
        found: dict[str, Film] = {}
        for page in range(1, max_pages + 1):
            movies, total = await self._movie_page("", page, per_page, upcoming=upcoming)
            before = len(found)
            for movie in movies:
                found.setdefault(movie.movie_id, movie)
            if len(found) == before:
                # Nothing new: a server that ignores the page number would loop to the cap.
                return list(found.values())
            # Without totals a full page is the only hint that another one follows.
            more = len(movies) == per_page if total is None else page * per_page < total
            if not movies or not more:
                return list(found.values())
        log.warning(
            "movie list longer than %d pages of %d: the rest cannot be picked", max_pages, per_page
        )
        return list(found.values())

    async def _movie_page(
        self, search: str, page: int, per_page: int, *, upcoming: bool
    ) -> tuple[list[Film], int | None]:
        """One page and the list's total (`totCnt`, repeated in every row) if it is given."""
        body = {
            "currentPage": str(page),
            "recordCountPerPage": str(per_page),
            "pageType": "rfilmDe" if upcoming else "ticketing",
            "ibxMovieNmSearch": search,
            "onairYn": "MSC02" if upcoming else "N",
            "specialType": "",
            "specialYn": "N",
        }
        data = await self._post(MOVIES_PATH, body, "/movie")
        rows = _rows(data, "movieList", "selectMovieList")
        movies = _parse("selectMovieList", lambda: [read_film(r) for r in rows])
        total = rows[0].get("totCnt") if rows and isinstance(rows[0], dict) else None
        try:
            return movies, int(total) if total is not None else None
        except (TypeError, ValueError):
            return movies, None
