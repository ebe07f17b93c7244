"""Storage: migrations apply once, and what a check stores survives a reopen."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from bot.store.database import migration_ids, sqlite_path
from bot.store.repo import Store
from tests.conftest import FIXTURE_NOW, original_watch


async def test_migrations_apply_once_and_are_recorded(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'bot.db'}"
    store = await Store.open(url)  # creates the folder, applies every migration
    watch = await store.add_watch(original_watch(), now=FIXTURE_NOW)
    await store.close()
    store = await Store.open(url)  # nothing pending: opens without yoyo
    try:
        assert await store.watch(watch.id) == watch
    finally:
        await store.close()
    with sqlite3.connect(tmp_path / "data" / "bot.db") as db:
        applied = [r[0] for r in db.execute("SELECT migration_id FROM _yoyo_migration")]
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert applied == migration_ids()
    assert applied[0] == "0001_initial" and "0003_openings_once" in applied
    assert {"watches", "screenings", "halls", "openings", "alerts", "check_runs"} <= tables


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///./data/megabox-watch.db", "data/megabox-watch.db"),
        ("sqlite:////data/megabox-watch.db", "/data/megabox-watch.db"),
        ("sqlite+aiosqlite:////data/megabox-watch.db", "/data/megabox-watch.db"),
    ],
)
def test_database_urls(url: str, path: str) -> None:
    assert sqlite_path(url) == Path(path)


@pytest.mark.parametrize("url", ["postgresql://db/watch", "sqlite://", "watch.db"])
def test_unsupported_database_urls(url: str) -> None:
    with pytest.raises(ValueError, match="SQLite file URL"):
        sqlite_path(url)


async def test_old_screenings_are_pruned_but_check_history_stays(tmp_path: Path) -> None:
    from datetime import timedelta

    from tests.conftest import COEX_MX4D_1940

    store = await Store.open(f"sqlite:///{tmp_path / 'bot.db'}")
    try:
        db = store.db
        await db.execute(
            "INSERT INTO screenings (screening_id, branch_id, branch_name, hall_id, hall_name, "
            "movie_id, movie_name, play_date, start_clock, end_clock, starts_at, free_seats, "
            "seen_at, changed_at) VALUES (?, '1351', '코엑스', '09', 'MX4D', '25008000', 'x', "
            "'2026-12-05', '19:40', '22:04', ?, 4, ?, ?)",
            [COEX_MX4D_1940, "2026-12-05T10:40:00+00:00", "2026-12-03T05:15:00+00:00",
             "2026-12-03T05:15:00+00:00"],
        )  # fmt: skip
        assert await store.prune(FIXTURE_NOW) == 0  # not started yet
        assert await store.prune(FIXTURE_NOW + timedelta(days=40)) == 1
        assert await store.rest_counts([COEX_MX4D_1940]) == {}
    finally:
        await store.close()


async def test_notices_are_pruned_with_their_screenings(tmp_path: Path) -> None:
    from dataclasses import replace
    from datetime import date, timedelta

    from bot.delivery.new_screenings import NewScreening
    from bot.delivery.notices import BoundBody, NewsBody
    from bot.delivery.recipients import PendingAlert
    from bot.store.base import ts
    from bot.store.news import NewNotice

    store = await Store.open(f"sqlite:///{tmp_path / 'bot.db'}")
    try:
        watch = await store.add_watch(original_watch(), now=FIXTURE_NOW)
        starts = {"early": FIXTURE_NOW + timedelta(days=2), "late": FIXTURE_NOW + timedelta(days=9)}
        for no, at in starts.items():
            await store.db.execute(
                "INSERT INTO screenings (screening_id, branch_id, branch_name, hall_id, hall_name, "
                "movie_id, movie_name, play_date, start_clock, end_clock, starts_at, free_seats, "
                "seen_at, changed_at) VALUES (?, '1351', '코엑스', '09', 'MX4D', '25008000', 'x', "
                "?, '19:40', '22:04', ?, 4, ?, ?)",
                [no, at.date().isoformat(), ts(at), ts(FIXTURE_NOW), ts(FIXTURE_NOW)],
            )  # fmt: skip
        line = NewScreening(
            "early", "1351", "코엑스", "MX4D", "MX4D", date(2026, 12, 5), "19:40", "22:04",
            4, None, None, False, True, False,
        )  # fmt: skip
        target = [PendingAlert("channel", 42)]

        def news(*nos: str) -> NewNotice:
            lines = tuple(replace(line, screening_id=no) for no in nos)
            return NewNotice(watch.id, "new", NewsBody("w", "25008000", "x", lines), target)

        bound = NewNotice(watch.id, "bound", BoundBody("w", "25008000", "x", "x"), target)
        await store.record_news(
            now=FIXTURE_NOW,
            seen=[],
            notices=[news("early"), news("early", "late"), bound],
            revisions={watch.id: watch.revision},
        )

        async def left() -> int:
            async with store.db.execute("SELECT COUNT(*) FROM notices") as cursor:
                row = await cursor.fetchone()
            assert row is not None
            return int(row[0])

        async def prune(at: datetime) -> None:
            await store.prune(at)
            await store.forget_seen(at)

        await prune(FIXTURE_NOW)
        assert await left() == 3  # nothing has started yet
        await prune(starts["early"] + timedelta(hours=1))
        assert await left() == 1  # "early" alone and the bound notice are gone
        await prune(starts["late"] + timedelta(hours=1))
        assert await left() == 0  # with its last screening
    finally:
        await store.close()
