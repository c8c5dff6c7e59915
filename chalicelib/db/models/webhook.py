"""Webhook receipts: the notifications an OTA pushed to us, kept a few days to drop repeats.

OTAs retry a notification they think we missed (Agoda three times, 15 s apart), and a sender may
deliver the same one twice. The receiver inserts the notification's key here in the transaction
that enqueues the sync job: a key already present means the job was already enqueued. Rows are
purged after the retention window (hourly upkeep); a repeat arriving later than that costs one
harmless extra sync.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from chalicelib.db.base import Base


class WebhookReceipt(Base):
    __tablename__ = "webhook_receipts"
    __table_args__ = (
        UniqueConstraint("ota_code", "notification_key", name="uq_webhook_receipts_ota_key"),
        Index("ix_webhook_receipts_received_at", "received_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    ota_code: Mapped[str] = mapped_column(String(20), nullable=False)
    # The sender's notification id, or a digest of what the notification says (Agoda has no id).
    notification_key: Mapped[str] = mapped_column(String(128), nullable=False)
    connection_id: Mapped[int | None] = mapped_column(ForeignKey("ota_connections.id", ondelete="SET NULL"))
    property_id: Mapped[int | None] = mapped_column(ForeignKey("properties.id", ondelete="SET NULL"))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
