"""Room types of a property: scoped CRUD; creating one creates its 24 months of calendar.

Changing ``total_rooms`` re-derives every night from today on (``change_total``): refused with
a 409 naming the nights where rooms already sold, held or blocked exceed the new total, or where
supplier allocations would exceed it. Changing the buffer override re-applies the buffer.
Deactivating keeps the calendar (and its history) but stops extending it; deleting is refused
while any night from today on has rooms sold, held or blocked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chalicelib.db.locks import lock_room_types
from chalicelib.db.models import Property, RoomType
from chalicelib.db.models import SupplierAllocation as AllocationRow
from chalicelib.db.repositories import calendar as calendar_repository
from chalicelib.db.repositories import properties as property_repository
from chalicelib.db.repositories import settings as settings_repository
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller
from chalicelib.domain.allocations import SupplierAllocation, validate_allocations
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.inventory import change_total, pair_changes
from chalicelib.domain.money import check_amount
from chalicelib.domain.nights import NightRange
from chalicelib.services import calendar_upkeep
from chalicelib.services.audit_service import audit_snapshot, record_audit
from chalicelib.services.property_service import require_not_archived, scoped_property

ROOM_TYPE_AUDIT_FIELDS = (
    "property_id",
    "code",
    "name",
    "total_rooms",
    "max_occupancy",
    "base_rate",
    "buffer_rooms",
    "is_active",
)


@dataclass(frozen=True)
class RoomTypeRecord:
    id: int
    property_id: int
    code: str
    name: str
    total_rooms: int
    max_occupancy: int
    base_rate: Decimal
    buffer_rooms: int | None
    is_active: bool
    created_at: datetime
    updated_at: datetime


def room_type_record(room_type: RoomType, currency: str) -> RoomTypeRecord:
    return RoomTypeRecord(
        id=room_type.id,
        property_id=room_type.property_id,
        code=room_type.code,
        name=room_type.name,
        total_rooms=room_type.total_rooms,
        max_occupancy=room_type.max_occupancy,
        base_rate=calendar_repository.amount_at_scale(room_type.base_rate, currency),
        buffer_rooms=room_type.buffer_rooms,
        is_active=room_type.is_active,
        created_at=room_type.created_at,
        updated_at=room_type.updated_at,
    )


def scoped_room_type(
    session: Session, caller: Caller, room_type_id: int, *, for_update: bool = False
) -> tuple[RoomType, Property]:
    found = property_repository.scoped_room_type(session, room_type_id, caller.scope, for_update=for_update)
    if found is None:
        raise NotFound("No such room type.")
    return found


def list_room_types(caller: Caller, property_id: int) -> list[RoomTypeRecord]:
    with unit_of_work() as uow:
        prop = scoped_property(uow.session, caller, property_id)
        return [room_type_record(rt, prop.currency) for rt in property_repository.room_types_of(uow.session, prop.id)]


def get_room_type(caller: Caller, room_type_id: int) -> RoomTypeRecord:
    with unit_of_work() as uow:
        room_type, prop = scoped_room_type(uow.session, caller, room_type_id)
        return room_type_record(room_type, prop.currency)


@dataclass(frozen=True)
class NewRoomType:
    code: str
    name: str
    total_rooms: int
    max_occupancy: int = 2
    base_rate: Decimal = Decimal(0)
    buffer_rooms: int | None = None


def create_room_type(
    caller: Caller, property_id: int, new: NewRoomType, *, now: datetime | None = None
) -> RoomTypeRecord:
    """Create a room type and its calendar: one night per day from today to today + 24 months."""
    with unit_of_work() as uow:
        session = uow.session
        prop = scoped_property(session, caller, property_id)
        require_not_archived(prop)
        base_rate = check_amount(new.base_rate, prop.currency, field="body.base_rate")
        _check_code_free(session, prop.id, new.code)
        room_type = RoomType(
            property_id=prop.id,
            code=new.code,
            name=new.name,
            total_rooms=new.total_rooms,
            max_occupancy=new.max_occupancy,
            base_rate=base_rate,
            buffer_rooms=new.buffer_rooms,
        )
        session.add(room_type)
        session.flush()
        session.refresh(room_type)
        lock_room_types(session, [room_type.id])
        settings = settings_repository.load_app_settings(session)
        changes = calendar_upkeep.sync_room_type(
            session,
            prop,
            room_type,
            today=calendar_upkeep.property_today(prop, now),
            buffer=calendar_upkeep.room_type_buffer(settings, prop, room_type),
        )
        calendar_upkeep.persist(session, prop.id, changes)
        record_audit(
            session,
            caller,
            "room_type.created",
            "room_type",
            room_type.id,
            None,
            audit_snapshot(room_type, ROOM_TYPE_AUDIT_FIELDS),
            country_code=prop.country_code,
        )
        return room_type_record(room_type, prop.currency)


def _check_code_free(session: Session, property_id: int, code: str, except_id: int | None = None) -> None:
    if property_repository.room_type_code_taken(session, property_id, code, except_id=except_id):
        raise Conflict(
            f"This property already has a room type {code!r}.",
            details=[{"field": "body.code", "message": "already used in this property"}],
        )


def update_room_type(
    caller: Caller, room_type_id: int, changes: dict[str, Any], *, now: datetime | None = None
) -> RoomTypeRecord:
    """Edit a room type. ``total_rooms`` re-derives every night from today (409 naming the nights
    it would put below the rooms already committed, or below supplier allocations); a new buffer
    override is applied to the calendar; re-activating tops the calendar up to the horizon."""
    with unit_of_work() as uow:
        session = uow.session
        room_type, prop = scoped_room_type(session, caller, room_type_id)
        require_not_archived(prop)
        # The lock first: the total is checked against counters bookings move under the same lock.
        lock_room_types(session, [room_type.id])
        session.refresh(room_type, with_for_update=True)
        before = audit_snapshot(room_type, ROOM_TYPE_AUDIT_FIELDS)
        if "base_rate" in changes:
            changes["base_rate"] = check_amount(changes["base_rate"], prop.currency, field="body.base_rate")
        if "code" in changes:
            _check_code_free(session, prop.id, changes["code"], except_id=room_type.id)
        today = calendar_upkeep.property_today(prop, now)
        calendar = calendar_upkeep.CalendarChanges()
        new_total = changes.get("total_rooms", room_type.total_rooms)
        if new_total != room_type.total_rooms:
            _check_allocations(session, room_type.id, new_total, today)
            cells = calendar_repository.load_cells(session, [room_type.id], today)
            changed = change_total(cells, new_total, from_night=today, field="body.total_rooms")
            calendar.inventory.extend(pair_changes(cells, changed))
        for name, value in changes.items():
            setattr(room_type, name, value)
        session.flush()
        if calendar.inventory:
            # persist the new totals before the buffer/horizon sync reads the cells again
            calendar_upkeep.persist(session, prop.id, calendar)
        if room_type.is_active and (
            before["buffer_rooms"] != room_type.buffer_rooms or before["is_active"] != room_type.is_active
        ):
            settings = settings_repository.load_app_settings(session)
            sync = calendar_upkeep.sync_room_type(
                session,
                prop,
                room_type,
                today=today,
                buffer=calendar_upkeep.room_type_buffer(settings, prop, room_type),
            )
            calendar_upkeep.persist(session, prop.id, sync)
        session.refresh(room_type)
        after = audit_snapshot(room_type, ROOM_TYPE_AUDIT_FIELDS)
        if after != before:
            record_audit(
                session,
                caller,
                "room_type.updated",
                "room_type",
                room_type.id,
                before,
                after,
                country_code=prop.country_code,
            )
        return room_type_record(room_type, prop.currency)


def _check_allocations(session: Session, room_type_id: int, new_total: int, today: Any) -> None:
    rows = session.scalars(
        select(AllocationRow).where(AllocationRow.room_type_id == room_type_id, AllocationRow.date_to >= today)
    )
    allocations = [
        SupplierAllocation(
            row.supplier_id,
            row.room_type_id,
            NightRange.through(max(row.date_from, today), row.date_to),
            row.rooms,
            row.id,
        )
        for row in rows
    ]
    validate_allocations(allocations, {room_type_id: new_total})


def delete_room_type(caller: Caller, room_type_id: int, *, now: datetime | None = None) -> None:
    """Delete a room type with its calendar and rate plans; refused (409) while any night from
    today on has rooms sold, held or blocked (deactivate it instead)."""
    with unit_of_work() as uow:
        session = uow.session
        room_type, prop = scoped_room_type(session, caller, room_type_id)
        lock_room_types(session, [room_type.id])
        today = calendar_upkeep.property_today(prop, now)
        committed = [cell for cell in calendar_repository.load_cells(session, [room_type.id], today) if cell.committed]
        if committed:
            nights = ", ".join(cell.night.isoformat() for cell in committed[:10])
            raise Conflict(
                f"Room type {room_type.code} has rooms sold, held or blocked on {nights}"
                + (f" and {len(committed) - 10} more night(s)" if len(committed) > 10 else "")
                + "; deactivate it instead.",
                details=[
                    {"field": "room_type_id", "night": cell.night.isoformat(), "committed": cell.committed}
                    for cell in committed
                ],
            )
        before = audit_snapshot(room_type, ROOM_TYPE_AUDIT_FIELDS)
        session.delete(room_type)
        record_audit(
            session,
            caller,
            "room_type.deleted",
            "room_type",
            room_type_id,
            before,
            None,
            country_code=prop.country_code,
        )
