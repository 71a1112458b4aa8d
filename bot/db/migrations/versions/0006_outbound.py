"""Outbound messages: consented contacts (encrypted addresses) and scheduled messages.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03

`outbound_contacts` holds how to reach a conversation later, only with consent, as a Fernet
token; `outbound_messages` is the dispatcher's queue and the staff's counts (no address).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbound_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("address_encrypted", sa.Text(), nullable=False),
        sa.Column("consented_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("consent", sa.String(300), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_contacts")),
    )
    op.create_index(
        op.f("ix_outbound_contacts_conversation_id"), "outbound_contacts", ["conversation_id"], unique=True
    )
    op.create_table(
        "outbound_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(64), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(20), nullable=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(100), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("reference", sa.String(100), nullable=True),
        sa.Column("provider_message_id", sa.String(64), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["outbound_contacts.id"],
            name=op.f("fk_outbound_messages_contact_id_outbound_contacts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_messages")),
    )
    op.create_index(op.f("ix_outbound_messages_conversation_id"), "outbound_messages", ["conversation_id"])
    op.create_index(op.f("ix_outbound_messages_contact_id"), "outbound_messages", ["contact_id"])
    op.create_index(op.f("ix_outbound_messages_reference"), "outbound_messages", ["reference"])
    op.create_index(
        op.f("ix_outbound_messages_provider_message_id"), "outbound_messages", ["provider_message_id"]
    )
    op.create_index("ix_outbound_messages_status_due_at", "outbound_messages", ["status", "due_at"])


def downgrade() -> None:
    op.drop_table("outbound_messages")
    op.drop_table("outbound_contacts")
