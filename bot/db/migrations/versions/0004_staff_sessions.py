"""Staff sessions that the server can end: a session number per account.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03

A staff session cookie carries its account's `session_epoch`; logging out, a new password or
deactivating the account raises it, so a copied cookie stops working at once (bot/staff/auth.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("session_epoch")
