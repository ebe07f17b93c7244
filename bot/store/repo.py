"""Small repository functions over the tables; every write is one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, and_, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.megabox.models import Screening
from bot.openings import Change, Key, OpeningState, Transition
from bot.seats import SeatCount
from bot.store import schema as t
from bot.store.database import create_engine, migrate
from bot.watches import Days, Mention, TimeWindow, Watch


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The last seen counts of one screening."""

    play_schdl_no: str
    rest_seat_cnt: int
    usable: int | None
    best_block: int | None
    exact: bool
    seen_at: datetime


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


class Store:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @classmethod
    async def open(cls, url: str) -> Store:
        engine = create_engine(url)
        await migrate(engine)
        return cls(engine)

    async def close(self) -> None:
        await self.engine.dispose()

    # -- watches ---------------------------------------------------------------------------

    async def add_watch(self, watch: Watch, *, now: datetime) -> Watch:
        async with self.engine.begin() as conn:
            result = await conn.execute(
                insert(t.watches).values(
                    **_watch_values(watch), source=watch.source, created_at=now, updated_at=now
                )
            )
            new_id = result.inserted_primary_key[0] if result.inserted_primary_key else 0
        return _replace_id(watch, int(new_id))

    async def update_watch(self, watch: Watch, *, now: datetime) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                update(t.watches)
                .where(t.watches.c.id == watch.id)
                .values(**_watch_values(watch), updated_at=now)
            )

    async def remove_watch(self, watch_id: int) -> bool:
        async with self.engine.begin() as conn:
            result = await conn.execute(delete(t.watches).where(t.watches.c.id == watch_id))
        return bool(result.rowcount)

    async def watches(self, *, include_paused: bool = True) -> list[Watch]:
        query = select(t.watches).order_by(t.watches.c.id)
        if not include_paused:
            query = query.where(t.watches.c.paused.is_(False))
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_watch_from_row(r) for r in rows]

    async def watch(self, watch_id: int) -> Watch | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(t.watches).where(t.watches.c.id == watch_id))).first()
        return _watch_from_row(row) if row else None

    async def visible_watches(self, guild_id: int | None, user_id: int) -> list[Watch]:
        """The guild's watches and the user's own personal watches."""
        w = t.watches
        query = select(w).order_by(w.c.id)
        personal = (w.c.scope == "user") & (w.c.owner_id == user_id)
        if guild_id is not None:
            query = query.where(((w.c.scope == "guild") & (w.c.guild_id == guild_id)) | personal)
        else:
            query = query.where(personal)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_watch_from_row(r) for r in rows]

    async def count_watches(
        self, *, guild_id: int | None = None, owner_id: int | None = None
    ) -> int:
        w = t.watches
        query = select(func.count()).select_from(w)
        if guild_id is not None:
            query = query.where(w.c.scope == "guild", w.c.guild_id == guild_id)
        if owner_id is not None:
            query = query.where(w.c.scope == "user", w.c.owner_id == owner_id)
        async with self.engine.connect() as conn:
            return int(await conn.scalar(query) or 0)

    async def forget_guild(self, guild_id: int) -> int:
        """The bot left a guild: its watches (with their openings and alerts) and every
        subscription made there go. Returns how many watches were removed."""
        async with self.engine.begin() as conn:
            await conn.execute(
                delete(t.subscriptions).where(t.subscriptions.c.guild_id == guild_id)
            )
            result = await conn.execute(delete(t.watches).where(t.watches.c.guild_id == guild_id))
        return int(result.rowcount or 0)

    # -- subscriptions and users -----------------------------------------------------------

    async def subscribe(
        self, watch_id: int, user_id: int, guild_id: int | None, delivery: str, *, now: datetime
    ) -> bool:
        """True for a new subscription; an existing one gets the new delivery and resumes."""
        s = t.subscriptions
        async with self.engine.begin() as conn:
            updated = await conn.execute(
                update(s)
                .where(s.c.watch_id == watch_id, s.c.user_id == user_id)
                .values(delivery=delivery, paused=False)
            )
            if updated.rowcount:
                return False
            await conn.execute(
                insert(s).values(
                    watch_id=watch_id,
                    user_id=user_id,
                    guild_id=guild_id,
                    delivery=delivery,
                    paused=False,
                    created_at=now,
                )
            )
        return True

    async def unsubscribe(self, watch_id: int, user_id: int) -> bool:
        s = t.subscriptions
        async with self.engine.begin() as conn:
            result = await conn.execute(
                delete(s).where(s.c.watch_id == watch_id, s.c.user_id == user_id)
            )
        return bool(result.rowcount)

    async def subscriptions(self, *, user_id: int | None = None) -> list[Subscription]:
        s = t.subscriptions
        query = select(s).order_by(s.c.id)
        if user_id is not None:
            query = query.where(s.c.user_id == user_id)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [Subscription(r.watch_id, r.user_id, r.guild_id, r.delivery, r.paused) for r in rows]

    async def pause_dm_deliveries(self, user_id: int, notice: str) -> None:
        """Discord refuses DMs to this user: stop trying, and tell them once."""
        async with self.engine.begin() as conn:
            await conn.execute(
                update(t.subscriptions)
                .where(t.subscriptions.c.user_id == user_id, t.subscriptions.c.delivery == "dm")
                .values(paused=True)
            )
            await conn.execute(
                update(t.watches)
                .where(t.watches.c.owner_id == user_id, t.watches.c.scope == "user")
                .values(paused=True)
            )
            await _upsert_user(conn, user_id, dm_closed_notice=notice)

    async def pop_notice(self, user_id: int) -> str | None:
        async with self.engine.begin() as conn:
            notice = await conn.scalar(
                select(t.users.c.dm_closed_notice).where(t.users.c.user_id == user_id)
            )
            if notice:
                await conn.execute(
                    update(t.users)
                    .where(t.users.c.user_id == user_id)
                    .values(dm_closed_notice=None)
                )
        return str(notice) if notice else None

    async def quiet_hours(self) -> dict[int, tuple[str, str]]:
        u = t.users
        query = select(u.c.user_id, u.c.quiet_start, u.c.quiet_end).where(
            u.c.quiet_start.is_not(None), u.c.quiet_end.is_not(None)
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return {r.user_id: (r.quiet_start, r.quiet_end) for r in rows}

    async def set_quiet_hours(self, user_id: int, start: str | None, end: str | None) -> None:
        async with self.engine.begin() as conn:
            await _upsert_user(conn, user_id, quiet_start=start, quiet_end=end)

    async def watch_by_source(self, source: str) -> Watch | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(select(t.watches).where(t.watches.c.source == source).limit(1))
            ).first()
        return _watch_from_row(row) if row else None

    # -- halls and snapshots ---------------------------------------------------------------

    async def wheelchair_seats(self) -> dict[tuple[str, str], int]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(t.halls))).all()
        return {(r.brch_no, r.theab_no): r.wheelchair_seats for r in rows}

    async def snapshots(self, keys: Iterable[str]) -> dict[str, Snapshot]:
        wanted = list(set(keys))
        found: dict[str, Snapshot] = {}
        async with self.engine.connect() as conn:
            for start in range(0, len(wanted), 500):  # SQLite's bound-parameter limit
                part = wanted[start : start + 500]
                rows = await conn.execute(
                    select(t.screenings).where(t.screenings.c.play_schdl_no.in_(part))
                )
                for r in rows:
                    found[r.play_schdl_no] = Snapshot(
                        r.play_schdl_no, r.rest_seat_cnt, r.usable, r.best_block, r.exact, r.seen_at
                    )
        return found

    async def screening_scopes(self, keys: Iterable[str]) -> dict[str, tuple[str, date]]:
        """playSchdlNo → (branch, play date) for screenings seen before."""
        wanted = list(set(keys))
        found: dict[str, tuple[str, date]] = {}
        async with self.engine.connect() as conn:
            for start in range(0, len(wanted), 500):
                rows = await conn.execute(
                    select(
                        t.screenings.c.play_schdl_no, t.screenings.c.brch_no, t.screenings.c.play_de
                    ).where(t.screenings.c.play_schdl_no.in_(wanted[start : start + 500]))
                )
                found.update({r[0]: (r[1], r[2]) for r in rows})
        return found

    async def sample_screening(
        self, movie_no: str, branches: Sequence[str]
    ) -> dict[str, Any] | None:
        """The latest seen screening of this movie at these branches (for a test alert)."""
        sc = t.screenings
        query = (
            select(sc)
            .where(
                (sc.c.movie_no == movie_no) | (sc.c.rpst_movie_no == movie_no),
                sc.c.brch_no.in_(list(branches)),
            )
            .order_by(sc.c.seen_at.desc(), sc.c.starts_at)
            .limit(1)
        )
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return dict(row._mapping) if row else None

    async def opening_states(self) -> dict[Key, OpeningState]:
        """The latest opening per (watch, screening)."""
        latest = (
            select(func.max(t.openings.c.id).label("id"))
            .group_by(t.openings.c.watch_id, t.openings.c.play_schdl_no)
            .subquery()
        )
        query = select(t.openings).join(latest, t.openings.c.id == latest.c.id)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return {
            (r.watch_id, r.play_schdl_no): OpeningState(
                open=r.closed_at is None, closed_at=r.closed_at, starts_at=r.starts_at
            )
            for r in rows
        }

    async def record_check(
        self,
        *,
        now: datetime,
        screenings: Sequence[Screening],
        counts: Mapping[str, SeatCount],
        halls: Mapping[tuple[str, str], tuple[int, int | None]],
        transitions: Sequence[Transition],
        targets: Mapping[int, Sequence[PendingAlert]],
        run: CheckRun,
    ) -> list[int]:
        """Everything one check learnt, in one transaction; returns the new opening ids.

        Alerts are committed here, before any delivery: a crash after this point loses
        nothing, and the unique (opening, target) constraint makes a second send impossible.
        """
        starts = {s.play_schdl_no: s.start for s in screenings}
        opened: list[int] = []
        async with self.engine.begin() as conn:
            await _upsert_screenings(conn, screenings, counts, now)
            for (brch, theab), (wheelchair, total) in halls.items():
                await _upsert_hall(conn, brch, theab, wheelchair, total, now)
            for tr in transitions:
                new_id = await _apply_transition(conn, tr, starts, targets, now)
                if new_id is not None:
                    opened.append(new_id)
            baseline_done = {tr.key[0] for tr in transitions if tr.change is Change.BASELINE}
            if baseline_done:
                await conn.execute(
                    update(t.watches)
                    .where(t.watches.c.id.in_(baseline_done))
                    .values(baseline_pending=False)
                )
            await conn.execute(insert(t.check_runs).values(**_run_values(run)))
        return opened

    async def finish_baselines(self, watch_ids: Iterable[int]) -> None:
        ids = list(watch_ids)
        if not ids:
            return
        async with self.engine.begin() as conn:
            await conn.execute(
                update(t.watches).where(t.watches.c.id.in_(ids)).values(baseline_pending=False)
            )

    async def record_failed_check(self, run: CheckRun) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(insert(t.check_runs).values(**_run_values(run)))

    # -- the outbox ------------------------------------------------------------------------

    async def alert_jobs(self) -> list[AlertJob]:
        """Alerts never delivered while their opening is open, and sent ones shown wrongly."""
        a, o, s = t.alerts, t.openings, t.screenings
        query = (
            select(a, o.c.watch_id, o.c.closed_at, o.c.close_reason, o.c.opened_at, s)
            .join(o, a.c.opening_id == o.c.id)
            .join(s, s.c.play_schdl_no == o.c.play_schdl_no)
            .where(
                (and_(a.c.status == "pending", o.c.closed_at.is_(None)))
                | (
                    and_(
                        a.c.status == "sent",
                        a.c.shown_open.is_distinct_from(o.c.closed_at.is_(None)),
                    )
                )
            )
            .order_by(a.c.id)
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_job_from_row(r) for r in rows]

    async def expire_undelivered(self, now: datetime) -> int:
        """Alerts whose opening closed before delivery: nothing true is left to say."""
        closed = select(t.openings.c.id).where(t.openings.c.closed_at.is_not(None))
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(t.alerts)
                .where(t.alerts.c.status == "pending", t.alerts.c.opening_id.in_(closed))
                .values(status="expired", last_error="closed before delivery")
            )
        return int(result.rowcount or 0)

    async def mark_sent(
        self, alert_id: int, *, message_id: int, channel_id: int, shown_open: bool, now: datetime
    ) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                update(t.alerts)
                .where(t.alerts.c.id == alert_id)
                .values(
                    status="sent",
                    message_id=message_id,
                    channel_id=channel_id,
                    shown_open=shown_open,
                    sent_at=now,
                    attempts=t.alerts.c.attempts + 1,
                    last_error=None,
                )
            )

    async def mark_shown(self, alert_id: int, *, shown_open: bool) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                update(t.alerts).where(t.alerts.c.id == alert_id).values(shown_open=shown_open)
            )

    async def mark_failed(self, alert_id: int, error: str, *, give_up: bool = False) -> None:
        values: dict[str, Any] = {"attempts": t.alerts.c.attempts + 1, "last_error": error[:500]}
        if give_up:
            values["status"] = "failed"
        async with self.engine.begin() as conn:
            await conn.execute(update(t.alerts).where(t.alerts.c.id == alert_id).values(**values))

    async def alerts_sent(self) -> int:
        async with self.engine.connect() as conn:
            value = await conn.scalar(
                select(func.count()).select_from(t.alerts).where(t.alerts.c.status == "sent")
            )
        return int(value or 0)

    # -- check history ---------------------------------------------------------------------

    async def last_runs(self, limit: int = 1) -> list[CheckRun]:
        query = select(t.check_runs).order_by(t.check_runs.c.id.desc()).limit(limit)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            CheckRun(
                r.trigger,
                r.started_at,
                r.finished_at,
                r.ok,
                r.requests,
                r.screenings_seen,
                r.matches,
                r.openings,
                r.error_kind,
                r.error_text,
                r.summary,
            )
            for r in rows
        ]

    async def consecutive_failures(self) -> int:
        query = select(t.check_runs.c.ok).order_by(t.check_runs.c.id.desc()).limit(1000)
        async with self.engine.connect() as conn:
            oks = (await conn.execute(query)).scalars().all()
        count = 0
        for ok in oks:
            if ok:
                break
            count += 1
        return count

    async def watch_states(self) -> dict[int, list[Mapping[str, Any]]]:
        """Per watch, its open openings with the screenings' last seen counts."""
        o, s = t.openings, t.screenings
        query = (
            select(o.c.watch_id, s)
            .join(s, s.c.play_schdl_no == o.c.play_schdl_no)
            .where(o.c.closed_at.is_(None), o.c.alerted.is_(True))
            .order_by(s.c.starts_at)
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        out: dict[int, list[Mapping[str, Any]]] = {}
        for r in rows:
            out.setdefault(r.watch_id, []).append(dict(r._mapping))
        return out

    # -- key/value -------------------------------------------------------------------------

    async def get_value(self, key: str) -> str | None:
        async with self.engine.connect() as conn:
            value = await conn.scalar(
                select(t.settings_kv.c.value).where(t.settings_kv.c.key == key)
            )
        return str(value) if value is not None else None

    async def set_value(self, key: str, value: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(delete(t.settings_kv).where(t.settings_kv.c.key == key))
            await conn.execute(insert(t.settings_kv).values(key=key, value=value))


# -- helpers -------------------------------------------------------------------------------


def _watch_values(watch: Watch) -> dict[str, Any]:
    return {
        "guild_id": watch.guild_id,
        "owner_id": watch.owner_id,
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
        "scope": watch.scope,
    }


def _watch_from_row(row: Row[Any]) -> Watch:
    return Watch(
        id=row.id,
        name=row.name,
        movie_no=row.movie_no,
        branches=tuple(b for b in row.branches.split(",") if b),
        formats=frozenset(f for f in row.formats.split(",") if f),
        days=Days.parse(row.days),
        window=TimeWindow.parse(row.time_window or ""),
        min_seats=row.min_seats,
        together=row.together,
        guild_id=row.guild_id,
        owner_id=row.owner_id,
        channel_id=row.channel_id,
        mention=Mention.parse(row.mention),
        paused=row.paused,
        baseline_pending=row.baseline_pending,
        source=row.source,
        scope=row.scope,
    )


def _replace_id(watch: Watch, new_id: int) -> Watch:
    from dataclasses import replace

    return replace(watch, id=new_id)


def _run_values(run: CheckRun) -> dict[str, Any]:
    return {
        "trigger": run.trigger,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "ok": run.ok,
        "requests": run.requests,
        "screenings_seen": run.screenings_seen,
        "matches": run.matches,
        "openings": run.openings,
        "error_kind": run.error_kind,
        "error_text": run.error_text,
        "summary": run.summary,
    }


def _job_from_row(row: Row[Any]) -> AlertJob:
    m = row._mapping
    screening = {c.name: m[c] for c in t.screenings.c}
    return AlertJob(
        alert_id=m[t.alerts.c.id],
        opening_id=m[t.alerts.c.opening_id],
        watch_id=m[t.openings.c.watch_id],
        target_kind=m[t.alerts.c.target_kind],
        target_id=m[t.alerts.c.target_id],
        mention=m[t.alerts.c.mention],
        message_id=m[t.alerts.c.message_id],
        channel_id=m[t.alerts.c.channel_id],
        open=m[t.openings.c.closed_at] is None,
        closed_at=m[t.openings.c.closed_at],
        close_reason=m[t.openings.c.close_reason],
        opened_at=m[t.openings.c.opened_at],
        screening=screening,
    )


async def _upsert_screenings(
    conn: AsyncConnection,
    screenings: Sequence[Screening],
    counts: Mapping[str, SeatCount],
    now: datetime,
) -> None:
    if not screenings:
        return
    keys = [s.play_schdl_no for s in screenings]
    existing: dict[str, tuple[int, int | None]] = {}
    for start in range(0, len(keys), 500):
        rows = await conn.execute(
            select(
                t.screenings.c.play_schdl_no, t.screenings.c.rest_seat_cnt, t.screenings.c.usable
            ).where(t.screenings.c.play_schdl_no.in_(keys[start : start + 500]))
        )
        existing.update({r[0]: (r[1], r[2]) for r in rows})
    for s in screenings:
        count = counts.get(s.play_schdl_no)
        values: dict[str, Any] = {
            "brch_no": s.brch_no,
            "brch_nm": s.brch_nm,
            "theab_no": s.theab_no,
            "theab_nm": s.theab_nm,
            "format": s.format_code,
            "movie_no": s.movie_no,
            "rpst_movie_no": s.rpst_movie_no,
            "movie_nm": s.movie_nm,
            "play_de": s.play_de,
            "start_clock": s.start_clock,
            "end_clock": s.end_clock,
            "starts_at": s.start,
            "rest_seat_cnt": s.rest_seat_cnt,
            "total": s.total_seats,
            "bookable": s.bookable,
            "seen_at": now,
        }
        if count is not None:
            values |= {
                "usable": count.usable,
                "best_block": count.best_block,
                "best_row": count.best_row,
                "best_seats": " ".join(count.best_seats),
                "exact": count.exact,
                "total": count.total if count.total is not None else s.total_seats,
            }
        else:
            values |= {"usable": None, "best_block": None, "best_row": None, "best_seats": None}
            values["exact"] = False
        before = existing.get(s.play_schdl_no)
        if before is None:
            await conn.execute(
                insert(t.screenings).values(play_schdl_no=s.play_schdl_no, changed_at=now, **values)
            )
        else:
            if before != (values["rest_seat_cnt"], values["usable"]):
                values["changed_at"] = now
            await conn.execute(
                update(t.screenings)
                .where(t.screenings.c.play_schdl_no == s.play_schdl_no)
                .values(**values)
            )


async def _upsert_hall(
    conn: AsyncConnection, brch: str, theab: str, wheelchair: int, total: int | None, now: datetime
) -> None:
    await conn.execute(
        delete(t.halls).where(t.halls.c.brch_no == brch, t.halls.c.theab_no == theab)
    )
    await conn.execute(
        insert(t.halls).values(
            brch_no=brch,
            theab_no=theab,
            wheelchair_seats=wheelchair,
            total_seats=total,
            seen_at=now,
        )
    )


async def _upsert_user(conn: AsyncConnection, user_id: int, **values: Any) -> None:
    exists = await conn.scalar(select(t.users.c.user_id).where(t.users.c.user_id == user_id))
    if exists is None:
        await conn.execute(insert(t.users).values(user_id=user_id, **values))
    else:
        await conn.execute(update(t.users).where(t.users.c.user_id == user_id).values(**values))


async def _latest_opening_id(conn: AsyncConnection, key: Key) -> int | None:
    value = await conn.scalar(
        select(func.max(t.openings.c.id)).where(
            t.openings.c.watch_id == key[0], t.openings.c.play_schdl_no == key[1]
        )
    )
    return int(value) if value is not None else None


async def _apply_transition(
    conn: AsyncConnection,
    tr: Transition,
    starts: Mapping[str, datetime],
    targets: Mapping[int, Sequence[PendingAlert]],
    now: datetime,
) -> int | None:
    watch_id, play_schdl_no = tr.key
    if tr.change in (Change.OPENED, Change.BASELINE):
        result = await conn.execute(
            insert(t.openings).values(
                watch_id=watch_id,
                play_schdl_no=play_schdl_no,
                starts_at=starts[play_schdl_no],
                opened_at=now,
                alerted=tr.change is Change.OPENED,
            )
        )
        opening_id = int(result.inserted_primary_key[0]) if result.inserted_primary_key else 0
        if tr.change is Change.OPENED:
            for target in targets.get(watch_id, ()):
                await conn.execute(
                    insert(t.alerts).values(
                        opening_id=opening_id,
                        target_kind=target.target_kind,
                        target_id=target.target_id,
                        mention=target.mention,
                        created_at=now,
                    )
                )
            return opening_id
        return None
    latest = await _latest_opening_id(conn, tr.key)
    if latest is None:
        return None
    if tr.change is Change.REVIVED:
        await conn.execute(
            update(t.openings)
            .where(t.openings.c.id == latest)
            .values(closed_at=None, close_reason=None)
        )
    else:  # CLOSED or STARTED
        await conn.execute(
            update(t.openings)
            .where(t.openings.c.id == latest)
            .values(closed_at=now, close_reason=tr.change.value)
        )
    return None
