"""The options a sent outbound message offered, kept until the resident's next message.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03

A reminder sent by `python -m bot messages send-due` (or by a replica without Redis) offered
"1 Stop reminders"; the gateway that receives the resident's "1" finds the options here.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbound_messages") as batch:
        batch.add_column(sa.Column("offered", sa.JSON(none_as_null=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbound_messages") as batch:
        batch.drop_column("offered")
