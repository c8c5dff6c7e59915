"""The record of every sync run: one row per connection per pull or push.

The dispatcher, the property sync worker (pulls), the ARI push worker and the nightly full
resync each write one row when they finish with a connection, so the sync status API can say
when a channel last worked, how often it fails, and what it did.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from chalicelib.db.base import Base, StrEnumText
from chalicelib.domain.sync_runs import SyncRunKind, SyncRunStatus, SyncRunTrigger


def _sql_list(values: Iterable[str]) -> str:
    return ", ".join(f"'{value}'" for value in values)


class SyncRun(Base):
    __tablename__ = "sync_runs"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_sql_list(SyncRunKind)})", name="kind"),
        CheckConstraint(f"trigger IN ({_sql_list(SyncRunTrigger)})", name="trigger"),
        CheckConstraint(f"status IN ({_sql_list(SyncRunStatus)})", name="status"),
        Index("ix_sync_runs_connection_started", "connection_id", "started_at"),
        Index("ix_sync_runs_property_started", "property_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("ota_connections.id", ondelete="CASCADE"), nullable=False)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[SyncRunKind] = mapped_column(StrEnumText(SyncRunKind, 12), nullable=False)
    trigger: Mapped[SyncRunTrigger] = mapped_column(StrEnumText(SyncRunTrigger, 12), nullable=False)
    status: Mapped[SyncRunStatus] = mapped_column(
        StrEnumText(SyncRunStatus, 10), nullable=False, server_default="running"
    )
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    # pulled, created, modified, cancelled, duplicates, stale, acknowledged, item_errors,
    # messages_sent, cells_pushed, ... — whatever the run kind counts.
    counts: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")
    # [{"kind", "message", "code", "field", "item_id"}]: item errors and OTA warnings, capped.
    errors: Mapped[list[Any]] = mapped_column(JSONB, nullable=False, server_default="[]")
    warnings: Mapped[list[Any]] = mapped_column(JSONB, nullable=False, server_default="[]")
    error_kind: Mapped[str | None] = mapped_column(String(40))
    error_message: Mapped[str | None] = mapped_column(String(2000))
    # The SQS message that carried the job, for following one job through the logs.
    message_id: Mapped[str | None] = mapped_column(String(100))


class Lease(Base):
    """Who is working on a resource right now (a property's pull, a connection's ARI push): a
    lease row instead of a session advisory lock.

    Syncs and pushes call OTAs for seconds, and no transaction (nor a session lock, which would
    leak through connection reuse and pin RDS Proxy) may be held across an OTA call. A lease
    expires on its own (``expires_at``, the database's clock), so a worker killed mid-call never
    blocks the resource for longer than the lease. A job that finds a property's lease held sets
    ``rerun_requested`` instead of waiting: the holder pulls once more before it lets go, so a
    burst of webhooks for one hotel costs one pull after the burst, not one SQS retry each.
    ``resource`` names come from ``chalicelib.domain.leases``.
    """

    __tablename__ = "leases"

    resource: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100), nullable=False)
    acquired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    rerun_requested: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    # The connections the requested rerun must pull (NULL: every one).
    rerun_connection_ids: Mapped[list[int] | None] = mapped_column(ARRAY(Integer), nullable=True)


class PendingOtaAck(Base):
    """A reservation revision pulled from an OTA and not (yet) stored and acknowledged.

    Written by the property sync worker for every revision it could not store or acknowledge
    (unmapped room, invalid content, the acknowledgement failed, the adapter could not read the
    item) and deleted once the OTA accepted the acknowledgement; the unacknowledged-booking alert
    reads ``first_seen_at``. ``revision`` is empty when the adapter could not read it.
    """

    __tablename__ = "pending_ota_acks"
    __table_args__ = (
        UniqueConstraint("connection_id", "reservation_id", "revision", name="uq_pending_ota_acks_item"),
        Index("ix_pending_ota_acks_first_seen", "first_seen_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("ota_connections.id", ondelete="CASCADE"), nullable=False)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id", ondelete="CASCADE"), nullable=False)
    ota_code: Mapped[str] = mapped_column(String(20), nullable=False)
    reservation_id: Mapped[str] = mapped_column(String(100), nullable=False)
    revision: Mapped[str] = mapped_column(String(64), nullable=False, server_default="")
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    stored: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    last_error: Mapped[str | None] = mapped_column(String(1000))
