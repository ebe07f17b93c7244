"""Protocol-level fake of Lotte Cinema's web API (reference: /work/shared/lotte/README.md).

No Lotte response was ever captured: this fake and tests/fixtures/lotte/ are written from the
reference. One aiohttp server on 127.0.0.1 answers the four operations the bot needs, in the
format of tests/fixtures/lotte/, from mutable in-memory state::

    async with FakeLotte() as lc:
        lc.set_free_seats(SUPER4D_THREE, ["F5", "F6", "F7"])
        lc.fail("GetSeats", "429")
        ...  # point the client at lc.base_url

Transport (reference "Transport"): ``POST /LCWS/<Area>/<Area>Data.aspx`` with one form field,
``paramList``, a JSON string whose ``MethodName`` picks the operation. Multipart and urlencoded
forms are both accepted (the content type is logged). ``GetTicketingPageTOBE`` without
``memberOnNo`` answers "호출 파라미터가 부족합니다" (one project's report).

Scenario (Lotte's clock Thu 2026-12-10, FIXTURE_DAY Sun 2026-12-13): 월드타워 ``1016`` and 건대입구
``1004``. A screening is ``(CinemaID, ScreenID, PlayDt, PlaySequence)``, served as one listing
row per seat zone (9관 comes as zone 100 + zone 960). Every screening has a seat map; the
listing's ``BookingSeatCount`` per zone is the map's free seats of that zone (seats tie to a
zone by ``DisplayPhysicalBlockCode``, a choice of this fake), except where a test sets the
listing apart (``set_listing_count``: the inverted-count fixture is such a screening).
Dates: the calendar lists Lotte's today (Thu) .. FIXTURE_DAY+7; a date is "open" (rows served with their own
``IsBookingYN``) or only "listed" (rows served as ``J``, on sale later). ``FakeLotte(today=...)``
moves it all by whole weeks to the first Sunday after ``today``.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import dataclasses
import datetime as dt
import json
import math
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from aiohttp import web
from multidict import CIMultiDict

from tests.fakes.base import FakeServer, Reply, as_str, base_parser, http_failure, json_copy, render

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "lotte"

Json = dict[str, Any]
Row = dict[str, Any]
#: A screening: (CinemaID, ScreenID, PlayDt "YYYY-MM-DD", PlaySequence).
Key = tuple[int, int, str, int]

PATHS: dict[str, str] = {
    "/LCWS/Ticketing/TicketingData.aspx": "Ticketing",
    "/LCWS/Movie/MovieData.aspx": "Movie",
    "/LCWS/Cinema/CinemaData.aspx": "Cinema",
}
#: MethodName -> the area whose path serves it.
METHODS: dict[str, str] = {
    "GetTicketingPageTOBE": "Ticketing",
    "GetPlaySequence": "Ticketing",
    "GetSeats": "Ticketing",
    "GetMoviesToBe": "Movie",
}
FAIL_MODES = frozenset(
    {"timeout", "403", "429", "500", "502", "503", "html", "bad-json", "empty"}
    | {"error", "silent-empty", "missing-keys"}
)
JSON_TYPE = "application/json; charset=utf-8"
MISSING_PARAMS = "호출 파라미터가 부족합니다"  # reference, Transport (one project's report)
FREE, HELD, SOLD = 0, 20, 50
BLOCKED = frozenset({23, 28, 80})
WHEELCHAIR_FLAGS = frozenset({3, 8})  # first Y in SeatBlockSet (reference, Seat map, M)
NO_RELATED = " " * 10
_ZONE_NAMES = {100: "일반", 300: "샤롯데", 930: "수퍼 4D", 940: "수퍼플렉스", 960: "씨네패밀리"}
_ERROR_PAGE = (
    "<!DOCTYPE html><html><head><title>롯데시네마</title></head><body>"
    "<h1>서비스 점검 중입니다.</h1><p>{}</p></body></html>"
)

#: Lotte's clock in the fixtures, and the Sunday that holds the fixture rows.
FIXTURE_TODAY = dt.date(2026, 12, 10)
FIXTURE_DAY = dt.date(2026, 12, 13)
WORLD_TOWER, KONDAE = 1016, 1004
#: Fixture screenings (see tests/fixtures/lotte/README.md).
SUPER4D_SOLD_OUT: Key = (1016, 1204, "2026-12-13", 1)
SUPER4D_WHEELCHAIR_ONLY: Key = (1016, 1204, "2026-12-13", 2)
SUPER4D_THREE: Key = (1016, 1204, "2026-12-13", 3)
SUPER4D_INVERTED: Key = (1016, 1204, "2026-12-13", 4)
SUPER4D_ACROSS_AISLE: Key = (1016, 1204, "2026-12-13", 5)  # 23:00-25:20
CHARLOTTE_CLOSED: Key = (1016, 1202, "2026-12-13", 1)
CHARLOTTE_COUPLES: Key = (1016, 1202, "2026-12-13", 2)
ZONES_9: Key = (1016, 1209, "2026-12-13", 2)
SUPERPLEX: Key = (1016, 101621, "2026-12-13", 1)
#: Fixture files per screening with an explicit seat map.
SEAT_FILES: dict[Key, str] = {
    SUPER4D_WHEELCHAIR_ONLY: "GetSeats-1016-super4d-wheelchair-only.json",
    SUPER4D_THREE: "GetSeats-1016-super4d-three-together.json",
    SUPER4D_INVERTED: "GetSeats-1016-super4d-inverted-count.json",
    SUPER4D_ACROSS_AISLE: "GetSeats-1016-super4d-across-aisle.json",
    CHARLOTTE_COUPLES: "GetSeats-1016-charlotte-couples.json",
    ZONES_9: "GetSeats-1016-9-zones.json",
}
PLAY_FILES = ("GetPlaySequence-1016.json", "GetPlaySequence-1004.json")
LISTED_FILE = "GetPlaySequence-1016-listed.json"


# ---------------------------------------------------------------------- halls (shared with
# tests/fixtures/lotte/make_fixtures.py, which writes the fixture seat maps from them)


@dataclass(frozen=True)
class HallRow:
    """One row of a hall. `pattern`: a seat per letter, `|` an aisle (new SeatColumGroupNo),
    a space a side table (same group, not adjacent). Letters: o ordinary, w wheelchair (flag 3),
    f wheelchair footrest (flag 8), c couple (pairs, RelatedSeatCount 2), v special fee
    (flag 10), r recliner (flag 10)."""

    row: str
    zone: int
    pattern: str
    x_len: int = 226
    y_len: int = 416


@dataclass(frozen=True)
class Hall:
    screen_floor: int
    rows: tuple[HallRow, ...]
    start_x: int = 1000
    start_y: int = 2000
    doors: tuple[tuple[int, int], ...] = ()


_FLAG = {"o": None, "w": 3, "f": 8, "c": 0, "v": 10, "r": 10}
_DISABLE = {"w": "10,12,20,65", "f": "10,12,20,65"}  # only 장애인 (11) tickets: placeholder

_4D_ROW = "oooo|oooooo|oooo"


def _rows(
    letters: str, zone: int, pattern: str, x_len: int = 226, y_len: int = 416
) -> list[HallRow]:
    return [HallRow(r, zone, pattern, x_len, y_len) for r in letters]


HALLS: dict[tuple[int, int], Hall] = {
    # 4관 수퍼 4D: 8 rows of 4|6|4 motion seats; row H has 2 wheelchair + 2 wheelchair-footrest.
    (1016, 1204): Hall(5, (*_rows("ABCDEFG", 930, _4D_ROW), *_rows("H", 930, "wwoo|oooooo|ooff"))),
    # 2관 샤롯데: wide recliners in pairs with side tables; row E couple seats; A1, A8 wheelchair.
    (1016, 1202): Hall(
        2,
        (
            *_rows("A", 300, "wv vv|vv vw", 330, 520),
            *_rows("BCD", 300, "vv vv|vv vv", 330, 520),
            *_rows("E", 300, "cc cc|cc cc", 330, 520),
        ),
    ),
    # 9관: zone 100 (8 rows of 4|8|4) and a recliner zone 960 in row I (reference: 9관 100 + 960).
    (1016, 1209): Hall(
        9,
        (
            *_rows("ABCDEFG", 100, "oooo|oooooooo|oooo"),
            *_rows("H", 100, "wwoo|oooooooo|oooo"),
            *_rows("I", 960, "rr rr rr|rr rr rr", 300, 480),
        ),
    ),
    # 21관 수퍼플렉스: 12 rows of 6|12|6; row L has 2 wheelchair seats.
    (1016, 101621): Hall(
        21,
        (
            *_rows("ABCDEFGHIJK", 940, "oooooo|oooooooooooo|oooooo"),
            *_rows("L", 940, "wwoooo|oooooooooooo|oooooo"),
        ),
    ),
    (1004, 100401): Hall(1, tuple(_rows("ABCDEFGHIJ", 100, "ooo|oooooo|ooo"))),
    (1004, 100405): Hall(5, (*_rows("ABCDE", 930, _4D_ROW), *_rows("F", 930, "wwoo|oooooo|oooo"))),
}


def seat_block_set(kind: str) -> str:
    flags = ["N"] * 23
    idx = _FLAG[kind]
    if idx is not None:
        flags[idx] = "Y"
    flags[22] = "Y"  # ordinary seats were seen with only the last flag Y (reference, M)
    return ",".join(flags)


def build_seats(hall: Hall) -> list[Json]:
    """Every seat of `hall`, all sold (status 50); numbers run straight across aisles."""
    seats: list[Json] = []
    y = hall.start_y
    for hr in hall.rows:
        x = float(hall.start_x)
        group, col = 1, 0
        row_seats: list[Json] = []
        pending_gap = 0.0
        for ch in hr.pattern:
            if ch == "|":
                group += 1
                pending_gap += 1.5  # centres of aisle neighbours end up 2.5 widths apart
                continue
            if ch == " ":
                pending_gap += 0.6  # side table: 1.6 widths, beyond the 1.4 neighbour limit
                continue
            if col:
                x += hr.x_len * (1 + pending_gap)
            pending_gap = 0.0
            col += 1
            row_seats.append(
                {
                    "SeatNo": f"1{hr.row}{col:02d}",
                    "SeatRow": hr.row,
                    "SeatColumn": col,
                    "ShowSeatRow": hr.row,
                    "ShowSeatColumn": col,
                    "SeatColumGroupNo": str(group),
                    "SeatXCoordinate": round(x),
                    "SeatYCoordinate": y,
                    "SeatXLength": hr.x_len,
                    "SeatYLength": hr.y_len,
                    "SeatFloor": 1,
                    "ScreenFloor": hall.screen_floor,
                    "SeatStatusCode": SOLD,
                    "SeatBlockSet": seat_block_set(ch),
                    "RelatedSeatNo": NO_RELATED,
                    "RelatedSeatCount": 1,
                    "PhysicalBlockCode": 200 + 10 * group,
                    "DisplayPhysicalBlockCode": hr.zone,
                    "LogicalBlockCode": 0,
                    "FeeBlockCode": 3 if ch == "o" else 7,
                    "SweetSpotYN": "N",
                    "SalesDisableTicketCode": _DISABLE.get(ch, "40,50,65,66,80"),
                    "CustomerDivisionCode": 0,
                }
            )
        couples = [
            s
            for s, ch in zip(row_seats, hr.pattern.replace("|", "").replace(" ", ""), strict=True)
            if ch == "c"
        ]
        for a, b in zip(couples[::2], couples[1::2], strict=True):
            a["RelatedSeatNo"], b["RelatedSeatNo"] = b["SeatNo"].ljust(10), a["SeatNo"].ljust(10)
            a["RelatedSeatCount"] = b["RelatedSeatCount"] = 2
        seats += row_seats
        y += round(hr.y_len * 1.15)
    return seats


def _grid_hall(zones: Mapping[int, int]) -> Hall:
    """A made-up hall for a screen without a HALLS entry: 12 wide (3|6|3) per zone's count."""
    rows: list[HallRow] = []
    letter = 0
    for zone, size in zones.items():
        full, rest = divmod(size, 12)
        widths = [12] * full + ([rest] if rest else [])
        for w in widths:
            left = min(3, w)
            mid = min(6, w - left)
            pattern = "|".join(p for p in ("o" * left, "o" * mid, "o" * (w - left - mid)) if p)
            rows.append(HallRow(chr(ord("A") + letter), zone, pattern))
            letter += 1
    return Hall(1, tuple(rows))


def is_wheelchair(seat: Mapping[str, Any]) -> bool:
    flags = str(seat.get("SeatBlockSet", "")).replace(",", "")
    first = flags.find("Y")
    return first in WHEELCHAIR_FLAGS


def seat_name(seat: Mapping[str, Any]) -> str:
    return f"{seat.get('ShowSeatRow')}{seat.get('ShowSeatColumn')}"


def fill(seats: list[Json], free_per_zone: Mapping[int, int]) -> None:
    """Exactly n seats free per zone, in a fixed order: wheelchair first, then row A on."""
    for zone, n in free_per_zone.items():
        mine = [s for s in seats if s["DisplayPhysicalBlockCode"] == zone]
        order = [s for s in mine if is_wheelchair(s)] + [s for s in mine if not is_wheelchair(s)]
        for i, s in enumerate(order):
            s["SeatStatusCode"] = FREE if i < n else SOLD


def seat_response(seats: list[Json], hall: Hall) -> Json:
    """A GetSeats body around `seats` (ScreenSeatInfo counted from them)."""
    max_col = max((s["SeatColumn"] for s in seats), default=0)
    return {
        "Seats": {"Items": seats},
        "BookingSeats": {"Items": []},
        "ScreenSeatInfo": {
            "Items": [
                {
                    "TotalSeatCount": len(seats),
                    "BookingCount": sum(1 for s in seats if s["SeatStatusCode"] in (HELD, SOLD)),
                    "MaxSeatColumn": max_col,
                    "StartXCoordinate": hall.start_x,
                    "StartYCoordinate": hall.start_y,
                }
            ]
        },
        "Enterences": {
            "Items": [{"EnterenceXCoordinate": x, "EnterenceYCoordinate": y} for x, y in hall.doors]
            or [
                {
                    "EnterenceXCoordinate": hall.start_x,
                    "EnterenceYCoordinate": max((s["SeatYCoordinate"] for s in seats), default=0)
                    + 600,
                }
            ]
        },
        "CustomerDivision": {
            "Items": [
                {"CustomerDivisionCode": c, "CustomerDivisionNameKR": n}
                for c, n in (
                    (10, "성인"),
                    (20, "청소년"),
                    (12, "경로"),
                    (11, "장애인"),
                    (65, "어린이"),
                )
            ]
        },
        "Fees": {"Items": [{"CustomerDivisionCode": 10, "FeeBlockCode": 3, "Fee": 15000}]},
        "IsOK": "true",
        "ResultMessage": "SUCCESS",
        "ResultCode": "0",
    }


def _refresh_info(data: Json) -> None:
    seats = data.get("Seats", {}).get("Items") or []
    info = (data.get("ScreenSeatInfo", {}).get("Items") or [None])[0]
    if isinstance(info, dict):
        info["TotalSeatCount"] = len(seats)
        info["BookingCount"] = sum(1 for s in seats if s.get("SeatStatusCode") in (HELD, SOLD))


def free_by_zone(seats: Iterable[Mapping[str, Any]]) -> dict[int, int]:
    out: dict[int, int] = {}
    for s in seats:
        zone = int(s.get("DisplayPhysicalBlockCode", 0))
        out[zone] = out.get(zone, 0) + (s.get("SeatStatusCode") == FREE)
    return out


# ---------------------------------------------------------------------- fixture helpers


@cache
def _fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def load_fixture(name: str) -> Any:
    """A fresh (unshared) parse of tests/fixtures/lotte/<name>."""
    return json.loads(_fixture_text(name))


def envelope(payload: Json | None = None, *, ok: bool = True, message: str = "SUCCESS") -> Json:
    return {
        **(payload or {}),
        "IsOK": "true" if ok else "false",
        "ResultMessage": message,
        "ResultCode": "0" if ok else "-1",  # placeholder: no failing code was ever recorded
    }


def key_of(row: Mapping[str, Any]) -> Key:
    return (
        int(row["CinemaID"]),
        int(row["ScreenID"]),
        str(row["PlayDt"]),
        int(row["PlaySequence"]),
    )


def shift_date(play_dt: str, days: int) -> str:
    return (dt.date.fromisoformat(play_dt) + dt.timedelta(days)).isoformat()


def shift_key(key: Key, days: int) -> Key:
    return (key[0], key[1], shift_date(key[2], days), key[3])


def days_to_week_of(today: dt.date) -> int:
    """Whole weeks (in days) that move FIXTURE_DAY to the first Sunday after `today`."""
    return 7 * math.ceil(((today - FIXTURE_DAY).days + 1) / 7)


def _parse_param_list(text: str) -> Json | None:
    """paramList as JSON; a Python dict repr (single quotes) as some clients send it (L)."""
    try:
        value = json.loads(text)
    except ValueError:
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return None
    return value if isinstance(value, dict) else None


@dataclass
class RecordedRequest:
    method: str  # MethodName, or "" when the body had none
    path: str
    params: dict[str, str]  # paramList's fields, every value as a string
    raw: Json | None  # paramList as parsed, types kept (GetSeats ids are numbers)
    content_type: str  # "multipart/form-data" or "application/x-www-form-urlencoded"
    headers: CIMultiDict[str]
    failure: str | None = None


@dataclass
class _Reply(Reply):
    content_type: str = JSON_TYPE


@dataclass
class _Screening:
    rows: list[Row]  # one per seat zone, listing order
    seat_map: Json | None = None  # explicit GetSeats body; None = generated from the rows


class FakeLotte(FakeServer[RecordedRequest]):
    """Stateful Lotte Cinema fake. Mutate state between client calls; see the module doc.

    Requests are keyed by MethodName: ``fail("GetSeats", ...)``, ``count("GetPlaySequence")``.
    """

    KEY = "method"
    TARGETS = frozenset(METHODS)
    FAIL_MODES = FAIL_MODES
    ERROR_PAGE = _ERROR_PAGE

    def __init__(
        self, *, host: str = "127.0.0.1", port: int = 0, today: dt.date | None = None
    ) -> None:
        super().__init__(host=host, port=port)
        self.require_member_on_no = True  # GetTicketingPageTOBE needs memberOnNo (reference)
        self.strict_seat_ids = True  # GetSeats with string/mis-cased ids: silent empty (L)
        self.is_ok_bool = False  # True: IsOK as a JSON boolean, as older code saw it
        #: True: 403 without a browser User-Agent and the Referer (none seen: Lotte blocks no
        #: one, reference §Transport; this checks the client sends what the reference says).
        self.require_headers = False
        #: Rows of another cinema mixed into a cinema's GetPlaySequence (reference: filter on
        #: CinemaID). requested -> other; its first row of that date is appended.
        self.stray_rows: dict[int, int] = {WORLD_TOWER: KONDAE}

        page = load_fixture("GetTicketingPageTOBE.json")
        self.areas: list[Json] = page["CinemaDivison"]["AreaDivisions"]["Items"]
        self.cinemas: list[Json] = page["Cinemas"]["Cinemas"]["Items"]
        self.page_movies: list[Json] = page["Movies"]["Movies"]["Items"]
        self.movies: list[Json] = load_fixture("GetMoviesToBe.json")["Movies"]["Items"]
        self._calendar: set[str] = set()
        self._open: set[str] = set()
        for d in page["MoviePlayDates"]["Items"]["Items"]:
            self._calendar.add(d["PlayDate"])
        self._screenings: dict[Key, _Screening] = {}
        for name in PLAY_FILES:
            for row in load_fixture(name)["PlaySeqs"]["Items"]:
                if name.endswith(f"-{row['CinemaID']}.json"):  # strays are served, not stored
                    self._add_row(row)
        for row in load_fixture(LISTED_FILE)["PlaySeqs"]["Items"]:
            self._add_row({**row, "IsBookingYN": "Y"})  # J comes from the date, not the row
        self._open = {FIXTURE_DAY.isoformat()}  # the listed file's date stays "J"
        for key, name in SEAT_FILES.items():
            self._screenings[key].seat_map = load_fixture(name)
        #: Days the scenario was moved by: fixture dates + this = served ones.
        self.shifted_days = 0
        if today is not None:
            self._shift(days_to_week_of(today))
            # Lotte lists no past dates.
            self._calendar = {d for d in self._calendar if d >= today.isoformat()}

    # ------------------------------------------------------------------ moving the scenario

    @property
    def fixture_day(self) -> dt.date:
        """The Sunday that holds the fixture rows (2026-12-13 unless moved)."""
        return FIXTURE_DAY + dt.timedelta(self.shifted_days)

    def moved(self, key: Key) -> Key:
        """A fixture screening key (e.g. SUPER4D_THREE) as served after the move."""
        return shift_key(key, self.shifted_days)

    def date(self, offset: int = 0) -> str:
        """fixture_day + offset days, as Lotte writes it."""
        return (self.fixture_day + dt.timedelta(offset)).isoformat()

    def _shift(self, days: int) -> None:
        self.shifted_days += days
        self._calendar = {shift_date(d, days) for d in self._calendar}
        self._open = {shift_date(d, days) for d in self._open}
        old = self._screenings
        self._screenings = {}
        for key, s in old.items():
            rows = [{**r, "PlayDt": shift_date(str(r["PlayDt"]), days)} for r in s.rows]
            self._screenings[shift_key(key, days)] = _Screening(rows, s.seat_map)

    # ------------------------------------------------------------------ calendar

    def open_date(self, play_dt: str) -> None:
        """List `play_dt` and put it on sale: its rows are served with their own IsBookingYN."""
        self._calendar.add(play_dt)
        self._open.add(play_dt)

    def list_date(self, play_dt: str) -> None:
        """List `play_dt` without sale: its rows are served as IsBookingYN "J"."""
        self._calendar.add(play_dt)
        self._open.discard(play_dt)

    def unlist_date(self, play_dt: str) -> None:
        """Off the play-date list: GetPlaySequence answers an empty list (IsOK true)."""
        self._calendar.discard(play_dt)
        self._open.discard(play_dt)

    def is_open(self, play_dt: str) -> bool:
        return play_dt in self._open

    @property
    def listed_dates(self) -> list[str]:
        return sorted(self._calendar)

    # ------------------------------------------------------------------ screenings

    def keys(self, play_dt: str | None = None, cinema_id: int | None = None) -> list[Key]:
        return sorted(
            k
            for k in self._screenings
            if (play_dt is None or k[2] == play_dt) and (cinema_id is None or k[0] == cinema_id)
        )

    def rows(self, key: Key) -> list[Row]:
        """The live zone rows of a screening (mutating them is raw: no seat-map sync)."""
        return self._screenings[key].rows

    def _add_row(self, row: Row) -> None:
        key = key_of(row)
        screening = self._screenings.setdefault(key, _Screening([]))
        screening.rows.append(json_copy(row))

    def add_screening(self, rows: Sequence[Mapping[str, Any]], *, mark_open: bool = True) -> Key:
        """Store copies of a screening's zone rows (replacing the screening); returns its key.

        Its date is listed; mark_open also puts it on sale. Its seat map is generated from the rows (BookingSeatCount free per zone).
        """
        keys = {key_of(r) for r in rows}
        if len(keys) != 1:
            raise ValueError(f"zone rows must share one screening key, got {sorted(keys)}")
        key = keys.pop()
        self._screenings[key] = _Screening([json_copy(dict(r)) for r in rows])
        self._calendar.add(key[2])  # listed at least; sale only when told
        if mark_open:
            self.open_date(key[2])
        return key

    def clone_screening(self, key: Key, *, mark_open: bool = True, **fields: Any) -> Key:
        """Copy a screening with field overrides on every zone row (e.g. PlaySequence=7,
        StartTime="21:00"); its seat map (explicit or generated) is copied too."""
        src = self._screenings[key]
        rows = [{**json_copy(r), **fields} for r in src.rows]
        new = key_of(rows[0])
        if new == key:
            raise ValueError("clone needs a new key (PlayDt, PlaySequence, ScreenID or CinemaID)")
        self.add_screening(rows, mark_open=mark_open)
        self._screenings[new].seat_map = json_copy(self._materialize(key))
        return new

    def copy_day(self, src: str, dst: str, *, mark_open: bool = True) -> list[Key]:
        """Clone every screening of `src` to `dst` (seat maps included)."""
        created = [self.clone_screening(k, mark_open=False, PlayDt=dst) for k in self.keys(src)]
        (self.open_date if mark_open else self.list_date)(dst)
        return created

    def remove_screening(self, key: Key) -> None:
        del self._screenings[key]

    def clear(self) -> None:
        """Drop every screening (cinemas, calendar and catalogue stay)."""
        self._screenings.clear()

    def set_row_field(self, key: Key, name: str, value: Any, *, zone: int | None = None) -> None:
        """Raw write on the zone rows (all, or the one with ScreenDivisionCode `zone`)."""
        for r in self._screenings[key].rows:
            if zone is None or int(r["ScreenDivisionCode"]) == zone:
                r[name] = value

    def set_listing_count(self, key: Key, remaining: int, *, zone: int | None = None) -> None:
        """BookingSeatCount in the listing only: the map no longer agrees (a stale listing)."""
        rows = self._screenings[key].rows
        target = next(r for r in rows if zone is None or int(r["ScreenDivisionCode"]) == zone)
        target["BookingSeatCount"] = remaining

    def remaining(self, key: Key) -> int:
        """The listing's remaining seats, summed over the zone rows."""
        return sum(int(r["BookingSeatCount"]) for r in self._screenings[key].rows)

    # ------------------------------------------------------------------ seat maps

    def seat_map(self, key: Key) -> Json:
        """The GetSeats body that would be served now (a copy)."""
        return json_copy(self._materialize(key))

    def set_seat_map(
        self, key: Key, source: str | Mapping[str, Any], *, sync_listing: bool = True
    ) -> None:
        """A fixture file name or GetSeats body as this screening's map; with sync_listing the
        zone rows' BookingSeatCount becomes the map's free seats per zone."""
        data = load_fixture(source) if isinstance(source, str) else json_copy(dict(source))
        self._screenings[key].seat_map = data
        if sync_listing:
            self._sync_listing(key)

    def set_free_seats(
        self,
        key: Key,
        seats: Iterable[str],
        *,
        keep_wheelchair_free: bool = True,
        held: Iterable[str] = (),
        blocked: Iterable[str] = (),
    ) -> None:
        """Exactly `seats` (ShowSeatRow + ShowSeatColumn, e.g. "F7") are free (0), `held` 20,
        `blocked` 28, the rest sold (50) except seats already blocked. Wheelchair seats stay free
        unless told. The listing
        follows."""
        seat_list = self._materialize(key)["Seats"]["Items"]
        names = {seat_name(s) for s in seat_list}
        free, hold, block = set(seats), set(held), set(blocked)
        unknown = (free | hold | block) - names
        if unknown:
            raise ValueError(f"no such seats in {key}: {sorted(unknown)}")
        for s in seat_list:
            name = seat_name(s)
            if name in free or (keep_wheelchair_free and is_wheelchair(s)):
                s["SeatStatusCode"] = FREE
            elif name in hold:
                s["SeatStatusCode"] = HELD
            elif name in block:
                s["SeatStatusCode"] = 28
            elif s["SeatStatusCode"] not in BLOCKED:  # blocked seats are never sold
                s["SeatStatusCode"] = SOLD
        self._sync_listing(key)

    def sell(self, key: Key, seats: Iterable[str]) -> None:
        """Mark `seats` sold; the listing follows."""
        self._set_status(key, seats, SOLD)

    def free(self, key: Key, seats: Iterable[str]) -> None:
        """Mark `seats` free (a cancellation); the listing follows."""
        self._set_status(key, seats, FREE)

    def sell_out(self, key: Key) -> None:
        self.set_free_seats(key, [], keep_wheelchair_free=False)

    def set_remaining(self, key: Key, n: int, *, zone: int | None = None) -> None:
        """n free seats in `zone` (default: the first zone row), filled in a fixed order
        (wheelchair seats first, then row A on); the listing follows."""
        rows = self._screenings[key].rows
        target = int(rows[0]["ScreenDivisionCode"]) if zone is None else zone
        seat_list = self._materialize(key)["Seats"]["Items"]
        fill(seat_list, {target: n})
        self._sync_listing(key)

    def _set_status(self, key: Key, seats: Iterable[str], status: int) -> None:
        wanted = set(seats)
        seat_list = self._materialize(key)["Seats"]["Items"]
        unknown = wanted - {seat_name(s) for s in seat_list}
        if unknown:
            raise ValueError(f"no such seats in {key}: {sorted(unknown)}")
        for s in seat_list:
            if seat_name(s) in wanted:
                s["SeatStatusCode"] = status
        self._sync_listing(key)

    def _materialize(self, key: Key) -> Json:
        screening = self._screenings[key]
        if screening.seat_map is None:
            screening.seat_map = self._generate_map(screening.rows)
        _refresh_info(screening.seat_map)
        return screening.seat_map

    def _sync_listing(self, key: Key) -> None:
        screening = self._screenings[key]
        per_zone = free_by_zone(self._materialize(key)["Seats"]["Items"])
        for r in screening.rows:
            r["BookingSeatCount"] = per_zone.get(int(r["ScreenDivisionCode"]), 0)

    @staticmethod
    def _generate_map(rows: Sequence[Row]) -> Json:
        cinema, screen = int(rows[0]["CinemaID"]), int(rows[0]["ScreenID"])
        zones = {int(r["ScreenDivisionCode"]): int(r["TotalSeatCount"]) for r in rows}
        hall = HALLS.get((cinema, screen))
        if hall is None or {h.zone for h in hall.rows} != set(zones):
            hall = _grid_hall(zones)
        seats = build_seats(hall)
        fill(seats, {int(r["ScreenDivisionCode"]): int(r["BookingSeatCount"]) for r in rows})
        return seat_response(seats, hall)

    # ------------------------------------------------------------------ catalogue & cinemas

    def add_movie(self, movie: Mapping[str, Any], *, on_sale: bool = True) -> None:
        """A film for GetMoviesToBe (BookingYN from on_sale) and, on sale, the ticketing page."""
        entry = {**json_copy(dict(movie)), "BookingYN": "Y" if on_sale else "N"}
        self.movies.append(entry)
        if on_sale:
            keys = self.page_movies[0].keys() if self.page_movies else entry.keys()
            self.page_movies.append({k: entry.get(k) for k in keys})

    def add_cinema(self, cinema: Mapping[str, Any]) -> None:
        self.cinemas.append(json_copy(dict(cinema)))

    # ------------------------------------------------------------------ synthetic scale data

    def load_synthetic(
        self,
        cinemas: int,
        dates: Sequence[str],
        movies: Sequence[str] = ("24128",),
        screens_per_cinema_day: int = 10,
        *,
        replace: bool = False,
    ) -> list[int]:
        """Add `cinemas` new cinemas (CinemaID 9001 up) with rows on `dates`; returns their ids.

        Four halls each: hall 4 is 수퍼 4D (930, 112 seats) on every 2nd cinema, hall 3
        수퍼플렉스 (940) on every 3rd, hall 2 on every 4th is split into zones 100 + 960; the rest
        are 일반 (100). Counts are deterministic, some 0. Every date is opened.
        """
        if replace:
            self.clear()
        template = load_fixture(PLAY_FILES[0])["PlaySeqs"]["Items"][0]
        titles = {m["RepresentationMovieCode"]: m for m in self.movies}
        regions = [a["DetailDivisionCode"] for a in self.areas] or ["0001"]
        taken = {int(c["CinemaID"]) for c in self.cinemas}
        ids = [n for n in range(9001, 9001 + cinemas + len(taken)) if n not in taken][:cinemas]
        for i, cid in enumerate(ids):
            name = f"합성{i + 1}"
            self.cinemas.append(
                {
                    **self.cinemas[0],
                    "DivisionCode": 1,
                    "DetailDivisionCode": regions[i % len(regions)],
                    "CinemaID": cid,
                    "CinemaNameKR": name,
                    "CinemaNameUS": f"Synthetic {i + 1}",
                }
            )
            halls: list[tuple[int, list[tuple[int, int]], str]] = []
            for k in range(4):
                zones = [(100, 100 + (i * 13 + k * 29) % 150)]
                label = f"{k + 1}관"
                if k == 3 and i % 2 == 0:
                    zones, label = [(930, 112)], f"{k + 1}관 수퍼 4D"
                elif k == 2 and i % 3 == 0:
                    zones, label = [(940, 288)], f"{k + 1}관 수퍼플렉스"
                elif k == 1 and i % 4 == 0:
                    zones = [(100, 120), (960, 12)]
                halls.append((cid * 100 + k + 1, zones, label))
            for d_idx, play_dt in enumerate(dates):
                for j in range(screens_per_cinema_day):
                    screen, zones, label = halls[j % len(halls)]
                    seq = j // len(halls) + 1
                    movie = movies[(i + j) % len(movies)]
                    film = titles.get(movie, {})
                    start = 540 + (seq - 1) * 150 + (j % len(halls)) * 15
                    run = int(film.get("PlayTime") or 120)
                    rows = []
                    for z_idx, (zone, total) in enumerate(zones):
                        left = total * ((i * 7 + d_idx * 3 + j * 5 + z_idx) % 11) // 10
                        rows.append(
                            {
                                **template,
                                "CinemaID": cid,
                                "CinemaNameKR": name,
                                "ScreenID": screen,
                                "ScreenNameKR": label,
                                "PlayDt": play_dt,
                                "PlaySequence": seq,
                                "StartTime": f"{start // 60:02d}:{start % 60:02d}",
                                "EndTime": f"{(start + run) // 60:02d}:{(start + run) % 60:02d}",
                                "RepresentationMovieCode": movie,
                                "MovieCode": movie,
                                "MovieNameKR": film.get("MovieNameKR", f"영화 {movie}"),
                                "TotalSeatCount": total,
                                "BookingSeatCount": left,
                                "IsBookingYN": "Y",
                                "ScreenDivisionCode": zone,
                                "ScreenDivisionNameKR": _ZONE_NAMES.get(zone, str(zone)),
                                "FourDTypeCode": 200 if zone == 930 else 0,
                                "SequenceNoGroupNameKR": "조조" if start < 600 else "",
                            }
                        )
                    self.add_screening(rows, mark_open=False)
        for play_dt in dates:
            self.open_date(play_dt)
        return ids

    # ------------------------------------------------------------------ HTTP

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        area = PATHS.get(request.path)
        params_raw: Json | None = None
        ctype = request.content_type
        if request.method == "POST" and ctype in (
            "multipart/form-data",
            "application/x-www-form-urlencoded",
        ):
            form = await request.post()
            value = form.get("paramList")
            if isinstance(value, str):
                params_raw = _parse_param_list(value)
        else:
            await request.read()
        params = {str(k): as_str(v) for k, v in (params_raw or {}).items()}
        method = params.get("MethodName", "")
        rec = RecordedRequest(
            method, request.path, params, params_raw, ctype, CIMultiDict(request.headers)
        )
        await self._arrive(rec)
        if area is None:
            return self._status_page(404)
        if request.method != "POST":
            return self._status_page(405)
        mode = self._take_failure(method, params) if method in METHODS else None
        if mode is None and self.require_headers and not _browser_like(request.headers):
            mode = "403"
        rec.failure = mode
        if mode == "timeout":
            return await self._hang()
        if params_raw is None or METHODS.get(method) != area:
            reply: Reply = _Reply(payload=envelope(ok=False, message=MISSING_PARAMS))
        else:
            reply = self._answer(method, params_raw, params)
        if mode is not None:
            reply = _failure_reply(mode, method, reply)
        payload = reply.payload
        if self.is_ok_bool and isinstance(payload, dict) and "IsOK" in payload:
            reply = dataclasses.replace(
                reply, payload={**payload, "IsOK": payload["IsOK"] == "true"}
            )
        return render(reply, mode)

    def _answer(self, method: str, raw: Json, params: dict[str, str]) -> _Reply:
        if method == "GetTicketingPageTOBE":
            if self.require_member_on_no and "memberOnNo" not in raw:
                return _Reply(payload=envelope(ok=False, message=MISSING_PARAMS))
            return _Reply(payload=self.ticketing_page())
        if method == "GetPlaySequence":
            return self._play_sequence(params)
        if method == "GetSeats":
            return self._seats(raw)
        return self._movies_to_be(params)

    # GetTicketingPageTOBE -----------------------------------------------------------------

    def ticketing_page(self) -> Json:
        on_sale = {
            k[2]
            for k, s in self._screenings.items()
            if k[2] in self._open and any(r.get("IsBookingYN") == "Y" for r in s.rows)
        }
        dates = [
            {"PlayDate": d, "IsPlayDate": "Y" if d in on_sale else "N"} for d in self.listed_dates
        ]
        return envelope(
            {
                "MoviePlayDates": {"Items": {"Items": dates}},
                "CinemaDivison": {"AreaDivisions": {"Items": json_copy(self.areas)}},
                "Cinemas": {"Cinemas": {"Items": json_copy(self.cinemas)}},
                "Movies": {"Movies": {"Items": json_copy(self.page_movies)}},
            }
        )

    # GetPlaySequence ----------------------------------------------------------------------

    def _served_rows(self, key: Key) -> list[Row]:
        rows = json_copy(self._screenings[key].rows)
        if key[2] not in self._open:
            for r in rows:
                r["IsBookingYN"] = "J"  # listed, not on sale yet
        return rows

    def play_sequence(self, play_dt: str, cinema_id: int, movie: str = "") -> Json:
        """The GetPlaySequence body for one cinema and date (what a division-1 request gets)."""
        rows: list[Row] = []
        if play_dt in self._calendar:
            for key in self.keys(play_dt, cinema_id):
                rows += self._served_rows(key)
            stray = self.stray_rows.get(cinema_id)
            if rows and stray is not None:
                other = [r for k in self.keys(play_dt, stray) for r in self._served_rows(k)]
                rows += sorted(other, key=lambda r: str(r["StartTime"]))[:1]
        if movie:
            rows = [r for r in rows if str(r.get("RepresentationMovieCode")) == movie]
        rows.sort(key=lambda r: (int(r["CinemaID"]) != cinema_id, str(r["StartTime"])))
        header: dict[str, Json] = {}
        for r in rows:
            header.setdefault(
                str(r["MovieCode"]),
                {
                    "MovieCode": r["MovieCode"],
                    "RepresentationMovieCode": r["RepresentationMovieCode"],
                    "MovieNameKR": r["MovieNameKR"],
                    "FilmNameKR": r["FilmNameKR"],
                    "ViewGradeNameKR": r["ViewGradeNameKR"],
                },
            )
        return envelope(
            {"PlaySeqsHeader": {"Items": list(header.values())}, "PlaySeqs": {"Items": rows}}
        )

    def _play_sequence(self, params: dict[str, str]) -> _Reply:
        play_dt = params.get("playDate", "")
        cinema = params.get("cinemaID", "")
        m = re.fullmatch(r"(\d+)\|(\d+)\|(\d+)", cinema)
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", play_dt) or m is None:
            return _Reply(payload=envelope(ok=False, message=MISSING_PARAMS))
        if m.group(1) != "1":  # the special-hall form: an empty list without an error
            return _Reply(payload=_empty_play_sequence())
        movie = params.get("representationMovieCode", "").strip()
        return _Reply(payload=self.play_sequence(play_dt, int(m.group(3)), movie))

    # GetSeats -----------------------------------------------------------------------------

    def _seats(self, raw: Json) -> _Reply:
        names = ("cinemaId", "screenId", "playDate", "playSequence")
        if any(n not in raw for n in names):
            return _Reply(payload=envelope(ok=False, message=MISSING_PARAMS))
        ids = (raw["cinemaId"], raw["screenId"], raw["playSequence"])
        if self.strict_seat_ids and not all(
            isinstance(v, int) and not isinstance(v, bool) for v in ids
        ):
            return _Reply(payload=_empty_seats())  # answered, but nothing in it (L)
        try:
            key = (int(ids[0]), int(ids[1]), str(raw["playDate"]), int(ids[2]))
        except (TypeError, ValueError):
            return _Reply(payload=_empty_seats())
        if key not in self._screenings:
            return _Reply(payload=_empty_seats())
        return _Reply(payload=self.seat_map(key))

    # GetMoviesToBe ------------------------------------------------------------------------

    def _movies_to_be(self, params: dict[str, str]) -> _Reply:
        play = params.get("moviePlayYN", "")
        movies = [
            m for m in self.movies if not play or (m.get("BookingYN") == "Y") == (play == "Y")
        ]
        return _Reply(payload=envelope({"Movies": {"Items": json_copy(movies)}}))


# ---------------------------------------------------------------------- module helpers


def _browser_like(headers: Mapping[str, str]) -> bool:
    referer = headers.get("Referer", "")
    return "Mozilla/" in headers.get("User-Agent", "") and "lottecinema.co.kr" in referer


def _empty_play_sequence() -> Json:
    return envelope({"PlaySeqsHeader": {"Items": []}, "PlaySeqs": {"Items": []}})


def _empty_seats() -> Json:
    return envelope(
        {
            "Seats": {"Items": []},
            "BookingSeats": {"Items": []},
            "ScreenSeatInfo": {"Items": []},
            "Enterences": {"Items": []},
            "CustomerDivision": {"Items": []},
            "Fees": {"Items": []},
        }
    )


_LIST_KEYS = {
    "GetPlaySequence": "PlaySeqs",
    "GetSeats": "Seats",
    "GetMoviesToBe": "Movies",
    "GetTicketingPageTOBE": "Cinemas",
}


def _failure_reply(mode: str, method: str, normal: Reply) -> Reply:
    common = http_failure(mode, _ERROR_PAGE, "text/html; charset=utf-8", JSON_TYPE)
    if common is not None:
        return common
    if mode == "error":
        # IsOK false with the lists present but empty: an error, never "no screenings".
        empty = {
            "GetPlaySequence": _empty_play_sequence,
            "GetSeats": _empty_seats,
        }.get(method)
        base = empty() if empty is not None else {}
        base = {k: v for k, v in base.items() if k not in ("IsOK", "ResultMessage", "ResultCode")}
        return _Reply(payload=envelope(base, ok=False, message="일시적인 오류가 발생했습니다."))
    if mode == "silent-empty":
        silent = {"GetPlaySequence": _empty_play_sequence, "GetSeats": _empty_seats}.get(method)
        if silent is not None:
            return _Reply(payload=silent())
        payload = json_copy(normal.payload)
        if isinstance(payload, dict) and method == "GetMoviesToBe":
            payload["Movies"] = {"Items": []}
        elif isinstance(payload, dict) and method == "GetTicketingPageTOBE":
            payload["Cinemas"] = {"Cinemas": {"Items": []}}
        return _Reply(payload=payload)
    if mode == "missing-keys":
        payload = dict(normal.payload) if isinstance(normal.payload, dict) else {}
        payload.pop(_LIST_KEYS.get(method, ""), None)
        return _Reply(payload=payload)
    return normal  # bad-json: truncated in render()


# ---------------------------------------------------------------------- standalone process


async def _serve(args: argparse.Namespace) -> None:
    kst = dt.timezone(dt.timedelta(hours=9))
    today = dt.datetime.now(kst).date() if args.live else None
    lc = FakeLotte(host=args.host, port=args.port, today=today)
    lc.latency = args.latency
    if args.live:
        print(f"the fixture rows are on {lc.fixture_day} (Sun)", file=sys.stderr, flush=True)
    await serve_until_signalled(lc)


async def serve_until_signalled(lc: FakeLotte) -> None:
    """Serve, print the address for a parent process to read, stop on SIGINT/SIGTERM."""
    await lc.serve_until_signalled()


def main(argv: Sequence[str] | None = None) -> None:
    parser = base_parser("Fake Lotte Cinema API serving the fixtures", 8090)
    asyncio.run(_serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
