"""The transactional outbox of notifications: write in the business transaction, publish after it commits.

A service that must notify (an alert was raised) calls :func:`publish_after_commit` with its unit
of work: the row is written in the same transaction (no dual write), and once that transaction
commits the same invocation relays its own rows (:func:`relay_in_session`, in the one after-commit
transaction it shares with the ARI outbox relay), so a notification leaves within milliseconds. A
crash between the commit and the relay leaves the row unpublished; the housekeeping schedule's
:func:`sweep` relays it. Delivery is therefore at least once.

Each topic has a publisher (:data:`PUBLISHERS`); a topic without one waits (the sync engine will
add ``ota_ack`` and friends). Failures are retried with exponential backoff up to
:data:`MAX_ATTEMPTS` times; ``last_error`` says why (never a secret: exception class and code).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from chalicelib.aws.notifications import NotificationFailed, publish_alert
from chalicelib.db.repositories import outbox as outbox_repository
from chalicelib.db.repositories.outbox import ClaimedMessage
from chalicelib.db.unit_of_work import SqlUnitOfWork, unit_of_work, unit_of_work_of
from chalicelib.domain.live import LIVE_TOPIC
from chalicelib.observability import logger
from chalicelib.services.live_service import fan_out_in_session

ALERTS_TOPIC = "alerts"

Publisher = Callable[[Session, ClaimedMessage], str]
"""Publishes one claimed row; gets the relay's session (reads it needs go there, not to a second connection)."""


def _publish_alert(_session: Session, message: ClaimedMessage) -> str:
    return publish_alert(message.payload)


def _publish_live(session: Session, message: ClaimedMessage) -> str:
    return fan_out_in_session(session, message.payload, recipients=message.recipients)


PUBLISHERS: dict[str, Publisher] = {ALERTS_TOPIC: _publish_alert, LIVE_TOPIC: _publish_live}

MAX_ATTEMPTS = 12
BATCH = 100


def publish_after_commit(uow: SqlUnitOfWork, topic: str, payload: dict[str, Any]) -> int:
    """Write an outbox row in ``uow``'s transaction and relay it right after that commits; its id."""
    message_id = outbox_repository.add(uow.session, topic, payload)
    uow.after_commit_together("outbox.relay", message_id, _relay_quietly)
    return message_id


def relay_after_commit(session: Session, message_id: int) -> None:
    """Relay the row ``message_id``, written in ``session`` by other means than :func:`publish_in_session`,
    once its unit of work commits (without one, the sweeper relays it)."""
    uow = unit_of_work_of(session)
    if uow is not None:
        uow.after_commit_together("outbox.relay", message_id, _relay_quietly)


def publish_in_session(session: Session, topic: str, payload: dict[str, Any]) -> int:
    """:func:`publish_after_commit` for code that holds the session (a session opened outside a
    unit of work gets its row relayed by the sweeper)."""
    uow = unit_of_work_of(session)
    if uow is not None:
        return publish_after_commit(uow, topic, payload)
    return outbox_repository.add(session, topic, payload)


def _relay_quietly(session: Session, ids: list[int]) -> None:
    # In the one after-commit transaction (SqlUnitOfWork.after_commit_together), which logs its
    # database errors: a publisher's failure puts its row back, the sweeper relays it later.
    relay_in_session(session, ids)


@dataclass(frozen=True)
class RelayReport:
    published: int
    failed: int


def relay(ids: Iterable[int] | None = None, *, now: datetime | None = None, limit: int = BATCH) -> RelayReport:
    """Publish unpublished, due rows (only ``ids`` if given) in one transaction; rows another relay holds
    are skipped."""
    with unit_of_work() as uow:
        return relay_in_session(uow.session, ids, now=now, limit=limit)


def relay_in_session(
    session: Session, ids: Iterable[int] | None = None, *, now: datetime | None = None, limit: int = BATCH
) -> RelayReport:
    """:func:`relay` in the caller's transaction.

    One statement claims the rows and marks them published (a ``live`` row's recipients read with
    it); a row whose publisher fails is put back for a later attempt, in the same transaction.
    """
    published = failed = 0
    moment = now or datetime.now(UTC)
    rows = outbox_repository.claim_for_publishing(session, ids=ids, limit=limit, max_attempts=MAX_ATTEMPTS, now=moment)
    for row in rows:
        publisher = PUBLISHERS.get(row.topic)
        if publisher is None:
            error = f"no publisher for topic {row.topic!r}"
        else:
            try:
                publisher(session, row)
            except NotificationFailed as exc:
                error = str(exc)
                logger.warning("outbox publish failed", extra={"outbox_id": row.id, "topic": row.topic, "error": error})
            else:
                published += 1
                continue
        outbox_repository.mark_failed(session, row, error, now or datetime.now(UTC), _backoff(row.attempts))
        failed += 1
    return RelayReport(published=published, failed=failed)


def sweep(now: datetime | None = None) -> dict[str, int]:
    """The housekeeping task: relay what earlier invocations left unpublished."""
    total_published = total_failed = 0
    while True:
        report = relay(None, now=now)
        total_published += report.published
        total_failed += report.failed
        if report.published + report.failed < BATCH or report.published == 0:
            break
    return {"outbox_published": total_published, "outbox_failed": total_failed}


def _backoff(attempts_so_far: int) -> timedelta:
    return timedelta(seconds=min(3600, 5 * 2**attempts_so_far))
