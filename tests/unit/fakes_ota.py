"""In-memory twins of the OTA, sync, alert and audit-log repositories (the "OTA and sync" block of
``tests/unit/fakes.py``; kept here so that file stays short).

Their data lives on :class:`OtaStore`, a field of ``FakeStore`` (so a failed unit of work rolls it
back with everything else). Each repository implements the protocol of the same name in
``chalicelib/services/ports.py``: the same scoping, uniqueness answers, ordering and pagination as
the SQL one, without SQL. (Over 500 lines on purpose: one twin per repository protocol, next
to the one store they share.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar

from chalicelib.aws.credential_vault import EncryptedCredentials
from chalicelib.domain.access import CountryScope
from chalicelib.domain.alerts import AlertFilters, AlertRecord, AlertStatus
from chalicelib.domain.audit import ActivityFilters, ActivityRecord, AuditFilters, AuditRecord
from chalicelib.domain.errors import Conflict
from chalicelib.domain.ota_codes import OtaCode
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
from chalicelib.domain.sync_status import RunFilters, RunRecord, RunTally, SyncedConnection
from chalicelib.services.ota_access import AccountEndpoint

T = TypeVar("T")


@dataclass
class OtaStore:
    """Everything the OTA and sync fakes hold."""

    audit_records: list[AuditRecord] = field(default_factory=list)
    activity_records: list[ActivityRecord] = field(default_factory=list)
    alerts: dict[int, AlertRecord] = field(default_factory=dict)
    properties: dict[int, PropertyRef] = field(default_factory=dict)
    accounts: dict[int, AccountRef] = field(default_factory=dict)
    room_types: dict[int, RoomTypeRef] = field(default_factory=dict)
    rate_plans: dict[int, RatePlanRef] = field(default_factory=dict)
    connections: dict[int, ConnectionRecord] = field(default_factory=dict)
    room_mappings: dict[int, RoomTypeMappingRecord] = field(default_factory=dict)
    rate_mappings: dict[int, RatePlanMappingRecord] = field(default_factory=dict)
    proposals: dict[int, ProposalRecord] = field(default_factory=dict)
    runs: list[RunRecord] = field(default_factory=list)
    last_id: int = 100

    def next_id(self) -> int:
        self.last_id += 1
        return self.last_id


def paged(items: list[T], offset: int, limit: int | None) -> tuple[list[T], int]:
    """One page of ``items`` and how many there are in all."""
    return (items[offset:] if limit is None else items[offset : offset + limit]), len(items)


def matching(items: Iterable[T], *conditions: Callable[[T], bool]) -> list[T]:
    return [item for item in items if all(condition(item) for condition in conditions)]


class _OtaRepository:
    def __init__(self, store: Any) -> None:
        self._store = store

    @property
    def _data(self) -> OtaStore:
        data: OtaStore = self._store.ota
        return data


class FakeAuditLogRepository(_OtaRepository):
    def audit(
        self, scope: CountryScope, filters: AuditFilters, *, offset: int, limit: int
    ) -> tuple[list[AuditRecord], int]:
        f = filters
        rows = matching(
            self._data.audit_records,
            lambda r: scope.includes(r.country_code),
            lambda r: not f.entity_type or r.entity_type == f.entity_type,
            lambda r: not f.entity_id or r.entity_id == f.entity_id,
            lambda r: not f.action or r.action == f.action,
            lambda r: f.actor_user_id is None or r.actor_user_id == f.actor_user_id,
            lambda r: not f.since or r.occurred_at >= f.since,
            lambda r: not f.until or r.occurred_at < f.until,
        )
        rows.sort(key=lambda r: (r.occurred_at, r.id), reverse=True)
        return paged(rows, offset, limit)

    def activity(
        self, scope: CountryScope, filters: ActivityFilters, *, offset: int, limit: int
    ) -> tuple[list[ActivityRecord], int]:
        f = filters
        rows = matching(
            self._data.activity_records,
            lambda r: scope.includes(r.country_code),
            lambda r: f.user_id is None or r.user_id == f.user_id,
            lambda r: not f.email or r.email == f.email.lower(),
            lambda r: not f.method or r.method == f.method.upper(),
            lambda r: f.status_code is None or r.status_code == f.status_code,
            lambda r: not f.path_prefix or r.path.startswith(f.path_prefix),
            lambda r: not f.since or r.occurred_at >= f.since,
            lambda r: not f.until or r.occurred_at < f.until,
        )
        rows.sort(key=lambda r: (r.occurred_at, r.id), reverse=True)
        return paged(rows, offset, limit)


class FakeAlertRepository(_OtaRepository):
    def page(
        self, scope: CountryScope, filters: AlertFilters, *, offset: int, limit: int
    ) -> tuple[list[AlertRecord], int]:
        f = filters
        rows = matching(
            self._data.alerts.values(),
            lambda a: scope.includes(a.country_code),
            lambda a: not f.statuses or a.status in f.statuses,
            lambda a: not f.open_only or a.status != AlertStatus.RESOLVED.value,
            lambda a: not f.types or a.type in f.types,
            lambda a: f.property_id is None or a.property_id == f.property_id,
            lambda a: f.room_type_id is None or a.room_type_id == f.room_type_id,
            lambda a: f.night_from is None or (a.night is not None and a.night >= f.night_from),
            lambda a: f.night_to is None or (a.night is not None and a.night <= f.night_to),
            lambda a: f.since is None or a.created_at >= f.since,
            lambda a: f.until is None or a.created_at < f.until,
        )
        rows.sort(key=lambda a: (a.created_at, a.id), reverse=True)
        return paged(rows, offset, limit)

    def get(self, alert_id: int, scope: CountryScope, *, for_update: bool = False) -> AlertRecord | None:
        alert = self._data.alerts.get(alert_id)
        return alert if alert is not None and scope.includes(alert.country_code) else None

    def save_workflow(self, alert: AlertRecord) -> AlertRecord:
        saved = replace(alert, updated_at=self._store.now)
        self._data.alerts[alert.id] = saved
        return saved

    def wake_snoozed(self, now: datetime) -> list[AlertRecord]:
        due = [
            a
            for a in self._data.alerts.values()
            if a.status == AlertStatus.SNOOZED.value and a.snoozed_until is not None and a.snoozed_until <= now
        ]
        woken = [replace(alert, status=AlertStatus.NEW.value, snoozed_until=None) for alert in due]
        for alert in woken:
            self._data.alerts[alert.id] = alert
        return woken


class FakeOtaConnectionRepository(_OtaRepository):
    def get(self, connection_id: int, scope: CountryScope, *, for_update: bool = False) -> ConnectionRecord | None:
        found = self._data.connections.get(connection_id)
        return found if found is not None and scope.includes(found.country_code) else None

    def page(
        self, scope: CountryScope, filters: ConnectionFilters, *, offset: int, limit: int
    ) -> tuple[list[ConnectionRecord], int]:
        f = filters
        rows = matching(
            self._data.connections.values(),
            lambda c: scope.includes(c.country_code),
            lambda c: f.property_id is None or c.property_id == f.property_id,
            lambda c: f.ota_account_id is None or c.ota_account_id == f.ota_account_id,
            lambda c: not f.ota_code or c.ota == f.ota_code,
            lambda c: not f.health or c.health == f.health,
            lambda c: f.is_active is None or c.is_active == f.is_active,
        )
        return paged(sorted(rows, key=lambda c: c.id), offset, limit)

    def property(self, property_id: int, scope: CountryScope) -> PropertyRef | None:
        found = self._data.properties.get(property_id)
        return found if found is not None and scope.includes(found.country_code) else None

    def account(self, account_id: int, scope: CountryScope) -> AccountRef | None:
        found = self._data.accounts.get(account_id)
        return found if found is not None and scope.includes(found.country_code) else None

    def endpoint(self, account_id: int) -> AccountEndpoint:
        account = self._data.accounts[account_id]
        sealed = EncryptedCredentials(key_id="fake-key", encrypted_data_key=b"k", nonce=b"n", ciphertext=b"c")
        return AccountEndpoint(account_id=account.id, ota=OtaCode(account.ota_code), base_url=None, envelope=sealed)

    def connection_for_hotel(self, account_id: int, ota_hotel_id: str) -> int | None:
        return next(
            (
                c.id
                for c in self._data.connections.values()
                if c.ota_account_id == account_id and c.ota_hotel_id == ota_hotel_id
            ),
            None,
        )

    def connection_for_property(self, property_id: int, account_id: int) -> ConnectionRecord | None:
        return next(
            (
                c
                for c in self._data.connections.values()
                if c.property_id == property_id and c.ota_account_id == account_id
            ),
            None,
        )

    def property_connection_to_ota(
        self, property_id: int, ota_code: str, *, except_connection_id: int | None = None
    ) -> tuple[int, str] | None:
        for c in sorted(self._data.connections.values(), key=lambda c: c.id):
            if c.property_id == property_id and c.ota == ota_code and c.id != except_connection_id:
                return c.id, c.account_name
        return None

    def add(self, new: NewConnectionRow, *, conflict_message: str) -> ConnectionRecord:
        # the unique constraints (property, OTA) and (account, hotel id), as the database keeps them
        if self.connection_for_hotel(new.ota_account_id, new.ota_hotel_id) is not None:
            raise Conflict(conflict_message)
        hotel, account = self._data.properties[new.property_id], self._data.accounts[new.ota_account_id]
        ota = OtaCode(account.ota_code)
        now = self._store.now
        record = ConnectionRecord(
            id=self._data.next_id(),
            property_id=hotel.id,
            property_code=hotel.code,
            property_name=hotel.name,
            country_code=hotel.country_code,
            ota_account_id=account.id,
            ota=ota.value,
            ota_name=ota.display_name,
            account_name=account.name,
            ota_hotel_id=new.ota_hotel_id,
            is_active=new.is_active,
            poll_interval_seconds=new.poll_interval_seconds,
            last_poll_at=None,
            next_poll_at=new.next_poll_at,
            last_success_at=None,
            health="ok",
            consecutive_failures=0,
            last_error=None,
            last_error_at=None,
            created_at=now,
            updated_at=now,
        )
        self._data.connections[record.id] = record
        return record

    def update(self, connection_id: int, settings: ConnectionSettings) -> ConnectionRecord:
        record = replace(
            self._data.connections[connection_id],
            ota_hotel_id=settings.ota_hotel_id,
            is_active=settings.is_active,
            poll_interval_seconds=settings.poll_interval_seconds,
            next_poll_at=settings.next_poll_at,
            updated_at=self._store.now,
        )
        self._data.connections[connection_id] = record
        return record

    def delete(self, connection_id: int) -> None:
        """Its mappings and proposals go with it (ON DELETE CASCADE)."""
        data = self._data
        del data.connections[connection_id]
        for table in (data.room_mappings, data.rate_mappings, data.proposals):
            for key in [k for k, v in table.items() if v.connection_id == connection_id]:
                del table[key]


class FakeOtaMappingRepository(_OtaRepository):
    def room_type(self, room_type_id: int) -> RoomTypeRef | None:
        return self._data.room_types.get(room_type_id)

    def rate_plan(self, rate_plan_id: int) -> RatePlanRef | None:
        return self._data.rate_plans.get(rate_plan_id)

    def room_mappings(
        self, connection_id: int, *, offset: int = 0, limit: int | None = None
    ) -> tuple[list[RoomTypeMappingRecord], int]:
        rows = [m for m in self._data.room_mappings.values() if m.connection_id == connection_id]
        return paged(sorted(rows, key=lambda m: m.id), offset, limit)

    def rate_mappings(
        self, connection_id: int, *, offset: int = 0, limit: int | None = None
    ) -> tuple[list[RatePlanMappingRecord], int]:
        rows = [m for m in self._data.rate_mappings.values() if m.connection_id == connection_id]
        return paged(sorted(rows, key=lambda m: m.id), offset, limit)

    def _in_scope(self, connection_id: int, scope: CountryScope) -> bool:
        connection = self._data.connections.get(connection_id)
        return connection is not None and scope.includes(connection.country_code)

    def scoped_room_mapping(
        self, mapping_id: int, scope: CountryScope, *, for_update: bool = False
    ) -> RoomTypeMappingRecord | None:
        found = self._data.room_mappings.get(mapping_id)
        return found if found is not None and self._in_scope(found.connection_id, scope) else None

    def scoped_rate_mapping(
        self, mapping_id: int, scope: CountryScope, *, for_update: bool = False
    ) -> RatePlanMappingRecord | None:
        found = self._data.rate_mappings.get(mapping_id)
        return found if found is not None and self._in_scope(found.connection_id, scope) else None

    def room_mapping_for_room_type(self, connection_id: int, room_type_id: int) -> RoomTypeMappingRecord | None:
        rows = self._data.room_mappings.values()
        return next((m for m in rows if (m.connection_id, m.room_type_id) == (connection_id, room_type_id)), None)

    def room_mapping_for_ota_room(self, connection_id: int, ota_room_id: str) -> RoomTypeMappingRecord | None:
        rows = self._data.room_mappings.values()
        return next((m for m in rows if (m.connection_id, m.ota_room_id) == (connection_id, ota_room_id)), None)

    def rate_mapping_for_rate_plan(self, connection_id: int, rate_plan_id: int) -> RatePlanMappingRecord | None:
        rows = self._data.rate_mappings.values()
        return next((m for m in rows if (m.connection_id, m.rate_plan_id) == (connection_id, rate_plan_id)), None)

    def rate_mapping_for_ota_rate(
        self, connection_id: int, ota_room_id: str, ota_rate_plan_id: str
    ) -> RatePlanMappingRecord | None:
        wanted = (connection_id, ota_room_id, ota_rate_plan_id)
        rows = self._data.rate_mappings.values()
        return next((m for m in rows if (m.connection_id, m.ota_room_id, m.ota_rate_plan_id) == wanted), None)

    def add_room_mapping(
        self, connection_id: int, room_type_id: int, ota_room_id: str, *, conflict_message: str
    ) -> RoomTypeMappingRecord:
        if self.room_mapping_for_room_type(connection_id, room_type_id) or self.room_mapping_for_ota_room(
            connection_id, ota_room_id
        ):
            raise Conflict(conflict_message)
        room_type = self._data.room_types[room_type_id]
        now = self._store.now
        record = RoomTypeMappingRecord(
            self._data.next_id(), connection_id, room_type.id, room_type.code, room_type.name, ota_room_id, now, now
        )
        self._data.room_mappings[record.id] = record
        return record

    def move_room_mapping(self, mapping_id: int, ota_room_id: str, *, conflict_message: str) -> RoomTypeMappingRecord:
        mapping = self._data.room_mappings[mapping_id]
        if self.room_mapping_for_ota_room(mapping.connection_id, ota_room_id) is not None:
            raise Conflict(conflict_message)
        moved = replace(mapping, ota_room_id=ota_room_id, updated_at=self._store.now)
        self._data.room_mappings[mapping_id] = moved
        for rate in list(self._data.rate_mappings.values()):  # ON UPDATE CASCADE
            if (rate.connection_id, rate.room_type_id) == (mapping.connection_id, mapping.room_type_id):
                self._data.rate_mappings[rate.id] = replace(rate, ota_room_id=ota_room_id)
        return moved

    def delete_room_mapping(self, mapping_id: int) -> None:
        mapping = self._data.room_mappings.pop(mapping_id)
        for rate in list(self._data.rate_mappings.values()):  # ON DELETE CASCADE
            if (rate.connection_id, rate.room_type_id) == (mapping.connection_id, mapping.room_type_id):
                del self._data.rate_mappings[rate.id]

    def add_rate_mapping(
        self, connection_id: int, plan: RatePlanRef, ota_room_id: str, ota_rate_plan_id: str, *, conflict_message: str
    ) -> RatePlanMappingRecord:
        if self.rate_mapping_for_rate_plan(connection_id, plan.id) or self.rate_mapping_for_ota_rate(
            connection_id, ota_room_id, ota_rate_plan_id
        ):
            raise Conflict(conflict_message)
        now = self._store.now
        record = RatePlanMappingRecord(
            self._data.next_id(),
            connection_id,
            plan.room_type_id,
            plan.id,
            plan.code,
            plan.name,
            ota_room_id,
            ota_rate_plan_id,
            now,
            now,
        )
        self._data.rate_mappings[record.id] = record
        return record

    def move_rate_mapping(
        self, mapping_id: int, ota_rate_plan_id: str, *, conflict_message: str
    ) -> RatePlanMappingRecord:
        mapping = self._data.rate_mappings[mapping_id]
        if self.rate_mapping_for_ota_rate(mapping.connection_id, mapping.ota_room_id, ota_rate_plan_id):
            raise Conflict(conflict_message)
        moved = replace(mapping, ota_rate_plan_id=ota_rate_plan_id, updated_at=self._store.now)
        self._data.rate_mappings[mapping_id] = moved
        return moved

    def delete_rate_mapping(self, mapping_id: int) -> None:
        del self._data.rate_mappings[mapping_id]

    def existing(self, connection_id: int) -> ExistingMappings:
        rooms, _ = self.room_mappings(connection_id)
        rates, _ = self.rate_mappings(connection_id)
        return ExistingMappings(
            room_types_by_ota_room={m.ota_room_id: m.room_type_id for m in rooms},
            rate_plans_by_ota_rate={(m.ota_room_id, m.ota_rate_plan_id): m.rate_plan_id for m in rates},
        )

    def index(self, connection_id: int) -> MappingIndex:
        rooms, _ = self.room_mappings(connection_id)
        rates, _ = self.rate_mappings(connection_id)
        return MappingIndex(
            connection_id=connection_id,
            room_types_by_ota_room={m.ota_room_id: m.room_type_id for m in rooms},
            rate_plans_by_ota_rate={
                (m.ota_room_id, m.ota_rate_plan_id): (m.room_type_id, m.rate_plan_id) for m in rates
            },
        )

    def catalogue(self, property_id: int) -> tuple[list[LocalRoomType], list[LocalRatePlan]]:
        room_types = sorted(
            (rt for rt in self._data.room_types.values() if rt.property_id == property_id), key=lambda r: r.id
        )
        plans = sorted(
            (rp for rp in self._data.rate_plans.values() if rp.property_id == property_id), key=lambda r: r.id
        )
        return (
            [LocalRoomType(rt.id, rt.code, rt.name) for rt in room_types],
            [LocalRatePlan(rp.id, rp.room_type_id, rp.code, rp.name) for rp in plans],
        )


class FakeMappingProposalRepository(_OtaRepository):
    def get(self, proposal_id: int, scope: CountryScope, *, for_update: bool = False) -> ProposalRecord | None:
        found = self._data.proposals.get(proposal_id)
        connection = self._data.connections.get(found.connection_id) if found else None
        return found if connection is not None and scope.includes(connection.country_code) else None

    def page(
        self, connection_id: int, *, status: str | None, offset: int, limit: int
    ) -> tuple[list[ProposalRecord], int]:
        rows = matching(
            self._data.proposals.values(),
            lambda p: p.connection_id == connection_id,
            lambda p: not status or p.status == status,
        )
        # rooms (no rate plan id: NULLS FIRST) before the rate plans under them
        rows.sort(key=lambda p: (p.ota_room_id, p.ota_rate_plan_id is not None, p.ota_rate_plan_id or "", p.id))
        return paged(rows, offset, limit)

    def for_items(
        self, connection_id: int, items: Sequence[tuple[str, str | None]]
    ) -> dict[tuple[str, str | None], ProposalRecord]:
        wanted = set(items)
        return {
            (p.ota_room_id, p.ota_rate_plan_id): p
            for p in self._data.proposals.values()
            if p.connection_id == connection_id and (p.ota_room_id, p.ota_rate_plan_id) in wanted
        }

    def save(
        self, connection_id: int, drafts: Sequence[ProposalDraft], *, conflict_message: str
    ) -> list[ProposalRecord]:
        saved = []
        now = self._store.now
        for draft in drafts:
            old = self._data.proposals.get(draft.id) if draft.id is not None else None
            record = ProposalRecord(
                id=old.id if old else self._data.next_id(),
                connection_id=connection_id,
                kind=draft.kind,
                ota_room_id=draft.ota_room_id,
                ota_room_name=draft.ota_room_name,
                ota_rate_plan_id=draft.ota_rate_plan_id,
                ota_rate_plan_name=draft.ota_rate_plan_name,
                room_type_id=draft.room_type_id,
                rate_plan_id=draft.rate_plan_id,
                match_reason=draft.match_reason,
                status=draft.status,
                decided_at=old.decided_at if old else None,
                decided_by_user_id=old.decided_by_user_id if old else None,
                created_at=old.created_at if old else now,
                updated_at=now,
            )
            self._data.proposals[record.id] = record
            saved.append(record)
        return saved

    def decide(
        self,
        proposal_id: int,
        *,
        status: str,
        decided_at: datetime,
        decided_by_user_id: int | None,
        room_type_id: int | None,
        rate_plan_id: int | None,
    ) -> ProposalRecord:
        decided = replace(
            self._data.proposals[proposal_id],
            status=status,
            decided_at=decided_at,
            decided_by_user_id=decided_by_user_id,
            room_type_id=room_type_id,
            rate_plan_id=rate_plan_id,
            updated_at=self._store.now,
        )
        self._data.proposals[proposal_id] = decided
        return decided


class FakeSyncStatusRepository(_OtaRepository):
    def property(self, property_id: int, scope: CountryScope) -> PropertyRef | None:
        return FakeOtaConnectionRepository(self._store).property(property_id, scope)

    def properties_with_connections(
        self, scope: CountryScope, *, property_id: int | None, offset: int, limit: int
    ) -> tuple[list[PropertyRef], int]:
        connected = {c.property_id for c in self._data.connections.values()}
        rows = matching(
            self._data.properties.values(),
            lambda p: p.id in connected,
            lambda p: scope.includes(p.country_code),
            lambda p: property_id is None or p.id == property_id,
        )
        return paged(sorted(rows, key=lambda p: p.id), offset, limit)

    def connections_of(self, property_ids: Sequence[int]) -> list[SyncedConnection]:
        rows = [c for c in self._data.connections.values() if c.property_id in property_ids]
        return [
            SyncedConnection(
                id=c.id,
                property_id=c.property_id,
                ota_code=c.ota,
                account_status=self._data.accounts[c.ota_account_id].status,
                ota_hotel_id=c.ota_hotel_id,
                is_active=c.is_active,
                poll_interval_seconds=c.poll_interval_seconds,
                last_poll_at=c.last_poll_at,
                next_poll_at=c.next_poll_at,
                last_success_at=c.last_success_at,
                health=c.health,
                consecutive_failures=c.consecutive_failures,
                last_error=c.last_error,
                last_error_at=c.last_error_at,
                created_at=c.created_at,
            )
            for c in sorted(rows, key=lambda c: (c.property_id, c.id))
        ]

    def _newest_first(self, connection_id: int) -> list[RunRecord]:
        runs = [r for r in self._data.runs if r.connection_id == connection_id]
        return sorted(runs, key=lambda r: (r.started_at, r.id), reverse=True)

    def recent_runs(self, connections: Sequence[SyncedConnection], *, per_connection: int) -> list[RunRecord]:
        return [
            run for c in sorted(connections, key=lambda c: c.id) for run in self._newest_first(c.id)[:per_connection]
        ]

    def run_tallies(self, connection_ids: Sequence[int], *, window: int) -> dict[int, RunTally]:
        tallies = {}
        for connection_id in connection_ids:
            finished = [r for r in self._newest_first(connection_id) if r.status != "running"][:window]
            if finished:
                statuses = [r.status for r in finished]
                tallies[connection_id] = RunTally(len(finished), statuses.count("failed"), statuses.count("partial"))
        return tallies

    def property_runs(
        self, property_id: int, filters: RunFilters, *, offset: int, limit: int
    ) -> tuple[list[RunRecord], int]:
        f = filters
        rows = matching(
            self._data.runs,
            lambda r: r.property_id == property_id,
            lambda r: f.connection_id is None or r.connection_id == f.connection_id,
            lambda r: not f.kind or r.kind == f.kind,
            lambda r: not f.status or r.status == f.status,
        )
        return paged(sorted(rows, key=lambda r: (r.started_at, r.id), reverse=True), offset, limit)
