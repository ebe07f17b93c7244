"""The Lotte Cinema client against the fake Lotte server: what a watcher would notice (counts,
on sale or not, seats together or not, couples, wheelchair seats) and every failure typed."""

from __future__ import annotations

import asyncio
import urllib.parse
from collections.abc import AsyncIterator, Iterable
from datetime import date, datetime, timedelta

import pytest

from bot.chains import base
from bot.chains.base import KST, Listing, Screening, Seat, SeatMap
from bot.chains.lotte.client import LotteClient
from bot.chains.lotte.formats import find_format, format_of
from bot.seats.layout import LayoutSeat, runs
from tests.conftest import SHORT_TIMEOUT, fast_lotte_options
from tests.fakes.lotte_server import (
    CHARLOTTE_CLOSED,
    CHARLOTTE_COUPLES,
    FIXTURE_DAY,
    SUPER4D_ACROSS_AISLE,
    SUPER4D_INVERTED,
    SUPER4D_SOLD_OUT,
    SUPER4D_THREE,
    SUPER4D_WHEELCHAIR_ONLY,
    SUPERPLEX,
    ZONES_9,
    FakeLotte,
    Key,
)

WORLD_TOWER = "lotte:1016"
STAR_HEIR = "lotte:24128"  # its 수퍼 4D prints carry MovieCode 24131


def sid(key: Key) -> str:
    cinema, screen, play_dt, seq = key
    return f"lotte:{cinema}-{screen}-{play_dt}-{seq}"


@pytest.fixture
async def lc() -> AsyncIterator[FakeLotte]:
    async with FakeLotte() as fake:
        yield fake


@pytest.fixture
async def client(lc: FakeLotte) -> AsyncIterator[LotteClient]:
    async with LotteClient(fast_lotte_options(lc.base_url)) as c:
        yield c


async def day_listing(client: LotteClient, day: date = FIXTURE_DAY, *movies: str) -> Listing:
    return await client.listing(day, [WORLD_TOWER], list(movies))


async def screening(client: LotteClient, key: Key) -> Screening:
    listing = await day_listing(client, date.fromisoformat(key[2]))
    return {s.screening_id: s for s in listing.screenings}[sid(key)]


async def seats_of(client: LotteClient, key: Key) -> SeatMap:
    return await client.seat_map(await screening(client, key))


def usable(seat_map: SeatMap) -> list[str]:
    return sorted(s.label for s in seat_map.seats if s.usable)


def blocks(seats: Iterable[Seat]) -> list[list[str]]:
    """The runs of usable seats the bot's seat logic finds (bot/seats/layout.py)."""
    layout = [
        LayoutSeat(s.row, s.label, s.x, s.y, s.w, s.free, s.wheelchair, s.grp, s.seq)
        for s in seats
        if s.usable
    ]
    return sorted(sorted(s.label for s in run) for run in runs(layout))


# -- listings -----------------------------------------------------------------------------


async def test_listing_sums_zones_reads_remaining_and_qualifies_ids(
    client: LotteClient,
) -> None:
    listing = await day_listing(client)
    rows = {s.screening_id: s for s in listing.screenings}
    assert len(rows) == 12  # 15 zone rows of 12 screenings; cinema 1004's stray row dropped
    assert {s.branch_id for s in rows.values()} == {WORLD_TOWER}
    zones = rows[sid(ZONES_9)]
    # 9관 comes as zone 100 (4 free of 128) + recliner zone 960 (2 of 12): one screening.
    assert (zones.free_seats, zones.total_seats, zones.format_code) == (6, 140, "STANDARD")
    three = rows[sid(SUPER4D_THREE)]
    # BookingSeatCount is what is still free: 7, not 112 - 7.
    assert (three.free_seats, three.total_seats, three.format_code) == (7, 112, "SUPER4D")
    assert three.movie_id == STAR_HEIR and three.movie_name == "별의 계승자"
    assert three.branch_name == "월드타워" and three.hall_name == "4관 수퍼 4D"
    assert three.screening_id == "lotte:1016-1204-2026-12-13-3"
    assert base.chain_of(three.screening_id) == "lotte"
    late = rows[sid(SUPER4D_ACROSS_AISLE)]
    assert late.end_clock == "25:20"
    assert late.end == datetime(2026, 12, 14, 1, 20, tzinfo=KST)
    assert rows[sid(SUPERPLEX)].format_code == "SUPERPLEX"
    assert rows[sid(CHARLOTTE_CLOSED)].format_code == "CHARLOTTE"
    assert rows[sid(CHARLOTTE_CLOSED)].bookable is False  # N: booking closed
    assert rows[sid(SUPER4D_SOLD_OUT)].bookable is False  # E: sold out
    assert three.bookable is True
    calendar = {d.play_date: d for d in listing.calendar}
    assert calendar[FIXTURE_DAY].open and calendar[FIXTURE_DAY].holiday is None
    assert not calendar[FIXTURE_DAY + timedelta(7)].open
    assert listing.skipped == ()


async def test_movie_filter_is_the_representative_film(lc: FakeLotte, client: LotteClient) -> None:
    listing = await day_listing(client, FIXTURE_DAY, STAR_HEIR)
    # The 4D prints (MovieCode 24131) belong to the film too.
    assert {s.movie_id for s in listing.screenings} == {STAR_HEIR}
    assert sid(SUPER4D_THREE) in {s.screening_id for s in listing.screenings}
    assert all(s.matches_movie(STAR_HEIR) for s in listing.screenings)
    # One request per cinema and date, every film: the filter is ours.
    assert lc.last("GetPlaySequence").params["representationMovieCode"] == ""
    other = await day_listing(client, FIXTURE_DAY, "lotte:24210")
    assert other.screenings and {s.movie_id for s in other.screenings} == {"lotte:24210"}


async def test_listed_not_on_sale_is_not_bookable(lc: FakeLotte, client: LotteClient) -> None:
    listing = await day_listing(client, date.fromisoformat(lc.date(7)))
    assert len(listing.screenings) == 3
    assert {(s.bookable, s.free_seats) for s in listing.screenings} == {(False, 112)}


async def test_an_empty_day_is_empty_but_a_silent_empty_play_date_is_an_error(
    lc: FakeLotte, client: LotteClient
) -> None:
    quiet = await day_listing(client, FIXTURE_DAY + timedelta(1))  # listed, IsPlayDate N
    assert quiet.screenings == ()
    lc.fail("GetPlaySequence", "silent-empty")
    with pytest.raises(base.BadShape, match="play date"):
        await day_listing(client)


async def test_an_unreadable_row_is_skipped_not_the_listing(
    lc: FakeLotte, client: LotteClient
) -> None:
    lc.set_row_field(SUPER4D_THREE, "StartTime", "soon")
    lc.set_row_field(SUPERPLEX, "ScreenDivisionCode", 999)  # a hall code nobody knows yet
    lc.set_row_field(SUPERPLEX, "ScreenDivisionNameKR", "광음LED")
    listing = await day_listing(client)
    ids = {s.screening_id: s for s in listing.screenings}
    assert sid(SUPER4D_THREE) not in ids and len(ids) == 11
    (skipped,) = listing.skipped
    assert (skipped.branch_id, skipped.movie_id, skipped.play_date) == (
        WORLD_TOWER,
        STAR_HEIR,
        FIXTURE_DAY,
    )
    assert ids[sid(SUPERPLEX)].format_code == "LOTTE_999"
    assert client.format_names["LOTTE_999"] == "광음LED"


async def test_one_cinema_per_listing(client: LotteClient) -> None:
    with pytest.raises(ValueError, match="one Lotte cinema"):
        await client.listing(FIXTURE_DAY, [WORLD_TOWER, "lotte:1004"])
    with pytest.raises(ValueError, match="not a Lotte id"):
        await client.listing(FIXTURE_DAY, ["megabox:1351"])


async def test_ticketing_page_is_cached_and_reread_for_a_new_cinema(lc: FakeLotte) -> None:
    now = [0.0]
    async with LotteClient(fast_lotte_options(lc.base_url), clock=lambda: now[0]) as client:
        await asyncio.gather(day_listing(client), client.listing(FIXTURE_DAY, ["lotte:1004"]))
        assert lc.count("GetTicketingPageTOBE") == 1  # one read for both
        await asyncio.gather(day_listing(client), client.branches(FIXTURE_DAY))
        assert lc.count("GetTicketingPageTOBE") == 1
        now[0] += 601  # past the page's ten minutes
        await day_listing(client)
        assert lc.count("GetTicketingPageTOBE") == 2
        lc.add_cinema(
            {
                "DivisionCode": 1,
                "DetailDivisionCode": "0002",
                "CinemaID": 3030,
                "CinemaNameKR": "새",
            }
        )
        listing = await client.listing(FIXTURE_DAY + timedelta(1), ["lotte:3030"])
        assert lc.count("GetTicketingPageTOBE") == 3  # an unknown cinema re-reads it
        assert lc.last("GetPlaySequence").params["cinemaID"] == "1|0002|3030"
        assert listing.screenings == ()  # not a play date: nothing on, truly
        with pytest.raises(base.BadShape):  # a play date: an empty answer is not believed
            await client.listing(FIXTURE_DAY, ["lotte:3030"])
        with pytest.raises(base.Rejected):
            await client.listing(FIXTURE_DAY + timedelta(1), ["lotte:4040"])


# -- seat maps ----------------------------------------------------------------------------


async def test_three_together_and_wheelchair_seats_free_but_not_usable(
    lc: FakeLotte, client: LotteClient
) -> None:
    seat_map = await seats_of(client, SUPER4D_THREE)
    assert seat_map.screening_id == sid(SUPER4D_THREE)
    assert len(seat_map.seats) == 112
    assert usable(seat_map) == ["F5", "F6", "F7"]
    wheelchair = {s.label: s for s in seat_map.seats if s.wheelchair}
    assert sorted(wheelchair) == ["H1", "H13", "H14", "H2"]  # flags 3 and 8
    assert all(s.free and not s.usable for s in wheelchair.values())
    assert blocks(seat_map.seats) == [["F5", "F6", "F7"]]
    assert seat_map.disagreement is None and seat_map.uncounted == 0
    # Positions in seat widths, the screen at small y, rows about one apart.
    by_label = {s.label: s for s in seat_map.seats}
    assert by_label["F6"].x - by_label["F5"].x == pytest.approx(1.0)
    assert by_label["A1"].y < by_label["H1"].y
    assert 1.0 <= by_label["B1"].y - by_label["A1"].y <= 1.3
    # GetSeats with numbers and the lowercase cinemaId (strings get a silent empty).
    raw = lc.last("GetSeats").raw or {}
    assert (raw["cinemaId"], raw["screenId"], raw["playSequence"]) == (1016, 1204, 3)
    assert raw["screenDivisionCode"] == 930


async def test_wheelchair_only_has_nothing_usable(client: LotteClient) -> None:
    seat_map = await seats_of(client, SUPER4D_WHEELCHAIR_ONLY)
    assert sum(s.free for s in seat_map.seats) == 4
    assert usable(seat_map) == []


async def test_seats_across_an_aisle_are_not_together(client: LotteClient) -> None:
    seat_map = await seats_of(client, SUPER4D_ACROSS_AISLE)
    # Numbers 3-4-5 run straight across the aisle: only the group and x gap tell.
    assert usable(seat_map) == ["D3", "D4", "D5"]
    assert blocks(seat_map.seats) == [["D3", "D4"], ["D5"]]


async def test_couples_count_whole_and_side_tables_split(
    lc: FakeLotte, client: LotteClient
) -> None:
    seat_map = await seats_of(client, CHARLOTTE_COUPLES)
    by_label = {s.label: s for s in seat_map.seats}
    # E8 is free, but its partner E7 is held: half a couple seat cannot be bought.
    assert not by_label["E8"].free
    assert usable(seat_map) == ["C4", "E3", "E4"]
    assert ["E3", "E4"] in blocks(seat_map.seats)
    assert seat_map.uncounted == 8  # row E's four pairs
    assert by_label["E1"].w == pytest.approx(1.0)  # widths in the hall's own seat width
    # The listing's 6 are the raw free seats, so the count agrees with the map.
    assert seat_map.disagreement is None
    lc.set_free_seats(CHARLOTTE_COUPLES, ["B1", "B2", "B3"])
    recliners = await seats_of(client, CHARLOTTE_COUPLES)
    assert blocks(recliners.seats) == [["B1", "B2"], ["B3"]]  # a side table between B2 | B3


async def test_inverted_count_is_a_disagreement(client: LotteClient) -> None:
    seat_map = await seats_of(client, SUPER4D_INVERTED)
    assert usable(seat_map) == ["E6", "E7", "G11", "G12"]
    assert seat_map.disagreement is not None
    assert "4" in seat_map.disagreement and "108" in seat_map.disagreement


async def test_every_zone_of_a_screen_counts(client: LotteClient) -> None:
    seat_map = await seats_of(client, ZONES_9)
    assert usable(seat_map) == ["B7", "B8", "I1", "I2"]
    assert blocks(seat_map.seats) == [["B7", "B8"], ["I1", "I2"]]
    assert seat_map.disagreement is None


async def test_an_empty_seat_map_is_an_error(lc: FakeLotte, client: LotteClient) -> None:
    three = await screening(client, SUPER4D_THREE)
    lc.fail("GetSeats", "silent-empty")
    with pytest.raises(base.BadShape, match="no seats"):
        await client.seat_map(three)


async def test_a_moved_scenario_reads_the_same() -> None:
    today = datetime.now(KST).date()  # CI also runs this +30 and +400 days on
    async with (
        FakeLotte(today=today) as moved,
        LotteClient(fast_lotte_options(moved.base_url)) as client,
    ):
        seat_map = await seats_of(client, moved.moved(SUPER4D_THREE))
    assert usable(seat_map) == ["F5", "F6", "F7"]


# -- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize("as_bool", [False, True])
async def test_is_ok_false_is_an_error_never_an_empty_listing(
    lc: FakeLotte, client: LotteClient, as_bool: bool
) -> None:
    lc.is_ok_bool = as_bool
    assert (await day_listing(client)).screenings  # "true" and true both read
    lc.fail("GetPlaySequence", "error")
    with pytest.raises(base.Rejected) as caught:
        await day_listing(client)
    assert caught.value.chain == "lotte"


@pytest.mark.parametrize(
    ("mode", "error"),
    [
        ("403", base.Blocked),
        ("429", base.RateLimited),
        ("500", base.ServerError),
        ("502", base.ServerError),
        ("503", base.ServerError),
        ("timeout", base.Timeout),
        ("html", base.BadShape),
        ("bad-json", base.BadShape),
        ("empty", base.BadShape),
        ("missing-keys", base.BadShape),
    ],
)
async def test_every_failure_is_typed(
    lc: FakeLotte, mode: str, error: type[base.ChainError]
) -> None:
    options = fast_lotte_options(
        lc.base_url, **({"timeout_seconds": SHORT_TIMEOUT} if mode == "timeout" else {})
    )
    async with LotteClient(options) as client:
        await client.ticketing_page()
        lc.fail_always("GetPlaySequence", mode)
        with pytest.raises(error) as caught:
            await day_listing(client)
        assert caught.value.chain == "lotte"
        # Transient failures are retried, permanent ones are not; every try is counted.
        tries = lc.count("GetPlaySequence")
        assert tries > 1 if error.transient else tries == 1
        assert client.requests_made == lc.count()
    if mode == "429":
        assert isinstance(caught.value, base.RateLimited) and caught.value.retry_after == 1


async def test_a_transient_failure_then_success(lc: FakeLotte, client: LotteClient) -> None:
    three = await screening(client, SUPER4D_THREE)
    lc.fail("GetSeats", "503")
    assert usable(await client.seat_map(three)) == ["F5", "F6", "F7"]


async def test_a_broken_ticketing_page_is_an_error(lc: FakeLotte, client: LotteClient) -> None:
    lc.fail("GetTicketingPageTOBE", "silent-empty")  # no cinemas at all
    with pytest.raises(base.BadShape):
        await client.branches(FIXTURE_DAY)
    assert len(await client.branches(FIXTURE_DAY)) == 4  # read again, not the broken one


# -- transport, catalogue, links ----------------------------------------------------------


async def test_requests_look_like_the_booking_page(lc: FakeLotte, client: LotteClient) -> None:
    lc.require_headers = True  # 403 without a browser UA and Lotte's Referer
    await seats_of(client, SUPER4D_THREE)
    for method in ("GetTicketingPageTOBE", "GetPlaySequence", "GetSeats"):
        rec = lc.last(method)
        assert rec.content_type == "multipart/form-data"
        assert rec.path == "/LCWS/Ticketing/TicketingData.aspx"
        assert "Mozilla/" in rec.headers["User-Agent"]
        assert rec.headers["Referer"] == "https://www.lottecinema.co.kr/NLCHS/Ticketing"
        assert (rec.params["channelType"], rec.params["osType"]) == ("HO", "W")
        assert rec.params["memberOnNo"] == "0"
    play = lc.last("GetPlaySequence").params
    assert (play["cinemaID"], play["playDate"]) == ("1|0001|1016", FIXTURE_DAY.isoformat())


async def test_branches_and_films(lc: FakeLotte, client: LotteClient) -> None:
    branches = {b.branch_id: b for b in await client.branches(FIXTURE_DAY)}
    # DivisionCode 2 rows repeat cinemas under their special halls: left out.
    assert sorted(branches) == ["lotte:1003", "lotte:1004", "lotte:1009", "lotte:1016"]
    tower = branches[WORLD_TOWER]
    assert (tower.branch_name, tower.branch_name_en, tower.region, tower.region_name) == (
        "월드타워",
        "World Tower",
        "0001",
        "서울",
    )
    on_sale = {f.movie_id: f for f in await client.films()}
    assert sorted(on_sale) == [STAR_HEIR, "lotte:24210"]
    assert on_sale[STAR_HEIR].movie_name == "별의 계승자" and on_sale[STAR_HEIR].on_sale
    assert on_sale[STAR_HEIR].minutes == 140
    upcoming = await client.films(upcoming=True)
    assert [(f.movie_id, f.on_sale) for f in upcoming] == [("lotte:24305", False)]
    assert lc.last("GetMoviesToBe").path == "/LCWS/Movie/MovieData.aspx"


async def test_links_open_the_films_booking_page(lc: FakeLotte, client: LotteClient) -> None:
    three = await screening(client, SUPER4D_THREE)
    assert client.links_to_screening is False
    link = client.booking_link(three)
    assert link == client.film_link(STAR_HEIR, "별의 계승자")
    parsed = urllib.parse.urlsplit(link)
    assert parsed.path == "/NLCHS/ticketing"
    assert urllib.parse.parse_qs(parsed.query) == {
        "movieCd": ["24128"],
        "movieName": ["별의 계승자"],
    }
    # Members go to Lotte's public site, whatever LOTTE_BASE_URL points the client at.
    assert parsed.netloc == "www.lottecinema.co.kr"
    assert (
        client.film_link(STAR_HEIR) == "https://www.lottecinema.co.kr/NLCHS/ticketing?movieCd=24128"
    )


def test_chain_shape() -> None:
    client = LotteClient()
    assert client.name == "lotte"
    assert client.shape == base.RequestShape(branches_per_listing=1, movies_per_listing=None)
    assert client.requests_made == 0


@pytest.mark.parametrize(
    ("word", "name"),
    [
        ("4D", "SUPER4D"),
        ("4DX", "SUPER4D"),
        ("수퍼4D", "SUPER4D"),
        ("수퍼 4D", "SUPER4D"),
        ("super4d", "SUPER4D"),
        ("수퍼플렉스", "SUPERPLEX"),
        ("샤롯데", "CHARLOTTE"),
        ("일반", "STANDARD"),
        ("씨네컴포트", "CINECOMFORT"),
        ("LOTTE_999", "LOTTE_999"),
        ("IMAX", None),
    ],
)
def test_format_words(word: str, name: str | None) -> None:
    assert find_format(word) == name


def test_format_codes() -> None:
    assert [format_of(c) for c in (930, 940, 941, 300, 301, 100, "930")] == [
        "SUPER4D",
        "SUPERPLEX",
        "SUPERPLEX",
        "CHARLOTTE",
        "CHARLOTTE",
        "STANDARD",
        "SUPER4D",
    ]
    assert format_of(12345) == "LOTTE_12345"
    assert format_of(None) is None


async def test_request_budget_spaces_requests(lc: FakeLotte) -> None:
    import time

    async with LotteClient(fast_lotte_options(lc.base_url, requests_per_second=20)) as client:
        three = await screening(client, SUPER4D_THREE)
        started = time.monotonic()
        for _ in range(4):
            await client.seat_map(three)
        elapsed = time.monotonic() - started
    assert elapsed >= 3 / 20 * 0.9  # 4 requests at 20/s need at least 3 gaps of 50 ms
