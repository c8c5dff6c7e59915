"""Direct and partner bookings: a hold under the room types' advisory locks (load → plan → persist).

Following ARCHITECTURE.md's critical path, in one transaction::

    read and check everything that does not depend on the counters (property, room types,
    plans, rates, settings) — before the lock, so the critical section stays short
    lock the room types (pg_advisory_xact_lock(2, id), ascending ids)
    read the inventory_days cells of every night concerned (and each departure day)
    plan: refuse (409, naming the short or restricted nights) or decide the hold
    write the plan (booking_writer): group, lines, nights, event, counters + ARI outbox, audit

The booking starts as a hold (status ``pending``, counted in ``held``) for
``booking_expiry_minutes``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from chalicelib.db.repositories import bookings as booking_repository
from chalicelib.db.repositories import idempotency as idempotency_repository
from chalicelib.db.repositories import inventory_cells
from chalicelib.db.repositories.bookings import HotelRow, RoomTypeRow, StatusRow
from chalicelib.db.repositories.settings import booking_expiry_setting
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller
from chalicelib.domain.booking_plans import Actor, DirectBookingFacts, plan_direct_booking
from chalicelib.domain.booking_requests import (
    CREATE_OPERATION,
    NewBooking,
    PricedLine,
    PropertyFacts,
    RatePlanFacts,
    RoomTypeFacts,
    price_line,
    validate_request,
)
from chalicelib.domain.bookings import PENDING, ActorSource, BookingSource, IdempotencyKeyReused, format_reference
from chalicelib.domain.errors import Conflict
from chalicelib.domain.timezones import today_in_timezone
from chalicelib.services import booking_support
from chalicelib.services.booking_query_service import build_detail, detail_json
from chalicelib.services.booking_support import RoomTypeLocker, lock_room_types
from chalicelib.services.booking_writer import PersistedBooking, persist_plan, status_facts

IDEMPOTENCY_TTL = timedelta(hours=24)


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
    caller: Caller,
    request: NewBooking,
    idempotency_key: str | None = None,
    *,
    now: datetime | None = None,
    lock_room_types: RoomTypeLocker = lock_room_types,
) -> CreatedBooking:
    """Take a direct or partner booking as a hold, under the room types' advisory locks.

    Refused with 409 naming every short night (``insufficient_inventory``) or restricted night
    (``stay_restricted``); 422 for input the calendar cannot serve (unknown room type, past
    dates, no rate). With ``idempotency_key``, a retry of the same request by the same caller
    returns the first result (``replayed``); the same key with a different request is 422.
    ``lock_room_types`` is the lock taken around the counters; only the race test's negative
    control passes another (one that takes nothing, to show the test would catch an oversell).
    """
    moment = now or datetime.now(UTC)
    with unit_of_work() as uow:
        session = uow.session
        claim_id: int | None = None
        if idempotency_key is not None:
            fingerprint = request.fingerprint()  # only a key's request is compared
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
        loaded = _load(session, caller, request, moment)
        lines = loaded.facts.lines
        room_type_ids = {line.request.room_type_id for line in lines}
        first_night = min(line.stay.check_in for line in lines)
        last_night = max(line.stay.check_out for line in lines)  # the departure day's cell, for closed-to-departure
        if lock_room_types is booking_support.lock_room_types:  # the real locks go with the cells read: one round trip
            cells = inventory_cells.lock_and_load_cells(session, room_type_ids, first_night, last_night)
        else:
            lock_room_types(session, room_type_ids)
            cells = inventory_cells.load_cells(session, room_type_ids, first_night, last_night)
        reference = format_reference(secrets.token_bytes(5))
        plan = plan_direct_booking(loaded.facts, cells, reference=reference, moment=moment)
        # Without a key the write is the transaction's last statement: its COMMIT rides with it.
        written = persist_plan(session, plan, commit=claim_id is None)
        if claim_id is not None:  # the key and its answer commit together
            response = _answer(loaded, written, caller)
            idempotency_repository.complete(session, claim_id, 201, response, str(written.group.id))
            return CreatedBooking(written.group.id, written.group.reference, response, replayed=False)
    # Without a key the answer is built once the locks are released (from the rows written: no query).
    response = _answer(loaded, written, caller)
    return CreatedBooking(written.group.id, written.group.reference, response, replayed=False)


@dataclass(frozen=True)
class _Loaded:
    facts: DirectBookingFacts
    hotel: HotelRow
    room_types: dict[int, RoomTypeRow]
    pending: StatusRow


def _load(session: Session, caller: Caller, request: NewBooking, moment: datetime) -> _Loaded:
    """Everything the plan needs but the counters, checked and priced (422 naming the fields)."""
    targets = (
        booking_repository.booking_targets(
            session,
            request.property_id,
            caller.scope,
            PENDING,
            "booking_expiry_minutes",
            [line.room_type_id for line in request.lines],
        )
        if request.lines
        else booking_repository.BookingTargets(None, None, None, {})
    )
    hotel, pending, room_types = targets.hotel, targets.status, targets.room_types
    plans = booking_repository.rate_plans_by_id(
        session, [line.rate_plan_id for line in request.lines if line.rate_plan_id is not None]
    )
    hotel_facts = (
        PropertyFacts(hotel.id, hotel.name, hotel.status, hotel.country_code, hotel.currency, hotel.timezone)
        if hotel is not None
        else None
    )
    room_type_facts = {rt.id: RoomTypeFacts(rt.id, rt.is_active, rt.base_rate) for rt in room_types.values()}
    plan_facts = {plan.id: RatePlanFacts(plan.id, plan.room_type_id, plan.is_active) for plan in plans.values()}
    today = today_in_timezone(moment, hotel.timezone) if hotel is not None else moment.date()
    stays = validate_request(request, hotel_facts, room_type_facts, plan_facts, today)
    assert hotel is not None, "validated"
    assert hotel_facts is not None, "validated"
    if pending is None:  # the migration seeds it and it cannot be deleted
        raise RuntimeError(f"booking status {PENDING!r} is missing")
    hold_for = timedelta(minutes=booking_expiry_setting(targets.stored_setting))
    priced: list[PricedLine] = []
    for index, (line, stay) in enumerate(zip(request.lines, stays, strict=True)):
        rates = (
            booking_repository.rate_amounts(session, line.rate_plan_id, tuple(stay))
            if line.rate_plan_id is not None and line.amount is None
            else None
        )
        priced.append(price_line(line, stay, room_type_facts[line.room_type_id], rates, hotel_facts.currency, index))
    source = ActorSource.PARTNER if request.source is BookingSource.PARTNER else ActorSource.STAFF
    facts = DirectBookingFacts(
        request, hotel_facts, tuple(priced), status_facts(pending), hold_for, Actor.of(caller, source)
    )
    return _Loaded(facts, hotel, room_types, pending)


def _answer(loaded: _Loaded, written: PersistedBooking, caller: Caller) -> dict[str, Any]:
    """The booking's JSON, built from the rows just written (no query)."""
    pending = loaded.pending
    detail = build_detail(
        written.group,
        pending,
        loaded.hotel,
        [(line, loaded.room_types[line.room_type_id], pending) for line in written.lines],
        written.events,
        [],
        caller,
    )
    return detail_json(detail)


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
