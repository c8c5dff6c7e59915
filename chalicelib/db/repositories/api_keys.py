"""API keys in SQL: by agency for lists, by the secret's hash for authentication."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chalicelib.db.models import Agency, ApiKey, User
from chalicelib.domain.api_keys import ApiKeyRecord
from chalicelib.domain.permissions import as_permission, permission_names
from chalicelib.domain.views import view_from


def api_key_record(row: ApiKey) -> ApiKeyRecord:
    return view_from(ApiKeyRecord, row, permissions=permission_names(as_permission(row.permissions)))


def add(session: Session, row: ApiKey) -> ApiKey:
    session.add(row)
    session.flush()
    session.refresh(row)
    return row


def of_agency(session: Session, agency_id: int) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).where(ApiKey.agency_id == agency_id).order_by(ApiKey.id)))


def live_key(session: Session, secret_hash: str) -> tuple[ApiKey, User, Agency] | None:
    """The unrevoked key with this hash, its (active) creator and its agency; None otherwise."""
    row = session.execute(
        select(ApiKey, User, Agency)
        .join(User, User.id == ApiKey.created_by_user_id)
        .join(Agency, Agency.id == ApiKey.agency_id)
        .where(ApiKey.secret_hash == secret_hash, ApiKey.revoked_at.is_(None), User.is_active.is_(True))
    ).one_or_none()
    return None if row is None else (row[0], row[1], row[2])


def touch(session: Session, key_id: int, moment: datetime) -> None:
    session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=moment))
