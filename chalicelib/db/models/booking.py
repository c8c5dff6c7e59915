"""Bookings: statuses and transitions (data), groups, lines, nights, timeline, OTA revisions, idempotency keys.

``booking_nights`` holds, per line and night, the rooms the line takes and how they count
(``effect``: hold / sell / none), so "the counters of ``inventory_days`` equal the sum over
active bookings" is one SQL query (``chalicelib.db.repositories.bookings.counter_mismatches``).

Columns that hold one of a fixed set of values are typed with the domain's ``StrEnum``
(:class:`StrEnumText`: VARCHAR in the database, with its CHECK where the schema has one; read
back as the enum member). Booking status *codes* are not such a set: statuses are data.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from chalicelib.db.base import Base, TimestampMixin
from chalicelib.db.base import StrEnumText as StrEnumText  # re-exported: the allotment models import it from here
from chalicelib.domain.bookings import AckState, ActorSource, BookingSource, EventKind, InventoryEffect
from chalicelib.domain.ota_booking import IngestOutcome
from chalicelib.domain.ota_reservation import ReservationAction

EFFECTS = "('hold', 'sell', 'none')"


class BookingStatus(TimestampMixin, Base):
    """A booking status: how it looks, how its nights count (``inventory_effect``), whether it ends the booking.

    ``is_system`` marks the statuses code relies on (pending, confirmed, cancelled): their code
    and effect are fixed and they cannot be deleted.
    """

    __tablename__ = "booking_statuses"
    __table_args__ = (CheckConstraint(f"inventory_effect IN {EFFECTS}", name="inventory_effect"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    label: Mapped[str] = mapped_column(String(80), nullable=False)
    colour: Mapped[str] = mapped_column(String(7), nullable=False)
    icon: Mapped[str] = mapped_column(String(40), nullable=False, server_default="")
    inventory_effect: Mapped[InventoryEffect] = mapped_column(StrEnumText(InventoryEffect, 10), nullable=False)
    is_terminal: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    is_system: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")


class BookingStatusTransition(TimestampMixin, Base):
    """An allowed status change and the permission (a ``Permission`` member name) it needs."""

    __tablename__ = "booking_status_transitions"
    __table_args__ = (
        UniqueConstraint("from_status_id", "to_status_id", name="uq_booking_status_transitions_from_to"),
        CheckConstraint("from_status_id <> to_status_id", name="not_to_itself"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    from_status_id: Mapped[int] = mapped_column(ForeignKey("booking_statuses.id", ondelete="CASCADE"), nullable=False)
    to_status_id: Mapped[int] = mapped_column(
        ForeignKey("booking_statuses.id", ondelete="CASCADE"), nullable=False, index=True
    )
    permission: Mapped[str] = mapped_column(String(60), nullable=False)


class BookingGroup(TimestampMixin, Base):
    """A booking as staff and guests know it: one public ``reference``, one or more lines.

    ``country_code`` is the property's, copied so every booking query is scoped without a join.
    ``check_in`` / ``check_out`` span the active lines (for date filters). ``channel`` is
    ``direct``, the partner's code, or the OTA's code; OTA bookings also carry
    (``ota_code``, ``ota_reservation_id``), unique: one group per OTA reservation.
    """

    __tablename__ = "booking_groups"
    __table_args__ = (
        CheckConstraint("source IN ('direct', 'partner', 'ota')", name="source"),
        CheckConstraint("total_amount >= 0", name="total_amount_non_negative"),
        CheckConstraint(
            "(source = 'ota') = (ota_code IS NOT NULL AND ota_reservation_id IS NOT NULL)", name="ota_identity"
        ),
        UniqueConstraint("ota_code", "ota_reservation_id", name="uq_booking_groups_ota_reservation"),
        Index("ix_booking_groups_stay", "check_in", "check_out"),
        Index("ix_booking_groups_created_at", "created_at"),
        Index("ix_booking_groups_booked_at", "booked_at"),
        Index("ix_booking_groups_cancelled_at", "cancelled_at", postgresql_where=text("cancelled_at IS NOT NULL")),
        Index(
            "ix_booking_groups_hold_expires_at", "hold_expires_at", postgresql_where=text("hold_expires_at IS NOT NULL")
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(20), nullable=False, unique=True)
    property_id: Mapped[int] = mapped_column(
        ForeignKey("properties.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"), nullable=False, index=True)
    source: Mapped[BookingSource] = mapped_column(StrEnumText(BookingSource, 10), nullable=False)
    channel: Mapped[str] = mapped_column(String(60), nullable=False)
    ota_code: Mapped[str | None] = mapped_column(String(20))
    ota_reservation_id: Mapped[str | None] = mapped_column(String(100))
    last_ota_revision: Mapped[str | None] = mapped_column(String(64))
    status_id: Mapped[int] = mapped_column(
        ForeignKey("booking_statuses.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    guest_name: Mapped[str] = mapped_column(String(200), nullable=False, server_default="")
    guest_email: Mapped[str] = mapped_column(String(254), nullable=False, server_default="")
    guest_phone: Mapped[str] = mapped_column(String(40), nullable=False, server_default="")
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    total_amount: Mapped[Decimal] = mapped_column(Numeric(14, 3), nullable=False, server_default="0")
    check_in: Mapped[date | None] = mapped_column(Date)
    check_out: Mapped[date | None] = mapped_column(Date)
    hold_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    booked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    notes: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    hardblock_id: Mapped[int | None] = mapped_column(ForeignKey("hardblocks.id", ondelete="RESTRICT"), index=True)
    """The block whose rooms the booking picked up (None: the pool's)."""


class BookingLine(TimestampMixin, Base):
    """``rooms`` rooms of one room type for one stay, within a group; its status decides how its nights count."""

    __tablename__ = "booking_lines"
    __table_args__ = (
        CheckConstraint("check_out > check_in", name="stay_in_order"),
        CheckConstraint("rooms >= 1", name="rooms_positive"),
        CheckConstraint("adults >= 0 AND children >= 0", name="guests_non_negative"),
        CheckConstraint("amount >= 0", name="amount_non_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("booking_groups.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    line_ref: Mapped[str | None] = mapped_column(String(100))
    room_type_id: Mapped[int] = mapped_column(
        ForeignKey("room_types.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    rate_plan_id: Mapped[int | None] = mapped_column(ForeignKey("rate_plans.id", ondelete="SET NULL"))
    check_in: Mapped[date] = mapped_column(Date, nullable=False)
    check_out: Mapped[date] = mapped_column(Date, nullable=False)
    rooms: Mapped[int] = mapped_column(Integer, nullable=False)
    adults: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="1")
    children: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="0")
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 3), nullable=False, server_default="0")
    guest_name: Mapped[str | None] = mapped_column(String(200))
    status_id: Mapped[int] = mapped_column(ForeignKey("booking_statuses.id", ondelete="RESTRICT"), nullable=False)


class BookingNight(Base):
    """One night of one line: the rooms it takes and how they count (hold / sell / none)."""

    __tablename__ = "booking_nights"
    __table_args__ = (
        CheckConstraint(f"effect IN {EFFECTS}", name="effect"),
        CheckConstraint("rooms >= 1", name="rooms_positive"),
        Index("ix_booking_nights_room_type_night", "room_type_id", "night"),
        Index("ix_booking_nights_sold_night", "night", postgresql_where=text("effect = 'sell'")),
    )

    line_id: Mapped[int] = mapped_column(ForeignKey("booking_lines.id", ondelete="CASCADE"), primary_key=True)
    night: Mapped[date] = mapped_column(Date, primary_key=True)
    room_type_id: Mapped[int] = mapped_column(Integer, nullable=False)
    rooms: Mapped[int] = mapped_column(Integer, nullable=False)
    effect: Mapped[InventoryEffect] = mapped_column(StrEnumText(InventoryEffect, 10), nullable=False)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))


class BookingEvent(Base):
    """The timeline: creation, status changes, modifications (``before``/``after``), OTA revisions; who and when."""

    __tablename__ = "booking_events"
    __table_args__ = (Index("ix_booking_events_group_id_id", "group_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("booking_groups.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[EventKind] = mapped_column(StrEnumText(EventKind, 30), nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(40))
    to_status: Mapped[str | None] = mapped_column(String(40))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    reason: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    source: Mapped[ActorSource] = mapped_column(StrEnumText(ActorSource, 20), nullable=False)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(254), nullable=False)
    ota_revision: Mapped[str | None] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class OtaReservationRevision(Base):
    """One revision of an OTA reservation as received, exactly once (unique per OTA, reservation, revision).

    ``outcome`` says what ingesting it did; ``ack_*`` is the acknowledgement to the OTA, which the
    sync engine sends after the commit and records here.
    """

    __tablename__ = "ota_reservation_revisions"
    __table_args__ = (
        UniqueConstraint("ota_code", "reservation_id", "revision", name="uq_ota_reservation_revisions_key"),
        CheckConstraint("action IN ('new', 'modify', 'cancel')", name="action"),
        CheckConstraint("outcome IN ('created', 'updated', 'cancelled', 'stale')", name="outcome"),
        CheckConstraint("ack_state IN ('pending', 'acknowledged', 'failed')", name="ack_state"),
        Index(
            "ix_ota_reservation_revisions_unacknowledged",
            "received_at",
            postgresql_where=text("ack_state <> 'acknowledged'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    ota_code: Mapped[str] = mapped_column(String(20), nullable=False)
    reservation_id: Mapped[str] = mapped_column(String(100), nullable=False)
    revision: Mapped[str] = mapped_column(String(64), nullable=False)
    action: Mapped[ReservationAction] = mapped_column(StrEnumText(ReservationAction, 10), nullable=False)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id", ondelete="CASCADE"), nullable=False)
    booking_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("booking_groups.id", ondelete="SET NULL"), index=True
    )
    outcome: Mapped[IngestOutcome] = mapped_column(StrEnumText(IngestOutcome, 12), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    ack_token: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    ack_state: Mapped[AckState] = mapped_column(
        StrEnumText(AckState, 12), nullable=False, server_default=AckState.PENDING.value
    )
    ack_attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ack_error: Mapped[str | None] = mapped_column(Text)


class IdempotencyKey(Base):
    """A client's Idempotency-Key: the request it came with (hash) and the answer it got.

    Written in the transaction of the request it protects, so a refused request leaves no key
    behind and may be retried; kept until ``expires_at`` (the housekeeping purges it then).
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_key"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    key: Mapped[str] = mapped_column(String(255), nullable=False)
    operation: Mapped[str] = mapped_column(String(60), nullable=False)
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    status_code: Mapped[int | None] = mapped_column(SmallInteger)
    response: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    resource_id: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)
