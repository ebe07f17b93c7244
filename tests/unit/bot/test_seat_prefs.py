"""Seat preferences and the picture's layout model, on regular and irregular halls."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.chains.megabox.client import parse_seat_map
from bot.delivery.recipients import PendingAlert, for_screening
from bot.seats.layout import SeatLayout
from bot.seats.picture import BLOCK, FREE, OUTSIDE, TAKEN, UNIT, WHEELCHAIR, picture
from bot.seats.prefs import RowRule, SeatPrefs, fit, parse_centre, parse_remind
from bot.watches.watch import Mention
from tests.fakes.megabox_server import _build_hall, load_fixture


def layout_of(seats: list[dict[str, Any]]) -> SeatLayout:
    return SeatLayout.from_seat_map(parse_seat_map({"seatListSD01": seats}, "1"))


def seat(
    row: str, no: int, x: float, *, w: float = 1, free: bool = True, **extra: Any
) -> dict[str, Any]:
    return {
        "rowNm": row, "seatNo": no, "horzCoorVal": x, "vertCoorVal": ord(row) - 64,
        "horzSizeRt": w, "seatStatCd": "GERN_SELL" if free else "SCT04",
        "seatClassCd": extra.pop("cls", "GERN_CLS"), "seatExpoAt": "Y", **extra,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("text", "allowed", "refused", "back"),
    [
        ("E-J", "EFGHIJ", "ADK", "E-J"),
        ("not A-C", "DEZ", "ABC", "not A-C"),
        ("e, g-h", "EGH", "F", "E,G-H"),
    ],
)
def test_row_rules(text: str, allowed: str, refused: str, back: str) -> None:
    rule = RowRule.parse(text)
    assert rule is not None
    assert all(rule.allows(r) for r in allowed) and not any(rule.allows(r) for r in refused)
    assert rule.to_text() == back and RowRule.parse(rule.to_text()) == rule


@pytest.mark.parametrize("text", ["E-5", "J-E", "AA", "not", "1-3"])
def test_bad_rows_are_refused_with_an_example(text: str) -> None:
    with pytest.raises(ValueError, match=r"E-J|backwards|row"):
        RowRule.parse(text)


def test_centre_and_remind_parse() -> None:
    assert parse_centre("center") == "prefer" and parse_centre("require") == "require"
    assert parse_remind("1h30m") == timedelta(minutes=90) and parse_remind("off") is None
    for bad in ("5m", "2d", "soon"):
        with pytest.raises(ValueError, match="remind"):
            parse_remind(bad)


def test_the_most_central_block_of_enough_seats_wins_over_the_longest() -> None:
    # Row E: 5 together at the left wall, 3 together in the middle (x 7-9 of 1-16).
    seats = [seat("E", n, n) for n in range(1, 6)] + [seat("E", n, n) for n in (7, 8, 9)]
    seats += [seat("E", 16, 16, free=False)]
    found = fit(layout_of(seats), SeatPrefs(centre="prefer"), 3, True)
    assert [s.label for s in found.block] == ["E7", "E8", "E9"]


def test_centre_comes_from_positions_not_seat_numbers() -> None:
    # Numbers start at 10 and the row starts at x 5: the middle half is x 8-12, seats 13-17.
    seats = [seat("F", 10 + i, 5.0 + i) for i in range(11)]
    found = fit(layout_of(seats), SeatPrefs(centre="require"), 3, True)
    assert found.matches and found.allowed == 5
    assert [s.label for s in found.block] == ["F13", "F14", "F15", "F16", "F17"]


def test_reasons_name_the_preference() -> None:
    seats = [seat("B", n, n) for n in (1, 2, 3, 4, 5)] + [seat("G", 1, 1, free=False)]
    rows = SeatPrefs(RowRule.parse("E-J"))
    assert fit(layout_of(seats), rows, 3, False).reason == "5 free, none in rows E–J"
    seats += [seat("G", 2, 2), seat("G", 4, 4)]
    assert fit(layout_of(seats), rows, 2, True).reason == "2 free in rows E–J, at most 1 together"


def test_wheelchair_seats_mid_row_never_count_and_split_blocks() -> None:
    seats = [seat("C", 1, 1, seatChoiGrpNo=1, seatChoiGrpSeq=1),
             seat("C", 2, 2, cls="DISABLED_CLS", seatChoiGrpNo=1, seatChoiGrpSeq=2),
             seat("C", 3, 3, seatChoiGrpNo=1, seatChoiGrpSeq=3),
             seat("C", 4, 4, seatChoiGrpNo=1, seatChoiGrpSeq=4)]  # fmt: skip
    layout = layout_of(seats)
    found = fit(layout, SeatPrefs(centre="prefer"), 2, True)
    assert [s.label for s in found.block] == ["C3", "C4"] and found.allowed == 3
    model = picture(layout, SeatPrefs(), ("C3", "C4"))
    assert [model.colour_of(f"C{n}") for n in (1, 2, 3, 4)] == [FREE, WHEELCHAIR, BLOCK, BLOCK]


def test_irregular_hall_layout_wide_seats_fractional_positions_narrow_aisle() -> None:
    seats = [
        seat("A", 1, 1.0, w=2),  # a wide (couple) seat
        seat("A", 2, 3.0, free=False),
        seat("A", 3, 4.1),  # a narrow 0.1 aisle
        seat("B", 1, 1.8),  # fractional positions (Hanam)
        seat("B", 2, 2.8),
        seat("B", 3, 3.9),  # a 1.1-wide aisle: not adjacent
    ]
    model = picture(layout_of(seats), SeatPrefs(RowRule.parse("B")), ("B1", "B2"))
    rect = {r.label: r for r in model.seats}
    # Widths follow horzSizeRt; aisles stay gaps; positions keep their fractions.
    assert rect["A1"].x1 - rect["A1"].x0 > 1.8 * (rect["A2"].x1 - rect["A2"].x0)
    assert rect["A3"].x0 - rect["A2"].x1 > rect["A2"].x0 - rect["A1"].x1
    assert rect["B1"].x0 - rect["A1"].x0 == round(0.8 * UNIT)
    assert rect["B1"].y0 > rect["A1"].y0  # screen side on top
    assert [model.colour_of(x) for x in ("A1", "A2", "B1", "B3")] == [OUTSIDE, TAKEN, BLOCK, FREE]
    texts = {t.text for t in model.texts}
    assert {"A", "B", "SCREEN"} <= texts


def test_the_three_mx4d_halls() -> None:
    coex = layout_of(load_fixture("selectSeatList-coex-mx4d-three-together.json")["seatListSD01"])
    assert (coex.left, coex.right) == (1.0, 19.2) and len(coex.rows) == 12
    model = picture(coex, SeatPrefs(), ("F6", "F7", "F8"))
    assert model.colour_of("A13") == WHEELCHAIR and model.colour_of("F7") == BLOCK
    assert model.colour_of("H9") == FREE and model.colour_of("A1") == TAKEN
    # The gap between A8 (x 9) and A9 (x 10.2) stays a gap in the picture.
    rect = {r.label: r for r in model.seats}
    assert rect["A9"].x0 - rect["A8"].x1 > rect["A8"].x0 - rect["A7"].x1
    for brch, theab, size in (("4651", "06", 132), ("0052", "04", 176)):
        hall = layout_of(_build_hall(brch, theab, size))
        assert len(hall.seats) == size
        drawn = picture(hall)
        assert drawn.width >= 300 and len({(r.x0, r.y0) for r in drawn.seats}) == size


def test_booked_users_get_no_dm_and_no_mention() -> None:
    targets = [
        PendingAlert("dm", 7),
        PendingAlert("dm", 8),
        PendingAlert("channel", 1, (Mention("here"), Mention("user", 7), Mention("user", 9))),
    ]
    assert for_screening(targets, {7}) == [
        PendingAlert("dm", 8),
        PendingAlert("channel", 1, (Mention("here"), Mention("user", 9))),
    ]
