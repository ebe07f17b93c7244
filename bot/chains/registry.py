"""What the rest of the bot may know of each chain without a client: its names, formats,
the words people type for them, and its public links. One entry per chain."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from bot.chains.base import CHAINS, LOTTE, MEGABOX, RequestShape, chain_of
from bot.chains.lotte import formats as lotte_formats
from bot.chains.lotte import site as lotte_site
from bot.chains.megabox import formats as megabox_formats
from bot.chains.megabox import site as megabox_site


@dataclass(frozen=True, slots=True)
class ChainInfo:
    name: str
    #: The chain's own name per language ("메가박스", "MEGABOX").
    names: Mapping[str, str]
    formats: Mapping[str, str]  # code → readable name
    find_format: Callable[[str], str | None]  # what people type → a code, if any
    motion: str  # the motion-seat format people call "4DX"
    booking: Callable[[str, str, str], str]  # screening id, movie id, title → booking link
    timetable: Callable[[str, date], str | None]  # branch id, date → timetable link
    film_booking: Callable[[str, str], str]  # movie id, title → its booking page
    film_page: Callable[[str], str | None]  # movie id → the film's own page, if any
    #: The booking link opens the screening itself; False: the film's booking page only.
    links_to_screening: bool
    shape: RequestShape  # how its listing requests are cut (planner, cost)
    #: Its listing's free count may settle a watch without a seat map (the count rule). Not
    #: Lotte's: the reference asks every map to be checked against the listing, and a stale
    #: listing would otherwise alert seats that are not there.
    count_settles: bool

    def display(self, language: str) -> str:
        return self.names.get(language, self.names["en"])


_INFO: dict[str, ChainInfo] = {
    MEGABOX: ChainInfo(
        name=MEGABOX,
        names={"ko": "메가박스", "en": "MEGABOX"},
        formats=megabox_formats.FORMATS,
        find_format=megabox_formats.find_format,
        motion=megabox_formats.MOTION,
        booking=megabox_site.booking,
        timetable=megabox_site.timetable,
        film_booking=megabox_site.film_booking,
        film_page=megabox_site.film_page,
        links_to_screening=megabox_site.LINKS_TO_SCREENING,
        shape=megabox_site.SHAPE,
        count_settles=True,
    ),
    LOTTE: ChainInfo(
        name=LOTTE,
        names={"ko": "롯데시네마", "en": "Lotte Cinema"},
        formats={f.name: f.name_kr for f in lotte_formats.FORMATS.values()},
        find_format=lotte_formats.find_format,
        motion=lotte_formats.MOTION_FORMAT,
        booking=lotte_site.booking,
        timetable=lotte_site.timetable,
        film_booking=lotte_site.film_booking,
        film_page=lotte_site.film_page,
        links_to_screening=lotte_site.LINKS_TO_SCREENING,
        shape=lotte_site.SHAPE,
        count_settles=False,
    ),
}


def info(chain_or_ref: str) -> ChainInfo:
    """The entry of a chain, by its name or by any identity of it ("lotte:1016")."""
    name = chain_or_ref if chain_or_ref in CHAINS else chain_of(chain_or_ref)
    return _INFO[name]


def known() -> tuple[str, ...]:
    return tuple(c for c in CHAINS if c in _INFO)


__all__ = ["LOTTE", "MEGABOX", "ChainInfo", "info", "known"]
