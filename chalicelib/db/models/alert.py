"""Alerts for staff, and the transactional outbox of notifications."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from chalicelib.db.base import Base, StrEnumText, TimestampMixin
from chalicelib.domain.alerts import AlertSeverity, AlertStatus, AlertType

ALERT_TYPES = "('overbooking', 'sync_failure', 'unacknowledged_booking', 'stale_channel')"


class Alert(TimestampMixin, Base):
    """Something staff must act on (an overbooked night, later sync failures), with its root cause.

    At most one open alert (status other than ``resolved``) per ``dedupe_key``: a repeat of the
    condition updates it (``occurrences``, ``last_seen_at``, ``details``). ``country_code`` (the
    property's) scopes who sees it.
    """

    __tablename__ = "alerts"
    __table_args__ = (
        CheckConstraint(f"type IN {ALERT_TYPES}", name="type"),
        CheckConstraint("severity IN ('critical', 'warning', 'info')", name="severity"),
        CheckConstraint("status IN ('new', 'acknowledged', 'snoozed', 'resolved')", name="status"),
        CheckConstraint("status <> 'snoozed' OR snoozed_until IS NOT NULL", name="snoozed_until_set"),
        Index(
            "uq_alerts_open_dedupe_key",
            "dedupe_key",
            unique=True,
            postgresql_where=text("status <> 'resolved'"),
        ),
        Index("ix_alerts_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    type: Mapped[AlertType] = mapped_column(StrEnumText(AlertType, 40), nullable=False)
    severity: Mapped[AlertSeverity] = mapped_column(StrEnumText(AlertSeverity, 10), nullable=False)
    status: Mapped[AlertStatus] = mapped_column(StrEnumText(AlertStatus, 15), nullable=False, server_default="new")
    dedupe_key: Mapped[str] = mapped_column(String(200), nullable=False)
    property_id: Mapped[int | None] = mapped_column(ForeignKey("properties.id", ondelete="CASCADE"), index=True)
    country_code: Mapped[str | None] = mapped_column(ForeignKey("countries.code"), index=True)
    room_type_id: Mapped[int | None] = mapped_column(ForeignKey("room_types.id", ondelete="SET NULL"))
    night: Mapped[date | None] = mapped_column(Date)
    channel: Mapped[str | None] = mapped_column(String(60))
    booking_group_id: Mapped[int | None] = mapped_column(ForeignKey("booking_groups.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    occurrences: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    snoozed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolution_note: Mapped[str] = mapped_column(Text, nullable=False, server_default="")


class OutboxMessage(Base):
    """A notification to publish after the transaction that wrote it commits (``topic`` → a publisher).

    The invocation that committed relays its own rows at once; the housekeeping sweeper relays
    what a crash left (``published_at IS NULL``), retrying with backoff (``next_attempt_at``).
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index(
            "ix_outbox_messages_unpublished",
            "next_attempt_at",
            postgresql_where=text("published_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(60), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    next_attempt_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
