"""In-memory twins of the catalog repositories (properties, room types, rate plans, suppliers) and of
the calendar work catalog changes cause, for the service unit tests.

Their data lives in :class:`FakeCatalog` on ``FakeStore.catalog``, so the fake unit of work's
rollback covers it. They keep the contracts services rely on: country scoping (a record of a
country outside the scope is not found), uniqueness of codes, ordering and pagination. Calendar
work is recorded in ``FakeCatalog.calendar_calls`` rather than computed, except the inventory
cells a test seeds (``FakeCatalog.cells``), which ``write_inventory`` updates.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from chalicelib.domain.access import CountryScope
from chalicelib.domain.allocations import SupplierAllocation
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
from chalicelib.domain.nights import NightRange, Weekday
from chalicelib.domain.rates import Adjustment, AdjustmentKind, RateCatalog, SeasonalRule
from chalicelib.domain.rates import RatePlan as RatePlanSpec

if TYPE_CHECKING:
    from tests.unit.fakes import FakeStore


@dataclass
class FakeCatalog:
    """The catalog tables, by id, and what the calendar was asked to do."""

    countries: dict[str, bool] = field(default_factory=lambda: {"VN": True, "ID": True, "MY": True, "TH": False})
    properties: dict[int, PropertyRecord] = field(default_factory=dict)
    room_types: dict[int, RoomTypeRecord] = field(default_factory=dict)
    rate_plans: dict[int, RatePlanRecord] = field(default_factory=dict)
    rules: dict[int, RuleRecord] = field(default_factory=dict)
    suppliers: dict[int, SupplierRecord] = field(default_factory=dict)
    sealed_accounts: dict[int, SealedAccount] = field(default_factory=dict)
    allocations: dict[int, AllocationRecord] = field(default_factory=dict)
    cells: dict[int, list[InventoryCell]] = field(default_factory=dict)
    calendar_calls: list[tuple[Any, ...]] = field(default_factory=list)
    locked: list[int] = field(default_factory=list)
    next_id: int = 1

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def calls(self, name: str) -> list[tuple[Any, ...]]:
        return [call[1:] for call in self.calendar_calls if call[0] == name]


def _contains(haystack: str, needle: str) -> bool:
    return needle.strip().lower() in haystack.lower()


def _sort_key(value: Any) -> tuple[int, Any]:
    return (1, None) if value is None else (0, value.lower() if isinstance(value, str) else value)


class FakePropertyRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    @property
    def _catalog(self) -> FakeCatalog:
        return self._store.catalog

    def _matching(self, scope: CountryScope, filters: PropertyFilters) -> list[PropertyRecord]:
        found = [prop for prop in self._catalog.properties.values() if scope.includes(prop.country_code)]
        if filters.country_code is not None:
            found = [prop for prop in found if prop.country_code == filters.country_code]
        if filters.status is None:
            found = [prop for prop in found if prop.status != "archived"]
        else:
            found = [prop for prop in found if prop.status == filters.status]
        if filters.city:
            found = [prop for prop in found if prop.city.lower() == filters.city.strip().lower()]
        if filters.search:
            search = filters.search
            found = [prop for prop in found if _contains(prop.name, search) or _contains(prop.code, search)]
        name = filters.sort.lstrip("-")
        found.sort(key=lambda prop: prop.id)
        found.sort(key=lambda prop: _sort_key(getattr(prop, name)), reverse=filters.sort.startswith("-"))
        return found

    def page(
        self, scope: CountryScope, filters: PropertyFilters, *, offset: int, limit: int
    ) -> tuple[list[PropertyRecord], int]:
        found = self._matching(scope, filters)
        return found[offset : offset + limit], len(found)

    def export(self, scope: CountryScope, filters: PropertyFilters, limit: int) -> list[PropertyRecord]:
        return self._matching(scope, filters)[:limit]

    def get(self, scope: CountryScope, property_id: int, *, for_update: bool = False) -> PropertyRecord | None:
        prop = self._catalog.properties.get(property_id)
        return prop if prop is not None and scope.includes(prop.country_code) else None

    def code_taken(self, code: str, *, except_id: int | None = None) -> bool:
        return any(
            prop.code.lower() == code.lower() and prop.id != except_id for prop in self._catalog.properties.values()
        )

    def active_country(self, code: str) -> str | None:
        return code.upper() if self._catalog.countries.get(code.upper()) else None

    def count_rate_plans(self, property_id: int) -> int:
        return sum(1 for plan in self._catalog.rate_plans.values() if plan.property_id == property_id)

    def add(self, new: NewProperty, *, archived_at: datetime | None) -> PropertyRecord:
        now = self._store.now
        prop = PropertyRecord(
            id=self._catalog.new_id(), **vars(new), archived_at=archived_at, created_at=now, updated_at=now
        )
        self._catalog.properties[prop.id] = prop
        return prop

    def update(self, property_id: int, changes: Mapping[str, Any]) -> PropertyRecord:
        prop = dataclasses.replace(self._catalog.properties[property_id], **changes, updated_at=self._store.now)
        self._catalog.properties[property_id] = prop
        return prop


class FakeRoomTypeRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    @property
    def _catalog(self) -> FakeCatalog:
        return self._store.catalog

    def of_property(self, property_id: int, currency: str) -> list[RoomTypeRecord]:
        found = [room_type for room_type in self._catalog.room_types.values() if room_type.property_id == property_id]
        return sorted(found, key=lambda room_type: (room_type.code, room_type.id))

    def get(
        self, scope: CountryScope, room_type_id: int, *, for_update: bool = False
    ) -> tuple[RoomTypeRecord, PropertyRecord] | None:
        room_type = self._catalog.room_types.get(room_type_id)
        if room_type is None:
            return None
        prop = self._catalog.properties[room_type.property_id]
        return (room_type, prop) if scope.includes(prop.country_code) else None

    def lock(self, room_type_ids: Sequence[int]) -> None:
        self._catalog.locked.extend(sorted(room_type_ids))

    def code_taken(self, property_id: int, code: str, *, except_id: int | None = None) -> bool:
        return any(
            room_type.property_id == property_id and room_type.code == code and room_type.id != except_id
            for room_type in self._catalog.room_types.values()
        )

    def add(self, property_id: int, new: NewRoomType, currency: str) -> RoomTypeRecord:
        now = self._store.now
        room_type = RoomTypeRecord(
            id=self._catalog.new_id(),
            property_id=property_id,
            **vars(new),
            is_active=True,
            created_at=now,
            updated_at=now,
        )
        self._catalog.room_types[room_type.id] = room_type
        return room_type

    def update(self, room_type_id: int, changes: Mapping[str, Any], currency: str) -> RoomTypeRecord:
        room_type = dataclasses.replace(self._catalog.room_types[room_type_id], **changes, updated_at=self._store.now)
        self._catalog.room_types[room_type_id] = room_type
        return room_type

    def delete(self, room_type_id: int) -> None:
        """The room type goes with its calendar, rate plans (and their rules) and allocations."""
        catalog = self._catalog
        del catalog.room_types[room_type_id]
        catalog.cells.pop(room_type_id, None)
        plans = {plan.id for plan in catalog.rate_plans.values() if plan.room_type_id == room_type_id}
        catalog.rate_plans = {key: plan for key, plan in catalog.rate_plans.items() if key not in plans}
        catalog.rules = {key: rule for key, rule in catalog.rules.items() if rule.rate_plan_id not in plans}
        catalog.allocations = {
            key: found for key, found in catalog.allocations.items() if found.room_type_id != room_type_id
        }


def _adjustment(kind: str | None, value: Decimal | None) -> Adjustment | None:
    return None if kind is None or value is None else Adjustment(AdjustmentKind(kind), value)


def _weekday_names(weekdays: Iterable[Weekday]) -> list[str]:
    return [day.name.lower() for day in sorted(weekdays)]


class FakeRatePlanRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    @property
    def _catalog(self) -> FakeCatalog:
        return self._store.catalog

    def of_room_type(self, room_type_id: int) -> list[RatePlanRecord]:
        return sorted(
            (plan for plan in self._catalog.rate_plans.values() if plan.room_type_id == room_type_id),
            key=lambda plan: plan.id,
        )

    def get(
        self, scope: CountryScope, rate_plan_id: int, *, for_update: bool = False
    ) -> tuple[RatePlanRecord, RoomTypeRecord, PropertyRecord] | None:
        plan = self._catalog.rate_plans.get(rate_plan_id)
        if plan is None:
            return None
        room_type = self._catalog.room_types[plan.room_type_id]
        prop = self._catalog.properties[room_type.property_id]
        return (plan, room_type, prop) if scope.includes(prop.country_code) else None

    def code_taken(self, room_type_id: int, code: str, *, except_id: int | None = None) -> bool:
        return any(
            plan.room_type_id == room_type_id and plan.code == code and plan.id != except_id
            for plan in self._catalog.rate_plans.values()
        )

    def room_type_of(self, rate_plan_id: int) -> int | None:
        plan = self._catalog.rate_plans.get(rate_plan_id)
        return None if plan is None else plan.room_type_id

    def children(self, rate_plan_id: int) -> list[int]:
        return sorted(plan.id for plan in self._catalog.rate_plans.values() if plan.parent_id == rate_plan_id)

    def add(self, room_type_id: int, values: Mapping[str, Any]) -> RatePlanRecord:
        now = self._store.now
        property_id = self._catalog.room_types[room_type_id].property_id
        plan = RatePlanRecord(
            id=self._catalog.new_id(),
            room_type_id=room_type_id,
            property_id=property_id,
            **values,
            created_at=now,
            updated_at=now,
        )
        self._catalog.rate_plans[plan.id] = plan
        return plan

    def update(self, rate_plan_id: int, changes: Mapping[str, Any]) -> RatePlanRecord:
        plan = dataclasses.replace(self._catalog.rate_plans[rate_plan_id], **changes, updated_at=self._store.now)
        self._catalog.rate_plans[rate_plan_id] = plan
        return plan

    def delete(self, rate_plan_id: int) -> None:
        del self._catalog.rate_plans[rate_plan_id]
        self._catalog.rules = {
            key: rule for key, rule in self._catalog.rules.items() if rule.rate_plan_id != rate_plan_id
        }

    def catalog(self, room_type_id: int) -> RateCatalog:
        plans = self.of_room_type(room_type_id)
        specs = [
            RatePlanSpec(
                plan.id,
                plan.room_type_id,
                plan.currency,
                plan.base_rate,
                plan.parent_id,
                _adjustment(plan.derivation_kind, plan.derivation_value),
                plan.channel,
            )
            for plan in plans
        ]
        plan_ids = {plan.id for plan in plans}
        rules = [
            SeasonalRule(
                rule.id,
                rule.rate_plan_id,
                NightRange.through(rule.date_from, rule.date_to),
                frozenset(Weekday[name.upper()] for name in rule.weekdays),
                rule.rate,
                _adjustment(rule.adjustment_kind, rule.adjustment_value),
                rule.priority,
            )
            for rule in self._catalog.rules.values()
            if rule.rate_plan_id in plan_ids
        ]
        return RateCatalog.build(specs, rules)

    def rules_of(self, rate_plan_id: int, currency: str) -> list[RuleRecord]:
        return sorted(
            (rule for rule in self._catalog.rules.values() if rule.rate_plan_id == rate_plan_id), key=lambda r: r.id
        )

    def get_rule(
        self, scope: CountryScope, rule_id: int, *, for_update: bool = False
    ) -> tuple[RuleRecord, RatePlanRecord, RoomTypeRecord, PropertyRecord] | None:
        rule = self._catalog.rules.get(rule_id)
        found = None if rule is None else self.get(scope, rule.rate_plan_id)
        return None if rule is None or found is None else (rule, *found)

    def add_rule(self, rate_plan_id: int, values: Mapping[str, Any]) -> RuleRecord:
        now = self._store.now
        stored = {**values, "weekdays": _weekday_names(values["weekdays"])}
        rule = RuleRecord(
            id=self._catalog.new_id(), rate_plan_id=rate_plan_id, **stored, created_at=now, updated_at=now
        )
        self._catalog.rules[rule.id] = rule
        return rule

    def update_rule(self, rule_id: int, changes: Mapping[str, Any]) -> RuleRecord:
        stored = dict(changes)
        if "weekdays" in stored:
            stored["weekdays"] = _weekday_names(stored["weekdays"])
        rule = dataclasses.replace(self._catalog.rules[rule_id], **stored, updated_at=self._store.now)
        self._catalog.rules[rule_id] = rule
        return rule

    def delete_rule(self, rule_id: int) -> None:
        del self._catalog.rules[rule_id]


class FakeSupplierRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    @property
    def _catalog(self) -> FakeCatalog:
        return self._store.catalog

    def page(
        self, scope: CountryScope, filters: SupplierFilters, *, offset: int, limit: int
    ) -> tuple[list[SupplierRecord], int]:
        found = [supplier for supplier in self._catalog.suppliers.values() if scope.includes(supplier.country_code)]
        if filters.country_code is not None:
            found = [supplier for supplier in found if supplier.country_code == filters.country_code]
        if filters.is_active is not None:
            found = [supplier for supplier in found if supplier.is_active is filters.is_active]
        if filters.search:
            search = filters.search
            found = [
                supplier
                for supplier in found
                if any(_contains(text, search) for text in (supplier.name, supplier.contact_name, supplier.email))
            ]
        found.sort(key=lambda supplier: (supplier.name.lower(), supplier.id))
        return found[offset : offset + limit], len(found)

    def get(self, scope: CountryScope, supplier_id: int, *, for_update: bool = False) -> SupplierRecord | None:
        supplier = self._catalog.suppliers.get(supplier_id)
        return supplier if supplier is not None and scope.includes(supplier.country_code) else None

    def add(self, fields: Mapping[str, Any]) -> SupplierRecord:
        now = self._store.now
        values: dict[str, Any] = {
            "contact_name": "",
            "email": "",
            "phone": "",
            "address": "",
            "bank_name": "",
            "bank_account_holder": "",
            "bank_swift": "",
            "notes": "",
            "is_active": True,
            **fields,
        }
        supplier = SupplierRecord(
            id=self._catalog.new_id(), **values, bank_account_masked=None, created_at=now, updated_at=now
        )
        self._catalog.suppliers[supplier.id] = supplier
        return supplier

    def update(self, supplier_id: int, changes: Mapping[str, Any]) -> SupplierRecord:
        supplier = dataclasses.replace(self._catalog.suppliers[supplier_id], **changes, updated_at=self._store.now)
        self._catalog.suppliers[supplier_id] = supplier
        return supplier

    def set_bank_account(self, supplier_id: int, account: SealedAccount | None) -> SupplierRecord:
        if account is None:
            self._catalog.sealed_accounts.pop(supplier_id, None)
        else:
            self._catalog.sealed_accounts[supplier_id] = account
        return self.update(supplier_id, {"bank_account_masked": None if account is None else "****" + account.last4})

    def delete(self, supplier_id: int) -> None:
        catalog = self._catalog
        del catalog.suppliers[supplier_id]
        catalog.sealed_accounts.pop(supplier_id, None)
        catalog.allocations = {
            key: found for key, found in catalog.allocations.items() if found.supplier_id != supplier_id
        }

    def allocations_of(self, supplier_id: int) -> list[AllocationRecord]:
        found = [
            allocation for allocation in self._catalog.allocations.values() if allocation.supplier_id == supplier_id
        ]
        return sorted(found, key=lambda allocation: (allocation.room_type_id, allocation.date_from, allocation.id))

    def get_allocation(
        self, scope: CountryScope, allocation_id: int, *, for_update: bool = False
    ) -> tuple[AllocationRecord, SupplierRecord, RoomTypeRecord, PropertyRecord] | None:
        allocation = self._catalog.allocations.get(allocation_id)
        if allocation is None:
            return None
        supplier = self._catalog.suppliers[allocation.supplier_id]
        room_type = self._catalog.room_types[allocation.room_type_id]
        prop = self._catalog.properties[room_type.property_id]
        if not (scope.includes(supplier.country_code) and scope.includes(prop.country_code)):
            return None
        return allocation, supplier, room_type, prop

    def add_allocation(self, supplier_id: int, fields: Mapping[str, Any]) -> AllocationRecord:
        now = self._store.now
        property_id = self._catalog.room_types[fields["room_type_id"]].property_id
        values: dict[str, Any] = {"notes": "", **fields}
        allocation = AllocationRecord(
            id=self._catalog.new_id(),
            supplier_id=supplier_id,
            property_id=property_id,
            **values,
            created_at=now,
            updated_at=now,
        )
        self._catalog.allocations[allocation.id] = allocation
        return allocation

    def update_allocation(self, allocation_id: int, changes: Mapping[str, Any]) -> AllocationRecord:
        allocation = dataclasses.replace(
            self._catalog.allocations[allocation_id], **changes, updated_at=self._store.now
        )
        self._catalog.allocations[allocation_id] = allocation
        return allocation

    def delete_allocation(self, allocation_id: int) -> None:
        del self._catalog.allocations[allocation_id]

    def allocations_of_room_type(self, room_type_id: int, from_night: date) -> list[SupplierAllocation]:
        return [
            SupplierAllocation(
                allocation.supplier_id,
                allocation.room_type_id,
                NightRange.through(max(allocation.date_from, from_night), allocation.date_to),
                allocation.rooms,
                allocation.id,
            )
            for allocation in self._catalog.allocations.values()
            if allocation.room_type_id == room_type_id and allocation.date_to >= from_night
        ]


class FakeCatalogCalendar:
    """Records the calendar work asked for; the seeded inventory cells are read and written."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store

    @property
    def _catalog(self) -> FakeCatalog:
        return self._store.catalog

    def sync_property(self, property_id: int, today: date) -> None:
        self._catalog.calendar_calls.append(("sync_property", property_id, today))

    def sync_room_type(self, room_type_id: int, today: date) -> None:
        self._catalog.calendar_calls.append(("sync_room_type", room_type_id, today))

    def inventory_cells(self, room_type_id: int, from_night: date) -> list[InventoryCell]:
        return [cell for cell in self._catalog.cells.get(room_type_id, []) if cell.night >= from_night]

    def write_inventory(self, property_id: int, changes: Sequence[InventoryCellChange]) -> None:
        self._catalog.calendar_calls.append(("write_inventory", property_id, len(changes)))
        for change in changes:
            cells = self._catalog.cells.setdefault(change.after.room_type_id, [])
            cells[:] = [cell for cell in cells if cell.night != change.after.night] + [change.after]
            cells.sort(key=lambda cell: cell.night)

    def price_new_plan(self, property_id: int, catalog: RateCatalog, plan_id: int, today: date) -> None:
        self._catalog.calendar_calls.append(("price_new_plan", property_id, plan_id, today))

    def reprice(
        self, property_id: int, catalog: RateCatalog, plan_ids: Sequence[int], nights: Iterable[date], today: date
    ) -> None:
        wanted = sorted(set(nights))
        self._catalog.calendar_calls.append(("reprice", property_id, tuple(plan_ids), tuple(wanted), today))
