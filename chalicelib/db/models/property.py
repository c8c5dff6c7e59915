from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chalicelib.db.base import Base, StrEnumText, TimestampMixin
from chalicelib.domain.catalog import PropertyStatus

PROPERTY_STATUSES = tuple(status.value for status in PropertyStatus)
"""``inactive``: temporarily not selling, still listed and kept up to date. ``archived``: the
soft delete — hidden from lists unless asked for, no calendar extension, no writes but restore."""


class Property(TimestampMixin, Base):
    """A hotel."""

    __tablename__ = "properties"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'inactive', 'archived')", name="status"),
        CheckConstraint("buffer_rooms IS NULL OR buffer_rooms >= 0", name="buffer_rooms_non_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"), nullable=False, index=True)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False)  # IANA name
    currency: Mapped[str] = mapped_column(String(3), nullable=False)  # ISO 4217
    address: Mapped[str] = mapped_column(String(500), nullable=False, server_default="")  # street and number
    city: Mapped[str] = mapped_column(String(120), nullable=False, server_default="")
    region: Mapped[str] = mapped_column(String(120), nullable=False, server_default="")  # province / state
    postal_code: Mapped[str] = mapped_column(String(20), nullable=False, server_default="")
    status: Mapped[PropertyStatus] = mapped_column(
        StrEnumText(PropertyStatus, 20), nullable=False, server_default="active"
    )
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Rooms kept back from sale on every night; NULL = the global setting (a room type may override).
    buffer_rooms: Mapped[int | None] = mapped_column(Integer)


class RoomType(TimestampMixin, Base):
    """A kind of room at a property; its id is also the advisory-lock key of its inventory."""

    __tablename__ = "room_types"
    __table_args__ = (
        UniqueConstraint("property_id", "code", name="uq_room_types_property_code"),
        CheckConstraint("total_rooms >= 0", name="total_rooms_non_negative"),
        CheckConstraint("max_occupancy >= 1", name="max_occupancy_positive"),
        CheckConstraint("base_rate >= 0", name="base_rate_non_negative"),
        CheckConstraint("buffer_rooms IS NULL OR buffer_rooms >= 0", name="buffer_rooms_non_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    property_id: Mapped[int] = mapped_column(
        ForeignKey("properties.id", ondelete="CASCADE"), nullable=False, index=True
    )
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    total_rooms: Mapped[int] = mapped_column(Integer, nullable=False)
    max_occupancy: Mapped[int] = mapped_column(Integer, nullable=False, server_default="2")
    base_rate: Mapped[Decimal] = mapped_column(Numeric(14, 3), nullable=False, server_default="0")
    # Overrides the property's buffer (and the global one); NULL = inherit.
    buffer_rooms: Mapped[int | None] = mapped_column(Integer)
    # Inactive room types keep their calendar and history but are not extended or sold.
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")
