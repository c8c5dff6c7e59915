"""ota: accounts (sealed credentials), property connections, room type / rate plan mappings, proposals

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from chalicelib.db.migrations.columns import create_indexes, foreign_key, id_column, primary_key, timestamp, timestamps

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ota_accounts",
        id_column(),
        sa.Column("ota_code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("base_url", sa.String(length=500), nullable=True),
        sa.Column("credentials_key_id", sa.String(length=256), nullable=False),
        sa.Column("credentials_encrypted_data_key", sa.LargeBinary(), nullable=False),
        sa.Column("credentials_nonce", sa.LargeBinary(), nullable=False),
        sa.Column("credentials_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("credentials_mask", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="active", nullable=False),
        timestamp("last_test_at", nullable=True),
        sa.Column("last_test_ok", sa.Boolean(), nullable=True),
        sa.Column("last_test_message", sa.String(length=1000), nullable=True),
        *timestamps(),
        sa.CheckConstraint(
            "ota_code IN ('booking_com', 'expedia', 'agoda', 'traveloka')", name=op.f("ck_ota_accounts_ota_code")
        ),
        sa.CheckConstraint("status IN ('active', 'disabled')", name=op.f("ck_ota_accounts_status")),
        foreign_key("ota_accounts", "country_code", "countries.code"),
        primary_key("ota_accounts"),
        sa.UniqueConstraint("country_code", "ota_code", "name", name="uq_ota_accounts_country_ota_name"),
    )
    create_indexes("ota_accounts", "country_code")

    op.create_table(
        "ota_connections",
        id_column(),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("ota_account_id", sa.Integer(), nullable=False),
        sa.Column("ota_hotel_id", sa.String(length=64), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("poll_interval_seconds", sa.Integer(), nullable=True),
        timestamp("last_poll_at", nullable=True),
        timestamp("next_poll_at", nullable=True),
        timestamp("last_success_at", nullable=True),
        sa.Column("health", sa.String(length=10), server_default="ok", nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.String(length=2000), nullable=True),
        timestamp("last_error_at", nullable=True),
        *timestamps(),
        sa.CheckConstraint(
            "poll_interval_seconds IS NULL OR poll_interval_seconds BETWEEN 20 AND 3600",
            name=op.f("ck_ota_connections_poll_interval"),
        ),
        sa.CheckConstraint("health IN ('ok', 'degraded', 'failing')", name=op.f("ck_ota_connections_health")),
        sa.CheckConstraint(
            "consecutive_failures >= 0", name=op.f("ck_ota_connections_consecutive_failures_non_negative")
        ),
        foreign_key("ota_connections", "ota_account_id", "ota_accounts.id", ondelete="RESTRICT"),
        foreign_key("ota_connections", "property_id", "properties.id", ondelete="CASCADE"),
        primary_key("ota_connections"),
        sa.UniqueConstraint("ota_account_id", "ota_hotel_id", name="uq_ota_connections_account_hotel"),
        sa.UniqueConstraint("property_id", "ota_account_id", name="uq_ota_connections_property_account"),
    )
    op.create_index("ix_ota_connections_next_poll_at", "ota_connections", ["next_poll_at"], unique=False)
    create_indexes("ota_connections", "ota_account_id", "property_id")

    op.create_table(
        "room_type_mappings",
        id_column(),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("room_type_id", sa.Integer(), nullable=False),
        sa.Column("ota_room_id", sa.String(length=64), nullable=False),
        *timestamps(),
        foreign_key("room_type_mappings", "connection_id", "ota_connections.id", ondelete="CASCADE"),
        foreign_key("room_type_mappings", "room_type_id", "room_types.id", ondelete="CASCADE"),
        primary_key("room_type_mappings"),
        sa.UniqueConstraint("connection_id", "room_type_id", name="uq_room_type_mappings_connection_room_type"),
        sa.UniqueConstraint("connection_id", "ota_room_id", name="uq_room_type_mappings_connection_ota_room"),
        sa.UniqueConstraint(
            "connection_id", "room_type_id", "ota_room_id", name="uq_room_type_mappings_connection_room_type_ota_room"
        ),
    )
    create_indexes("room_type_mappings", "room_type_id")

    op.create_table(
        "rate_plan_mappings",
        id_column(),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("room_type_id", sa.Integer(), nullable=False),
        sa.Column("rate_plan_id", sa.Integer(), nullable=False),
        sa.Column("ota_room_id", sa.String(length=64), nullable=False),
        sa.Column("ota_rate_plan_id", sa.String(length=64), nullable=False),
        *timestamps(),
        foreign_key("rate_plan_mappings", "connection_id", "ota_connections.id", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["rate_plan_id", "room_type_id"],
            ["rate_plans.id", "rate_plans.room_type_id"],
            name="fk_rate_plan_mappings_rate_plan_rate_plans",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["connection_id", "room_type_id", "ota_room_id"],
            ["room_type_mappings.connection_id", "room_type_mappings.room_type_id", "room_type_mappings.ota_room_id"],
            name="fk_rate_plan_mappings_room_type_mapping",
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        primary_key("rate_plan_mappings"),
        sa.UniqueConstraint("connection_id", "rate_plan_id", name="uq_rate_plan_mappings_connection_rate_plan"),
        sa.UniqueConstraint(
            "connection_id", "ota_room_id", "ota_rate_plan_id", name="uq_rate_plan_mappings_connection_ota_rate"
        ),
    )
    create_indexes("rate_plan_mappings", "rate_plan_id")

    op.create_table(
        "mapping_proposals",
        id_column(),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("ota_room_id", sa.String(length=64), nullable=False),
        sa.Column("ota_room_name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("ota_rate_plan_id", sa.String(length=64), nullable=True),
        sa.Column("ota_rate_plan_name", sa.String(length=200), nullable=True),
        sa.Column("room_type_id", sa.Integer(), nullable=True),
        sa.Column("rate_plan_id", sa.Integer(), nullable=True),
        sa.Column("match_reason", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=20), server_default="proposed", nullable=False),
        timestamp("decided_at", nullable=True),
        sa.Column("decided_by_user_id", sa.Integer(), nullable=True),
        *timestamps(),
        sa.CheckConstraint("kind IN ('room_type', 'rate_plan')", name=op.f("ck_mapping_proposals_kind")),
        sa.CheckConstraint("status IN ('proposed', 'accepted', 'rejected')", name=op.f("ck_mapping_proposals_status")),
        sa.CheckConstraint(
            "(kind = 'room_type' AND ota_rate_plan_id IS NULL AND rate_plan_id IS NULL)"
            " OR (kind = 'rate_plan' AND ota_rate_plan_id IS NOT NULL)",
            name=op.f("ck_mapping_proposals_kind_fields"),
        ),
        foreign_key("mapping_proposals", "connection_id", "ota_connections.id", ondelete="CASCADE"),
        foreign_key("mapping_proposals", "decided_by_user_id", "users.id", ondelete="SET NULL"),
        foreign_key("mapping_proposals", "rate_plan_id", "rate_plans.id", ondelete="SET NULL"),
        foreign_key("mapping_proposals", "room_type_id", "room_types.id", ondelete="SET NULL"),
        primary_key("mapping_proposals"),
    )
    create_indexes("mapping_proposals", "connection_id")
    op.create_index(
        "uq_mapping_proposals_room",
        "mapping_proposals",
        ["connection_id", "ota_room_id"],
        unique=True,
        postgresql_where=sa.text("kind = 'room_type'"),
    )
    op.create_index(
        "uq_mapping_proposals_rate",
        "mapping_proposals",
        ["connection_id", "ota_room_id", "ota_rate_plan_id"],
        unique=True,
        postgresql_where=sa.text("kind = 'rate_plan'"),
    )


def downgrade() -> None:
    op.drop_table("mapping_proposals")
    op.drop_table("rate_plan_mappings")
    op.drop_table("room_type_mappings")
    op.drop_table("ota_connections")
    op.drop_table("ota_accounts")
