"""Sync status for the dashboard, a property's sync runs, and "sync now"."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from chalicelib.api.pagination import Page, PageQuery, filters_from
from chalicelib.api.resources import Resource
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.view_models import ViewModel
from chalicelib.aws.queues import QueueDepth
from chalicelib.domain.access import Caller
from chalicelib.domain.permissions import Permission
from chalicelib.domain.sync_status import RunFilters, RunRecord
from chalicelib.services import sync_status_service
from chalicelib.services.sync_status_service import ConnectionStatus, FullPushRequested, PropertyStatus

blueprint = ApiBlueprint(__name__, tag="sync")
sync = Resource(
    blueprint,
    read=Permission.SYNC_STATUS_READ,
    write=Permission.SYNC_TRIGGER,
    kinds={"connection_id": "ota_connection"},
)


class SyncRunOut(ViewModel, view=RunRecord):
    kind: str = Field(description="pull, push or full_push")
    trigger: str = Field(description="schedule, manual, webhook, outbox, nightly or retry")
    status: str = Field(description="running, ok, partial or failed")


class ConnectionSyncOut(ViewModel, view=ConnectionStatus):
    poll_interval_seconds: int = Field(description="effective: the connection's override or the global setting")
    health: str = Field(description="ok, degraded or failing (from the poll streak)")
    stale: bool = Field(description="active, and no success for 3 poll intervals")
    runs_considered: int = Field(description="finished runs the failure rate is computed over (latest 20)")
    failure_rate: float | None = Field(description="failed / runs_considered; null without finished runs")
    recent_runs: list[SyncRunOut] = Field(description="latest 5 runs, newest first")


class PropertySyncOut(ViewModel, view=PropertyStatus):
    connections: list[ConnectionSyncOut]


class QueueDepthOut(ViewModel, view=QueueDepth):
    visible: int | None = Field(description="ApproximateNumberOfMessages")
    in_flight: int | None = Field(description="ApproximateNumberOfMessagesNotVisible")
    delayed: int | None = Field(description="ApproximateNumberOfMessagesDelayed")
    error: str | None = Field(description="set when SQS could not be read")


class SyncStatusOut(Page[PropertySyncOut]):
    queues: list[QueueDepthOut] = Field(description="sync-jobs, ari-push.fifo and their dead-letter queues")


class FullPushRequestedOut(ViewModel, view=FullPushRequested):
    pass


class SyncStatusQuery(PageQuery):
    property_id: int | None = Field(default=None, ge=1)


class SyncRunQuery(PageQuery):
    connection_id: int | None = Field(default=None, ge=1)
    kind: Literal["pull", "push", "full_push"] | None = None
    status: Literal["running", "ok", "partial", "failed"] | None = None


# A request that queues a sync job: 202 once queued; 409 nothing to sync, 429 too many requests, 503 no queue.
_QUEUES_A_JOB: dict[str, Any] = {"status": 202, "body_required": False, "error_statuses": (409, 429, 503)}


class SyncRequestedOut(BaseModel):
    property_id: int
    trigger: str
    enqueued_at: datetime
    connection_ids: list[int] = Field(description="the active connections the job will pull")
    otas: list[str]


@sync.get("/sync/status", "Sync health per property and connection, and the sync queues' depths")
def get_sync_status(caller: Caller, query: SyncStatusQuery) -> SyncStatusOut:
    status = sync_status_service.sync_status(
        caller, property_id=query.property_id, offset=query.offset, limit=query.page_size
    )
    items = [PropertySyncOut.of(p) for p in status.properties]
    page = Page.of(items, status.total, query)
    return SyncStatusOut(**page.model_dump(), queues=[QueueDepthOut.of(q) for q in status.queues])


@sync.get("/properties/{property_id}/sync-runs", "The property's sync runs, newest first")
def list_property_sync_runs(caller: Caller, property_id: int, query: SyncRunQuery) -> Page[SyncRunOut]:
    filters = filters_from(query, RunFilters)
    runs, total = sync_status_service.property_runs(
        caller, property_id, filters, offset=query.offset, limit=query.page_size
    )
    return Page.of([SyncRunOut.of(r) for r in runs], total, query)


@sync.post(
    "/properties/{property_id}/sync",
    "Sync now: queue a pull of every active connection of the property",
    **_QUEUES_A_JOB,
)
def sync_property_now(caller: Caller, property_id: int) -> SyncRequestedOut:
    """Rate limited to 3 requests per minute per property (429 with Retry-After beyond)."""
    requested = sync_status_service.request_sync_now(caller, property_id)
    return SyncRequestedOut(
        property_id=requested.property_id,
        trigger=requested.trigger,
        enqueued_at=requested.enqueued_at,
        connection_ids=[cid for cid, _ in requested.connections],
        otas=[ota for _, ota in requested.connections],
    )


@sync.post(
    "/ota-connections/{connection_id}/full-push",
    "Push the connection's whole calendar (availability, rates, restrictions) to the OTA now",
    **_QUEUES_A_JOB,
)
def push_full_calendar_now(caller: Caller, connection_id: int) -> FullPushRequestedOut:
    """Queued behind the connection's pending pushes; its run shows in the property's sync runs
    (kind ``full_push``, trigger ``manual``). Rate limited to 3 requests per minute per property."""
    return FullPushRequestedOut.of(sync_status_service.request_full_push(caller, connection_id))
