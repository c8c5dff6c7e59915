"""dashboard indexes: what the home page's sums read by date

``GET /dashboard/summary`` adds up a window of nights over every hotel of a country or all of
them: the calendar and the sold booking nights by night, the bookings by the time they were made
or cancelled. Without these, each of those reads scans its whole table.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_inventory_days_night", "inventory_days", ["night"])
    op.create_index(
        "ix_booking_nights_sold_night", "booking_nights", ["night"], postgresql_where=sa.text("effect = 'sell'")
    )
    op.create_index("ix_booking_groups_booked_at", "booking_groups", ["booked_at"])
    op.create_index(
        "ix_booking_groups_cancelled_at",
        "booking_groups",
        ["cancelled_at"],
        postgresql_where=sa.text("cancelled_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_booking_groups_cancelled_at", table_name="booking_groups")
    op.drop_index("ix_booking_groups_booked_at", table_name="booking_groups")
    op.drop_index("ix_booking_nights_sold_night", table_name="booking_nights")
    op.drop_index("ix_inventory_days_night", table_name="inventory_days")
