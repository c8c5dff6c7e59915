"""Webhook receivers' queries: which connections an OTA hotel id names, and the receipts table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from chalicelib.db.models import OtaAccount, OtaConnection, WebhookReceipt


@dataclass(frozen=True)
class HotelConnection:
    """A connection an OTA hotel id names, with what verifying a notification needs (unscoped:
    the sender is an OTA, not a member of staff)."""

    connection_id: int
    property_id: int
    is_active: bool
    account: OtaAccount


def connections_for_hotel(session: Session, ota_code: str, hotel_id: str) -> list[HotelConnection]:
    rows = session.execute(
        select(OtaConnection.id, OtaConnection.property_id, OtaConnection.is_active, OtaAccount)
        .join(OtaAccount, OtaAccount.id == OtaConnection.ota_account_id)
        .where(OtaAccount.ota_code == ota_code, OtaConnection.ota_hotel_id == hotel_id)
        .order_by(OtaConnection.id)
    )
    return [HotelConnection(cid, pid, active, account) for cid, pid, active, account in rows]


def claim_receipt(session: Session, ota_code: str, key: str, *, connection_id: int, property_id: int) -> bool:
    """Record the notification; False when it was already received.

    A concurrent transaction inserting the same key makes this wait for its outcome: it commits
    (False here) or rolls back (this one claims the key).
    """
    new_id = session.scalar(
        insert(WebhookReceipt)
        .values(ota_code=ota_code, notification_key=key, connection_id=connection_id, property_id=property_id)
        .on_conflict_do_nothing(index_elements=[WebhookReceipt.ota_code, WebhookReceipt.notification_key])
        .returning(WebhookReceipt.id)
    )
    return new_id is not None


def purge_receipts(session: Session, *, received_before: datetime) -> int:
    result = session.execute(
        delete(WebhookReceipt).where(WebhookReceipt.received_at < received_before).returning(WebhookReceipt.id)
    )
    return len(result.all())
