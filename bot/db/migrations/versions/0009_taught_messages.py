"""Messages the bot missed that staff assigned to a topic or an intent, or marked as noise.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

Only the scrubbed text the "not understood" report already shows is kept, with who assigned
it and when (issue 16); `python -m bot train` reads them through content/taught.yml.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "taught_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "topic",
                "intent",
                "noise",
                name="taught_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("target", sa.String(80), server_default="", nullable=False),
        sa.Column("assigned_by", sa.String(200), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taught_messages")),
        sa.UniqueConstraint("text", name=op.f("uq_taught_messages_text")),
    )
    op.create_index(op.f("ix_taught_messages_assigned_at"), "taught_messages", ["assigned_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_taught_messages_assigned_at"), table_name="taught_messages")
    op.drop_table("taught_messages")
