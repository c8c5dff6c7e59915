"""The record of every sync run: one row per connection per pull or push.

The dispatcher, the property sync worker (pulls), the ARI push worker and the nightly full
resync each write one row when they finish with a connection, so the sync status API can say
when a channel last worked, how often it fails, and what it did.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from chalicelib.db.base import Base

SYNC_RUN_KINDS = ("pull", "push", "full_push")
SYNC_RUN_TRIGGERS = ("schedule", "manual", "webhook", "outbox", "nightly", "retry")
SYNC_RUN_STATUSES = ("running", "ok", "partial", "failed")


def _sql_list(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


class SyncRun(Base):
    __tablename__ = "sync_runs"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_sql_list(SYNC_RUN_KINDS)})", name="kind"),
        CheckConstraint(f"trigger IN ({_sql_list(SYNC_RUN_TRIGGERS)})", name="trigger"),
        CheckConstraint(f"status IN ({_sql_list(SYNC_RUN_STATUSES)})", name="status"),
        Index("ix_sync_runs_connection_started", "connection_id", "started_at"),
        Index("ix_sync_runs_property_started", "property_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("ota_connections.id", ondelete="CASCADE"), nullable=False)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(12), nullable=False)
    trigger: Mapped[str] = mapped_column(String(12), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, server_default="running")
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
