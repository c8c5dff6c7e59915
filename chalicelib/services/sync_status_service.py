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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.aws.queues import QueueDepth, SendResult, queue_depth
from chalicelib.aws.resources import ARI_PUSH_QUEUE, SYNC_JOBS_QUEUE
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller
from chalicelib.domain.errors import Conflict, DependencyUnavailable, NotFound
from chalicelib.domain.ota_accounts import AccountStatus, effective_poll_interval
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_connections import PropertyRef
from chalicelib.domain.rate_limits import SYNC_NOW_PER_PROPERTY
from chalicelib.domain.sync_status import (
    STALE_AFTER_INTERVALS,
    RunFilters,
    RunRecord,
    RunTally,
    SyncedConnection,
    is_stale,
)
from chalicelib.domain.views import view_from
from chalicelib.observability import logger
from chalicelib.services import ari_push_service, rate_limiter, sync_jobs
from chalicelib.services.audit_service import audit_entry
from chalicelib.services.ota_connection_service import scoped_connection
from chalicelib.services.ports import UnitOfWork, UnitOfWorkFactory

__all__ = [
    "STALE_AFTER_INTERVALS",
    "ConnectionStatus",
    "FullPushRequested",
    "PropertyStatus",
    "RunFilters",
    "RunRecord",
    "SyncRequested",
    "SyncStatus",
    "is_stale",
    "property_runs",
    "request_full_push",
    "request_sync_now",
    "sync_status",
]

RECENT_RUNS_PER_CONNECTION = 5
FAILURE_RATE_WINDOW = 20  # finished runs per connection

# The queues the dashboard watches, each with its dead-letter queue.
WATCHED_QUEUES = (SYNC_JOBS_QUEUE, ARI_PUSH_QUEUE)

QueueDepths = Callable[[], list[QueueDepth]]
SyncEnqueuer = Callable[..., SendResult]
FullPushEnqueuer = Callable[..., None]


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


def watched_queue_depths() -> list[QueueDepth]:
    names = [name for spec in WATCHED_QUEUES for name in (spec.name, spec.dlq_name)]
    return [queue_depth(name) for name in names]


def sync_status(
    caller: Caller,
    *,
    property_id: int | None,
    offset: int,
    limit: int,
    now: datetime | None = None,
    uow: UnitOfWorkFactory = unit_of_work,
    queue_depths: QueueDepths = watched_queue_depths,
) -> SyncStatus:
    moment = now or datetime.now(UTC)
    with uow() as work:
        default_interval = work.settings.load().sync_poll_interval_seconds
        properties, total = work.sync_status.properties_with_connections(
            caller.scope, property_id=property_id, offset=offset, limit=limit
        )
        connections = work.sync_status.connections_of([p.id for p in properties])
        runs_by_connection: dict[int, list[RunRecord]] = defaultdict(list)
        for run in work.sync_status.recent_runs(connections, per_connection=RECENT_RUNS_PER_CONNECTION):
            runs_by_connection[run.connection_id].append(run)
        tallies = work.sync_status.run_tallies([c.id for c in connections], window=FAILURE_RATE_WINDOW)
    by_property: dict[int, list[ConnectionStatus]] = defaultdict(list)
    for connection in connections:
        tally = tallies.get(connection.id, RunTally(0, 0, 0))
        status = connection_status(
            connection, tally, runs_by_connection.get(connection.id, []), default_interval, moment
        )
        by_property[connection.property_id].append(status)
    result = [PropertyStatus(p.id, p.code, p.name, p.country_code, by_property.get(p.id, [])) for p in properties]
    # Outside the transaction: SQS answers slowly compared with PostgreSQL.
    return SyncStatus(properties=result, total=total, queues=queue_depths())


def connection_status(
    connection: SyncedConnection, tally: RunTally, recent: list[RunRecord], default_interval: int, now: datetime
) -> ConnectionStatus:
    """One connection's line on the dashboard: its interval, staleness and failure rate."""
    interval = effective_poll_interval(connection.poll_interval_seconds, default_interval, connection.ota_code)
    return view_from(
        ConnectionStatus,
        connection,
        connection_id=connection.id,
        **OtaCode(connection.ota_code).view_fields(),
        poll_interval_seconds=interval,
        stale=connection.is_active and is_stale(connection.last_success_at, connection.created_at, interval, now),
        runs_considered=tally.finished,
        failed_runs=tally.failed,
        partial_runs=tally.partial,
        failure_rate=round(tally.failed / tally.finished, 4) if tally.finished else None,
        recent_runs=recent,
    )


def _scoped_property(work: UnitOfWork, caller: Caller, property_id: int) -> PropertyRef:
    found = work.sync_status.property(property_id, caller.scope)
    if found is None:
        raise NotFound("No such property.")
    return found


def property_runs(
    caller: Caller,
    property_id: int,
    filters: RunFilters,
    *,
    offset: int,
    limit: int,
    uow: UnitOfWorkFactory = unit_of_work,
) -> tuple[list[RunRecord], int]:
    with uow() as work:
        _scoped_property(work, caller, property_id)
        return work.sync_status.property_runs(property_id, filters, offset=offset, limit=limit)


@dataclass(frozen=True)
class SyncRequested:
    property_id: int
    trigger: str
    enqueued_at: datetime
    connections: list[tuple[int, str]]  # (connection id, OTA) the job will pull


def request_sync_now(
    caller: Caller,
    property_id: int,
    now: datetime | None = None,
    *,
    uow: UnitOfWorkFactory = unit_of_work,
    enforce_rate_limit: Callable[..., None] = rate_limiter.enforce,
    enqueue: SyncEnqueuer = sync_jobs.enqueue_property_syncs,
) -> SyncRequested:
    """Queue a ``manual`` sync of the property now (all its active connections are pulled)."""
    moment = now or datetime.now(UTC)
    with uow() as work:
        hotel = _scoped_property(work, caller, property_id)
        active = _active(work.sync_status.connections_of([property_id]))
    if not active:
        raise Conflict(
            "The property has no active OTA connection to sync.",
            details=[{"field": "property_id", "message": "no active OTA connection"}],
        )
    enforce_rate_limit((SYNC_NOW_PER_PROPERTY, str(property_id)))
    try:
        result = enqueue([property_id], "manual", now=moment)
    except (BotoCoreError, ClientError) as exc:
        logger.warning("sync now not queued", extra={"property_id": property_id, "error": type(exc).__name__})
        raise DependencyUnavailable("The sync job could not be queued; try again shortly.") from None
    if result.failed or result.sent != 1:
        raise DependencyUnavailable("The sync job could not be queued; try again shortly.")
    after = {"trigger": "manual", "connections": [cid for cid, _ in active]}
    _audit_request(uow, caller, ("property.sync_requested", "property", property_id), after, hotel.country_code)
    return SyncRequested(property_id, "manual", moment, active)


def _audit_request(
    uow: UnitOfWorkFactory, caller: Caller, what: tuple[str, str, int], after: Mapping[str, Any], country_code: str
) -> None:
    """The audit row of a request someone made (``what``: action, entity and its id)."""
    action, entity, entity_id = what
    with uow() as work:
        work.audit.add(audit_entry(caller, action, entity, entity_id, None, after, country_code=country_code))


def _active(connections: Iterable[SyncedConnection]) -> list[tuple[int, str]]:
    return [(c.id, c.ota_code) for c in connections if c.is_active and c.account_status == AccountStatus.ACTIVE]


@dataclass(frozen=True)
class FullPushRequested:
    connection_id: int
    property_id: int
    ota: str
    enqueued_at: datetime


def request_full_push(
    caller: Caller,
    connection_id: int,
    now: datetime | None = None,
    *,
    uow: UnitOfWorkFactory = unit_of_work,
    enforce_rate_limit: Callable[..., None] = rate_limiter.enforce,
    enqueue: FullPushEnqueuer = ari_push_service.enqueue_full_push,
) -> FullPushRequested:
    """Queue a ``manual`` full ARI push of one active connection: its whole calendar, behind its
    pending pushes (a connection just activated starts from there instead of the nightly resync)."""
    moment = now or datetime.now(UTC)
    with uow() as work:
        connection = scoped_connection(work, caller, connection_id)
    if not connection.is_active:
        raise Conflict(
            "The connection is not active: activate it first.",
            details=[{"field": "connection_id", "message": "the connection is not active"}],
        )
    enforce_rate_limit((SYNC_NOW_PER_PROPERTY, f"{connection.property_id}:full-push"))
    try:
        enqueue(connection.id, connection.property_id, trigger="manual", now=moment)
    except (BotoCoreError, ClientError, ari_push_service.AriPushFailed) as exc:
        logger.warning("full push not queued", extra={"connection_id": connection.id, "error": type(exc).__name__})
        raise DependencyUnavailable("The full push could not be queued; try again shortly.") from None
    after = {"trigger": "manual", "property_id": connection.property_id}
    what = ("ota_connection.full_push_requested", "ota_connection", connection.id)
    _audit_request(uow, caller, what, after, connection.country_code)
    return FullPushRequested(connection.id, connection.property_id, connection.ota, moment)
