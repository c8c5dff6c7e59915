"""OTA reservations: ingesting one revision exactly once (load → plan → persist), and recording its acknowledgement.

:func:`ingest_ota_reservation` (called by the sync engine) takes a per-reservation lock that
serialises redeliveries, deduplicates by (OTA, reservation id, revision), records revisions
older than the newest applied as stale, and applies the others: it takes the room types' locks,
loads the group, its lines and the cells concerned, plans the revision
(:func:`~chalicelib.domain.booking_ota_plans.plan_ota_revision`) and persists the plan through
the booking writer. An OTA booking is never refused: a night that ends overbooked raises an
overbooking alert in the same transaction.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from chalicelib.db.locks import lock_ota_reservation
from chalicelib.db.models import BookingGroup, OtaReservationRevision, Property, RoomType
from chalicelib.db.repositories import bookings as booking_repository
from chalicelib.db.repositories import inventory_cells
from chalicelib.db.repositories.settings import load_app_settings
from chalicelib.db.unit_of_work import SqlUnitOfWork, unit_of_work
from chalicelib.domain.booking_ota_plans import (
    OtaRevisionPlan,
    OtaStatuses,
    check_ota_lines,
    needs_confirmed,
    nights_to_take,
    plan_ota_revision,
)
from chalicelib.domain.booking_plans import Actor, EventPlan, active_lines
from chalicelib.domain.bookings import CANCELLED, CONFIRMED, AckState, EventKind, format_reference
from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.domain.inventory import missing_cells, resolve_buffer
from chalicelib.domain.nights import NightRange
from chalicelib.domain.ota_booking import (
    IngestOutcome,
    IngestResult,
    OtaBookingRequest,
    RevisionDecision,
    decide_revision,
    validate_request,
)
from chalicelib.services import alert_service
from chalicelib.services.booking_support import (
    load_cells_between,
    lock_room_types,
    property_facts,
    status_by_code,
    status_by_id,
)
from chalicelib.services.booking_writer import add_event, persist_plan, snapshot_group, snapshot_lines, status_facts


def ingest_ota_reservation(request: OtaBookingRequest, *, now: datetime | None = None) -> IngestResult:
    """Store one OTA reservation revision exactly once and bring its booking group to that revision's state.

    Called by the sync engine with ids already mapped to ours. Never refused for lack of rooms;
    a night left overbooked raises (or updates) its overbooking alert in the same transaction.
    Raises InvalidInput only for a request that cannot be ours (unknown property or room type,
    impossible dates): the engine should then reject that reservation to the OTA.
    """
    validate_request(request)
    moment = now or datetime.now(UTC)
    ota = request.ota.value
    with unit_of_work() as uow:
        session = uow.session
        lock_ota_reservation(session, ota, request.reservation_id)
        recorded = booking_repository.revisions_of_reservation(session, ota, request.reservation_id)
        newest = max((row.revision for row in recorded if row.outcome != IngestOutcome.STALE), default=None)
        decision = decide_revision(request.revision, [row.revision for row in recorded], newest)
        if decision is RevisionDecision.DUPLICATE:
            first = next(row for row in recorded if row.revision == request.revision)
            known = session.get(BookingGroup, first.booking_group_id) if first.booking_group_id else None
            return IngestResult(
                outcome=IngestOutcome.DUPLICATE,
                first_outcome=IngestOutcome(first.outcome),
                booking_group_id=first.booking_group_id,
                booking_reference=known.reference if known else None,
                revision_record_id=first.id,
                ack_token=first.ack_token,
            )
        hotel = session.get(Property, request.property_id)
        if hotel is None:
            raise InvalidInput("No such property.", details=[{"field": "property_id", "message": "no such property"}])
        group = booking_repository.ota_group(session, ota, request.reservation_id)
        if group is not None and group.property_id != hotel.id:
            raise InvalidInput(
                "The reservation belongs to another property.",
                details=[{"field": "property_id", "message": f"reservation is booked at property {group.property_id}"}],
            )
        if decision is RevisionDecision.STALE:
            return _record_stale(session, request, group, newest, moment)
        return _apply(uow, request, hotel, group, moment)


def _record_stale(
    session: Session, request: OtaBookingRequest, group: BookingGroup | None, newest: str | None, moment: datetime
) -> IngestResult:
    row = _record_revision(session, request, group, IngestOutcome.STALE, moment)
    if group is not None:
        reason = f"revision {request.revision} is older than {newest}, already applied"
        ignored = EventPlan(EventKind.OTA_REVISION_IGNORED, reason=reason, ota_revision=request.revision)
        add_event(session, group.id, Actor.ota(request.ota.value), ignored, moment)
    return IngestResult(
        outcome=IngestOutcome.STALE,
        first_outcome=IngestOutcome.STALE,
        booking_group_id=group.id if group else None,
        booking_reference=group.reference if group else None,
        revision_record_id=row.id,
        ack_token=request.ack_token,
    )


def _apply(
    uow: SqlUnitOfWork, request: OtaBookingRequest, hotel: Property, group: BookingGroup | None, moment: datetime
) -> IngestResult:
    session = uow.session
    room_types = booking_repository.room_types_of_property(
        session, hotel.id, [line.room_type_id for line in request.lines]
    )
    rate_plans = booking_repository.rate_plans_by_id(
        session, [line.rate_plan_id for line in request.lines if line.rate_plan_id]
    )
    check_ota_lines(request.lines, set(room_types), {plan.id: plan.room_type_id for plan in rate_plans.values()})
    existing = booking_repository.lines_of(session, group.id) if group is not None else []
    lock_room_types(session, {line.room_type_id for line in existing} | {line.room_type_id for line in request.lines})
    snapshot = None
    lines = []
    if group is not None:
        group = booking_repository.group_for_update(session, group.id)
        assert group is not None, "an OTA group is never deleted"
        snapshot = snapshot_group(group, status_by_id(session, group.status_id))
        lines = snapshot_lines(booking_repository.lines_of(session, group.id, refresh=True))
    _ensure_cells(session, hotel, room_types, nights_to_take(request))
    active = [line.values for line in active_lines(snapshot, lines)] if snapshot is not None else []
    cells = load_cells_between(
        session,
        {line.room_type_id for line in active} | {line.room_type_id for line in request.lines},
        [night for stay in [*(line.stay for line in active), *(line.stay for line in request.lines)] for night in stay],
    )
    confirms = needs_confirmed(request, snapshot.status if snapshot is not None else None)
    statuses = OtaStatuses(
        confirmed=status_facts(status_by_code(session, CONFIRMED)) if confirms else None,
        cancelled=status_facts(status_by_code(session, CANCELLED)),
    )
    plan = plan_ota_revision(
        request,
        property_facts(hotel),
        snapshot,
        lines,
        cells,
        statuses,
        reference=format_reference(secrets.token_bytes(5)),
        moment=moment,
    )
    written = persist_plan(session, plan.booking)
    row = _record_revision(session, request, written.group, plan.outcome, moment)
    return _result(uow, request, hotel, room_types, written.group, plan, row, moment)


def _result(
    uow: SqlUnitOfWork,
    request: OtaBookingRequest,
    hotel: Property,
    room_types: dict[int, RoomType],
    group: BookingGroup,
    plan: OtaRevisionPlan,
    row: OtaReservationRevision,
    moment: datetime,
) -> IngestResult:
    # Overbooked nights among those this revision took: alert, with the root cause, before commit.
    after = plan.booking.cells_after
    alert_ids = tuple(
        alert_service.raise_overbooking(
            uow,
            hotel,
            room_types[room_type_id],
            after[(room_type_id, night)],
            group.id,
            request.channel_freshness,
            now=moment,
        ).alert_id
        for room_type_id, night in plan.overbooked
    )
    return IngestResult(
        outcome=plan.outcome,
        first_outcome=plan.outcome,
        booking_group_id=group.id,
        booking_reference=group.reference,
        revision_record_id=row.id,
        ack_token=request.ack_token,
        overbooked_nights=plan.overbooked,
        alert_ids=alert_ids,
    )


def _ensure_cells(
    session: Session, hotel: Property, room_types: dict[int, RoomType], wanted: dict[int, set[date]]
) -> None:
    """Create the calendar cells an OTA booking needs but the calendar lacks (a stay begun in the
    past, beyond the horizon): an OTA cannot be refused, so its nights must exist to count."""
    if not wanted:
        return
    global_buffer = load_app_settings(session).inventory_buffer_rooms
    for room_type_id, nights in wanted.items():
        have = inventory_cells.load_cells(session, [room_type_id], min(nights), max(nights))
        room_type = room_types[room_type_id]
        buffer = resolve_buffer(global_buffer, hotel.buffer_rooms, room_type.buffer_rooms)
        window = NightRange(min(nights), max(nights) + timedelta(days=1))
        fresh = [
            cell
            for cell in missing_cells(
                room_type_id, (n for _, n in have), window, total=room_type.total_rooms, buffer=buffer
            )
            if cell.night in nights
        ]
        inventory_cells.insert_cells(session, fresh)


def _record_revision(
    session: Session, request: OtaBookingRequest, group: BookingGroup | None, outcome: IngestOutcome, moment: datetime
) -> OtaReservationRevision:
    row = OtaReservationRevision(
        ota_code=request.ota.value,
        reservation_id=request.reservation_id,
        revision=request.revision,
        action=request.action,
        property_id=request.property_id,
        booking_group_id=group.id if group is not None else None,
        outcome=outcome,
        payload=dict(request.payload),
        received_at=request.received_at,
        recorded_at=moment,
        ack_token=request.ack_token,
        ack_state=AckState.PENDING,
        ack_attempts=0,
    )
    session.add(row)
    session.flush()
    return row


def record_ota_acknowledgement(
    revision_record_id: int, *, acknowledged: bool, error: str | None = None, now: datetime | None = None
) -> None:
    """Record the outcome of acknowledging a revision to its OTA (the sync engine calls it after the ack).

    ``error`` is a short description for staff (never a credential or a raw response body).
    """
    moment = now or datetime.now(UTC)
    with unit_of_work() as uow:
        row = uow.session.get(OtaReservationRevision, revision_record_id, with_for_update=True)
        if row is None:
            raise NotFound("No such OTA reservation revision.")
        row.ack_attempts += 1
        if acknowledged:
            row.ack_state = AckState.ACKNOWLEDGED
            row.acknowledged_at = moment
            row.ack_error = None
        else:
            row.ack_state = AckState.FAILED
            row.ack_error = (error or "acknowledgement failed")[:1000]
