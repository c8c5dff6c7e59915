"""sync pull: property sync leases and pulled-but-unacknowledged reservation revisions

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from chalicelib.db.migrations.columns import foreign_key, id_column, primary_key, timestamp

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_leases",
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=False),
        timestamp("acquired_at"),
        timestamp("expires_at"),
        sa.Column("rerun_requested", sa.Boolean(), server_default="false", nullable=False),
        foreign_key("sync_leases", "property_id", "properties.id", ondelete="CASCADE"),
        primary_key("sync_leases", "property_id"),
    )
    op.create_table(
        "pending_ota_acks",
        id_column(big=True),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("ota_code", sa.String(length=20), nullable=False),
        sa.Column("reservation_id", sa.String(length=100), nullable=False),
        sa.Column("revision", sa.String(length=64), server_default="", nullable=False),
        timestamp("first_seen_at"),
        timestamp("last_seen_at"),
        sa.Column("attempts", sa.Integer(), server_default="1", nullable=False),
        sa.Column("stored", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        foreign_key("pending_ota_acks", "connection_id", "ota_connections.id", ondelete="CASCADE"),
        foreign_key("pending_ota_acks", "property_id", "properties.id", ondelete="CASCADE"),
        primary_key("pending_ota_acks"),
        sa.UniqueConstraint("connection_id", "reservation_id", "revision", name="uq_pending_ota_acks_item"),
    )
    op.create_index("ix_pending_ota_acks_first_seen", "pending_ota_acks", ["first_seen_at"], unique=False)


def downgrade() -> None:
    op.drop_table("pending_ota_acks")
    op.drop_table("sync_leases")
