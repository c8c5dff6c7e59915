"""OTA accounts (with their sealed credentials), property connections, mappings and proposals.

An account holds credentials only as the vault's envelope (``chalicelib.aws.credential_vault``):
the KMS key that wrapped the data key, the encrypted data key, the nonce and the AES-GCM
ciphertext, bound to the row's id. ``credentials_mask`` is the non-secret view shown to staff.

A connection links one property to one account under the OTA's hotel id; it is country-scoped
through its property. Rate plan mappings reference their room type mapping with a composite
foreign key, so a rate plan is only ever mapped under the OTA room its room type is mapped to
(and follows it when that OTA room id changes, or goes when the room mapping goes).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Double,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from chalicelib.db.base import Base, StrEnumText, TimestampMixin
from chalicelib.domain.ota_accounts import AccountStatus, ConnectionHealth
from chalicelib.domain.ota_mappings import ProposalKind, ProposalStatus

OTA_CODES_SQL = "'booking_com', 'expedia', 'agoda', 'traveloka'"


class OtaAccount(TimestampMixin, Base):
    __tablename__ = "ota_accounts"
    __table_args__ = (
        UniqueConstraint("country_code", "ota_code", "name", name="uq_ota_accounts_country_ota_name"),
        CheckConstraint(f"ota_code IN ({OTA_CODES_SQL})", name="ota_code"),
        CheckConstraint("status IN ('active', 'disabled')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ota_code: Mapped[str] = mapped_column(String(20), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"), nullable=False, index=True)
    # NULL: the OTA's production endpoint (chalicelib.ota.factory.DEFAULT_BASE_URLS).
    base_url: Mapped[str | None] = mapped_column(String(500))
    credentials_key_id: Mapped[str] = mapped_column(String(256), nullable=False)
    credentials_encrypted_data_key: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    credentials_nonce: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    credentials_ciphertext: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    credentials_mask: Mapped[dict[str, str]] = mapped_column(JSONB, nullable=False)
    status: Mapped[AccountStatus] = mapped_column(
        StrEnumText(AccountStatus, 20), nullable=False, server_default="active"
    )
    last_test_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_test_ok: Mapped[bool | None] = mapped_column(Boolean)
    last_test_message: Mapped[str | None] = mapped_column(String(1000))


class OtaConnection(TimestampMixin, Base):
    __tablename__ = "ota_connections"
    __table_args__ = (
        UniqueConstraint("ota_account_id", "ota_hotel_id", name="uq_ota_connections_account_hotel"),
        UniqueConstraint("property_id", "ota_account_id", name="uq_ota_connections_property_account"),
        CheckConstraint(
            "poll_interval_seconds IS NULL OR poll_interval_seconds BETWEEN 20 AND 3600", name="poll_interval"
        ),
        CheckConstraint("health IN ('ok', 'degraded', 'failing')", name="health"),
        CheckConstraint("consecutive_failures >= 0", name="consecutive_failures_non_negative"),
        Index("ix_ota_connections_next_poll_at", "next_poll_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    property_id: Mapped[int] = mapped_column(
        ForeignKey("properties.id", ondelete="CASCADE"), nullable=False, index=True
    )
    # An account with connections cannot be deleted: disconnect its properties first.
    ota_account_id: Mapped[int] = mapped_column(
        ForeignKey("ota_accounts.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    ota_hotel_id: Mapped[str] = mapped_column(String(64), nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")
    # NULL: the global sync_poll_interval_seconds setting.
    poll_interval_seconds: Mapped[int | None] = mapped_column(Integer)
    last_poll_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # NULL while inactive; the dispatcher picks active connections whose time has come.
    next_poll_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    health: Mapped[ConnectionHealth] = mapped_column(
        StrEnumText(ConnectionHealth, 10), nullable=False, server_default="ok"
    )
    consecutive_failures: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    last_error: Mapped[str | None] = mapped_column(String(2000))
    last_error_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Successful pulls that brought nothing (no sync_runs row is written for them).
    empty_polls: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    # The time after the last pull a dispatch scheduled: a pull never moves next_poll_at before it.
    scheduled_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RoomTypeMapping(TimestampMixin, Base):
    __tablename__ = "room_type_mappings"
    __table_args__ = (
        UniqueConstraint("connection_id", "room_type_id", name="uq_room_type_mappings_connection_room_type"),
        UniqueConstraint("connection_id", "ota_room_id", name="uq_room_type_mappings_connection_ota_room"),
        # The target of rate_plan_mappings' composite foreign key.
        UniqueConstraint(
            "connection_id", "room_type_id", "ota_room_id", name="uq_room_type_mappings_connection_room_type_ota_room"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("ota_connections.id", ondelete="CASCADE"), nullable=False)
    room_type_id: Mapped[int] = mapped_column(
        ForeignKey("room_types.id", ondelete="CASCADE"), nullable=False, index=True
    )
    ota_room_id: Mapped[str] = mapped_column(String(64), nullable=False)


class RatePlanMapping(TimestampMixin, Base):
    __tablename__ = "rate_plan_mappings"
    __table_args__ = (
        UniqueConstraint("connection_id", "rate_plan_id", name="uq_rate_plan_mappings_connection_rate_plan"),
        UniqueConstraint(
            "connection_id", "ota_room_id", "ota_rate_plan_id", name="uq_rate_plan_mappings_connection_ota_rate"
        ),
        # The plan's room type is the one stored here ...
        ForeignKeyConstraint(
            ["rate_plan_id", "room_type_id"],
            ["rate_plans.id", "rate_plans.room_type_id"],
            name="fk_rate_plan_mappings_rate_plan_rate_plans",
            ondelete="CASCADE",
        ),
        # ... and that room type is mapped on this connection to this OTA room.
        ForeignKeyConstraint(
            ["connection_id", "room_type_id", "ota_room_id"],
            ["room_type_mappings.connection_id", "room_type_mappings.room_type_id", "room_type_mappings.ota_room_id"],
            name="fk_rate_plan_mappings_room_type_mapping",
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("ota_connections.id", ondelete="CASCADE"), nullable=False)
    room_type_id: Mapped[int] = mapped_column(Integer, nullable=False)
    rate_plan_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    ota_room_id: Mapped[str] = mapped_column(String(64), nullable=False)
    ota_rate_plan_id: Mapped[str] = mapped_column(String(64), nullable=False)


class MappingProposal(TimestampMixin, Base):
    """A mapping proposed from discovery, waiting for staff (``proposed``) or decided."""

    __tablename__ = "mapping_proposals"
    __table_args__ = (
        CheckConstraint("kind IN ('room_type', 'rate_plan')", name="kind"),
        CheckConstraint("status IN ('proposed', 'accepted', 'rejected')", name="status"),
        CheckConstraint(
            "(kind = 'room_type' AND ota_rate_plan_id IS NULL AND rate_plan_id IS NULL)"
            " OR (kind = 'rate_plan' AND ota_rate_plan_id IS NOT NULL)",
            name="kind_fields",
        ),
        # One proposal per OTA item and connection; a re-import refreshes it.
        Index(
            "uq_mapping_proposals_room",
            "connection_id",
            "ota_room_id",
            unique=True,
            postgresql_where=text("kind = 'room_type'"),
        ),
        Index(
            "uq_mapping_proposals_rate",
            "connection_id",
            "ota_room_id",
            "ota_rate_plan_id",
            unique=True,
            postgresql_where=text("kind = 'rate_plan'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    connection_id: Mapped[int] = mapped_column(
        ForeignKey("ota_connections.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[ProposalKind] = mapped_column(StrEnumText(ProposalKind, 20), nullable=False)
    ota_room_id: Mapped[str] = mapped_column(String(64), nullable=False)
    ota_room_name: Mapped[str] = mapped_column(String(200), nullable=False, server_default="")
    ota_rate_plan_id: Mapped[str | None] = mapped_column(String(64))
    ota_rate_plan_name: Mapped[str | None] = mapped_column(String(200))
    # The suggestion (then, once accepted, what was mapped); NULL: nothing of ours matched.
    room_type_id: Mapped[int | None] = mapped_column(ForeignKey("room_types.id", ondelete="SET NULL"))
    rate_plan_id: Mapped[int | None] = mapped_column(ForeignKey("rate_plans.id", ondelete="SET NULL"))
    match_reason: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[ProposalStatus] = mapped_column(
        StrEnumText(ProposalStatus, 20), nullable=False, server_default="proposed"
    )
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class OtaAccountBudget(Base):
    """An OTA account's shared request budget (``chalicelib.domain.ota_pacing``): one row per
    account, taken with one atomic upsert before every request any worker makes to the account.

    ``next_slot_at``: the earliest start of the next request; ``blocked_until``: a 429's
    ``Retry-After`` (the whole account waits); ``slowdown``: the spacing's factor after 429s; the
    counters are what the budget did (granted slots, refused waits, 429s received), for the bench
    and the operators.
    """

    __tablename__ = "ota_account_budgets"

    ota_account_id: Mapped[int] = mapped_column(ForeignKey("ota_accounts.id", ondelete="CASCADE"), primary_key=True)
    next_slot_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_start_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    slowdown: Mapped[float] = mapped_column(Double, nullable=False, server_default="1")
    granted: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    refused: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    rate_limited: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
