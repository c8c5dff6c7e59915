"""The property sync job: the one message the dispatcher, "sync now" and the webhooks enqueue.

A job names a property (not a connection): the property sync worker pulls every active
connection of that property in one invocation, so a webhook from one OTA and the schedule never
produce two concurrent pulls of the same hotel from two workers for long (the worker takes a
per-property advisory lock; a second job for a property being synced finds nothing new).

Sends are batched (ten per SQS call) and may be spread with a per-message ``DelaySeconds`` so a
dispatch cycle over 10,000 properties does not hit the OTAs in the same second.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.aws.queues import OutgoingMessage, SendResult, send_messages
from chalicelib.aws.resources import SYNC_JOBS_QUEUE
from chalicelib.observability import TRACE_ATTRIBUTE

SyncTrigger = Literal["schedule", "manual", "webhook", "retry"]

# SQS caps DelaySeconds at 15 minutes; the dispatcher spreads a cycle over far less.
MAX_DELAY_SECONDS = 900


class SyncJobMessage(BaseModel):
    """The body of a ``sync-jobs`` message."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["property_sync"] = "property_sync"
    property_id: int = Field(gt=0)
    trigger: SyncTrigger
    enqueued_at: datetime
    # The OTA reservation ids a webhook announced, for the log; the worker pulls all anyway.
    hint: str | None = Field(default=None, max_length=200)
    # A scheduled pull names the connections due at its second; None: every active connection.
    connection_ids: list[int] | None = Field(default=None, max_length=100)


def jitter_delays(count: int, spread_seconds: int, rng: random.Random | None = None) -> list[int]:
    """A delay in [0, spread_seconds] for each of ``count`` messages (whole seconds, as SQS wants)."""
    spread = max(0, min(spread_seconds, MAX_DELAY_SECONDS))
    if spread == 0:
        return [0] * count
    chooser = rng or random.Random()
    return [chooser.randint(0, spread) for _ in range(count)]


def enqueue_property_syncs(
    property_ids: Iterable[int],
    trigger: SyncTrigger,
    *,
    spread_seconds: int = 0,
    hint: str | None = None,
    now: datetime | None = None,
    connection_ids: Sequence[int] | None = None,
    trace_id: str | None = None,
) -> SendResult:
    """Send one sync job per property (deduplicated, batched); entries SQS refused are reported.

    ``connection_ids``: pull only those connections (a webhook names the one that notified);
    ``trace_id``: carried as the ``trace_id`` message attribute (the push path's trace)."""
    unique: Sequence[int] = sorted(set(property_ids))
    moment = now or datetime.now(UTC)
    delays = jitter_delays(len(unique), spread_seconds)
    wanted = sorted(set(connection_ids)) if connection_ids is not None else None
    jobs = [
        (
            SyncJobMessage(
                property_id=property_id, trigger=trigger, enqueued_at=moment, hint=hint, connection_ids=wanted
            ),
            delay,
        )
        for property_id, delay in zip(unique, delays, strict=True)
    ]
    return _send(jobs, trace_id=trace_id)


@dataclass(frozen=True)
class ScheduledPull:
    """One scheduled pull of some of a property's connections, ``delay_seconds`` after dispatch."""

    property_id: int
    delay_seconds: int
    connection_ids: tuple[int, ...]


def enqueue_scheduled_pulls(pulls: Iterable[ScheduledPull], *, now: datetime | None = None) -> SendResult:
    """Send one ``schedule`` job per planned pull (the property's connections due at that second)."""
    moment = now or datetime.now(UTC)
    jobs = [
        (
            SyncJobMessage(
                property_id=pull.property_id,
                trigger="schedule",
                enqueued_at=moment,
                connection_ids=sorted(pull.connection_ids),
            ),
            pull.delay_seconds,
        )
        for pull in pulls
    ]
    return _send(jobs)


def _send(jobs: Sequence[tuple[SyncJobMessage, int]], *, trace_id: str | None = None) -> SendResult:
    traced = {TRACE_ATTRIBUTE: trace_id} if trace_id else {}
    messages = [
        OutgoingMessage(
            body=job.model_dump(mode="json", exclude_none=True),
            delay_seconds=min(max(delay, 0), MAX_DELAY_SECONDS),
            attributes={"trigger": job.trigger, **traced},
        )
        for job, delay in jobs
    ]
    if not messages:
        return SendResult()
    return send_messages(SYNC_JOBS_QUEUE, messages)
