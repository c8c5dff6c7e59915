"""The inventory calendar: nights of room types, rate plans and their nightly rates, the ARI outbox.

The columns hold exactly what the domain dataclasses hold (``chalicelib.domain.inventory.InventoryCell``,
``chalicelib.domain.rates.RatePlan`` / ``SeasonalRule`` / ``RateCell``, ``chalicelib.domain.ari_changes.AriChange``).
Counters of ``inventory_days`` move only under the room type's advisory lock
(``chalicelib.db.locks.lock_room_types``).
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
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from chalicelib.db.base import Base, TimestampMixin

ADJUSTMENT_KINDS = ("percent", "fixed")


class InventoryDay(Base):
    """One room type on one night (an ``InventoryCell``); ``available`` is derived, never stored."""

    __tablename__ = "inventory_days"
    __table_args__ = (
        CheckConstraint("total >= 0", name="total_non_negative"),
        CheckConstraint("sold >= 0 AND held >= 0 AND blocked >= 0", name="counters_non_negative"),
        CheckConstraint("buffer >= 0", name="buffer_non_negative"),
        CheckConstraint(
            "min_los >= 1 AND min_stay_through >= 1 AND (max_los IS NULL OR max_los >= 1)", name="los_positive"
        ),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_inventory_days_night", "night"),  # the dashboard's sums over every room type
    )

    room_type_id: Mapped[int] = mapped_column(ForeignKey("room_types.id", ondelete="CASCADE"), primary_key=True)
    night: Mapped[date] = mapped_column(Date, primary_key=True)
    total: Mapped[int] = mapped_column(Integer, nullable=False)
    sold: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    held: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    blocked: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    buffer: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    manual_buffer: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    stop_sell: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    closed_to_arrival: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    closed_to_departure: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    min_los: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="1")
    min_stay_through: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="1")
    max_los: Mapped[int | None] = mapped_column(SmallInteger)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="1")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )


class RatePlan(TimestampMixin, Base):
    """A rate plan of a room type: a base plan (``base_rate``) or derived from ``parent_id``.

    ``currency`` is the property's, copied so a plan is priced on its own (and the property's
    currency cannot change under existing plans). ``channel`` names the channel a derived plan
    is made for (e.g. ``agoda``); NULL = any.
    """

    __tablename__ = "rate_plans"
    __table_args__ = (
        UniqueConstraint("room_type_id", "code", name="uq_rate_plans_room_type_code"),
        # The target of rate_days' composite foreign key: a rate day's room type is its plan's.
        UniqueConstraint("id", "room_type_id", name="uq_rate_plans_id_room_type"),
        CheckConstraint("derivation_kind IS NULL OR derivation_kind IN ('percent', 'fixed')", name="derivation_kind"),
        CheckConstraint(
            "(parent_id IS NULL AND derivation_kind IS NULL AND derivation_value IS NULL AND base_rate IS NOT NULL)"
            " OR (parent_id IS NOT NULL AND derivation_kind IS NOT NULL AND derivation_value IS NOT NULL)",
            name="base_or_derived",
        ),
        CheckConstraint("base_rate IS NULL OR base_rate >= 0", name="base_rate_non_negative"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    room_type_id: Mapped[int] = mapped_column(
        ForeignKey("room_types.id", ondelete="CASCADE"), nullable=False, index=True
    )
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    base_rate: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    # A parent with children cannot be deleted alone (NO ACTION, checked at the end of the statement,
    # so deleting a whole room type with its plans works): re-parent or delete the children first.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("rate_plans.id"), index=True)
    derivation_kind: Mapped[str | None] = mapped_column(String(10))
    derivation_value: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))  # percent or amount, signed
    channel: Mapped[str | None] = mapped_column(String(40))
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")


class RatePlanRule(TimestampMixin, Base):
    """A seasonal rule: from ``date_from`` to ``date_to`` (both nights inclusive) on ``weekdays``,
    the plan costs ``rate`` or is adjusted by (``adjustment_kind``, ``adjustment_value``).

    ``weekdays`` is a bitmask, bit ``d`` = ``date.weekday() == d`` (Monday = bit 0; 127 = every day).
    """

    __tablename__ = "rate_plan_rules"
    __table_args__ = (
        CheckConstraint("date_to >= date_from", name="dates_in_order"),
        CheckConstraint("weekdays BETWEEN 1 AND 127", name="weekdays_mask"),
        CheckConstraint("adjustment_kind IS NULL OR adjustment_kind IN ('percent', 'fixed')", name="adjustment_kind"),
        CheckConstraint(
            "(rate IS NOT NULL AND adjustment_kind IS NULL AND adjustment_value IS NULL)"
            " OR (rate IS NULL AND adjustment_kind IS NOT NULL AND adjustment_value IS NOT NULL)",
            name="rate_or_adjustment",
        ),
        CheckConstraint("rate IS NULL OR rate >= 0", name="rate_non_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rate_plan_id: Mapped[int] = mapped_column(
        ForeignKey("rate_plans.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(120), nullable=False, server_default="")
    date_from: Mapped[date] = mapped_column(Date, nullable=False)
    date_to: Mapped[date] = mapped_column(Date, nullable=False)
    weekdays: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="127")
    rate: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    adjustment_kind: Mapped[str | None] = mapped_column(String(10))
    adjustment_value: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    priority: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")


class RateDay(Base):
    """The resolved rate of one plan on one night (a ``RateCell``); ``manual`` = set by staff for that night."""

    __tablename__ = "rate_days"
    __table_args__ = (
        ForeignKeyConstraint(
            ["rate_plan_id", "room_type_id"],
            ["rate_plans.id", "rate_plans.room_type_id"],
            name="fk_rate_days_rate_plan_rate_plans",
            ondelete="CASCADE",
        ),
        CheckConstraint("amount >= 0", name="amount_non_negative"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    rate_plan_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    night: Mapped[date] = mapped_column(Date, primary_key=True)
    room_type_id: Mapped[int] = mapped_column(Integer, nullable=False)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 3), nullable=False)
    manual: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    version: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="1")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )


class AriChangeRecord(Base):
    """The ARI outbox: one row per ``AriChange`` (``payload`` = ``AriChange.to_payload()``).

    Written in the transaction of the calendar write; the sync engine (issue 7) reads a
    property's rows after the last id it handled. ``rate_plan_id`` NULL = a room type's night.
    No foreign keys to room types / plans: the outbox is a log and outlives what it describes.
    """

    __tablename__ = "ari_changes"
    __table_args__ = (
        Index("ix_ari_changes_property_id_id", "property_id", "id"),
        # the relay's work list: rows not yet handed to the ARI push queue (migration 0008)
        Index("ix_ari_changes_unrelayed", "property_id", "id", postgresql_where=text("relayed_at IS NULL")),
        # the push worker's "every unacknowledged version of these cells" (migration 0008)
        Index("ix_ari_changes_cell", "property_id", "room_type_id", "night"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id", ondelete="CASCADE"), nullable=False)
    room_type_id: Mapped[int] = mapped_column(Integer, nullable=False)
    rate_plan_id: Mapped[int | None] = mapped_column(Integer)
    night: Mapped[date] = mapped_column(Date, nullable=False)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    # set when the relay sent the row's cells to the ARI push queue (chalicelib.services.ari_relay)
    relayed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
