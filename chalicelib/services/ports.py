"""What services need from storage, as protocols: the unit of work and its repositories.

Services take a :data:`UnitOfWorkFactory` (default: the PostgreSQL one,
``chalicelib.db.unit_of_work.unit_of_work``) and use only what these protocols declare, so the
same service runs in production on SQL and in unit tests on the in-memory twins of
``tests/unit/fakes.py``. A repository method returns frozen views or domain values; the ORM stays
behind the SQL implementation.

(Over 500 lines: every port is a handful of one-line signatures, and keeping them in one module
keeps the unit of work's full surface, and what the fakes must implement, readable in one place.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.domain.access import CountryScope
from chalicelib.domain.alerts import AlertFilters, AlertRecord
from chalicelib.domain.allocations import SupplierAllocation
from chalicelib.domain.allotment_records import (
    AgencyFilters,
    AgencyRecord,
    ContractFilters,
    ContractRecord,
    EventRecord,
    SeasonSpec,
)
from chalicelib.domain.allotments import AllotmentEvent, ReleaseStep
from chalicelib.domain.audit import ActivityFilters, ActivityRecord, AuditEntry, AuditFilters, AuditRecord
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
from chalicelib.domain.dashboard import (
    AlertCounts,
    BookingActivity,
    ChannelRevenue,
    ChannelShare,
    ChannelTrouble,
    OpenAlert,
    RecentBooking,
    RoomNights,
    SummaryFilter,
    SummaryWindow,
    SyncTally,
)
from chalicelib.domain.hardblocks import BlockFilters, BlockRecord, BlockState
from chalicelib.domain.inventory import InventoryCell, InventoryCellChange
from chalicelib.domain.ota_connections import (
    AccountRef,
    ConnectionFilters,
    ConnectionRecord,
    ConnectionSettings,
    NewConnectionRow,
    PropertyRef,
    ProposalDraft,
    ProposalRecord,
    RatePlanMappingRecord,
    RatePlanRef,
    RoomTypeMappingRecord,
    RoomTypeRef,
)
from chalicelib.domain.ota_mappings import ExistingMappings, LocalRatePlan, LocalRoomType, MappingIndex
from chalicelib.domain.rates import RateCatalog
from chalicelib.domain.settings import AppSettings, SettingChange
from chalicelib.domain.sync_status import RunFilters, RunRecord, RunTally, SyncedConnection

if TYPE_CHECKING:
    from chalicelib.services.ota_access import AccountEndpoint


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


class AllotmentRepository(Protocol):
    def agency_page(
        self, scope: CountryScope, filters: AgencyFilters, *, offset: int, limit: int
    ) -> tuple[list[AgencyRecord], int]: ...

    def get_agency(self, scope: CountryScope, agency_id: int, *, for_update: bool = False) -> AgencyRecord | None: ...

    def add_agency(self, fields: Mapping[str, Any]) -> AgencyRecord: ...

    def update_agency(self, agency_id: int, changes: Mapping[str, Any]) -> AgencyRecord: ...

    def delete_agency(self, agency_id: int) -> None: ...

    def agency_has_contracts(self, agency_id: int) -> bool: ...

    def contract_page(
        self, scope: CountryScope, filters: ContractFilters, *, offset: int, limit: int
    ) -> tuple[list[ContractRecord], int]: ...

    def get_contract(
        self, scope: CountryScope, contract_id: int, *, for_update: bool = False
    ) -> ContractRecord | None: ...

    def contracts_of_property(self, property_id: int) -> list[ContractRecord]: ...

    def properties_with_contracts(self, scope: CountryScope | None = None) -> list[int]:
        """The properties with a contract (with ``scope``: a contract the scope sees)."""

    def add_contract(self, fields: Mapping[str, Any]) -> ContractRecord: ...

    def update_contract(self, contract_id: int, changes: Mapping[str, Any]) -> ContractRecord: ...

    def replace_terms(
        self, contract_id: int, seasons: Sequence[SeasonSpec] | None, steps: Sequence[ReleaseStep] | None
    ) -> None: ...

    def add_version(self, contract: ContractRecord, user_id: int | None) -> None: ...

    def versions(self, contract_id: int) -> list[tuple[int, dict[str, Any]]]: ...

    def add_event(self, event: AllotmentEvent, user_id: int | None) -> EventRecord: ...

    def events_of(self, contract_ids: Iterable[int]) -> list[EventRecord]: ...

    def night_states(self, contract_ids: Iterable[int]) -> dict[tuple[int, int, date], tuple[int, int]]:
        """(picked up, withheld) per (contract, room type, night)."""

    def save_withheld(self, withheld: Mapping[tuple[int, int, date], int]) -> None: ...


class AllotmentCalendarPort(Protocol):
    """The calendar cells allotments withhold rooms in; callers hold the room types' locks."""

    def inventory_cells(
        self, room_type_ids: Iterable[int], first_night: date, last_night: date
    ) -> dict[tuple[int, date], InventoryCell]: ...

    def write_counters(
        self,
        property_id: int,
        before: Mapping[tuple[int, date], InventoryCell],
        after: Mapping[tuple[int, date], InventoryCell],
    ) -> None:
        """Persist the changed counters with their ARI outbox rows."""


class HardblockRepository(Protocol):
    """Hardblocks with their nights and versions, scoped by the property's country."""

    def page(
        self, scope: CountryScope, filters: BlockFilters, *, offset: int, limit: int
    ) -> tuple[list[BlockRecord], int]: ...

    def get(self, scope: CountryScope, block_id: int, *, for_update: bool = False) -> BlockRecord | None: ...

    def add(self, fields: Mapping[str, Any]) -> int: ...

    def save(self, block_id: int, changes: Mapping[str, Any], state: BlockState) -> BlockRecord:
        """Write the block's terms and replace its nights with ``state``'s."""

    def add_version(self, block: BlockRecord, user_id: int | None) -> None: ...

    def versions(self, block_id: int) -> list[tuple[int, dict[str, Any]]]: ...

    def channels(self, property_id: int) -> dict[int, tuple[str, ...]]:
        """Per room type of the property, the OTAs of its active connections that map it."""

    def due_for_release(self, now: datetime, *, after: int, limit: int) -> list[int]:
        """Active blocks with rooms whose release date came (property-local), ascending ids."""

    def claim(self, block_id: int) -> BlockRecord | None:
        """The block with its row locked, or None when another transaction holds it."""

    def selected(
        self, scope: CountryScope, block_ids: Sequence[int] | None, agency_id: int | None, *, for_update: bool
    ) -> list[BlockRecord]: ...


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

    # allotments
    @property
    def allotments(self) -> AllotmentRepository: ...

    @property
    def allotment_calendar(self) -> AllotmentCalendarPort: ...

    @property
    def hardblocks(self) -> HardblockRepository: ...

    def after_commit(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` once the transaction has committed (never after a rollback)."""

    def flush(self) -> None:
        """Send pending writes so that generated ids and constraint errors appear now."""

    # --- OTA and sync ---------------------------------------------------------------------------

    @property
    def audit_log(self) -> AuditLogRepository: ...

    @property
    def alerts(self) -> AlertRepository: ...

    @property
    def ota_connections(self) -> OtaConnectionRepository: ...

    @property
    def ota_mappings(self) -> OtaMappingRepository: ...

    @property
    def mapping_proposals(self) -> MappingProposalRepository: ...

    @property
    def sync_status(self) -> SyncStatusRepository: ...

    @property
    def dashboard(self) -> DashboardRepository: ...

    def savepoint(self) -> AbstractContextManager[None]:
        """A nested transaction: an exception inside undoes only its writes (then propagates)."""


UnitOfWorkFactory = Callable[[], AbstractContextManager[UnitOfWork]]


# --- OTA and sync -------------------------------------------------------------------------------


class AuditLogRepository(Protocol):
    """Reads of the audit trail and the activity log, within a country scope, newest first."""

    def audit(
        self, scope: CountryScope, filters: AuditFilters, *, offset: int, limit: int
    ) -> tuple[list[AuditRecord], int]: ...

    def activity(
        self, scope: CountryScope, filters: ActivityFilters, *, offset: int, limit: int
    ) -> tuple[list[ActivityRecord], int]: ...


class AlertRepository(Protocol):
    """Alerts as staff read and work them (raising an alert stays in the raising transaction)."""

    def page(
        self, scope: CountryScope, filters: AlertFilters, *, offset: int, limit: int
    ) -> tuple[list[AlertRecord], int]: ...

    def get(self, alert_id: int, scope: CountryScope, *, for_update: bool = False) -> AlertRecord | None: ...

    def save_workflow(self, alert: AlertRecord) -> AlertRecord: ...

    def wake_snoozed(self, now: datetime) -> list[AlertRecord]:
        """Snoozed alerts whose time has come become ``new``; the alerts woken."""


class OtaConnectionRepository(Protocol):
    """Connections scoped by their property's country; the properties and accounts they join."""

    def get(self, connection_id: int, scope: CountryScope, *, for_update: bool = False) -> ConnectionRecord | None: ...

    def page(
        self, scope: CountryScope, filters: ConnectionFilters, *, offset: int, limit: int
    ) -> tuple[list[ConnectionRecord], int]: ...

    def property(self, property_id: int, scope: CountryScope) -> PropertyRef | None: ...

    def account(self, account_id: int, scope: CountryScope) -> AccountRef | None: ...

    def endpoint(self, account_id: int) -> AccountEndpoint: ...

    def connection_for_hotel(self, account_id: int, ota_hotel_id: str) -> int | None: ...

    def connection_for_property(self, property_id: int, account_id: int) -> ConnectionRecord | None: ...

    def property_connection_to_ota(
        self, property_id: int, ota_code: str, *, except_connection_id: int | None = None
    ) -> tuple[int, str] | None: ...

    def add(self, new: NewConnectionRow, *, conflict_message: str) -> ConnectionRecord: ...

    def update(self, connection_id: int, settings: ConnectionSettings) -> ConnectionRecord: ...

    def delete(self, connection_id: int) -> None: ...


class OtaMappingRepository(Protocol):
    """Room type / rate plan mappings of connections (unique both ways per connection)."""

    def room_type(self, room_type_id: int) -> RoomTypeRef | None: ...

    def rate_plan(self, rate_plan_id: int) -> RatePlanRef | None: ...

    def room_mappings(
        self, connection_id: int, *, offset: int = 0, limit: int | None = None
    ) -> tuple[list[RoomTypeMappingRecord], int]: ...

    def rate_mappings(
        self, connection_id: int, *, offset: int = 0, limit: int | None = None
    ) -> tuple[list[RatePlanMappingRecord], int]: ...

    def scoped_room_mapping(
        self, mapping_id: int, scope: CountryScope, *, for_update: bool = False
    ) -> RoomTypeMappingRecord | None: ...

    def scoped_rate_mapping(
        self, mapping_id: int, scope: CountryScope, *, for_update: bool = False
    ) -> RatePlanMappingRecord | None: ...

    def room_mapping_for_room_type(self, connection_id: int, room_type_id: int) -> RoomTypeMappingRecord | None: ...

    def room_mapping_for_ota_room(self, connection_id: int, ota_room_id: str) -> RoomTypeMappingRecord | None: ...

    def rate_mapping_for_rate_plan(self, connection_id: int, rate_plan_id: int) -> RatePlanMappingRecord | None: ...

    def rate_mapping_for_ota_rate(
        self, connection_id: int, ota_room_id: str, ota_rate_plan_id: str
    ) -> RatePlanMappingRecord | None: ...

    def add_room_mapping(
        self, connection_id: int, room_type_id: int, ota_room_id: str, *, conflict_message: str
    ) -> RoomTypeMappingRecord: ...

    def move_room_mapping(
        self, mapping_id: int, ota_room_id: str, *, conflict_message: str
    ) -> RoomTypeMappingRecord: ...

    def delete_room_mapping(self, mapping_id: int) -> None: ...

    def add_rate_mapping(
        self, connection_id: int, plan: RatePlanRef, ota_room_id: str, ota_rate_plan_id: str, *, conflict_message: str
    ) -> RatePlanMappingRecord: ...

    def move_rate_mapping(
        self, mapping_id: int, ota_rate_plan_id: str, *, conflict_message: str
    ) -> RatePlanMappingRecord: ...

    def delete_rate_mapping(self, mapping_id: int) -> None: ...

    def existing(self, connection_id: int) -> ExistingMappings: ...

    def index(self, connection_id: int) -> MappingIndex: ...

    def catalogue(self, property_id: int) -> tuple[list[LocalRoomType], list[LocalRatePlan]]: ...


class MappingProposalRepository(Protocol):
    """Mappings proposed by discovery, scoped by their connection's property."""

    def get(self, proposal_id: int, scope: CountryScope, *, for_update: bool = False) -> ProposalRecord | None: ...

    def page(
        self, connection_id: int, *, status: str | None, offset: int, limit: int
    ) -> tuple[list[ProposalRecord], int]: ...

    def for_items(
        self, connection_id: int, items: Sequence[tuple[str, str | None]]
    ) -> dict[tuple[str, str | None], ProposalRecord]: ...

    def save(
        self, connection_id: int, drafts: Sequence[ProposalDraft], *, conflict_message: str
    ) -> list[ProposalRecord]: ...

    def decide(
        self,
        proposal_id: int,
        *,
        status: str,
        decided_at: datetime,
        decided_by_user_id: int | None,
        room_type_id: int | None,
        rate_plan_id: int | None,
    ) -> ProposalRecord: ...


class SyncStatusRepository(Protocol):
    """What the sync dashboard reads: properties with connections (in scope), their runs."""

    def property(self, property_id: int, scope: CountryScope) -> PropertyRef | None: ...

    def properties_with_connections(
        self, scope: CountryScope, *, property_id: int | None, offset: int, limit: int
    ) -> tuple[list[PropertyRef], int]: ...

    def connections_of(self, property_ids: Sequence[int]) -> list[SyncedConnection]: ...

    def recent_runs(self, connections: Sequence[SyncedConnection], *, per_connection: int) -> list[RunRecord]: ...

    def run_tallies(self, connection_ids: Sequence[int], *, window: int) -> dict[int, RunTally]: ...

    def property_runs(
        self, property_id: int, filters: RunFilters, *, offset: int, limit: int
    ) -> tuple[list[RunRecord], int]: ...


class DashboardRepository(Protocol):
    """The home page's sums over the caller's hotels (see chalicelib.domain.dashboard)."""

    def room_nights_by_night(
        self, scope: CountryScope, wanted: SummaryFilter, window: SummaryWindow
    ) -> list[tuple[date, str, RoomNights]]: ...

    def revenue_by_currency(
        self, scope: CountryScope, wanted: SummaryFilter, window: SummaryWindow
    ) -> list[tuple[str, Decimal, int]]: ...

    def channel_mix(
        self, scope: CountryScope, wanted: SummaryFilter, window: SummaryWindow
    ) -> tuple[list[ChannelShare], list[ChannelRevenue], BookingActivity]: ...

    def sync_tally(self, scope: CountryScope, wanted: SummaryFilter, window: SummaryWindow) -> SyncTally: ...

    def recent_bookings(self, scope: CountryScope, wanted: SummaryFilter, *, limit: int) -> list[RecentBooking]: ...

    def open_alerts(
        self, scope: CountryScope, wanted: SummaryFilter, *, limit: int
    ) -> tuple[AlertCounts, list[OpenAlert]]: ...

    def troubled_connections(
        self, scope: CountryScope, wanted: SummaryFilter, *, default_interval: int, now: datetime
    ) -> list[ChannelTrouble]: ...
