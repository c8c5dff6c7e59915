"""Room types of a property: scoped CRUD; creating one creates its 24 months of calendar.

Changing ``total_rooms`` re-derives every night from today on (``change_total``): refused with
a 409 naming the nights where rooms already sold, held or blocked exceed the new total, or where
supplier allocations would exceed it. Changing the buffer override re-applies the buffer.
Deactivating keeps the calendar (and its history) but stops extending it; deleting is refused
while any night from today on has rooms sold, held or blocked.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller
from chalicelib.domain.allocations import validate_allocations
from chalicelib.domain.catalog import NewRoomType, PropertyRecord, RoomTypeRecord, require_not_archived
from chalicelib.domain.errors import Conflict, existing
from chalicelib.domain.inventory import InventoryCellChange, change_total, pair_changes
from chalicelib.domain.money import check_amount
from chalicelib.services.audit_service import AuditedKind
from chalicelib.services.ports import UnitOfWork, UnitOfWorkFactory
from chalicelib.services.property_service import find_property, property_today

__all__ = [
    "NewRoomType",
    "RoomTypeRecord",
    "create_room_type",
    "delete_room_type",
    "find_room_type",
    "get_room_type",
    "list_room_types",
    "update_room_type",
]

ROOM_TYPE_AUDIT = AuditedKind(
    "room_type",
    ("property_id", "code", "name", "total_rooms", "max_occupancy", "base_rate", "buffer_rooms", "is_active"),
)


def find_room_type(
    work: UnitOfWork, caller: Caller, room_type_id: int, *, for_update: bool = False
) -> tuple[RoomTypeRecord, PropertyRecord]:
    """The room type and its property if the caller's scope includes it; NotFound otherwise."""
    return existing(work.room_types.get(caller.scope, room_type_id, for_update=for_update), "No such room type.")


def list_room_types(caller: Caller, property_id: int, *, uow: UnitOfWorkFactory = unit_of_work) -> list[RoomTypeRecord]:
    with uow() as work:
        prop = find_property(work, caller, property_id)
        return work.room_types.of_property(prop.id, prop.currency)


def get_room_type(caller: Caller, room_type_id: int, *, uow: UnitOfWorkFactory = unit_of_work) -> RoomTypeRecord:
    with uow() as work:
        room_type, _ = find_room_type(work, caller, room_type_id)
        return room_type


def create_room_type(
    caller: Caller,
    property_id: int,
    new: NewRoomType,
    *,
    now: datetime | None = None,
    uow: UnitOfWorkFactory = unit_of_work,
) -> RoomTypeRecord:
    """Create a room type and its calendar: one night per day from today to today + 24 months."""
    with uow() as work:
        prop = find_property(work, caller, property_id)
        require_not_archived(prop)
        base_rate = check_amount(new.base_rate, prop.currency, field="base_rate")
        _check_code_free(work, prop.id, new.code)
        room_type = work.room_types.add(prop.id, dataclasses.replace(new, base_rate=base_rate), prop.currency)
        work.room_types.lock([room_type.id])
        work.catalog_calendar.sync_room_type(room_type.id, property_today(prop, now))
        ROOM_TYPE_AUDIT.created(work.audit, caller, room_type, country_code=prop.country_code)
        return room_type


def _check_code_free(work: UnitOfWork, property_id: int, code: str, except_id: int | None = None) -> None:
    if work.room_types.code_taken(property_id, code, except_id=except_id):
        raise Conflict(
            f"This property already has a room type {code!r}.",
            details=[{"field": "code", "message": "already used in this property"}],
        )


def update_room_type(
    caller: Caller,
    room_type_id: int,
    changes: dict[str, Any],
    *,
    now: datetime | None = None,
    uow: UnitOfWorkFactory = unit_of_work,
) -> RoomTypeRecord:
    """Edit a room type. ``total_rooms`` re-derives every night from today (409 naming the nights
    it would put below the rooms already committed, or below supplier allocations); a new buffer
    override is applied to the calendar; re-activating tops the calendar up to the horizon."""
    changes = dict(changes)
    with uow() as work:
        room_type, prop = find_room_type(work, caller, room_type_id)
        require_not_archived(prop)
        # The lock first: the total is checked against counters bookings move under the same lock.
        work.room_types.lock([room_type.id])
        room_type, prop = find_room_type(work, caller, room_type_id, for_update=True)
        before = ROOM_TYPE_AUDIT.snapshot(room_type)
        if "base_rate" in changes:
            changes["base_rate"] = check_amount(changes["base_rate"], prop.currency, field="base_rate")
        if "code" in changes:
            _check_code_free(work, prop.id, changes["code"], except_id=room_type.id)
        today = property_today(prop, now)
        new_total = changes.get("total_rooms", room_type.total_rooms)
        inventory: tuple[InventoryCellChange, ...] = ()
        if new_total != room_type.total_rooms:
            allocations = work.suppliers.allocations_of_room_type(room_type.id, today)
            validate_allocations(allocations, {room_type.id: new_total})
            cells = work.catalog_calendar.inventory_cells(room_type.id, today)
            inventory = pair_changes(cells, change_total(cells, new_total, from_night=today, field="total_rooms"))
        updated = work.room_types.update(room_type.id, changes, prop.currency)
        if inventory:
            # the new totals first: the buffer/horizon sync reads the cells again
            work.catalog_calendar.write_inventory(prop.id, inventory)
        if updated.is_active and (
            before["buffer_rooms"] != updated.buffer_rooms or before["is_active"] != updated.is_active
        ):
            work.catalog_calendar.sync_room_type(updated.id, today)
        ROOM_TYPE_AUDIT.updated(work.audit, caller, before, updated, country_code=prop.country_code)
        return updated


def delete_room_type(
    caller: Caller, room_type_id: int, *, now: datetime | None = None, uow: UnitOfWorkFactory = unit_of_work
) -> None:
    """Delete a room type with its calendar and rate plans; refused (409) while any night from
    today on has rooms sold, held or blocked (deactivate it instead)."""
    with uow() as work:
        room_type, prop = find_room_type(work, caller, room_type_id)
        work.room_types.lock([room_type.id])
        today = property_today(prop, now)
        committed = [cell for cell in work.catalog_calendar.inventory_cells(room_type.id, today) if cell.committed]
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
        work.room_types.delete(room_type.id)
        ROOM_TYPE_AUDIT.deleted(work.audit, caller, room_type, country_code=prop.country_code)
