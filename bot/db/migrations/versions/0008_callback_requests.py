"""Call-back requests, and the organisation a staff member works for.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

`callback_requests` holds a resident's request to be rung by a Digital Champion: the number and
first name only as Fernet tokens (emptied when the request closes), the area as an outcode;
`staff_users.organisation_id` limits a champion's or editor's queue to their organisation.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_staff_users_organisation_id_organisations"),
            "organisations",
            ["organisation_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(op.f("ix_staff_users_organisation_id"), ["organisation_id"], unique=False)
    op.create_table(
        "callback_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("priority", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("reason", sa.String(length=20), server_default="", nullable=False),
        sa.Column("topic", sa.String(length=120), server_default="", nullable=False),
        sa.Column("preferred_time", sa.String(length=20), server_default="any", nullable=False),
        sa.Column("outcode", sa.String(length=8), server_default="", nullable=False),
        sa.Column("phone_encrypted", sa.Text(), nullable=True),
        sa.Column("phone_kind", sa.String(length=20), server_default="", nullable=False),
        sa.Column("name_encrypted", sa.Text(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("assigned_to", sa.String(length=200), server_default="", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_called_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overdue_told_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_callback_requests_organisation_id_organisations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_requests")),
    )
    with op.batch_alter_table("callback_requests") as batch:
        batch.create_index(op.f("ix_callback_requests_conversation_id"), ["conversation_id"], unique=False)
        batch.create_index(op.f("ix_callback_requests_status"), ["status"], unique=False)
        batch.create_index(op.f("ix_callback_requests_organisation_id"), ["organisation_id"], unique=False)
        batch.create_index("ix_callback_requests_status_due_at", ["status", "due_at"], unique=False)


def downgrade() -> None:
    op.drop_table("callback_requests")
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_index(op.f("ix_staff_users_organisation_id"))
        batch.drop_constraint(op.f("fk_staff_users_organisation_id_organisations"), type_="foreignkey")
        batch.drop_column("organisation_id")
