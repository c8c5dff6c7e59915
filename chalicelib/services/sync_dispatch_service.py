"""Dispatch: every minute, one sync job per property that has a connection due for a poll.

:func:`dispatch_due` claims due connections in batches (``ota_connection_service.
claim_due_connections``: ``FOR UPDATE SKIP LOCKED`` and ``next_poll_at`` moved one interval
ahead in the claiming transaction, so two dispatchers running at once take disjoint sets), groups
them by property and enqueues one ``sync-jobs`` message per property after each batch (so a
dispatcher cut short has still enqueued what it claimed).

Jitter: each message gets a random ``DelaySeconds`` in ``[0, spread]`` where spread is
``JITTER_FRACTION`` (20 %) of the property's shortest poll interval, capped at
``MAX_JITTER_SECONDS`` (60 s). With the default 150 s interval a cycle is spread over 30 s, so
10,000 properties reach the OTAs at ~330 per second instead of all at once, and a property is
still polled well within one interval.

A connection whose message SQS refused is not lost: it is due again one interval later (the
claim moved it); the refusal is counted and logged.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from chalicelib.db.repositories.settings import load_app_settings
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.ota_accounts import effective_poll_interval
from chalicelib.observability import logger
from chalicelib.services import ota_connection_service, sync_jobs

JITTER_FRACTION = 0.2
MAX_JITTER_SECONDS = 60
CLAIM_BATCH = 500
MAX_BATCHES = 100  # 50,000 connections per invocation; the rest are taken by the next minute's run


def jitter_spread_seconds(interval_seconds: int) -> int:
    """How far a property's job may be delayed: a fraction of its poll interval, capped."""
    return max(0, min(MAX_JITTER_SECONDS, int(interval_seconds * JITTER_FRACTION)))


@dataclass(frozen=True)
class DispatchCounts:
    connections: int = 0
    properties: int = 0
    enqueued: int = 0
    failed: int = 0
    batches: int = 0
    claim_ms: int = 0  # time in the claiming transactions
    enqueue_ms: int = 0  # time in SQS SendMessageBatch calls


def dispatch_due(
    now: datetime | None = None, *, limit: int = CLAIM_BATCH, max_batches: int = MAX_BATCHES
) -> DispatchCounts:
    """Claim every due connection (in batches of ``limit``) and enqueue one job per property."""
    moment = now or datetime.now(UTC)
    with unit_of_work() as uow:
        default_interval = load_app_settings(uow.session).sync_poll_interval_seconds
    enqueued_properties: set[int] = set()
    connections = enqueued = failed = batches = 0
    claim_seconds = enqueue_seconds = 0.0
    while batches < max_batches:
        started = time.perf_counter()
        targets = ota_connection_service.claim_due_connections(
            default_interval_seconds=default_interval, now=moment, limit=limit
        )
        claim_seconds += time.perf_counter() - started
        batches += 1
        connections += len(targets)
        shortest: dict[int, int] = {}
        for target in targets:
            interval = effective_poll_interval(target.poll_interval_seconds, default_interval)
            shortest[target.property_id] = min(interval, shortest.get(target.property_id, interval))
        by_spread: dict[int, list[int]] = defaultdict(list)
        for property_id, interval in shortest.items():
            if property_id not in enqueued_properties:
                by_spread[jitter_spread_seconds(interval)].append(property_id)
                enqueued_properties.add(property_id)
        started = time.perf_counter()
        for spread, property_ids in sorted(by_spread.items()):
            result = sync_jobs.enqueue_property_syncs(property_ids, "schedule", spread_seconds=spread, now=moment)
            enqueued += result.sent
            failed += len(result.failed)
            if result.failed:
                logger.warning("sync jobs refused by SQS", extra={"failed": result.failed[:10]})
        enqueue_seconds += time.perf_counter() - started
        if len(targets) < limit:
            break
    counts = DispatchCounts(
        connections=connections,
        properties=len(enqueued_properties),
        enqueued=enqueued,
        failed=failed,
        batches=batches,
        claim_ms=int(claim_seconds * 1000),
        enqueue_ms=int(enqueue_seconds * 1000),
    )
    logger.info("sync dispatch", extra=asdict(counts))
    return counts
