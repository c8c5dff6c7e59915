"""B2B allotments: agencies, their versioned contracts (seasons, release steps), allotment events, per-night state.

``allotment_events`` is append-only (a trigger refuses UPDATE and DELETE). ``allotment_nights``
holds, per contract, room type and night, the rooms agency bookings picked up and the rooms the
contract currently withholds in ``inventory_days.blocked`` (so the calendar's ``blocked`` minus
the sum of ``withheld`` is what other blocks take).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Computed,
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
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from chalicelib.db.base import Base, TimestampMixin
from chalicelib.db.models.booking import StrEnumText
from chalicelib.domain.allotments import AgencyStatus, AllotmentEventKind, ContractMode, ContractStatus

_EVENT_KINDS = ", ".join(f"'{kind.value}'" for kind in AllotmentEventKind)

# Contract search (GET /contracts?q=): names weigh most, then the terms, then the notes. The
# 'simple' configuration (no stemming): contracts are written in English, Vietnamese, Indonesian, Malay.
CONTRACT_SEARCH_VECTOR = (
    "setweight(to_tsvector('simple'::regconfig, (name)::text), 'A'::\"char\") || "
    "setweight(to_tsvector('simple'::regconfig, conditions), 'B'::\"char\") || "
    "setweight(to_tsvector('simple'::regconfig, notes), 'C'::\"char\")"
)


class Agency(TimestampMixin, Base):
    """A travel agency (B2B partner) of one country, with contacts and credit terms."""

    __tablename__ = "agencies"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'suspended', 'closed')", name="status"),
        CheckConstraint(
            "credit_limit IS NULL OR (credit_limit >= 0 AND credit_currency IS NOT NULL)",
            name="credit_limit_with_currency",
        ),
        CheckConstraint("payment_terms_days BETWEEN 0 AND 365", name="payment_terms_days_in_range"),
        UniqueConstraint("code", name="uq_agencies_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"), nullable=False, index=True)
    contact_name: Mapped[str] = mapped_column(String(200), nullable=False, server_default="")
    email: Mapped[str] = mapped_column(String(254), nullable=False, server_default="")
    phone: Mapped[str] = mapped_column(String(40), nullable=False, server_default="")
    address: Mapped[str] = mapped_column(String(500), nullable=False, server_default="")
    status: Mapped[AgencyStatus] = mapped_column(StrEnumText(AgencyStatus, 10), nullable=False, server_default="active")
    credit_limit: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    credit_currency: Mapped[str | None] = mapped_column(String(3))
    payment_terms_days: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="30")
    notes: Mapped[str] = mapped_column(Text, nullable=False, server_default="")


class AgencyContract(TimestampMixin, Base):
    """An agency's contract for rooms of one property; ``country_code`` is the property's (scoping without a join)."""

    __tablename__ = "agency_contracts"
    __table_args__ = (
        CheckConstraint("mode IN ('allotment', 'free_sale')", name="mode"),
        CheckConstraint("status IN ('draft', 'active', 'suspended', 'ended')", name="status"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_agency_contracts_search_vector", "search_vector", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"), nullable=False, index=True)
    property_id: Mapped[int] = mapped_column(
        ForeignKey("properties.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    mode: Mapped[ContractMode] = mapped_column(StrEnumText(ContractMode, 10), nullable=False)
    status: Mapped[ContractStatus] = mapped_column(
        StrEnumText(ContractStatus, 10), nullable=False, server_default="draft"
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    notes: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    conditions: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    search_vector: Mapped[str] = mapped_column(TSVECTOR, Computed(CONTRACT_SEARCH_VECTOR, persisted=True))


class ContractSeason(Base):
    """``rooms`` rooms of a room type per night from ``date_from`` to ``date_to`` (inclusive) on ``weekdays`` (mask)."""

    __tablename__ = "contract_seasons"
    __table_args__ = (
        CheckConstraint("date_to >= date_from", name="dates_in_order"),
        CheckConstraint("weekdays BETWEEN 1 AND 127", name="weekdays_mask"),
        CheckConstraint("rooms >= 0", name="rooms_non_negative"),
        CheckConstraint("rate >= 0", name="rate_non_negative"),
        CheckConstraint("min_stay >= 1", name="min_stay_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("agency_contracts.id", ondelete="CASCADE"), nullable=False, index=True
    )
    room_type_id: Mapped[int] = mapped_column(ForeignKey("room_types.id", ondelete="RESTRICT"), nullable=False)
    date_from: Mapped[date] = mapped_column(Date, nullable=False)
    date_to: Mapped[date] = mapped_column(Date, nullable=False)
    weekdays: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="127")
    rooms: Mapped[int] = mapped_column(Integer, nullable=False)
    rate: Mapped[Decimal] = mapped_column(Numeric(14, 3), nullable=False)
    min_stay: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="1")


class ContractReleaseStep(Base):
    """From ``days_before`` days before a night on, the agency keeps at most ``rooms_kept`` unsold rooms."""

    __tablename__ = "contract_release_steps"
    __table_args__ = (
        CheckConstraint("days_before BETWEEN 0 AND 365", name="days_in_range"),
        CheckConstraint("rooms_kept >= 0", name="rooms_kept_non_negative"),
        UniqueConstraint("contract_id", "days_before", name="uq_contract_release_steps_contract_days"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("agency_contracts.id", ondelete="CASCADE"), nullable=False)
    days_before: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    rooms_kept: Mapped[int] = mapped_column(Integer, nullable=False)


class ContractVersion(Base):
    """The full contract (terms, seasons, release steps) as it was at ``version``."""

    __tablename__ = "contract_versions"

    contract_id: Mapped[int] = mapped_column(ForeignKey("agency_contracts.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class AllotmentEventRecord(Base):
    """One append-only allotment event; ``payload`` holds its scope and values (room type, nights, rooms, rate)."""

    __tablename__ = "allotment_events"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_EVENT_KINDS})", name="kind"),
        CheckConstraint("sequence >= 0", name="sequence_non_negative"),
        Index("ix_allotment_events_contract_effective", "contract_id", "effective_at", "sequence"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("agency_contracts.id", ondelete="RESTRICT"), nullable=False)
    kind: Mapped[AllotmentEventKind] = mapped_column(StrEnumText(AllotmentEventKind, 20), nullable=False)
    effective_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    sequence: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class AllotmentNightState(Base):
    """Per contract, room type and night: rooms picked up by agency bookings, rooms withheld in the calendar."""

    __tablename__ = "allotment_nights"
    __table_args__ = (
        CheckConstraint("picked_up >= 0 AND withheld >= 0", name="counters_non_negative"),
        Index("ix_allotment_nights_room_type_night", "room_type_id", "night"),
    )

    contract_id: Mapped[int] = mapped_column(ForeignKey("agency_contracts.id", ondelete="CASCADE"), primary_key=True)
    room_type_id: Mapped[int] = mapped_column(ForeignKey("room_types.id", ondelete="CASCADE"), primary_key=True)
    night: Mapped[date] = mapped_column(Date, primary_key=True)
    picked_up: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    withheld: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
