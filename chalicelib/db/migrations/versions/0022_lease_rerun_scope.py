"""leases: the connections a rerun is for

A job that finds a property's lease held asks the holder for one more pass
(``rerun_requested``). ``rerun_connection_ids`` says which connections that pass must pull: the
union of what the jobs that handed over asked for (a webhook names the connection that notified,
a scheduled pull the connections due); NULL with ``rerun_requested``: every connection. Before,
every rerun pulled every connection of the property.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("leases", sa.Column("rerun_connection_ids", postgresql.ARRAY(sa.Integer()), nullable=True))


def downgrade() -> None:
    op.drop_column("leases", "rerun_connection_ids")
