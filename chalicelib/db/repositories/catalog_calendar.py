"""The calendar work catalog changes cause (``uow.catalog_calendar``), in the caller's transaction.

A new room type gets its 24 months of nights, a new buffer or timezone re-syncs a property's
calendars, a new total rewrites the nights from today on, a new or changed rate plan re-prices
the plan and the plans derived from it. The SQL and the cell arithmetic stay in
``chalicelib.services.calendar_upkeep`` and ``chalicelib.db.repositories.calendar``; the catalog
services only say what must happen, so their unit tests record these calls instead of running them.
Callers hold the room types' locks (``uow.room_types.lock``) already.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from chalicelib.db.locks import lock_room_types
from chalicelib.db.models import Property, RoomType
from chalicelib.db.repositories import calendar as calendar_repository
from chalicelib.db.repositories import properties as property_repository
from chalicelib.db.repositories.base import SessionRepository
from chalicelib.db.repositories.settings import load_app_settings
from chalicelib.domain.inventory import InventoryCell, InventoryCellChange
from chalicelib.domain.nights import calendar_window
from chalicelib.domain.rates import RateCatalog


class SqlCatalogCalendar(SessionRepository):
    def sync_property(self, property_id: int, today: date) -> None:
        """Every active room type of the property brought in line (horizon, buffer, rates); locks them."""
        # imported here: calendar_upkeep opens its own units of work for the housekeeping
        from chalicelib.services import calendar_upkeep

        prop = self._session.get_one(Property, property_id)
        room_types = property_repository.room_types_of(self._session, property_id, active_only=True)
        lock_room_types(self._session, [room_type.id for room_type in room_types])
        settings = load_app_settings(self._session)
        changes = calendar_upkeep.CalendarChanges()
        for room_type in room_types:
            buffer = calendar_upkeep.room_type_buffer(settings, prop, room_type)
            changes.add(calendar_upkeep.sync_room_type(self._session, prop, room_type, today=today, buffer=buffer))
        calendar_upkeep.persist(self._session, property_id, changes)

    def sync_room_type(self, room_type_id: int, today: date) -> None:
        """One room type's calendar brought in line: creates its missing nights up to the horizon
        (all 24 months for a new room type), applies its buffer, fills its plans' rates."""
        from chalicelib.services import calendar_upkeep

        room_type = self._session.get_one(RoomType, room_type_id)
        prop = self._session.get_one(Property, room_type.property_id)
        settings = load_app_settings(self._session)
        buffer = calendar_upkeep.room_type_buffer(settings, prop, room_type)
        changes = calendar_upkeep.sync_room_type(self._session, prop, room_type, today=today, buffer=buffer)
        calendar_upkeep.persist(self._session, prop.id, changes)

    def inventory_cells(self, room_type_id: int, from_night: date) -> list[InventoryCell]:
        return calendar_repository.load_cells(self._session, [room_type_id], from_night)

    def write_inventory(self, property_id: int, changes: Sequence[InventoryCellChange]) -> None:
        """Persist the cells' changes with their ARI change records."""
        from chalicelib.services import calendar_upkeep

        calendar_upkeep.persist(self._session, property_id, calendar_upkeep.CalendarChanges(inventory=list(changes)))

    def price_new_plan(self, property_id: int, catalog: RateCatalog, plan_id: int, today: date) -> None:
        """Rate cells for every night of the calendar window of a plan just created."""
        from chalicelib.services import calendar_upkeep

        rates = calendar_upkeep.fill_missing_rates(self._session, catalog, [plan_id], calendar_window(today))
        calendar_upkeep.persist(self._session, property_id, calendar_upkeep.CalendarChanges(rates=rates))

    def reprice(
        self, property_id: int, catalog: RateCatalog, plan_ids: Sequence[int], nights: Iterable[date], today: date
    ) -> None:
        """Re-resolve ``plan_ids`` and the plans derived from them on ``nights`` (of the window)."""
        from chalicelib.services import calendar_upkeep

        rates = calendar_upkeep.refresh_plans(self._session, catalog, plan_ids, nights, today)
        calendar_upkeep.persist(self._session, property_id, calendar_upkeep.CalendarChanges(rates=rates))
