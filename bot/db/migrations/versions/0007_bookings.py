"""Bookings and attendance: dated session occurrences, bookings, funnel steps; session capacity.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

`session_occurrences` is the row a booking locks (its `booked` count against the session's
`capacity`); `bookings` carry a door reference and a pseudonymous conversation id, never a
name or number; `loop_events` count the funnel's steps for /reports.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("help_sessions") as batch:
        batch.add_column(sa.Column("capacity", sa.Integer(), nullable=True))
    op.create_table(
        "session_occurrences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("booked", sa.Integer(), server_default="0", nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["help_sessions.id"],
            name=op.f("fk_session_occurrences_session_id_help_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_occurrences")),
        sa.UniqueConstraint("session_id", "starts_at", name="uq_session_occurrences_when"),
    )
    op.create_index(
        op.f("ix_session_occurrences_session_id"), "session_occurrences", ["session_id"], unique=False
    )
    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurrence_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(12), nullable=False),
        sa.Column("conversation_id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(20), server_default="web", nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("holds_place", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["occurrence_id"],
            ["session_occurrences.id"],
            name=op.f("fk_bookings_occurrence_id_session_occurrences"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
        sa.UniqueConstraint("reference", name=op.f("uq_bookings_reference")),
    )
    op.create_index(op.f("ix_bookings_occurrence_id"), "bookings", ["occurrence_id"], unique=False)
    op.create_index(op.f("ix_bookings_conversation_id"), "bookings", ["conversation_id"], unique=False)
    op.create_index(op.f("ix_bookings_status"), "bookings", ["status"], unique=False)
    op.create_table(
        "loop_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(20), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(20), server_default="", nullable=False),
        sa.Column("person", sa.String(64), nullable=True),
        sa.Column("venue_id", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loop_events")),
        sa.UniqueConstraint("step", "week", "person", "venue_id", name="uq_loop_events_once"),
    )
    op.create_index("ix_loop_events_step_week", "loop_events", ["step", "week"], unique=False)
    op.create_index(op.f("ix_loop_events_person"), "loop_events", ["person"], unique=False)
    op.create_index(op.f("ix_loop_events_venue_id"), "loop_events", ["venue_id"], unique=False)


def downgrade() -> None:
    op.drop_table("loop_events")
    op.drop_table("bookings")
    op.drop_table("session_occurrences")
    with op.batch_alter_table("help_sessions") as batch:
        batch.drop_column("capacity")
