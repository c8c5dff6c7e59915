"""In-memory twins of the OTA, sync, alert and audit-log repositories (the "OTA and sync" block of
``tests/unit/fakes.py``; kept here so that file stays short).

Their data lives on :class:`OtaStore`, a field of ``FakeStore`` (so a failed unit of work rolls it
back with everything else). Each repository implements the protocol of the same name in
``chalicelib/services/ports.py``: the same scoping, uniqueness answers, ordering and pagination as
the SQL one, without SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar

from chalicelib.domain.access import CountryScope
from chalicelib.domain.alerts import AlertFilters, AlertRecord, AlertStatus
from chalicelib.domain.audit import ActivityFilters, ActivityRecord, AuditFilters, AuditRecord

T = TypeVar("T")


@dataclass
class OtaStore:
    """Everything the OTA and sync fakes hold."""

    audit_records: list[AuditRecord] = field(default_factory=list)
    activity_records: list[ActivityRecord] = field(default_factory=list)
    alerts: dict[int, AlertRecord] = field(default_factory=dict)


def page(items: list[T], offset: int, limit: int | None) -> tuple[list[T], int]:
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
        return page(rows, offset, limit)

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
        return page(rows, offset, limit)


class FakeAlertRepository(_OtaRepository):
    def list(
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
        return page(rows, offset, limit)

    def get(self, alert_id: int, scope: CountryScope, *, for_update: bool = False) -> AlertRecord | None:
        alert = self._data.alerts.get(alert_id)
        return alert if alert is not None and scope.includes(alert.country_code) else None

    def save_workflow(self, alert: AlertRecord) -> AlertRecord:
        saved = replace(alert, updated_at=self._store.now)
        self._data.alerts[alert.id] = saved
        return saved

    def wake_snoozed(self, now: datetime) -> int:
        due = [
            a
            for a in self._data.alerts.values()
            if a.status == AlertStatus.SNOOZED.value and a.snoozed_until is not None and a.snoozed_until <= now
        ]
        for alert in due:
            self._data.alerts[alert.id] = replace(alert, status=AlertStatus.NEW.value, snoozed_until=None)
        return len(due)
