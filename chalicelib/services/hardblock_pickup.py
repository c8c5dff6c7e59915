"""Pick-up: bookings that consume a block's rooms (one, or a rooming list), and their return on cancellation.

In one transaction, like every booking (``booking_creation``)::

    the block's row lock (before any room-type lock: ``hardblock_service.change_block``'s order)
    check every request (room types of the block, dates) — 422 naming each field, nothing written
    lock the booking's room types (pg_advisory_xact_lock(2, id), ascending ids)
    take the rooms from the block (409 ``block_exhausted`` naming the nights), load the cells
    write each booking (booking_writer: confirmed, blocked -n / sold +n, no ARI change), the
    block's nights, its next version and the audit rows

Cancelling such a booking (any transition to ``cancelled``, see ``booking_workflow``) calls
:func:`follow_cancellation` under the same locks: before the block's cut-off the rooms go back to the
block, after it to the pool (an ARI change), and the block gets a version.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any

from chalicelib.db.models import BookingGroup
from chalicelib.db.repositories import inventory_cells
from chalicelib.db.repositories.hardblock_pickups import SqlHardblockPickupRepository
from chalicelib.db.unit_of_work import SqlUnitOfWork, unit_of_work
from chalicelib.domain.access import Caller, CountryScope
from chalicelib.domain.booking_plans import Actor, BookingPlan
from chalicelib.domain.booking_requests import NewBooking, PropertyFacts, RoomTypeFacts, validate_request
from chalicelib.domain.bookings import CONFIRMED, ActorSource, BookingSource, CellKey, format_reference
from chalicelib.domain.catalog import PropertyRecord
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.hardblock_pickup import (
    BlockBookingFacts,
    block_return_plan,
    changed_nights,
    demand_of,
    give_back,
    plan_block_booking,
    returns_to_block,
    take,
)
from chalicelib.domain.hardblock_release import release_date
from chalicelib.domain.hardblocks import BlockRecord, BlockState
from chalicelib.domain.inventory import CounterChange, InventoryCell
from chalicelib.domain.nights import NightRange
from chalicelib.domain.timezones import today_in_timezone
from chalicelib.services.audit_service import audit_entry
from chalicelib.services.booking_support import RoomTypeLocker, lock_room_types, status_by_code
from chalicelib.services.booking_writer import persist_plan, status_facts
from chalicelib.services.hardblock_service import find_block
from chalicelib.services.property_service import property_of

FieldNamer = Callable[[int, str], dict[str, Any]]
"""Where request ``index``'s field ``name`` is, for an error (``{"field": "body.check_in"}``, or a CSV line's)."""


@dataclass(frozen=True)
class PickedUp:
    """Bookings made from a block, and the block after them."""

    block: BlockRecord
    booking_ids: tuple[int, ...]
    references: tuple[str, ...]


def pick_up(
    caller: Caller,
    block_id: int,
    requests: Sequence[NewBooking],
    field: FieldNamer,
    *,
    now: datetime | None = None,
    lock_room_types: RoomTypeLocker = lock_room_types,
    lock_block: bool = True,
) -> PickedUp:
    """Book ``requests`` (one booking each, one line each) from the block's free rooms, all or none.

    ``lock_room_types`` / ``lock_block=False``: only the race test's negative control switches them off.
    """
    moment = now or datetime.now(UTC)
    with unit_of_work() as work:
        pickups = SqlHardblockPickupRepository(work.session)
        block = find_block(work, caller, block_id, for_update=lock_block)
        prop = property_of(work, block)
        requests = [_as_block_booking(work, block, request) for request in requests]
        stays = _checked(work, block, prop, requests, field, moment)
        room_type_ids = {line.room_type_id for request in requests for line in request.lines}
        lock_room_types(work.session, room_type_ids)
        before = block.state()
        wanted = [
            (line.room_type_id, stay, line.rooms)
            for request, stay in zip(requests, stays, strict=True)
            for line in request.lines
        ]
        take(before, demand_of(wanted))  # refuses the whole list, naming every short night
        cells = inventory_cells.load_cells(
            work.session, room_type_ids, min(s.check_in for s in stays), max(s.check_out for s in stays)
        )
        confirmed = status_facts(status_by_code(work.session, CONFIRMED))
        hotel = _facts(prop)
        state, groups = before, []
        for request, stay in zip(requests, stays, strict=True):
            after = take(state, demand_of((line.room_type_id, stay, line.rooms) for line in request.lines))
            facts = BlockBookingFacts(
                request, (stay,), hotel, block.id, confirmed, Actor.of(caller, ActorSource.PARTNER)
            )
            reference = format_reference(secrets.token_bytes(5))
            plan = plan_block_booking(facts, state, after, cells, reference=reference, moment=moment)
            groups.append(persist_plan(work.session, plan).group)
            cells, state = dict(plan.cells_after), after
        updated = _save_block(work, pickups, caller, block, before, state, "hardblock.picked_up", groups)
        return PickedUp(updated, tuple(group.id for group in groups), tuple(group.reference for group in groups))


def _as_block_booking(work: SqlUnitOfWork, block: BlockRecord, request: NewBooking) -> NewBooking:
    """The request as the block's partner booking: the agency's code, or the block's."""
    code = f"hardblock-{block.id}"
    if block.agency_id is not None:
        agency = work.allotments.get_agency(CountryScope.everywhere(), block.agency_id)
        code = agency.code if agency is not None else code
    return replace(request, property_id=block.property_id, source=BookingSource.PARTNER, partner_code=code)


def _facts(prop: PropertyRecord) -> PropertyFacts:
    return PropertyFacts(prop.id, prop.name, prop.status, prop.country_code, prop.currency, prop.timezone)


def _checked(
    work: SqlUnitOfWork,
    block: BlockRecord,
    prop: PropertyRecord,
    requests: Sequence[NewBooking],
    field: FieldNamer,
    moment: datetime,
) -> list[NightRange]:
    """Each request's stay, or one InvalidInput naming every bad field of every request."""
    room_types = {
        rt.id: RoomTypeFacts(rt.id, rt.is_active, rt.base_rate)
        for rt in work.room_types.of_property(prop.id, prop.currency)
    }
    held = block.state().room_type_ids()
    today = today_in_timezone(moment, prop.timezone)
    problems: list[dict[str, Any]] = []
    stays: list[NightRange] = []
    for index, request in enumerate(requests):
        try:
            stays.append(validate_request(request, _facts(prop), room_types, {}, today)[0])
        except InvalidInput as error:
            problems.extend(
                {**detail, **field(index, str(detail["field"]).removeprefix("lines[0]."))} for detail in error.details
            )
            continue
        if request.lines[0].room_type_id not in held:
            problems.append({**field(index, "room_type_id"), "message": "the block holds no rooms of this room type"})
    if problems:
        raise InvalidInput("; ".join(f"{p['field']}: {p['message']}" for p in problems[:5]), details=problems)
    return stays


def _save_block(
    work: SqlUnitOfWork,
    pickups: SqlHardblockPickupRepository,
    caller: Caller | None,
    block: BlockRecord,
    before: BlockState,
    after: BlockState,
    action: str,
    groups: Sequence[BookingGroup],
) -> BlockRecord:
    """Write the block nights that changed, its next version (the whole block) and the audit row."""
    pickups.save_nights(block.id, changed_nights(before, after))
    updated = work.hardblocks.get(CountryScope.everywhere(), block.id)
    assert updated is not None, "the block's row is locked"
    work.hardblocks.add_version(updated, None if caller is None else caller.user_id)
    after_snapshot = {**updated.snapshot(), "bookings": [group.reference for group in groups]}
    work.audit.add(
        audit_entry(
            caller, action, "hardblock", block.id, block.snapshot(), after_snapshot, country_code=block.country_code
        )
    )
    return updated


# --- cancellation -----------------------------------------------------------------------------------


def lock_block_of_group(work: SqlUnitOfWork, group_id: int) -> None:
    """Before a booking's room-type locks: its block's row lock, if it picked up rooms of a block."""
    pickups = SqlHardblockPickupRepository(work.session)
    block_id = pickups.block_id_of_group(group_id)
    if block_id is not None:
        pickups.lock_block(block_id)


def follow_cancellation(
    work: SqlUnitOfWork,
    group: BookingGroup,
    plan: BookingPlan,
    cells: dict[CellKey, InventoryCell],
    caller: Caller | None,
) -> BookingPlan:
    """``plan`` (a cancellation of a block's booking) with the rooms given back to the block or the pool.

    Before the night's release date (the block's cut-off, or N days before the night for a rolling
    block; the property's today) and while the block is active, the rooms are the block's again
    (withheld: ``blocked`` +n); after it they go to the pool (the block's ``rooms`` -n, ``released``
    +n; available +n, an ARI change). The block gets a version and an audit row.
    """
    assert group.hardblock_id is not None, "a block's booking"
    pickups = SqlHardblockPickupRepository(work.session)
    pickups.lock_block(group.hardblock_id)  # already held when booking_workflow.transition took it first
    block = work.hardblocks.get(CountryScope.everywhere(), group.hardblock_id)
    assert block is not None, "bookings keep their block (ON DELETE RESTRICT)"
    freed = [
        (move.room_type_id, NightRange.single(night), move.rooms)
        for move in plan.moves
        if move.change in (CounterChange.CANCEL_SALE, CounterChange.RELEASE_HOLD)
        for night in move.nights
    ]
    if not freed:
        return plan
    prop = property_of(work, block)
    before = block.state()
    to_block = returns_to_block(before, partial(release_date, block), today_in_timezone(plan.moment, prop.timezone))
    after = give_back(before, demand_of(freed), to_block=to_block)
    back_to_block = {to_block(nights.check_in) for _, nights, _ in freed}
    action = {
        frozenset({True}): "hardblock.returned_to_block",
        frozenset({False}): "hardblock.returned_to_pool",
    }.get(frozenset(back_to_block), "hardblock.returned_to_block_and_pool")
    _save_block(work, pickups, caller, block, before, after, action, [group])
    return block_return_plan(plan, before, after, cells)
