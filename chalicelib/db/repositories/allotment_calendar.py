"""The calendar work allotments cause (``uow.allotment_calendar``), in the caller's transaction.

Loads the inventory cells a property's contracts touch and writes the counters that changed with
their ARI outbox rows (relayed after the commit), exactly as a booking does. Callers hold the
room types' locks (``uow.room_types.lock``) already.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from sqlalchemy.orm import Session

from chalicelib.db.repositories import inventory_cells
from chalicelib.domain.inventory import InventoryCell


class SqlAllotmentCalendar:
    def __init__(self, session: Session) -> None:
        self._session = session

    def inventory_cells(
        self, room_type_ids: Iterable[int], first_night: date, last_night: date
    ) -> dict[tuple[int, date], InventoryCell]:
        return inventory_cells.load_cells(self._session, room_type_ids, first_night, last_night)

    def write_counters(
        self,
        property_id: int,
        before: Mapping[tuple[int, date], InventoryCell],
        after: Mapping[tuple[int, date], InventoryCell],
    ) -> None:
        # imported here: the booking writer is a service module (it relays ARI after the commit)
        from chalicelib.services.booking_writer import write_cells

        write_cells(self._session, property_id, before, after)
