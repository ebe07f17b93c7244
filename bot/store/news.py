"""What each watch has seen (for new screenings), the notices outbox, and waiting watches
binding to their film."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import aiosqlite

from bot.delivery.notices import Body, NoticeJob, parse_body
from bot.delivery.recipients import PendingAlert
from bot.store.base import Connection, chunks, marks, ts, watch_revisions
from bot.store.outbox import decode_mentions, encode_mentions
from bot.store.screenings import insert_alerts
from bot.watches.openings import Key
from bot.watches.watch import Watch

#: The nonce of a new notice (20 characters; Discord allows 25), random like an alert's.
NEW_NOTICE_NONCE_SQL = "'mbn-' || lower(hex(randomblob(8)))"


@dataclass(frozen=True, slots=True)
class Seen:
    """A screening a watch saw (to remember), with its start (to forget it after)."""

    watch_id: int
    screening_id: str
    starts_at: datetime


@dataclass(frozen=True, slots=True)
class NewNotice:
    watch_id: int
    kind: str  # new | bound
    body: Body
    targets: Sequence[PendingAlert]


class NewsQueries(Connection):
    async def known_screenings(self, watch_ids: Iterable[int]) -> dict[int, set[str]]:
        ids = sorted(set(watch_ids))
        found: dict[int, set[str]] = {i: set() for i in ids}
        for part in chunks(ids):
            rows = await self._all(
                "SELECT watch_id, screening_id FROM watch_screenings "
                f"WHERE watch_id IN ({marks(len(part))})",
                part,
            )
            for r in rows:
                found[r[0]].add(r[1])
        return found

    async def record_news(
        self,
        *,
        now: datetime,
        seen: Sequence[Seen],
        notices: Sequence[NewNotice],
        revisions: Mapping[int, int],
        folded: Mapping[Key, Sequence[PendingAlert]] | None = None,
    ) -> int:
        """Remember what the watches saw and store their notices, in one transaction: a
        crash before it loses nothing (the screenings are still unknown next time), and
        after it nothing can be announced twice. A watch changed or removed since the
        check read it gets nothing; but the seat openings `folded` into its notice were
        stored open and alerted, so they get their own alerts to these targets instead:
        seats are never left untold. Returns the notices stored."""
        stored = 0
        async with self.transaction() as db:
            current = await watch_revisions(
                db, {s.watch_id for s in seen} | {n.watch_id for n in notices}
            )
            fresh = {w for w, rev in current.items() if revisions.get(w) == rev}
            await db.executemany(
                "INSERT OR IGNORE INTO watch_screenings (watch_id, screening_id, starts_at) "
                "VALUES (?, ?, ?)",
                [
                    (s.watch_id, s.screening_id, ts(s.starts_at))
                    for s in seen
                    if s.watch_id in fresh
                ],
            )
            for notice in notices:
                if notice.watch_id in fresh:
                    stored += await _insert_notice(db, notice, now)
            for (watch_id, screening_id), targets in (folded or {}).items():
                if watch_id in fresh or watch_id not in current:
                    continue  # told by its notice; or removed, with its openings
                async with db.execute(
                    "SELECT id FROM openings WHERE watch_id = ? AND screening_id = ? "
                    "AND closed_at IS NULL AND alerted = 1",
                    [watch_id, screening_id],
                ) as cursor:
                    row = await cursor.fetchone()
                if row is not None:
                    await insert_alerts(db, row[0], screening_id, targets, now)
        return stored

    async def bind_watch(
        self, watch: Watch, movie_id: str, *, notice: NewNotice, now: datetime
    ) -> Watch | None:
        """A waiting watch found its film: it becomes an ordinary watch of `movie_id` with
        no baseline (its first screenings are news), and says so once. None if it was
        changed or removed meanwhile."""
        async with self.transaction() as db:
            async with db.execute(
                "UPDATE watches SET movie_id = ?, waiting_for = NULL, baseline_pending = 0, "
                "news_baseline_pending = 0, revision = revision + 1, updated_at = ? "
                "WHERE id = ? AND revision = ? AND waiting_for IS NOT NULL",
                [movie_id, ts(now), watch.id, watch.revision],
            ) as cursor:
                if not cursor.rowcount:
                    return None
            await _insert_notice(db, notice, now)
        return replace(
            watch,
            movie_id=movie_id,
            awaiting=None,
            baseline_pending=False,
            news_baseline_pending=False,
            revision=watch.revision + 1,
        )

    async def notice_jobs(self) -> list[NoticeJob]:
        rows = await self._all(
            "SELECT id, watch_id, kind, target_kind, target_id, mentions, nonce, body, refusals "
            "FROM notices WHERE status = 'pending' ORDER BY id"
        )
        return [
            NoticeJob(
                notice_id=r["id"],
                watch_id=r["watch_id"],
                target_kind=r["target_kind"],
                target_id=r["target_id"],
                nonce=r["nonce"],
                body=parse_body(r["kind"], r["body"]),
                mentions=decode_mentions(r["mentions"]),
                refusals=r["refusals"],
            )
            for r in rows
        ]

    async def mark_notice_sent(
        self, notice_id: int, *, message_id: int, channel_id: int, now: datetime
    ) -> None:
        await self._write(
            "UPDATE notices SET status = 'sent', message_id = ?, channel_id = ?, sent_at = ?, "
            "attempts = attempts + 1, last_error = NULL WHERE id = ?",
            [message_id, channel_id, ts(now), notice_id],
        )

    async def mark_notice_failed(
        self, notice_id: int, error: str, *, refused: bool = False, give_up: bool = False
    ) -> None:
        status = ", status = 'failed'" if give_up else ""
        await self._write(
            "UPDATE notices SET attempts = attempts + 1, refusals = refusals + ?, "
            f"last_error = ?{status} WHERE id = ?",
            [int(refused), error[:500], notice_id],
        )

    async def forget_seen(self, before: datetime) -> int:
        """Screenings that started before `before` cannot be new again; their notices go
        with them, once `prune` has removed every screening a notice names (a new-screenings
        notice is made before its screenings start, so none made since `before` can go)."""
        async with self.transaction() as db:
            await db.execute(
                "DELETE FROM notices WHERE created_at < ? AND NOT EXISTS (SELECT 1 FROM "
                "json_each(notices.body, '$.screenings') j JOIN screenings s "
                "ON s.screening_id = json_extract(j.value, '$.screening_id'))",
                [ts(before)],
            )
            async with db.execute(
                "DELETE FROM watch_screenings WHERE starts_at < ?", [ts(before)]
            ) as cursor:
                return cursor.rowcount


async def _insert_notice(db: aiosqlite.Connection, notice: NewNotice, now: datetime) -> int:
    for target in notice.targets:
        await db.execute(
            "INSERT INTO notices (watch_id, kind, target_kind, target_id, mentions, nonce, body, "
            f"created_at) VALUES (?, ?, ?, ?, ?, {NEW_NOTICE_NONCE_SQL}, ?, ?)",
            [
                notice.watch_id,
                notice.kind,
                target.target_kind,
                target.target_id,
                encode_mentions(target.mentions),
                notice.body.to_text(),
                ts(now),
            ],
        )
    return len(notice.targets)
