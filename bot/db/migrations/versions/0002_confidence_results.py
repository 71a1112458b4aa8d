"""Results of the confidence check, kept without identity.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

One row per finished check: a one-way hash of the conversation's pseudonymous id, the date (no
time), a whole percentage per skill area and overall, the level, and the referral code of the
Digital Champion or partner who sent the resident, if any.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "confidence_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person", sa.String(64), nullable=False),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.Column("area_scores", sa.JSON(), nullable=False),
        sa.Column("total_score", sa.SmallInteger(), nullable=False),
        sa.Column("level", sa.String(40), nullable=False),
        sa.Column("referral_code", sa.String(40), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_confidence_results")),
    )
    op.create_index("ix_confidence_results_person_taken_on", "confidence_results", ["person", "taken_on"])
    op.create_index(op.f("ix_confidence_results_level"), "confidence_results", ["level"])
    op.create_index(op.f("ix_confidence_results_referral_code"), "confidence_results", ["referral_code"])


def downgrade() -> None:
    op.drop_index(op.f("ix_confidence_results_referral_code"), table_name="confidence_results")
    op.drop_index(op.f("ix_confidence_results_level"), table_name="confidence_results")
    op.drop_index("ix_confidence_results_person_taken_on", table_name="confidence_results")
    op.drop_table("confidence_results")
