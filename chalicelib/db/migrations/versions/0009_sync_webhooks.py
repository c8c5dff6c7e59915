"""webhook receipts: the notifications OTAs pushed, kept a few days to drop repeats

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_receipts",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("ota_code", sa.String(length=20), nullable=False),
        sa.Column("notification_key", sa.String(length=128), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=True),
        sa.Column("property_id", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["ota_connections.id"],
            name=op.f("fk_webhook_receipts_connection_id_ota_connections"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_webhook_receipts_property_id_properties"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_receipts")),
        sa.UniqueConstraint("ota_code", "notification_key", name=op.f("uq_webhook_receipts_ota_key")),
    )
    op.create_index("ix_webhook_receipts_received_at", "webhook_receipts", ["received_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_webhook_receipts_received_at", table_name="webhook_receipts")
    op.drop_table("webhook_receipts")
