"""Reading Lotte's answers without HTTP: odd types, boxes, two floors, the envelope."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.chains import base
from bot.chains.base import Screening
from bot.chains.http import Backoff
from bot.chains.lotte.parse import decode_envelope, parse_play_sequence, parse_seat_map
from tests.fakes.lotte_server import load_fixture

DAY = date(2026, 12, 13)


def seat(row: str, col: int, x: int, **over: Any) -> dict[str, Any]:
    """A seat as GetSeats gives it (fields the reader uses), free unless told."""
    return {
        "SeatNo": f"1{row}{col:02d}",
        "SeatRow": row,
        "ShowSeatRow": row,
        "ShowSeatColumn": col,
        "SeatColumGroupNo": "1",
        "SeatXCoordinate": x,
        "SeatYCoordinate": 2000,
        "SeatXLength": 226,
        "SeatYLength": 416,
        "SeatFloor": 1,
        "SeatStatusCode": 0,
        "SeatBlockSet": "N,N,N,N,N,N,N,N,N,N,N,N,N,N,N,N,N,N,N,N,N,N,Y",
        "RelatedSeatNo": " " * 10,
        "RelatedSeatCount": 1,
        **over,
    }


def listed(free: int) -> Screening:
    return Screening(
        screening_id="lotte:1016-1202-2026-12-13-2",
        play_date=DAY,
        start_clock="13:00",
        end_clock="14:52",
        branch_id="lotte:1016",
        free_seats=free,
        movie_id="lotte:24128",
    )


def test_numbers_as_strings_and_strings_as_numbers() -> None:
    rows = load_fixture("GetPlaySequence-1016.json")["PlaySeqs"]["Items"]
    for row in rows:
        for key in ("CinemaID", "ScreenID", "TotalSeatCount", "BookingSeatCount", "PlaySequence"):
            row[key] = str(row[key])
        row["RepresentationMovieCode"] = int(row["RepresentationMovieCode"])
    read = parse_play_sequence(rows, "1016", DAY, ["24128"])
    assert read.skipped == ()
    three = {s.screening_id: s for s in read.screenings}["lotte:1016-1204-2026-12-13-3"]
    assert (three.free_seats, three.movie_id) == (7, "lotte:24128")
    seats = [seat("A", 1, 1000, SeatXCoordinate="1000", SeatStatusCode="0"), seat("A", 2, 1226)]
    assert [s.usable for s in parse_seat_map(listed(2), seats).seats] == [True, True]


def test_a_private_box_counts_only_whole() -> None:
    # 샤롯데 프라이빗: a box of 4 sold at once, each seat naming the next.
    box = [
        seat("A", c, 1000 + 226 * (c - 1), RelatedSeatCount=4, RelatedSeatNo=f"1A{c % 4 + 1:02d}")
        for c in range(1, 5)
    ]
    whole = parse_seat_map(listed(4), box)
    assert [s.usable for s in whole.seats] == [True] * 4
    assert whole.uncounted == 4
    box[2]["SeatStatusCode"] = 50
    broken = parse_seat_map(listed(3), box)
    assert not any(s.free for s in broken.seats)
    # A bundle whose partner is not in the map is not trusted either.
    lone = [seat("B", 1, 1000, RelatedSeatCount=2, RelatedSeatNo="1B09      ")]
    assert not parse_seat_map(listed(1), lone).seats[0].free


def test_two_floors_reuse_row_letters_but_are_not_one_row() -> None:
    seats = [
        seat("A", 1, 1000),
        seat("A", 2, 1226),
        seat("A", 1, 1000, SeatFloor=2, SeatNo="2A01", SeatYCoordinate=6000),
        seat("A", 2, 1226, SeatFloor=2, SeatNo="2A02", SeatYCoordinate=6000),
    ]
    got = parse_seat_map(listed(4), seats).seats
    assert len({s.row for s in got}) == 2
    assert len({(s.row, s.grp) for s in got}) == 2
    assert {s.label for s in got} == {"A1", "A2"}  # what people read stays as printed


def test_unreadable_seat_or_no_seats_is_a_bad_map() -> None:
    with pytest.raises(base.BadShape):
        parse_seat_map(listed(0), [])
    with pytest.raises(base.BadShape):
        parse_seat_map(listed(1), [seat("A", 1, 1000, SeatStatusCode="sold")])


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b'{"IsOK": "false", "ResultMessage": "x"}', base.Rejected),
        (b'{"IsOK": false}', base.Rejected),
        (b'{"PlaySeqs": {"Items": []}}', base.BadShape),
        (b"<html></html>", base.BadShape),
        (b"[1, 2]", base.BadShape),
        (b'{"IsOK": "tr', base.BadShape),
    ],
)
def test_envelope(body: bytes, error: type[base.ChainError]) -> None:
    with pytest.raises(error):
        decode_envelope("GetSeats", body)
    assert decode_envelope("GetSeats", b'\xef\xbb\xbf{"IsOK": true}') == {"IsOK": True}


def test_backoff_honours_retry_after() -> None:
    wait = Backoff(0.001, 60.0)
    assert wait(1, base.RateLimited("429", retry_after=5)) >= 5
    assert wait(1, base.ServerError("500")) < 1
    assert Backoff(0.001, 2.0)(1, base.RateLimited("429", retry_after=30)) == 2.0
