"""What the booking use cases share: status look-ups, the room-type locker, locking a group, loading cells."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Protocol

from sqlalchemy.orm import Session

from chalicelib.db import locks
from chalicelib.db.models import BookingGroup, BookingLine, BookingStatus, Property
from chalicelib.db.repositories import bookings as booking_repository
from chalicelib.db.repositories import inventory_cells
from chalicelib.domain.access import CountryScope
from chalicelib.domain.booking_requests import PropertyFacts
from chalicelib.domain.bookings import CellKey
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.inventory import InventoryCell


class RoomTypeLocker(Protocol):
    """Takes the room types' advisory locks in the session's transaction (ascending ids)."""

    def __call__(self, session: Session, room_type_ids: Iterable[int], /) -> None: ...


lock_room_types: RoomTypeLocker = locks.lock_room_types
"""The real locker; the race tests' negative control passes one that takes nothing."""


def status_by_code(session: Session, code: str) -> BookingStatus:
    status = booking_repository.status_by_code(session, code)
    if status is None:  # the migration seeds them and they cannot be deleted
        raise RuntimeError(f"booking status {code!r} is missing")
    return status


def status_by_id(session: Session, status_id: int) -> BookingStatus:
    status = booking_repository.status_by_id(session, status_id)
    if status is None:
        raise RuntimeError(f"booking status {status_id} is missing")
    return status


def property_facts(hotel: Property) -> PropertyFacts:
    return PropertyFacts(hotel.id, hotel.name, hotel.status, hotel.country_code, hotel.currency, hotel.timezone)


def load_cells_between(
    session: Session, room_type_ids: Iterable[int], nights: Iterable[date]
) -> dict[CellKey, InventoryCell]:
    """The cells of the room types from the first to the last of ``nights`` (none if no night)."""
    wanted = sorted(set(nights))
    ids = set(room_type_ids)
    if not wanted or not ids:
        return {}
    return inventory_cells.load_cells(session, ids, wanted[0], wanted[-1])


def lock_group(
    session: Session,
    group_id: int,
    scope: CountryScope | None,
    *,
    locker: RoomTypeLocker = lock_room_types,
) -> tuple[BookingGroup, list[BookingLine]]:
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
    locker(session, room_type_ids)
    group = booking_repository.group_for_update(session, group_id)
    if group is None:
        raise NotFound("No such booking.")
    lines = booking_repository.lines_of(session, group_id, refresh=True)
    if {line.room_type_id for line in lines} - room_type_ids:
        raise Conflict("The booking changed while it was being updated; try again.")
    return group, lines
