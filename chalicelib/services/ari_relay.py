"""The ARI outbox relay: ``ari_changes`` rows → the ``ari-push.fifo`` queue, one group per connection.

Calendar and booking writes append outbox rows in their transaction (``calendar.add_ari_changes``)
and call :func:`relay_after_commit`; once that transaction has committed, its unit of work relays
the property's unrelayed rows, or (a new booking) the rows that write appended, by id (so a push
starts within milliseconds), in the one after-commit transaction it shares with the notification
outbox's relay. The minutely housekeeping task
:func:`sweep` relays whatever a crash, a failed send or a missing hook left behind.

A relay claims unrelayed rows with ``FOR UPDATE SKIP LOCKED`` and marks them relayed in the same
statement, which also reads each property's connections (concurrent relayers take disjoint rows;
a row is relayed by whoever holds it); it sends one message per connection of the property
naming the rows as id ranges (:class:`AriPushMessage`) before its transaction commits. If a send
fails the rows are put back (or the transaction rolls back) and stay for the next relay; if the
commit fails after a send, the rows are sent again with the same deduplication id and the worker,
which coalesces against acknowledged versions, sends nothing twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
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
    """Relay unrelayed outbox rows (of ``property_ids``, or of every property) in one transaction.

    Raises :class:`RelayFailed` (nothing of this relay marked relayed) if SQS refused a message.
    """
    with unit_of_work() as uow:
        report, refused = relay_in_session(uow.session, property_ids, now=now, limit=limit)
        if refused:
            raise RelayFailed(refused)
    return report


def relay_in_session(
    session: Session,
    property_ids: list[int] | None,
    *,
    row_ids: list[int] | None = None,
    now: datetime | None = None,
    limit: int = RELAY_BATCH,
) -> tuple[RelayReport, str | None]:
    """:func:`relay` in the caller's transaction (``row_ids``: those rows, not the properties'): claim and
    mark the rows (one statement, with each property's connections), send one message per connection
    and id range. If a send fails the rows are put back and the report says why (the second item);
    the caller commits either way.
    """
    moment = now or datetime.now(UTC)
    claimed = ari_push_repository.claim_for_relay(session, property_ids, moment, limit=limit, row_ids=row_ids)
    if not claimed:
        return RelayReport(0, 0), None
    messages = [
        AriPushMessage(connection_id=connection_id, property_id=property_id, ranges=chunk).outgoing()
        for property_id, ids, connections in claimed
        for chunk in chunk_ranges(id_ranges(ids))
        for connection_id in connections
    ]
    rows = [row_id for _, ids, _ in claimed for row_id in ids]
    refused: str | None = None
    if messages:
        try:
            result = send_messages(ARI_PUSH_QUEUE, messages)
        except (BotoCoreError, ClientError) as exc:
            refused = f"ARI push messages not sent: {type(exc).__name__}"
        else:
            if result.failed:
                refused = f"{len(result.failed)} ARI push message(s) refused: {result.failed[0]}"
    if refused is not None:
        ari_push_repository.put_back(session, rows)
        return RelayReport(0, 0), refused
    trace(
        "ari.relay.sent",
        property_ids=sorted(property_id for property_id, _, _ in claimed),
        ranges=id_ranges(sorted(rows))[:50],
        messages=len(messages),
    )
    return RelayReport(len(rows), len(messages)), None


def relay_after_commit(session: Session, property_id: int, row_ids: Sequence[int] | None = None) -> None:
    """Relay ``property_id``'s outbox rows (``row_ids``: just those, the rows a write appended) once
    ``session``'s unit of work has committed, in the one after-commit transaction the outbox relay
    shares (:meth:`SqlUnitOfWork.after_commit_together`).

    Without a unit of work (a session opened otherwise) nothing is registered: the sweeper relays,
    as it relays rows of the property that a crashed invocation left when only ``row_ids`` are relayed.
    """
    uow = unit_of_work_of(session)
    if uow is None:
        return
    uow.after_commit_together("ari.relay", (property_id, None if row_ids is None else tuple(row_ids)), _relay_quietly)


def _relay_quietly(session: Session, items: list[tuple[int, tuple[int, ...] | None]]) -> None:
    # The write has committed and its caller must get its answer even if the relay cannot run
    # now: the sweeper relays what is left.
    whole = sorted({property_id for property_id, row_ids in items if row_ids is None})
    rows = sorted({row_id for _, row_ids in items if row_ids is not None for row_id in row_ids})
    for property_ids, row_ids in ((whole, None), (None, rows)):
        if not (property_ids or row_ids):
            continue
        report, refused = relay_in_session(session, property_ids, row_ids=row_ids)
        if refused is not None:
            logger.warning("ARI relay after commit failed; the sweeper will retry", extra={"error": refused})
            continue
        logger.debug("ARI relayed after commit", extra=report.as_counts())
        if property_ids and report.rows == RELAY_BATCH:  # a big write (a 24-month calendar): the rest on their own
            _relay_the_rest(property_ids)


def _relay_the_rest(property_ids: list[int]) -> None:
    try:
        while relay(property_ids).rows == RELAY_BATCH:
            pass
    except (SQLAlchemyError, BotoCoreError, ClientError, RelayFailed, OSError) as exc:
        logger.warning("ARI relay after commit failed; the sweeper will retry", extra={"error": type(exc).__name__})


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
