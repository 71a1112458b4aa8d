"""Staff accounts and the audit log, contacts, usage events for reports, venue referral codes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

`contacts` and `usage_events` hold no identity: `person` is a one-way hash of the pseudonymous
conversation id (see bot.pseudonym.person_key), cleared or deleted by the purge and by "forget me".
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _kind(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=40)


def upgrade() -> None:
    op.create_table(
        "staff_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("role", _kind("staff_role", "admin", "editor"), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_users")),
        sa.UniqueConstraint("email", name=op.f("uq_staff_users_email")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("staff_email", sa.String(200), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("entity", sa.String(40), nullable=False),
        sa.Column("entity_id", sa.String(40), nullable=True),
        sa.Column("summary", sa.String(300), server_default="", nullable=False),
        sa.Column("changes", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])
    op.create_index(op.f("ix_audit_log_staff_email"), "audit_log", ["staff_email"])

    op.create_table(
        "contacts",
        sa.Column("person", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("referral_code", sa.String(40), nullable=True),
        sa.Column("opted_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("person", name=op.f("pk_contacts")),
    )
    op.create_index(op.f("ix_contacts_last_seen"), "contacts", ["last_seen"])
    op.create_index(op.f("ix_contacts_referral_code"), "contacts", ["referral_code"])

    op.create_table(
        "usage_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column(
            "kind",
            _kind("usage_kind", "conversation", "question", "not_understood", "search", "referral"),
            nullable=False,
        ),
        sa.Column("detail", sa.String(200), server_default="", nullable=False),
        sa.Column("person", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_events")),
        sa.UniqueConstraint("kind", "week", "channel", "detail", "person", name="uq_usage_events_once"),
    )
    op.create_index("ix_usage_events_kind_week", "usage_events", ["kind", "week"])
    op.create_index(op.f("ix_usage_events_person"), "usage_events", ["person"])

    with op.batch_alter_table("venues") as batch:
        batch.add_column(sa.Column("referral_code", sa.String(40), nullable=True))
        batch.create_unique_constraint(op.f("uq_venues_referral_code"), ["referral_code"])


def downgrade() -> None:
    with op.batch_alter_table("venues") as batch:
        batch.drop_constraint(op.f("uq_venues_referral_code"), type_="unique")
        batch.drop_column("referral_code")
    op.drop_index(op.f("ix_usage_events_person"), table_name="usage_events")
    op.drop_index("ix_usage_events_kind_week", table_name="usage_events")
    op.drop_table("usage_events")
    op.drop_index(op.f("ix_contacts_referral_code"), table_name="contacts")
    op.drop_index(op.f("ix_contacts_last_seen"), table_name="contacts")
    op.drop_table("contacts")
    op.drop_index(op.f("ix_audit_log_staff_email"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("staff_users")
