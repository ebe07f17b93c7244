"""bot/delivery/new_screenings.py: what is new for which watch, and how it is grouped."""

from __future__ import annotations

from datetime import date

from bot.delivery.new_screenings import NewScreening, group, sort_out


def item(
    no: str, day: int = 5, brch: str = "코엑스", hall: str = "MX4D관", start: str = "19:40"
) -> NewScreening:
    return NewScreening(no, "megabox:1351", brch, hall, "MX4D", date(2026, 12, day), start, "22:04",
                        4, None, 192, False, True, False)  # fmt: skip


def test_only_unknown_screenings_of_announcing_watches_outside_a_baseline_are_new() -> None:
    seen = [("a", (1, 2, 3, 4)), ("b", (1,))]
    news = sort_out(seen, {1: {"a"}, 4: set()}, baseline={2}, announce={1, 2, 4})
    assert news.new == {1: ["b"], 4: ["a"]}  # 2 is in its baseline, 3 only wants seats
    assert news.remember == {(1, "b"), (2, "a"), (3, "a"), (4, "a")}  # all remember
    assert news.folded == {(1, "b"), (4, "a")}


def test_a_screening_is_new_once() -> None:
    first = sort_out([("a", (1,))], {1: set()}, baseline=set(), announce={1})
    known = {1: {no for _, no in first.remember}}
    assert sort_out([("a", (1,))], known, baseline=set(), announce={1}).new == {}


def test_grouped_by_date_then_branch_and_hall_then_start() -> None:
    days = group([
        item("3", day=6), item("2", start="22:20"), item("1", start="09:00"),
        item("4", hall="2관"), item("5", start="24:10"),
    ])  # fmt: skip
    assert [d.play_date.day for d in days] == [5, 6]
    assert [(h.hall_name, [s.screening_id for s in h.screenings]) for h in days[0].halls] == [
        ("2관", ["4"]), ("MX4D관", ["1", "2", "5"]),
    ]  # fmt: skip
    assert days[0].count == 4


def test_json_round_trip() -> None:
    one = item("megabox:2612051351045")
    assert NewScreening.from_json(one.to_json()) == one
