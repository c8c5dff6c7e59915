"""What the dashboard shows of the sync engine, and the "sync now" button behind it.

- :func:`sync_status`: per property (country scoped, paginated) and connection: last/next poll,
  last success, health, whether it is stale, the failure rate over its latest finished runs and
  its latest runs; plus the depths of the sync queues and their dead-letter queues (SQS's
  approximate counts).
- :func:`property_runs`: one property's ``sync_runs``, newest first.
- :func:`request_sync_now`: queue a ``manual`` sync of one property (rate limited, audited).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.aws.queues import QueueDepth, queue_depth
from chalicelib.aws.resources import ARI_PUSH_QUEUE, SYNC_JOBS_QUEUE
from chalicelib.db.models import SyncRun
from chalicelib.db.repositories import sync_status as status_repository
from chalicelib.db.repositories.settings import load_app_settings
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller
from chalicelib.domain.errors import Conflict, DependencyUnavailable
from chalicelib.domain.ota_accounts import effective_poll_interval
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.rate_limits import SYNC_NOW_PER_PROPERTY
from chalicelib.observability import logger
from chalicelib.services import property_service, rate_limiter, sync_jobs
from chalicelib.services.audit_service import record_audit

RECENT_RUNS_PER_CONNECTION = 5
FAILURE_RATE_WINDOW = 20  # finished runs per connection
STALE_AFTER_INTERVALS = 3

# The queues the dashboard watches, each with its dead-letter queue.
WATCHED_QUEUES = (SYNC_JOBS_QUEUE, ARI_PUSH_QUEUE)


@dataclass(frozen=True)
class RunRecord:
    id: int
    connection_id: int
    property_id: int
    ota: str
    kind: str
    trigger: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    duration_ms: int | None
    counts: dict[str, Any]
    errors: list[Any]
    warnings: list[Any]
    error_kind: str | None
    error_message: str | None


def run_record(run: SyncRun, ota: str) -> RunRecord:
    return RunRecord(
        id=run.id,
        connection_id=run.connection_id,
        property_id=run.property_id,
        ota=ota,
        kind=run.kind,
        trigger=run.trigger,
        status=run.status,
        started_at=run.started_at,
        finished_at=run.finished_at,
        duration_ms=run.duration_ms,
        counts=dict(run.counts or {}),
        errors=list(run.errors or []),
        warnings=list(run.warnings or []),
        error_kind=run.error_kind,
        error_message=run.error_message,
    )


@dataclass(frozen=True)
class ConnectionStatus:
    connection_id: int
    ota: str
    ota_name: str
    ota_hotel_id: str
    is_active: bool
    poll_interval_seconds: int
    last_poll_at: datetime | None
    next_poll_at: datetime | None
    last_success_at: datetime | None
    health: str
    stale: bool
    consecutive_failures: int
    last_error: str | None
    last_error_at: datetime | None
    runs_considered: int
    failed_runs: int
    partial_runs: int
    failure_rate: float | None
    recent_runs: list[RunRecord] = field(default_factory=list)


@dataclass(frozen=True)
class PropertyStatus:
    property_id: int
    property_code: str
    property_name: str
    country_code: str
    connections: list[ConnectionStatus]


@dataclass(frozen=True)
class SyncStatus:
    properties: list[PropertyStatus]
    total: int
    queues: list[QueueDepth]


def is_stale(last_success_at: datetime | None, since: datetime, interval_seconds: int, now: datetime) -> bool:
    """No success within STALE_AFTER_INTERVALS poll intervals (counted from creation if never)."""
    reference = last_success_at or since
    return now - reference > timedelta(seconds=interval_seconds * STALE_AFTER_INTERVALS)


def sync_status(
    caller: Caller, *, property_id: int | None, offset: int, limit: int, now: datetime | None = None
) -> SyncStatus:
    moment = now or datetime.now(UTC)
    with unit_of_work() as uow:
        session = uow.session
        default_interval = load_app_settings(session).sync_poll_interval_seconds
        properties, total = status_repository.properties_with_connections(
            session, caller.scope, property_id=property_id, offset=offset, limit=limit
        )
        pairs = status_repository.connections_of(session, [p.id for p in properties])
        connection_ids = [connection.id for connection, _ in pairs]
        runs_by_connection: dict[int, list[RunRecord]] = defaultdict(list)
        ota_of = {connection.id: account.ota_code for connection, account in pairs}
        for run in status_repository.recent_runs(session, connection_ids, per_connection=RECENT_RUNS_PER_CONNECTION):
            runs_by_connection[run.connection_id].append(run_record(run, ota_of[run.connection_id]))
        tallies = status_repository.run_tallies(session, connection_ids, window=FAILURE_RATE_WINDOW)
        by_property: dict[int, list[ConnectionStatus]] = defaultdict(list)
        for connection, account in pairs:
            interval = effective_poll_interval(connection.poll_interval_seconds, default_interval)
            tally = tallies.get(connection.id, status_repository.RunTally(0, 0, 0))
            ota = OtaCode(account.ota_code)
            by_property[connection.property_id].append(
                ConnectionStatus(
                    connection_id=connection.id,
                    ota=ota.value,
                    ota_name=ota.display_name,
                    ota_hotel_id=connection.ota_hotel_id,
                    is_active=connection.is_active,
                    poll_interval_seconds=interval,
                    last_poll_at=connection.last_poll_at,
                    next_poll_at=connection.next_poll_at,
                    last_success_at=connection.last_success_at,
                    health=connection.health,
                    stale=connection.is_active
                    and is_stale(connection.last_success_at, connection.created_at, interval, moment),
                    consecutive_failures=connection.consecutive_failures,
                    last_error=connection.last_error,
                    last_error_at=connection.last_error_at,
                    runs_considered=tally.finished,
                    failed_runs=tally.failed,
                    partial_runs=tally.partial,
                    failure_rate=round(tally.failed / tally.finished, 4) if tally.finished else None,
                    recent_runs=runs_by_connection.get(connection.id, []),
                )
            )
        result = [PropertyStatus(p.id, p.code, p.name, p.country_code, by_property.get(p.id, [])) for p in properties]
    # Outside the transaction: SQS answers slowly compared with PostgreSQL.
    return SyncStatus(properties=result, total=total, queues=watched_queue_depths())


def watched_queue_depths() -> list[QueueDepth]:
    names = [name for spec in WATCHED_QUEUES for name in (spec.name, spec.dlq_name)]
    return [queue_depth(name) for name in names]


def property_runs(
    caller: Caller, property_id: int, filters: status_repository.RunFilters, *, offset: int, limit: int
) -> tuple[list[RunRecord], int]:
    with unit_of_work() as uow:
        property_service.scoped_property(uow.session, caller, property_id)
        rows, total = status_repository.property_runs(uow.session, property_id, filters, offset=offset, limit=limit)
        return [run_record(run, ota) for run, ota in rows], total


@dataclass(frozen=True)
class SyncRequested:
    property_id: int
    trigger: str
    enqueued_at: datetime
    connections: list[tuple[int, str]]  # (connection id, OTA) the job will pull


def request_sync_now(caller: Caller, property_id: int, now: datetime | None = None) -> SyncRequested:
    """Queue a ``manual`` sync of the property now (all its active connections are pulled)."""
    moment = now or datetime.now(UTC)
    with unit_of_work() as uow:
        hotel = property_service.scoped_property(uow.session, caller, property_id)
        active = [
            (connection.id, account.ota_code)
            for connection, account in status_repository.connections_of(uow.session, [property_id])
            if connection.is_active and account.status == "active"
        ]
        country = hotel.country_code
    if not active:
        raise Conflict(
            "The property has no active OTA connection to sync.",
            details=[{"field": "property_id", "message": "no active OTA connection"}],
        )
    rate_limiter.enforce((SYNC_NOW_PER_PROPERTY, str(property_id)))
    try:
        result = sync_jobs.enqueue_property_syncs([property_id], "manual", now=moment)
    except (BotoCoreError, ClientError) as exc:
        logger.warning("sync now not queued", extra={"property_id": property_id, "error": type(exc).__name__})
        raise DependencyUnavailable("The sync job could not be queued; try again shortly.") from None
    if result.failed or result.sent != 1:
        raise DependencyUnavailable("The sync job could not be queued; try again shortly.")
    with unit_of_work() as uow:
        record_audit(
            uow.session,
            caller,
            "property.sync_requested",
            "property",
            property_id,
            None,
            {"trigger": "manual", "connections": [cid for cid, _ in active]},
            country_code=country,
        )
    return SyncRequested(property_id, "manual", moment, active)
