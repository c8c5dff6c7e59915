"""Dispatch: every minute, every pull due before the next minute, each at its own second.

:func:`dispatch_due` claims connections due within ``HORIZON_SECONDS`` (the schedule's rate) in
batches (``ota_connection_service.claim_due_pulls``: ``FOR UPDATE SKIP LOCKED``, and
``next_poll_at`` moved past the pulls planned, in the claiming transaction, so two dispatchers
running at once take disjoint sets). A connection polled every 20 s gets three pulls in the
minute, each an SQS message with its own ``DelaySeconds`` (``domain.sync_schedule``). The pulls of
one property at the same second are one job naming those connections, so a property still has
one job per pull; the messages are sent after each batch (a dispatcher cut short has still
enqueued what it claimed).

Jitter: a connection found overdue (new, or after a backlog) is shifted by a random delay in
``[0, spread]``, spread being ``JITTER_FRACTION`` (20 %) of its interval capped at
``MAX_JITTER_SECONDS`` (60 s), drawn once per property and interval; from then on it keeps its
own second, so 10,000 properties reach the OTAs spread out instead of all at once.

A pull whose message SQS refused is not lost: the connection is due again after the pulls
planned (the claim moved it); the refusal is counted and logged.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from chalicelib.db.repositories.settings import load_app_settings
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.observability import logger
from chalicelib.services import ota_connection_service, sync_jobs

JITTER_FRACTION = 0.2
MAX_JITTER_SECONDS = 60
CLAIM_BATCH = 500
MAX_BATCHES = 100  # 50,000 connections per invocation; the rest are taken by the next minute's run
HORIZON_SECONDS = 60  # the dispatch schedule's rate: plan every pull due before the next run


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
    now: datetime | None = None,
    *,
    limit: int = CLAIM_BATCH,
    max_batches: int = MAX_BATCHES,
    rng: random.Random | None = None,
) -> DispatchCounts:
    """Claim every connection due before the next dispatch (in batches of ``limit``) and enqueue
    its pulls: one job per property and second."""
    moment = now or datetime.now(UTC)
    chooser = rng or random.Random()
    with unit_of_work() as uow:
        default_interval = load_app_settings(uow.session).sync_poll_interval_seconds
    properties: set[int] = set()
    # One per property and interval: a property's connections due together stay one job, and a
    # 20 s connection is not held back by the spread of a 150 s one.
    jitters: dict[tuple[int, int], int] = {}
    connections = enqueued = failed = batches = 0
    claim_seconds = enqueue_seconds = 0.0
    while batches < max_batches:
        started = time.perf_counter()
        claimed = ota_connection_service.claim_due_pulls(
            default_interval_seconds=default_interval,
            now=moment,
            limit=limit,
            horizon_seconds=HORIZON_SECONDS,
            jitter=lambda target, interval: jitters.setdefault(
                (target.property_id, interval), chooser.randint(0, jitter_spread_seconds(interval))
            ),
        )
        claim_seconds += time.perf_counter() - started
        batches += 1
        connections += len(claimed)
        properties.update(item.target.property_id for item in claimed)
        started = time.perf_counter()
        result = sync_jobs.enqueue_scheduled_pulls(group_pulls(claimed), now=moment)
        enqueued += result.sent
        failed += len(result.failed)
        if result.failed:
            logger.warning("sync jobs refused by SQS", extra={"failed": result.failed[:10]})
        enqueue_seconds += time.perf_counter() - started
        if len(claimed) < limit:
            break
    counts = DispatchCounts(
        connections=connections,
        properties=len(properties),
        enqueued=enqueued,
        failed=failed,
        batches=batches,
        claim_ms=int(claim_seconds * 1000),
        enqueue_ms=int(enqueue_seconds * 1000),
    )
    logger.info("sync dispatch", extra=asdict(counts))
    return counts


def group_pulls(claimed: Sequence[ota_connection_service.ClaimedPulls]) -> list[sync_jobs.ScheduledPull]:
    """One job per property and second: the connections of a property due at the same second."""
    due: dict[tuple[int, int], list[int]] = defaultdict(list)
    for item in claimed:
        for delay in item.delays:
            due[(item.target.property_id, delay)].append(item.target.connection_id)
    return [
        sync_jobs.ScheduledPull(property_id, delay, tuple(sorted(ids)))
        for (property_id, delay), ids in sorted(due.items())
    ]
