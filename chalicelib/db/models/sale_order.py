"""Agency bookings (what each night took from the allotment and from the pool) and their sale orders.

``agency_bookings`` links a booking group to the contract it was booked under; its nights say
how many rooms came from the allotment (picked up in ``allotment_nights``) and from the pool, at
which contract rate, so a cancellation gives back exactly what was picked up. ``sale_orders``
(and their lines) are what a confirmed agency booking owes, ready for invoicing.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chalicelib.db.base import Base, TimestampMixin
from chalicelib.db.models.booking import StrEnumText
from chalicelib.domain.sale_orders import AgencyBookingState, SaleOrderStatus


class AgencyBooking(TimestampMixin, Base):
    """A booking group taken by an agency under a contract."""

    __tablename__ = "agency_bookings"
    __table_args__ = (CheckConstraint("state IN ('active', 'returned')", name="state"),)

    booking_group_id: Mapped[int] = mapped_column(ForeignKey("booking_groups.id", ondelete="CASCADE"), primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("agency_contracts.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"), nullable=False, index=True)
    state: Mapped[AgencyBookingState] = mapped_column(
        StrEnumText(AgencyBookingState, 10), nullable=False, server_default="active"
    )


class AgencyBookingNight(Base):
    """One room type and night of an agency booking: rooms from the allotment, from the pool, the contract rate."""

    __tablename__ = "agency_booking_nights"
    __table_args__ = (
        CheckConstraint("from_allotment >= 0 AND from_pool >= 0", name="rooms_non_negative"),
        CheckConstraint("rate >= 0", name="rate_non_negative"),
    )

    booking_group_id: Mapped[int] = mapped_column(
        ForeignKey("agency_bookings.booking_group_id", ondelete="CASCADE"), primary_key=True
    )
    room_type_id: Mapped[int] = mapped_column(ForeignKey("room_types.id", ondelete="CASCADE"), primary_key=True)
    night: Mapped[date] = mapped_column(Date, primary_key=True)
    from_allotment: Mapped[int] = mapped_column(Integer, nullable=False)
    from_pool: Mapped[int] = mapped_column(Integer, nullable=False)
    rate: Mapped[Decimal] = mapped_column(Numeric(14, 3), nullable=False)


class SaleOrder(TimestampMixin, Base):
    """What a confirmed agency booking owes (see :mod:`chalicelib.domain.sale_orders`)."""

    __tablename__ = "sale_orders"
    __table_args__ = (
        CheckConstraint("status IN ('to_invoice', 'cancelled')", name="status"),
        CheckConstraint("total >= 0", name="total_non_negative"),
        UniqueConstraint("number", name="uq_sale_orders_number"),
        UniqueConstraint("booking_group_id", name="uq_sale_orders_booking_group_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(30), nullable=False)
    booking_group_id: Mapped[int] = mapped_column(ForeignKey("booking_groups.id", ondelete="RESTRICT"), nullable=False)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"), nullable=False, index=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("agency_contracts.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id", ondelete="RESTRICT"), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    total: Mapped[Decimal] = mapped_column(Numeric(14, 3), nullable=False)
    status: Mapped[SaleOrderStatus] = mapped_column(
        StrEnumText(SaleOrderStatus, 12), nullable=False, server_default="to_invoice"
    )
    confirmed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SaleOrderLineRow(Base):
    """One room type and night of a sale order at the contract's rate."""

    __tablename__ = "sale_order_lines"
    __table_args__ = (
        CheckConstraint("rooms >= 1", name="rooms_positive"),
        UniqueConstraint("sale_order_id", "room_type_id", "night", name="uq_sale_order_lines_sale_order_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sale_order_id: Mapped[int] = mapped_column(ForeignKey("sale_orders.id", ondelete="CASCADE"), nullable=False)
    room_type_id: Mapped[int] = mapped_column(ForeignKey("room_types.id", ondelete="RESTRICT"), nullable=False)
    night: Mapped[date] = mapped_column(Date, nullable=False)
    rooms: Mapped[int] = mapped_column(Integer, nullable=False)
    rate: Mapped[Decimal] = mapped_column(Numeric(14, 3), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 3), nullable=False)
