"""What the rest of the bot may know of each chain without a client: its names, formats,
the words people type for them, and its public links. One entry per chain."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from bot.chains.base import CHAINS, LOTTE, MEGABOX, RequestShape, chain_of
from bot.chains.megabox import formats as megabox_formats
from bot.chains.megabox import site as megabox_site


@dataclass(frozen=True, slots=True)
class ChainInfo:
    name: str
    #: The chain's own name per language ("메가박스", "MEGABOX").
    names: Mapping[str, str]
    formats: Mapping[str, str]  # code → readable name
    aliases: Mapping[str, str]  # what people type (spaces, "|", "_" and "-" removed) → code
    motion: str  # the motion-seat format people call "4DX"
    booking: Callable[[str], str]  # screening id → booking link
    timetable: Callable[[str, date], str | None]  # branch id, date → timetable link
    film_booking: Callable[[str, str], str]  # movie id, title → its booking page
    film_page: Callable[[str], str | None]  # movie id → the film's own page, if any
    #: The booking link opens the screening itself; False: the film's booking page only.
    links_to_screening: bool
    shape: RequestShape  # how its listing requests are cut (planner, cost)

    def display(self, language: str) -> str:
        return self.names.get(language, self.names["en"])

    def parse_format(self, text: str) -> str | None:
        """The format code meant by `text` ("4dx" → "MX4D"); None when this chain has none."""
        key = re.sub(r"[\s|_-]+", "", text).upper()
        code = self.aliases.get(key, key)
        return code if code in self.formats else None


_INFO: dict[str, ChainInfo] = {
    MEGABOX: ChainInfo(
        name=MEGABOX,
        names={"ko": "메가박스", "en": "MEGABOX"},
        formats=megabox_formats.FORMATS,
        aliases=megabox_formats.ALIASES,
        motion=megabox_formats.MOTION,
        booking=megabox_site.booking,
        timetable=megabox_site.timetable,
        film_booking=megabox_site.film_booking,
        film_page=megabox_site.film_page,
        links_to_screening=megabox_site.LINKS_TO_SCREENING,
        shape=megabox_site.SHAPE,
    ),
}


def info(chain_or_ref: str) -> ChainInfo:
    """The entry of a chain, by its name or by any identity of it ("lotte:1016")."""
    name = chain_or_ref if chain_or_ref in CHAINS else chain_of(chain_or_ref)
    return _INFO[name]


def known() -> tuple[str, ...]:
    return tuple(c for c in CHAINS if c in _INFO)


__all__ = ["LOTTE", "MEGABOX", "ChainInfo", "info", "known"]
