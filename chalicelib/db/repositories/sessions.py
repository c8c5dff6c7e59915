"""Login sessions (refresh-token families), refresh tokens, password-reset tokens, TOTP rows."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from chalicelib.db.models import AuthSession, PasswordResetToken, RecoveryCode, RefreshToken, UserTotp
from chalicelib.db.scoping import fetch_one


def refresh_token_with_session(
    session: Session, token_hash: str, *, for_update: bool = False
) -> tuple[RefreshToken, AuthSession] | None:
    statement = (
        select(RefreshToken, AuthSession)
        .join(AuthSession, AuthSession.id == RefreshToken.session_id)
        .where(RefreshToken.token_hash == token_hash)
    )
    if for_update:
        # Two refreshes racing with one token serialise here; the second sees it used.
        statement = statement.with_for_update()
    row = session.execute(statement).one_or_none()
    return (row[0], row[1]) if row else None


def revoke_session(session: Session, session_id: uuid.UUID, reason: str, now: datetime) -> None:
    session.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )


def revoke_user_sessions(
    session: Session, user_id: int, reason: str, now: datetime, *, keep: uuid.UUID | None = None
) -> int:
    statement = (
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )
    if keep is not None:
        statement = statement.where(AuthSession.id != keep)
    result = session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)


def reset_token(session: Session, token_hash: str) -> PasswordResetToken | None:
    return session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == token_hash).with_for_update()
    )


def retire_reset_tokens(session: Session, user_id: int, now: datetime) -> None:
    """Outstanding links stop working: only the newest (or none, after a reset) is valid."""
    session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user_id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )


def totp_row(session: Session, user_id: int, *, for_update: bool = False) -> UserTotp | None:
    return fetch_one(session, select(UserTotp).where(UserTotp.user_id == user_id), for_update=for_update)


def totp_rows_not_under(session: Session, key_id: str, *, limit: int) -> list[UserTotp]:
    """TOTP rows sealed under another kid than ``key_id``, locked (skipping rows in use)."""
    statement = (
        select(UserTotp)
        .where(UserTotp.key_id != key_id)
        .order_by(UserTotp.user_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(statement))


def unused_recovery_code(session: Session, user_id: int, code_hash: str) -> RecoveryCode | None:
    return session.scalar(
        select(RecoveryCode)
        .where(RecoveryCode.user_id == user_id, RecoveryCode.code_hash == code_hash, RecoveryCode.used_at.is_(None))
        .with_for_update()
    )


def replace_recovery_codes(session: Session, user_id: int, code_hashes: list[str]) -> None:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    session.add_all(RecoveryCode(user_id=user_id, code_hash=code_hash) for code_hash in code_hashes)


def remove_second_factor(session: Session, user_id: int) -> bool:
    removed = session.execute(delete(UserTotp).where(UserTotp.user_id == user_id))
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    return bool(getattr(removed, "rowcount", 0))


def remaining_recovery_codes(session: Session, user_id: int) -> int:
    from sqlalchemy import func

    return int(
        session.scalar(
            select(func.count(RecoveryCode.id)).where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def purge_expired(session: Session, now: datetime) -> dict[str, int]:
    """Delete what can no longer be used: ended sessions (a day after they ended) and old tokens."""
    grace = timedelta(days=1)
    sessions = session.execute(
        delete(AuthSession).where(or_(AuthSession.expires_at < now - grace, AuthSession.revoked_at < now - grace))
    )
    tokens = session.execute(delete(RefreshToken).where(RefreshToken.expires_at < now - grace))
    resets = session.execute(delete(PasswordResetToken).where(PasswordResetToken.expires_at < now - grace))
    return {
        "sessions": int(getattr(sessions, "rowcount", 0) or 0),
        "refresh_tokens": int(getattr(tokens, "rowcount", 0) or 0),
        "reset_tokens": int(getattr(resets, "rowcount", 0) or 0),
    }
