"""Watches for films not on sale yet: what such a watch waits for, and which film in
MEGABOX's catalogue is it (plain values in, a movie number out).

A waiting watch matches a movie number picked from MEGABOX's upcoming list, or else a typed
title (Korean or English; the whole title, ignoring case, spaces and punctuation). It binds to the representative number
(`rpstMovieNo`) of the first matching film on sale, so event versions ([무대인사] …) and the
film itself are watched together (README §13.10-11).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from bot.chains.base import Film, native, qualified
from bot.i18n import _

#: An event version's title prefix, e.g. "[무대인사] " (README §4.3 movieNm).
_PREFIX = re.compile(r"^\s*(\[[^\]]*\]\s*)+")
MAX_TITLE = 100


@functools.lru_cache(maxsize=4096)  # every waiting watch compares every film, every check
def norm_title(text: str) -> str:
    """How titles are compared: NFKC, case-folded, keeping only letters and digits, so
    "미션임파서블 파이널레코닝" is "미션 임파서블: 파이널 레코닝"."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(c for c in folded if unicodedata.category(c)[0] in "LN")


@dataclass(frozen=True, slots=True)
class Awaited:
    """What a waiting watch matches: a title, a movie number, or both (an upcoming film)."""

    title: str | None = None
    movie_id: str | None = None

    def __post_init__(self) -> None:
        if not (self.title and norm_title(self.title)) and not self.movie_id:
            raise ValueError("a waiting watch needs a title or a movie number")
        # Like Watch: a bare number (stored before there were two chains) is MEGABOX's, and
        # films carry qualified numbers.
        if self.movie_id and ":" not in self.movie_id:
            object.__setattr__(self, "movie_id", qualified(self.movie_id))

    @classmethod
    def parse(cls, text: str) -> Awaited:
        """The inverse of `to_text`: "movie:26120100;title:Some film"."""
        parts = dict(p.split(":", 1) for p in text.split(";") if ":" in p)
        return cls(title=parts.get("title") or None, movie_id=parts.get("movie") or None)

    def to_text(self) -> str:
        parts = [f"movie:{self.movie_id}"] if self.movie_id else []
        if self.title:
            parts.append(f"title:{self.title.replace(';', ' ')}")
        return ";".join(parts)

    def describe(self) -> str:
        no = native(self.movie_id or "")  # the chain's own number, as MEGABOX shows it
        if self.title and self.movie_id:
            return _("“{title}” (upcoming, {no})").format(title=self.title, no=no)
        return f"“{self.title}”" if self.title else _("movie {no}").format(no=no)

    def matches(self, movie: Film) -> bool:
        """A film picked by number is that number only (or an event version of it: its
        representative number), never another film with a like title; a typed title is
        the whole title, normalised, never a part of one ("Up" is not "Superman")."""
        if self.movie_id:
            return self.movie_id in (movie.movie_id, movie.movie_group)
        wanted = norm_title(self.title or "")
        return bool(wanted) and any(
            wanted == norm_title(_PREFIX.sub("", n))
            for n in (movie.movie_name, movie.movie_name_en or "")
            if n
        )


def on_sale(movie: Film) -> bool:
    """Bookable online now; a list without the flag counts as on sale: the booking list
    holds films one can book."""
    return movie.on_sale is not False


def find_film(awaited: Awaited, movies: Iterable[Film]) -> Film | None:
    """The film on sale this watch waits for, the first in MEGABOX's order (by booking
    share); None while there is none."""
    return next((m for m in movies if on_sale(m) and awaited.matches(m)), None)


def bound_movie_id(movie: Film) -> str:
    """What the watch binds to: the representative number covers every version."""
    return movie.movie_group or movie.movie_id
