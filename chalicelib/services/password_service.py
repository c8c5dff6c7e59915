"""Forgot-password, reset, change-password and invitations.

Reset links carry a single-use random token (only its SHA-256 is stored) valid for 30 minutes
(72 hours for the invitation of a new account). Forgot-password answers the same way, in about
the same time, whether or not the email belongs to an account.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from chalicelib.aws.signing_keys import signing_keyring
from chalicelib.config import get_settings
from chalicelib.db.models import PasswordResetToken, User
from chalicelib.db.repositories import sessions as session_repository
from chalicelib.db.repositories import users as user_repository
from chalicelib.db.repositories.rate_limits import record_hit
from chalicelib.db.unit_of_work import SqlUnitOfWork, unit_of_work
from chalicelib.domain import passwords
from chalicelib.domain.access import Caller
from chalicelib.domain.errors import InvalidInput, existing
from chalicelib.domain.rate_limits import (
    PASSWORD_RESET_EMAILS_PER_ACCOUNT,
    PASSWORD_RESET_PER_IP,
    REAUTHENTICATION_PER_ACCOUNT,
)
from chalicelib.domain.tokens import hash_opaque_token, new_opaque_token
from chalicelib.services import rate_limiter
from chalicelib.services.account_emails import email_after_commit, notify_security_change
from chalicelib.services.audit_service import AuditActor, record_audit
from chalicelib.services.auth_service import UNKNOWN_CLIENT, IssuedSession, start_session

RESET_TOKEN_TTL = timedelta(minutes=30)
INVITE_TOKEN_TTL = timedelta(hours=72)
# Forgot-password takes at least this long either way, so response time does not reveal
# whether an email was sent (sending through SES takes tens of milliseconds).
FORGOT_PASSWORD_MIN_SECONDS = 0.4


def validate_new_password(password: str, *, email: str, full_name: str, field: str) -> None:
    """InvalidInput naming ``field`` and every policy problem, or nothing."""
    problems = passwords.check_policy(password, email=email, full_name=full_name)
    if problems:
        reasons = "; ".join(problem.reason for problem in problems)
        raise InvalidInput(
            f"The new password is not acceptable: {reasons}.",
            details=[{"field": field, "message": problem.reason} for problem in problems],
        )


def _set_password(session: Session, user: User, new_password: str, reason: str, now: datetime) -> None:
    user.password_hash = passwords.hash_password(new_password, rounds=get_settings().bcrypt_rounds)
    user.password_changed_at = now
    session_repository.retire_reset_tokens(session, user.id, now)
    session_repository.revoke_user_sessions(session, user.id, reason, now)


def issue_password_link(
    uow: SqlUnitOfWork, user: User, *, purpose: passwords.LinkPurpose, requested_ip: str | None
) -> None:
    """Create a reset/invite token for ``user`` in ``uow`` and email the link after the commit."""
    now = datetime.now(UTC)
    session_repository.retire_reset_tokens(uow.session, user.id, now)
    token = new_opaque_token()
    ttl = INVITE_TOKEN_TTL if purpose is passwords.LinkPurpose.INVITE else RESET_TOKEN_TTL
    uow.session.add(
        PasswordResetToken(user_id=user.id, token_hash=hash_opaque_token(token), purpose=purpose, expires_at=now + ttl)
    )
    link = f"{get_settings().app_base_url}/reset-password?{urlencode({'token': token})}"
    if purpose is passwords.LinkPurpose.INVITE:
        subject = "Your PTX Channel Manager account"
        body = (
            f"Hello {user.full_name},\n\nAn account was created for you on PTX Channel Manager. "
            f"Choose your password within 72 hours:\n\n{link}\n\n"
            "If you did not expect this, ignore this email.\n"
        )
    else:
        subject = "Reset your PTX Channel Manager password"
        body = (
            f"Hello {user.full_name},\n\nSomeone (hopefully you) asked to reset your password. "
            f"This link works once, for 30 minutes:\n\n{link}\n\n"
            "If you did not ask, ignore this email; your password stays as it is.\n"
        )
    email_after_commit(uow, user, subject, body, kind=purpose)


def forgot_password(email: str, *, client_ip: str | None) -> None:
    """Email a reset link if ``email`` belongs to an active account; say nothing either way.

    Per-IP attempts are limited (429); per account, at most a few emails an hour are sent and
    further requests are silently dropped (a 429 would reveal that the account exists).
    """
    started = time.monotonic()
    rate_limiter.enforce((PASSWORD_RESET_PER_IP, client_ip or UNKNOWN_CLIENT))
    with unit_of_work() as uow:
        user = user_repository.user_by_email(uow.session, email)
        if user is not None and user.is_active:
            limit = PASSWORD_RESET_EMAILS_PER_ACCOUNT
            if record_hit(
                uow.session, limit.bucket(f"user:{user.id}"), limit=limit.limit, window_seconds=limit.window_seconds
            ).allowed:
                issue_password_link(uow, user, purpose=passwords.LinkPurpose.RESET, requested_ip=client_ip)
    remaining = FORGOT_PASSWORD_MIN_SECONDS - (time.monotonic() - started)
    if remaining > 0:
        time.sleep(remaining)


def reset_password(token: str, new_password: str, *, client_ip: str | None) -> None:
    """Set a new password with a reset (or invite) token; the token is spent, all sessions end."""
    rate_limiter.enforce((PASSWORD_RESET_PER_IP, client_ip or UNKNOWN_CLIENT))
    now = datetime.now(UTC)
    with unit_of_work() as uow:
        row = session_repository.reset_token(uow.session, hash_opaque_token(token))
        user = uow.session.get(User, row.user_id) if row is not None else None
        if row is None or user is None or row.used_at is not None or row.expires_at <= now or not user.is_active:
            raise InvalidInput(
                "The reset link is invalid or has expired; ask for a new one.",
                details=[{"field": "token", "message": "is invalid or expired"}],
            )
        validate_new_password(new_password, email=user.email, full_name=user.full_name, field="new_password")
        row.used_at = now
        _set_password(uow.session, user, new_password, "password_reset", now)
        if row.purpose is passwords.LinkPurpose.RESET:
            notify_security_change(uow, user, "Your password was reset with an emailed link; every session was ended.")
        record_audit(
            uow.session,
            AuditActor(user_id=user.id, email=user.email, client_ip=client_ip),
            "user.password_reset" if row.purpose is passwords.LinkPurpose.RESET else "user.invitation_accepted",
            "user",
            user.id,
            None,
            None,
            country_code=user.country_code,
        )


def change_password(
    caller: Caller, current_password: str, new_password: str, *, user_agent: str | None
) -> IssuedSession:
    """Change the caller's password. Every session of theirs ends; a fresh one is returned."""
    rate_limiter.enforce((REAUTHENTICATION_PER_ACCOUNT, f"user:{caller.user_id}"))
    keyring = signing_keyring()
    now = datetime.now(UTC)
    with unit_of_work() as uow:
        user = existing(uow.session.get(User, caller.user_id, with_for_update=True), "No such user.")
        if not passwords.verify_password(current_password, user.password_hash):
            raise InvalidInput(
                "The current password is not correct.",
                details=[{"field": "current_password", "message": "is not correct"}],
            )
        validate_new_password(new_password, email=user.email, full_name=user.full_name, field="new_password")
        if passwords.verify_password(new_password, user.password_hash):
            raise InvalidInput(
                "The new password must differ from the current one.",
                details=[{"field": "new_password", "message": "is the current password"}],
            )
        _set_password(uow.session, user, new_password, "password_changed", now)
        notify_security_change(uow, user, "Your password was changed; your other sessions were ended.")
        record_audit(
            uow.session, caller, "user.password_changed", "user", user.id, None, None, country_code=user.country_code
        )
        return start_session(
            uow.session,
            user,
            keyring,
            client_ip=caller.client_ip,
            user_agent=user_agent,
            active_country=caller.active_country if caller.may_switch_country else None,
        )
