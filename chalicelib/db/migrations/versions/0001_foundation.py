"""foundation: countries, roles, users, properties, room types, heartbeats

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from chalicelib.db.migrations.columns import create_indexes, foreign_key, id_column, primary_key, timestamp, timestamps

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "countries",
        sa.Column("code", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("default_currency", sa.String(length=3), nullable=False),
        sa.Column("default_timezone", sa.String(length=64), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        timestamp("created_at", default_now=True),
        primary_key("countries", "code"),
    )
    op.create_table(
        "heartbeats",
        id_column(big=True),
        sa.Column("message_id", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        timestamp("emitted_at"),
        timestamp("received_at", default_now=True),
        sa.Column("receive_count", sa.Integer(), server_default="1", nullable=False),
        primary_key("heartbeats"),
        sa.UniqueConstraint("message_id", name=op.f("uq_heartbeats_message_id")),
    )
    op.create_table(
        "roles",
        id_column(),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("permissions", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("is_system", sa.Boolean(), server_default="false", nullable=False),
        *timestamps(),
        primary_key("roles"),
        sa.UniqueConstraint("name", name=op.f("uq_roles_name")),
    )
    op.create_table(
        "properties",
        id_column(),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("address", sa.String(length=500), server_default="", nullable=False),
        sa.Column("city", sa.String(length=120), server_default="", nullable=False),
        sa.Column("status", sa.String(length=20), server_default="active", nullable=False),
        *timestamps(),
        sa.CheckConstraint("status IN ('active', 'inactive')", name=op.f("ck_properties_status")),
        foreign_key("properties", "country_code", "countries.code"),
        primary_key("properties"),
        sa.UniqueConstraint("code", name=op.f("uq_properties_code")),
    )
    create_indexes("properties", "country_code")
    op.create_table(
        "users",
        id_column(),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=100), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        timestamp("last_login_at", nullable=True),
        timestamp("password_changed_at", default_now=True),
        *timestamps(),
        foreign_key("users", "country_code", "countries.code"),
        foreign_key("users", "role_id", "roles.id"),
        primary_key("users"),
    )
    create_indexes("users", "country_code", "role_id")
    op.create_index("uq_users_email_lower", "users", [sa.literal_column("lower(email)")], unique=True)
    op.create_table(
        "room_types",
        id_column(),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("total_rooms", sa.Integer(), nullable=False),
        sa.Column("max_occupancy", sa.Integer(), server_default="2", nullable=False),
        sa.Column("base_rate", sa.Numeric(precision=14, scale=3), server_default="0", nullable=False),
        *timestamps(),
        sa.CheckConstraint("base_rate >= 0", name=op.f("ck_room_types_base_rate_non_negative")),
        sa.CheckConstraint("max_occupancy >= 1", name=op.f("ck_room_types_max_occupancy_positive")),
        sa.CheckConstraint("total_rooms >= 0", name=op.f("ck_room_types_total_rooms_non_negative")),
        foreign_key("room_types", "property_id", "properties.id", ondelete="CASCADE"),
        primary_key("room_types"),
        sa.UniqueConstraint("property_id", "code", name="uq_room_types_property_code"),
    )
    create_indexes("room_types", "property_id")

    # Reference data: the countries the group operates in (extensible through the API later).
    countries = sa.table(
        "countries",
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("default_currency", sa.String),
        sa.column("default_timezone", sa.String),
    )
    op.bulk_insert(
        countries,
        [
            {"code": "VN", "name": "Vietnam", "default_currency": "VND", "default_timezone": "Asia/Ho_Chi_Minh"},
            {"code": "ID", "name": "Indonesia", "default_currency": "IDR", "default_timezone": "Asia/Jakarta"},
            {"code": "MY", "name": "Malaysia", "default_currency": "MYR", "default_timezone": "Asia/Kuala_Lumpur"},
        ],
    )


def downgrade() -> None:
    op.drop_table("room_types")
    op.drop_table("users")
    op.drop_table("properties")
    op.drop_table("roles")
    op.drop_table("heartbeats")
    op.drop_table("countries")
