"""live connections: one-time WebSocket tickets and the open connections

A browser asks ``POST /live/ticket`` for a ticket (stored as its SHA-256, 60 s, single use) and
opens the WebSocket with it; the connect handler redeems it and records the connection with the
user's country scope, which the outbox relay reads to fan live events out.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from chalicelib.db.migrations.columns import timestamp

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "live_tickets",
        sa.Column("ticket_hash", sa.CHAR(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("countries", postgresql.ARRAY(sa.String(2))),
        timestamp("expires_at"),
        sa.Column("used_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_live_tickets_expires_at", "live_tickets", ["expires_at"])
    op.create_table(
        "live_connections",
        sa.Column("connection_id", sa.String(128), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("countries", postgresql.ARRAY(sa.String(2))),
        sa.Column("connected_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_live_connections_user_id", "live_connections", ["user_id"])


def downgrade() -> None:
    op.drop_table("live_connections")
    op.drop_table("live_tickets")
