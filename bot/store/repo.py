"""Small repository functions over the tables (migrations/0001_initial.sql).

One aiosqlite connection; a lock makes each method's statements one unit, and every write is
one explicit transaction, so concurrent coroutines (the check, the outbox, commands) never
interleave inside a transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

import aiosqlite

from bot.megabox.models import Screening
from bot.openings import Change, Key, OpeningState, Transition
from bot.seats import SeatCount
from bot.store.database import connect
from bot.watches import Days, Mention, TimeWindow, Watch

#: SQLite allows 999 bound parameters in older builds; stay well below.
_CHUNK = 500
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The last seen counts of one screening; `count` as the last seat map read gave it."""

    rest_seat_cnt: int
    count: SeatCount | None


@dataclass(frozen=True, slots=True)
class AlertJob:
    """An alert to deliver (no message yet) or to edit (its message shows the wrong state)."""

    alert_id: int
    opening_id: int
    watch_id: int
    target_kind: str
    target_id: int
    mention: str
    message_id: int | None
    channel_id: int | None
    open: bool  # what the message must say now
    closed_at: datetime | None
    close_reason: str | None
    opened_at: datetime
    screening: Mapping[str, Any]  # the screenings row


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
class Subscription:
    watch_id: int
    user_id: int
    guild_id: int | None
    delivery: str  # dm | mention
    paused: bool


@dataclass(frozen=True, slots=True)
class PendingAlert:
    target_kind: str
    target_id: int
    mention: str


# -- value conversion ----------------------------------------------------------------------


def _ts(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to the store")
    return moment.astimezone(UTC).isoformat()


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _must_dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _marks(n: int) -> str:
    return ",".join("?" * n)


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _screening_row(row: aiosqlite.Row) -> dict[str, Any]:
    out = dict(zip(row.keys(), tuple(row), strict=True))
    out["play_de"] = date.fromisoformat(out["play_de"])
    for key in ("starts_at", "seen_at", "changed_at"):
        out[key] = _dt(out.get(key))
    out["exact"] = bool(out["exact"])
    out["bookable"] = bool(out["bookable"])
    return out


class Store:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self.db = db
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, url: str) -> Store:
        return cls(await connect(url))

    async def close(self) -> None:
        async with self._lock:
            await self.db.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            await self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
                await self.db.execute("COMMIT")
            except BaseException:
                # Also after a failed COMMIT (disk full): never leave the connection in a
                # transaction, or every later BEGIN fails.
                if self.db.in_transaction:
                    await self.db.execute("ROLLBACK")
                raise

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        async with self._lock, self.db.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def _one(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        rows = await self._all(sql, params)
        return rows[0] if rows else None

    async def _write(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One statement in its own transaction; returns the rows it changed."""
        async with self.transaction() as db, db.execute(sql, params) as cursor:
            return cursor.rowcount

    # -- watches ---------------------------------------------------------------------------

    async def add_watch(self, watch: Watch, *, now: datetime) -> Watch:
        values = _watch_values(watch) | {"source": watch.source}
        values |= {"created_at": _ts(now), "updated_at": _ts(now)}
        sql = f"INSERT INTO watches ({', '.join(values)}) VALUES ({_marks(len(values))})"
        async with self.transaction() as db, db.execute(sql, list(values.values())) as cursor:
            new_id = cursor.lastrowid
        return replace(watch, id=int(new_id or 0))

    async def update_watch(self, watch: Watch, *, now: datetime) -> None:
        values = _watch_values(watch) | {"updated_at": _ts(now)}
        sets = ", ".join(f"{k} = ?" for k in values)
        await self._write(f"UPDATE watches SET {sets} WHERE id = ?", [*values.values(), watch.id])

    async def remove_watch(self, watch_id: int) -> bool:
        return bool(await self._write("DELETE FROM watches WHERE id = ?", [watch_id]))

    async def watches(self, *, include_paused: bool = True) -> list[Watch]:
        where = "" if include_paused else " WHERE paused = 0"
        return [_watch(r) for r in await self._all(f"SELECT * FROM watches{where} ORDER BY id")]

    async def watch(self, watch_id: int) -> Watch | None:
        row = await self._one("SELECT * FROM watches WHERE id = ?", [watch_id])
        return _watch(row) if row else None

    async def watch_by_source(self, source: str) -> Watch | None:
        row = await self._one("SELECT * FROM watches WHERE source = ? LIMIT 1", [source])
        return _watch(row) if row else None

    async def visible_watches(self, guild_id: int | None, user_id: int) -> list[Watch]:
        """The guild's watches and the user's own personal watches."""
        rows = await self._all(
            "SELECT * FROM watches WHERE (scope = 'guild' AND guild_id IS ? AND ? IS NOT NULL)"
            " OR (scope = 'user' AND owner_id = ?) ORDER BY id",
            [guild_id, guild_id, user_id],
        )
        return [_watch(r) for r in rows]

    async def count_watches(
        self, *, guild_id: int | None = None, owner_id: int | None = None
    ) -> int:
        if guild_id is not None:
            row = await self._one(
                "SELECT count(*) FROM watches WHERE scope = 'guild' AND guild_id = ?", [guild_id]
            )
        else:
            row = await self._one(
                "SELECT count(*) FROM watches WHERE scope = 'user' AND owner_id = ?", [owner_id]
            )
        return int(row[0]) if row else 0

    async def forget_guild(self, guild_id: int) -> int:
        """The bot left a guild: its watches (with their openings and alerts) and every
        subscription made there go. Returns how many watches were removed."""
        async with self.transaction() as db:
            await db.execute("DELETE FROM subscriptions WHERE guild_id = ?", [guild_id])
            async with db.execute("DELETE FROM watches WHERE guild_id = ?", [guild_id]) as cursor:
                return cursor.rowcount

    # -- subscriptions and users -----------------------------------------------------------

    async def subscribe(
        self, watch_id: int, user_id: int, guild_id: int | None, delivery: str, *, now: datetime
    ) -> bool:
        """True for a new subscription; an existing one gets the new delivery and resumes."""
        async with self.transaction() as db:
            async with db.execute(
                "UPDATE subscriptions SET delivery = ?, paused = 0 "
                "WHERE watch_id = ? AND user_id = ?",
                [delivery, watch_id, user_id],
            ) as cursor:
                if cursor.rowcount:
                    return False
            await db.execute(
                "INSERT INTO subscriptions (watch_id, user_id, guild_id, delivery, paused, "
                "created_at) VALUES (?, ?, ?, ?, 0, ?)",
                [watch_id, user_id, guild_id, delivery, _ts(now)],
            )
        return True

    async def unsubscribe(self, watch_id: int, user_id: int) -> bool:
        return bool(
            await self._write(
                "DELETE FROM subscriptions WHERE watch_id = ? AND user_id = ?", [watch_id, user_id]
            )
        )

    async def subscriptions(self, *, user_id: int | None = None) -> list[Subscription]:
        if user_id is None:
            rows = await self._all("SELECT * FROM subscriptions ORDER BY id")
        else:
            rows = await self._all(
                "SELECT * FROM subscriptions WHERE user_id = ? ORDER BY id", [user_id]
            )
        return [
            Subscription(
                r["watch_id"], r["user_id"], r["guild_id"], r["delivery"], bool(r["paused"])
            )
            for r in rows
        ]

    async def pause_dm_deliveries(self, user_id: int, notice: str) -> None:
        """Discord refuses DMs to this user: stop trying, and tell them once."""
        async with self.transaction() as db:
            await db.execute(
                "UPDATE subscriptions SET paused = 1 WHERE user_id = ? AND delivery = 'dm'",
                [user_id],
            )
            await db.execute(
                "UPDATE watches SET paused = 1 WHERE owner_id = ? AND scope = 'user'", [user_id]
            )
            await _upsert_user(db, user_id, dm_closed_notice=notice)

    async def pop_notice(self, user_id: int) -> str | None:
        async with self.transaction() as db:
            async with db.execute(
                "SELECT dm_closed_notice FROM users WHERE user_id = ?", [user_id]
            ) as cursor:
                row = await cursor.fetchone()
            if row is None or not row[0]:
                return None
            await db.execute(
                "UPDATE users SET dm_closed_notice = NULL WHERE user_id = ?", [user_id]
            )
            return str(row[0])

    async def quiet_hours(self) -> dict[int, tuple[str, str]]:
        rows = await self._all(
            "SELECT user_id, quiet_start, quiet_end FROM users "
            "WHERE quiet_start IS NOT NULL AND quiet_end IS NOT NULL"
        )
        return {r["user_id"]: (r["quiet_start"], r["quiet_end"]) for r in rows}

    async def set_quiet_hours(self, user_id: int, start: str | None, end: str | None) -> None:
        async with self.transaction() as db:
            await _upsert_user(db, user_id, quiet_start=start, quiet_end=end)

    # -- halls and snapshots ---------------------------------------------------------------

    async def wheelchair_seats(self) -> dict[tuple[str, str], int]:
        rows = await self._all("SELECT brch_no, theab_no, wheelchair_seats FROM halls")
        return {(r[0], r[1]): r[2] for r in rows}

    async def snapshots(self, keys: Iterable[str]) -> dict[str, Snapshot]:
        found: dict[str, Snapshot] = {}
        for part in _chunks(sorted(set(keys))):
            rows = await self._all(
                f"SELECT * FROM screenings WHERE play_schdl_no IN ({_marks(len(part))})", part
            )
            for r in rows:
                count = None
                if r["usable"] is not None:
                    count = SeatCount(
                        free=r["rest_seat_cnt"],
                        usable=r["usable"],
                        best_block=r["best_block"] or 0,
                        best_row=r["best_row"],
                        best_seats=tuple((r["best_seats"] or "").split()),
                        total=r["total"],
                        wheelchair_free=max(r["rest_seat_cnt"] - r["usable"], 0),
                        wheelchair_seats=None,
                        exact=bool(r["exact"]),
                    )
                found[r["play_schdl_no"]] = Snapshot(r["rest_seat_cnt"], count)
        return found

    async def screening_scopes(self, keys: Iterable[str]) -> dict[str, tuple[str, date]]:
        """playSchdlNo → (branch, play date) for screenings seen before."""
        found: dict[str, tuple[str, date]] = {}
        for part in _chunks(sorted(set(keys))):
            rows = await self._all(
                "SELECT play_schdl_no, brch_no, play_de FROM screenings "
                f"WHERE play_schdl_no IN ({_marks(len(part))})",
                part,
            )
            found.update({r[0]: (r[1], date.fromisoformat(r[2])) for r in rows})
        return found

    async def sample_screening(
        self, movie_no: str, branches: Sequence[str]
    ) -> dict[str, Any] | None:
        """The latest seen screening of this movie at these branches (for a test alert)."""
        row = await self._one(
            "SELECT * FROM screenings WHERE (movie_no = ? OR rpst_movie_no = ?) "
            f"AND brch_no IN ({_marks(len(branches))}) ORDER BY seen_at DESC, starts_at LIMIT 1",
            [movie_no, movie_no, *branches],
        )
        return _screening_row(row) if row else None

    async def opening_states(self, closed_since: datetime = _EPOCH) -> dict[Key, OpeningState]:
        """The latest opening per (watch, screening) that is open or closed after
        `closed_since`; an older closed one behaves as if there were none (no damping)."""
        rows = await self._all(
            "SELECT o.watch_id, o.play_schdl_no, o.closed_at, o.starts_at FROM openings o "
            "JOIN (SELECT max(id) AS id FROM openings GROUP BY watch_id, play_schdl_no) latest "
            "ON o.id = latest.id WHERE o.closed_at IS NULL OR o.closed_at > ?",
            [_ts(closed_since)],
        )
        return {
            (r[0], r[1]): OpeningState(
                open=r[2] is None, closed_at=_dt(r[2]), starts_at=_must_dt(r[3])
            )
            for r in rows
        }

    async def record_progress(
        self,
        *,
        now: datetime,
        screenings: Sequence[Screening],
        counts: Mapping[str, SeatCount],
        halls: Mapping[tuple[str, str], tuple[int, int | None]],
        transitions: Sequence[Transition],
        targets: Mapping[int, Sequence[PendingAlert]],
    ) -> list[int]:
        """What one part of a check learnt, in one transaction; returns new opening ids.

        Alerts are committed here, before any delivery: a crash after this point loses
        nothing, and the unique (opening, target) constraint makes a second send impossible.
        """
        starts = {s.play_schdl_no: s.start for s in screenings}
        opened: list[int] = []
        async with self.transaction() as db:
            await _upsert_screenings(db, screenings, counts, now)
            for (brch, theab), (wheelchair, total) in halls.items():
                await db.execute(
                    "INSERT OR REPLACE INTO halls (brch_no, theab_no, wheelchair_seats, "
                    "total_seats, seen_at) VALUES (?, ?, ?, ?, ?)",
                    [brch, theab, wheelchair, total, _ts(now)],
                )
            for tr in transitions:
                new_id = await _apply_transition(db, tr, starts, targets, now)
                if new_id is not None:
                    opened.append(new_id)
        return opened

    async def record_run(self, run: CheckRun, *, finished_baselines: Iterable[int] = ()) -> None:
        """The check's summary row; only a complete check ends a new watch's baseline."""
        async with self.transaction() as db:
            for watch_id in set(finished_baselines):
                await db.execute("UPDATE watches SET baseline_pending = 0 WHERE id = ?", [watch_id])
            await db.execute(
                "INSERT INTO check_runs (trigger, started_at, finished_at, ok, requests, "
                "screenings_seen, matches, openings, error_kind, error_text, summary) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    run.trigger,
                    _ts(run.started_at),
                    _ts(run.finished_at),
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

    async def prune(self, before: datetime) -> int:
        """Forget screenings that started before `before`, with their openings and alerts
        (nothing can change for them any more); check runs are kept as history."""
        cutoff = _ts(before)
        async with self.transaction() as db:
            await db.execute("DELETE FROM openings WHERE starts_at < ?", [cutoff])
            async with db.execute("DELETE FROM screenings WHERE starts_at < ?", [cutoff]) as cur:
                return cur.rowcount

    # -- the outbox ------------------------------------------------------------------------

    async def alert_jobs(self) -> list[AlertJob]:
        """Alerts never delivered while their opening is open, and sent ones shown wrongly."""
        rows = await self._all(
            "SELECT a.id AS alert_id, a.opening_id, a.target_kind, a.target_id, a.mention, "
            "a.message_id, a.channel_id AS alert_channel_id, o.watch_id, o.closed_at, "
            "o.close_reason, o.opened_at, s.* "
            "FROM alerts a JOIN openings o ON a.opening_id = o.id "
            "JOIN screenings s ON s.play_schdl_no = o.play_schdl_no "
            "WHERE (a.status = 'pending' AND o.closed_at IS NULL) "
            "OR (a.status = 'sent' AND a.shown_open IS NOT (o.closed_at IS NULL)) "
            "ORDER BY a.id"
        )
        return [_job(r) for r in rows]

    async def expire_undelivered(self) -> int:
        """Alerts whose opening closed before delivery: nothing true is left to say."""
        return await self._write(
            "UPDATE alerts SET status = 'expired', last_error = 'closed before delivery' "
            "WHERE status = 'pending' AND opening_id IN "
            "(SELECT id FROM openings WHERE closed_at IS NOT NULL)"
        )

    async def mark_sent(
        self, alert_id: int, *, message_id: int, channel_id: int, shown_open: bool, now: datetime
    ) -> None:
        await self._write(
            "UPDATE alerts SET status = 'sent', message_id = ?, channel_id = ?, shown_open = ?, "
            "sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?",
            [message_id, channel_id, shown_open, _ts(now), alert_id],
        )

    async def mark_shown(self, alert_id: int, *, shown_open: bool) -> None:
        await self._write("UPDATE alerts SET shown_open = ? WHERE id = ?", [shown_open, alert_id])

    async def mark_failed(self, alert_id: int, error: str, *, give_up: bool = False) -> None:
        status = ", status = 'failed'" if give_up else ""
        await self._write(
            f"UPDATE alerts SET attempts = attempts + 1, last_error = ?{status} WHERE id = ?",
            [error[:500], alert_id],
        )

    async def alerts_sent(self) -> int:
        row = await self._one("SELECT count(*) FROM alerts WHERE status = 'sent'")
        return int(row[0]) if row else 0

    # -- check history ---------------------------------------------------------------------

    async def last_runs(self, limit: int = 1) -> list[CheckRun]:
        rows = await self._all("SELECT * FROM check_runs ORDER BY id DESC LIMIT ?", [limit])
        return [
            CheckRun(
                trigger=r["trigger"],
                started_at=_must_dt(r["started_at"]),
                finished_at=_must_dt(r["finished_at"]),
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

    async def watch_states(self, watch_id: int | None = None) -> dict[int, list[dict[str, Any]]]:
        """Per watch (or for one), its open alerted openings with the last seen counts."""
        rows = await self._all(
            "SELECT o.watch_id AS watch_id, s.* FROM openings o "
            "JOIN screenings s ON s.play_schdl_no = o.play_schdl_no "
            "WHERE o.closed_at IS NULL AND o.alerted = 1 AND (? IS NULL OR o.watch_id = ?) "
            "ORDER BY s.starts_at",
            [watch_id, watch_id],
        )
        out: dict[int, list[dict[str, Any]]] = {}
        for r in rows:
            out.setdefault(r["watch_id"], []).append(_screening_row(r))
        return out

    # -- key/value -------------------------------------------------------------------------

    async def get_value(self, key: str) -> str | None:
        row = await self._one("SELECT value FROM kv WHERE key = ?", [key])
        return str(row[0]) if row else None

    async def set_value(self, key: str, value: str) -> None:
        await self._write("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", [key, value])


# -- helpers -------------------------------------------------------------------------------


def _watch_values(watch: Watch) -> dict[str, Any]:
    return {
        "guild_id": watch.guild_id,
        "owner_id": watch.owner_id,
        "scope": watch.scope,
        "name": watch.name,
        "movie_no": watch.movie_no,
        "branches": ",".join(watch.branches),
        "formats": ",".join(sorted(watch.formats)),
        "days": watch.days.to_text(),
        "time_window": watch.window.to_text() if watch.window else None,
        "min_seats": watch.min_seats,
        "together": watch.together,
        "channel_id": watch.channel_id,
        "mention": watch.mention.to_text(),
        "paused": watch.paused,
        "baseline_pending": watch.baseline_pending,
    }


def _watch(row: aiosqlite.Row) -> Watch:
    return Watch(
        id=row["id"],
        name=row["name"],
        movie_no=row["movie_no"],
        branches=tuple(b for b in row["branches"].split(",") if b),
        formats=frozenset(f for f in row["formats"].split(",") if f),
        days=Days.parse(row["days"]),
        window=TimeWindow.parse(row["time_window"] or ""),
        min_seats=row["min_seats"],
        together=bool(row["together"]),
        guild_id=row["guild_id"],
        owner_id=row["owner_id"],
        channel_id=row["channel_id"],
        mention=Mention.parse(row["mention"]),
        paused=bool(row["paused"]),
        baseline_pending=bool(row["baseline_pending"]),
        source=row["source"],
        scope=row["scope"],
    )


def _job(row: aiosqlite.Row) -> AlertJob:
    return AlertJob(
        alert_id=row["alert_id"],
        opening_id=row["opening_id"],
        watch_id=row["watch_id"],
        target_kind=row["target_kind"],
        target_id=row["target_id"],
        mention=row["mention"],
        message_id=row["message_id"],
        channel_id=row["alert_channel_id"],
        open=row["closed_at"] is None,
        closed_at=_dt(row["closed_at"]),
        close_reason=row["close_reason"],
        opened_at=_must_dt(row["opened_at"]),
        screening=_screening_row(row),
    )


async def _upsert_screenings(
    db: aiosqlite.Connection,
    screenings: Sequence[Screening],
    counts: Mapping[str, SeatCount],
    now: datetime,
) -> None:
    """Insert or update the last seen counts; `changed_at` moves only when they moved."""
    stamp = _ts(now)
    for s in screenings:
        count = counts.get(s.play_schdl_no)
        values: dict[str, Any] = {
            "play_schdl_no": s.play_schdl_no,
            "brch_no": s.brch_no,
            "brch_nm": s.brch_nm,
            "theab_no": s.theab_no,
            "theab_nm": s.theab_nm,
            "format": s.format_code,
            "movie_no": s.movie_no,
            "rpst_movie_no": s.rpst_movie_no,
            "movie_nm": s.movie_nm,
            "play_de": s.play_de.isoformat(),
            "start_clock": s.start_clock,
            "end_clock": s.end_clock,
            "starts_at": _ts(s.start),
            "rest_seat_cnt": s.rest_seat_cnt,
            "total": s.total_seats,
            "usable": count.usable if count else None,
            "best_block": count.best_block if count else None,
            "best_row": count.best_row if count else None,
            "best_seats": " ".join(count.best_seats) if count else None,
            "exact": bool(count and count.exact),
            "bookable": s.bookable,
            "seen_at": stamp,
            "changed_at": stamp,
        }
        if count is not None and count.total is not None:
            values["total"] = count.total
        columns = ", ".join(values)
        updates = ", ".join(f"{k} = excluded.{k}" for k in values if k != "changed_at")
        await db.execute(
            f"INSERT INTO screenings ({columns}) VALUES ({_marks(len(values))}) "
            f"ON CONFLICT (play_schdl_no) DO UPDATE SET {updates}, changed_at = CASE "
            "WHEN screenings.rest_seat_cnt IS excluded.rest_seat_cnt "
            "AND screenings.usable IS excluded.usable "
            "THEN screenings.changed_at ELSE excluded.changed_at END",
            list(values.values()),
        )


async def _upsert_user(db: aiosqlite.Connection, user_id: int, **values: Any) -> None:
    await db.execute("INSERT OR IGNORE INTO users (user_id) VALUES (?)", [user_id])
    sets = ", ".join(f"{k} = ?" for k in values)
    await db.execute(f"UPDATE users SET {sets} WHERE user_id = ?", [*values.values(), user_id])


async def _apply_transition(
    db: aiosqlite.Connection,
    tr: Transition,
    starts: Mapping[str, datetime],
    targets: Mapping[int, Sequence[PendingAlert]],
    now: datetime,
) -> int | None:
    watch_id, play_schdl_no = tr.key
    if tr.change in (Change.OPENED, Change.BASELINE):
        alerted = tr.change is Change.OPENED
        async with db.execute(
            "INSERT INTO openings (watch_id, play_schdl_no, starts_at, opened_at, alerted) "
            "VALUES (?, ?, ?, ?, ?)",
            [watch_id, play_schdl_no, _ts(starts[play_schdl_no]), _ts(now), alerted],
        ) as cursor:
            opening_id = cursor.lastrowid
        if not alerted:
            return None
        for target in targets.get(watch_id, ()):
            await db.execute(
                "INSERT INTO alerts (opening_id, target_kind, target_id, mention, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [opening_id, target.target_kind, target.target_id, target.mention, _ts(now)],
            )
        return opening_id
    latest = "(SELECT max(id) FROM openings WHERE watch_id = ? AND play_schdl_no = ?)"
    if tr.change is Change.REVIVED:
        await db.execute(
            f"UPDATE openings SET closed_at = NULL, close_reason = NULL WHERE id = {latest}",
            [watch_id, play_schdl_no],
        )
        # An alert that expired undelivered (held in quiet hours, Discord down) is due again.
        await db.execute(
            f"UPDATE alerts SET status = 'pending', last_error = NULL WHERE status = 'expired' "
            f"AND opening_id = {latest}",
            [watch_id, play_schdl_no],
        )
    else:  # CLOSED or STARTED
        await db.execute(
            f"UPDATE openings SET closed_at = ?, close_reason = ? WHERE id = {latest}",
            [_ts(now), tr.change.value, watch_id, play_schdl_no],
        )
    return None
