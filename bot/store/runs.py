"""Check history and small key/value state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.store.base import Connection, must_dt, ts


@dataclass(frozen=True, slots=True)
class CheckRun:
    trigger: str
    started_at: datetime
    finished_at: datetime
    ok: bool
    requests: int
    screenings_seen: int
    matches: int
    openings: int
    error_kind: str | None
    error_text: str | None
    summary: str


@dataclass(frozen=True, slots=True)
class Coverage:
    """Per watch that a check saw whole (its branches × its dates, every seat map it
    needed), the revision of the watch the check read."""

    complete: Mapping[int, int] = field(default_factory=dict)


class RunQueries(Connection):
    async def record_run(self, run: CheckRun, *, coverage: Coverage | None = None) -> None:
        """The check's summary row. A watch's baseline ends when the check covered all that
        watch needs, and only for the revision the check read (an edit meanwhile starts a
        new baseline that this check did not see)."""
        async with self.transaction() as db:
            for watch_id, revision in sorted((coverage or Coverage()).complete.items()):
                await db.execute(
                    "UPDATE watches SET baseline_pending = 0, news_baseline_pending = 0 "
                    "WHERE id = ? AND revision = ?",
                    [watch_id, revision],
                )
            await db.execute(
                "INSERT INTO check_runs (trigger, started_at, finished_at, ok, requests, "
                "screenings_seen, matches, openings, error_kind, error_text, summary) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    run.trigger,
                    ts(run.started_at),
                    ts(run.finished_at),
                    run.ok,
                    run.requests,
                    run.screenings_seen,
                    run.matches,
                    run.openings,
                    run.error_kind,
                    run.error_text,
                    run.summary,
                ],
            )

    async def last_runs(self, limit: int = 1) -> list[CheckRun]:
        rows = await self._all("SELECT * FROM check_runs ORDER BY id DESC LIMIT ?", [limit])
        return [
            CheckRun(
                trigger=r["trigger"],
                started_at=must_dt(r["started_at"]),
                finished_at=must_dt(r["finished_at"]),
                ok=bool(r["ok"]),
                requests=r["requests"],
                screenings_seen=r["screenings_seen"],
                matches=r["matches"],
                openings=r["openings"],
                error_kind=r["error_kind"],
                error_text=r["error_text"],
                summary=r["summary"],
            )
            for r in rows
        ]

    async def consecutive_failures(self) -> int:
        row = await self._one(
            "SELECT count(*) FROM check_runs WHERE id > "
            "coalesce((SELECT max(id) FROM check_runs WHERE ok = 1), 0)"
        )
        return int(row[0]) if row else 0

    async def get_value(self, key: str) -> str | None:
        row = await self._one("SELECT value FROM kv WHERE key = ?", [key])
        return str(row[0]) if row else None

    async def set_value(self, key: str, value: str) -> None:
        await self._write("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", [key, value])
