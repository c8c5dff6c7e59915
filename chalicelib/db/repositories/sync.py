"""The pull side of the sync engine in SQL: sync run rows, pending acknowledgements,
and what the unacknowledged-booking and stale-channel checks read."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from chalicelib.db.models import Alert, OtaAccount, OtaConnection, PendingOtaAck, Property, SyncRun
from chalicelib.domain.alerts import AlertStatus
from chalicelib.domain.sync_runs import SyncRunRecord

# --- sync runs ----------------------------------------------------------------------------------------


def add_sync_run(session: Session, record: SyncRunRecord) -> int:
    """Store what one pull or push did with one connection; the row's id."""
    run = SyncRun(**dataclasses.asdict(record))
    session.add(run)
    session.flush()
    return run.id


def last_success_by_channel(session: Session, property_id: int) -> dict[str, datetime | None]:
    """OTA code → last successful sync of the property's active connection to it."""
    rows = session.execute(
        select(OtaAccount.ota_code, OtaConnection.last_success_at)
        .join(OtaAccount, OtaAccount.id == OtaConnection.ota_account_id)
        .where(OtaConnection.property_id == property_id, OtaConnection.is_active.is_(True))
    )
    return {code: last for code, last in rows}


# --- pending acknowledgements ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingItem:
    reservation_id: str
    revision: str
    stored: bool
    error: str | None


def note_pending(
    session: Session, connection_id: int, property_id: int, ota: str, items: Sequence[PendingItem], now: datetime
) -> None:
    """Upsert one row per item not yet stored+acknowledged (first_seen_at kept from the first pull)."""
    if not items:
        return
    statement = insert(PendingOtaAck).values(
        [
            {
                "connection_id": connection_id,
                "property_id": property_id,
                "ota_code": ota,
                "reservation_id": item.reservation_id[:100],
                "revision": item.revision[:64],
                "first_seen_at": now,
                "last_seen_at": now,
                "attempts": 1,
                "stored": item.stored,
                "last_error": (item.error or "")[:1000] or None,
            }
            for item in items
        ]
    )
    statement = statement.on_conflict_do_update(
        constraint="uq_pending_ota_acks_item",
        set_={
            "last_seen_at": statement.excluded.last_seen_at,
            "attempts": PendingOtaAck.attempts + 1,
            "stored": statement.excluded.stored,
            "last_error": statement.excluded.last_error,
        },
    )
    session.execute(statement)


def clear_pending(session: Session, connection_id: int, acknowledged: Iterable[tuple[str, str]]) -> None:
    """Forget the acknowledged (reservation id, revision) pairs, and unreadable items of those reservations."""
    pairs = list(acknowledged)
    if not pairs:
        return
    reservation_ids = sorted({reservation_id for reservation_id, _ in pairs})
    session.execute(
        delete(PendingOtaAck).where(
            PendingOtaAck.connection_id == connection_id,
            or_(
                tuple_(PendingOtaAck.reservation_id, PendingOtaAck.revision).in_(pairs),
                and_(PendingOtaAck.reservation_id.in_(reservation_ids), PendingOtaAck.revision == ""),
            ),
        )
    )


def overdue_pending(
    session: Session, seen_before: datetime, still_seen_after: datetime
) -> list[tuple[PendingOtaAck, str]]:
    """Pending items first seen before ``seen_before`` and still offered by the OTA since
    ``still_seen_after``, with their property's country."""
    rows = session.execute(
        select(PendingOtaAck, Property.country_code)
        .join(Property, Property.id == PendingOtaAck.property_id)
        .where(PendingOtaAck.first_seen_at <= seen_before, PendingOtaAck.last_seen_at >= still_seen_after)
        .order_by(PendingOtaAck.id)
    )
    return [(row[0], row[1]) for row in rows]


def purge_pending_not_seen_since(session: Session, moment: datetime) -> int:
    """Items the OTA stopped offering (it gave up, or we were told out of band) are forgotten."""
    result = session.execute(delete(PendingOtaAck).where(PendingOtaAck.last_seen_at < moment))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# --- stale channels -------------------------------------------------------------------------------------


def active_connections_with_freshness(
    session: Session,
) -> list[tuple[OtaConnection, str, str]]:
    """Every active connection (active account, live property) with its OTA code and country."""
    rows = session.execute(
        select(OtaConnection, OtaAccount.ota_code, Property.country_code)
        .join(OtaAccount, OtaAccount.id == OtaConnection.ota_account_id)
        .join(Property, Property.id == OtaConnection.property_id)
        .where(
            OtaConnection.is_active.is_(True),
            OtaAccount.status == "active",
            Property.status != "archived",
        )
        .order_by(OtaConnection.id)
    )
    return [(row[0], row[1], row[2]) for row in rows]


def resolve_open_alerts(
    session: Session, dedupe_keys: Sequence[str], now: datetime, note: str
) -> list[tuple[int, int | None, str | None]]:
    """Resolve (as the system) the open alerts with these keys: the condition is over. Returns
    each resolved alert's (id, property id, country)."""
    if not dedupe_keys:
        return []
    result = session.execute(
        update(Alert)
        .where(Alert.dedupe_key.in_(list(dedupe_keys)), Alert.status != AlertStatus.RESOLVED.value)
        .values(status=AlertStatus.RESOLVED.value, resolved_at=now, resolution_note=note)
        .returning(Alert.id, Alert.property_id, Alert.country_code)
    )
    return [(row[0], row[1], row[2]) for row in result]


def open_alert_keys(session: Session, prefix: str) -> list[str]:
    return list(
        session.scalars(
            select(Alert.dedupe_key).where(
                Alert.dedupe_key.startswith(prefix), Alert.status != AlertStatus.RESOLVED.value
            )
        )
    )
