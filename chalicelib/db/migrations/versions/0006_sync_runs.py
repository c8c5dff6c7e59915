"""sync runs: one row per connection per pull or push

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from chalicelib.db.migrations.columns import foreign_key, id_column, primary_key, timestamp

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_runs",
        id_column(big=True),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("trigger", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=10), server_default="running", nullable=False),
        timestamp("started_at", default_now=True),
        timestamp("finished_at", nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("counts", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("errors", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        sa.Column("warnings", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        sa.Column("error_kind", sa.String(length=40), nullable=True),
        sa.Column("error_message", sa.String(length=2000), nullable=True),
        sa.Column("message_id", sa.String(length=100), nullable=True),
        sa.CheckConstraint("kind IN ('pull', 'push', 'full_push')", name=op.f("ck_sync_runs_kind")),
        sa.CheckConstraint("status IN ('running', 'ok', 'partial', 'failed')", name=op.f("ck_sync_runs_status")),
        sa.CheckConstraint(
            "trigger IN ('schedule', 'manual', 'webhook', 'outbox', 'nightly', 'retry')",
            name=op.f("ck_sync_runs_trigger"),
        ),
        foreign_key("sync_runs", "connection_id", "ota_connections.id", ondelete="CASCADE"),
        foreign_key("sync_runs", "property_id", "properties.id", ondelete="CASCADE"),
        primary_key("sync_runs"),
    )
    op.create_index("ix_sync_runs_connection_started", "sync_runs", ["connection_id", "started_at"], unique=False)
    op.create_index("ix_sync_runs_property_started", "sync_runs", ["property_id", "started_at"], unique=False)


def downgrade() -> None:
    op.drop_table("sync_runs")
