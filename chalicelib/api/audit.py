"""Reading the audit trail and the activity log, and recording each request in the latter."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from chalice.app import Request, Response
from pydantic import Field, computed_field

from chalicelib.api.context import RequestContext
from chalicelib.api.pagination import Page, PageQuery, filtered_page
from chalicelib.api.resources import Resource
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.view_models import ViewModel
from chalicelib.domain.access import Caller
from chalicelib.domain.audit import ActivityRecord, AuditRecord
from chalicelib.domain.permissions import Permission
from chalicelib.observability import logger
from chalicelib.services import audit_service
from chalicelib.services.audit_service import ActivityFilters, AuditFilters

blueprint = ApiBlueprint(__name__, tag="audit")
audit = Resource(blueprint, read=Permission.AUDIT_READ, write=Permission.AUDIT_READ)


class AuditQuery(PageQuery):
    entity_type: str | None = Field(default=None, max_length=60)
    entity_id: str | None = Field(default=None, max_length=80)
    action: str | None = Field(default=None, max_length=80)
    actor_user_id: int | None = Field(default=None, ge=1)
    since: datetime | None = Field(default=None, description="occurred at or after (ISO 8601)")
    until: datetime | None = Field(default=None, description="occurred before (ISO 8601)")


class AuditOut(ViewModel, view=AuditRecord):
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def changed_fields(self) -> list[str]:
        before, after = self.before or {}, self.after or {}
        return sorted(key for key in set(before) | set(after) if before.get(key) != after.get(key))


class ActivityQuery(PageQuery):
    user_id: int | None = Field(default=None, ge=1)
    email: str | None = Field(default=None, max_length=254)
    method: Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] | None = None
    status_code: int | None = Field(default=None, ge=100, le=599)
    path_prefix: str | None = Field(default=None, max_length=200)
    since: datetime | None = None
    until: datetime | None = None


class ActivityOut(ViewModel, view=ActivityRecord):
    pass


@audit.get("/audit-log", "Changes with before/after, newest first (your country scope)")
def list_audit(caller: Caller, query: AuditQuery) -> Page[AuditOut]:
    """Rows of global records (roles) are visible to callers who see every country."""
    return filtered_page(caller, query, AuditFilters, audit_service.list_audit, AuditOut)


@audit.get("/activity-log", "Every HTTP request, newest first (your country scope)")
def list_activity(caller: Caller, query: ActivityQuery) -> Page[ActivityOut]:
    """Requests without a user (failed logins, health checks) are visible to callers who see every country."""
    return filtered_page(caller, query, ActivityFilters, audit_service.list_activity, ActivityOut)


def record_request_activity(request: Request, response: Response, context: RequestContext) -> None:
    """Response observer: one activity-log row per HTTP request. Never fails the request."""
    principal = context.principal
    try:
        audit_service.record_activity(
            audit_service.ActivityEntry(
                method=context.method,
                path=context.path,
                status_code=response.status_code,
                duration_ms=context.elapsed_ms(),
                request_id=context.request_id,
                client_ip=context.client_ip,
                user_agent=context.user_agent,
                user_id=getattr(principal, "user_id", None),
                email=getattr(principal, "email", None),
                country_code=getattr(principal, "active_country", None) or getattr(principal, "home_country", None),
            )
        )
    except Exception:  # noqa: BLE001 - the activity log must never fail (or slow down) the request it records
        logger.warning("activity log write failed", exc_info=True)
