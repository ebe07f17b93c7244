"""Typed rows parsed from what MEGABOX really sends (see tests/fixtures/README.md).

Every quirk is absorbed here, once: HTML entities in names, numbers as strings, end times past
24:00, optional keys. Anything else that is off raises `BadShape` at the edge (client.py).
"""

from __future__ import annotations

import html
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field

KST = ZoneInfo("Asia/Seoul")


#: MEGABOX has no "4DX": its motion-seat format is MX4D (README §1, §9).
MX4D = "MX4D"
MX4D_PLAY_KIND = "MK32"


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
            return value  # let pydantic report the bad value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _yyyymmdd(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip().replace("-", "").replace(".", "")
        if len(text) == 8 and text.isdigit():
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    return value


def _clock(value: Any) -> Any:
    """Reject an unreadable time here, as a bad answer, not later as a crash."""
    if isinstance(value, str):
        parse_clock(value)
    return value


def _str_code(value: Any) -> Any:
    """Codes are strings; keep leading zeros, accept numbers defensively."""
    if isinstance(value, int):
        return str(value)
    return value.strip() if isinstance(value, str) else value


Name = Annotated[str, BeforeValidator(_unescape)]
Count = Annotated[int, BeforeValidator(_lenient_int)]
OptCount = Annotated[int | None, BeforeValidator(_lenient_int)]
Day = Annotated[date, BeforeValidator(_yyyymmdd)]
Code = Annotated[str, BeforeValidator(_str_code)]
Clock = Annotated[str, BeforeValidator(_clock)]


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


class _Row(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class Screening(_Row):
    """One row of `movieFormList` (README §4.3)."""

    play_schdl_no: Code = Field(alias="playSchdlNo", min_length=1)
    play_de: Day = Field(alias="playDe")
    start_clock: Clock = Field(alias="playStartTime")
    end_clock: Clock = Field(alias="playEndTime")
    brch_no: Code = Field(alias="brchNo", min_length=1)
    brch_nm: Name = Field(alias="brchNm", default="")
    brch_eng_nm: Name | None = Field(alias="brchEngNm", default=None)
    theab_no: Code = Field(alias="theabNo", default="")
    theab_nm: Name = Field(alias="theabExpoNm", default="")
    # Rows without a hall type are "unknown format", never "not MX4D" (README §13.13).
    theab_kind_cd: Code | None = Field(alias="theabKindCd", default=None)
    theab_seat_cnt: OptCount = Field(alias="theabSeatCnt", default=None)
    tot_seat_cnt: OptCount = Field(alias="totSeatCnt", default=None)
    rest_seat_cnt: Count = Field(alias="restSeatCnt", ge=0)
    movie_no: Code = Field(alias="movieNo", min_length=1)
    rpst_movie_no: Code | None = Field(alias="rpstMovieNo", default=None)
    movie_nm: Name = Field(alias="movieNm", default="")
    play_kind_cd: Code | None = Field(alias="playKindCd", default=None)
    play_kind_nm: Name | None = Field(alias="playKindNm", default=None)
    event_div_cd: Code | None = Field(alias="eventDivCd", default=None)
    bokd_able_at: str = Field(alias="bokdAbleAt", default="Y")
    brch_bokd_unable_at: str = Field(alias="brchBokdUnableAt", default="N")

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


class CalendarDay(_Row):
    """One entry of `movieFormDeList` (README §4.4, §5.2)."""

    play_de: Day = Field(alias="playDe")
    form_at: str = Field(alias="formAt", default="N")
    hldy_div_at: str | None = Field(alias="hldyDivAt", default=None)
    scrdt_div_cd: str | None = Field(alias="scrdtDivCd", default=None)

    @property
    def open(self) -> bool:
        return self.form_at == "Y"

    @property
    def holiday(self) -> bool:
        # Older pages (and schedulePage.do) say scrdtDivCd "HLDY" instead of hldyDivAt.
        return self.hldy_div_at == "Y" or self.scrdt_div_cd == "HLDY"


class Branch(_Row):
    """One entry of `areaBrchList` (README §4.6)."""

    brch_no: Code = Field(alias="brchNo", min_length=1)
    brch_nm: Name = Field(alias="brchNm")
    brch_eng_nm: Name | None = Field(alias="brchEngNm", default=None)
    area_cd: Code = Field(alias="areaCd", default="")
    area_nm: Name = Field(alias="areaCdNm", default="")
    bokd_unable_at: str = Field(alias="brchBokdUnableAt", default="N")


class Movie(_Row):
    """One entry of `selectMovieList.do`'s `movieList` (README §7)."""

    movie_no: Code = Field(alias="movieNo", min_length=1)
    rpst_movie_no: Code | None = Field(alias="rpstMovieNo", default=None)
    movie_nm: Name = Field(alias="movieNm")
    movie_eng_nm: Name | None = Field(alias="movieEngNm", default=None)
    release: str | None = Field(alias="rfilmDe", default=None)
    play_time: OptCount = Field(alias="playTime", default=None)
    admis_class_nm: Name | None = Field(
        validation_alias=AliasChoices("admisClassNm", "admisClassCdNm"), default=None
    )
    mx4d: str | None = Field(alias="mx4dTheabAt", default=None)
    #: "Y" = bookable online now; upcoming films are listed before they are (README §7).
    bokd_able_at: str | None = Field(
        validation_alias=AliasChoices("bokdAbleAt", "bokdAbleYn"), default=None
    )


class Seat(_Row):
    """One entry of `seatListSD01` (README §6.3)."""

    row_nm: Name = Field(alias="rowNm", default="")
    seat_no: OptCount = Field(alias="seatNo", default=None)
    horz: float | None = Field(alias="horzCoorVal", default=None)
    horz_size: float | None = Field(alias="horzSizeRt", default=None)
    vert: float | None = Field(alias="vertCoorVal", default=None)
    seat_stat_cd: str = Field(alias="seatStatCd")
    seat_class_cd: str | None = Field(alias="seatClassCd", default=None)
    seat_expo_at: str = Field(alias="seatExpoAt", default="Y")
    grp_no: OptCount = Field(alias="seatChoiGrpNo", default=None)
    grp_seq: OptCount = Field(alias="seatChoiGrpSeq", default=None)

    @property
    def label(self) -> str:
        return f"{self.row_nm}{self.seat_no if self.seat_no is not None else '?'}"


class SeatMap(_Row):
    """The parts of `selectSeatList.do` we use (README §6.2)."""

    play_schdl_no: str
    seats: tuple[Seat, ...]


class SkippedRow(_Row):
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


class BookingPage(_Row):
    """What one `selectBokdList.do` (or `schedulePage.do`) answer gives us."""

    screenings: tuple[Screening, ...]
    calendar: tuple[CalendarDay, ...] = ()
    branches: tuple[Branch, ...] = ()
    skipped: tuple[SkippedRow, ...] = ()
