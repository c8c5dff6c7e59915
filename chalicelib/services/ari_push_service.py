"""The ARI push worker and the nightly full resync.

``ari_push_worker`` (SQS, ``ari-push.fifo``, one message group per connection) handles
:class:`~chalicelib.services.ari_relay.AriPushMessage`\\ s:

* ``changes``: the outbox rows the relay named → their cells → every version of those cells the
  connection has not acknowledged (``ari_acknowledged_versions``) → the own-booking rule
  (:mod:`chalicelib.domain.ari_push`) → :func:`~chalicelib.domain.ari_changes.coalesce` into the
  fewest ranges → OTA ids through the connection's mappings (unmapped cells are skipped and
  counted) → ``adapter.push_ari`` (which splits by the OTA's limits). Only when the OTA accepted
  everything are the versions recorded as acknowledged; otherwise the message fails and SQS
  redelivers it (then the DLQ). Versions only grow, and coalescing drops anything not newer than
  the acknowledged version, so a redelivered or out-of-order message can never send an older
  value after a newer one.
* ``full_push`` (the nightly resync): the current calendar of every mapped room type and rate
  plan from the property's local today, sent whole whatever was acknowledged (this repairs drift
  on the OTA side), then acknowledged.

**One push at a time per connection, no transaction across the OTA call.** The FIFO group
already serialises a connection's messages; the connection's lease (a ``leases`` row for
:data:`LEASE_SECONDS` = the queue's visibility timeout) keeps an SQS
redelivery after a visibility timeout or a second region from interleaving two pushes. Per message:

1. take the lease (one conditional upsert, committed); if another worker holds it, poll for up to
   :data:`LEASE_WAIT_SECONDS`, then fail the message (:class:`ConnectionBusy`) so SQS retries it;
2. read the pending changes and acknowledged versions (or the full calendar) and commit;
3. call the OTA with no transaction open (nor any lock: a transaction or a session lock held across
   an OTA call would pin a pooled connection / RDS Proxy for seconds);
4. in one transaction: record the acknowledged versions (an upsert with ``GREATEST``: versions only
   grow, whatever order two pushes finish in), the ``sync_runs`` row (kind ``push`` /
   ``full_push``), the alert on a final failed attempt, and release the lease if it is still ours.

On any exception the lease is released (best effort; otherwise it expires) and the message fails.
"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from typing import Any

from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from pydantic import Json
from sqlalchemy.orm import Session

from chalicelib.aws.credential_vault import CredentialVault, DataKeyCache
from chalicelib.aws.queues import send_messages
from chalicelib.aws.resources import ARI_PUSH_QUEUE
from chalicelib.db.repositories import ari_push as ari_push_repository
from chalicelib.db.repositories import calendar as calendar_repository
from chalicelib.db.repositories import leases as lease_repository
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.alerts import AlertSeverity, AlertType
from chalicelib.domain.ari_changes import AriRange, acknowledge, coalesce, full_snapshot
from chalicelib.domain.ari_push import OwnChangeSplit, PendingChange, ota_updates, split_own_changes
from chalicelib.domain.errors import NotFound
from chalicelib.domain.leases import ari_push_lease
from chalicelib.domain.ota_mappings import MappingIndex
from chalicelib.domain.ota_results import PushResult
from chalicelib.domain.sync_runs import (
    SyncRunKind,
    SyncRunRecord,
    SyncRunStatus,
    SyncRunTrigger,
    errors_json,
    warnings_json,
)
from chalicelib.domain.timezones import today_in_timezone
from chalicelib.observability import logger, trace
from chalicelib.ota.base import AdapterOptions, OtaAdapter
from chalicelib.services import alert_service, live_events, ota_access, ota_mapping_service
from chalicelib.services.ari_relay import AriPushMessage

LEASE_SECONDS = ARI_PUSH_QUEUE.visibility_timeout_seconds  # a killed worker's lease frees itself by then
LEASE_WAIT_SECONDS = 5.0
LEASE_POLL_SECONDS = 0.25
NIGHTLY_WINDOW = timedelta(hours=3)  # a connection missed by an outage is still resynced that night
GROUP_CONCURRENCY = 4  # connections of one batch pushed side by side (each its own OTA)
# Unwrapped data keys for the container's life (bounded), as the sync worker keeps them.
PUSH_VAULT = CredentialVault(data_keys=DataKeyCache(max_entries=512))


class AriPushFailed(RuntimeError):
    """The OTA did not accept the whole push; SQS redelivers the message."""


class ConnectionBusy(AriPushFailed):
    """Another worker holds the connection's push lease; SQS redelivers the message."""


@dataclass
class PushReport:
    connection_id: int
    kind: str
    status: str  # ok | failed | skipped
    cells_pending: int = 0
    ranges: int = 0
    updates: int = 0
    messages_sent: int = 0
    already_applied_by_ota: int = 0
    unmapped_cells: int = 0
    errors: list[str] = field(default_factory=list)
    ota_started_at: float | None = None  # epoch seconds around the OTA call (the push path's trace)
    ota_finished_at: float | None = None

    def counts(self) -> dict[str, int]:
        return {
            "cells_pending": self.cells_pending,
            "ranges": self.ranges,
            "updates": self.updates,
            "messages_sent": self.messages_sent,
            "already_applied_by_ota": self.already_applied_by_ota,
            "unmapped_cells": self.unmapped_cells,
        }


def push(
    message: AriPushMessage,
    *,
    message_id: str | None = None,
    options: AdapterOptions | None = None,
    now: datetime | None = None,
    final_attempt: bool = False,
    lease_wait_seconds: float = LEASE_WAIT_SECONDS,
) -> PushReport:
    """Bring one connection up to date with the message's changes (or its full calendar).

    ``final_attempt``: SQS will not deliver the message again (it goes to the DLQ if this fails),
    so a failure raises a sync-failure alert for the channel. Raises :class:`ConnectionBusy` when
    another worker still holds the connection's lease after ``lease_wait_seconds``.
    """
    kind = "full_push" if message.kind == "full_push" else "push"
    received_at = time.time()
    try:
        target = ota_access.load_connection_target(message.connection_id)
    except NotFound:
        return PushReport(message.connection_id, kind, "skipped", errors=["the connection no longer exists"])
    if not target.is_active or target.property_id != message.property_id:
        return PushReport(message.connection_id, kind, "skipped", errors=["the connection is not active"])
    index = ota_mapping_service.mapping_index(target.connection_id)
    owner = f"{message_id or 'direct'}:{uuid.uuid4().hex[:12]}"
    if not _wait_for_lease(target.connection_id, owner, lease_wait_seconds):
        raise ConnectionBusy(f"connection {target.connection_id} is being pushed by another worker")
    released = False
    adapter = None
    try:
        adapter = ota_access.build_account_adapter(target.endpoint, options=options, vault=PUSH_VAULT)
        report = PushReport(target.connection_id, kind, "ok")
        _push_under_lease(
            adapter,
            message,
            target,
            index,
            report,
            now=now,
            message_id=message_id,
            final_attempt=final_attempt,
            owner=owner,
        )
        released = True
    finally:
        if adapter is not None:
            adapter.close()
        if not released:
            _release_lease_quietly(target.connection_id, owner)
    logger.info("ARI push", extra={"connection_id": target.connection_id, "status": report.status, **report.counts()})
    trace(
        "ari.push.done",
        connection_id=target.connection_id,
        ota=target.ota.value,
        kind=kind,
        status=report.status,
        ranges=message.ranges[:50],
        updates=report.updates,
        received_at=round(received_at, 4),
        ota_started_at=report.ota_started_at and round(report.ota_started_at, 4),
        ota_finished_at=report.ota_finished_at and round(report.ota_finished_at, 4),
    )
    return report


def _push_under_lease(
    adapter: OtaAdapter,
    message: AriPushMessage,
    target: ota_access.ConnectionTarget,
    index: MappingIndex,
    report: PushReport,
    *,
    now: datetime | None,
    message_id: str | None,
    final_attempt: bool,
    owner: str,
) -> None:
    """Read what to push, send it (no transaction open), then in one transaction record what the
    OTA acknowledged and the sync run, alert on a final failure and release the lease; ``report``
    says how it went."""
    started_at = datetime.now(UTC)
    started = time.monotonic()
    with unit_of_work() as uow:
        session = uow.session
        if message.kind == "full_push":
            ranges, split = _full_calendar(session, message.property_id, index, now or started_at), OwnChangeSplit()
        else:
            ranges, split = _pending_changes(session, message, target.ota.value, report)
        currencies = ari_push_repository.plan_currencies(
            session, {item.rate_plan_id for item in ranges if item.rate_plan_id is not None}
        )
    built = ota_updates(ranges, index, currencies)
    report.ranges = len(ranges)
    report.updates = len(built.updates)
    report.unmapped_cells = built.unmapped_cells
    report.already_applied_by_ota = len(split.already_applied)
    result: PushResult | None = None
    if built.updates:  # no transaction is open here
        report.ota_started_at = time.time()
        result = adapter.push_ari(target.ota_hotel_id, built.updates)
        report.ota_finished_at = time.time()
        report.messages_sent = result.messages_sent
        report.errors = [error.message for error in result.errors]
    if result is not None and result.errors:
        report.status = "failed"
    with unit_of_work() as uow:
        if report.status != "failed":
            versions = acknowledge(split.already_applied, built.sent)
            ari_push_repository.record_acknowledged(uow.session, target.connection_id, versions)
        live_events.record_sync_run(
            uow.session, _sync_run(message, report.kind, report, result, started_at, started, message_id)
        )
        if report.status == "failed" and final_attempt:
            alert_service.raise_alert(uow, _push_failure_alert(target, report))
        if lease_repository.release_lease(uow.session, ari_push_lease(target.connection_id), owner) is None:
            logger.warning("ARI push outlived its lease", extra={"connection_id": target.connection_id})


def _wait_for_lease(connection_id: int, owner: str, wait_seconds: float) -> bool:
    deadline = time.monotonic() + wait_seconds
    while True:
        with unit_of_work() as uow:
            if lease_repository.take_lease(uow.session, ari_push_lease(connection_id), owner, LEASE_SECONDS):
                return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(LEASE_POLL_SECONDS)


def _release_lease_quietly(connection_id: int, owner: str) -> None:
    """After a failure: free the lease now rather than when it expires; never mask the failure."""
    try:
        with unit_of_work() as uow:
            lease_repository.release_lease(uow.session, ari_push_lease(connection_id), owner)
    except Exception:  # noqa: BLE001 - the push's own failure is what propagates; the lease expires
        logger.exception("ARI push lease not released (it expires)", extra={"connection_id": connection_id})


def _push_failure_alert(target: ota_access.ConnectionTarget, report: PushReport) -> alert_service.NewAlert:
    name = target.ota.display_name
    return alert_service.NewAlert(
        type=AlertType.SYNC_FAILURE,
        severity=AlertSeverity.WARNING,
        dedupe_key=f"ari-push:{target.connection_id}",
        title=f"Availability and rates could not be sent to {name}",
        message=(
            f"{name} refused or did not answer every attempt to update hotel {target.ota_hotel_id}; "
            f"the update went to the dead-letter queue and the nightly full resync will retry. "
            f"Last error: {(report.errors or ['unknown'])[0][:300]}"
        ),
        details={"connection_id": target.connection_id, "kind": report.kind, **report.counts()},
        property_id=target.property_id,
        country_code=target.country_code,
        channel=target.ota.value,
    )


def _pending_changes(
    session: Session, message: AriPushMessage, ota: str, report: PushReport
) -> tuple[tuple[AriRange, ...], OwnChangeSplit]:
    rows = ari_push_repository.rows_in_ranges(session, message.property_id, message.ranges)
    cells = {row.change.key for row in rows}
    acknowledged = ari_push_repository.acknowledged_versions(session, message.connection_id, cells)
    pending = ari_push_repository.unacknowledged_rows(session, message.property_id, message.connection_id, cells)
    report.cells_pending = len({row.change.key for row in pending})
    split = split_own_changes((PendingChange(row.change, row.cause_ota) for row in pending), acknowledged, ota)
    return coalesce(split.to_send, acknowledged), split


def _full_calendar(session: Session, property_id: int, index: MappingIndex, now: datetime) -> tuple[AriRange, ...]:
    timezone = ari_push_repository.property_timezone(session, property_id)
    today = today_in_timezone(now, timezone)
    room_type_ids = set(index.room_types_by_ota_room.values())
    plan_ids = {plan_id for _, plan_id in index.rate_plans_by_ota_rate.values()}
    cells = calendar_repository.load_cells(session, room_type_ids, today)
    rates = calendar_repository.load_rate_cells(session, plan_ids, today)
    return coalesce(full_snapshot(cells, rates))


def _sync_run(
    message: AriPushMessage,
    kind: str,
    report: PushReport,
    result: PushResult | None,
    started_at: datetime,
    started: float,
    message_id: str | None,
) -> SyncRunRecord:
    first = result.errors[0] if result and result.errors else None
    return SyncRunRecord(
        connection_id=message.connection_id,
        property_id=message.property_id,
        kind=SyncRunKind(kind),
        trigger=SyncRunTrigger(message.trigger),
        status=SyncRunStatus.FAILED if report.status == "failed" else SyncRunStatus.OK,
        started_at=started_at,
        finished_at=datetime.now(UTC),
        duration_ms=int((time.monotonic() - started) * 1000),
        counts=report.counts(),
        errors=errors_json(result.errors if result else ()),
        warnings=warnings_json(result.warnings if result else ()),
        error_kind=first.kind.value if first else None,
        error_message=first.message[:2000] if first else None,
        message_id=message_id,
    )


# --- the SQS handler -------------------------------------------------------------------------------


class AriPushRecord(SqsRecordModel):
    """An SQS record whose body is an ARI push message (parsed by Powertools' batch processor)."""

    body: Json[AriPushMessage]


def push_record(
    record: AriPushRecord, *, options: AdapterOptions | None = None, message: AriPushMessage | None = None
) -> PushReport:
    """Push one record's message (or ``message``: the record's merged with its followers in the batch)."""
    chosen = message or record.body
    receive_count = int(record.attributes.ApproximateReceiveCount or 1)
    report = push(
        chosen,
        message_id=record.messageId,
        options=options,
        final_attempt=receive_count >= ARI_PUSH_QUEUE.max_receive_count,
    )
    if report.status == "failed":
        raise AriPushFailed(f"connection {chosen.connection_id}: {'; '.join(report.errors)[:500]}")
    return report


def merge_batch(records: list[dict[str, Any]]) -> dict[str, AriPushMessage | None]:
    """Consecutive ``changes`` messages of one connection in a batch, merged into the first of them.

    messageId → the merged message to push (the first of a run) or None (a follower, covered by
    the first). A burst of bookings becomes one OTA push per connection per batch instead of one
    per booking; it is safe because a push sends the newest unacknowledged version of every named
    cell, whichever message named it. A full push, or an unreadable body, ends the connection's run.
    If the first fails, the processor fails the rest of the group, so a follower is never lost.
    """
    merged: dict[str, AriPushMessage | None] = {}
    heads: dict[int, tuple[str, AriPushMessage]] = {}
    for record in records:
        message_id = str(record.get("messageId"))
        try:
            message = AriPushMessage.model_validate_json(str(record.get("body")))
        except ValueError:
            continue
        head = heads.get(message.connection_id)
        if message.kind != "changes":
            heads.pop(message.connection_id, None)
            continue
        if head is not None and head[1].property_id == message.property_id:
            head_id, head_message = head
            combined = head_message.model_copy(update={"ranges": [*head_message.ranges, *message.ranges]})
            heads[message.connection_id] = (head_id, combined)
            merged[head_id] = combined
            merged[message_id] = None
            continue
        heads[message.connection_id] = (message_id, message)
    return merged


def handle_ari_push_batch(
    event: dict[str, Any], context: Any, *, options: AdapterOptions | None = None
) -> PartialItemFailureResponse:
    """FIFO batch entry point: a failed message fails the rest of its group (order is kept), other
    connections' messages go on; consecutive change messages of a connection are pushed as one
    (:func:`merge_batch`). ``options``: adapter settings (tests shorten timeouts).

    The groups of a batch (one per connection) are pushed side by side, up to
    :data:`GROUP_CONCURRENCY` at a time, each group's messages in order: a batch naming four
    connections waits for the slowest OTA, not for the sum of the four."""
    records = list(event.get("Records", []))
    merged = merge_batch(records)

    def handle(record: AriPushRecord) -> PushReport:
        if record.messageId in merged and merged[record.messageId] is None:
            return PushReport(record.body.connection_id, "push", "skipped", errors=["merged into an earlier message"])
        return push_record(record, options=options, message=merged.get(record.messageId))

    def one_group(group: list[dict[str, Any]]) -> list[str]:
        try:
            response = process_partial_response(
                event={**event, "Records": group},
                record_handler=handle,
                processor=SqsFifoPartialProcessor(model=AriPushRecord, skip_group_on_error=True),
                context=context,
            )
        except BatchProcessingError:  # every record of the group failed
            return [str(record.get("messageId")) for record in group]
        return [str(item["itemIdentifier"]) for item in response["batchItemFailures"]]

    groups = group_records(records)
    if len(groups) <= 1:
        failed = one_group(records) if records else []
    else:
        with ThreadPoolExecutor(max_workers=min(GROUP_CONCURRENCY, len(groups)), thread_name_prefix="ari-push") as pool:
            failed = [message_id for failures in pool.map(one_group, groups) for message_id in failures]
    if records and len(failed) == len(records):
        raise BatchProcessingError(f"all {len(records)} ARI push message(s) failed", [])
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}


def group_records(records: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """A FIFO batch's records by message group (first appearance order), each group in batch order."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        group = str((record.get("attributes") or {}).get("MessageGroupId") or "")
        groups.setdefault(group, []).append(record)
    return list(groups.values())


# --- the nightly full resync -------------------------------------------------------------------------


def enqueue_full_push(
    connection_id: int, property_id: int, *, trigger: str = "manual", now: datetime | None = None
) -> None:
    """Queue a full resync of one connection behind its pending pushes (same message group); it
    counts as that local day's full push."""
    moment = now or datetime.now(UTC)
    with unit_of_work() as uow:
        local_date = today_in_timezone(moment, ari_push_repository.property_timezone(uow.session, property_id))
        message = AriPushMessage(
            kind="full_push",
            connection_id=connection_id,
            property_id=property_id,
            trigger=trigger,
            local_date=local_date,
        )
        outgoing = message.outgoing()
        if trigger == "manual":  # a person asking twice within five minutes wants two pushes
            outgoing = type(outgoing)(body=outgoing.body, group_id=outgoing.group_id, deduplication_id=None)
        ari_push_repository.note_full_push_enqueued(uow.session, connection_id, local_date, moment)
        result = send_messages(ARI_PUSH_QUEUE, [outgoing])
        if result.failed:
            raise AriPushFailed(f"full push of connection {connection_id} not queued: {result.failed[0]}")


def enqueue_nightly_full_pushes(now: datetime | None = None) -> dict[str, int]:
    """The schedule: a full push for every connection whose property passed local midnight less
    than :data:`NIGHTLY_WINDOW` ago and has not had one for that local date, and for every
    connection that never had one (a new connection starts from the whole calendar: outbox rows
    written before it existed were never meant for it)."""
    moment = now or datetime.now(UTC)
    due: list[AriPushMessage] = []
    with unit_of_work() as uow:
        for connection_id, property_id, timezone, last_date in ari_push_repository.active_connections_with_timezones(
            uow.session
        ):
            local_date = today_in_timezone(moment, timezone)
            if last_date is not None and (last_date == local_date or not _just_after_midnight(moment, timezone)):
                continue
            due.append(
                AriPushMessage(
                    kind="full_push",
                    connection_id=connection_id,
                    property_id=property_id,
                    trigger="nightly",
                    local_date=local_date,
                )
            )
            ari_push_repository.note_full_push_enqueued(uow.session, connection_id, local_date, moment)
        if due:
            result = send_messages(ARI_PUSH_QUEUE, [message.outgoing() for message in due])
            if result.failed:
                raise AriPushFailed(f"{len(result.failed)} nightly full push(es) not queued: {result.failed[0]}")
    return {"full_pushes_enqueued": len(due)}


def _just_after_midnight(moment: datetime, timezone: str) -> bool:
    from zoneinfo import ZoneInfo

    local = moment.astimezone(ZoneInfo(timezone))
    midnight = datetime.combine(local.date(), clock_time(0), tzinfo=local.tzinfo)
    return local - midnight < NIGHTLY_WINDOW
