"""What the bot knows of MEGABOX without a client: how its listing requests are cut, and
where a member goes on its site (always the public site, whatever MEGABOX_BASE_URL points
the client at)."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from bot.chains.base import RequestShape, native

#: selectBokdList.do takes at most three branch slots and three films (README §4.1).
MAX_BRANCHES_PER_CALL = 3
MAX_MOVIES_PER_CALL = 3
SHAPE = RequestShape(MAX_BRANCHES_PER_CALL, MAX_MOVIES_PER_CALL)

SITE = "https://www.megabox.co.kr"
#: The booking link opens the screening itself, its seats one click away.
LINKS_TO_SCREENING = True


def booking(screening_id: str, movie_id: str = "", movie_name: str = "") -> str:
    del movie_id, movie_name  # the screening's own number opens it
    return f"{SITE}/booking?playSchdlNo={native(screening_id)}"


def timetable(branch_id: str, day: date) -> str:
    return f"{SITE}/theater/time?brchNo={native(branch_id)}&playDe={day:%Y%m%d}"


def film_booking(movie_id: str, name: str = "") -> str:
    """The booking page with the film chosen (its number is enough)."""
    return f"{SITE}/booking?rpstMovieNo={quote(native(movie_id))}"


def film_page(movie_id: str) -> str | None:
    return f"{SITE}/movie-detail?rpstMovieNo={quote(native(movie_id))}"
