"""In-memory twins of the unit of work and its repositories, for unit tests of services.

A :class:`FakeStore` is the "database": it outlives units of work, so a test can write through
one service call and read through the next. A :class:`FakeUnitOfWork` behaves like the SQL one
where services can tell: an exception inside the ``with`` block undoes every write made in it,
and after-commit hooks run only when the block ended normally. Services take it as
``uow=store.unit_of_work``.

Each repository implements the protocol of the same name in ``chalicelib/services/ports.py``;
add methods here as services move onto the repositories.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from chalicelib.domain.audit import AuditEntry
from chalicelib.domain.settings import AppSettings, SettingChange
from tests.unit.fakes_allotments import AllotmentStore, FakeAllotmentCalendar, FakeAllotmentRepository
from tests.unit.fakes_catalog import (
    FakeCatalog,
    FakeCatalogCalendar,
    FakePropertyRepository,
    FakeRatePlanRepository,
    FakeRoomTypeRepository,
    FakeSupplierRepository,
)
from tests.unit.fakes_ota import (
    FakeAlertRepository,
    FakeAuditLogRepository,
    FakeMappingProposalRepository,
    FakeOtaConnectionRepository,
    FakeOtaMappingRepository,
    FakeSyncStatusRepository,
    OtaStore,
)

FIXED_NOW = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)


@dataclass
class FakeStore:
    """Everything the fake repositories hold."""

    now: datetime = FIXED_NOW
    default_booking_expiry_minutes: int = 15
    settings: dict[str, SettingChange] = field(default_factory=dict)
    setting_values: dict[str, Any] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)
    commits: int = 0
    # catalog
    catalog: FakeCatalog = field(default_factory=FakeCatalog)
    # OTA and sync (tests/unit/fakes_ota.py)
    ota: OtaStore = field(default_factory=OtaStore)
    # allotments (tests/unit/fakes_allotments.py)
    allotments: AllotmentStore = field(default_factory=AllotmentStore)

    def unit_of_work(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)

    def audit_actions(self) -> list[str]:
        return [entry.action for entry in self.audit]


class FakeAuditRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def add(self, entry: AuditEntry) -> AuditEntry:
        self._store.audit.append(entry)
        return entry


class FakeSettingsRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def load(self) -> AppSettings:
        values = {"booking_expiry_minutes": self._store.default_booking_expiry_minutes, **self._store.setting_values}
        return AppSettings.model_validate(values)

    def latest_change(self) -> SettingChange | None:
        return max(self._store.settings.values(), key=lambda change: change.updated_at, default=None)

    def save(self, key: str, value: Any, user_id: int | None) -> None:
        self._store.setting_values[key] = value
        self._store.settings[key] = SettingChange(key, self._store.now, user_id)


class FakeUnitOfWork:
    """One "transaction" on a :class:`FakeStore`: all of its writes, or none of them."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store
        self._hooks: list[Callable[[], None]] = []
        self._snapshot: dict[str, Any] | None = None
        self.audit = FakeAuditRepository(store)
        self.settings = FakeSettingsRepository(store)
        # catalog
        self.properties = FakePropertyRepository(store)
        self.room_types = FakeRoomTypeRepository(store)
        self.rate_plans = FakeRatePlanRepository(store)
        self.suppliers = FakeSupplierRepository(store)
        self.catalog_calendar = FakeCatalogCalendar(store)
        # allotments
        self.allotments = FakeAllotmentRepository(store)
        self.allotment_calendar = FakeAllotmentCalendar(store)

    def __enter__(self) -> FakeUnitOfWork:
        self._snapshot = {f.name: copy.deepcopy(getattr(self._store, f.name)) for f in fields(self._store)}
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        assert self._snapshot is not None
        if exc_type is not None:
            for name, value in self._snapshot.items():
                setattr(self._store, name, value)
            return
        self._store.commits += 1
        hooks, self._hooks = self._hooks, []
        for hook in hooks:
            hook()

    def after_commit(self, hook: Callable[[], None]) -> None:
        self._hooks.append(hook)

    def flush(self) -> None:
        pass

    # --- OTA and sync (tests/unit/fakes_ota.py) -----------------------------------------------------

    @property
    def audit_log(self) -> FakeAuditLogRepository:
        return FakeAuditLogRepository(self._store)

    @property
    def alerts(self) -> FakeAlertRepository:
        return FakeAlertRepository(self._store)

    @property
    def ota_connections(self) -> FakeOtaConnectionRepository:
        return FakeOtaConnectionRepository(self._store)

    @property
    def ota_mappings(self) -> FakeOtaMappingRepository:
        return FakeOtaMappingRepository(self._store)

    @property
    def mapping_proposals(self) -> FakeMappingProposalRepository:
        return FakeMappingProposalRepository(self._store)

    @property
    def sync_status(self) -> FakeSyncStatusRepository:
        return FakeSyncStatusRepository(self._store)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested "transaction": an exception undoes the writes made inside, then propagates."""
        saved = copy.deepcopy(self._store.ota)
        audit = list(self._store.audit)
        try:
            yield
        except BaseException:
            self._store.ota, self._store.audit = saved, audit
            raise
