"""The ARI outbox relay: ``ari_changes`` rows → the ``ari-push.fifo`` queue, one group per connection.

Calendar and booking writes append outbox rows in their transaction (``calendar.add_ari_changes``)
and call :func:`relay_after_commit`; once that transaction has committed, its unit of work relays
the property's unrelayed rows (so a push starts within milliseconds). The minutely housekeeping
task :func:`sweep` relays whatever a crash, a failed send or a missing hook left behind.

A relay claims unrelayed rows with ``FOR UPDATE SKIP LOCKED`` (concurrent relayers take disjoint
rows; a row is relayed by whoever holds it), sends one message per connection of the property
naming the rows as id ranges (:class:`AriPushMessage`), and marks the rows relayed in the same
transaction. If a send fails the transaction rolls back and the rows stay for the next relay; if
the commit fails after a send, the rows are sent again with the same deduplication id and the
worker, which coalesces against acknowledged versions, sends nothing twice.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from chalicelib.aws.queues import OutgoingMessage, send_messages
from chalicelib.aws.resources import ARI_PUSH_QUEUE
from chalicelib.db.repositories import ari_push as ari_push_repository
from chalicelib.db.unit_of_work import unit_of_work, unit_of_work_of
from chalicelib.domain.ari_push import chunk_ranges, id_ranges
from chalicelib.observability import logger, trace

RELAY_BATCH = 5000
# Relayed outbox rows are kept a week, then purged (hourly). A connection that failed for longer
# than that is repaired by its nightly full push, which reads the calendar, not the outbox.
RELAYED_RETENTION = timedelta(days=7)
PURGE_BATCH = 10_000


class AriPushMessage(BaseModel):
    """One message on ``ari-push.fifo``: outbox rows of a property for one connection, or a full resync."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["changes", "full_push"] = "changes"
    connection_id: int = Field(gt=0)
    property_id: int = Field(gt=0)
    ranges: list[tuple[int, int]] = Field(default_factory=list)  # inclusive outbox id ranges
    trigger: Literal["outbox", "nightly", "manual", "retry"] = "outbox"
    local_date: date | None = None  # full_push: the property's local date it is for

    def group_id(self) -> str:
        return f"conn-{self.connection_id}"

    def deduplication_id(self) -> str:
        """Derived from the content: the same rows (or the same day's resync) sent twice are one message."""
        if self.kind == "full_push":
            return f"full-{self.connection_id}-{self.local_date}-{self.trigger}"
        digest = hashlib.sha256(json.dumps([self.connection_id, self.ranges]).encode()).hexdigest()
        return f"chg-{self.connection_id}-{digest[:48]}"

    def outgoing(self) -> OutgoingMessage:
        return OutgoingMessage(
            body=self.model_dump(mode="json"), group_id=self.group_id(), deduplication_id=self.deduplication_id()
        )


class RelayFailed(RuntimeError):
    """SQS refused a message; nothing of this relay was marked relayed."""


@dataclass(frozen=True)
class RelayReport:
    rows: int
    messages: int

    def as_counts(self) -> dict[str, int]:
        return {"ari_rows_relayed": self.rows, "ari_messages_sent": self.messages}


def relay(
    property_ids: list[int] | None = None, *, now: datetime | None = None, limit: int = RELAY_BATCH
) -> RelayReport:
    """Relay unrelayed outbox rows (of ``property_ids``, or of every property) in one transaction."""
    moment = now or datetime.now(UTC)
    with unit_of_work() as uow:
        claimed = ari_push_repository.claim_unrelayed(uow.session, property_ids, limit=limit)
        if not claimed:
            return RelayReport(0, 0)
        by_property: dict[int, list[int]] = {}
        for row_id, property_id in claimed:
            by_property.setdefault(property_id, []).append(row_id)
        connections = ari_push_repository.active_connection_ids(uow.session, by_property)
        messages = [
            AriPushMessage(connection_id=connection_id, property_id=property_id, ranges=chunk).outgoing()
            for property_id, ids in sorted(by_property.items())
            for chunk in chunk_ranges(id_ranges(ids))
            for connection_id in connections.get(property_id, [])
        ]
        if messages:
            result = send_messages(ARI_PUSH_QUEUE, messages)
            if result.failed:
                raise RelayFailed(f"{len(result.failed)} ARI push message(s) refused: {result.failed[0]}")
        ari_push_repository.mark_relayed(uow.session, [row_id for row_id, _ in claimed], moment)
    trace(
        "ari.relay.sent",
        property_ids=sorted(by_property),
        ranges=id_ranges(sorted(row_id for row_id, _ in claimed))[:50],
        messages=len(messages),
    )
    return RelayReport(len(claimed), len(messages))


def relay_after_commit(session: Session, property_id: int) -> None:
    """Relay ``property_id``'s outbox rows once ``session``'s unit of work has committed.

    Without a unit of work (a session opened otherwise) nothing is registered: the sweeper relays.
    """
    uow = unit_of_work_of(session)
    if uow is None:
        return
    uow.after_commit_batched("ari.relay", property_id, lambda property_ids: _relay_quietly(sorted(set(property_ids))))


def _relay_quietly(property_ids: list[int]) -> None:
    # The write has committed and its caller must get its answer even if the relay cannot run
    # now: the sweeper relays what is left.
    try:
        while (report := relay(property_ids)).rows == RELAY_BATCH:  # a big write (a new 24-month calendar)
            pass
    except (SQLAlchemyError, BotoCoreError, ClientError, RelayFailed, OSError) as exc:
        logger.warning("ARI relay after commit failed; the sweeper will retry", extra={"error": type(exc).__name__})
        return
    logger.debug("ARI relayed after commit", extra=report.as_counts())


def sweep(now: datetime | None = None) -> dict[str, int]:
    """The housekeeping task: relay every unrelayed outbox row, batch after batch."""
    rows = messages = 0
    while True:
        report = relay(None, now=now)
        rows += report.rows
        messages += report.messages
        if report.rows < RELAY_BATCH:
            break
    return {"ari_rows_relayed": rows, "ari_messages_sent": messages}


def purge_relayed(now: datetime | None = None) -> dict[str, int]:
    """Hourly upkeep: delete outbox rows relayed more than :data:`RELAYED_RETENTION` ago, in batches."""
    cutoff = (now or datetime.now(UTC)) - RELAYED_RETENTION
    purged = 0
    while True:
        with unit_of_work() as uow:
            deleted = ari_push_repository.purge_relayed(uow.session, cutoff, PURGE_BATCH)
        purged += deleted
        if deleted < PURGE_BATCH:
            return {"ari_rows_purged": purged}
