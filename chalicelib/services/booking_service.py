"""Bookings: the advisory-locked critical path, holds and their expiry, status transitions, OTA ingestion.

Every change of inventory counters here follows ARCHITECTURE.md's critical path, in one
transaction::

    lock the room types (pg_advisory_xact_lock(2, id), ascending ids)
    read the inventory_days cells of every night concerned
    refuse (409, naming the short nights) — direct and partner bookings only
    write the booking rows, its nights and a timeline event; update the counters
    (bumping each cell's version); write the ARI change rows (the outbox the sync engine drains)

**Direct and partner bookings** (:func:`create_booking`) start as a hold (status ``pending``,
counted in ``held``) for ``booking_expiry_minutes``; :func:`confirm_group` makes them a sale
(``held`` → ``sold``); :func:`expire_holds` (housekeeping) releases holds whose time ran out —
re-checking the status under the same locks and the group's row lock, so a hold confirmed a
moment earlier is never released. Restrictions (stop-sell, CTA/CTD, min/max stay) refuse a stay
with 409 ``stay_restricted`` (the calendar's current state forbids it; the same request may
succeed after staff change the calendar), short nights with 409 ``insufficient_inventory``.

**Status transitions** (:func:`transition`) follow the configured transitions, each gated by its
permission, and move the counters by the inventory effects of the two statuses.

**OTA reservations** (:func:`ingest_ota_reservation`, called by the sync engine) take the same
locks, after a per-reservation lock that serialises redeliveries; they are deduplicated by
(OTA, reservation id, revision), applied in revision order, and never refused: a night that ends
overbooked raises an overbooking alert in the same transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from chalicelib.db.locks import lock_ota_reservation, lock_room_types
from chalicelib.db.models import (
    BookingEvent,
    BookingGroup,
    BookingLine,
    BookingStatus,
    OtaReservationRevision,
    Property,
    RatePlan,
    RoomType,
)
from chalicelib.db.repositories import bookings as booking_repository
from chalicelib.db.repositories import calendar as calendar_repository
from chalicelib.db.repositories import idempotency as idempotency_repository
from chalicelib.db.repositories import inventory_cells
from chalicelib.db.repositories.settings import load_app_settings
from chalicelib.db.unit_of_work import SqlUnitOfWork, unit_of_work
from chalicelib.domain.access import Caller, CountryScope
from chalicelib.domain.ari_changes import ari_changes
from chalicelib.domain.bookings import (
    CANCELLED,
    CONFIRMED,
    PENDING,
    BookingNotPending,
    BookingSource,
    CellKey,
    CounterMove,
    IdempotencyKeyReused,
    InventoryEffect,
    LineRequest,
    TransitionNotAllowed,
    apply_moves,
    check_line_shape,
    format_reference,
    moves_for,
    request_fingerprint,
)
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound
from chalicelib.domain.inventory import (
    CounterChange,
    InventoryCell,
    InventoryCellChange,
    StayRequest,
    missing_cells,
    pair_changes,
    require_available,
    resolve_buffer,
)
from chalicelib.domain.money import check_amount
from chalicelib.domain.nights import NightRange, validate_night_range
from chalicelib.domain.ota_booking import (
    IngestOutcome,
    IngestResult,
    OtaBookingLine,
    OtaBookingRequest,
    RevisionDecision,
    decide_revision,
    validate_request,
)
from chalicelib.domain.ota_reservation import ReservationAction
from chalicelib.domain.permissions import Permission
from chalicelib.domain.restrictions import require_stay_allowed
from chalicelib.domain.timezones import today_in_timezone
from chalicelib.services import alert_service, ari_relay
from chalicelib.services.audit_service import AuditActor, record_audit
from chalicelib.services.booking_query_service import BookingDetail, build_detail, detail_json, load_detail

CREATE_OPERATION = "POST /bookings"
IDEMPOTENCY_TTL = timedelta(hours=24)
EXPIRY_BATCH = 200


# --- who acts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """Who a timeline event and an audit row name: a staff member or partner, an OTA, or the system."""

    user_id: int | None
    label: str
    source: str  # staff, partner, ota, system
    caller: Caller | None = None

    @classmethod
    def of(cls, caller: Caller, source: str = "staff") -> Actor:
        return cls(user_id=caller.user_id, label=caller.email, source=source, caller=caller)

    @classmethod
    def ota(cls, ota: str) -> Actor:
        return cls(user_id=None, label=f"ota:{ota}", source="ota")


SYSTEM = Actor(user_id=None, label="system", source="system")


# --- direct and partner bookings -----------------------------------------------------------------


@dataclass(frozen=True)
class NewBookingLine:
    """``rooms`` rooms of a room type from ``check_in`` to ``check_out``.

    ``amount`` (the line's total, e.g. a partner's contract price) overrides pricing; without it the
    line is priced from the rate plan's nightly rates, or the room type's base rate if no plan.
    """

    room_type_id: int
    check_in: date
    check_out: date
    rooms: int = 1
    adults: int = 2
    children: int = 0
    rate_plan_id: int | None = None
    amount: Decimal | None = None
    guest_name: str | None = None


@dataclass(frozen=True)
class NewBooking:
    """A direct or partner booking request (one group: one or more lines, one transaction)."""

    property_id: int
    lines: tuple[NewBookingLine, ...]
    guest_name: str
    guest_email: str = ""
    guest_phone: str = ""
    source: BookingSource = BookingSource.DIRECT
    partner_code: str | None = None
    notes: str = ""

    def fingerprint(self) -> str:
        """What an Idempotency-Key's request is compared by (the whole request, canonical JSON)."""
        payload = {
            "property_id": self.property_id,
            "source": self.source.value,
            "partner_code": self.partner_code,
            "guest": [self.guest_name, self.guest_email, self.guest_phone],
            "notes": self.notes,
            "lines": [
                [
                    line.room_type_id,
                    line.rate_plan_id,
                    line.check_in.isoformat(),
                    line.check_out.isoformat(),
                    line.rooms,
                    line.adults,
                    line.children,
                    None if line.amount is None else str(line.amount.normalize()),
                    line.guest_name,
                ]
                for line in self.lines
            ],
        }
        return request_fingerprint(CREATE_OPERATION, payload)


@dataclass(frozen=True)
class CreatedBooking:
    """The booking created (or, ``replayed``, the one an earlier request with the same key created).

    ``response`` is the booking's JSON as it was answered the first time.
    """

    group_id: int
    reference: str
    response: dict[str, Any]
    replayed: bool


def create_booking(
    caller: Caller, request: NewBooking, idempotency_key: str | None = None, *, now: datetime | None = None
) -> CreatedBooking:
    """Take a direct or partner booking as a hold, under the room types' advisory locks.

    Refused with 409 naming every short night (``insufficient_inventory``) or restricted night
    (``stay_restricted``); 422 for input the calendar cannot serve (unknown room type, past
    dates, no rate). With ``idempotency_key``, a retry of the same request by the same caller
    returns the first result (``replayed``); the same key with a different request is 422.
    """
    return _create_booking(caller, request, idempotency_key, now=now, take_locks=True)


def _create_booking(
    caller: Caller,
    request: NewBooking,
    idempotency_key: str | None,
    *,
    now: datetime | None,
    take_locks: bool,
) -> CreatedBooking:
    # take_locks=False exists for one purpose: the race test's negative control, which shows the
    # test would catch an oversell. Nothing else passes it, and no setting reaches it.
    moment = now or datetime.now(UTC)
    fingerprint = request.fingerprint()
    with unit_of_work() as uow:
        session = uow.session
        claim_id: int | None = None
        if idempotency_key is not None:
            claim = idempotency_repository.claim(
                session,
                caller.user_id,
                idempotency_key,
                CREATE_OPERATION,
                fingerprint,
                now=moment,
                expires_at=moment + IDEMPOTENCY_TTL,
            )
            if claim.earlier is not None:
                return _replay(claim.earlier.operation, claim.earlier.request_hash, claim.earlier.response, fingerprint)
            claim_id = claim.new_row_id

        hotel, room_types, plans, stays = _validated(session, caller.scope, request, moment)
        room_type_ids = {line.room_type_id for line in request.lines}
        # Everything that does not depend on the counters is read before the lock, so the
        # critical section (and the time the next booking of these room types waits) stays short.
        pending = _status(session, PENDING)
        expiry = timedelta(minutes=_expiry_minutes(session))
        prices = [
            _price(session, line, stay, room_types[line.room_type_id], plans, hotel.currency, index)
            for index, (line, stay) in enumerate(zip(request.lines, stays, strict=True))
        ]
        if take_locks:
            lock_room_types(session, room_type_ids)
        first = min(stay.check_in for stay in stays)
        last = max(stay.check_out for stay in stays)  # the departure day's cell, for closed-to-departure
        cells = inventory_cells.load_cells(session, room_type_ids, first, last)
        for line, stay in zip(request.lines, stays, strict=True):
            own = {night: cell for (rt, night), cell in cells.items() if rt == line.room_type_id}
            require_stay_allowed(line.room_type_id, own, stay)
        require_available(
            cells.values(),
            [StayRequest(line.room_type_id, stay, line.rooms) for line, stay in zip(request.lines, stays, strict=True)],
        )
        moves = [
            CounterMove(line.room_type_id, tuple(stay), line.rooms, CounterChange.HOLD)
            for line, stay in zip(request.lines, stays, strict=True)
        ]
        after = apply_moves(cells, moves)

        channel = request.partner_code if request.source is BookingSource.PARTNER and request.partner_code else "direct"
        group = BookingGroup(
            reference=format_reference(secrets.token_bytes(5)),
            property_id=hotel.id,
            country_code=hotel.country_code,
            source=request.source.value,
            channel=channel,
            status_id=pending.id,
            guest_name=request.guest_name,
            guest_email=request.guest_email,
            guest_phone=request.guest_phone,
            currency=hotel.currency,
            total_amount=sum((total for total, _ in prices), Decimal(0)),
            check_in=first,
            check_out=max(stay.check_out for stay in stays),
            hold_expires_at=moment + expiry,
            booked_at=moment,
            notes=request.notes,
            created_by_user_id=caller.user_id,
            created_at=moment,
            updated_at=moment,
        )
        session.add(group)
        session.flush()
        lines = []
        for position, (line, stay, (total, _)) in enumerate(zip(request.lines, stays, prices, strict=True)):
            lines.append(
                BookingLine(
                    group_id=group.id,
                    position=position,
                    room_type_id=line.room_type_id,
                    rate_plan_id=line.rate_plan_id,
                    check_in=stay.check_in,
                    check_out=stay.check_out,
                    rooms=line.rooms,
                    adults=line.adults,
                    children=line.children,
                    amount=total,
                    guest_name=line.guest_name,
                    status_id=pending.id,
                    created_at=moment,
                    updated_at=moment,
                )
            )
        session.add_all(lines)
        session.flush()
        booking_repository.insert_nights(
            session,
            [
                {
                    "line_id": booking_line.id,
                    "night": night,
                    "room_type_id": booking_line.room_type_id,
                    "rooms": booking_line.rooms,
                    "effect": InventoryEffect.HOLD.value,
                    "amount": nightly.get(night),
                }
                for booking_line, stay, (_, nightly) in zip(lines, stays, prices, strict=True)
                for night in stay
            ],
        )
        actor = Actor.of(caller, "partner" if request.source is BookingSource.PARTNER else "staff")
        event = _event(
            session,
            group,
            actor,
            "created",
            moment,
            to_status=PENDING,
            after={"lines": _lines_snapshot(lines, PENDING)},
        )
        _write_cells(session, hotel.id, cells, after)
        record_audit(
            session,
            caller,
            "booking.created",
            "booking",
            group.id,
            None,
            {"reference": group.reference, "status": PENDING, "lines": _lines_snapshot(lines, PENDING)},
            country_code=hotel.country_code,
        )
        detail = build_detail(
            group,
            pending,
            hotel,
            [(line, room_types[line.room_type_id], pending) for line in lines],
            [event],
            [],
            caller,
        )
        response = detail_json(detail)
        if claim_id is not None:
            idempotency_repository.complete(session, claim_id, 201, response, str(group.id))
        return CreatedBooking(group_id=group.id, reference=group.reference, response=response, replayed=False)


def _replay(operation: str, request_hash: str, response: dict[str, Any] | None, fingerprint: str) -> CreatedBooking:
    if operation != CREATE_OPERATION or request_hash != fingerprint:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used with a different request.",
            details=[{"field": "header.Idempotency-Key", "message": "already used with a different request"}],
        )
    if response is None:  # cannot happen: the key and its answer commit together
        raise Conflict("A request with this Idempotency-Key is still being processed.")
    return CreatedBooking(
        group_id=int(response["id"]), reference=str(response["reference"]), response=response, replayed=True
    )


def _validated(
    session: Session, scope: CountryScope, request: NewBooking, moment: datetime
) -> tuple[Property, dict[int, RoomType], dict[int, RatePlan], list[NightRange]]:
    if not request.lines:
        raise InvalidInput(
            "lines: give at least one", details=[{"field": "body.lines", "message": "at least one line"}]
        )
    hotel = booking_repository.property_in_scope(session, request.property_id, scope)
    if hotel is None:
        raise InvalidInput(
            "No such property.", details=[{"field": "body.property_id", "message": "no such property in your scope"}]
        )
    if hotel.status != "active":
        raise InvalidInput(
            f"{hotel.name} is not selling (status {hotel.status}).",
            details=[{"field": "body.property_id", "message": f"property is {hotel.status}"}],
        )
    if request.source is BookingSource.PARTNER and not request.partner_code:
        raise InvalidInput(
            "partner_code: required for partner bookings",
            details=[{"field": "body.partner_code", "message": "required for partner bookings"}],
        )
    room_types = booking_repository.room_types_of_property(
        session, hotel.id, [line.room_type_id for line in request.lines]
    )
    plans = booking_repository.rate_plans_by_id(
        session, [line.rate_plan_id for line in request.lines if line.rate_plan_id is not None]
    )
    today = today_in_timezone(moment, hotel.timezone)
    problems: list[dict[str, Any]] = []
    stays: list[NightRange] = []
    for index, line in enumerate(request.lines):
        where = f"body.lines[{index}]"
        room_type = room_types.get(line.room_type_id)
        if room_type is None or not room_type.is_active:
            problems.append({"field": f"{where}.room_type_id", "message": "no such active room type at this property"})
        plan = plans.get(line.rate_plan_id) if line.rate_plan_id is not None else None
        if line.rate_plan_id is not None and (
            plan is None or plan.room_type_id != line.room_type_id or not plan.is_active
        ):
            problems.append({"field": f"{where}.rate_plan_id", "message": "no such active rate plan of this room type"})
        try:
            stay = NightRange.of(
                line.check_in, line.check_out, start_field=f"{where}.check_in", end_field=f"{where}.check_out"
            )
            validate_night_range(stay, today=today, start_field=f"{where}.check_in", end_field=f"{where}.check_out")
            check_line_shape(
                LineRequest(line.room_type_id, line.rate_plan_id, stay, line.rooms, line.adults, line.children), where
            )
            stays.append(stay)
        except InvalidInput as error:
            problems.extend(error.details)
    if problems:
        raise InvalidInput(
            "; ".join(f"{p['field']}: {p['message']}" for p in problems[:5]),
            details=problems,
        )
    return hotel, room_types, plans, stays


def _price(
    session: Session,
    line: NewBookingLine,
    stay: NightRange,
    room_type: RoomType,
    plans: Mapping[int, RatePlan],
    currency: str,
    index: int,
) -> tuple[Decimal, dict[date, Decimal]]:
    """The line's total and its price per night (for all its rooms)."""
    where = f"body.lines[{index}]"
    if line.amount is not None:
        return check_amount(line.amount, currency, field=f"{where}.amount"), {}
    if line.rate_plan_id is not None:
        plan = plans[line.rate_plan_id]
        rates = booking_repository.rate_amounts(session, plan.id, tuple(stay))
        unpriced = [night for night in stay if night not in rates]
        if unpriced:
            raise InvalidInput(
                f"{where}.rate_plan_id: no rate on " + ", ".join(n.isoformat() for n in unpriced[:10]),
                details=[
                    {"field": f"{where}.rate_plan_id", "night": n.isoformat(), "message": "no rate for this night"}
                    for n in unpriced
                ],
            )
        nightly = {night: rates[night] * line.rooms for night in stay}
    else:
        nightly = {night: room_type.base_rate * line.rooms for night in stay}
    return sum(nightly.values(), Decimal(0)), nightly


def _expiry_minutes(session: Session) -> int:
    return load_app_settings(session).booking_expiry_minutes


# --- status changes ------------------------------------------------------------------------------


def confirm_group(caller: Caller, group_id: int, *, now: datetime | None = None) -> BookingDetail:
    """Promote a hold to a sale (``pending`` → ``confirmed``: held → sold); confirming twice is a no-op.

    A hold past its expiry that the housekeeping has not released yet may still be confirmed (the
    rooms are still held for it); once released (cancelled) it cannot: 409 ``booking_not_pending``.
    """
    moment = now or datetime.now(UTC)
    with unit_of_work() as uow:
        group, lines = _lock_group(uow.session, group_id, caller.scope)
        current = _status_by_id(uow.session, group.status_id)
        if current.code == CONFIRMED:
            return load_detail(uow.session, group, caller)
        if current.code != PENDING:
            raise BookingNotPending(f"Booking {group.reference} is {current.label.lower()}, not a pending hold.")
        _transition_locked(uow, group, lines, current, _status(uow.session, CONFIRMED), Actor.of(caller), "", moment)
        return load_detail(uow.session, group, caller)


def transition(
    caller: Caller, group_id: int, to_status: str, reason: str = "", *, now: datetime | None = None
) -> BookingDetail:
    """Move a booking to ``to_status`` along a configured transition the caller holds the permission of.

    Counters follow the inventory effects of the two statuses (e.g. confirmed → cancelled
    releases the sold nights; cancelled → confirmed takes them again, refused if they are gone).
    """
    moment = now or datetime.now(UTC)
    with unit_of_work() as uow:
        session = uow.session
        target = booking_repository.status_by_code(session, to_status)
        if target is None:
            raise InvalidInput(
                f"No booking status {to_status!r}.", details=[{"field": "body.to_status", "message": "unknown status"}]
            )
        group, lines = _lock_group(session, group_id, caller.scope)
        current = _status_by_id(session, group.status_id)
        rule = booking_repository.transition_between(session, current.id, target.id)
        if rule is None:
            raise TransitionNotAllowed(f"A {current.label.lower()} booking cannot become {target.label.lower()}.")
        permission = Permission.__members__.get(rule.permission)
        if permission is None:
            raise TransitionNotAllowed(f"The transition to {target.label.lower()} names an unknown permission.")
        caller.require(permission)
        _transition_locked(uow, group, lines, current, target, Actor.of(caller), reason, moment)
        return load_detail(session, group, caller)


def expire_holds(now: datetime | None = None, *, limit: int = EXPIRY_BATCH) -> dict[str, int]:
    """The housekeeping task: release holds whose expiry passed (each its own short transaction).

    Each candidate is re-read under its room types' locks and its own row lock; one confirmed
    (or otherwise changed) in the meantime is left alone.
    """
    moment = now or datetime.now(UTC)
    with unit_of_work() as uow:
        candidates = booking_repository.expired_hold_ids(uow.session, moment, limit)
    expired = skipped = 0
    for group_id in candidates:
        if _expire_one(group_id, moment):
            expired += 1
        else:
            skipped += 1
    return {"holds_expired": expired, "holds_skipped": skipped}


def _expire_one(group_id: int, moment: datetime) -> bool:
    with unit_of_work() as uow:
        group, lines = _lock_group(uow.session, group_id, None)
        current = _status_by_id(uow.session, group.status_id)
        still_due = (
            current.inventory_effect == InventoryEffect.HOLD.value
            and group.hold_expires_at is not None
            and group.hold_expires_at <= moment
        )
        if not still_due:
            return False
        cancelled = _status(uow.session, CANCELLED)
        _transition_locked(uow, group, lines, current, cancelled, SYSTEM, "hold expired", moment, kind="expired")
        return True


def _lock_group(session: Session, group_id: int, scope: CountryScope | None) -> tuple[BookingGroup, list[BookingLine]]:
    """The group and its lines, with its room types locked (ascending) and then its row locked.

    Every writer of a group takes the room-type locks before the row lock, so none waits for a
    row while holding a lock the row's holder needs.
    """
    visible = (
        booking_repository.scoped_group(session, group_id, scope)
        if scope is not None
        else session.get(BookingGroup, group_id)
    )
    if visible is None:
        raise NotFound("No such booking.")
    room_type_ids = booking_repository.room_type_ids_of_group(session, group_id)
    lock_room_types(session, room_type_ids)
    group = booking_repository.group_for_update(session, group_id)
    if group is None:
        raise NotFound("No such booking.")
    lines = booking_repository.lines_of(session, group_id, refresh=True)
    if {line.room_type_id for line in lines} - room_type_ids:
        raise Conflict("The booking changed while it was being updated; try again.")
    return group, lines


def _transition_locked(
    uow: SqlUnitOfWork,
    group: BookingGroup,
    lines: Sequence[BookingLine],
    current: BookingStatus,
    target: BookingStatus,
    actor: Actor,
    reason: str,
    moment: datetime,
    *,
    kind: str = "status_changed",
) -> None:
    session = uow.session
    active = [line for line in lines if line.status_id == current.id]
    before_effect = InventoryEffect(current.inventory_effect)
    after_effect = InventoryEffect(target.inventory_effect)
    moves = [
        move
        for line in active
        for move in moves_for(
            line.room_type_id, NightRange(line.check_in, line.check_out), line.rooms, before_effect, after_effect
        )
    ]
    if moves:
        cells = _cells_for(session, active)
        after = apply_moves(cells, moves)
        _write_cells(session, group.property_id, cells, after)
    if before_effect is not after_effect:
        booking_repository.set_night_effect(session, [line.id for line in active], after_effect)
    for line in active:
        line.status_id = target.id
        line.updated_at = moment
    group.status_id = target.id
    group.updated_at = moment
    if after_effect is not InventoryEffect.HOLD:
        group.hold_expires_at = None
    if target.code == CONFIRMED and group.confirmed_at is None:
        group.confirmed_at = moment
    if target.code == CANCELLED:
        group.cancelled_at = moment
    _event(session, group, actor, kind, moment, from_status=current.code, to_status=target.code, reason=reason)
    record_audit(
        session,
        actor.caller,
        "booking.expired" if kind == "expired" else "booking.status_changed",
        "booking",
        group.id,
        {"status": current.code},
        {"status": target.code, "reason": reason},
        country_code=group.country_code,
    )


# --- OTA reservations ----------------------------------------------------------------------------


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
        newest = max((row.revision for row in recorded if row.outcome != IngestOutcome.STALE.value), default=None)
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
            row = _record_revision(session, request, group, IngestOutcome.STALE, moment)
            if group is not None:
                _event(
                    session,
                    group,
                    Actor.ota(ota),
                    "ota_revision_ignored",
                    moment,
                    reason=f"revision {request.revision} is older than {newest}, already applied",
                    ota_revision=request.revision,
                )
            return IngestResult(
                outcome=IngestOutcome.STALE,
                first_outcome=IngestOutcome.STALE,
                booking_group_id=group.id if group else None,
                booking_reference=group.reference if group else None,
                revision_record_id=row.id,
                ack_token=request.ack_token,
            )
        return _apply_ota_revision(uow, request, hotel, group, moment)


@dataclass
class _LinePlan:
    """A line of the group after the revision: an existing row to update, or a new one (``line`` None)."""

    spec: OtaBookingLine
    line: BookingLine | None = None


def _apply_ota_revision(
    uow: SqlUnitOfWork, request: OtaBookingRequest, hotel: Property, group: BookingGroup | None, moment: datetime
) -> IngestResult:
    session = uow.session
    ota = request.ota.value
    actor = Actor.ota(ota)
    room_types = booking_repository.room_types_of_property(
        session, hotel.id, [line.room_type_id for line in request.lines]
    )
    _check_ota_lines(session, request.lines, room_types)
    existing = booking_repository.lines_of(session, group.id) if group is not None else []
    lock_room_types(session, {line.room_type_id for line in existing} | {line.room_type_id for line in request.lines})
    if group is not None:
        group = booking_repository.group_for_update(session, group.id)
        assert group is not None
        existing = booking_repository.lines_of(session, group.id, refresh=True)

    cancelled = _status(session, CANCELLED)
    current = _status_by_id(session, group.status_id) if group is not None else None
    cancel = request.action is ReservationAction.CANCEL
    if cancel:
        target = cancelled
    elif current is not None and current.inventory_effect == InventoryEffect.SELL.value:
        target = current  # a checked-in guest stays checked in when the OTA amends the stay
    else:
        target = _status(session, CONFIRMED)
    target_effect = InventoryEffect(target.inventory_effect)
    current_effect = InventoryEffect(current.inventory_effect) if current is not None else InventoryEffect.NONE
    active = [line for line in existing if current is not None and line.status_id == current.id]

    # The lines after this revision: a new booking or a modification brings the revision's lines,
    # matched to the current ones by the OTA's line reference, else by position (unmatched current
    # lines are cancelled); a cancellation keeps the lines it cancels.
    plans = [] if cancel else _match_lines(request.lines, active)
    reused = {id(plan.line) for plan in plans if plan.line is not None}
    to_cancel = [line for line in active if id(line) not in reused]
    if cancel and group is None:
        # The cancellation is the first we hear of the reservation: keep its rooms on record, taking nothing.
        plans = [_LinePlan(spec) for spec in request.lines]

    release = [
        move
        for line in active
        for move in moves_for(
            line.room_type_id,
            NightRange(line.check_in, line.check_out),
            line.rooms,
            current_effect,
            InventoryEffect.NONE,
        )
    ]
    take = [
        move
        for plan in plans
        for move in moves_for(
            plan.spec.room_type_id, plan.spec.stay, plan.spec.rooms, InventoryEffect.NONE, target_effect
        )
    ]
    _ensure_cells(session, hotel, room_types, take)
    nights = [night for move in release + take for night in move.nights]
    cells = (
        inventory_cells.load_cells(session, {move.room_type_id for move in release + take}, min(nights), max(nights))
        if nights
        else {}
    )
    after = apply_moves(cells, release + take, allow_overbooking=True)

    before_snapshot = _lines_snapshot(active, current.code) if current is not None else []
    created = group is None
    if group is None:
        group = BookingGroup(
            reference=format_reference(secrets.token_bytes(5)),
            property_id=hotel.id,
            country_code=hotel.country_code,
            source=BookingSource.OTA.value,
            channel=ota,
            ota_code=ota,
            ota_reservation_id=request.reservation_id,
            status_id=target.id,
            currency=request.currency or hotel.currency,
            booked_at=request.booked_at or request.received_at,
            created_at=moment,
            updated_at=moment,
        )
        session.add(group)
        session.flush()

    next_position = max((line.position for line in existing), default=-1) + 1
    written: list[tuple[BookingLine, OtaBookingLine]] = []
    for plan in plans:
        line = plan.line
        if line is None:
            line = BookingLine(group_id=group.id, position=next_position, created_at=moment)
            next_position += 1
            session.add(line)
        _fill_line(line, plan.spec, target, moment)
        written.append((line, plan.spec))
    session.flush()
    booking_repository.delete_nights(session, [line.id for line, _ in written])
    booking_repository.insert_nights(
        session,
        [
            {
                "line_id": line.id,
                "night": night,
                "room_type_id": line.room_type_id,
                "rooms": line.rooms,
                "effect": target_effect.value,
                "amount": nightly.get(night),
            }
            for line, spec in written
            for nightly in [{rate.night: rate.amount for rate in spec.nightly_amounts}]
            for night in spec.stay
        ],
    )
    if to_cancel:
        booking_repository.set_night_effect(session, [line.id for line in to_cancel], InventoryEffect.NONE)
        for line in to_cancel:
            line.status_id = cancelled.id
            line.updated_at = moment

    live = [line for line, _ in written] or (to_cancel if cancel else [])
    group.status_id = target.id
    group.last_ota_revision = request.revision
    group.updated_at = moment
    group.hold_expires_at = None
    if request.guest is not None:
        group.guest_name = request.guest.full_name[:200]
        group.guest_email = (request.guest.email or "")[:254]
        group.guest_phone = (request.guest.phone or "")[:40]
    if request.currency:
        group.currency = request.currency
    if live:
        group.check_in = min(line.check_in for line in live)
        group.check_out = max(line.check_out for line in live)
    if cancel:
        group.cancelled_at = moment
    else:
        lines_total = sum((line.amount for line, _ in written), Decimal(0))
        group.total_amount = request.total_amount if request.total_amount is not None else lines_total
        group.confirmed_at = group.confirmed_at or moment
        group.cancelled_at = None

    outcome = IngestOutcome.CANCELLED if cancel else (IngestOutcome.CREATED if created else IngestOutcome.UPDATED)
    after_snapshot = _lines_snapshot(live, target.code)
    if created:
        _event(
            session,
            group,
            actor,
            "created",
            moment,
            to_status=target.code,
            after={"lines": after_snapshot},
            ota_revision=request.revision,
        )
    elif current is not None and current.id != target.id:
        _event(
            session,
            group,
            actor,
            "status_changed",
            moment,
            from_status=current.code,
            to_status=target.code,
            reason=f"OTA {request.action.value}",
            ota_revision=request.revision,
        )
    if not created and not cancel and before_snapshot != after_snapshot:
        _event(
            session,
            group,
            actor,
            "modified",
            moment,
            before={"lines": before_snapshot},
            after={"lines": after_snapshot},
            ota_revision=request.revision,
        )
    row = _record_revision(session, request, group, outcome, moment)
    _write_cells(session, hotel.id, cells, after, cause_ota=ota)
    record_audit(
        session,
        AuditActor(user_id=None, email=actor.label),
        f"booking.ota_{outcome.value}",
        "booking",
        group.id,
        {"status": current.code, "lines": before_snapshot} if current is not None else None,
        {"status": target.code, "lines": after_snapshot, "ota": ota, "revision": request.revision},
        country_code=hotel.country_code,
    )

    # Overbooked nights among those this revision took: alert, with the root cause, before commit.
    taken = {(move.room_type_id, night) for move in take for night in move.nights}
    overbooked = sorted(key for key in taken if after[key].overbooked_by > 0)
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
        for room_type_id, night in overbooked
    )
    return IngestResult(
        outcome=outcome,
        first_outcome=outcome,
        booking_group_id=group.id,
        booking_reference=group.reference,
        revision_record_id=row.id,
        ack_token=request.ack_token,
        overbooked_nights=tuple(overbooked),
        alert_ids=alert_ids,
    )


def _check_ota_lines(session: Session, lines: Sequence[OtaBookingLine], room_types: Mapping[int, RoomType]) -> None:
    plans = booking_repository.rate_plans_by_id(session, [line.rate_plan_id for line in lines if line.rate_plan_id])
    problems = []
    for index, line in enumerate(lines):
        if line.room_type_id not in room_types:
            problems.append({"field": f"lines[{index}].room_type_id", "message": "no such room type at this property"})
        if line.rate_plan_id is not None:
            plan = plans.get(line.rate_plan_id)
            if plan is None or plan.room_type_id != line.room_type_id:
                problems.append(
                    {"field": f"lines[{index}].rate_plan_id", "message": "no such rate plan of this room type"}
                )
    if problems:
        raise InvalidInput("; ".join(f"{p['field']}: {p['message']}" for p in problems), details=problems)


def _match_lines(specs: Sequence[OtaBookingLine], active: Sequence[BookingLine]) -> list[_LinePlan]:
    unmatched = list(active)
    plans = []
    for spec in specs:
        match = next((line for line in unmatched if spec.line_ref and line.line_ref == spec.line_ref), None)
        if match is None and not spec.line_ref:
            match = next((line for line in unmatched if not line.line_ref), None)
        if match is None and spec.line_ref:
            match = next((line for line in unmatched if not line.line_ref), None)
        if match is not None:
            unmatched.remove(match)
        plans.append(_LinePlan(spec=spec, line=match))
    return plans


def _fill_line(line: BookingLine, spec: OtaBookingLine, status: BookingStatus, moment: datetime) -> None:
    line.line_ref = spec.line_ref
    line.room_type_id = spec.room_type_id
    line.rate_plan_id = spec.rate_plan_id
    line.check_in = spec.check_in
    line.check_out = spec.check_out
    line.rooms = spec.rooms
    line.adults = spec.adults
    line.children = spec.children
    line.amount = spec.amount
    line.guest_name = spec.guest_name[:200] if spec.guest_name else None
    line.status_id = status.id
    line.updated_at = moment


def _ensure_cells(
    session: Session, hotel: Property, room_types: Mapping[int, RoomType], moves: Iterable[CounterMove]
) -> None:
    """Create the calendar cells an OTA booking needs but the calendar lacks (a stay begun in the
    past, beyond the horizon): an OTA cannot be refused, so its nights must exist to count."""
    wanted: dict[int, set[date]] = {}
    for move in moves:
        wanted.setdefault(move.room_type_id, set()).update(move.nights)
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
        action=request.action.value,
        property_id=request.property_id,
        booking_group_id=group.id if group is not None else None,
        outcome=outcome.value,
        payload=dict(request.payload),
        received_at=request.received_at,
        recorded_at=moment,
        ack_token=request.ack_token,
        ack_state="pending",
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
            row.ack_state = "acknowledged"
            row.acknowledged_at = moment
            row.ack_error = None
        else:
            row.ack_state = "failed"
            row.ack_error = (error or "acknowledgement failed")[:1000]


# --- shared helpers --------------------------------------------------------------------------------


def _status(session: Session, code: str) -> BookingStatus:
    status = booking_repository.status_by_code(session, code)
    if status is None:  # the migration seeds them and they cannot be deleted
        raise RuntimeError(f"booking status {code!r} is missing")
    return status


def _status_by_id(session: Session, status_id: int) -> BookingStatus:
    status = booking_repository.status_by_id(session, status_id)
    if status is None:
        raise RuntimeError(f"booking status {status_id} is missing")
    return status


def _cells_for(session: Session, lines: Sequence[BookingLine]) -> dict[CellKey, InventoryCell]:
    if not lines:
        return {}
    return inventory_cells.load_cells(
        session,
        {line.room_type_id for line in lines},
        min(line.check_in for line in lines),
        max(line.check_out for line in lines),
    )


def _write_cells(
    session: Session,
    property_id: int,
    before: Mapping[CellKey, InventoryCell],
    after: Mapping[CellKey, InventoryCell],
    *,
    cause_ota: str | None = None,
) -> tuple[InventoryCellChange, ...]:
    """Write the counters that changed and their ARI change rows, in the caller's transaction.

    ``cause_ota``: the OTA whose own reservation this is (its push skips what it applied itself).
    """
    changes = pair_changes(before.values(), after.values())
    inventory_cells.save_counters(session, changes)
    if calendar_repository.add_ari_changes(session, property_id, ari_changes(changes), cause_ota=cause_ota):
        ari_relay.relay_after_commit(session, property_id)
    return changes


def _event(
    session: Session,
    group: BookingGroup,
    actor: Actor,
    kind: str,
    moment: datetime,
    *,
    from_status: str | None = None,
    to_status: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    ota_revision: str | None = None,
) -> BookingEvent:
    event = BookingEvent(
        group_id=group.id,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        before=before,
        after=after,
        reason=reason,
        source=actor.source,
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        ota_revision=ota_revision,
        occurred_at=moment,
    )
    session.add(event)
    session.flush()
    return event


def _lines_snapshot(lines: Iterable[BookingLine], status: str) -> list[dict[str, Any]]:
    return [
        {
            "position": line.position,
            "room_type_id": line.room_type_id,
            "rate_plan_id": line.rate_plan_id,
            "check_in": line.check_in.isoformat(),
            "check_out": line.check_out.isoformat(),
            "rooms": line.rooms,
            "amount": str(line.amount),
            "status": status,
        }
        for line in sorted(lines, key=lambda line: line.position)
    ]


def purge_idempotency_keys(now: datetime | None = None) -> dict[str, int]:
    """The housekeeping task: forget Idempotency-Keys past their 24 hours."""
    with unit_of_work() as uow:
        return {"idempotency_keys_purged": idempotency_repository.purge_expired(uow.session, now or datetime.now(UTC))}


__all__ = [
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
