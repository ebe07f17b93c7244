"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "check_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("screenings_seen", sa.Integer(), nullable=False),
        sa.Column("matches", sa.Integer(), nullable=False),
        sa.Column("openings", sa.Integer(), nullable=False),
        sa.Column("error_kind", sa.String(length=40), nullable=True),
        sa.Column("error_text", sa.Text(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("check_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_check_runs_started_at"), ["started_at"], unique=False)

    op.create_table(
        "halls",
        sa.Column("brch_no", sa.String(length=4), nullable=False),
        sa.Column("theab_no", sa.String(length=4), nullable=False),
        sa.Column("wheelchair_seats", sa.Integer(), nullable=False),
        sa.Column("total_seats", sa.Integer(), nullable=True),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("brch_no", "theab_no"),
    )
    op.create_table(
        "kv",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "screenings",
        sa.Column("play_schdl_no", sa.String(length=20), nullable=False),
        sa.Column("brch_no", sa.String(length=4), nullable=False),
        sa.Column("brch_nm", sa.String(length=100), nullable=False),
        sa.Column("theab_no", sa.String(length=4), nullable=False),
        sa.Column("theab_nm", sa.String(length=100), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=True),
        sa.Column("movie_no", sa.String(length=8), nullable=False),
        sa.Column("rpst_movie_no", sa.String(length=8), nullable=True),
        sa.Column("movie_nm", sa.String(length=200), nullable=False),
        sa.Column("play_de", sa.Date(), nullable=False),
        sa.Column("start_clock", sa.String(length=5), nullable=False),
        sa.Column("end_clock", sa.String(length=5), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("rest_seat_cnt", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("usable", sa.Integer(), nullable=True),
        sa.Column("best_block", sa.Integer(), nullable=True),
        sa.Column("best_row", sa.String(length=4), nullable=True),
        sa.Column("best_seats", sa.String(length=200), nullable=True),
        sa.Column("exact", sa.Boolean(), nullable=False),
        sa.Column("bookable", sa.Boolean(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("play_schdl_no"),
    )
    with op.batch_alter_table("screenings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_screenings_play_de"), ["play_de"], unique=False)

    op.create_table(
        "watches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=True),
        sa.Column("owner_id", sa.BigInteger(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("movie_no", sa.String(length=8), nullable=False),
        sa.Column("movie_nm", sa.String(length=200), nullable=False),
        sa.Column("branches", sa.String(length=200), nullable=False),
        sa.Column("formats", sa.String(length=200), nullable=False),
        sa.Column("days", sa.String(length=400), nullable=False),
        sa.Column("time_window", sa.String(length=20), nullable=True),
        sa.Column("min_seats", sa.Integer(), nullable=False),
        sa.Column("together", sa.Boolean(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("mention", sa.String(length=40), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("baseline_pending", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("watches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_watches_guild_id"), ["guild_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_watches_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "openings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("watch_id", sa.Integer(), nullable=False),
        sa.Column("play_schdl_no", sa.String(length=20), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("close_reason", sa.String(length=20), nullable=True),
        sa.Column("alerted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["watch_id"], ["watches.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("openings", schema=None) as batch_op:
        batch_op.create_index("ix_openings_key", ["watch_id", "play_schdl_no", "id"], unique=False)

    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opening_id", sa.Integer(), nullable=False),
        sa.Column("target_kind", sa.String(length=10), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("mention", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("shown_open", sa.Boolean(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["opening_id"], ["openings.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("opening_id", "target_kind", "target_id", name="uq_alert_target"),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index("ix_alerts_status", ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_status")

    op.drop_table("alerts")
    with op.batch_alter_table("openings", schema=None) as batch_op:
        batch_op.drop_index("ix_openings_key")

    op.drop_table("openings")
    with op.batch_alter_table("watches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_watches_owner_id"))
        batch_op.drop_index(batch_op.f("ix_watches_guild_id"))

    op.drop_table("watches")
    with op.batch_alter_table("screenings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screenings_play_de"))

    op.drop_table("screenings")
    op.drop_table("kv")
    op.drop_table("halls")
    with op.batch_alter_table("check_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_runs_started_at"))

    op.drop_table("check_runs")
