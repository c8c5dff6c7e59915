"""sync push: acknowledged ARI versions per connection, push state and lease, the outbox relay marker

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

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
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["ota_connections.id"],
            name=op.f("fk_ari_acknowledged_versions_connection_id_ota_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "connection_id", "room_type_id", "rate_plan_id", "night", name=op.f("pk_ari_acknowledged_versions")
        ),
    )
    op.create_table(
        "ari_push_states",
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("full_push_local_date", sa.Date(), nullable=True),
        sa.Column("full_push_enqueued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["ota_connections.id"],
            name=op.f("fk_ari_push_states_connection_id_ota_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("connection_id", name=op.f("pk_ari_push_states")),
    )
    op.add_column("ari_changes", sa.Column("relayed_at", sa.DateTime(timezone=True), nullable=True))
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
