"""Reading a listing row by row: one odd row is skipped, a changed API is an error."""

from __future__ import annotations

from typing import Any

import pytest

from bot.chains.base import BadShape
from bot.chains.megabox.client import parse_booking_page
from tests.fakes.megabox_server import load_fixture

LISTING = "selectBokdList-coex-mx4d-open.json"


def test_one_unreadable_row_is_skipped_with_what_is_known_of_it() -> None:
    data: dict[str, Any] = load_fixture(LISTING)
    rows = data["movieFormList"]
    rows[0]["playStartTime"] = "soon"
    page = parse_booking_page(data)
    assert len(page.screenings) == len(rows) - 1
    [skipped] = page.skipped
    assert skipped.kind == "screening" and "playStartTime" in skipped.reason
    assert skipped.branch_id == f"megabox:{rows[0]['brchNo']}" and skipped.play_date is not None


def test_no_readable_row_at_all_is_a_bad_answer() -> None:
    data: dict[str, Any] = load_fixture(LISTING)
    for row in data["movieFormList"]:
        row["restSeatCnt"] = "many"
    with pytest.raises(BadShape, match="no readable screening"):
        parse_booking_page(data)
