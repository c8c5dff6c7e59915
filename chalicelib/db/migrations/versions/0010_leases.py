"""leases: one table for every lease (a property's pull, a connection's ARI push)

Replaces ``sync_leases`` and the lease columns of ``ari_push_states``. Leases live for seconds,
so none is carried over: a worker mid-call during the deploy finishes under the old code, and the
next job takes the new lease.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from chalicelib.db.migrations.columns import foreign_key, primary_key, timestamp

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("resource", sa.String(length=100), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=False),
        timestamp("acquired_at"),
        timestamp("expires_at"),
        sa.Column("rerun_requested", sa.Boolean(), server_default="false", nullable=False),
        primary_key("leases", "resource"),
    )
    op.drop_table("sync_leases")
    op.drop_column("ari_push_states", "lease_owner")
    op.drop_column("ari_push_states", "lease_expires_at")


def downgrade() -> None:
    op.add_column("ari_push_states", timestamp("lease_expires_at", nullable=True))
    op.add_column("ari_push_states", sa.Column("lease_owner", sa.String(length=100), nullable=True))
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
    op.drop_table("leases")
