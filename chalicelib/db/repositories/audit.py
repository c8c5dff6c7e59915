"""The audit trail and the activity log: inserts and scoped, filtered, paginated reads."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from chalicelib.db.filtering import escape_like, where_equal, where_within
from chalicelib.db.models import ActivityLog, AuditLog
from chalicelib.db.pagination import paginate_entities
from chalicelib.db.repositories.base import SessionRepository
from chalicelib.db.scoping import scoped
from chalicelib.domain.access import CountryScope
from chalicelib.domain.audit import ActivityFilters, ActivityRecord, AuditEntry, AuditFilters, AuditRecord
from chalicelib.domain.views import view_from


def list_audit(
    session: Session, scope: CountryScope, filters: AuditFilters, *, offset: int, limit: int
) -> tuple[list[AuditLog], int]:
    statement: Select[Any] = scoped(select(AuditLog), AuditLog.country_code, scope)
    statement = where_equal(
        statement,
        (AuditLog.entity_type, filters.entity_type),
        (AuditLog.entity_id, filters.entity_id),
        (AuditLog.action, filters.action),
        (AuditLog.actor_user_id, filters.actor_user_id),
    )
    statement = where_within(statement, AuditLog.occurred_at, filters.since, filters.until)
    return paginate_entities(
        session, statement.order_by(AuditLog.occurred_at.desc(), AuditLog.id.desc()), offset=offset, limit=limit
    )


def list_activity(
    session: Session, scope: CountryScope, filters: ActivityFilters, *, offset: int, limit: int
) -> tuple[list[ActivityLog], int]:
    statement: Select[Any] = scoped(select(ActivityLog), ActivityLog.country_code, scope)
    statement = where_equal(
        statement,
        (ActivityLog.user_id, filters.user_id),
        (ActivityLog.email, filters.email and filters.email.lower()),
        (ActivityLog.method, filters.method and filters.method.upper()),
        (ActivityLog.status_code, filters.status_code),
    )
    if filters.path_prefix:
        statement = statement.where(ActivityLog.path.like(escape_like(filters.path_prefix) + "%"))
    statement = where_within(statement, ActivityLog.occurred_at, filters.since, filters.until)
    return paginate_entities(
        session, statement.order_by(ActivityLog.occurred_at.desc(), ActivityLog.id.desc()), offset=offset, limit=limit
    )


class SqlAuditRepository(SessionRepository):
    """Audit rows of one unit of work (``uow.audit``); they commit or roll back with the change."""

    def add(self, entry: AuditEntry) -> AuditLog:
        row = AuditLog(**dataclasses.asdict(entry))
        self._session.add(row)
        return row


# --- the trail and the log as frozen views (``uow.audit_log``) -------------------------------------


def audit_record(row: AuditLog) -> AuditRecord:
    return view_from(AuditRecord, row)


def activity_record(row: ActivityLog) -> ActivityRecord:
    return view_from(ActivityRecord, row)


class SqlAuditLogRepository(SessionRepository):
    """Scoped, filtered, paginated reads of the audit trail and the activity log (``uow.audit_log``)."""

    def audit(
        self, scope: CountryScope, filters: AuditFilters, *, offset: int, limit: int
    ) -> tuple[list[AuditRecord], int]:
        rows, total = list_audit(self._session, scope, filters, offset=offset, limit=limit)
        return [audit_record(row) for row in rows], total

    def activity(
        self, scope: CountryScope, filters: ActivityFilters, *, offset: int, limit: int
    ) -> tuple[list[ActivityRecord], int]:
        rows, total = list_activity(self._session, scope, filters, offset=offset, limit=limit)
        return [activity_record(row) for row in rows], total
