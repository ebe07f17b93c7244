"""The only place that talks HTTP to Lotte Cinema: one polite session, neutral values or the
typed errors of bot/chains/base.py. Reference: /work/shared/lotte/README.md."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import aiohttp

from bot.chains.base import (
    LOTTE,
    BadShape,
    Branch,
    Chain,
    Film,
    Listing,
    Rejected,
    Screening,
    SeatMap,
    chain_of,
    native,
)
from bot.chains.http import BROWSER_USER_AGENT, HttpOptions, PoliteClient, PoliteSession
from bot.chains.lotte import site
from bot.chains.lotte.formats import FORMATS, code_of, screening_zone, unknown_format_name
from bot.chains.lotte.parse import (
    TicketingPage,
    decode_envelope,
    items,
    parse_films,
    parse_play_sequence,
    parse_seat_map,
    parse_ticketing_page,
    split_screening_id,
)

TICKETING_PATH = "/LCWS/Ticketing/TicketingData.aspx"
MOVIE_PATH = "/LCWS/Movie/MovieData.aspx"
#: The site the requests say they come from, whatever base_url a test points at.
LOTTE_SITE = site.SITE
#: Remembered zone codes of listed screenings (GetSeats wants one): a bound, not a cache policy.
_MAX_ZONES = 20_000


@dataclass(frozen=True)
class LotteOptions(HttpOptions):
    """Lotte's site and politeness (reference "Transport": well-behaved clients crawl one
    request at a time, 80-120 ms apart; we go slower)."""

    base_url: str = LOTTE_SITE
    requests_per_second: float = 1.0
    #: How long the ticketing page (calendar, cinemas and their regions, films on sale) is
    #: reused; an unknown cinema re-reads it at once.
    page_ttl_seconds: float = 600.0


def request_headers() -> dict[str, str]:
    """What Lotte's own booking page sends (reference "Transport"); no cookie, no login."""
    return {
        "User-Agent": BROWSER_USER_AGENT,
        "Accept": "application/json, text/plain, */*",
        "Accept-Language": "ko-KR,ko;q=0.9",
        "Origin": LOTTE_SITE,
        "Referer": f"{LOTTE_SITE}/NLCHS/Ticketing",
    }


class LotteClient(PoliteClient):
    """Lotte Cinema behind the `bot.chains.base.Chain` seam. One listing request covers one
    cinema and one date with every film (the movie filter is applied here)."""

    name = LOTTE
    shape = site.SHAPE
    links_to_screening = site.LINKS_TO_SCREENING

    def __init__(
        self,
        options: LotteOptions | None = None,
        session: aiohttp.ClientSession | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.options = options or LotteOptions()
        self.base_url = self.options.base_url.rstrip("/")
        self._http = PoliteSession(LOTTE, self.options, session)
        self._clock = clock
        self._page: TicketingPage | None = None
        self._page_read_at = 0.0
        # Listings of several cinemas at once share one page read, not one each.
        self._page_lock = asyncio.Lock()
        self._zones: dict[str, tuple[int, ...]] = {}
        #: Lotte's own name of each format name seen (an unknown code shows its Korean name).
        self.format_names: dict[str, str] = {}

    # -- transport -------------------------------------------------------------------------

    async def _call(self, path: str, method: str, params: Mapping[str, Any]) -> dict[str, Any]:
        body = {
            "MethodName": method,
            "channelType": "HO",
            "osType": "W",
            "osVersion": BROWSER_USER_AGENT,
            "memberOnNo": "0",  # GetTicketingPageTOBE fails without it (one report)
            **params,
        }
        text = json.dumps(body, ensure_ascii=False)
        return await self._http.post(
            f"{self.base_url}{path}",
            method,
            # Multipart, as the browser sends it; a form is consumed once, so one per attempt.
            data=lambda: aiohttp.FormData({"paramList": text}, default_to_multipart=True),
            headers=request_headers(),
            decode=lambda raw, ctype: decode_envelope(method, raw, ctype),
        )

    # -- the ticketing page ----------------------------------------------------------------

    async def ticketing_page(self, *, fresh: bool = False) -> TicketingPage:
        """GetTicketingPageTOBE, reused for `page_ttl_seconds`."""
        async with self._page_lock:
            now = self._clock()
            if (
                fresh
                or self._page is None
                or now - self._page_read_at >= self.options.page_ttl_seconds
            ):
                data = await self._call(TICKETING_PATH, "GetTicketingPageTOBE", {})
                self._page = parse_ticketing_page(data)
                self._page_read_at = now
            page = self._page
        assert page is not None
        return page

    # -- Chain -----------------------------------------------------------------------------

    async def listing(
        self, day: date, branches: Sequence[str], movies: Sequence[str] = ()
    ) -> Listing:
        """GetPlaySequence for one cinema and date, every film; `movies` filter locally."""
        if len(branches) != self.shape.branches_per_listing:
            raise ValueError(f"one Lotte cinema per listing, got {len(branches)}")
        cinema_id = _own(branches[0])
        page = await self.ticketing_page()
        cinema = page.cinemas.get(cinema_id)
        if cinema is None:
            page = await self.ticketing_page(fresh=True)  # a cinema opened since the last read
            cinema = page.cinemas.get(cinema_id)
        if cinema is None:
            raise Rejected(
                f"no Lotte cinema {cinema_id} on the ticketing page",
                endpoint="GetPlaySequence",
                chain=LOTTE,
            )
        data = await self._call(
            TICKETING_PATH,
            "GetPlaySequence",
            {
                "playDate": day.isoformat(),
                "cinemaID": f"1|{cinema.region}|{cinema_id}",
                "representationMovieCode": "",
            },
        )
        rows = items(data, "GetPlaySequence", "PlaySeqs")
        read = parse_play_sequence(rows, cinema_id, day, [_own(m) for m in movies])
        if read.rows_of_cinema == 0 and page.is_play_date(day):
            # Lotte answers some wrong requests with an empty list and IsOK true.
            raise BadShape(
                f"no screenings of cinema {cinema_id} on {day}, a listed play date",
                endpoint="GetPlaySequence",
                chain=LOTTE,
            )
        if read.rows_of_cinema and not read.screenings and read.skipped and not movies:
            raise BadShape(
                f"no readable screening: {read.skipped[0].reason}",
                endpoint="GetPlaySequence",
                chain=LOTTE,
            )
        if len(self._zones) > _MAX_ZONES:
            self._zones.clear()
        self._zones.update(read.zones)
        for code, name_kr in read.zone_names.items():
            if code not in FORMATS and name_kr:
                self.format_names.setdefault(unknown_format_name(code), name_kr)
        return Listing(screenings=read.screenings, calendar=page.calendar, skipped=read.skipped)

    async def seat_map(self, screening: Screening) -> SeatMap:
        """GetSeats: every zone of the screen in one answer, ids sent as numbers."""
        cinema, screen, play_dt, seq = split_screening_id(native(screening.screening_id))
        zones = self._zones.get(screening.screening_id)
        # Any zone of the screen answers with all of them; the format's is the natural one.
        zone = screening_zone(zones or ()) or code_of(screening.format_code or "") or 100
        data = await self._call(
            TICKETING_PATH,
            "GetSeats",
            {
                "cinemaId": cinema,
                "screenId": screen,
                "playDate": play_dt,
                "playSequence": seq,
                "screenDivisionCode": zone,
            },
        )
        return parse_seat_map(screening, items(data, "GetSeats", "Seats"))

    async def films(self, *, upcoming: bool = False) -> list[Film]:
        """On sale: the ticketing page's films. Upcoming: GetMoviesToBe's not yet bookable."""
        if not upcoming:
            return list((await self.ticketing_page()).films)
        data = await self._call(
            MOVIE_PATH,
            "GetMoviesToBe",
            {
                "multiLanguageID": "KR",
                "division": 1,
                "moviePlayYN": "N",
                "orderType": "1",
                "blockSize": 100,
                "pageNo": 1,
            },
        )
        films = parse_films(items(data, "GetMoviesToBe", "Movies"))
        return [f for f in films if not f.on_sale]

    async def branches(self, today: date) -> list[Branch]:
        page = await self.ticketing_page()
        return [c.branch() for c in page.cinemas.values()]

    def booking_link(self, screening: Screening) -> str:
        # No per-screening link is known: the film's booking page (the alert names the rest).
        return site.booking(screening.screening_id, screening.movie_id, screening.movie_name)

    def film_link(self, movie_id: str, name: str = "") -> str:
        return site.film_booking(movie_id, name)


def _own(ref: str) -> str:
    """A Lotte code from a qualified id; another chain's id is a caller's bug."""
    if ":" in ref and chain_of(ref) != LOTTE:
        raise ValueError(f"not a Lotte id: {ref!r}")
    return native(ref)


if TYPE_CHECKING:  # mypy proves the seam is met
    _chain: Chain = LotteClient()
