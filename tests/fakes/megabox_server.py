"""Protocol-level fake of MEGABOX's web API (see /work/shared/megabox/README.md).

One aiohttp server on 127.0.0.1 that answers the four endpoints megabox-watch uses, in the
exact format of tests/fixtures/, from mutable in-memory state::

    async with FakeMegabox() as mb:
        mb.set_free_seats("2612051351045", ["F6", "F7", "F8"])
        mb.fail("bokd", "overload", times=2)
        ...  # point the client at mb.base_url

Default state is the fixture scenario (MEGABOX clock Thu 2026-12-03 14:15). A bot on the real
clock gets the same scenario moved by whole weeks to the week ahead of today:
``FakeMegabox(today=...)``, then ``mb.fixture_day`` and ``mb.moved_id(...)`` name what moved.

- Sat 2026-12-05 holds the 18 rows of selectBokdList-coex-mx4d-open.json. The other open dates
  (12-03–12-08, 12-10–12-13, 12-25) are open in the calendar but have NO rows until a test adds
  them (``copy_day``, ``add_screening``, ``clone_screening``). ``schedule_extras=True`` adds the two
  오디세이 DOLBY rows that only schedulePage-coex.json has (COEX then has 10 rows, as there).
- A date is "open" when it is marked open (``open_date``/``close_date``); rows of a date that is
  not open are never served (``movieFormList: []``), so a test can stage rows and open later.
- Every screening has a seat map. Without an explicit one it is generated from the row: the hall
  geometry (real one for the three MX4D halls, else a 16-wide grid in blocks of 4) with exactly
  ``restSeatCnt`` seats GERN_SELL, filled in a fixed order: wheelchair seats first, then row A
  left to right, then row B, ... The COEX MX4D 19:40 map is the wheelchair-only fixture.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import html
import json
import math
import re
import sys
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from multidict import CIMultiDict

from tests.fakes.base import FakeServer, Reply, as_str, base_parser, http_failure, json_copy, render

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

Row = dict[str, Any]
Json = dict[str, Any]

PATHS: dict[str, str] = {
    "/on/oh/ohb/SimpleBooking/selectBokdList.do": "bokd",
    "/on/oh/ohc/Brch/schedulePage.do": "schedule",
    "/on/oh/ohz/PcntSeatChoi/selectSeatList.do": "seats",
    "/on/oh/oha/Movie/selectMovieList.do": "movies",
}
ENDPOINTS = frozenset(PATHS.values())
FAIL_MODES = frozenset(
    {"overload", "rejected", "403", "429", "500", "502", "503", "timeout", "html"}
    | {"missing-keys", "bad-json", "empty"}
)

OK_MSG = "정상적으로 조회되었습니다."
JSON_TYPE = "application/json;charset=UTF-8"
FREE = "GERN_SELL"
SOLD = "SCT04"
HELD = "SCT01"
WHEELCHAIR = "DISABLED_CLS"
OPEN_FIXTURE = "selectBokdList-coex-mx4d-open.json"
COEX_MX4D_NO = "2612051351045"
_DOW_KOR = "일월화수목금토"
# Real geometry of the other two MX4D halls (README §6.5): rows, then (first x, seats) per block.
_KNOWN_HALLS: dict[tuple[str, str], tuple[int, list[tuple[float, int]]]] = {
    ("4651", "06"): (11, [(1.8, 4), (5.9, 4), (10.0, 4)]),
    ("0052", "04"): (11, [(1.0, 4), (6.0, 8), (15.0, 4)]),
}
_ERROR_PAGE = (
    "<!DOCTYPE html><html><head><title>MEGABOX</title></head><body>"
    "<h1>서비스 이용에 불편을 드려 죄송합니다.</h1><p>{}</p></body></html>"
)


@cache
def _fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8-sig")


def load_fixture(name: str) -> Any:
    """A fresh (unshared) parse of tests/fixtures/<name>."""
    return json.loads(_fixture_text(name))


@cache
def _coex_map() -> Json:
    # Parsed once: never mutate, copy what you keep.
    data: Json = load_fixture("selectSeatList-coex-mx4d-wheelchair-only.json")
    return data


@dataclass
class RecordedRequest:
    endpoint: str  # "bokd" / "schedule" / "seats" / "movies" / "unknown"
    path: str
    body: dict[str, str]  # decoded from JSON or form; every value as a string
    headers: CIMultiDict[str]
    raw: Any = None  # the body as parsed, types kept (e.g. brchNoListCnt as a number)
    failure: str | None = None  # injected failure mode that answered this request


@dataclass
class _Reply(Reply):
    content_type: str = JSON_TYPE


def _as_int(value: Any, default: int = 0) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        return default


def _same_type(old: Any, new: int) -> Any:
    # Keep a count a string if the row had it as a string (README §13.7 pitfall stays testable).
    return str(new) if isinstance(old, str) else new


def _minutes_to_hhmm(minutes: int) -> str:
    # MEGABOX writes end times past midnight as 24:44, 25:47, ... (never rolls over).
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _dow(play_date: str) -> int:
    """0 = Sunday ... 6 = Saturday."""
    return (dt.date(int(play_date[:4]), int(play_date[4:6]), int(play_date[6:])).weekday() + 1) % 7


def rewrite_id(screening_id: str, play_date: str) -> str:
    """Move a screening id to another date: YYMMDD prefix from playDe, rest kept (a
    qualified id "megabox:…" stays qualified)."""
    chain, sep, number = screening_id.rpartition(":")
    return f"{chain}{sep}{play_date[2:8]}{number[6:]}"


#: The Saturday that holds the fixture scenario's rows (its MEGABOX clock is Thu 12-03).
FIXTURE_DAY = dt.date(2026, 12, 5)


def _native(screening_id: str) -> str:
    """The knobs take MEGABOX's own number or the bot's identity of it ("megabox:…")."""
    return screening_id.removeprefix("megabox:")


def days_to_week_of(today: dt.date) -> int:
    """Whole weeks (in days) that move FIXTURE_DAY to the first Saturday after `today`.

    Whole weeks keep every weekday (a weekend watch still matches); "after" keeps the fixture
    screenings ahead of a bot on the real clock even if KST midnight passes during a test.
    """
    return 7 * math.ceil(((today - FIXTURE_DAY).days + 1) / 7)


def _shift_de(play_date: str, days: int) -> str:
    day = dt.date(int(play_date[:4]), int(play_date[4:6]), int(play_date[6:])) + dt.timedelta(days)
    return f"{day:%Y%m%d}"


def _shift_id(screening_id: str, days: int) -> str:
    number = screening_id.rpartition(":")[2]
    return rewrite_id(screening_id, _shift_de("20" + number[:6], days))


class FakeMegabox(FakeServer[RecordedRequest]):
    """Stateful MEGABOX fake. Mutate state between client calls; see the module docstring."""

    KEY = "endpoint"
    TARGETS = ENDPOINTS
    FAIL_MODES = FAIL_MODES
    ERROR_PAGE = _ERROR_PAGE

    def __init__(
        self,
        *,
        schedule_extras: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        today: dt.date | None = None,
    ) -> None:
        """`today`: move the scenario to the week ahead of it (see days_to_week_of)."""
        super().__init__(host=host, port=port)
        self.bom: bool = True  # master switch for the UTF-8 BOM
        self.bom_endpoints: set[str] = {"bokd"}  # real MEGABOX: selectBokdList.do only (seen)
        self.require_headers: bool = False  # True: 403 without Referer + X-Requested-With
        self.crt_de = "20261203"
        self.crt_dt = "1415"

        opened = load_fixture(OPEN_FIXTURE)
        self.branches: list[Json] = opened["areaBrchList"]
        self.special_branches: list[Json] = opened["spclbBrchList"]
        self.movie_list: list[Json] = opened["movieList"]  # selectBokdList movieList base
        self.curated_movies: list[Json] = opened["crtnMovieList"]
        movies_fixture = load_fixture("selectMovieList.json")
        self.movies: list[Json] = movies_fixture["movieList"]  # selectMovieList catalogue
        self.img_svr_url: str = movies_fixture["imgSvrUrl"]
        schedule = load_fixture("schedulePage-coex.json")["megaMap"]
        self.brch_info: dict[str, Json] = {schedule["brchInfo"]["brchNo"]: schedule["brchInfo"]}
        self._event_texts: dict[str, Json] = {
            e["playSchdlNo"]: e for e in schedule["movieEventList"]
        }

        self._calendar: set[str] = {d["playDe"] for d in opened["movieFormDeList"]}
        self._open: set[str] = {
            d["playDe"] for d in opened["movieFormDeList"] if d["formAt"] == "Y"
        }
        self._holidays: set[str] = {
            d["playDe"] for d in opened["movieFormDeList"] if d["hldyDivAt"] == "Y"
        }
        self._rows: dict[str, Row] = {}
        self._days: dict[str, dict[str, Row]] = {}
        self._seat_maps: dict[str, Json] = {}
        self._hall_cache: dict[tuple[str, str, int], list[Json]] = {}
        for row in opened["movieFormList"]:
            self.add_screening(row, mark_open=False)
        if schedule_extras:
            for row in schedule["movieFormList"]:
                if row["playSchdlNo"] not in self._rows:
                    self.add_screening(row, mark_open=False)
        self.set_seat_map(COEX_MX4D_NO, "selectSeatList-coex-mx4d-wheelchair-only.json")
        #: Days the scenario was moved by: fixture dates and ids + this = served ones.
        self.shifted_days = 0
        if today is not None:
            self._shift(days_to_week_of(today))

    # ------------------------------------------------------------------ moving the scenario

    @property
    def fixture_day(self) -> dt.date:
        """The Saturday that holds the fixture rows (2026-12-05 unless moved)."""
        return FIXTURE_DAY + dt.timedelta(self.shifted_days)

    def moved_id(self, screening_id: str) -> str:
        """A fixture screening id (e.g. "2612051351045") as served after the move."""
        screening_id = _native(screening_id)
        return _shift_id(screening_id, self.shifted_days)

    def _shift(self, days: int) -> None:
        """Move calendar, rows (and ids), seat maps and MEGABOX's clock by `days`."""
        self.shifted_days += days
        self.crt_de = _shift_de(self.crt_de, days)
        self._calendar = {_shift_de(d, days) for d in self._calendar}
        self._open = {_shift_de(d, days) for d in self._open}
        self._holidays = {_shift_de(d, days) for d in self._holidays}
        rows, maps = list(self._rows.values()), self._seat_maps
        self._rows, self._days, self._seat_maps = {}, {}, {}
        for row in rows:
            play_date = _shift_de(str(row["playDe"]), days)
            no = rewrite_id(str(row["playSchdlNo"]), play_date)
            self.add_screening({**row, "playDe": play_date, "playSchdlNo": no}, mark_open=False)
        self._seat_maps = {_shift_id(no, days): data for no, data in maps.items()}
        self._event_texts = {_shift_id(no, days): e for no, e in self._event_texts.items()}

    # ------------------------------------------------------------------ calendar

    def open_date(self, play_date: str, *, holiday: bool | None = None) -> None:
        self._calendar.add(play_date)
        self._open.add(play_date)
        if holiday is not None:
            (self._holidays.add if holiday else self._holidays.discard)(play_date)

    def close_date(self, play_date: str) -> None:
        """Rows stay stored but are no longer served; formAt becomes N."""
        self._calendar.add(play_date)
        self._open.discard(play_date)

    def is_open(self, play_date: str) -> bool:
        return play_date in self._open

    @property
    def open_dates(self) -> list[str]:
        return sorted(self._open)

    # ------------------------------------------------------------------ screenings

    def row(self, screening_id: str) -> Row:
        """The live row dict (mutating it is raw: no seat-map consistency)."""
        screening_id = _native(screening_id)
        return self._rows[screening_id]

    def rows(self, play_date: str | None = None) -> list[Row]:
        src = self._rows if play_date is None else self._days.get(play_date, {})
        return list(src.values())

    def add_screening(self, row: Mapping[str, Any], *, mark_open: bool = True) -> str:
        """Store a copy of `row` (replacing one with the same playSchdlNo); returns its id."""
        new = json_copy(dict(row))
        no, play_date = str(new["playSchdlNo"]), str(new["playDe"])
        if no in self._rows:
            self.remove_screening(no)
        self._rows[no] = new
        self._days.setdefault(play_date, {})[no] = new
        if mark_open:
            self.open_date(play_date)
        return no

    def clone_screening(self, screening_id: str, new_no: str | None = None, **fields: Any) -> str:
        """Copy a row with field overrides. A new playDe moves the id's YYMMDD prefix too."""
        screening_id = _native(screening_id)
        new = json_copy(self._rows[screening_id])
        new.update(fields)
        if new_no is None:
            new_no = rewrite_id(screening_id, str(new["playDe"]))
        new["playSchdlNo"] = new_no
        if new_no == screening_id:
            raise ValueError("clone needs a new playSchdlNo (give new_no or another playDe)")
        return self.add_screening(new)

    def copy_day(self, src: str = "20261205", dst: str = "20261206") -> list[str]:
        """Clone every row (and explicit seat map) of `src` to `dst`; marks `dst` open."""
        created = []
        for no, row in list(self._days.get(src, {}).items()):
            new_no = rewrite_id(no, dst)
            created.append(self.add_screening({**row, "playDe": dst, "playSchdlNo": new_no}))
            if no in self._seat_maps:
                self._seat_maps[new_no] = json_copy(self._seat_maps[no])
        self.open_date(dst)
        return created

    def remove_screening(self, screening_id: str) -> None:
        screening_id = _native(screening_id)
        row = self._rows.pop(screening_id)
        self._days.get(str(row["playDe"]), {}).pop(screening_id, None)
        self._seat_maps.pop(screening_id, None)

    def clear(self) -> None:
        """Drop every screening and seat map (branches, calendar and catalogue stay)."""
        self._rows.clear()
        self._days.clear()
        self._seat_maps.clear()

    def set_row_field(self, screening_id: str, key: str, value: Any) -> None:
        """Raw field write (e.g. restSeatCnt as "4", bokdAbleAt "N"); playDe re-indexes."""
        screening_id = _native(screening_id)
        row = self._rows[screening_id]
        if key == "playDe":
            self._days.get(str(row["playDe"]), {}).pop(screening_id, None)
            self._days.setdefault(str(value), {})[screening_id] = row
        row[key] = value

    def set_rest_seats(self, screening_id: str, n: int) -> None:
        """Set restSeatCnt; an explicit seat map is refilled to match (fixed fill order)."""
        screening_id = _native(screening_id)
        row = self._rows[screening_id]
        row["restSeatCnt"] = _same_type(row.get("restSeatCnt"), n)
        if screening_id in self._seat_maps:
            _fill(self._seat_maps[screening_id]["seatListSD01"], n)

    # ------------------------------------------------------------------ seat maps

    def seat_map(self, screening_id: str) -> Json:
        """The seat-map response that would be served now (a copy)."""
        screening_id = _native(screening_id)
        reply = self._seat_response(screening_id)
        if reply is None:
            raise KeyError(screening_id)
        return json_copy(reply)

    def set_seat_map(
        self, screening_id: str, source: str | Mapping[str, Any], *, sync_row: bool = True
    ) -> None:
        """Use a fixture file name or a response dict as this screening's seat map.

        With sync_row the row's restSeatCnt becomes the map's GERN_SELL count; movieDtlInfo and
        playSeqList are always rebuilt from the rows when served.
        """
        screening_id = _native(screening_id)
        data = load_fixture(source) if isinstance(source, str) else json_copy(dict(source))
        self._seat_maps[screening_id] = data
        if sync_row and screening_id in self._rows:
            self._sync_row(screening_id)

    def set_free_seats(
        self,
        screening_id: str,
        seats: Iterable[str],
        *,
        keep_wheelchair_free: bool = True,
        held: Iterable[str] = (),
    ) -> None:
        """Exactly `seats` (e.g. "F7" = rowNm + seatNo) are free, `held` are SCT01, rest SCT04.

        Wheelchair seats stay free unless keep_wheelchair_free=False. restSeatCnt follows.
        """
        screening_id = _native(screening_id)
        seat_list = self._materialize(screening_id)["seatListSD01"]
        names = {f"{s['rowNm']}{s['seatNo']}" for s in seat_list}
        free, hold = set(seats), set(held)
        unknown = (free | hold) - names
        if unknown:
            raise ValueError(f"no such seats in {screening_id}: {sorted(unknown)}")
        for s in seat_list:
            name = f"{s['rowNm']}{s['seatNo']}"
            if name in free or (keep_wheelchair_free and s["seatClassCd"] == WHEELCHAIR):
                s["seatStatCd"] = FREE
            else:
                s["seatStatCd"] = HELD if name in hold else SOLD
        self._sync_row(screening_id)

    def sell_out(self, screening_id: str, *, keep_wheelchair_free: bool = False) -> None:
        screening_id = _native(screening_id)
        self.set_free_seats(screening_id, [], keep_wheelchair_free=keep_wheelchair_free)

    def _materialize(self, screening_id: str) -> Json:
        if screening_id not in self._seat_maps:
            self._seat_maps[screening_id] = self._generate_map(self._rows[screening_id])
        return self._seat_maps[screening_id]

    def _sync_row(self, screening_id: str) -> None:
        row = self._rows.get(screening_id)
        if row is not None:
            seat_list = self._seat_maps[screening_id].get("seatListSD01") or []
            n = sum(1 for s in seat_list if s.get("seatStatCd") == FREE)
            row["restSeatCnt"] = _same_type(row.get("restSeatCnt"), n)

    def _hall_seats(self, row: Row) -> list[Json]:
        brch, theab = str(row.get("brchNo", "")), str(row.get("theabNo", ""))
        size = _as_int(row.get("theabSeatCnt") or row.get("totSeatCnt"), 0)
        key = (brch, theab, size)
        if key not in self._hall_cache:
            self._hall_cache[key] = _build_hall(brch, theab, size)
        return [dict(s) for s in self._hall_cache[key]]

    def _generate_map(self, row: Row) -> Json:
        seats = self._hall_seats(row)
        _fill(seats, _as_int(row.get("restSeatCnt"), 0))
        base = {k: json_copy(v) for k, v in _coex_map().items() if k != "seatListSD01"}
        if (row.get("brchNo"), row.get("theabNo")) == ("1351", "09") and len(seats) == 192:
            extras = {k: base[k] for k in ("seatListSD05", "seatInfoSD01")}
        else:
            extras = _hall_extras(seats)
        return {
            "statCd": 0,
            "msg": OK_MSG,
            "movieDtlInfo": {},
            "seatListSD01": seats,
            **extras,
            "seatClassCdList": [
                {"seatClassCd": c} for c in sorted({s["seatClassCd"] for s in seats})
            ],
            "seatTicketAmtList": base["seatTicketAmtList"],
            "playSeqList": [],
            "maxTicketCnt": "8",
            "seatPolicyList": [],
        }

    def _seat_response(self, screening_id: str) -> Json | None:
        row = self._rows.get(screening_id)
        stored = self._seat_maps.get(screening_id)
        if row is None:
            return stored
        data = stored if stored is not None else self._generate_map(row)
        same = [
            r
            for r in self._days.get(str(row["playDe"]), {}).values()
            if r.get("brchNo") == row.get("brchNo") and r.get("movieNo") == row.get("movieNo")
        ]
        same.sort(key=lambda r: str(r.get("playStartTime", "")))
        out = dict(data)
        out["movieDtlInfo"] = {
            "playSchdlNo": row["playSchdlNo"],
            "brchNo": row.get("brchNo"),
            "brchNm": row.get("brchNm"),
            "areaCd": row.get("areaCd"),
            "theabNo": row.get("theabNo"),
            "theabNm": row.get("theabExpoNm"),
            "theabKindCd": row.get("theabKindCd"),
            "movieNo": row.get("movieNo"),
            "movieNm": row.get("movieNm"),
            "playDe": row.get("playDe"),
            "playStartTime": row.get("playStartTime"),
            "playEndTime": row.get("playEndTime"),
            "playKindName": row.get("playKindNm"),
            "admisClassName": row.get("admisClassCdNm"),
        }
        out["playSeqList"] = [
            {
                "playSchdlNo": r["playSchdlNo"],
                "playStartTime": r.get("playStartTime"),
                "playEndTime": r.get("playEndTime"),
                "choiCnt": r.get("restSeatCnt"),
            }
            for r in same
        ]
        return out

    # ------------------------------------------------------------------ catalogue & branches

    def add_movie(self, movie: Mapping[str, Any]) -> None:
        """Add a selectMovieList.do entry (paging fields are filled in when served)."""
        self.movies.append(json_copy(dict(movie)))

    def add_branch(self, branch: Mapping[str, Any]) -> None:
        self.branches.append(json_copy(dict(branch)))

    # ------------------------------------------------------------------ synthetic scale data

    @classmethod
    def synthetic(
        cls,
        branches: int,
        dates: Sequence[str],
        movies: Sequence[str] = ("25008000",),
        screens_per_branch_day: int = 10,
        **kwargs: Any,
    ) -> FakeMegabox:
        """A fake holding only synthetic screenings (fixture branches/catalogue kept)."""
        mb = cls(**kwargs)
        mb.load_synthetic(branches, dates, movies, screens_per_branch_day, replace=True)
        return mb

    def load_synthetic(
        self,
        branches: int,
        dates: Sequence[str],
        movies: Sequence[str] = ("25008000",),
        screens_per_branch_day: int = 10,
        *,
        replace: bool = False,
        halls_per_branch: int = 4,
    ) -> list[str]:
        """Add `branches` new branches with halls and rows on `dates`; returns branch codes.

        Codes are 4 digits from "0100" up (leading zero kept, no clash with real ones). Hall 01
        is NOR, 02 NOR, 03 DBC on every 3rd branch, 04 MX4D on every 2nd branch (else NOR).
        Rows cycle halls and movies; starts from 09:00; restSeatCnt deterministic, some 0.
        All `dates` are marked open. replace=True clears existing screenings first.
        """
        if replace:
            self.clear()
        taken = {b["brchNo"] for b in self.branches}
        areas = _areas(self.branches)
        catalogue = {m["movieNo"]: m for m in self.movies}
        fixture_rows: list[Row] = load_fixture(OPEN_FIXTURE)["movieFormList"]
        template = next(r for r in fixture_rows if r["theabKindCd"] == "NOR")
        known = {r["movieNo"]: r for r in [*fixture_rows, *self._rows.values()]}
        codes: list[str] = []
        n = 100
        while len(codes) < branches:
            code = f"{n:04d}"
            n += 1
            if code not in taken:
                codes.append(code)
        for i, code in enumerate(codes):
            area_cd, area_nm, area_eng = areas[i % len(areas)]
            name, eng = f"합성{i + 1}", f"Synthetic {i + 1}"
            self.branches.append(_branch_entry(code, name, eng, area_cd, area_nm, area_eng))
            halls: list[tuple[str, str, int]] = []
            for k in range(halls_per_branch):
                kind = "NOR"
                if k == 2 and i % 3 == 0:
                    kind = "DBC"
                elif k == 3 and i % 2 == 0:
                    kind = "MX4D"
                cap = {"MX4D": (192, 132, 176)[i % 3], "DBC": 300 + (i * 13) % 80}.get(
                    kind, 100 + (i * 13 + k * 29) % 150
                )
                halls.append((f"{k + 1:02d}", kind, cap))
                if kind != "NOR":
                    spcl = _branch_entry(
                        code, name, eng, kind, _SPCL_NAMES[kind], _SPCL_NAMES[kind]
                    )
                    spcl["oriAreaCd"] = area_cd
                    self.special_branches.append(spcl)
            for d_idx, play_date in enumerate(dates):
                for j in range(screens_per_branch_day):
                    theab, kind, cap = halls[j % len(halls)]
                    slot = j // len(halls)
                    movie_id = movies[(i + j) % len(movies)]
                    start = 540 + (slot * 150) % 840 + (j % len(halls)) * 15
                    rest = cap * ((i * 7 + d_idx * 3 + j * 5) % 11) // 10
                    row = dict(template)
                    row.update(
                        _synthetic_movie(movie_id, catalogue.get(movie_id), known.get(movie_id))
                    )
                    run = _as_int(row.get("moviePlayTime"), 120)
                    row.update(
                        {
                            "areaCd": area_cd,
                            "areaCdNm": area_nm,
                            "areaCdEngNm": area_eng,
                            "brchNo": code,
                            "brchNm": name,
                            "brchEngNm": eng,
                            "playSchdlNo": f"{play_date[2:]}{code}{j + 1:03d}",
                            "playDe": play_date,
                            "theabNo": theab,
                            "theabKindCd": kind,
                            "theabSeatCnt": cap,
                            "totSeatCnt": cap,
                            "restSeatCnt": rest,
                            "playStartTime": _minutes_to_hhmm(start),
                            "playEndTime": _minutes_to_hhmm(start + run),
                            "seq": slot + 1,
                            "playTyCd": "ERYM"
                            if start < 600
                            else "MNIGHT"
                            if start >= 1320
                            else "",
                            "playTyCdNm": "조조"
                            if start < 600
                            else "심야"
                            if start >= 1320
                            else None,
                            **_HALL_KIND_FIELDS[kind](theab),
                        }
                    )
                    self.add_screening(row, mark_open=False)
        for play_date in dates:
            self.open_date(play_date)
        return codes

    # ------------------------------------------------------------------ HTTP

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        endpoint = PATHS.get(request.path, "unknown")
        raw_bytes = await request.read()
        raw = _parse_body(raw_bytes, request.content_type)
        body = {str(k): as_str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
        rec = RecordedRequest(endpoint, request.path, body, CIMultiDict(request.headers), raw)
        await self._arrive(rec)
        if endpoint == "unknown":
            return self._status_page(404)
        if request.method != "POST":
            return self._status_page(405)
        mode = self._take_failure(endpoint, body)
        if (
            mode is None
            and self.require_headers
            and not (request.headers.get("Referer") and request.headers.get("X-Requested-With"))
        ):
            mode = "403"
        rec.failure = mode
        if mode == "timeout":
            return await self._hang()
        reply: Reply = self._answer(endpoint, raw, body) if isinstance(raw, dict) else _rejected()
        if mode is not None:
            reply = _failure_reply(mode, endpoint, reply)
        return render(reply, mode, bom=self.bom and endpoint in self.bom_endpoints)

    def _answer(self, endpoint: str, raw: Json, body: dict[str, str]) -> _Reply:
        if endpoint == "bokd":
            return self._bokd(raw, body)
        if endpoint == "schedule":
            return self._schedule(body)
        if endpoint == "seats":
            data = self._seat_response(body.get("playSchdlNo", ""))
            return _rejected() if data is None else _Reply(payload=data)
        return self._movie_page(body)

    # selectBokdList.do -------------------------------------------------------------------

    def _bokd(self, raw: Json, body: dict[str, str]) -> _Reply:
        play_date = body.get("playDe", "")
        if not re.fullmatch(r"\d{8}", play_date):
            return _rejected()
        cnt = _as_int(body.get("brchNoListCnt", "3") or "3", -1)
        if not 0 <= cnt <= 5:
            return _rejected()
        slots: list[tuple[str, str | None]] = []
        for i in range(1, min(cnt, 3) + 1):
            brch = body.get(f"brchNo{i}", "")
            if brch:
                kind = body.get(f"theabKindCd{i}", "") if body.get(f"spclbYn{i}") == "Y" else ""
                slots.append((brch, kind or None))
        wanted = _movie_filter(body)
        day = list(self._days.get(play_date, {}).values()) if play_date in self._open else []
        matching = [r for r in day if _movie_match(r, wanted)]
        selected = [r for r in matching if any(_slot_match(r, s) for s in slots)]
        selected.sort(key=lambda r: str(r.get("playStartTime", "")))
        at_branches = {str(r.get("movieNo")) for r in day if any(_slot_match(r, s) for s in slots)}
        movie_list = [*self.movie_list]
        listed = {m["movieNo"] for m in movie_list}
        for r in day:
            if r.get("movieNo") not in listed:
                listed.add(r["movieNo"])
                movie_list.append(_movie_list_entry(r))
        payload = {
            "statCd": 0,
            "msg": OK_MSG,
            "movieFormList": selected,
            "movieFormDeList": self._calendar_list(hldy=True),
            "movieList": [_flag(m, "formAt", m["movieNo"] in at_branches) for m in movie_list],
            "crtnMovieList": [
                _flag(m, "formAt", m["movieNo"] in at_branches) for m in self.curated_movies
            ],
            "areaBrchList": _branch_flags(self.branches, matching, special=False),
            "spclbBrchList": _branch_flags(self.special_branches, matching, special=True),
            "crtPlayTimeMap": {"crtDe": self.crt_de, "crtDt": self.crt_dt},
            "paramMap": raw,
        }
        return _Reply(payload=payload)

    def _calendar_list(self, *, hldy: bool) -> list[Json]:
        out = []
        for de in sorted(self._calendar | self._open):
            form_at = "Y" if de in self._open else "N"
            dow = _dow(de)
            if hldy:
                out.append(
                    {
                        "playDe": de,
                        "formAt": form_at,
                        "hldyDivAt": "Y" if de in self._holidays else "N",
                        "dowCd": str(dow + 1),
                        "dowKorNm": _DOW_KOR[dow],
                    }
                )
            else:
                kind = "HLDY" if de in self._holidays else "WKEND" if dow in (0, 6) else "WKDAY"
                out.append({"playDe": de, "formAt": form_at, "scrdtDivCd": kind})
        return out

    # schedulePage.do ---------------------------------------------------------------------

    def _schedule(self, body: dict[str, str]) -> _Reply:
        play_date = body.get("playDe", "")
        brch = body.get("brchNo") or body.get("brchNo1", "")
        master = body.get("masterType", "brch") or "brch"
        if not re.fullmatch(r"\d{8}", play_date) or (master == "brch" and not brch):
            return _rejected()
        day = list(self._days.get(play_date, {}).values()) if play_date in self._open else []
        if master == "movie":
            wanted = {body.get("movieNo") or body.get("movieNo1", "")}
            area = body.get("areaCd", "")
            rows = [r for r in day if _movie_match(r, wanted) and (not area or r["areaCd"] == area)]
        else:
            rows = [r for r in day if r.get("brchNo") == brch]
        kind = body.get("theabKindCd") or body.get("theabKindCd1", "")
        if body.get("detailType") == "spcl" and kind:
            rows = [r for r in rows if _kind_match(r, kind)]
        rows.sort(key=lambda r: str(r.get("playStartTime", "")))
        first = body.get("firstAt", "N") or "N"
        mega: Json = {"movieFormList": rows}
        if first == "Y":  # README §5.1: firstAt=Y adds the calendar, brchInfo and events
            mega["movieFormDeList"] = self._calendar_list(hldy=False)
        mega.update(
            {"crtDe": body.get("crtDe") or self.crt_de, "playDe": play_date, "firstAt": first}
        )
        if first == "Y":
            mega["brchInfo"] = self.brch_info.get(brch) or self._brch_info(brch)
            mega["movieEventList"] = [self._event_entry(r) for r in rows if r.get("eventDivCd")]
        return _Reply(payload={"statCd": 0, "msg": OK_MSG, "megaMap": mega})

    def _brch_info(self, brch: str) -> Json:
        b = next((b for b in self.branches if b["brchNo"] == brch), {})
        return {
            "brchNo": brch,
            "brchNm": b.get("brchNm", ""),
            "roadNmAddr": "",
            "laddrAddr": "",
            "brchLat": None,
            "brchLon": None,
            "playTimeGuideCn1": None,
            "playTimeGuideCn2": None,
            "playTimeGuideCn3": None,
        }

    def _event_entry(self, r: Row) -> Json:
        known = self._event_texts.get(str(r["playSchdlNo"]), {})
        return {
            "rpstMovieNo": r.get("rpstMovieNo"),
            "eventProgrsDe": r.get("playDe"),
            "eventProgrsStartDt": str(r.get("playStartTime", "")).replace(":", ""),
            "eventProgrsEndDt": str(r.get("playEndTime", "")).replace(":", ""),
            "eventProgrsCdNm": known.get("eventProgrsCdNm", "상영후"),
            "eventDesc": known.get("eventDesc", r.get("eventDivCdNm")),
            "soldoutAt": "Y" if _as_int(r.get("restSeatCnt"), 0) == 0 else "N",
            "brchNo": r.get("brchNo"),
            "playSchdlNo": r.get("playSchdlNo"),
            "theabNo": r.get("theabNo"),
            "theabNm": r.get("theabExpoNm"),
            "playDe": r.get("playDe"),
            "playSeq": r.get("seq"),
        }

    # selectMovieList.do ------------------------------------------------------------------

    def _movie_page(self, body: dict[str, str]) -> _Reply:
        search = html.unescape(body.get("ibxMovieNmSearch", "")).strip().casefold()
        page = max(1, _as_int(body.get("currentPage") or body.get("currPage") or "1", 1))
        size = _as_int(body.get("recordCountPerPage") or body.get("pageSize") or "20", 20)
        size = max(1, size)
        onair = body.get("onairYn", "")
        hits = [
            m
            for m in self.movies
            if (not search or search in html.unescape(str(m.get("movieNm", ""))).casefold())
            and (onair != "Y" or m.get("movieStatCd") == "MSC01")
            and (onair != "MSC02" or m.get("movieStatCd") == "MSC02")
        ]
        start = (page - 1) * size
        paging = {"totCnt": len(hits), "currentPage": page, "recordCountPerPage": size}
        rows = [
            {**m, "rowNum": start + i + 1, **paging}
            for i, m in enumerate(hits[start : start + size])
        ]
        return _Reply(payload={"movieList": rows, "imgSvrUrl": self.img_svr_url, "msg": OK_MSG})


# ---------------------------------------------------------------------- module helpers


def _parse_body(data: bytes, content_type: str) -> Any:
    text = data.decode("utf-8-sig", errors="replace")
    if "form" in content_type:
        return dict(parse_qsl(text, keep_blank_values=True))
    if not text.strip():
        return {}
    try:
        return json.loads(text)
    except ValueError:
        if "json" in content_type:
            return None  # broken JSON: answered as a rejected request
        return dict(parse_qsl(text, keep_blank_values=True))


def _rejected() -> _Reply:
    return _Reply(payload=load_fixture("selectBokdList-rejected.json"))


def _failure_reply(mode: str, endpoint: str, normal: Reply) -> Reply:
    if mode == "overload":
        text = _fixture_text("workload-is-so-high.txt")
        return _Reply(text=text, content_type="text/plain;charset=UTF-8")
    if mode == "rejected":
        return _rejected()
    common = http_failure(mode, _ERROR_PAGE, "text/html;charset=UTF-8", JSON_TYPE)
    if common is not None:
        return common
    if mode == "missing-keys":
        payload = dict(normal.payload) if isinstance(normal.payload, dict) else {}
        if endpoint == "schedule" and isinstance(payload.get("megaMap"), dict):
            payload["megaMap"] = {
                k: v for k, v in payload["megaMap"].items() if k != "movieFormList"
            }
        key = {"bokd": "movieFormList", "seats": "seatListSD01", "movies": "movieList"}
        payload.pop(key.get(endpoint, ""), None)
        payload.setdefault("statCd", 0)
        return _Reply(payload=payload)
    return normal  # bad-json: truncated in render()


def _movie_filter(body: dict[str, str]) -> set[str]:
    wanted = {m.strip() for m in body.get("arrMovieNo", "").split(",") if m.strip()}
    wanted |= {body[f"movieNo{i}"] for i in (1, 2, 3) if body.get(f"movieNo{i}")}
    return wanted


def _movie_match(row: Row, wanted: set[str]) -> bool:
    return not wanted or row.get("movieNo") in wanted or row.get("rpstMovieNo") in wanted


def _kind_match(row: Row, kind: str) -> bool:
    # The site sends "TB" for every boutique code (TBQ/TBS/TBP).
    have = str(row.get("theabKindCd", ""))
    return have.startswith("TB") if kind == "TB" else have == kind


def _slot_match(row: Row, slot: tuple[str, str | None]) -> bool:
    brch, kind = slot
    return row.get("brchNo") == brch and (kind is None or _kind_match(row, kind))


def _flag(entry: Json, key: str, on: bool) -> Json:
    return {**entry, key: "Y" if on else "N"}


def _branch_flags(branches: list[Json], rows: list[Row], *, special: bool) -> list[Json]:
    """brchFormAt = the (movie-filtered) date has rows there; formBrchCnt counts per group."""
    if special:
        have = {(str(r.get("brchNo")), str(r.get("theabKindCd"))) for r in rows}
        flagged = [_flag(b, "brchFormAt", (b["brchNo"], b["areaCd"]) in have) for b in branches]
    else:
        have_brch = {str(r.get("brchNo")) for r in rows}
        flagged = [_flag(b, "brchFormAt", b["brchNo"] in have_brch) for b in branches]
    per_group: dict[str, int] = {}
    for b in flagged:
        per_group[b["areaCd"]] = per_group.get(b["areaCd"], 0) + (b["brchFormAt"] == "Y")
    for b in flagged:
        b["formBrchCnt"] = per_group[b["areaCd"]]
    return flagged


def _movie_list_entry(row: Row) -> Json:
    return {
        "movieNo": row.get("movieNo"),
        "movieNm": row.get("movieNm"),
        "movieEngNm": row.get("movieEngNm"),
        "movieStatCdNm": row.get("movieStatCdNm"),
        "formAt": "N",
        "admisClassCd": row.get("admisClassCd"),
        "admisClassCdNm": row.get("admisClassCdNm"),
        "movieImgPath": row.get("moviePosterImg"),
        "moviePopupAt": "N",
        "moviePopupNo": None,
        "intrstMovieAt": "N",
    }


def _areas(branches: list[Json]) -> list[tuple[str, str, str]]:
    seen: dict[str, tuple[str, str, str]] = {}
    for b in branches:
        seen.setdefault(b["areaCd"], (b["areaCd"], b["areaCdNm"], b["areaCdEngNm"]))
    return list(seen.values())


def _branch_entry(code: str, name: str, eng: str, area: str, area_nm: str, area_eng: str) -> Json:
    return {
        "brchNo": code,
        "brchNm": name,
        "brchEngNm": eng,
        "areaCd": area,
        "areaCdNm": area_nm,
        "areaCdEngNm": area_eng,
        "brchFormAt": "N",
        "brchBokdUnableAt": "N",
        "brchPopupAt": "N",
        "brchPopupNo": None,
        "brchOnlineExpoAt": "N",
        "brchOnlineExpoStatCd": None,
        "brchOnlineExpoStatCdNm": None,
        "brchOnlineExpoStatCdEngNm": None,
        "areaOnlineExpoAt": "N",
        "formBrchCnt": 0,
    }


_SPCL_NAMES = {"MX4D": "MX4D", "DBC": "DOLBY CINEMA"}


def _nor_fields(theab: str) -> Json:
    n = int(theab)
    return {
        "theabExpoNm": f"{n}관",
        "theabEngNm": f"Hall {n}",
        "theabPopupAt": "N",
        "theabPopupNo": None,
        "playKindCd": "MK01",
        "playKindNm": "2D",
        "playKindEngNm": "2D",
    }


def _mx4d_fields(theab: str) -> Json:
    return {
        "theabExpoNm": "MEGA | MX4D관",
        "theabEngNm": "MEGA | MX4D",
        "theabPopupAt": "Y",
        "theabPopupNo": 2412,
        "playKindCd": "MK32",
        "playKindNm": "2D MX4D",
        "playKindEngNm": "2D MX4D",
    }


def _dbc_fields(theab: str) -> Json:
    return {
        "theabExpoNm": "DOLBY CINEMA",
        "theabEngNm": "DOLBY CINEMA",
        "theabPopupAt": "N",
        "theabPopupNo": None,
        "playKindCd": "MK16",
        "playKindNm": "DOLBY CINEMA",
        "playKindEngNm": "DOLBY CINEMA",
    }


_HALL_KIND_FIELDS = {"NOR": _nor_fields, "MX4D": _mx4d_fields, "DBC": _dbc_fields}


_MOVIE_KEYS = (
    "movieNo",
    "rpstMovieNo",
    "movieNm",
    "rpstMovieNm",
    "movieEngNm",
    "moviePlayTime",
    "admisClassCd",
    "admisClassCdNm",
    "moviePosterImg",
    "eventDivCd",
    "eventDivCdNm",
    "eventDivCdEngNm",
)


def _synthetic_movie(movie_id: str, catalogue: Json | None, row: Row | None) -> Json:
    if row is not None:
        return {k: row.get(k) for k in _MOVIE_KEYS}
    m = catalogue or {}
    title = m.get("movieNm", f"영화 {movie_id}")
    return {
        "movieNo": movie_id,
        "rpstMovieNo": m.get("rpstMovieNo", movie_id),
        "movieNm": title,
        "rpstMovieNm": title,
        "movieEngNm": "",
        "moviePlayTime": m.get("playTime", "120"),
        "admisClassCd": m.get("admisClassCd", "AD02"),
        "admisClassCdNm": m.get("admisClassNm", "12세이상관람가"),
        "moviePosterImg": m.get("imgPathNm", ""),
        "eventDivCd": None,
        "eventDivCdNm": None,
        "eventDivCdEngNm": None,
    }


# ---------------------------------------------------------------------- seat-map geometry


def _fill(seats: list[Json], n: int) -> None:
    """Exactly n seats GERN_SELL: wheelchair seats first, then list order (row A first)."""
    order = [s for s in seats if s.get("seatClassCd") == WHEELCHAIR]
    order += [s for s in seats if s.get("seatClassCd") != WHEELCHAIR]
    for i, s in enumerate(order):
        s["seatStatCd"] = FREE if i < n else SOLD


def _build_hall(brch: str, theab: str, size: int) -> list[Json]:
    base: list[Json] = json_copy(_coex_map()["seatListSD01"])
    if (brch, theab) == ("1351", "09") and size == len(base):
        return base  # the real COEX MX4D hall, A13-A16 wheelchair
    known = _KNOWN_HALLS.get((brch, theab))
    if known is not None and known[0] * sum(n for _, n in known[1]) == size:
        rows, blocks = known
    else:
        per_row = max(16, math.ceil(size / 20 / 4) * 4)  # at most 20 rows (A-T)
        rows = max(1, math.ceil(size / per_row))
        blocks = [(1.0 + 5 * k, 4) for k in range(per_row // 4)]
    template = base[0]
    smap = zlib.crc32(f"{brch}:{theab}".encode()) % 90000 + 10000
    seats: list[Json] = []
    grp = 0
    left = size
    mid = sum(n for _, n in blocks) / 2
    for r in range(rows):
        row_nm = chr(ord("A") + r)
        seat_no = 0
        for x0, count in blocks:
            count = min(count, left - seat_no)
            if count <= 0:
                break
            grp += 1
            for q in range(count):
                seat_no += 1
                x = round(x0 + q, 1)
                col = math.floor(x + 0.5)
                seat = dict(template)
                seat.update(
                    {
                        "smapBaseNo": smap,
                        "seatUniqNo": f"{r + 1:03d}{col:03d}01",
                        "rowNm": row_nm,
                        "rowNo": r + 1,
                        "seatNo": seat_no,
                        "colNo": col,
                        "horzCoorVal": int(x) if x == int(x) else x,
                        "vertCoorVal": r + 1,
                        "seatClassCd": "GERN_CLS",
                        "seatStatCd": SOLD,
                        "seatChoiGrpNo": grp,
                        "seatChoiGrpNm": f"{row_nm}{grp}",
                        "seatChoiGrpSeq": q + 1,
                        "seatChoiRowCnt": count,
                        "seatChoiDircVal": "1" if seat_no <= mid else "0",
                        "seatNotiMsg": None,
                        # Middle rows and centre seats sell first, as on the real site.
                        "sellPrirRank": 0,
                    }
                )
                seats.append(seat)
        left -= seat_no
    centre_row, centre_x = rows * 0.6, sum(x0 + n / 2 for x0, n in blocks) / len(blocks)
    ranked = sorted(
        seats, key=lambda s: (abs(s["rowNo"] - centre_row), abs(s["horzCoorVal"] - centre_x))
    )
    for rank, s in enumerate(ranked, 1):
        s["sellPrirRank"] = rank
    return seats


def _hall_extras(seats: list[Json]) -> Json:
    if not seats:
        return {"seatListSD05": [], "seatInfoSD01": {}}
    last_row = max(s["rowNo"] for s in seats)
    max_x = max(s["horzCoorVal"] for s in seats)
    cols = [s["colNo"] for s in seats]
    return {
        "seatListSD05": [
            {"seatDispTyCd": "SD05", "gateTyCd": "GTL", "horzCoorVal": max_x, "vertCoorVal": 0},
            {
                "seatDispTyCd": "SD05",
                "gateTyCd": "GTD",
                "horzCoorVal": 5,
                "vertCoorVal": last_row + 1,
            },
        ],
        "seatInfoSD01": {
            "rowNmMin": "A",
            "rowNmMax": chr(ord("A") + last_row - 1),
            "colNoMin": min(cols),
            "colNoMax": max(cols),
            "rowNoMin": 0,
            "rowNoMax": last_row + 1,
        },
    }


# ---------------------------------------------------------------------- standalone process


async def _serve(args: argparse.Namespace) -> None:
    kst = dt.timezone(dt.timedelta(hours=9))
    today = dt.datetime.now(kst).date() if args.live else None
    mb = FakeMegabox(
        schedule_extras=args.schedule_extras, host=args.host, port=args.port, today=today
    )
    mb.latency = args.latency
    mb.bom = not args.no_bom
    if args.live:
        print(f"the fixture rows are on {mb.fixture_day} (Sat)", file=sys.stderr, flush=True)
    await serve_until_signalled(mb)


async def serve_until_signalled(mb: FakeMegabox) -> None:
    """Serve, print the address for a parent process to read, stop on SIGINT/SIGTERM."""
    await mb.serve_until_signalled()


def main(argv: Sequence[str] | None = None) -> None:
    parser = base_parser("Fake MEGABOX API serving the fixture scenario", 8089)
    parser.add_argument("--no-bom", action="store_true", help="no UTF-8 BOM on selectBokdList")
    parser.add_argument("--schedule-extras", action="store_true", help="add the 오디세이 rows")
    asyncio.run(_serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
