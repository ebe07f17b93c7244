"""What the bot knows of Lotte Cinema without a client: how its listing requests are cut,
and where a member goes on its site (always the public site, whatever LOTTE_BASE_URL points
the client at)."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote, urlencode

from bot.chains.base import RequestShape, native

#: GetPlaySequence: one cinema and one date per request, every film (reference "Screenings").
SHAPE = RequestShape(branches_per_listing=1, movies_per_listing=None)

SITE = "https://www.lottecinema.co.kr"
#: No per-screening link is known (reference "Links", M): the film's booking page, so an
#: alert names the cinema, date, time and hall to pick there.
LINKS_TO_SCREENING = False


def film_booking(movie_id: str, name: str = "") -> str:
    """The booking page with the film chosen (verified by one project)."""
    query = {"movieCd": native(movie_id)}
    if name:
        query["movieName"] = name
    return f"{SITE}/NLCHS/ticketing?{urlencode(query, quote_via=quote)}"


def booking(screening_id: str, movie_id: str = "", movie_name: str = "") -> str:
    del screening_id  # no link to one screening is known
    return film_booking(movie_id, movie_name) if movie_id else f"{SITE}/NLCHS/ticketing"


def timetable(branch_id: str, day: date) -> str | None:
    del branch_id, day  # no timetable page per cinema and date is known
    return None


def film_page(movie_id: str) -> str | None:
    del movie_id
    return None
