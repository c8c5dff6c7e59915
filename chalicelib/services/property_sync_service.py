"""The property sync worker: pull every active connection of one property, store, then acknowledge.

One ``sync-jobs`` message (:class:`~chalicelib.services.sync_jobs.SyncJobMessage`) names a
property. For each of its active connections, in id order:

1. ``adapter.pull_reservations`` (no transaction is open while the OTA is called);
2. each revision is mapped to our ids (the connection's mappings) and stored through
   ``booking_service.ingest_ota_reservation`` in its own transaction (dedupe, locks, modify,
   cancel, overbooking alert);
3. only then ``adapter.acknowledge`` for the revisions that committed (duplicates and stale ones
   included: they are stored), and ``booking_service.record_ota_acknowledgement`` on each;
4. ``ota_connection_service.record_poll_result`` (health, backoff, next poll) and one
   ``sync_runs`` row (kind ``pull``) with the counts, duration and errors — except for an empty
   poll of a healthy connection (most polls): no run row, and the pass's empty polls are written
   by the statement that ends the pass (one ``UPDATE ... FROM unnest(...)`` sent with the lease's
   release, ``ota_repository.empty_polls_statement``); a pull the account's budget deferred
   (``account_pacing.defer_pull``): one UPDATE, no failure.

A job reads its connections, sealed credentials and the interval setting in the statement that
takes the lease (``leases.take_lease_and_read``), so an empty poll of n connections costs two
statements, plus the account budget's slot per Agoda or Traveloka request. Data keys are cached
for the container's life (``WORKER_DATA_KEYS``), and so are the HTTP clients (one per OTA
endpoint: ``chalicelib.ota.transport.SHARED_CLIENTS``). A scheduled job names the connections
due at its second (``sync_dispatch_service``); the others pull every one.

Revisions not stored or not acknowledged are kept in ``pending_ota_acks`` (first seen, last
error) for the unacknowledged-booking alert, and forgotten once acknowledged.

**One worker per property.** The job takes the property's lease (``leases``; a row with an
expiry, not a session advisory lock: no transaction or session lock may be held across OTA
calls). A second job for the same property does not wait: it sets the lease's
``rerun_requested`` flag and succeeds, and the holder, before letting go, pulls the property once
more (up to ``MAX_PASSES`` pulls per invocation, then a fresh ``retry`` job). So a burst of
webhooks for one hotel costs one extra pull after the burst, and whatever a webhook announced is
pulled by a pass that started after it arrived. A killed worker's lease expires after
``LEASE_SECONDS`` (the queue's visibility timeout) and the next job takes it over.

**When does a message fail?** An OTA failure (5xx, 429, timeout, malformed or unsafe payload,
authentication) is the connection's result: recorded on the connection (which backs its next
poll off) and in ``sync_runs``, and the other connections go on; the message succeeds, since an
SQS retry would only bypass that backoff. The message fails (batch item failure → redelivery →
DLQ after ``maxReceiveCount``, then a sync alert) when it cannot be parsed, or when our own side
failed (database error, a bug) on any connection — the other connections are still synced first.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from pydantic import Json
from sqlalchemy import Update

from chalicelib.aws.credential_vault import CredentialVault, DataKeyCache
from chalicelib.aws.resources import SYNC_JOBS_QUEUE
from chalicelib.db.repositories import leases as lease_repository
from chalicelib.db.repositories import ota as ota_repository
from chalicelib.db.repositories import sync as sync_repository
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.domain.leases import property_sync_lease
from chalicelib.domain.ota_booking import IngestOutcome
from chalicelib.domain.ota_mappings import MappingIndex
from chalicelib.domain.ota_pacing import deferred_by_budget
from chalicelib.domain.ota_reservation import Acknowledgement, OtaReservation
from chalicelib.domain.ota_results import AckResult, ErrorKind, SyncError
from chalicelib.domain.sync_runs import SyncRunKind, SyncRunRecord, SyncRunStatus, SyncRunTrigger, errors_json
from chalicelib.observability import TRACE_ATTRIBUTE, logger, trace
from chalicelib.ota.base import AdapterOptions, OtaAdapter
from chalicelib.ota.transport import HttpSettings, RetryPolicy
from chalicelib.services import (
    account_pacing,
    booking_service,
    live_events,
    ota_access,
    ota_connection_service,
    ota_mapping_service,
    sync_alert_service,
)
from chalicelib.services.ota_booking_requests import booking_request, channel_freshness
from chalicelib.services.sync_jobs import SyncJobMessage, enqueue_property_syncs

LEASE_SECONDS = SYNC_JOBS_QUEUE.visibility_timeout_seconds
LEASE_WAIT_SECONDS = 10.0
LEASE_POLL_SECONDS = 0.25
MAX_PASSES = 5  # pulls of one property in one invocation when jobs keep handing over to it


def worker_options() -> AdapterOptions:
    """Adapter settings for the worker: a connection's pull, with retries, stays well inside the
    queue's 180 s visibility timeout even with four slow OTAs."""
    return AdapterOptions(
        http=HttpSettings(connect_timeout=5.0, read_timeout=15.0, write_timeout=10.0, pool_timeout=5.0),
        retry=RetryPolicy(max_attempts=3, base_delay=0.5, max_delay=5.0, max_retry_after=10.0),
    )


AdapterSource = Callable[
    [ota_access.ConnectionTarget], AbstractContextManager[tuple[ota_access.ConnectionTarget, OtaAdapter]]
]

# Unwrapped data keys for the container's life (bounded): an empty poll makes no KMS call.
WORKER_DATA_KEYS = DataKeyCache(max_entries=512)


def default_adapter_source(options: AdapterOptions | None = None) -> AdapterSource:
    chosen = options or worker_options()
    vault = CredentialVault(data_keys=WORKER_DATA_KEYS)

    def source(
        target: ota_access.ConnectionTarget,
    ) -> AbstractContextManager[tuple[ota_access.ConnectionTarget, OtaAdapter]]:
        return ota_access.target_adapter(target, options=chosen, vault=vault)

    return source


class PropertyBusy(RuntimeError):
    """The lease could be neither taken nor handed over (it keeps changing hands); SQS retries the job."""


class PropertySyncFailed(RuntimeError):
    """Our own side failed on at least one connection (logged with its stack); SQS retries the job."""


@dataclass
class PullCounts:
    pulled: int = 0
    created: int = 0
    modified: int = 0
    cancelled: int = 0
    duplicates: int = 0
    stale: int = 0
    acknowledged: int = 0
    item_errors: int = 0
    ack_failures: int = 0


@dataclass
class ConnectionOutcome:
    connection_id: int
    ota: str
    status: str  # ok, partial, failed, deferred (our own budget: nothing sent)
    counts: PullCounts
    error: SyncError | None = None
    internal_error: str | None = None
    empty_poll: ota_repository.EmptyPoll | None = None  # written when the pass ends


@dataclass
class PropertySyncOutcome:
    property_id: int
    skipped: bool = False  # another worker held the property and will pull again for this job
    passes: int = 0
    pulled: frozenset[int] | None = None  # the connections asked for, all passes together (None: every one)
    connections: list[ConnectionOutcome] = field(default_factory=list)


_OUTCOME_COUNTER = {
    IngestOutcome.CREATED: "created",
    IngestOutcome.UPDATED: "modified",
    IngestOutcome.CANCELLED: "cancelled",
    IngestOutcome.DUPLICATE: "duplicates",
    IngestOutcome.STALE: "stale",
}


# --- one job ------------------------------------------------------------------------------------------


def sync_property(
    job: SyncJobMessage,
    *,
    message_id: str | None = None,
    adapter_source: AdapterSource | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    lease_wait_seconds: float = LEASE_WAIT_SECONDS,
) -> PropertySyncOutcome:
    """Pull every active connection of the job's property (see the module docstring)."""
    source = adapter_source or default_adapter_source()
    holder = f"{message_id or 'direct'}:{uuid.uuid4().hex[:12]}"
    lease = property_sync_lease(job.property_id)
    started = _take_lease_or_hand_over(job.property_id, holder, lease_wait_seconds, job.connection_ids)
    if started is None:
        trace("sync.job.handed_over", property_id=job.property_id, message_id=message_id)
        logger.info(
            "property sync handed over: the worker syncing it will pull again",
            extra={"property_id": job.property_id, "trigger": job.trigger},
        )
        return PropertySyncOutcome(property_id=job.property_id, skipped=True)
    outcome = PropertySyncOutcome(property_id=job.property_id, pulled=_scope_of(job.connection_ids))
    released = False
    empty: list[ota_repository.EmptyPoll] = []  # the pass's empty polls, written when it ends
    try:
        rerun: lease_repository.Rerun | None = None
        while True:
            outcome.passes += 1
            trace("sync.pass.started", property_id=job.property_id, message_id=message_id, number=outcome.passes)
            # The first pass pulls what was read with the lease; a rerun reads again.
            targets, default_interval = started or ota_connection_service.property_sync_targets(job.property_id)
            started = None
            # A scheduled or webhook job pulls the connections it names; a rerun (other jobs handed
            # over to this one) pulls what they asked for, together (every connection if one asked).
            for target in _targets_of_pass(job, targets, rerun):
                pulled = _sync_connection(target, job, message_id, source, now, default_interval)
                outcome.connections.append(pulled)
                if pulled.empty_poll is not None:
                    empty.append(pulled.empty_poll)
            if outcome.passes >= MAX_PASSES:
                break
            writes, params = _empty_poll_writes(empty)
            with unit_of_work() as uow:
                rerun = lease_repository.continue_or_rerun(
                    uow.session, lease, holder, LEASE_SECONDS, with_writes=writes, params=params
                )
            empty = []
            if rerun is None:
                released = True
                break
            outcome.pulled = _union(outcome.pulled, _scope_of(rerun.connection_ids))
    finally:
        if not released:
            _release_after_last_pass(job.property_id, holder, empty)
    failed = [c for c in outcome.connections if c.internal_error]
    logger.info(
        "property sync",
        extra={
            "property_id": job.property_id,
            "trigger": job.trigger,
            "connections": [
                {"id": c.connection_id, "status": c.status, **asdict(c.counts)} for c in outcome.connections
            ],
        },
    )
    if failed:
        raise PropertySyncFailed(
            f"property {job.property_id}: {len(failed)} connection(s) failed on our side: "
            + "; ".join(f"{c.connection_id}: {c.internal_error}" for c in failed)
        )
    return outcome


def _scope_of(connection_ids: Sequence[int] | None) -> frozenset[int] | None:
    return frozenset(connection_ids) if connection_ids is not None else None


def _union(a: frozenset[int] | None, b: frozenset[int] | None) -> frozenset[int] | None:
    return None if a is None or b is None else a | b


def _empty_poll_writes(polls: Sequence[ota_repository.EmptyPoll]) -> tuple[list[Update], dict[str, Any]]:
    """The statement writing a pass's empty polls, and its parameters (none when there are none)."""
    if not polls:
        return [], {}
    return [ota_repository.empty_polls_statement()], ota_repository.empty_polls_params(polls)


def _release_after_last_pass(property_id: int, holder: str, empty: Sequence[ota_repository.EmptyPoll]) -> None:
    writes, params = _empty_poll_writes(empty)
    with unit_of_work() as uow:
        released_lease = lease_repository.release_lease(
            uow.session, property_sync_lease(property_id), holder, with_writes=writes, params=params
        )
    if released_lease is not None and released_lease.rerun_requested:
        # A rerun was asked for after the last allowed pass: a fresh job does it.
        ids = released_lease.rerun_connection_ids
        enqueue_property_syncs(
            [property_id], "retry", hint="rerun after the pass limit", connection_ids=list(ids) if ids else None
        )


def _targets_of_pass(
    job: SyncJobMessage, targets: Sequence[ota_access.ConnectionTarget], rerun: lease_repository.Rerun | None
) -> list[ota_access.ConnectionTarget]:
    """The connections a pass pulls: the job's (``rerun`` None: the first pass), or the rerun's
    (None: every one). A scheduled pull of a connection that failed since the schedule was made is
    dropped: its backoff, not the schedule, says when to try again."""
    if rerun is not None:
        scope = rerun.connection_ids
        return sorted((t for t in targets if scope is None or t.connection_id in scope), key=lambda t: t.connection_id)
    if job.connection_ids is None:
        return sorted(targets, key=lambda t: t.connection_id)
    wanted = set(job.connection_ids)

    def failed_since(target: ota_access.ConnectionTarget) -> bool:
        failed_at = target.last_error_at if target.consecutive_failures else None
        return job.trigger == "schedule" and failed_at is not None and failed_at >= job.enqueued_at

    return [
        t for t in sorted(targets, key=lambda t: t.connection_id) if t.connection_id in wanted and not failed_since(t)
    ]


def _take_lease_or_hand_over(
    property_id: int, holder: str, wait_seconds: float, connection_ids: Sequence[int] | None = None
) -> tuple[list[ota_access.ConnectionTarget], int] | None:
    """This job holds the lease: the property's connections and poll interval, read in the same
    statement (``leases.take_lease_and_read``). None: a live holder was asked to pull once more
    (the job is done).

    A lease that expires between the two steps is taken over; ``wait_seconds`` bounds the retries.
    """
    lease = property_sync_lease(property_id)
    deadline = time.monotonic() + wait_seconds
    while True:
        with unit_of_work() as uow:
            rows = lease_repository.take_lease_and_read(
                uow.session,
                lease,
                holder,
                LEASE_SECONDS,
                ota_repository.property_sync_read(),
                {ota_repository.SYNC_PROPERTY_ID: property_id},
            )
        if rows is not None:
            return ota_connection_service.sync_targets_of(rows)
        with unit_of_work() as uow:
            if lease_repository.request_rerun(uow.session, lease, connection_ids):
                return None
        if time.monotonic() >= deadline:
            raise PropertyBusy(f"property {property_id}: the lease could be neither taken nor handed over")
        time.sleep(LEASE_POLL_SECONDS)


def _sync_connection(
    target: ota_access.ConnectionTarget,
    job: SyncJobMessage,
    message_id: str | None,
    source: AdapterSource,
    now: Callable[[], datetime],
    default_interval: int,
) -> ConnectionOutcome:
    started = now()
    clock = time.perf_counter()
    counts = PullCounts()
    errors: list[SyncError] = []
    pull_error: SyncError | None = None
    internal: str | None = None
    try:
        pull_error = _pull_connection(target, source, counts, errors, now)
    except ota_access.AdapterUnavailable as exc:
        pull_error = SyncError(ota=target.ota, kind=ErrorKind.CONFIGURATION, message=exc.message)
    except NotFound:  # the connection was deleted meanwhile: nothing to record
        return ConnectionOutcome(target.connection_id, target.ota.value, "failed", counts)
    except Exception as exc:  # noqa: BLE001 - recorded, the other connections go on; the job then fails
        logger.exception("property sync: connection failed on our side", extra={"connection_id": target.connection_id})
        internal = f"{type(exc).__name__}: {exc}"[:500]
    status = SyncRunStatus.OK
    if pull_error is not None or internal is not None:
        status = SyncRunStatus.FAILED
    elif counts.item_errors or counts.ack_failures:
        status = SyncRunStatus.PARTIAL
    poll_error = pull_error
    if internal is not None and poll_error is None:
        poll_error = SyncError(
            ota=target.ota, kind=ErrorKind.RETRYABLE, message="internal error while storing reservations"
        )
    if pull_error and deferred_by_budget(pull_error) and internal is None and counts == PullCounts():
        account_pacing.defer_pull(target.connection_id, started, pull_error.retry_after_seconds)
        return ConnectionOutcome(target.connection_id, target.ota.value, "deferred", counts, pull_error)
    if status is SyncRunStatus.OK and counts == PullCounts() and not errors and target.consecutive_failures == 0:
        # An empty poll of a healthy connection: no run row; its counter and next poll are written
        # with the pass's others, in the statement that ends the pass.
        poll = ota_connection_service.empty_poll(target, polled_at=started, default_interval_seconds=default_interval)
        return ConnectionOutcome(target.connection_id, target.ota.value, status, counts, empty_poll=poll)
    finished = now()
    ota_connection_service.record_poll_result(
        target.connection_id, polled_at=started, error=poll_error, default_interval_seconds=default_interval
    )
    run = SyncRunRecord(
        connection_id=target.connection_id,
        property_id=target.property_id,
        kind=SyncRunKind.PULL,
        trigger=SyncRunTrigger(job.trigger),
        status=status,
        started_at=started,
        finished_at=finished,
        duration_ms=int((time.perf_counter() - clock) * 1000),
        counts=asdict(counts),
        errors=errors_json(errors),
        error_kind=(pull_error.kind.value if pull_error else ("internal" if internal else None)),
        error_message=(pull_error.message if pull_error else internal),
        message_id=message_id,
    )
    with unit_of_work() as uow:
        live_events.record_sync_run(uow.session, run)
    return ConnectionOutcome(target.connection_id, target.ota.value, status, counts, pull_error, internal)


_Stored = tuple[OtaReservation, int, str | None]  # a stored revision: its record id, our booking reference


def _pull_connection(
    target: ota_access.ConnectionTarget,
    source: AdapterSource,
    counts: PullCounts,
    errors: list[SyncError],
    now: Callable[[], datetime],
) -> SyncError | None:
    """Pull, store, acknowledge one connection; the pull's error (None: it worked)."""
    with source(target) as (loaded, adapter):
        pull_started = time.time()
        result = adapter.pull_reservations(loaded.ota_hotel_id)
        received = now()
        trace(
            "sync.pull.answered",
            connection_id=target.connection_id,
            ota=target.ota.value,
            pull_started_at=round(pull_started, 4),
            reservation_ids=[reservation.reservation_id for reservation in result.reservations][:100],
        )
        pending = _item_errors(result.item_errors, counts, errors)
        if result.error is not None:  # what did come (e.g. one of Booking.com's two documents) is still stored
            errors.append(result.error)
        counts.pulled = len(result.reservations)
        stored = _store_reservations(
            target, loaded.ota_hotel_id, result.reservations, received, counts, errors, pending
        )
        # Only now, with every stored revision committed, tell the OTA.
        acknowledgements = [
            Acknowledgement.for_reservation(reservation, confirmation_number=reference)
            for reservation, _, reference in stored
        ]
        ack = adapter.acknowledge(loaded.ota_hotel_id, acknowledgements)
    errors.extend(ack.errors)
    done = _record_acknowledgements(ack, stored, counts, pending)
    if done or pending:
        with unit_of_work() as uow:
            sync_repository.clear_pending(uow.session, target.connection_id, done)
            sync_repository.note_pending(
                uow.session, target.connection_id, target.property_id, target.ota.value, _unique(pending), received
            )
    return result.error


def _item_errors(
    item_errors: Sequence[SyncError], counts: PullCounts, errors: list[SyncError]
) -> list[sync_repository.PendingItem]:
    """Count the items the OTA sent that could not be read; those naming a reservation stay pending."""
    pending: list[sync_repository.PendingItem] = []
    for item_error in item_errors:
        counts.item_errors += 1
        errors.append(item_error)
        if item_error.item_id:
            pending.append(sync_repository.PendingItem(item_error.item_id, "", False, item_error.message))
    return pending


def _store_reservations(
    target: ota_access.ConnectionTarget,
    polled_hotel_id: str,
    reservations: Sequence[OtaReservation],
    received: datetime,
    counts: PullCounts,
    errors: list[SyncError],
    pending: list[sync_repository.PendingItem],
) -> list[_Stored]:
    """Ingest each pulled reservation (each in its own transaction); the ones stored."""
    # Read only when there is something to store: most polls bring nothing.
    index = (
        ota_mapping_service.mapping_index(target.connection_id) if reservations else MappingIndex(target.connection_id)
    )
    freshness = channel_freshness(target.property_id) if reservations else {}
    stored: list[_Stored] = []
    for reservation in reservations:
        # --- issue 16.3: a reservation naming another hotel is never stored under ours ---
        if reservation.ota_hotel_id != polled_hotel_id:
            counts.item_errors += 1
            errors.append(
                sync_alert_service.refuse_foreign_hotel_reservation(
                    ota=target.ota,
                    connection_id=target.connection_id,
                    property_id=target.property_id,
                    polled_hotel_id=polled_hotel_id,
                    named_hotel_id=reservation.ota_hotel_id,
                    reservation_id=reservation.reservation_id,
                )
            )
            continue
        # --- end issue 16.3 ---
        # The reservation's id on every line logged while it is stored (the ARI relay's included).
        logger.thread_safe_append_keys(ota_reservation_id=reservation.reservation_id)
        try:
            request = booking_request(reservation, target.property_id, index, received_at=received, freshness=freshness)
            ingested = booking_service.ingest_ota_reservation(request)
        except InvalidInput as exc:
            counts.item_errors += 1
            errors.append(
                SyncError(
                    ota=target.ota,
                    kind=ErrorKind.INVALID_FIELD,
                    message=exc.message,
                    item_id=reservation.reservation_id,
                )
            )
            pending.append(
                sync_repository.PendingItem(reservation.reservation_id, reservation.revision, False, exc.message)
            )
            continue
        finally:
            logger.thread_safe_remove_keys(["ota_reservation_id"])
        trace(
            "sync.booking.stored",
            ota=target.ota.value,
            ota_reservation_id=reservation.reservation_id,
            outcome=ingested.outcome.value,
        )
        counter = _OUTCOME_COUNTER[ingested.outcome]
        setattr(counts, counter, getattr(counts, counter) + 1)
        stored.append((reservation, ingested.revision_record_id, ingested.booking_reference))
    return stored


def _record_acknowledgements(
    ack: AckResult, stored: list[_Stored], counts: PullCounts, pending: list[sync_repository.PendingItem]
) -> list[tuple[str, str]]:
    """Note on each stored revision whether the OTA took its acknowledgement; the (reservation,
    revision) pairs it did (no longer pending), the others stay pending."""
    accepted = set(ack.acknowledged)
    ack_error = "; ".join(error.message for error in ack.errors)[:500] or "the OTA did not confirm the acknowledgement"
    done: list[tuple[str, str]] = []
    for reservation, record_id, _ in stored:
        ok = reservation.reservation_id in accepted
        booking_service.record_ota_acknowledgement(record_id, acknowledged=ok, error=None if ok else ack_error)
        if ok:
            counts.acknowledged += 1
            done.append((reservation.reservation_id, reservation.revision))
        else:
            counts.ack_failures += 1
            pending.append(
                sync_repository.PendingItem(reservation.reservation_id, reservation.revision, True, ack_error)
            )
    return done


def _unique(items: list[sync_repository.PendingItem]) -> list[sync_repository.PendingItem]:
    by_key: dict[tuple[str, str], sync_repository.PendingItem] = {}
    for item in items:
        by_key[(item.reservation_id[:100], item.revision[:64])] = item
    return list(by_key.values())


# --- the SQS batch ------------------------------------------------------------------------------------------


class SyncJobRecord(SqsRecordModel):
    """An SQS record whose body is a sync job (parsed by Powertools' batch processor)."""

    body: Json[SyncJobMessage]


def handle_sync_jobs_batch(
    event: dict[str, Any], context: Any, *, adapter_source: AdapterSource | None = None
) -> PartialItemFailureResponse:
    """SQS batch entry point: failed jobs are reported, the others deleted.

    Every record of the batch had arrived before the first is handled, so once a property was
    synced successfully in this invocation, a later job for it in the same batch is already
    served: it is not pulled again (a burst of webhooks for one hotel is one pull per batch).
    """
    synced: dict[int, frozenset[int] | None] = {}  # property → the connections pulled (None: all)

    def record_handler(record: SyncJobRecord) -> PropertySyncOutcome:
        job = record.body
        trace_attribute = record.messageAttributes.get(TRACE_ATTRIBUTE)
        trace_id = trace_attribute.stringValue if trace_attribute is not None else None
        logger.thread_safe_append_keys(trace_id=trace_id)
        try:
            return traced_handler(record, job, trace_id)
        finally:
            logger.thread_safe_remove_keys(["trace_id"])

    def traced_handler(record: SyncJobRecord, job: SyncJobMessage, trace_id: str | None) -> PropertySyncOutcome:
        sent = record.attributes.SentTimestamp
        trace(
            "sync.job.received",
            property_id=job.property_id,
            trigger=job.trigger,
            message_id=record.messageId,
            sent_at=sent.timestamp() if sent is not None else None,
            connection_ids=job.connection_ids,
        )
        if job.property_id in synced:
            pulled = synced[job.property_id]
            if pulled is None or (job.connection_ids is not None and pulled.issuperset(job.connection_ids)):
                return PropertySyncOutcome(property_id=job.property_id, skipped=True)
        outcome = sync_property(job, message_id=record.messageId, adapter_source=adapter_source)
        if not outcome.skipped:
            before = synced.get(job.property_id, frozenset())
            synced[job.property_id] = _union(before, outcome.pulled)
        return outcome

    return process_partial_response(
        event=event,
        record_handler=record_handler,
        processor=BatchProcessor(event_type=EventType.SQS, model=SyncJobRecord),
        context=context,
    )
