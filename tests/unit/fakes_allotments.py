"""In-memory twins of the allotment repositories (``uow.allotments``, ``uow.allotment_calendar``).

Agencies, contracts with their seasons and release steps, versions, events and per-night state
live in an :class:`AllotmentStore` on the :class:`~tests.unit.fakes.FakeStore`; the calendar
cells are the catalog's (``store.catalog.cells``), so the withheld rooms can be read back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from chalicelib.domain.access import CountryScope
from chalicelib.domain.allotment_records import (
    AgencyFilters,
    AgencyRecord,
    ContractFilters,
    ContractRecord,
    EventRecord,
    SeasonSpec,
)
from chalicelib.domain.allotments import AgencyStatus, AllotmentEvent, ContractMode, ContractStatus, ReleaseStep
from chalicelib.domain.inventory import InventoryCell

if TYPE_CHECKING:
    from tests.unit.fakes import FakeStore

NightKey = tuple[int, int, date]


@dataclass
class AllotmentStore:
    agencies: dict[int, AgencyRecord] = field(default_factory=dict)
    contracts: dict[int, ContractRecord] = field(default_factory=dict)
    versions: dict[int, list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    events: list[EventRecord] = field(default_factory=list)
    picked_up: dict[NightKey, int] = field(default_factory=dict)
    withheld: dict[NightKey, int] = field(default_factory=dict)
    next_id: int = 1

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1


class FakeAllotmentRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    @property
    def _data(self) -> AllotmentStore:
        return self._store.allotments

    # --- agencies ------------------------------------------------------------------------------

    def agency_page(
        self, scope: CountryScope, filters: AgencyFilters, *, offset: int, limit: int
    ) -> tuple[list[AgencyRecord], int]:
        found = [a for a in self._data.agencies.values() if scope.includes(a.country_code)]
        if filters.country_code is not None:
            found = [a for a in found if a.country_code == filters.country_code]
        if filters.status is not None:
            found = [a for a in found if a.status == filters.status]
        if filters.search:
            needle = filters.search.strip().lower()
            found = [a for a in found if needle in f"{a.code} {a.name} {a.contact_name} {a.email}".lower()]
        found.sort(key=lambda a: (a.name.lower(), a.id))
        return found[offset : offset + limit], len(found)

    def get_agency(self, scope: CountryScope, agency_id: int, *, for_update: bool = False) -> AgencyRecord | None:
        agency = self._data.agencies.get(agency_id)
        return agency if agency is not None and scope.includes(agency.country_code) else None

    def add_agency(self, fields: Mapping[str, Any]) -> AgencyRecord:
        now = self._store.now
        values: dict[str, Any] = {
            "contact_name": "",
            "email": "",
            "phone": "",
            "address": "",
            "status": AgencyStatus.ACTIVE,
            "credit_limit": None,
            "credit_currency": None,
            "payment_terms_days": 30,
            "notes": "",
            **fields,
        }
        agency = AgencyRecord(id=self._data.new_id(), **values, created_at=now, updated_at=now)
        self._data.agencies[agency.id] = agency
        return agency

    def update_agency(self, agency_id: int, changes: Mapping[str, Any]) -> AgencyRecord:
        agency = dataclasses.replace(self._data.agencies[agency_id], **changes, updated_at=self._store.now)
        self._data.agencies[agency_id] = agency
        return agency

    def delete_agency(self, agency_id: int) -> None:
        del self._data.agencies[agency_id]

    def agency_has_contracts(self, agency_id: int) -> bool:
        return any(contract.agency_id == agency_id for contract in self._data.contracts.values())

    # --- contracts -----------------------------------------------------------------------------

    def _visible(self, scope: CountryScope, contract: ContractRecord) -> bool:
        agency = self._data.agencies[contract.agency_id]
        return scope.includes(contract.country_code) and scope.includes(agency.country_code)

    def contract_page(
        self, scope: CountryScope, filters: ContractFilters, *, offset: int, limit: int
    ) -> tuple[list[ContractRecord], int]:
        found = [c for c in sorted(self._data.contracts.values(), key=lambda c: c.id) if self._visible(scope, c)]
        for name in ("agency_id", "property_id", "status"):
            wanted = getattr(filters, name)
            if wanted is not None:
                found = [c for c in found if getattr(c, name) == wanted]
        return found[offset : offset + limit], len(found)

    def get_contract(self, scope: CountryScope, contract_id: int, *, for_update: bool = False) -> ContractRecord | None:
        contract = self._data.contracts.get(contract_id)
        return contract if contract is not None and self._visible(scope, contract) else None

    def contracts_of_property(self, property_id: int) -> list[ContractRecord]:
        return sorted((c for c in self._data.contracts.values() if c.property_id == property_id), key=lambda c: c.id)

    def properties_with_contracts(self, scope: CountryScope | None = None) -> list[int]:
        contracts = self._data.contracts.values()
        return sorted({c.property_id for c in contracts if scope is None or self._visible(scope, c)})

    def add_contract(self, fields: Mapping[str, Any]) -> ContractRecord:
        now = self._store.now
        values: dict[str, Any] = {
            "mode": ContractMode.ALLOTMENT,
            "status": ContractStatus.DRAFT,
            "notes": "",
            "conditions": "",
            **fields,
        }
        contract = ContractRecord(
            id=self._data.new_id(), version=1, seasons=(), release_steps=(), created_at=now, updated_at=now, **values
        )
        self._data.contracts[contract.id] = contract
        return contract

    def update_contract(self, contract_id: int, changes: Mapping[str, Any]) -> ContractRecord:
        contract = dataclasses.replace(self._data.contracts[contract_id], **changes, updated_at=self._store.now)
        self._data.contracts[contract_id] = contract
        return contract

    def replace_terms(
        self, contract_id: int, seasons: Sequence[SeasonSpec] | None, steps: Sequence[ReleaseStep] | None
    ) -> None:
        contract = self._data.contracts[contract_id]
        if seasons is not None:
            contract = dataclasses.replace(contract, seasons=tuple(seasons))
        if steps is not None:
            contract = dataclasses.replace(contract, release_steps=tuple(steps))
        self._data.contracts[contract_id] = contract

    def add_version(self, contract: ContractRecord, user_id: int | None) -> None:
        self._data.versions.setdefault(contract.id, []).append((contract.version, contract.snapshot()))

    def versions(self, contract_id: int) -> list[tuple[int, dict[str, Any]]]:
        return list(self._data.versions.get(contract_id, []))

    # --- events and nights -----------------------------------------------------------------------

    def add_event(self, event: AllotmentEvent, user_id: int | None) -> EventRecord:
        record = EventRecord(self._data.new_id(), event.contract_id, event, user_id, self._store.now)
        self._data.events.append(record)
        return record

    def events_of(self, contract_ids: Iterable[int]) -> list[EventRecord]:
        ids = set(contract_ids)
        return [record for record in self._data.events if record.contract_id in ids]

    def night_states(self, contract_ids: Iterable[int]) -> dict[NightKey, tuple[int, int]]:
        ids = set(contract_ids)
        keys = {key for key in (*self._data.picked_up, *self._data.withheld) if key[0] in ids}
        return {key: (self._data.picked_up.get(key, 0), self._data.withheld.get(key, 0)) for key in keys}

    def save_withheld(self, withheld: Mapping[NightKey, int]) -> None:
        self._data.withheld.update(withheld)


class FakeAllotmentCalendar:
    """Reads and writes the catalog's seeded cells; records each write."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def inventory_cells(
        self, room_type_ids: Iterable[int], first_night: date, last_night: date
    ) -> dict[tuple[int, date], InventoryCell]:
        wanted = set(room_type_ids)
        return {
            (cell.room_type_id, cell.night): cell
            for room_type_id, cells in self._store.catalog.cells.items()
            if room_type_id in wanted
            for cell in cells
            if first_night <= cell.night <= last_night
        }

    def write_counters(
        self,
        property_id: int,
        before: Mapping[tuple[int, date], InventoryCell],
        after: Mapping[tuple[int, date], InventoryCell],
    ) -> None:
        changed = [cell for key, cell in after.items() if before.get(key) != cell]
        self._store.catalog.calendar_calls.append(("write_counters", property_id, len(changed)))
        for cell in changed:
            cells = self._store.catalog.cells.setdefault(cell.room_type_id, [])
            cells[:] = sorted([c for c in cells if c.night != cell.night] + [cell], key=lambda c: c.night)
