"""Knowledge-base reviews: who checked which topic against its sources, and when.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03

The topics are files (content/kb/*.yml); a review recorded in the admin goes here, so a running
deployment needs no file write. The effective last review is the later of the two.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "topic_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(40), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewer", sa.String(254), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic_reviews")),
    )
    op.create_index("ix_topic_reviews_topic_reviewed_at", "topic_reviews", ["topic", "reviewed_at"])


def downgrade() -> None:
    op.drop_index("ix_topic_reviews_topic_reviewed_at", table_name="topic_reviews")
    op.drop_table("topic_reviews")
