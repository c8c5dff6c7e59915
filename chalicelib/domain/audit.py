"""An audit-trail entry: who changed what, before and after (stored by ``uow.audit``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class AuditEntry:
    actor_user_id: int | None
    actor_email: str
    action: str
    entity_type: str
    entity_id: str
    country_code: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None
    client_ip: str | None


@dataclass(frozen=True)
class AuditFilters:
    entity_type: str | None = None
    entity_id: str | None = None
    action: str | None = None
    actor_user_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class AuditRecord(AuditEntry):
    """A stored audit-trail row, as the API shows it: the entry, its id and when it was written."""

    id: int
    occurred_at: datetime


@dataclass(frozen=True)
class ActivityFilters:
    user_id: int | None = None
    email: str | None = None
    method: str | None = None
    status_code: int | None = None
    path_prefix: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class ActivityRecord:
    """A stored activity-log row (one HTTP request), as the API shows it."""

    id: int
    occurred_at: datetime
    user_id: int | None
    email: str | None
    country_code: str | None
    method: str
    path: str
    status_code: int
    request_id: str | None
    client_ip: str | None
    user_agent: str | None
    duration_ms: float
