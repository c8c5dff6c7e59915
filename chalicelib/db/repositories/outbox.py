"""The notification outbox in SQL: add rows, claim unpublished ones, record the outcome."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chalicelib.db.models import OutboxMessage


def add(session: Session, topic: str, payload: dict[str, Any]) -> int:
    row = OutboxMessage(topic=topic, payload=payload)
    session.add(row)
    session.flush()
    return row.id


def claim_unpublished(
    session: Session, *, ids: Iterable[int] | None, limit: int, max_attempts: int
) -> list[OutboxMessage]:
    """Unpublished rows due for an attempt, locked; rows another relay holds are skipped, not waited for."""
    statement = select(OutboxMessage).where(
        OutboxMessage.published_at.is_(None),
        OutboxMessage.next_attempt_at <= func.now(),
        OutboxMessage.attempts < max_attempts,
    )
    if ids is not None:
        wanted = sorted(set(ids))
        if not wanted:
            return []
        statement = statement.where(OutboxMessage.id.in_(wanted))
    statement = statement.order_by(OutboxMessage.id).limit(limit).with_for_update(skip_locked=True)
    return list(session.scalars(statement))


def mark_published(row: OutboxMessage, now: datetime) -> None:
    row.published_at = now
    row.attempts += 1
    row.last_error = None


def mark_failed(row: OutboxMessage, error: str, now: datetime, backoff: timedelta) -> None:
    row.attempts += 1
    row.last_error = error[:1000]
    row.next_attempt_at = now + backoff
