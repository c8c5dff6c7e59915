"""hardblock release: a block may release each night a given number of days before it (rolling)

``hardblocks.release_days_before`` (NULL: every room not picked up goes back at the cut-off date)
releases each night's rooms not picked up that many days before the night, in the property's
local time. ``ix_hardblocks_status_cut_off_date`` serves the housekeeping run that finds the
blocks due.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("hardblocks", sa.Column("release_days_before", sa.Integer(), nullable=True))
    op.create_check_constraint(
        op.f("ck_hardblocks_release_days_before_range"),
        "hardblocks",
        "release_days_before IS NULL OR (release_days_before >= 0 AND release_days_before <= 365)",
    )
    op.create_index("ix_hardblocks_status_cut_off_date", "hardblocks", ["status", "cut_off_date"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_hardblocks_status_cut_off_date", table_name="hardblocks")
    op.drop_constraint(op.f("ck_hardblocks_release_days_before_range"), "hardblocks", type_="check")
    op.drop_column("hardblocks", "release_days_before")
