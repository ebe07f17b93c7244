"""Typed rows parsed from what MEGABOX really sends (see tests/fixtures/README.md).

Every quirk is absorbed here, once: HTML entities in names, numbers as strings, end times past
24:00, optional keys. Anything else that is off raises `BadShape` at the edge (client.py).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Self
from zoneinfo import ZoneInfo

import msgspec

KST = ZoneInfo("Asia/Seoul")


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
        if isinstance(value, int | float):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value.strip())
            except ValueError:
                pass
        raise BadRow(key, f"not a number: {value!r}")

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


@dataclass(frozen=True, slots=True, kw_only=True)
class Screening:
    """One row of `movieFormList` (README §4.3)."""

    play_schdl_no: str
    play_de: date
    start_clock: str
    end_clock: str
    brch_no: str
    brch_nm: str = ""
    brch_eng_nm: str | None = None
    theab_no: str = ""
    theab_nm: str = ""
    # Rows without a hall type are "unknown format", never "not MX4D" (README §13.13).
    theab_kind_cd: str | None = None
    theab_seat_cnt: int | None = None
    tot_seat_cnt: int | None = None
    rest_seat_cnt: int
    movie_no: str
    rpst_movie_no: str | None = None
    movie_nm: str = ""
    play_kind_cd: str | None = None
    play_kind_nm: str | None = None
    event_div_cd: str | None = None
    bokd_able_at: str = "Y"
    brch_bokd_unable_at: str = "N"

    @classmethod
    def model_validate(cls, raw: Any) -> Self:
        r = _Reader(raw)
        return cls(
            play_schdl_no=r.code("playSchdlNo", required=True),
            play_de=r.day("playDe"),
            start_clock=r.clock("playStartTime"),
            end_clock=r.clock("playEndTime"),
            brch_no=r.code("brchNo", required=True),
            brch_nm=r.name("brchNm", ""),
            brch_eng_nm=r.opt_name("brchEngNm"),
            theab_no=r.code("theabNo", ""),
            theab_nm=r.name("theabExpoNm", ""),
            theab_kind_cd=r.opt_code("theabKindCd"),
            theab_seat_cnt=r.opt_count("theabSeatCnt"),
            tot_seat_cnt=r.opt_count("totSeatCnt"),
            rest_seat_cnt=r.count("restSeatCnt", minimum=0),
            movie_no=r.code("movieNo", required=True),
            rpst_movie_no=r.opt_code("rpstMovieNo"),
            movie_nm=r.name("movieNm", ""),
            play_kind_cd=r.opt_code("playKindCd"),
            play_kind_nm=r.opt_name("playKindNm"),
            event_div_cd=r.opt_code("eventDivCd"),
            bokd_able_at=r.text("bokdAbleAt", "Y"),
            brch_bokd_unable_at=r.text("brchBokdUnableAt", "N"),
        )

    @property
    def start(self) -> datetime:
        return at_clock(self.play_de, self.start_clock)

    @property
    def end(self) -> datetime:
        return at_clock(self.play_de, self.end_clock)

    @property
    def bookable(self) -> bool:
        """Closed (마감) or branch booking off means no seat can be had online (README §10)."""
        return self.bokd_able_at == "Y" and self.brch_bokd_unable_at != "Y"

    @property
    def total_seats(self) -> int | None:
        return self.tot_seat_cnt if self.tot_seat_cnt is not None else self.theab_seat_cnt

    @property
    def is_mx4d(self) -> bool:
        """README §9: hall type, play kind or the hall name; 3D MX4D may use another code."""
        return (
            self.theab_kind_cd == MX4D
            or self.play_kind_cd == MX4D_PLAY_KIND
            or MX4D in self.theab_nm.upper()
        )

    @property
    def format_code(self) -> str | None:
        """MX4D wins over the hall code; None = unknown (no hall fields in the row)."""
        if self.is_mx4d:
            return MX4D
        return self.theab_kind_cd or None

    def matches_movie(self, movie_no: str) -> bool:
        """Event showings and versions share the representative number (README §13.10-11)."""
        return movie_no in (self.movie_no, self.rpst_movie_no)


@dataclass(frozen=True, slots=True, kw_only=True)
class CalendarDay:
    """One entry of `movieFormDeList` (README §4.4, §5.2)."""

    play_de: date
    form_at: str = "N"
    hldy_div_at: str | None = None
    scrdt_div_cd: str | None = None

    @classmethod
    def model_validate(cls, raw: Any) -> Self:
        r = _Reader(raw)
        return cls(
            play_de=r.day("playDe"),
            form_at=r.text("formAt", "N"),
            hldy_div_at=r.opt_text("hldyDivAt"),
            scrdt_div_cd=r.opt_text("scrdtDivCd"),
        )

    @property
    def open(self) -> bool:
        return self.form_at == "Y"

    @property
    def holiday(self) -> bool:
        # Older pages (and schedulePage.do) say scrdtDivCd "HLDY" instead of hldyDivAt.
        return self.hldy_div_at == "Y" or self.scrdt_div_cd == "HLDY"


@dataclass(frozen=True, slots=True, kw_only=True)
class Branch:
    """One entry of `areaBrchList` (README §4.6)."""

    brch_no: str
    brch_nm: str
    brch_eng_nm: str | None = None
    area_cd: str = ""
    area_nm: str = ""
    bokd_unable_at: str = "N"

    @classmethod
    def model_validate(cls, raw: Any) -> Self:
        r = _Reader(raw)
        return cls(
            brch_no=r.code("brchNo", required=True),
            brch_nm=r.name("brchNm"),
            brch_eng_nm=r.opt_name("brchEngNm"),
            area_cd=r.code("areaCd", ""),
            area_nm=r.name("areaCdNm", ""),
            bokd_unable_at=r.text("brchBokdUnableAt", "N"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Movie:
    """One entry of `selectMovieList.do`'s `movieList` (README §7)."""

    movie_no: str
    rpst_movie_no: str | None = None
    movie_nm: str
    movie_eng_nm: str | None = None
    release: str | None = None
    play_time: int | None = None
    admis_class_nm: str | None = None
    mx4d: str | None = None
    #: "Y" = bookable online now; upcoming films are listed before they are (README §7).
    bokd_able_at: str | None = None

    @classmethod
    def model_validate(cls, raw: Any) -> Self:
        r = _Reader(raw)
        return cls(
            movie_no=r.code("movieNo", required=True),
            rpst_movie_no=r.opt_code("rpstMovieNo"),
            movie_nm=r.name("movieNm"),
            movie_eng_nm=r.opt_name("movieEngNm"),
            release=r.opt_text("rfilmDe"),
            play_time=r.opt_count("playTime"),
            admis_class_nm=r.opt_name("admisClassNm", "admisClassCdNm"),
            mx4d=r.opt_text("mx4dTheabAt"),
            bokd_able_at=r.opt_text("bokdAbleAt", "bokdAbleYn"),
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


@dataclass(frozen=True, slots=True, kw_only=True)
class SeatMap:
    """The parts of `selectSeatList.do` we use (README §6.2)."""

    play_schdl_no: str
    seats: tuple[Seat, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class SkippedRow:
    """An entry of an answer that could not be read: skipped, with what little is known, so
    one odd row does not cost the whole listing (the check reports it as not checked)."""

    kind: str  # "screening" | "branch"
    reason: str
    brch_no: str | None = None
    play_de: date | None = None
    movie_no: str | None = None

    @classmethod
    def of(cls, kind: str, raw: Any, reason: str) -> SkippedRow:
        fields = raw if isinstance(raw, dict) else {}

        def code(key: str) -> str | None:
            value = _str_code(fields.get(key))
            return value if isinstance(value, str) and value else None

        day = _yyyymmdd(fields.get("playDe"))
        return cls(
            kind=kind,
            reason=reason,
            brch_no=code("brchNo"),
            play_de=day if isinstance(day, date) else None,
            movie_no=code("rpstMovieNo") or code("movieNo"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class BookingPage:
    """What one `selectBokdList.do` (or `schedulePage.do`) answer gives us."""

    screenings: tuple[Screening, ...]
    calendar: tuple[CalendarDay, ...] = ()
    branches: tuple[Branch, ...] = ()
    skipped: tuple[SkippedRow, ...] = ()
