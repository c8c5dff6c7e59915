"""Idempotency keys in SQL: claim a key for a request, or find the answer it already got."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from chalicelib.db.models import IdempotencyKey


@dataclass(frozen=True)
class Claim:
    """Either the new key row's id (go ahead), or the row of an earlier request with this key."""

    new_row_id: int | None
    earlier: IdempotencyKey | None


def claim(
    session: Session, user_id: int, key: str, operation: str, request_hash: str, *, now: datetime, expires_at: datetime
) -> Claim:
    """Claim ``key`` for this request within the current transaction.

    If another transaction holds the same key uncommitted, the insert waits for it: when it
    commits, its row is returned as ``earlier``; when it rolls back, this request claims the key.
    """
    session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.user_id == user_id, IdempotencyKey.key == key, IdempotencyKey.expires_at <= now
        )
    )
    new_id = session.scalar(
        insert(IdempotencyKey)
        .values(user_id=user_id, key=key, operation=operation, request_hash=request_hash, expires_at=expires_at)
        .on_conflict_do_nothing(index_elements=[IdempotencyKey.user_id, IdempotencyKey.key])
        .returning(IdempotencyKey.id)
    )
    if new_id is not None:
        return Claim(new_row_id=new_id, earlier=None)
    earlier = session.scalar(select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key))
    return Claim(new_row_id=None, earlier=earlier)


def complete(session: Session, row_id: int, status_code: int, response: dict[str, Any], resource_id: str) -> None:
    session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.id == row_id)
        .values(status_code=status_code, response=response, resource_id=resource_id)
    )


def purge_expired(session: Session, now: datetime) -> int:
    result = session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.expires_at <= now).returning(IdempotencyKey.id)
    )
    return len(result.all())
