"""The notification outbox in SQL: add rows, claim unpublished ones, record the outcome."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from chalicelib.db.models import OutboxMessage


def add(session: Session, topic: str, payload: dict[str, Any]) -> int:
    row = OutboxMessage(topic=topic, payload=payload)
    session.add(row)
    session.flush()
    return row.id


@dataclass(frozen=True)
class ClaimedMessage:
    id: int
    topic: str
    payload: dict[str, Any]
    attempts: int
    """Attempts before this one."""


def claim_for_publishing(
    session: Session, *, ids: Iterable[int] | None, limit: int, max_attempts: int, now: datetime
) -> list[ClaimedMessage]:
    """Unpublished rows due for an attempt, locked (rows another relay holds are skipped, not waited
    for) and marked published at ``now`` with one more attempt, in one statement, oldest first.

    The relay publishes them in the same transaction and puts back any that fails
    (:func:`mark_failed`); a relay that dies before its commit leaves every row as it was.
    """
    due = select(OutboxMessage.id).where(
        OutboxMessage.published_at.is_(None),
        OutboxMessage.next_attempt_at <= func.now(),
        OutboxMessage.attempts < max_attempts,
    )
    if ids is not None:
        wanted = sorted(set(ids))
        if not wanted:
            return []
        due = due.where(OutboxMessage.id.in_(wanted))
    due = due.order_by(OutboxMessage.id).limit(limit).with_for_update(skip_locked=True)
    rows = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due.scalar_subquery()))
        .values(published_at=now, attempts=OutboxMessage.attempts + 1, last_error=None)
        .returning(OutboxMessage.id, OutboxMessage.topic, OutboxMessage.payload, OutboxMessage.attempts)
        .execution_options(synchronize_session=False)
    ).all()
    return sorted((ClaimedMessage(row[0], row[1], row[2], row[3] - 1) for row in rows), key=lambda row: row.id)


def mark_failed(session: Session, message: ClaimedMessage, error: str, now: datetime, backoff: timedelta) -> None:
    """Put a claimed row back: unpublished, its attempt counted, retried after ``backoff``."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id)
        .values(published_at=None, last_error=error[:1000], next_attempt_at=now + backoff)
        .execution_options(synchronize_session=False)
    )
