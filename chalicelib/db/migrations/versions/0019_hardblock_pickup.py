"""hardblock pick-up: rooms of a block taken by bookings, and the block a booking picked up from

``hardblock_nights.picked_up`` counts, of a night's ``rooms``, those taken by bookings (they are
``sold`` in the calendar, no longer ``blocked``). ``booking_groups.hardblock_id`` names the block
a booking consumed rooms of (NULL: the pool's).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from chalicelib.db.migrations.columns import create_indexes

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("hardblock_nights", sa.Column("picked_up", sa.Integer(), server_default="0", nullable=False))
    op.create_check_constraint(
        op.f("ck_hardblock_nights_picked_up_within_rooms"), "hardblock_nights", "picked_up >= 0 AND picked_up <= rooms"
    )
    op.add_column("booking_groups", sa.Column("hardblock_id", sa.Integer(), nullable=True))
    op.create_foreign_key(
        op.f("fk_booking_groups_hardblock_id_hardblocks"),
        "booking_groups",
        "hardblocks",
        ["hardblock_id"],
        ["id"],
        ondelete="RESTRICT",
    )
    create_indexes("booking_groups", "hardblock_id")


def downgrade() -> None:
    op.drop_index(op.f("ix_booking_groups_hardblock_id"), table_name="booking_groups")
    op.drop_constraint(op.f("fk_booking_groups_hardblock_id_hardblocks"), "booking_groups", type_="foreignkey")
    op.drop_column("booking_groups", "hardblock_id")
    op.drop_constraint(op.f("ck_hardblock_nights_picked_up_within_rooms"), "hardblock_nights", type_="check")
    op.drop_column("hardblock_nights", "picked_up")
