"""Agency bookings: a hold against the contract's allotment under the booking lock (load → plan → persist).

In one transaction, like every booking (``booking_creation``)::

    find the contract in the caller's scope; check the agency and contract may sell; check the
    request (room types, dates) — before the lock
    lock the room types (pg_advisory_xact_lock(2, id), ascending ids: the booking path's lock)
    resolve the property's allotments (picked-up counts read under the lock) and the cells
    plan (domain/agency_bookings): each night from the allotment, then (free sale) the pool,
    or 409 naming the night and what remains
    write the hold (booking_writer: group, lines, nights, counters + ARI outbox, audit), the
    agency booking's nights, and the allotment picked up (picked_up += n, withheld -= n)

The hold lasts ``booking_expiry_minutes`` like any other. Confirming it makes a sale order and
cancelling it gives the rooms back (:mod:`chalicelib.services.sale_order_service`).
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from chalicelib.db.models import BookingGroup, Property
from chalicelib.db.repositories import bookings as booking_repository
from chalicelib.db.repositories import inventory_cells
from chalicelib.db.repositories.settings import load_app_settings
from chalicelib.db.unit_of_work import SqlUnitOfWork, unit_of_work
from chalicelib.domain.access import Caller, CountryScope
from chalicelib.domain.agency_bookings import (
    NightTake,
    check_min_stay,
    contract_rates,
    demand_of,
    plan_agency_booking,
    plan_pick_up,
    terms_within,
)
from chalicelib.domain.allotment_records import ContractRecord
from chalicelib.domain.allotments import AgencyStatus, AllotmentNight, ContractStatus, resolve_allotment_nights
from chalicelib.domain.audit import AuditEntry
from chalicelib.domain.booking_plans import Actor, DirectBookingFacts, StatusFacts
from chalicelib.domain.booking_requests import NewBooking, PricedLine, RoomTypeFacts, price_line, validate_request
from chalicelib.domain.bookings import PENDING, ActorSource, BookingSource, format_reference
from chalicelib.domain.errors import Conflict
from chalicelib.domain.nights import NightRange
from chalicelib.domain.timezones import today_in_timezone
from chalicelib.services.allotment_service import find_contract
from chalicelib.services.audit_service import audit_entry
from chalicelib.services.booking_support import RoomTypeLocker, lock_room_types, property_facts, status_by_code
from chalicelib.services.booking_writer import persist_plan, status_facts
from chalicelib.services.property_service import property_of


class ContractNotSelling(Conflict):
    """The contract is not active or its agency is suspended / closed (→ 409)."""

    code = "contract_not_selling"


@dataclass(frozen=True)
class AgencyBookingView:
    """An agency booking: the booking group, its contract, and what each night took at which rate."""

    booking_id: int
    reference: str
    contract_id: int
    agency_id: int
    status: str
    hold_expires_at: datetime | None
    currency: str
    total: Decimal
    nights: tuple[NightTake, ...]


def book(
    caller: Caller,
    contract_id: int,
    request: NewBooking,
    *,
    now: datetime | None = None,
    lock_room_types: RoomTypeLocker = lock_room_types,
) -> AgencyBookingView:
    """Take an agency booking under ``contract_id`` as a hold (see the module's docstring).

    409 ``allotment_exhausted`` naming each night the allotment cannot serve (and what remains),
    ``insufficient_inventory`` when a free-sale contract's pool part does not fit, ``stay_restricted``
    for calendar restrictions, ``contract_not_selling``; 422 naming ``body.lines[i]`` fields.
    ``lock_room_types``: only the race test's negative control passes another.
    """
    moment = now or datetime.now(UTC)
    with unit_of_work() as work:
        loaded = _load(work, caller, contract_id, request, moment)
        contract, request, stays = loaded.contract, loaded.request, loaded.stays
        session = work.session
        room_type_ids = set(loaded.room_types)
        lock_room_types(session, room_type_ids)
        nights = _contract_nights(work, contract, stays, moment)
        lines = list(zip(request.lines, stays, strict=True))
        check_min_stay([(line.room_type_id, stay) for line, stay in lines], nights)
        demand = demand_of((line.room_type_id, stay, line.rooms) for line, stay in lines)
        takes = plan_pick_up(contract.mode, demand, nights)
        facts = DirectBookingFacts(
            request,
            property_facts(loaded.hotel),
            _priced(request, stays, takes, loaded.room_types, loaded.base_rate_currency),
            loaded.pending,
            loaded.hold_for,
            Actor.of(caller, ActorSource.PARTNER),
        )
        cells = inventory_cells.load_cells(
            session, room_type_ids, min(stay.check_in for stay in stays), max(stay.check_out for stay in stays)
        )
        reference = format_reference(secrets.token_bytes(5))
        group = persist_plan(
            session, plan_agency_booking(facts, takes, cells, reference=reference, moment=moment)
        ).group
        work.agency_sales.add_agency_booking(group.id, contract.id, contract.agency_id, takes)
        work.agency_sales.pick_up(contract.id, allotted(takes))
        work.audit.add(pick_up_audit(caller, contract, group.id, takes, "allotment.picked_up"))
        return agency_booking_view(group, contract, PENDING, takes)


def agency_booking_view(
    group: BookingGroup, contract: ContractRecord, status: str, takes: tuple[NightTake, ...]
) -> AgencyBookingView:
    total = sum((take.amount for take in takes), Decimal(0))
    return AgencyBookingView(
        group.id,
        group.reference,
        contract.id,
        contract.agency_id,
        status,
        group.hold_expires_at,
        contract.currency,
        total,
        takes,
    )


@dataclass(frozen=True)
class _Loaded:
    contract: ContractRecord
    request: NewBooking
    hotel: Property
    stays: tuple[NightRange, ...]
    room_types: dict[int, RoomTypeFacts]
    pending: StatusFacts
    hold_for: timedelta
    base_rate_currency: str | None


def _load(work: SqlUnitOfWork, caller: Caller, contract_id: int, request: NewBooking, moment: datetime) -> _Loaded:
    """The contract, the request as the agency's partner booking of its property, checked (422 naming fields)."""
    contract = find_contract(work, caller, contract_id)
    agency_code = _selling_agency_code(work, contract)
    session = work.session
    hotel = session.get(Property, contract.property_id)
    assert hotel is not None, "a contract's property is never deleted"
    request = dataclasses.replace(request, property_id=hotel.id, source=BookingSource.PARTNER, partner_code=agency_code)
    rows = booking_repository.room_types_of_property(session, hotel.id, [line.room_type_id for line in request.lines])
    room_types = {rt.id: RoomTypeFacts(rt.id, rt.is_active, rt.base_rate) for rt in rows.values()}
    today = today_in_timezone(moment, hotel.timezone)
    stays = validate_request(request, property_facts(hotel), room_types, {}, today)
    return _Loaded(
        contract,
        request,
        hotel,
        stays,
        room_types,
        status_facts(status_by_code(session, PENDING)),
        timedelta(minutes=load_app_settings(session).booking_expiry_minutes),
        hotel.currency if hotel.currency != contract.currency else None,
    )


def allotted(takes: Iterable[NightTake]) -> dict[tuple[int, date], int]:
    """Rooms taken from the allotment per (room type, night)."""
    return {(take.room_type_id, take.night): take.from_allotment for take in takes if take.from_allotment}


def _selling_agency_code(work: SqlUnitOfWork, contract: ContractRecord) -> str:
    agency = work.allotments.get_agency(CountryScope.everywhere(), contract.agency_id)
    assert agency is not None, "a contract's agency is never deleted (ON DELETE RESTRICT)"
    if contract.status is not ContractStatus.ACTIVE:
        raise ContractNotSelling(
            f"Contract {contract.id} is {contract.status}, not active.",
            details=[{"field": "path.contract_id", "message": f"the contract is {contract.status}"}],
        )
    if agency.status is not AgencyStatus.ACTIVE:
        raise ContractNotSelling(
            f"Agency {agency.code} is {agency.status}.",
            details=[{"field": "path.contract_id", "message": f"the contract's agency is {agency.status}"}],
        )
    return agency.code


def _contract_nights(
    work: SqlUnitOfWork, contract: ContractRecord, stays: Iterable[NightRange], moment: datetime
) -> dict[tuple[int, date], AllotmentNight]:
    """The contract's resolved nights of ``stays`` on ``moment``, its pick-ups read under the room types' locks.

    Only this contract, and only those nights, are resolved: a night's outstanding rooms depend on
    the contract's own terms, events and pick-ups of that night alone.
    """
    wanted = list(stays)
    window = NightRange(min(stay.check_in for stay in wanted), max(stay.check_out for stay in wanted))
    prop = property_of(work, contract)
    resolved = resolve_allotment_nights(
        [terms_within(contract.terms(), window)],
        [record.event for record in work.allotments.events_of([contract.id])],
        picked_up=work.agency_sales.picked_up(contract.id, window.first_night, window.last_night),
        as_of=moment,
        today=today_in_timezone(moment, prop.timezone),
    )
    return {(night.room_type_id, night.night): night for night in resolved if night.night in window}


def _priced(
    request: NewBooking,
    stays: tuple[NightRange, ...],
    takes: tuple[NightTake, ...],
    room_types: dict[int, RoomTypeFacts],
    base_rate_currency: str | None,
) -> tuple[PricedLine, ...]:
    """Each line at the contract's rates; a contract in another currency than the property's
    (``base_rate_currency``: the property's) leaves the booking priced at the room types' base
    rates in the property's currency (the sale order carries the contract's prices)."""
    if base_rate_currency is not None:
        return tuple(
            price_line(line, stay, room_types[line.room_type_id], None, base_rate_currency, index)
            for index, (line, stay) in enumerate(zip(request.lines, stays, strict=True))
        )
    rates = contract_rates(takes)
    priced = []
    for line, stay in zip(request.lines, stays, strict=True):
        nightly = {night: rates[(line.room_type_id, night)] * line.rooms for night in stay}
        priced.append(PricedLine(line, stay, sum(nightly.values(), Decimal(0)), nightly))
    return tuple(priced)


def pick_up_audit(
    caller: Caller | None, contract: ContractRecord, booking_id: int, takes: tuple[NightTake, ...], action: str
) -> AuditEntry:
    """The contract's audit row of an agency booking's pick-up (or its return)."""
    return audit_entry(
        caller,
        action,
        "contract",
        contract.id,
        None,
        {
            "booking_id": booking_id,
            "nights": [
                {
                    "room_type_id": t.room_type_id,
                    "night": t.night.isoformat(),
                    "from_allotment": t.from_allotment,
                    "from_pool": t.from_pool,
                }
                for t in takes
            ],
        },
        country_code=contract.country_code,
    )
