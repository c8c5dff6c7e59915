"""sync pull: property sync leases and pulled-but-unacknowledged reservation revisions

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_leases",
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rerun_requested", sa.Boolean(), server_default="false", nullable=False),
        sa.ForeignKeyConstraint(
            ["property_id"], ["properties.id"], name=op.f("fk_sync_leases_property_id_properties"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("property_id", name=op.f("pk_sync_leases")),
    )
    op.create_table(
        "pending_ota_acks",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("ota_code", sa.String(length=20), nullable=False),
        sa.Column("reservation_id", sa.String(length=100), nullable=False),
        sa.Column("revision", sa.String(length=64), server_default="", nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="1", nullable=False),
        sa.Column("stored", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["ota_connections.id"],
            name=op.f("fk_pending_ota_acks_connection_id_ota_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_pending_ota_acks_property_id_properties"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_ota_acks")),
        sa.UniqueConstraint("connection_id", "reservation_id", "revision", name="uq_pending_ota_acks_item"),
    )
    op.create_index("ix_pending_ota_acks_first_seen", "pending_ota_acks", ["first_seen_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_pending_ota_acks_first_seen", table_name="pending_ota_acks")
    op.drop_table("pending_ota_acks")
    op.drop_table("sync_leases")
