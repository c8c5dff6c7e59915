"""The notification outbox in SQL: add rows, claim unpublished ones, record the outcome."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import TextClause, text, update
from sqlalchemy.orm import Session

from chalicelib.db import lean
from chalicelib.db.models import OutboxMessage
from chalicelib.db.repositories.live import hearing_sql
from chalicelib.domain.live import LIVE_TOPIC


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
    recipients: list[str] | None = None
    """A ``live`` row: the connections hearing its country, read by the claim (None: another topic)."""


def _claim_statement(of_ids: bool) -> TextClause:
    wanted = "AND id = ANY(CAST(:ids AS bigint[]))" if of_ids else ""
    recipients = hearing_sql("c.payload ->> 'country_code'")
    return text(f"""
WITH claimed AS (
  UPDATE outbox_messages AS m SET published_at = :now, attempts = m.attempts + 1, last_error = NULL
  WHERE m.id IN (
    SELECT id FROM outbox_messages
    WHERE published_at IS NULL AND next_attempt_at <= now() AND attempts < :max_attempts {wanted}
    ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED
  )
  RETURNING m.id, m.topic, m.payload, m.attempts
)
SELECT c.id, c.topic, c.payload, c.attempts - 1, CASE WHEN c.topic = :live THEN ARRAY({recipients}) END
FROM claimed AS c ORDER BY c.id
""")


CLAIM_OF_IDS = _claim_statement(True)
_CLAIM_DUE = _claim_statement(False)


def claim_for_publishing(
    session: Session, *, ids: Iterable[int] | None, limit: int, max_attempts: int, now: datetime
) -> list[ClaimedMessage]:
    """Unpublished rows due for an attempt, locked (rows another relay holds are skipped, not waited
    for) and marked published at ``now`` with one more attempt, in one statement, oldest first; a
    ``live`` row comes with its recipients (``live.hearing_sql``), read by the same statement.

    The relay publishes them in the same transaction and puts back any that fails
    (:func:`mark_failed`); a relay that dies before its commit leaves every row as it was.
    """
    params: dict[str, Any] = {"now": now, "max_attempts": max_attempts, "limit": limit, "live": LIVE_TOPIC}
    statement = _CLAIM_DUE
    if ids is not None:
        params["ids"] = sorted(set(ids))
        if not params["ids"]:
            return []
        statement = CLAIM_OF_IDS
    return [
        ClaimedMessage(row_id, topic, payload, attempts, None if recipients is None else list(recipients))
        for row_id, topic, payload, attempts, recipients in lean.fetch_all(session, statement, params)
    ]


def mark_failed(session: Session, message: ClaimedMessage, error: str, now: datetime, backoff: timedelta) -> None:
    """Put a claimed row back: unpublished, its attempt counted, retried after ``backoff``."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id)
        .values(published_at=None, last_error=error[:1000], next_attempt_at=now + backoff)
        .execution_options(synchronize_session=False)
    )
