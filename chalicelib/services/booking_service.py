"""Bookings: the entry points the API, the sync engine, the housekeeping and the tools call.

Each use case lives in its own module and follows *load → plan → persist* (plans in
``chalicelib.domain.booking_plans`` / ``booking_ota_plans``, one writer in
:mod:`chalicelib.services.booking_writer`); this module re-exports them under the names callers
have always used:

* direct and partner bookings (:func:`create_booking`, a hold) — :mod:`booking_creation`;
* status changes (:func:`confirm_group`, :func:`transition`, :func:`expire_holds`) — :mod:`booking_workflow`;
* OTA reservations (:func:`ingest_ota_reservation`, :func:`record_ota_acknowledgement`) — :mod:`booking_ota`.

Every change of inventory counters follows ARCHITECTURE.md's critical path, in one transaction:
lock the room types (``pg_advisory_xact_lock(2, id)``, ascending ids), read the cells of every
night concerned, refuse (409, naming the short nights — direct and partner bookings only), then
write the booking rows, its nights, a timeline event, the counters (bumping each cell's version)
and the ARI change rows (the outbox the sync engine drains).
"""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.db.repositories import idempotency as idempotency_repository
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.booking_plans import SYSTEM, Actor
from chalicelib.domain.booking_requests import CREATE_OPERATION, NewBooking, NewBookingLine
from chalicelib.services.booking_creation import IDEMPOTENCY_TTL, CreatedBooking, create_booking
from chalicelib.services.booking_ota import ingest_ota_reservation, record_ota_acknowledgement
from chalicelib.services.booking_workflow import EXPIRY_BATCH, confirm_group, expire_holds, transition


def purge_idempotency_keys(now: datetime | None = None) -> dict[str, int]:
    """The housekeeping task: forget Idempotency-Keys past their 24 hours."""
    with unit_of_work() as uow:
        return {"idempotency_keys_purged": idempotency_repository.purge_expired(uow.session, now or datetime.now(UTC))}


__all__ = [
    "CREATE_OPERATION",
    "EXPIRY_BATCH",
    "IDEMPOTENCY_TTL",
    "SYSTEM",
    "Actor",
    "CreatedBooking",
    "NewBooking",
    "NewBookingLine",
    "confirm_group",
    "create_booking",
    "expire_holds",
    "ingest_ota_reservation",
    "purge_idempotency_keys",
    "record_ota_acknowledgement",
    "transition",
]
