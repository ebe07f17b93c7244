"""The Lotte Cinema fake answers like its fixtures (and so like the reference) and its knobs do
what they say. Raw HTTP, as a client would send it: one form field `paramList` holding JSON."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from multidict import CIMultiDictProxy

from tests.fakes.lotte_server import (
    CHARLOTTE_CLOSED,
    CHARLOTTE_COUPLES,
    FIXTURE_DAY,
    HALLS,
    SEAT_FILES,
    SUPER4D_ACROSS_AISLE,
    SUPER4D_INVERTED,
    SUPER4D_THREE,
    SUPER4D_WHEELCHAIR_ONLY,
    ZONES_9,
    FakeLotte,
    Key,
    build_seats,
    is_wheelchair,
    load_fixture,
    seat_name,
)
from tests.fakes.testing import assert_close_ends_a_hang, standalone
from tests.fixtures.lotte import make_fixtures

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "lotte"
TICKETING = "/LCWS/Ticketing/TicketingData.aspx"
MOVIE = "/LCWS/Movie/MovieData.aspx"
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0"
COMMON = {"channelType": "HO", "osType": "W", "osVersion": UA}
DAY = FIXTURE_DAY.isoformat()
KST = timezone(timedelta(hours=9))


@pytest.fixture
async def lc() -> AsyncIterator[FakeLotte]:
    async with FakeLotte() as fake:
        yield fake


async def post(
    http: aiohttp.ClientSession,
    lc: FakeLotte,
    params: dict[str, Any] | str,
    *,
    path: str = TICKETING,
    multipart: bool = True,
    **kw: Any,
) -> tuple[int, CIMultiDictProxy[str], bytes]:
    value = params if isinstance(params, str) else json.dumps(params, ensure_ascii=False)
    form = aiohttp.FormData({"paramList": value}, default_to_multipart=multipart)
    async with http.post(lc.base_url + path, data=form, **kw) as resp:
        return resp.status, resp.headers, await resp.read()


async def call(
    http: aiohttp.ClientSession, lc: FakeLotte, params: dict[str, Any], **kw: Any
) -> Any:
    status, _, data = await post(http, lc, params, **kw)
    assert status == 200
    return json.loads(data)


def page_params(**over: Any) -> dict[str, Any]:
    return {"MethodName": "GetTicketingPageTOBE", **COMMON, "memberOnNo": "0", **over}


def play_params(play_dt: str = DAY, cinema: str = "1|0001|1016", movie: str = "") -> dict[str, Any]:
    return {
        "MethodName": "GetPlaySequence",
        **COMMON,
        "playDate": play_dt,
        "cinemaID": cinema,
        "representationMovieCode": movie,
    }


def seat_params(key: Key, zone: int = 930) -> dict[str, Any]:
    cinema, screen, play_dt, seq = key
    return {
        "MethodName": "GetSeats",
        **COMMON,
        "cinemaId": cinema,
        "screenId": screen,
        "playDate": play_dt,
        "playSequence": seq,
        "screenDivisionCode": zone,
    }


def rows_of(body: dict[str, Any], key: Key) -> list[dict[str, Any]]:
    return [
        r
        for r in body["PlaySeqs"]["Items"]
        if (r["CinemaID"], r["ScreenID"], r["PlayDt"], r["PlaySequence"]) == key
    ]


def free(body: dict[str, Any]) -> list[str]:
    return [seat_name(s) for s in body["Seats"]["Items"] if s["SeatStatusCode"] == 0]


def free_not_wheelchair(body: dict[str, Any]) -> list[str]:
    return [
        seat_name(s)
        for s in body["Seats"]["Items"]
        if s["SeatStatusCode"] == 0 and not is_wheelchair(s)
    ]


def test_fixtures_are_what_the_generator_writes(tmp_path: Path) -> None:
    make_fixtures.main(tmp_path)
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(p.name for p in FIXTURES.glob("*.json"))
    for name in written:
        assert (tmp_path / name).read_text() == (FIXTURES / name).read_text(), name


async def test_ticketing_page_needs_member_on_no(
    lc: FakeLotte, http: aiohttp.ClientSession
) -> None:
    status, headers, data = await post(http, lc, page_params())
    assert (status, headers["Content-Type"].split(";")[0]) == (200, "application/json")
    page = json.loads(data)
    assert page == load_fixture("GetTicketingPageTOBE.json")
    assert page["IsOK"] == "true"
    dates = {d["PlayDate"]: d["IsPlayDate"] for d in page["MoviePlayDates"]["Items"]["Items"]}
    assert dates[DAY] == "Y"
    assert dates["2026-12-20"] == "N"  # listed, its screenings not on sale yet
    cinemas = page["Cinemas"]["Cinemas"]["Items"]
    world_tower = [c for c in cinemas if c["CinemaID"] == 1016]
    assert {c["DivisionCode"] for c in world_tower} == {1, 2}  # 2 = special-hall duplicates
    assert [c["DetailDivisionCode"] for c in world_tower if c["DivisionCode"] == 1] == ["0001"]
    regions = {
        a["DetailDivisionCode"]: a["GroupNameKR"]
        for a in page["CinemaDivison"]["AreaDivisions"]["Items"]
    }
    assert regions["0001"] == "서울"
    assert regions["0101"] == "경남/부산/울산"
    movies = page["Movies"]["Movies"]["Items"]
    assert {m["RepresentationMovieCode"] for m in movies} == {"24128", "24210"}
    without = page_params()
    del without["memberOnNo"]
    assert await call(http, lc, without) == load_fixture("error-missing-params.json")


async def test_movies_on_sale_and_upcoming(lc: FakeLotte, http: aiohttp.ClientSession) -> None:
    base = {"MethodName": "GetMoviesToBe", **COMMON, "multiLanguageID": "KR", "division": "1"}
    base |= {"orderType": "1", "blockSize": "100", "pageNo": "1", "memberOnNo": ""}
    everything = await call(http, lc, base, path=MOVIE)
    assert everything == load_fixture("GetMoviesToBe.json")
    on_sale = await call(http, lc, {**base, "moviePlayYN": "Y"}, path=MOVIE)
    assert [m["RepresentationMovieCode"] for m in on_sale["Movies"]["Items"]] == ["24128", "24210"]
    upcoming = await call(http, lc, {**base, "moviePlayYN": "N"}, path=MOVIE)
    assert [
        (m["RepresentationMovieCode"], m["BookingYN"]) for m in upcoming["Movies"]["Items"]
    ] == [("24305", "N")]
    lc.add_movie({**everything["Movies"]["Items"][0], "RepresentationMovieCode": "24999"})
    page = await call(http, lc, page_params())
    assert "24999" in {m["RepresentationMovieCode"] for m in page["Movies"]["Movies"]["Items"]}
    # A method sent to another area's path is refused like a bad call.
    assert (await call(http, lc, base))["IsOK"] == "false"


async def test_play_sequence_rows_zones_and_strays(
    lc: FakeLotte, http: aiohttp.ClientSession
) -> None:
    body = await call(http, lc, play_params())
    assert body == load_fixture("GetPlaySequence-1016.json")
    rows = body["PlaySeqs"]["Items"]
    assert {r["CinemaID"] for r in rows} == {1016, 1004}  # a row of another cinema: filter it
    ours = [r for r in rows if r["CinemaID"] == 1016]
    assert len({(r["ScreenID"], r["PlaySequence"]) for r in ours}) == 12
    zones = rows_of(body, ZONES_9)
    assert [(r["ScreenDivisionCode"], r["TotalSeatCount"]) for r in zones] == [
        (100, 128),
        (960, 12),
    ]
    seat_map = await call(http, lc, seat_params(ZONES_9, 100))
    assert sum(r["BookingSeatCount"] for r in zones) == len(free(seat_map)) == 6
    assert sorted(free_not_wheelchair(seat_map)) == ["B7", "B8", "I1", "I2"]  # H1, H2: wheelchair
    late = rows_of(body, SUPER4D_ACROSS_AISLE)[0]
    assert (late["StartTime"], late["EndTime"], late["SequenceNoGroupNameKR"]) == (
        "23:00",
        "25:20",
        "심야",
    )
    assert {r["IsBookingYN"] for r in ours} == {"Y", "N", "E"}
    assert rows_of(body, CHARLOTTE_CLOSED)[0]["IsBookingYN"] == "N"
    four_d = rows_of(body, SUPER4D_THREE)[0]
    assert (
        four_d["ScreenDivisionCode"],
        four_d["RepresentationMovieCode"],
        four_d["MovieCode"],
    ) == (
        930,
        "24128",
        "24131",
    )
    kondae = await call(http, lc, play_params(cinema="1|0001|1004"))
    assert kondae == load_fixture("GetPlaySequence-1004.json")
    only = await call(http, lc, play_params(movie="24210"))
    assert {r["RepresentationMovieCode"] for r in only["PlaySeqs"]["Items"]} == {"24210"}


async def test_silent_empties(lc: FakeLotte, http: aiohttp.ClientSession) -> None:
    special = await call(http, lc, play_params(cinema="2|0930|1016"))
    assert special == load_fixture("GetPlaySequence-special-hall-empty.json")
    assert special["IsOK"] == "true"
    unlisted = await call(http, lc, play_params("2027-03-01"))
    assert (unlisted["IsOK"], unlisted["PlaySeqs"]["Items"]) == ("true", [])
    # Listed and open but nothing at this cinema: also an empty list, no error.
    assert (await call(http, lc, play_params("2026-12-14")))["PlaySeqs"]["Items"] == []
    # GetSeats: ids as strings, or a screening that does not exist -> answered, nothing in it.
    as_strings = {**seat_params(SUPER4D_THREE), "cinemaId": "1016", "screenId": "1204"}
    for params in (as_strings, seat_params((1016, 1204, DAY, 9))):
        body = await call(http, lc, params)
        assert (body["IsOK"], body["Seats"]["Items"]) == ("true", [])
    lc.strict_seat_ids = False
    assert len((await call(http, lc, as_strings))["Seats"]["Items"]) == 112
    bad = {**play_params(), "cinemaID": "1016"}
    assert (await call(http, lc, bad))["IsOK"] == "false"


async def test_listed_date_is_j_until_opened(lc: FakeLotte, http: aiohttp.ClientSession) -> None:
    listed = await call(http, lc, play_params("2026-12-20"))
    assert listed == load_fixture("GetPlaySequence-1016-listed.json")
    assert {r["IsBookingYN"] for r in listed["PlaySeqs"]["Items"]} == {"J"}
    lc.open_date("2026-12-20")
    opened = await call(http, lc, play_params("2026-12-20"))
    assert {r["IsBookingYN"] for r in opened["PlaySeqs"]["Items"]} == {"Y"}
    page = await call(http, lc, page_params())
    dates = {d["PlayDate"]: d["IsPlayDate"] for d in page["MoviePlayDates"]["Items"]["Items"]}
    assert dates["2026-12-20"] == "Y"
    lc.unlist_date("2026-12-20")
    assert (await call(http, lc, play_params("2026-12-20")))["PlaySeqs"]["Items"] == []


async def test_seat_maps_as_the_reference_describes(
    lc: FakeLotte, http: aiohttp.ClientSession
) -> None:
    for key, name in SEAT_FILES.items():
        assert await call(http, lc, seat_params(key)) == load_fixture(name), name
    body = await call(http, lc, seat_params(SUPER4D_THREE))
    seats = body["Seats"]["Items"]
    assert body["ScreenSeatInfo"]["Items"][0]["TotalSeatCount"] == len(seats) == 112
    assert sorted(free(body)) == sorted(["H1", "H2", "H13", "H14", "F5", "F6", "F7"])
    assert free_not_wheelchair(body) == ["F5", "F6", "F7"]  # exactly 3, together
    wheelchair = {
        seat_name(s): s["SeatBlockSet"].replace(",", "").find("Y")
        for s in seats
        if is_wheelchair(s)
    }
    assert wheelchair == {"H1": 3, "H2": 3, "H13": 8, "H14": 8}
    by_name = {seat_name(s): s for s in seats}
    f5, f6 = by_name["F5"], by_name["F6"]
    assert f5["SeatColumGroupNo"] == f6["SeatColumGroupNo"] == "2"
    assert f6["SeatXCoordinate"] - f5["SeatXCoordinate"] <= 1.4 * f5["SeatXLength"]
    assert {s["SeatStatusCode"] for s in seats} == {0, 20, 28, 50, 80}
    row = rows_of(await call(http, lc, play_params()), SUPER4D_THREE)[0]
    assert row["BookingSeatCount"] == len(free(body)) == 7  # remaining, not sold
    across = await call(http, lc, seat_params(SUPER4D_ACROSS_AISLE))
    assert free_not_wheelchair(across) == ["D3", "D4", "D5"]
    d3, d4, d5 = (
        next(s for s in across["Seats"]["Items"] if seat_name(s) == n) for n in ("D3", "D4", "D5")
    )
    # Numbers run straight across the aisle; the group and the x gap tell it apart.
    assert [s["ShowSeatColumn"] for s in (d3, d4, d5)] == [3, 4, 5]
    assert [s["SeatColumGroupNo"] for s in (d3, d4, d5)] == ["1", "1", "2"]
    assert d4["SeatXCoordinate"] - d3["SeatXCoordinate"] <= 1.4 * d3["SeatXLength"]
    assert d5["SeatXCoordinate"] - d4["SeatXCoordinate"] > 2.3 * d4["SeatXLength"]
    wheelchair_only = await call(http, lc, seat_params(SUPER4D_WHEELCHAIR_ONLY))
    assert (len(free(wheelchair_only)), free_not_wheelchair(wheelchair_only)) == (4, [])


async def test_inverted_count_and_couples(lc: FakeLotte, http: aiohttp.ClientSession) -> None:
    listing = await call(http, lc, play_params())
    row = rows_of(listing, SUPER4D_INVERTED)[0]
    inverted = await call(http, lc, seat_params(SUPER4D_INVERTED))
    assert (row["TotalSeatCount"], row["BookingSeatCount"], len(free(inverted))) == (112, 108, 4)
    couples = await call(http, lc, seat_params(CHARLOTTE_COUPLES, 300))
    pairs = {
        seat_name(s): (s["RelatedSeatNo"].strip(), s["SeatStatusCode"])
        for s in couples["Seats"]["Items"]
        if s["RelatedSeatCount"] > 1
    }
    assert pairs["E3"] == ("1E04", 0)
    assert pairs["E4"] == ("1E03", 0)
    assert (pairs["E7"], pairs["E8"]) == (("1E08", 20), ("1E07", 0))  # half a pair free
    assert sorted(free_not_wheelchair(couples)) == ["C4", "E3", "E4", "E8"]
    by_name = {seat_name(s): s for s in couples["Seats"]["Items"]}
    b2, b3 = by_name["B2"], by_name["B3"]  # a side table between two recliners of one group
    assert b2["SeatColumGroupNo"] == b3["SeatColumGroupNo"]
    assert b3["SeatXCoordinate"] - b2["SeatXCoordinate"] > 1.4 * b2["SeatXLength"]


async def test_scenario_moves_seats_and_listing_together(
    lc: FakeLotte, http: aiohttp.ClientSession
) -> None:
    lc.set_free_seats(SUPER4D_WHEELCHAIR_ONLY, ["C6", "C7", "C8"])
    row = rows_of(await call(http, lc, play_params()), SUPER4D_WHEELCHAIR_ONLY)[0]
    assert row["BookingSeatCount"] == 7
    seats = await call(http, lc, seat_params(SUPER4D_WHEELCHAIR_ONLY))
    assert sorted(free_not_wheelchair(seats)) == ["C6", "C7", "C8"]
    assert seats["ScreenSeatInfo"]["Items"][0]["BookingCount"] == 112 - 7 - 2  # 2 blocked
    lc.sell(SUPER4D_WHEELCHAIR_ONLY, ["C7"])
    lc.free(SUPER4D_WHEELCHAIR_ONLY, ["A5"])
    assert lc.remaining(SUPER4D_WHEELCHAIR_ONLY) == 7
    assert sorted(free_not_wheelchair(lc.seat_map(SUPER4D_WHEELCHAIR_ONLY))) == ["A5", "C6", "C8"]
    lc.sell_out(SUPER4D_WHEELCHAIR_ONLY)
    assert (lc.remaining(SUPER4D_WHEELCHAIR_ONLY), free(lc.seat_map(SUPER4D_WHEELCHAIR_ONLY))) == (
        0,
        [],
    )
    lc.set_remaining(SUPER4D_ACROSS_AISLE, 3)  # fill order: the 4 wheelchair seats come first
    assert sorted(free(lc.seat_map(SUPER4D_ACROSS_AISLE))) == ["H1", "H13", "H2"]
    lc.set_remaining(ZONES_9, 2, zone=960)
    assert [r["BookingSeatCount"] for r in lc.rows(ZONES_9)] == [4, 2]
    lc.set_listing_count(SUPER4D_THREE, 2)  # a stale listing: the map is unchanged
    assert (lc.remaining(SUPER4D_THREE), len(free(lc.seat_map(SUPER4D_THREE)))) == (2, 7)
    with pytest.raises(ValueError, match="Z99"):
        lc.set_free_seats(SUPER4D_THREE, ["Z99"])


async def test_screenings_added_and_days_copied(lc: FakeLotte, http: aiohttp.ClientSession) -> None:
    new = lc.clone_screening(SUPER4D_THREE, PlaySequence=6, StartTime="25:30", EndTime="27:50")
    assert new == (1016, 1204, DAY, 6)
    body = await call(http, lc, play_params())
    assert rows_of(body, new)[0]["BookingSeatCount"] == 7
    assert sorted(free(lc.seat_map(new))) == sorted(free(lc.seat_map(SUPER4D_THREE)))
    lc.sell_out(new)  # a clone shares nothing with its source
    assert len(free(lc.seat_map(SUPER4D_THREE))) == 7
    created = lc.copy_day(DAY, "2026-12-16")
    assert len(created) == len(lc.keys(DAY))
    copied = await call(http, lc, play_params("2026-12-16"))
    assert {r["PlayDt"] for r in copied["PlaySeqs"]["Items"]} == {"2026-12-16"}
    assert {r["IsBookingYN"] for r in copied["PlaySeqs"]["Items"]} == {"Y", "N", "E"}
    moved_zones = (1016, 1209, "2026-12-16", 2)
    assert sorted(free_not_wheelchair(await call(http, lc, seat_params(moved_zones)))) == [
        "B7",
        "B8",
        "I1",
        "I2",
    ]
    lc.remove_screening(new)
    assert rows_of(await call(http, lc, play_params()), new) == []
    rows = [{**r, "PlayDt": "2026-12-27"} for r in lc.rows(ZONES_9)]
    added = lc.add_screening(rows, mark_open=False)
    assert lc.listed_dates[-1] == "2026-12-27"
    assert {
        r["IsBookingYN"] for r in rows_of(await call(http, lc, play_params("2026-12-27")), added)
    } == {"J"}
    assert len(free(lc.seat_map(added))) == 6  # generated from the rows' counts per zone


@pytest.mark.parametrize(
    ("mode", "status", "ctype"),
    [
        ("403", 403, "text/html"),
        ("429", 429, "text/html"),
        ("500", 500, "text/html"),
        ("502", 502, "text/html"),
        ("503", 503, "text/html"),
        ("html", 200, "text/html"),
        ("bad-json", 200, "application/json"),
        ("empty", 200, "application/json"),
        ("error", 200, "application/json"),
        ("silent-empty", 200, "application/json"),
        ("missing-keys", 200, "application/json"),
    ],
)
async def test_failure_modes(
    lc: FakeLotte, http: aiohttp.ClientSession, mode: str, status: int, ctype: str
) -> None:
    lc.fail("GetPlaySequence", mode)
    got, headers, data = await post(http, lc, play_params())
    assert (got, headers["Content-Type"].split(";")[0]) == (status, ctype)
    if mode == "429":
        assert headers["Retry-After"] == "1"
    if mode == "bad-json":
        with pytest.raises(ValueError, match=r"Unterminated|Expecting"):
            json.loads(data)
    if mode == "empty":
        assert data == b""
    if mode == "error":
        body = json.loads(data)
        assert (body["IsOK"], body["PlaySeqs"]["Items"]) == ("false", [])
    if mode == "silent-empty":
        body = json.loads(data)
        assert (body["IsOK"], body["PlaySeqs"]["Items"]) == ("true", [])
    if mode == "missing-keys":
        assert "PlaySeqs" not in json.loads(data)
    assert lc.last().failure == mode
    assert len((await call(http, lc, play_params()))["PlaySeqs"]["Items"]) == 16  # consumed


async def test_failure_queue_scope_and_order(lc: FakeLotte, http: aiohttp.ClientSession) -> None:
    lc.fail("GetSeats", "error", when={"playSequence": "3"})
    lc.fail(None, "503", times=2)
    assert (await post(http, lc, seat_params(SUPER4D_WHEELCHAIR_ONLY)))[0] == 503
    assert (await call(http, lc, seat_params(SUPER4D_THREE)))["IsOK"] == "false"
    assert (await post(http, lc, page_params()))[0] == 503
    assert (await call(http, lc, page_params()))["IsOK"] == "true"
    lc.fail_always("GetPlaySequence", "429", when={"cinemaID": "1|0001|1004"})
    assert (await post(http, lc, play_params(cinema="1|0001|1004")))[0] == 429
    assert (await post(http, lc, play_params()))[0] == 200  # the other cinema is untouched
    assert (await post(http, lc, play_params(cinema="1|0001|1004")))[0] == 429
    lc.recover("GetPlaySequence")
    assert (await post(http, lc, play_params(cinema="1|0001|1004")))[0] == 200
    with pytest.raises(ValueError, match="mode"):
        lc.fail("GetSeats", "teapot")
    with pytest.raises(ValueError, match="method"):
        lc.fail("GetSeat", "500")


async def test_timeout_mode_does_not_hang_shutdown(http: aiohttp.ClientSession) -> None:
    lc = FakeLotte()
    await lc.start()
    lc.fail("GetSeats", "timeout")
    short = aiohttp.ClientTimeout(total=0.2)
    await assert_close_ends_a_hang(lc, post(http, lc, seat_params(SUPER4D_THREE), timeout=short))


async def test_hold_release_and_the_request_log(lc: FakeLotte, http: aiohttp.ClientSession) -> None:
    lc.hold("GetSeats")
    pending = asyncio.ensure_future(call(http, lc, seat_params(SUPER4D_THREE)))
    await lc.wait_for_request("GetSeats")
    assert not pending.done()
    lc.release("GetSeats")
    assert len((await pending)["Seats"]["Items"]) == 112
    rec = lc.last("GetSeats")
    assert rec.content_type == "multipart/form-data"
    assert (rec.raw or {})["cinemaId"] == 1016  # numbers kept as sent
    assert rec.params["cinemaId"] == "1016"
    await post(
        http,
        lc,
        play_params(),
        multipart=False,
        headers={"Referer": "https://www.lottecinema.co.kr/NLCHS/Ticketing"},
    )
    rec = lc.last("GetPlaySequence")
    assert rec.content_type == "application/x-www-form-urlencoded"
    assert rec.headers["Referer"].endswith("/NLCHS/Ticketing")
    # A Python dict repr (single quotes), as some clients send paramList, is read too.
    body = json.loads((await post(http, lc, str(play_params())))[2])
    assert len(body["PlaySeqs"]["Items"]) == 16
    assert (lc.count(), lc.count("GetSeats"), lc.count("GetPlaySequence")) == (3, 1, 2)
    lc.reset_log()
    assert lc.count() == 0


async def test_transport_edges(lc: FakeLotte, http: aiohttp.ClientSession) -> None:
    async with http.get(lc.base_url + TICKETING) as resp:
        assert resp.status == 405
    async with http.post(
        lc.base_url + "/LCWS/Nope/NopeData.aspx", data={"paramList": "{}"}
    ) as resp:
        assert resp.status == 404
    async with http.post(lc.base_url + TICKETING, json=play_params()) as resp:
        assert (await resp.json())["ResultMessage"] == "호출 파라미터가 부족합니다"  # not a form
    assert (await call(http, lc, {"MethodName": "GetNothing"}))["IsOK"] == "false"
    lc.is_ok_bool = True
    assert (await call(http, lc, play_params()))["IsOK"] is True
    lc.require_headers = True
    assert (await post(http, lc, play_params()))[0] == 403
    browser = {"User-Agent": UA, "Referer": "https://www.lottecinema.co.kr/NLCHS/Ticketing"}
    assert (await post(http, lc, play_params(), headers=browser))[0] == 200


async def test_scenario_moves_with_today(http: aiohttp.ClientSession) -> None:
    for today, sunday in [("2026-12-12", "2026-12-13"), ("2026-12-13", "2026-12-20")]:
        assert FakeLotte(today=date.fromisoformat(today)).fixture_day == date.fromisoformat(sunday)
    real_today = datetime.now(KST).date()  # CI also moves the clock +30 and +400 days
    for today in (date(2027, 1, 6), real_today):
        async with FakeLotte(today=today) as lc:
            day = lc.fixture_day
            assert day.weekday() == 6
            assert 0 < (day - today).days <= 7
            key = lc.moved(SUPER4D_THREE)
            assert key[2] == day.isoformat()
            body = await call(http, lc, play_params(day.isoformat()))
            assert rows_of(body, key)[0]["BookingSeatCount"] == 7
            usable = free_not_wheelchair(await call(http, lc, seat_params(key)))
            assert usable == ["F5", "F6", "F7"]
            later = await call(http, lc, play_params(lc.date(7)))
            assert {r["IsBookingYN"] for r in later["PlaySeqs"]["Items"]} == {"J"}
            page = await call(http, lc, page_params())
            dates = {
                d["PlayDate"]: d["IsPlayDate"] for d in page["MoviePlayDates"]["Items"]["Items"]
            }
            assert dates[day.isoformat()] == "Y"
            assert min(dates) >= today.isoformat()
            if lc.shifted_days:
                assert (await call(http, lc, play_params(DAY)))["PlaySeqs"]["Items"] == []


async def test_synthetic_scale(http: aiohttp.ClientSession) -> None:
    dates = [f"2026-12-{d:02d}" for d in range(14, 28)]
    lc = FakeLotte()
    ids = lc.load_synthetic(20, dates, ["24128", "24210"], 10, replace=True)  # bench/ times it
    assert len(lc.keys()) == 20 * 14 * 10
    async with lc:
        body = await call(http, lc, play_params("2026-12-20", f"1|0001|{ids[0]}"))
    rows = body["PlaySeqs"]["Items"]
    assert len({(r["ScreenID"], r["PlaySequence"]) for r in rows}) == 10
    assert {r["ScreenDivisionCode"] for r in rows} == {100, 930, 940, 960}
    for key in lc.keys("2026-12-20", ids[0])[:4]:
        assert len(free(lc.seat_map(key))) == lc.remaining(key)


def test_standalone_process() -> None:
    with standalone("tests.fakes.lotte_server") as url:

        async def one_request() -> Any:
            form = aiohttp.FormData({"paramList": json.dumps(play_params())})
            async with (
                aiohttp.ClientSession() as session,
                session.post(url + TICKETING, data=form) as resp,
            ):
                return await resp.json()

        assert len(asyncio.run(one_request())["PlaySeqs"]["Items"]) == 16


@pytest.mark.parametrize("hall_key", sorted(HALLS))
def test_hall_geometry_follows_the_reference_rule(hall_key: tuple[int, int]) -> None:
    """Neighbours at most 1.4 widths apart in x; aisles (group change) at least 2.3."""
    seats = build_seats(HALLS[hall_key])
    rows: dict[str, list[dict[str, Any]]] = {}
    for s in seats:
        rows.setdefault(s["SeatRow"], []).append(s)
    for row in rows.values():
        row.sort(key=lambda s: s["SeatXCoordinate"])
        assert [s["SeatColumn"] for s in row] == list(range(1, len(row) + 1))
        for a, b in itertools.pairwise(row):
            gap = (b["SeatXCoordinate"] - a["SeatXCoordinate"]) / a["SeatXLength"]
            if a["SeatColumGroupNo"] != b["SeatColumGroupNo"]:
                assert gap >= 2.3
            else:
                assert gap <= 1.4 or 1.5 <= gap < 2.3  # neighbours, or a side table between
    assert len({s["SeatNo"] for s in seats}) == len(seats)
    ys = [min(s["SeatYCoordinate"] for s in r) for r in rows.values()]
    assert ys == sorted(ys)  # row A nearest the screen (small y)
