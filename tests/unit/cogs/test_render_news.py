"""cogs/render_news.py: one message whatever the number of new screenings, within Discord's
embed limits (25 fields, 1024 a field value, 256 a name, 6000 in all)."""

from __future__ import annotations

from datetime import date, timedelta

from bot.delivery.new_screenings import NewScreening
from bot.delivery.notices import NewsBody
from cogs.render_news import news_embed


def body(days: int, branches: int, per_hall: int) -> NewsBody:
    items = tuple(
        NewScreening(f"26{d:02d}{b:04d}{n:03d}", f"{b:04d}", f"지점 {b} " + "가" * 40,
                     "MEGA | MX4D관 " + "나" * 40, "MX4D", date(2026, 12, 1) + timedelta(days=d),
                     f"{8 + n % 15:02d}:{n % 60:02d}", "25:10", 100, 50, 192, True, True, n % 2 == 0)
        for d in range(days) for b in range(branches) for n in range(per_hall)
    )  # fmt: skip
    return NewsBody("#1 watch", "25008000", "영화", items)


def size(embed: dict[str, object]) -> int:
    fields = embed.get("fields") or []
    return (
        len(str(embed.get("title", "")))
        + len(str(embed.get("description", "")))
        + sum(len(f["name"]) + len(f["value"]) for f in fields)  # type: ignore[attr-defined]
        + len(str((embed.get("footer") or {}).get("text", "")))  # type: ignore[attr-defined]
    )


def test_a_small_opening_shows_every_screening() -> None:
    embed = news_embed(body(1, 2, 3)).to_dict()
    assert len(embed["fields"]) == 2
    assert sum(v["value"].count("\n") + 1 for v in embed["fields"]) == 6
    assert "(+1)" in embed["fields"][0]["value"]  # 25:10 ends the next day


def test_a_huge_opening_stays_one_embed_within_discords_limits() -> None:
    embed = news_embed(body(14, 10, 30)).to_dict()
    fields = embed["fields"]
    assert len(fields) <= 25
    assert all(len(f["value"]) <= 1024 and len(f["name"]) <= 256 for f in fields)
    assert size(embed) <= 6000
    assert fields[-1]["name"] == "…and more"
    shown = sum(f["value"].count("\n") + 1 for f in fields[:-1])
    assert f"{14 * 10 * 30 - shown} more new screenings" in fields[-1]["value"]


def test_a_hall_with_many_shows_continues_in_the_next_field() -> None:
    fields = news_embed(body(1, 1, 40)).to_dict()["fields"]
    assert len(fields) > 1 and fields[1]["name"].endswith("(cont.)")
    assert sum(f["value"].count("\n") + 1 for f in fields) == 40
