"""hardblocks: guaranteed room blocks per night, their versions

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from chalicelib.db.migrations.columns import create_indexes, foreign_key, id_column, primary_key, timestamp, timestamps

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hardblocks",
        id_column(),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("group_name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("guarantee", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), server_default="active", nullable=False),
        sa.Column("cut_off_date", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        *timestamps(),
        sa.CheckConstraint("guarantee IN ('definite', 'tentative')", name=op.f("ck_hardblocks_guarantee")),
        sa.CheckConstraint("status IN ('active', 'released', 'cancelled')", name=op.f("ck_hardblocks_status")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_hardblocks_version_positive")),
        sa.CheckConstraint("agency_id IS NOT NULL OR group_name <> ''", name=op.f("ck_hardblocks_agency_or_group")),
        foreign_key("hardblocks", "agency_id", "agencies.id", ondelete="RESTRICT"),
        foreign_key("hardblocks", "country_code", "countries.code"),
        foreign_key("hardblocks", "property_id", "properties.id", ondelete="RESTRICT"),
        primary_key("hardblocks"),
    )
    create_indexes("hardblocks", "agency_id", "country_code", "property_id")

    op.create_table(
        "hardblock_nights",
        sa.Column("block_id", sa.Integer(), nullable=False),
        sa.Column("room_type_id", sa.Integer(), nullable=False),
        sa.Column("night", sa.Date(), nullable=False),
        sa.Column("rooms", sa.Integer(), nullable=False),
        sa.Column("rate", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("released", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint("rooms >= 0 AND released >= 0", name=op.f("ck_hardblock_nights_rooms_non_negative")),
        sa.CheckConstraint("rate >= 0", name=op.f("ck_hardblock_nights_rate_non_negative")),
        foreign_key("hardblock_nights", "block_id", "hardblocks.id", ondelete="CASCADE"),
        foreign_key("hardblock_nights", "room_type_id", "room_types.id", ondelete="RESTRICT"),
        primary_key("hardblock_nights", "block_id", "room_type_id", "night"),
    )
    op.create_index("ix_hardblock_nights_room_type_night", "hardblock_nights", ["room_type_id", "night"], unique=False)

    op.create_table(
        "hardblock_versions",
        sa.Column("block_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("snapshot", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        timestamp("created_at", default_now=True),
        foreign_key("hardblock_versions", "block_id", "hardblocks.id", ondelete="CASCADE"),
        foreign_key("hardblock_versions", "created_by_user_id", "users.id", ondelete="SET NULL"),
        primary_key("hardblock_versions", "block_id", "version"),
    )


def downgrade() -> None:
    op.drop_table("hardblock_versions")
    op.drop_index("ix_hardblock_nights_room_type_night", table_name="hardblock_nights")
    op.drop_table("hardblock_nights")
    op.drop_index(op.f("ix_hardblocks_property_id"), table_name="hardblocks")
    op.drop_index(op.f("ix_hardblocks_country_code"), table_name="hardblocks")
    op.drop_index(op.f("ix_hardblocks_agency_id"), table_name="hardblocks")
    op.drop_table("hardblocks")
