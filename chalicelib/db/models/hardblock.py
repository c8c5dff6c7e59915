"""Hardblocks: guaranteed room blocks of a property for an agency or a group, per night, versioned.

``hardblock_nights`` holds per block, room type and night the rooms held and their rate, and the
rooms released so far; a definite active block withholds its rooms in ``inventory_days.blocked``
(see :mod:`chalicelib.domain.hardblocks`). ``hardblock_versions`` keeps the whole block per version.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from chalicelib.db.base import Base, TimestampMixin
from chalicelib.db.models.booking import StrEnumText
from chalicelib.domain.hardblocks import BlockGuarantee, BlockStatus


class Hardblock(TimestampMixin, Base):
    """A block of rooms of one property; ``country_code`` is the property's (scoping without a join)."""

    __tablename__ = "hardblocks"
    __table_args__ = (
        CheckConstraint("guarantee IN ('definite', 'tentative')", name="guarantee"),
        CheckConstraint("status IN ('active', 'released', 'cancelled')", name="status"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("agency_id IS NOT NULL OR group_name <> ''", name="agency_or_group"),
        CheckConstraint(
            "release_days_before IS NULL OR (release_days_before >= 0 AND release_days_before <= 365)",
            name="release_days_before_range",
        ),
        Index("ix_hardblocks_status_cut_off_date", "status", "cut_off_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    property_id: Mapped[int] = mapped_column(
        ForeignKey("properties.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"), nullable=False, index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"), index=True)
    group_name: Mapped[str] = mapped_column(String(200), nullable=False, server_default="")
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    guarantee: Mapped[BlockGuarantee] = mapped_column(StrEnumText(BlockGuarantee, 10), nullable=False)
    status: Mapped[BlockStatus] = mapped_column(StrEnumText(BlockStatus, 10), nullable=False, server_default="active")
    cut_off_date: Mapped[date] = mapped_column(Date, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    notes: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    # NULL: every room not picked up goes back at the cut-off; N: each night's, N days before it
    release_days_before: Mapped[int | None] = mapped_column(Integer)


class HardblockNight(Base):
    """Rooms of a room type held on a night (at ``rate``), the rooms released from the block there and,
    of ``rooms``, those picked up by bookings (``booking_groups.hardblock_id``)."""

    __tablename__ = "hardblock_nights"
    __table_args__ = (
        CheckConstraint("rooms >= 0 AND released >= 0", name="rooms_non_negative"),
        CheckConstraint("rate >= 0", name="rate_non_negative"),
        CheckConstraint("picked_up >= 0 AND picked_up <= rooms", name="picked_up_within_rooms"),
        Index("ix_hardblock_nights_room_type_night", "room_type_id", "night"),
    )

    block_id: Mapped[int] = mapped_column(ForeignKey("hardblocks.id", ondelete="CASCADE"), primary_key=True)
    room_type_id: Mapped[int] = mapped_column(ForeignKey("room_types.id", ondelete="RESTRICT"), primary_key=True)
    night: Mapped[date] = mapped_column(Date, primary_key=True)
    rooms: Mapped[int] = mapped_column(Integer, nullable=False)
    rate: Mapped[Decimal] = mapped_column(Numeric(14, 3), nullable=False)
    released: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    picked_up: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")


class HardblockVersion(Base):
    """The whole block (guarantee, status, nights) as it was at ``version``."""

    __tablename__ = "hardblock_versions"

    block_id: Mapped[int] = mapped_column(ForeignKey("hardblocks.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
