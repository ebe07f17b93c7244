"""Typed rows parsed from what MEGABOX really sends (see tests/fixtures/README.md).

Every quirk is absorbed here, once: HTML entities in names, numbers as strings, end times past
24:00, optional keys. Anything else that is off raises `BadShape` at the edge (client.py).
"""

from __future__ import annotations

import html
from datetime import date, datetime
from typing import Any

import msgspec

from bot.chains.base import (
    KST,
    MEGABOX,
    Branch,
    Film,
    OpenDay,
    Screening,
    SkippedRow,
    parse_clock,
    qualify,
    real_number,
)

__all__ = ["KST", "MX4D", "BadRow", "Seat", "SeatAnswer"]


#: MEGABOX has no "4DX": its motion-seat format is MX4D (README §1, §9).
MX4D = "MX4D"
MX4D_PLAY_KIND = "MK32"


class BadRow(ValueError):
    """One entry of an answer does not have the expected shape: `key` names the field (as
    MEGABOX spells it), the message says what was wrong."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}" if key else message)
        self.key = key
        self.message = message


# Plain dataclasses fed by these readers replace pydantic here: importing pydantic cost the
# bot ~12 MiB and a tenth of its start-up, and its per-field Python validators were most of
# the CPU of reading a listing (bench/README.md, issue 17).


def _unescape(value: Any) -> Any:
    return html.unescape(value).strip() if isinstance(value, str) else value


def _lenient_int(value: Any) -> Any:
    """MEGABOX sends counts as numbers or strings ("144", "4"); empty means unknown."""
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            return None
        try:
            return int(float(value))
        except ValueError:
            return value  # reported as a bad value by the reader
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _yyyymmdd(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip().replace("-", "").replace(".", "")
        if len(text) == 8 and text.isdigit():
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    return value


def _str_code(value: Any) -> Any:
    """Codes are strings; keep leading zeros, accept numbers defensively."""
    if isinstance(value, int):
        return str(value)
    return value.strip() if isinstance(value, str) else value


_REQUIRED: Any = object()


class _Reader:
    """Reads one raw entry (a JSON object) field by field; each reader raises `BadRow`."""

    __slots__ = ("raw",)

    def __init__(self, raw: Any) -> None:
        if not isinstance(raw, dict):
            raise BadRow("", f"not an object: {type(raw).__name__}")
        self.raw = raw

    def _get(self, key: str, default: Any) -> Any:
        raw = self.raw
        if key in raw:
            return raw[key]
        if default is _REQUIRED:
            raise BadRow(key, "missing")
        return default

    def name(self, key: str, default: Any = _REQUIRED) -> str:
        value = _unescape(self._get(key, default))
        if not isinstance(value, str):
            raise BadRow(key, f"not a string: {value!r}")
        return value

    def opt_name(self, *keys: str) -> str | None:
        for key in keys:
            if key in self.raw:
                return None if self.raw[key] is None else self.name(key)
        return None

    def text(self, key: str, default: Any = _REQUIRED) -> str:
        value = self._get(key, default)
        if not isinstance(value, str):
            raise BadRow(key, f"not a string: {value!r}")
        return value

    def opt_text(self, *keys: str) -> str | None:
        for key in keys:
            if key in self.raw:
                return None if self.raw[key] is None else self.text(key)
        return None

    def code(self, key: str, default: Any = _REQUIRED, *, required: bool = False) -> str:
        value = _str_code(self._get(key, default))
        if not isinstance(value, str):
            raise BadRow(key, f"not a code: {value!r}")
        if required and not value:
            raise BadRow(key, "empty")
        return value

    def opt_code(self, key: str) -> str | None:
        return None if self.raw.get(key) is None else self.code(key)

    def count(self, key: str, *, minimum: int | None = None) -> int:
        value = self.opt_count(key, required=True)
        if value is None:
            raise BadRow(key, "empty")
        if minimum is not None and value < minimum:
            raise BadRow(key, f"less than {minimum}: {value}")
        return value

    def opt_count(self, key: str, *, required: bool = False) -> int | None:
        value = _lenient_int(self._get(key, _REQUIRED if required else None))
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        raise BadRow(key, f"not a whole number: {value!r}")

    def number(self, key: str) -> float | None:
        value = self.raw.get(key)
        if value is None or isinstance(value, bool):
            return None if value is None else float(value)
        number = real_number(value)
        if number is None:
            raise BadRow(key, f"not a number: {value!r}")
        return number

    def day(self, key: str) -> date:
        value = _yyyymmdd(self._get(key, _REQUIRED))
        if isinstance(value, datetime) or not isinstance(value, date):
            raise BadRow(key, f"not a date: {value!r}")
        return value

    def clock(self, key: str) -> str:
        value = self.text(key)
        try:
            parse_clock(value)  # an unreadable time is a bad answer here, not a crash later
        except ValueError as exc:
            raise BadRow(key, str(exc)) from None
        return value


def _ref(code: str | None) -> str | None:
    return qualify(MEGABOX, code) if code else None


def is_mx4d(kind: str | None, play_kind: str | None, hall_name: str) -> bool:
    """README §9: hall type, play kind or the hall name; 3D MX4D may use another code."""
    return kind == MX4D or play_kind == MX4D_PLAY_KIND or MX4D in hall_name.upper()


def read_screening(raw: Any) -> Screening:
    """One row of `movieFormList` (README §4.3) as the bot's neutral screening."""
    r = _Reader(raw)
    hall_name = r.name("theabExpoNm", "")
    # Rows without a hall type are "unknown format", never "not MX4D" (README §13.13).
    kind = r.opt_code("theabKindCd")
    total = r.opt_count("totSeatCnt")
    theab_seats = r.opt_count("theabSeatCnt")
    rpst = r.opt_code("rpstMovieNo")
    return Screening(
        screening_id=qualify(MEGABOX, r.code("playSchdlNo", required=True)),
        play_date=r.day("playDe"),
        start_clock=r.clock("playStartTime"),
        end_clock=r.clock("playEndTime"),
        branch_id=qualify(MEGABOX, r.code("brchNo", required=True)),
        branch_name=r.name("brchNm", ""),
        hall_id=r.code("theabNo", ""),
        hall_name=hall_name,
        # MX4D wins over the hall code; None = unknown (no hall fields in the row).
        format_code=MX4D if is_mx4d(kind, r.opt_code("playKindCd"), hall_name) else kind or None,
        total_seats=total if total is not None else theab_seats,
        free_seats=r.count("restSeatCnt", minimum=0),
        movie_id=qualify(MEGABOX, r.code("movieNo", required=True)),
        movie_group=_ref(rpst),
        movie_name=r.name("movieNm", ""),
        # Closed (마감) or branch booking off: no seat can be had online (README §10).
        bookable=r.text("bokdAbleAt", "Y") == "Y" and r.text("brchBokdUnableAt", "N") != "Y",
    )


def read_day(raw: Any) -> OpenDay:
    """One entry of `movieFormDeList` (README §4.4, §5.2)."""
    r = _Reader(raw)
    # Older pages (and schedulePage.do) say scrdtDivCd "HLDY" instead of hldyDivAt.
    holiday = r.opt_text("hldyDivAt") == "Y" or r.opt_text("scrdtDivCd") == "HLDY"
    return OpenDay(r.day("playDe"), r.text("formAt", "N") == "Y", holiday)


def read_branch(raw: Any) -> Branch:
    """One entry of `areaBrchList` (README §4.6)."""
    r = _Reader(raw)
    return Branch(
        branch_id=qualify(MEGABOX, r.code("brchNo", required=True)),
        branch_name=r.name("brchNm"),
        branch_name_en=r.opt_name("brchEngNm"),
        region=r.code("areaCd", ""),
        region_name=r.name("areaCdNm", ""),
        bookable=r.text("brchBokdUnableAt", "N") != "Y",
    )


def read_film(raw: Any) -> Film:
    """One entry of `selectMovieList.do`'s `movieList` (README §7)."""
    r = _Reader(raw)
    mx4d = r.opt_text("mx4dTheabAt")
    # "Y" = bookable online now; upcoming films are listed before they are (README §7).
    sale = r.opt_text("bokdAbleAt", "bokdAbleYn")
    return Film(
        movie_id=qualify(MEGABOX, r.code("movieNo", required=True)),
        movie_group=_ref(r.opt_code("rpstMovieNo")),
        movie_name=r.name("movieNm"),
        movie_name_en=r.opt_name("movieEngNm"),
        release=r.opt_text("rfilmDe"),
        minutes=r.opt_count("playTime"),
        rating=r.opt_name("admisClassNm", "admisClassCdNm"),
        on_sale=None if sale is None else sale == "Y",
        motion_seats=None if mx4d is None else mx4d == "Y",
    )


class Seat(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    rename={
        "row_nm": "rowNm",
        "seat_no": "seatNo",
        "horz": "horzCoorVal",
        "horz_size": "horzSizeRt",
        "vert": "vertCoorVal",
        "seat_stat_cd": "seatStatCd",
        "seat_class_cd": "seatClassCd",
        "seat_expo_at": "seatExpoAt",
        "grp_no": "seatChoiGrpNo",
        "grp_seq": "seatChoiGrpSeq",
    },
):
    """One entry of `seatListSD01` (README §6.3).

    A msgspec Struct: a seat map (~200 seats of ~30 keys each) is read at every check of
    every candidate screening, so it is decoded straight from the answer's bytes into these
    ten fields (`SEAT_ANSWER`), the other keys never becoming Python objects. Lenient
    (`strict=False`): numbers may come as strings."""

    row_nm: str = ""
    seat_no: int | None = None
    horz: float | None = None
    horz_size: float | None = None
    vert: float | None = None
    seat_stat_cd: str
    seat_class_cd: str | None = None
    seat_expo_at: str = "Y"
    grp_no: int | None = None
    grp_seq: int | None = None

    @classmethod
    def model_validate(cls, raw: Any) -> Seat:
        try:
            return msgspec.convert(raw, cls, strict=False)
        except msgspec.ValidationError as exc:
            raise BadRow("", str(exc)) from None

    @property
    def label(self) -> str:
        return f"{self.row_nm}{self.seat_no if self.seat_no is not None else '?'}"


class SeatAnswer(msgspec.Struct):
    """A `selectSeatList.do` answer as decoded: the seats and the keys that say it failed."""

    seatListSD01: list[Seat] | None = None
    statCd: Any = None
    msg: Any = None


#: Decodes a seat-map answer's bytes (or text) straight into `SeatAnswer`.
SEAT_ANSWER = msgspec.json.Decoder(SeatAnswer, strict=False)


def skipped_row(kind: str, raw: Any, reason: str) -> SkippedRow:
    """What little is known of an entry that could not be read."""
    fields = raw if isinstance(raw, dict) else {}

    def code(key: str) -> str | None:
        value = _str_code(fields.get(key))
        return value if isinstance(value, str) and value else None

    day = _yyyymmdd(fields.get("playDe"))
    return SkippedRow(
        kind=kind,
        reason=reason,
        branch_id=_ref(code("brchNo")),
        play_date=day if isinstance(day, date) else None,
        movie_id=_ref(code("rpstMovieNo") or code("movieNo")),
    )
