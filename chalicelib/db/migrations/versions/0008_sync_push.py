"""sync push: acknowledged ARI versions per connection, push state and lease, the outbox relay marker

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from chalicelib.db.migrations.columns import foreign_key, primary_key, timestamp

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ari_acknowledged_versions",
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("room_type_id", sa.Integer(), nullable=False),
        sa.Column("rate_plan_id", sa.Integer(), nullable=False),
        sa.Column("night", sa.Date(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        foreign_key("ari_acknowledged_versions", "connection_id", "ota_connections.id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint(
            "connection_id", "room_type_id", "rate_plan_id", "night", name=op.f("pk_ari_acknowledged_versions")
        ),
    )
    op.create_table(
        "ari_push_states",
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("full_push_local_date", sa.Date(), nullable=True),
        timestamp("full_push_enqueued_at", nullable=True),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        timestamp("lease_expires_at", nullable=True),
        foreign_key("ari_push_states", "connection_id", "ota_connections.id", ondelete="CASCADE"),
        primary_key("ari_push_states", "connection_id"),
    )
    op.add_column("ari_changes", timestamp("relayed_at", nullable=True))
    op.create_index(
        "ix_ari_changes_unrelayed",
        "ari_changes",
        ["property_id", "id"],
        unique=False,
        postgresql_where=sa.text("relayed_at IS NULL"),
    )
    op.create_index("ix_ari_changes_cell", "ari_changes", ["property_id", "room_type_id", "night"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_ari_changes_cell", table_name="ari_changes")
    op.drop_index("ix_ari_changes_unrelayed", table_name="ari_changes")
    op.drop_column("ari_changes", "relayed_at")
    op.drop_table("ari_push_states")
    op.drop_table("ari_acknowledged_versions")
