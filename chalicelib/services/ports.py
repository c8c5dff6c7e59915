"""What services need from storage, as protocols: the unit of work and its repositories.

Services take a :data:`UnitOfWorkFactory` (default: the PostgreSQL one,
``chalicelib.db.unit_of_work.unit_of_work``) and use only what these protocols declare, so the
same service runs in production on SQL and in unit tests on the in-memory twins of
``tests/unit/fakes.py``. A repository method returns frozen views or domain values; the ORM stays
behind the SQL implementation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Any, Protocol

from chalicelib.domain.access import CountryScope
from chalicelib.domain.allocations import SupplierAllocation
from chalicelib.domain.audit import AuditEntry
from chalicelib.domain.catalog import (
    AllocationRecord,
    NewProperty,
    NewRoomType,
    PropertyFilters,
    PropertyRecord,
    RatePlanRecord,
    RoomTypeRecord,
    RuleRecord,
    SealedAccount,
    SupplierFilters,
    SupplierRecord,
)
from chalicelib.domain.inventory import InventoryCell, InventoryCellChange
from chalicelib.domain.rates import RateCatalog
from chalicelib.domain.settings import AppSettings, SettingChange


class AuditRepository(Protocol):
    def add(self, entry: AuditEntry) -> object: ...


class SettingsRepository(Protocol):
    def load(self) -> AppSettings: ...

    def latest_change(self) -> SettingChange | None: ...

    def save(self, key: str, value: Any, user_id: int | None) -> None: ...


# --- catalog -------------------------------------------------------------------------------------


class PropertyRepository(Protocol):
    def page(
        self, scope: CountryScope, filters: PropertyFilters, *, offset: int, limit: int
    ) -> tuple[list[PropertyRecord], int]: ...

    def export(self, scope: CountryScope, filters: PropertyFilters, limit: int) -> list[PropertyRecord]: ...

    def get(self, scope: CountryScope, property_id: int, *, for_update: bool = False) -> PropertyRecord | None: ...

    def code_taken(self, code: str, *, except_id: int | None = None) -> bool:
        """Whether another property uses ``code`` (any case, any country)."""

    def active_country(self, code: str) -> str | None:
        """The country's code if it exists and is active (any case in, upper case out)."""

    def count_rate_plans(self, property_id: int) -> int: ...

    def add(self, new: NewProperty, *, archived_at: datetime | None) -> PropertyRecord: ...

    def update(self, property_id: int, changes: Mapping[str, Any]) -> PropertyRecord: ...


class RoomTypeRepository(Protocol):
    def of_property(self, property_id: int, currency: str) -> list[RoomTypeRecord]:
        """The property's room types by code (amounts at ``currency``'s scale)."""

    def get(
        self, scope: CountryScope, room_type_id: int, *, for_update: bool = False
    ) -> tuple[RoomTypeRecord, PropertyRecord] | None: ...

    def lock(self, room_type_ids: Sequence[int]) -> None:
        """Hold the room types' calendar locks to the end of the transaction."""

    def code_taken(self, property_id: int, code: str, *, except_id: int | None = None) -> bool: ...

    def add(self, property_id: int, new: NewRoomType, currency: str) -> RoomTypeRecord: ...

    def update(self, room_type_id: int, changes: Mapping[str, Any], currency: str) -> RoomTypeRecord: ...

    def delete(self, room_type_id: int) -> None: ...


class RatePlanRepository(Protocol):
    def of_room_type(self, room_type_id: int) -> list[RatePlanRecord]:
        """The room type's plans by id."""

    def get(
        self, scope: CountryScope, rate_plan_id: int, *, for_update: bool = False
    ) -> tuple[RatePlanRecord, RoomTypeRecord, PropertyRecord] | None: ...

    def code_taken(self, room_type_id: int, code: str, *, except_id: int | None = None) -> bool: ...

    def room_type_of(self, rate_plan_id: int) -> int | None:
        """The room type of any plan (None: no such plan), for checking a parent."""

    def children(self, rate_plan_id: int) -> list[int]:
        """The ids of the plans derived directly from this one."""

    def add(self, room_type_id: int, values: Mapping[str, Any]) -> RatePlanRecord: ...

    def update(self, rate_plan_id: int, changes: Mapping[str, Any]) -> RatePlanRecord: ...

    def delete(self, rate_plan_id: int) -> None:
        """Delete the plan with its rules and rates."""

    def catalog(self, room_type_id: int) -> RateCatalog:
        """The room type's plans and rules as the domain's validated catalog (refuses cycles)."""

    def rules_of(self, rate_plan_id: int, currency: str) -> list[RuleRecord]: ...

    def get_rule(
        self, scope: CountryScope, rule_id: int, *, for_update: bool = False
    ) -> tuple[RuleRecord, RatePlanRecord, RoomTypeRecord, PropertyRecord] | None: ...

    def add_rule(self, rate_plan_id: int, values: Mapping[str, Any]) -> RuleRecord:
        """Add a rule (``weekdays`` as a set of :class:`~chalicelib.domain.nights.Weekday`)."""

    def update_rule(self, rule_id: int, changes: Mapping[str, Any]) -> RuleRecord: ...

    def delete_rule(self, rule_id: int) -> None: ...


class SupplierRepository(Protocol):
    def page(
        self, scope: CountryScope, filters: SupplierFilters, *, offset: int, limit: int
    ) -> tuple[list[SupplierRecord], int]:
        """One page of the suppliers in scope, by name (any case) then id."""

    def get(self, scope: CountryScope, supplier_id: int, *, for_update: bool = False) -> SupplierRecord | None: ...

    def add(self, fields: Mapping[str, Any]) -> SupplierRecord: ...

    def update(self, supplier_id: int, changes: Mapping[str, Any]) -> SupplierRecord: ...

    def set_bank_account(self, supplier_id: int, account: SealedAccount | None) -> SupplierRecord: ...

    def delete(self, supplier_id: int) -> None:
        """Delete the supplier and its allocations."""

    def allocations_of(self, supplier_id: int) -> list[AllocationRecord]:
        """The supplier's allocations by room type, first night, id."""

    def get_allocation(
        self, scope: CountryScope, allocation_id: int, *, for_update: bool = False
    ) -> tuple[AllocationRecord, SupplierRecord, RoomTypeRecord, PropertyRecord] | None: ...

    def add_allocation(self, supplier_id: int, fields: Mapping[str, Any]) -> AllocationRecord: ...

    def update_allocation(self, allocation_id: int, changes: Mapping[str, Any]) -> AllocationRecord: ...

    def delete_allocation(self, allocation_id: int) -> None: ...

    def allocations_of_room_type(self, room_type_id: int, from_night: date) -> list[SupplierAllocation]:
        """The room type's allocations running on ``from_night`` or later, cut to start there."""


class CatalogCalendar(Protocol):
    """The calendar work a catalog change causes (the caller holds the room types' locks)."""

    def sync_property(self, property_id: int, today: date) -> None: ...

    def sync_room_type(self, room_type_id: int, today: date) -> None: ...

    def inventory_cells(self, room_type_id: int, from_night: date) -> list[InventoryCell]: ...

    def write_inventory(self, property_id: int, changes: Sequence[InventoryCellChange]) -> None: ...

    def price_new_plan(self, property_id: int, catalog: RateCatalog, plan_id: int, today: date) -> None: ...

    def reprice(
        self, property_id: int, catalog: RateCatalog, plan_ids: Sequence[int], nights: Iterable[date], today: date
    ) -> None: ...


class UnitOfWork(Protocol):
    """One transaction: commits when its ``with`` block ends normally, rolls back on an exception."""

    @property
    def audit(self) -> AuditRepository: ...

    @property
    def settings(self) -> SettingsRepository: ...

    # catalog
    @property
    def properties(self) -> PropertyRepository: ...

    @property
    def room_types(self) -> RoomTypeRepository: ...

    @property
    def rate_plans(self) -> RatePlanRepository: ...

    @property
    def suppliers(self) -> SupplierRepository: ...

    @property
    def catalog_calendar(self) -> CatalogCalendar: ...

    def after_commit(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` once the transaction has committed (never after a rollback)."""

    def flush(self) -> None:
        """Send pending writes so that generated ids and constraint errors appear now."""


UnitOfWorkFactory = Callable[[], AbstractContextManager[UnitOfWork]]
