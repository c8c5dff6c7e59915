"""The audit trail and the activity log: inserts and scoped, filtered, paginated reads."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from chalicelib.db.models import ActivityLog, AuditLog
from chalicelib.db.pagination import paginate
from chalicelib.db.scoping import scoped
from chalicelib.domain.access import CountryScope
from chalicelib.domain.audit import AuditEntry


@dataclass(frozen=True)
class AuditFilters:
    entity_type: str | None = None
    entity_id: str | None = None
    action: str | None = None
    actor_user_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def list_audit(
    session: Session, scope: CountryScope, filters: AuditFilters, *, offset: int, limit: int
) -> tuple[list[AuditLog], int]:
    statement: Select[Any] = scoped(select(AuditLog), AuditLog.country_code, scope)
    if filters.entity_type:
        statement = statement.where(AuditLog.entity_type == filters.entity_type)
    if filters.entity_id:
        statement = statement.where(AuditLog.entity_id == filters.entity_id)
    if filters.action:
        statement = statement.where(AuditLog.action == filters.action)
    if filters.actor_user_id is not None:
        statement = statement.where(AuditLog.actor_user_id == filters.actor_user_id)
    if filters.since:
        statement = statement.where(AuditLog.occurred_at >= filters.since)
    if filters.until:
        statement = statement.where(AuditLog.occurred_at < filters.until)
    rows, total = paginate(
        session, statement.order_by(AuditLog.occurred_at.desc(), AuditLog.id.desc()), offset=offset, limit=limit
    )
    return [row[0] for row in rows], total


@dataclass(frozen=True)
class ActivityFilters:
    user_id: int | None = None
    email: str | None = None
    method: str | None = None
    status_code: int | None = None
    path_prefix: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def list_activity(
    session: Session, scope: CountryScope, filters: ActivityFilters, *, offset: int, limit: int
) -> tuple[list[ActivityLog], int]:
    statement: Select[Any] = scoped(select(ActivityLog), ActivityLog.country_code, scope)
    if filters.user_id is not None:
        statement = statement.where(ActivityLog.user_id == filters.user_id)
    if filters.email:
        statement = statement.where(ActivityLog.email == filters.email.lower())
    if filters.method:
        statement = statement.where(ActivityLog.method == filters.method.upper())
    if filters.status_code is not None:
        statement = statement.where(ActivityLog.status_code == filters.status_code)
    if filters.path_prefix:
        escaped = filters.path_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(ActivityLog.path.like(escaped + "%"))
    if filters.since:
        statement = statement.where(ActivityLog.occurred_at >= filters.since)
    if filters.until:
        statement = statement.where(ActivityLog.occurred_at < filters.until)
    rows, total = paginate(
        session, statement.order_by(ActivityLog.occurred_at.desc(), ActivityLog.id.desc()), offset=offset, limit=limit
    )
    return [row[0] for row in rows], total


class SqlAuditRepository:
    """Audit rows of one unit of work (``uow.audit``); they commit or roll back with the change."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, entry: AuditEntry) -> AuditLog:
        row = AuditLog(**dataclasses.asdict(entry))
        self._session.add(row)
        return row
