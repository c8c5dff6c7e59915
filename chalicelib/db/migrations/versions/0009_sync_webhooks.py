"""webhook receipts: the notifications OTAs pushed, kept a few days to drop repeats

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from chalicelib.db.migrations.columns import foreign_key, id_column, primary_key, timestamp

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_receipts",
        id_column(big=True),
        sa.Column("ota_code", sa.String(length=20), nullable=False),
        sa.Column("notification_key", sa.String(length=128), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=True),
        sa.Column("property_id", sa.Integer(), nullable=True),
        timestamp("received_at", default_now=True),
        foreign_key("webhook_receipts", "connection_id", "ota_connections.id", ondelete="SET NULL"),
        foreign_key("webhook_receipts", "property_id", "properties.id", ondelete="SET NULL"),
        primary_key("webhook_receipts"),
        sa.UniqueConstraint("ota_code", "notification_key", name=op.f("uq_webhook_receipts_ota_key")),
    )
    op.create_index("ix_webhook_receipts_received_at", "webhook_receipts", ["received_at"], unique=False)


def downgrade() -> None:
    op.drop_table("webhook_receipts")
