"""Rooming lists: every line of a CSV picked up from a block in one transaction, or none of them.

The CSV is checked line by line first (:mod:`chalicelib.domain.rooming_lists`: every error names
its line and column); the room types named by code or id are resolved against the block's
property; then :func:`chalicelib.services.hardblock_pickup.pick_up` books every line under the
block's row lock and the room types' advisory locks — one bad line, or one night the block
cannot serve, and nothing is written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller
from chalicelib.domain.booking_requests import NewBooking, NewBookingLine
from chalicelib.domain.rooming_lists import RoomingLine, parse_rooming_list, refused
from chalicelib.services.hardblock_pickup import PickedUp, pick_up
from chalicelib.services.hardblock_service import find_block
from chalicelib.services.property_service import property_of

_COLUMN_OF = {"room_type_id": "room_type"}  # validate_request's names that differ from the CSV's


def _room_types(caller: Caller, block_id: int) -> dict[str, int]:
    """The block's property's room types by code (upper case) and by id (as text)."""
    with unit_of_work() as work:
        block = find_block(work, caller, block_id)
        prop = property_of(work, block)
        found: dict[str, int] = {}
        for room_type in work.room_types.of_property(prop.id, prop.currency):
            found[room_type.code.upper()] = room_type.id
            found[str(room_type.id)] = room_type.id
        return found


def _request(line: RoomingLine, room_type_id: int) -> NewBooking:
    stay = NewBookingLine(
        room_type_id,
        line.check_in,
        line.check_out,
        rooms=line.rooms,
        adults=line.adults,
        children=line.children,
        guest_name=line.guest_name,
    )
    return NewBooking(
        property_id=0,  # the block's (set by pick_up)
        lines=(stay,),
        guest_name=line.guest_name,
        guest_email=line.guest_email,
        guest_phone=line.guest_phone,
        notes=line.notes,
    )


def upload(caller: Caller, block_id: int, text: str, *, now: datetime | None = None) -> PickedUp:
    """Pick up every line of the rooming list ``text`` from the block (all or nothing)."""
    lines = parse_rooming_list(text)
    room_types = _room_types(caller, block_id)
    unknown = [
        {"line": line.line, "field": "room_type", "message": f"no room type {line.room_type!r} at the block's property"}
        for line in lines
        if line.room_type.upper() not in room_types
    ]
    if unknown:
        raise refused(unknown)
    requests = [_request(line, room_types[line.room_type.upper()]) for line in lines]

    def where(index: int, name: str) -> dict[str, Any]:
        return {"line": lines[index].line, "field": _COLUMN_OF.get(name, name)}

    return pick_up(caller, block_id, requests, where, now=now)
