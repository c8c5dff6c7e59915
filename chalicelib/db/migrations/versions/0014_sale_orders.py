"""sale orders: agency bookings (what each night took from the allotment and the pool) and their sale orders

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from chalicelib.db.migrations.columns import create_indexes, foreign_key, id_column, primary_key, timestamp, timestamps

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _money(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.Numeric(precision=14, scale=3), nullable=False)


def upgrade() -> None:
    op.create_table(
        "agency_bookings",
        sa.Column("booking_group_id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), server_default="active", nullable=False),
        *timestamps(),
        sa.CheckConstraint("state IN ('active', 'returned')", name=op.f("ck_agency_bookings_state")),
        foreign_key("agency_bookings", "agency_id", "agencies.id", ondelete="RESTRICT"),
        foreign_key("agency_bookings", "booking_group_id", "booking_groups.id", ondelete="CASCADE"),
        foreign_key("agency_bookings", "contract_id", "agency_contracts.id", ondelete="RESTRICT"),
        primary_key("agency_bookings", "booking_group_id"),
    )
    create_indexes("agency_bookings", "agency_id", "contract_id")

    op.create_table(
        "agency_booking_nights",
        sa.Column("booking_group_id", sa.Integer(), nullable=False),
        sa.Column("room_type_id", sa.Integer(), nullable=False),
        sa.Column("night", sa.Date(), nullable=False),
        sa.Column("from_allotment", sa.Integer(), nullable=False),
        sa.Column("from_pool", sa.Integer(), nullable=False),
        _money("rate"),
        sa.CheckConstraint(
            "from_allotment >= 0 AND from_pool >= 0", name=op.f("ck_agency_booking_nights_rooms_non_negative")
        ),
        sa.CheckConstraint("rate >= 0", name=op.f("ck_agency_booking_nights_rate_non_negative")),
        foreign_key(
            "agency_booking_nights", "booking_group_id", "agency_bookings.booking_group_id", ondelete="CASCADE"
        ),
        foreign_key("agency_booking_nights", "room_type_id", "room_types.id", ondelete="CASCADE"),
        primary_key("agency_booking_nights", "booking_group_id", "room_type_id", "night"),
    )

    op.create_table(
        "sale_orders",
        id_column(),
        sa.Column("number", sa.String(length=30), nullable=False),
        sa.Column("booking_group_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        _money("total"),
        sa.Column("status", sa.String(length=12), server_default="to_invoice", nullable=False),
        timestamp("confirmed_at"),
        timestamp("cancelled_at", nullable=True),
        *timestamps(),
        sa.CheckConstraint("status IN ('to_invoice', 'cancelled')", name=op.f("ck_sale_orders_status")),
        sa.CheckConstraint("total >= 0", name=op.f("ck_sale_orders_total_non_negative")),
        foreign_key("sale_orders", "agency_id", "agencies.id", ondelete="RESTRICT"),
        foreign_key("sale_orders", "booking_group_id", "booking_groups.id", ondelete="RESTRICT"),
        foreign_key("sale_orders", "contract_id", "agency_contracts.id", ondelete="RESTRICT"),
        foreign_key("sale_orders", "property_id", "properties.id", ondelete="RESTRICT"),
        primary_key("sale_orders"),
        sa.UniqueConstraint("booking_group_id", name="uq_sale_orders_booking_group_id"),
        sa.UniqueConstraint("number", name="uq_sale_orders_number"),
    )
    create_indexes("sale_orders", "agency_id", "contract_id")

    op.create_table(
        "sale_order_lines",
        id_column(),
        sa.Column("sale_order_id", sa.Integer(), nullable=False),
        sa.Column("room_type_id", sa.Integer(), nullable=False),
        sa.Column("night", sa.Date(), nullable=False),
        sa.Column("rooms", sa.Integer(), nullable=False),
        _money("rate"),
        _money("amount"),
        sa.CheckConstraint("rooms >= 1", name=op.f("ck_sale_order_lines_rooms_positive")),
        foreign_key("sale_order_lines", "room_type_id", "room_types.id", ondelete="RESTRICT"),
        foreign_key("sale_order_lines", "sale_order_id", "sale_orders.id", ondelete="CASCADE"),
        primary_key("sale_order_lines"),
        sa.UniqueConstraint("sale_order_id", "room_type_id", "night", name="uq_sale_order_lines_sale_order_id"),
    )


def downgrade() -> None:
    op.drop_table("sale_order_lines")
    op.drop_index(op.f("ix_sale_orders_contract_id"), table_name="sale_orders")
    op.drop_index(op.f("ix_sale_orders_agency_id"), table_name="sale_orders")
    op.drop_table("sale_orders")
    op.drop_table("agency_booking_nights")
    op.drop_index(op.f("ix_agency_bookings_contract_id"), table_name="agency_bookings")
    op.drop_index(op.f("ix_agency_bookings_agency_id"), table_name="agency_bookings")
    op.drop_table("agency_bookings")
