"""Lotte's halls as formats: `ScreenDivisionCode` → the bot's format name, and the words
users type for them. Every code here is M confidence (reference "Halls and formats"): when a
real answer says otherwise, correct this table and nothing else."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LotteFormat:
    name: str  # what watches store: "SUPER4D"
    name_kr: str  # what Lotte calls it


#: ScreenDivisionCode → format (reference, M). 301 (private boxes) is sold as CHARLOTTE.
FORMATS: dict[int, LotteFormat] = {
    100: LotteFormat("STANDARD", "일반"),
    200: LotteFormat("CINECOUPLE", "씨네커플"),
    300: LotteFormat("CHARLOTTE", "샤롯데"),
    301: LotteFormat("CHARLOTTE", "샤롯데 프라이빗"),
    400: LotteFormat("ARTE", "아르떼"),
    930: LotteFormat("SUPER4D", "수퍼 4D"),
    940: LotteFormat("SUPERPLEX", "수퍼플렉스"),
    941: LotteFormat("SUPERPLEX", "수퍼플렉스 G"),
    950: LotteFormat("CINEBIZ", "씨네비즈"),
    960: LotteFormat("CINEFAMILY", "씨네패밀리"),
    980: LotteFormat("SUPER_S", "수퍼 S"),
    986: LotteFormat("CINECOMFORT", "씨네컴포트"),
    987: LotteFormat("CINESALON", "씨네살롱"),
    988: LotteFormat("COLORIUM", "컬러리움"),
}

#: Seat zones that sit inside another hall (recliner rows): a screening's format is its
#: other zone's (reference decision "Zones and format"; 960 as a recliner zone is L).
RECLINER_ZONES = frozenset({960, 986})

#: The motion-seat format (MEGABOX's MX4D counterpart).
MOTION_FORMAT = "SUPER4D"

#: User words → format name (matched without case and spaces). "4DX" is CGV's brand, but
#: users say it of any motion-seat hall.
ALIASES: dict[str, str] = {
    "4d": "SUPER4D",
    "4dx": "SUPER4D",
    "수퍼4d": "SUPER4D",
    "슈퍼4d": "SUPER4D",
    "super4d": "SUPER4D",
    "수퍼플렉스": "SUPERPLEX",
    "슈퍼플렉스": "SUPERPLEX",
    "superplex": "SUPERPLEX",
    "샤롯데": "CHARLOTTE",
    "charlotte": "CHARLOTTE",
    "일반": "STANDARD",
    "standard": "STANDARD",
}


def unknown_format_name(code: int | str) -> str:
    """A stable name for a code not in FORMATS: never a crash, never a merge with another."""
    return f"LOTTE_{code}"


def format_of(code: int | str | None) -> str | None:
    """The format name of one ScreenDivisionCode (None when the row gave none)."""
    if code is None or str(code).strip() == "":
        return None
    try:
        number = int(str(code).strip())
    except ValueError:
        return unknown_format_name(str(code).strip())
    known = FORMATS.get(number)
    return known.name if known else unknown_format_name(number)


def screening_zone(codes: Iterable[int]) -> int | None:
    """The zone that names a screening's hall: the first not a recliner zone, else the
    first (a screen of only recliner zones takes theirs)."""
    ordered = list(codes)
    for code in ordered:
        if code not in RECLINER_ZONES:
            return code
    return ordered[0] if ordered else None


def code_of(name: str) -> int | None:
    """A ScreenDivisionCode of a format name (any of them: GetSeats answers every zone)."""
    for code, fmt in FORMATS.items():
        if fmt.name == name:
            return code
    rest = name.removeprefix("LOTTE_")
    return int(rest) if rest != name and rest.isdigit() else None


def korean_name(code: int, fallback: str = "") -> str:
    """Lotte's own name for a code: the table's, else what the row said (ScreenDivisionNameKR)."""
    known = FORMATS.get(code)
    return known.name_kr if known else (fallback or str(code))


def format_aliases() -> dict[str, str]:
    """Every word (lower case, no spaces) that finds a format: the aliases, each format's
    own name and its Korean names."""
    words = dict(ALIASES)
    for fmt in FORMATS.values():
        words.setdefault(_word(fmt.name), fmt.name)
        words.setdefault(_word(fmt.name_kr), fmt.name)
    return words


def find_format(word: str) -> str | None:
    """The format a user's word names ("수퍼 4D" → "SUPER4D"), None when none does."""
    text = _word(word)
    found = _WORDS.get(text)
    if found is not None:
        return found
    # A name for an unknown code, as the bot shows it: "LOTTE_990".
    if text.startswith("lotte_") and text[6:].isdigit():
        return unknown_format_name(int(text[6:]))
    return None


def _word(text: str) -> str:
    return "".join(text.split()).lower()


#: Built once, not per word looked up (every format of every watch form and .env watch).
_WORDS = format_aliases()
