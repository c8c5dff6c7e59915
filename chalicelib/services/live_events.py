"""Writing live events: one ``live`` outbox row in the business transaction, relayed after commit.

The named hooks the writers call: :func:`booking_created` (the booking writer, for every new
booking group: direct, partner, OTA), :func:`alert_raised` / :func:`alert_changed` (the alert
service; :func:`resolve_alerts` for the system resolving them), :func:`record_sync_run` (the one
place sync runs are stored). The relay publishes the row through ``live_service.fan_out``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from chalicelib.db.models import Property
from chalicelib.db.repositories import sync as sync_repository
from chalicelib.domain.live import LIVE_TOPIC, LiveEvent, LiveEventType
from chalicelib.domain.sync_runs import SyncRunRecord, SyncRunStatus
from chalicelib.services import outbox_service


def emit(session: Session, event: LiveEvent) -> int:
    """Write ``event`` in ``session``'s transaction; it is sent once that commits. Its outbox id."""
    return outbox_service.publish_in_session(session, LIVE_TOPIC, event.message())


def _event(kind: LiveEventType, record_id: int, property_id: int | None, country_code: str | None) -> LiveEvent:
    return LiveEvent(kind, record_id, property_id, country_code, datetime.now(UTC))


def booking_created(session: Session, group_id: int, property_id: int, country_code: str | None) -> None:
    emit(session, _event(LiveEventType.BOOKING_CREATED, group_id, property_id, country_code))


def booking_created_message(property_id: int, country_code: str | None) -> dict[str, Any]:
    """The ``booking.created`` message of a group being inserted in the same statement as its outbox
    row (``booking_inserts.insert_group`` sets its ``id``); the caller relays the row after commit."""
    return _event(LiveEventType.BOOKING_CREATED, 0, property_id, country_code).message()


def alert_raised(session: Session, alert_id: int, property_id: int | None, country_code: str | None) -> None:
    emit(session, _event(LiveEventType.ALERT_RAISED, alert_id, property_id, country_code))


def alert_changed(work: object, alert_id: int, property_id: int | None, country_code: str | None) -> None:
    """In a unit of work with a SQL session; the in-memory unit of work of unit tests has no outbox."""
    session = getattr(work, "session", None)
    if isinstance(session, Session):
        emit(session, _event(LiveEventType.ALERT_CHANGED, alert_id, property_id, country_code))


def resolve_alerts(session: Session, dedupe_keys: Sequence[str], now: datetime, note: str) -> int:
    """Resolve the open alerts with these keys (``sync_repository.resolve_open_alerts``), each an
    ``alert.changed``; how many."""
    resolved = sync_repository.resolve_open_alerts(session, dedupe_keys, now, note)
    for alert_id, property_id, country_code in resolved:
        emit(session, _event(LiveEventType.ALERT_CHANGED, alert_id, property_id, country_code))
    return len(resolved)


def record_sync_run(session: Session, run: SyncRunRecord) -> int:
    """Store a sync run (``sync_repository.add_sync_run``); a failed one is a live ``sync.failed``."""
    run_id = sync_repository.add_sync_run(session, run)
    if run.status is SyncRunStatus.FAILED:
        hotel = session.get(Property, run.property_id)
        country_code = hotel.country_code if hotel is not None else None
        emit(session, _event(LiveEventType.SYNC_FAILED, run_id, run.property_id, country_code))
    return run_id
