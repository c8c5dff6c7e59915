"""empty polls: a counter per connection instead of a sync_runs row per poll that brought nothing,
and the end of the pulls a dispatch scheduled (sub-minute polling)

``empty_polls`` counts successful pulls that brought nothing (the worker writes no ``sync_runs``
row for them). ``scheduled_until`` is when the last pull the dispatcher scheduled for the
connection is followed by the next one: a pull finishing before then never moves
``next_poll_at`` earlier, so a second dispatcher cannot schedule the same pulls again.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from chalicelib.db.migrations.columns import timestamp

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("ota_connections", sa.Column("empty_polls", sa.BigInteger, nullable=False, server_default="0"))
    op.add_column("ota_connections", timestamp("scheduled_until", nullable=True))


def downgrade() -> None:
    op.drop_column("ota_connections", "scheduled_until")
    op.drop_column("ota_connections", "empty_polls")
