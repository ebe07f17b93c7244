"""Tables. The schema itself states the delivery rule: an alert is `sent` only with the
message id Discord returned; until then it is `pending` and will be (re)tried."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out (SQLite keeps no zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


metadata = MetaData()

watches = Table(
    "watches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("guild_id", BigInteger, nullable=True, index=True),
    Column("owner_id", BigInteger, nullable=True, index=True),
    Column("name", String(100), nullable=False, default=""),
    Column("movie_no", String(8), nullable=False),
    Column("movie_nm", String(200), nullable=False, default=""),
    Column("branches", String(200), nullable=False),  # comma list of brchNo
    Column("formats", String(200), nullable=False, default=""),  # comma list, "" = any
    Column("days", String(400), nullable=False),  # Days.to_text()
    Column("time_window", String(20), nullable=True),
    Column("min_seats", Integer, nullable=False),
    Column("together", Boolean, nullable=False, default=False),
    Column("channel_id", BigInteger, nullable=True),
    Column("mention", String(40), nullable=False, default=""),
    Column("paused", Boolean, nullable=False, default=False),
    Column("baseline_pending", Boolean, nullable=False, default=False),
    Column("source", String(20), nullable=False, default="command"),  # env | command
    # guild: alerts go to a channel; user: a personal watch, alerts go to the owner by DM
    Column("scope", String(10), nullable=False, default="guild", server_default="guild"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

screenings = Table(
    "screenings",
    metadata,
    Column("play_schdl_no", String(20), primary_key=True),
    Column("brch_no", String(4), nullable=False),
    Column("brch_nm", String(100), nullable=False),
    Column("theab_no", String(4), nullable=False),
    Column("theab_nm", String(100), nullable=False),
    Column("format", String(20), nullable=True),
    Column("movie_no", String(8), nullable=False),
    Column("rpst_movie_no", String(8), nullable=True),
    Column("movie_nm", String(200), nullable=False),
    Column("play_de", Date, nullable=False, index=True),
    Column("start_clock", String(5), nullable=False),
    Column("end_clock", String(5), nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("rest_seat_cnt", Integer, nullable=False),
    Column("total", Integer, nullable=True),
    Column("usable", Integer, nullable=True),
    Column("best_block", Integer, nullable=True),
    Column("best_row", String(4), nullable=True),
    Column("best_seats", String(200), nullable=True),
    Column("exact", Boolean, nullable=False, default=False),
    Column("bookable", Boolean, nullable=False, default=True),
    Column("seen_at", UTCDateTime, nullable=False),
    Column("changed_at", UTCDateTime, nullable=False),
)

halls = Table(
    "halls",
    metadata,
    Column("brch_no", String(4), primary_key=True),
    Column("theab_no", String(4), primary_key=True),
    Column("wheelchair_seats", Integer, nullable=False),
    Column("total_seats", Integer, nullable=True),
    Column("seen_at", UTCDateTime, nullable=False),
)

openings = Table(
    "openings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("watch_id", Integer, ForeignKey("watches.id", ondelete="CASCADE"), nullable=False),
    Column("play_schdl_no", String(20), nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("closed_at", UTCDateTime, nullable=True),
    Column("close_reason", String(20), nullable=True),
    Column("alerted", Boolean, nullable=False),  # False for a baseline
    Index("ix_openings_key", "watch_id", "play_schdl_no", "id"),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("opening_id", Integer, ForeignKey("openings.id", ondelete="CASCADE"), nullable=False),
    Column("target_kind", String(10), nullable=False),  # channel | dm
    Column("target_id", BigInteger, nullable=False),
    Column("mention", String(40), nullable=False, default=""),
    # pending → sent (message_id set) | expired (closed before it could be delivered)
    Column("status", String(10), nullable=False, default="pending"),
    Column("message_id", BigInteger, nullable=True),
    Column("channel_id", BigInteger, nullable=True),  # where the message landed (DM channel)
    Column("shown_open", Boolean, nullable=True),  # what the Discord message says now
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime, nullable=True),
    UniqueConstraint("opening_id", "target_kind", "target_id", name="uq_alert_target"),
    Index("ix_alerts_status", "status"),
)

check_runs = Table(
    "check_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("trigger", String(20), nullable=False),
    Column("started_at", UTCDateTime, nullable=False, index=True),
    Column("finished_at", UTCDateTime, nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("requests", Integer, nullable=False),
    Column("screenings_seen", Integer, nullable=False),
    Column("matches", Integer, nullable=False),
    Column("openings", Integer, nullable=False),
    Column("error_kind", String(40), nullable=True),
    Column("error_text", Text, nullable=True),
    Column("summary", Text, nullable=False),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("watch_id", Integer, ForeignKey("watches.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", BigInteger, nullable=False, index=True),
    Column("guild_id", BigInteger, nullable=True, index=True),
    Column("delivery", String(10), nullable=False),  # dm | mention
    Column("paused", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("watch_id", "user_id", name="uq_subscription"),
)

users = Table(
    "users",
    metadata,
    Column("user_id", BigInteger, primary_key=True),
    Column("quiet_start", String(5), nullable=True),  # HH:MM KST
    Column("quiet_end", String(5), nullable=True),
    # Set when Discord refused a DM; told to the user once, privately, then cleared.
    Column("dm_closed_notice", Text, nullable=True),
)

settings_kv = Table(
    "kv",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)
