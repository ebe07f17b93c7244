"""The MEGABOX fake answers like the fixtures and its knobs do what they say (raw HTTP)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from multidict import CIMultiDictProxy

from tests.conftest import THREE_TOGETHER
from tests.fakes.megabox_server import PATHS, FakeMegabox, load_fixture
from tests.fakes.testing import assert_close_ends_a_hang, standalone

ROOT = Path(__file__).resolve().parent.parent
URL = {endpoint: path for path, endpoint in PATHS.items()}
OPEN = load_fixture("selectBokdList-coex-mx4d-open.json")
WHEELCHAIR_ONLY = "selectSeatList-coex-mx4d-wheelchair-only.json"
COEX_1940 = "2612051351045"


@pytest.fixture
async def mb() -> AsyncIterator[FakeMegabox]:
    async with FakeMegabox() as fake:
        yield fake


async def post(
    http: aiohttp.ClientSession, mb: FakeMegabox, endpoint: str, body: dict[str, Any], **kw: Any
) -> tuple[int, CIMultiDictProxy[str], bytes]:
    key = "data" if kw.pop("form", False) else "json"
    async with http.post(mb.base_url + URL[endpoint], **{key: body}, **kw) as resp:
        return resp.status, resp.headers, await resp.read()


async def call(
    http: aiohttp.ClientSession, mb: FakeMegabox, endpoint: str, body: dict[str, Any]
) -> Any:
    status, _, data = await post(http, mb, endpoint, body)
    assert status == 200
    return json.loads(data.decode("utf-8-sig"))


def bokd_body(play_date: str = "20261205", movies: str = "25008000", **over: Any) -> dict[str, Any]:
    return {
        **OPEN["paramMap"],
        "playDe": play_date,
        "arrMovieNo": movies,
        "movieNo1": movies,
        **over,
    }


def free_seats(seat_map: dict[str, Any]) -> list[str]:
    return [
        f"{s['rowNm']}{s['seatNo']}"
        for s in seat_map["seatListSD01"]
        if s["seatStatCd"] == "GERN_SELL"
    ]


async def test_fixture_request_bom_rows_calendar(
    mb: FakeMegabox, http: aiohttp.ClientSession
) -> None:
    status, headers, data = await post(http, mb, "bokd", OPEN["paramMap"])
    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    assert data.startswith("\ufeff".encode())
    got = json.loads(data.decode("utf-8-sig"))
    assert list(got) == list(OPEN)
    for key in ("statCd", "msg", "movieFormList", "movieFormDeList", "spclbBrchList", "paramMap"):
        assert got[key] == OPEN[key], key
    mb.bom = False
    _, _, data = await post(http, mb, "bokd", OPEN["paramMap"])
    assert data.startswith(b"{")


async def test_branch_and_movie_filters(mb: FakeMegabox, http: aiohttp.ClientSession) -> None:
    rows = (await call(http, mb, "bokd", bokd_body(movies="")))["movieFormList"]
    assert len(rows) == 18
    event = (await call(http, mb, "bokd", bokd_body(movies="25008001")))["movieFormList"]
    assert [r["playSchdlNo"] for r in event] == ["2612051351003"]
    by_rpst = (await call(http, mb, "bokd", bokd_body()))["movieFormList"]
    assert "2612051351003" in {r["playSchdlNo"] for r in by_rpst}
    hanam = bokd_body(brchNoListCnt=1, brchNo1="4651", brchNo2="", brchNo3="")
    assert {r["brchNo"] for r in (await call(http, mb, "bokd", hanam))["movieFormList"]} == {"4651"}
    other = (await call(http, mb, "bokd", bokd_body(movies="26073500")))["movieFormList"]
    assert other == []


async def test_not_open_date_is_empty_not_error(
    mb: FakeMegabox, http: aiohttp.ClientSession
) -> None:
    not_open = load_fixture("selectBokdList-not-open.json")
    assert await call(http, mb, "bokd", not_open["paramMap"]) == not_open
    # An open date without rows (default for every date but 12-05) is also just [].
    got = await call(http, mb, "bokd", bokd_body("20261206"))
    assert got["statCd"] == 0
    assert got["movieFormList"] == []


async def test_copy_day_and_opening(mb: FakeMegabox, http: aiohttp.ClientSession) -> None:
    created = mb.copy_day("20261205", "20261219")
    assert len(created) == 18
    assert all(no.startswith("261219") for no in created)
    got = await call(http, mb, "bokd", bokd_body("20261219"))
    assert {r["playDe"] for r in got["movieFormList"]} == {"20261219"}
    assert {d["playDe"]: d["formAt"] for d in got["movieFormDeList"]}["20261219"] == "Y"
    mb.set_rest_seats("2612191351045", 0)  # copies share nothing with the source day
    assert mb.row(COEX_1940)["restSeatCnt"] == 4
    assert free_seats(mb.seat_map("2612191351045")) == []
    mb.close_date("20261219")
    assert (await call(http, mb, "bokd", bokd_body("20261219")))["movieFormList"] == []


async def test_seat_maps_stay_consistent(mb: FakeMegabox, http: aiohttp.ClientSession) -> None:
    assert await call(http, mb, "seats", {"playSchdlNo": COEX_1940, "brchNo": "1351"}) == (
        load_fixture(WHEELCHAIR_ONLY)
    )
    for row in OPEN["movieFormList"]:  # generated maps match their rows
        seat_map = mb.seat_map(row["playSchdlNo"])
        assert len(seat_map["seatListSD01"]) == row["theabSeatCnt"]
        assert len(free_seats(seat_map)) == row["restSeatCnt"]
    mb.set_free_seats(COEX_1940, ["F6", "F7", "F8"])
    rows = (await call(http, mb, "bokd", OPEN["paramMap"]))["movieFormList"]
    assert next(r for r in rows if r["playSchdlNo"] == COEX_1940)["restSeatCnt"] == 7
    seat_map = await call(http, mb, "seats", {"playSchdlNo": COEX_1940, "brchNo": "1351"})
    assert sorted(free_seats(seat_map)) == ["A13", "A14", "A15", "A16", "F6", "F7", "F8"]
    assert next(p for p in seat_map["playSeqList"] if p["playSchdlNo"] == COEX_1940)["choiCnt"] == 7
    mb.set_seat_map(COEX_1940, THREE_TOGETHER)
    assert mb.row(COEX_1940)["restSeatCnt"] == 9
    assert mb.seat_map(COEX_1940) == load_fixture(THREE_TOGETHER)
    mb.sell_out(COEX_1940)
    assert mb.row(COEX_1940)["restSeatCnt"] == 0
    assert free_seats(mb.seat_map(COEX_1940)) == []
    mb.set_rest_seats("2612054651035", 3)
    assert free_seats(mb.seat_map("2612054651035")) == ["A1", "A2", "A3"]


async def test_form_encoded_bodies(mb: FakeMegabox, http: aiohttp.ClientSession) -> None:
    body = {"playDe": "20261205", "sellChnlCd": "ONLINE", "brchNoListCnt": "1", "areaCd1": "10"}
    body |= {"spclbYn1": "N", "theabKindCd1": "", "brchNo1": "1351"}
    _, _, data = await post(http, mb, "bokd", body, form=True)
    assert len(json.loads(data.decode("utf-8-sig"))["movieFormList"]) == 8
    _, _, data = await post(http, mb, "seats", {"playSchdlNo": COEX_1940}, form=True)
    assert len(json.loads(data)["seatListSD01"]) == 192
    assert mb.last("seats").body == {"playSchdlNo": COEX_1940}
    assert mb.requests[0].body["brchNoListCnt"] == "1"


async def test_schedule_page(http: aiohttp.ClientSession) -> None:
    body = {"masterType": "brch", "detailType": "area", "brchNo": "1351", "brchNo1": "1351"}
    body |= {"firstAt": "Y", "playDe": "20261205", "crtDe": "20261203"}
    async with FakeMegabox(schedule_extras=True) as mb:
        assert await call(http, mb, "schedule", body) == load_fixture("schedulePage-coex.json")
    async with FakeMegabox() as mb:
        mega = (await call(http, mb, "schedule", {**body, "firstAt": "N"}))["megaMap"]
        assert len(mega["movieFormList"]) == 8
        assert "brchInfo" not in mega


async def test_movie_catalogue(mb: FakeMegabox, http: aiohttp.ClientSession) -> None:
    base = {"currentPage": "1", "recordCountPerPage": "20", "pageType": "ticketing"}
    base |= {"ibxMovieNmSearch": "", "onairYn": "Y", "specialType": "", "specialYn": "N"}
    assert await call(http, mb, "movies", base) == load_fixture("selectMovieList.json")
    found = (await call(http, mb, "movies", {**base, "ibxMovieNmSearch": "진격"}))["movieList"]
    assert [m["movieNo"] for m in found] == ["25008000"]
    assert found[0]["totCnt"] == 1
    page2 = await call(http, mb, "movies", {**base, "currentPage": "2", "recordCountPerPage": "2"})
    assert [(m["rowNum"], m["totCnt"], m["currentPage"]) for m in page2["movieList"]] == [(3, 3, 2)]
    mb.add_movie({**mb.movies[0], "movieNo": "26999900", "movieNm": "새 영화"})
    assert len((await call(http, mb, "movies", base))["movieList"]) == 4


@pytest.mark.parametrize(
    ("mode", "status", "ctype", "check"),
    [
        ("overload", 200, "text/plain", lambda b: b == b"Workload is so high"),
        ("rejected", 200, "application/json", lambda b: json.loads(b[3:])["statCd"] == -1),
        ("403", 403, "text/html", None),
        ("429", 429, "text/html", None),
        ("500", 500, "text/html", None),
        ("502", 502, "text/html", None),
        ("503", 503, "text/html", None),
        ("html", 200, "text/html", lambda b: b.startswith(b"<!DOCTYPE html>")),
        ("missing-keys", 200, "application/json", lambda b: b"movieFormList" not in b),
        ("bad-json", 200, "application/json", lambda b: b.startswith("\ufeff{".encode())),
        ("empty", 200, "application/json", lambda b: b == b""),
    ],
)
async def test_failure_modes(
    mb: FakeMegabox, http: aiohttp.ClientSession, mode: str, status: int, ctype: str, check: Any
) -> None:
    mb.fail("bokd", mode)
    got_status, headers, data = await post(http, mb, "bokd", OPEN["paramMap"])
    assert (got_status, headers["Content-Type"].split(";")[0]) == (status, ctype)
    if check is not None:
        assert check(data)
    if mode == "429":
        assert headers["Retry-After"] == "1"
    if mode == "bad-json":
        with pytest.raises(ValueError, match=r"Unterminated|Expecting"):
            json.loads(data.decode("utf-8-sig"))
    assert mb.last().failure == mode
    assert (await call(http, mb, "bokd", OPEN["paramMap"]))["statCd"] == 0  # consumed


async def test_failure_queue_order_and_scope(mb: FakeMegabox, http: aiohttp.ClientSession) -> None:
    mb.fail("seats", "missing-keys")
    mb.fail(None, "503", times=2)
    mb.fail("bokd", "overload")
    seats = {"playSchdlNo": COEX_1940}
    assert "seatListSD01" not in await call(http, mb, "seats", seats)
    answers = [await post(http, mb, "bokd", OPEN["paramMap"]) for _ in range(4)]
    assert [a[0] for a in answers] == [503, 503, 200, 200]
    assert answers[2][2] == b"Workload is so high"
    assert json.loads(answers[3][2].decode("utf-8-sig"))["statCd"] == 0
    mb.fail_always("movies", "500")
    assert [(await post(http, mb, "movies", {}))[0] for _ in range(3)] == [500, 500, 500]
    mb.recover()
    assert (await post(http, mb, "movies", {}))[0] == 200
    with pytest.raises(ValueError, match="mode"):
        mb.fail("bokd", "teapot")


async def test_failures_scoped_to_a_request(mb: FakeMegabox, http: aiohttp.ClientSession) -> None:
    mb.fail_always(None, "rejected", when={"playDe": "20261206"})
    sunday = await call(http, mb, "bokd", bokd_body("20261206"))
    assert sunday["statCd"] == -1
    assert (await call(http, mb, "bokd", bokd_body("20261205")))["statCd"] == 0
    schedule = {"masterType": "brch", "brchNo": "1351", "firstAt": "N", "playDe": "20261206"}
    assert (await call(http, mb, "schedule", schedule))["statCd"] == -1
    assert mb.last().failure == "rejected"


async def test_moved_scenario_keeps_weekdays_and_ids(http: aiohttp.ClientSession) -> None:
    async with FakeMegabox(today=date(2027, 1, 6)) as mb:  # a Wednesday
        assert mb.fixture_day == date(2027, 1, 9)  # the Saturday after
        assert mb.moved_id(COEX_1940) == "2701091351045"
        got = await call(http, mb, "bokd", bokd_body("20270109"))
        assert len(got["movieFormList"]) == 18  # the fixture's three MX4D branches
        assert {r["playDe"] for r in got["movieFormList"]} == {"20270109"}
        assert mb.seat_map(mb.moved_id(COEX_1940))["movieDtlInfo"]["playDe"] == "20270109"
        calendar = {d["playDe"]: d for d in got["movieFormDeList"]}
        assert calendar["20270109"]["dowKorNm"] == "토"
        assert calendar["20270129"]["hldyDivAt"] == "Y"  # 12-25 moved with the rest
        assert got["crtPlayTimeMap"]["crtDe"] == "20270107"
        assert (await call(http, mb, "bokd", bokd_body("20261205")))["movieFormList"] == []
    for today, saturday in [("2026-12-04", "2026-12-05"), ("2026-12-05", "2026-12-12")]:
        day = date.fromisoformat(today)
        assert FakeMegabox(today=day).fixture_day == date.fromisoformat(saturday)


async def test_timeout_mode_does_not_hang_shutdown(http: aiohttp.ClientSession) -> None:
    mb = FakeMegabox()
    await mb.start()
    mb.fail("schedule", "timeout")
    short = aiohttp.ClientTimeout(total=0.2)
    await assert_close_ends_a_hang(mb, post(http, mb, "schedule", {}, timeout=short))


async def test_log_latency_and_headers(mb: FakeMegabox, http: aiohttp.ClientSession) -> None:
    mb.latency = 0.05
    started = time.monotonic()
    await post(http, mb, "bokd", OPEN["paramMap"], headers={"Referer": "https://x/booking"})
    assert time.monotonic() - started >= 0.05
    rec = mb.last("bokd")
    assert rec.body["brchNoListCnt"] == "3"
    assert rec.raw["brchNoListCnt"] == 3
    assert rec.headers["referer"] == "https://x/booking"
    assert (mb.count(), mb.count("bokd"), mb.count("seats")) == (1, 1, 0)
    mb.reset_log()
    assert mb.count() == 0


async def test_synthetic_scale(http: aiohttp.ClientSession) -> None:
    dates = [f"202612{d:02d}" for d in range(14, 28)]
    mb = FakeMegabox.synthetic(20, dates, ["25008000", "26018900"], 10)  # bench/ times it
    assert len(mb.rows()) == 20 * 14 * 10
    async with mb:
        codes = [b["brchNo"] for b in mb.branches[-20:]]
        body = bokd_body("20261220", movies="", brchNo1=codes[0], brchNo2=codes[1], brchNo3="")
        got = await call(http, mb, "bokd", {**body, "brchNoListCnt": 2})
    assert len(got["movieFormList"]) == 20
    assert {r["theabKindCd"] for r in mb.rows("20261220")} == {"NOR", "MX4D", "DBC"}
    for row in got["movieFormList"][:3]:
        assert len(free_seats(mb.seat_map(row["playSchdlNo"]))) == row["restSeatCnt"]


def test_standalone_process() -> None:
    with standalone("tests.fakes.megabox_server") as url:

        async def one_request() -> Any:
            async with (
                aiohttp.ClientSession() as session,
                session.post(url + URL["bokd"], json=OPEN["paramMap"]) as resp,
            ):
                return json.loads((await resp.read()).decode("utf-8-sig"))

        assert len(asyncio.run(one_request())["movieFormList"]) == 18
