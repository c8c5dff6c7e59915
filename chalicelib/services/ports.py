"""What services need from storage, as protocols: the unit of work and its repositories.

Services take a :data:`UnitOfWorkFactory` (default: the PostgreSQL one,
``chalicelib.db.unit_of_work.unit_of_work``) and use only what these protocols declare, so the
same service runs in production on SQL and in unit tests on the in-memory twins of
``tests/unit/fakes.py``. A repository method returns frozen views or domain values; the ORM stays
behind the SQL implementation.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol

from chalicelib.domain.access import CountryScope
from chalicelib.domain.alerts import AlertFilters, AlertRecord
from chalicelib.domain.audit import ActivityFilters, ActivityRecord, AuditEntry, AuditFilters, AuditRecord
from chalicelib.domain.settings import AppSettings, SettingChange


class AuditRepository(Protocol):
    def add(self, entry: AuditEntry) -> object: ...


class SettingsRepository(Protocol):
    def load(self) -> AppSettings: ...

    def latest_change(self) -> SettingChange | None: ...

    def save(self, key: str, value: Any, user_id: int | None) -> None: ...


class UnitOfWork(Protocol):
    """One transaction: commits when its ``with`` block ends normally, rolls back on an exception."""

    @property
    def audit(self) -> AuditRepository: ...

    @property
    def settings(self) -> SettingsRepository: ...

    def after_commit(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` once the transaction has committed (never after a rollback)."""

    def flush(self) -> None:
        """Send pending writes so that generated ids and constraint errors appear now."""

    # --- OTA and sync ---------------------------------------------------------------------------

    @property
    def audit_log(self) -> AuditLogRepository: ...

    @property
    def alerts(self) -> AlertRepository: ...


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

    def list(
        self, scope: CountryScope, filters: AlertFilters, *, offset: int, limit: int
    ) -> tuple[list[AlertRecord], int]: ...

    def get(self, alert_id: int, scope: CountryScope, *, for_update: bool = False) -> AlertRecord | None: ...

    def save_workflow(self, alert: AlertRecord) -> AlertRecord: ...

    def wake_snoozed(self, now: datetime) -> int: ...
