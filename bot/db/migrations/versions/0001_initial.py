"""Venues, sessions, Digital Champions, and the Code-Point Open postcode tables.

Revision ID: 0001
Revises:
Create Date: 2026-11-25

Venue positions are indexed so the nearest-venue search reads only the venues near the
resident: a B-tree on (latitude, longitude) that a bounding-box query scans (every database),
and on PostgreSQL a GiST index on `point(longitude, latitude)`, the same shape as a PostGIS
geometry index should the deployment move to PostGIS.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NETWORKS = ("general", "autism_learning_disabilities", "older_people", "sensory_impairments", "arts_culture")
RECURRENCES = ("weekly", "fortnightly", "monthly", "once")
# Written out rather than imported from the models: a migration must not change when they do.
VENUE_FLAGS = (
    "step_free",
    "accessible_toilet",
    "hearing_loop",
    "bsl",
    "large_print",
    "quiet_space",
    "free_wifi",
    "public_computers",
    "device_lending",
    "sim_data_hub",
)


def _listing_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("last_verified", sa.Date(), nullable=True),
        sa.Column("is_sample", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    ]


def _flag(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.Boolean(), server_default=sa.false(), nullable=False)


def _enum(name: str, values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=40)


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("website", sa.String(300), nullable=True),
        sa.Column("phone", sa.String(40), nullable=True),
        sa.Column("email", sa.String(200), nullable=True),
        *_listing_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("name", name=op.f("uq_organisations_name")),
    )
    op.create_table(
        "venues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("address", sa.String(300), server_default="", nullable=False),
        sa.Column("postcode", sa.String(8), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("phone", sa.String(40), nullable=True),
        sa.Column("email", sa.String(200), nullable=True),
        sa.Column("website", sa.String(300), nullable=True),
        sa.Column("opening_notes", sa.Text(), nullable=True),
        *[_flag(name) for name in VENUE_FLAGS],
        sa.Column("languages", sa.String(300), server_default="", nullable=False),
        *_listing_columns(),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_venues_organisation_id_organisations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_venues")),
        sa.UniqueConstraint("name", "postcode", name="uq_venues_name_postcode"),
    )
    op.create_index("ix_venues_lat_lon", "venues", ["latitude", "longitude"])
    op.create_index(op.f("ix_venues_organisation_id"), "venues", ["organisation_id"])

    op.create_table(
        "help_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("venue_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("network", _enum("network", NETWORKS), server_default="general", nullable=False),
        sa.Column("recurrence", _enum("recurrence", RECURRENCES), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=True),
        sa.Column("week_of_month", sa.SmallInteger(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=True),
        _flag("booking_required"),
        sa.Column("cost", sa.String(100), nullable=True),
        sa.Column("contact", sa.String(300), nullable=True),
        *_listing_columns(),
        sa.ForeignKeyConstraint(
            ["venue_id"], ["venues.id"], name=op.f("fk_help_sessions_venue_id_venues"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_help_sessions")),
    )
    op.create_index(op.f("ix_help_sessions_network"), "help_sessions", ["network"])
    op.create_index(op.f("ix_help_sessions_venue_id"), "help_sessions", ["venue_id"])

    op.create_table(
        "digital_champions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("areas", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("contact", sa.String(300), nullable=True),
        sa.Column("referral_code", sa.String(40), nullable=True),
        *_listing_columns(),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_digital_champions_organisation_id_organisations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digital_champions")),
        sa.UniqueConstraint("referral_code", name=op.f("uq_digital_champions_referral_code")),
    )
    op.create_index(op.f("ix_digital_champions_organisation_id"), "digital_champions", ["organisation_id"])

    op.create_table(
        "postcodes",
        sa.Column("postcode", sa.String(8), nullable=False),
        sa.Column("outcode", sa.String(4), nullable=False),
        sa.Column("area", sa.String(2), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("quality", sa.SmallInteger(), nullable=True),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("postcode", name=op.f("pk_postcodes")),
    )
    op.create_index(op.f("ix_postcodes_area"), "postcodes", ["area"])
    op.create_index(op.f("ix_postcodes_outcode"), "postcodes", ["outcode"])

    op.create_table(
        "outcodes",
        sa.Column("outcode", sa.String(4), nullable=False),
        sa.Column("area", sa.String(2), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("postcodes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("outcode", name=op.f("pk_outcodes")),
    )
    op.create_index(op.f("ix_outcodes_area"), "outcodes", ["area"])

    op.create_table(
        "postcode_areas",
        sa.Column("area", sa.String(2), nullable=False),
        sa.Column("postcodes", sa.Integer(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("area", name=op.f("pk_postcode_areas")),
    )

    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            "ix_venues_point", "venues", [sa.text("point(longitude, latitude)")], postgresql_using="gist"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_venues_point", table_name="venues")
    for table in (
        "postcode_areas",
        "outcodes",
        "postcodes",
        "digital_champions",
        "help_sessions",
        "venues",
        "organisations",
    ):
        op.drop_table(table)
