"""Login, refresh rotation with reuse detection, logout, and authenticating each request.

A login creates a *session*: a row in ``auth_sessions`` that is the family of its refresh
tokens. Access tokens (15 minutes) name the session; refresh tokens (7 days, single use) are
stored hashed. Presenting a refresh token that was already used means two parties hold it (one
of them stole it): the whole session is revoked, so both lose it.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from chalicelib.aws.signing_keys import signing_keyring
from chalicelib.config import get_settings
from chalicelib.db.models import AuthSession, RefreshToken, User
from chalicelib.db.repositories import sessions as session_repository
from chalicelib.db.repositories import users as user_repository
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain import passwords
from chalicelib.domain.access import Caller, country_switch_allowed, resolve_active_country
from chalicelib.domain.errors import AuthenticationFailed, PermissionDenied
from chalicelib.domain.permissions import NO_PERMISSIONS, as_permission, requires_second_factor
from chalicelib.domain.rate_limits import LOGIN_PER_ACCOUNT, LOGIN_PER_IP, REFRESH_PER_ACCOUNT, REFRESH_PER_IP
from chalicelib.domain.tokens import (
    AccessClaims,
    InvalidToken,
    SigningKeyring,
    hash_opaque_token,
    issue_access_token,
    new_opaque_token,
    read_access_token,
    unverified_key_id,
)
from chalicelib.services import mfa_service, rate_limiter

UNKNOWN_CLIENT = "unknown"


class InvalidCredentials(AuthenticationFailed):
    code = "invalid_credentials"


class SecondFactorRequired(AuthenticationFailed):
    code = "mfa_required"


class InvalidSecondFactor(AuthenticationFailed):
    code = "invalid_mfa_code"


class InvalidRefreshToken(AuthenticationFailed):
    code = "invalid_refresh_token"


class RefreshTokenReused(AuthenticationFailed):
    code = "refresh_token_reused"


class SessionEnded(AuthenticationFailed):
    code = "session_revoked"


class CsrfCheckFailed(PermissionDenied):
    code = "csrf_failed"


@dataclass(frozen=True)
class IssuedSession:
    """Tokens handed to the client after login, refresh or a password change (never logged)."""

    user_id: int
    session_id: str
    access_token: str
    access_expires_in: int
    refresh_token: str
    refresh_expires_in: int
    csrf_token: str

    def __repr__(self) -> str:
        return f"IssuedSession(user_id={self.user_id}, session_id={self.session_id!r})"


def _now() -> datetime:
    return datetime.now(UTC)


def login(
    email: str, password: str, otp_code: str | None, *, client_ip: str | None, user_agent: str | None
) -> IssuedSession:
    """Check the password (and the second factor when the account has one) and start a session.

    Every failure looks the same to the client (``invalid_credentials``), whether the account
    exists, is disabled or the password is wrong; an unknown account still costs one bcrypt
    verification so timing does not tell either. Attempts count against the per-account and
    per-IP limits first (429 with Retry-After once exceeded).
    """
    per_minute = get_settings().login_attempts_per_minute
    rate_limiter.enforce(
        (replace(LOGIN_PER_IP, limit=per_minute), client_ip or UNKNOWN_CLIENT),
        (replace(LOGIN_PER_ACCOUNT, limit=per_minute), email),
    )
    keyring = signing_keyring()
    rounds = get_settings().bcrypt_rounds
    with unit_of_work() as uow:
        user = user_repository.user_by_email(uow.session, email)
        has_password = user is not None and user.password_hash.startswith(passwords.SCHEME_PREFIX)
        stored = user.password_hash if user is not None and has_password else passwords.dummy_hash(rounds)
        password_ok = passwords.verify_password(password, stored) and has_password
        if user is None or not password_ok or not user.is_active:
            raise InvalidCredentials("Invalid email or password.")
        totp = session_repository.totp_row(uow.session, user.id, for_update=True)
        if totp is not None and totp.confirmed_at is not None:
            if not otp_code:
                raise SecondFactorRequired("Enter the code from your authenticator app (or a recovery code).")
            if not mfa_service.verify_second_factor(uow.session, user.id, totp, otp_code, keyring):
                raise InvalidSecondFactor("The two-factor code is not valid.")
        if passwords.needs_rehash(user.password_hash, rounds=rounds):
            user.password_hash = passwords.hash_password(password, rounds=rounds)
        user.last_login_at = _now()
        return start_session(uow.session, user, keyring, client_ip=client_ip, user_agent=user_agent)


def start_session(
    session: Session,
    user: User,
    keyring: SigningKeyring,
    *,
    client_ip: str | None,
    user_agent: str | None,
    active_country: str | None = None,
) -> IssuedSession:
    """Create a session row and its first refresh token in ``session``; sign the access token."""
    settings = get_settings()
    now = _now()
    session_id = uuid.uuid4()
    csrf_token = new_opaque_token()
    auth_session = AuthSession(
        id=session_id,
        user_id=user.id,
        expires_at=now + timedelta(seconds=settings.session_max_lifetime_seconds),
        last_used_at=now,
        csrf_token_hash=hash_opaque_token(csrf_token),
        client_ip=(client_ip or "")[:45] or None,
        user_agent=(user_agent or "")[:300] or None,
        active_country=active_country,
    )
    session.add(auth_session)
    session.flush()
    refresh_token, refresh_expires_in = _add_refresh_token(session, auth_session, now)
    return IssuedSession(
        user_id=user.id,
        session_id=str(session_id),
        access_token=_access_token(keyring, user.id, str(session_id)),
        access_expires_in=settings.access_token_ttl_seconds,
        refresh_token=refresh_token,
        refresh_expires_in=refresh_expires_in,
        csrf_token=csrf_token,
    )


def _add_refresh_token(session: Session, auth_session: AuthSession, now: datetime) -> tuple[str, int]:
    ttl = timedelta(seconds=get_settings().refresh_token_ttl_seconds)
    expires_at = min(now + ttl, auth_session.expires_at)  # never beyond the session's absolute end
    token = new_opaque_token()
    session.add(RefreshToken(session_id=auth_session.id, token_hash=hash_opaque_token(token), expires_at=expires_at))
    return token, max(0, int((expires_at - now).total_seconds()))


def _access_token(keyring: SigningKeyring, user_id: int, session_id: str) -> str:
    ttl = get_settings().access_token_ttl_seconds
    return issue_access_token(keyring, user_id=user_id, session_id=session_id, now=int(time.time()), ttl_seconds=ttl)


def refresh(
    refresh_token: str, *, csrf_token: str | None, client_ip: str | None, user_agent: str | None
) -> IssuedSession:
    """Exchange a refresh token for new tokens (the old one is spent).

    ``csrf_token`` is given when the refresh token came from a cookie: it must be the session's.
    A refresh token presented a second time revokes its whole session (``refresh_token_reused``).
    """
    per_minute = get_settings().refreshes_per_minute
    rate_limiter.enforce((replace(REFRESH_PER_IP, limit=per_minute), client_ip or UNKNOWN_CLIENT))
    token_hash = hash_opaque_token(refresh_token)
    with unit_of_work() as uow:
        found = session_repository.refresh_token_with_session(uow.session, token_hash)
        user_id = found[1].user_id if found else None
    if user_id is None:
        raise InvalidRefreshToken("The refresh token is not valid; log in again.")
    rate_limiter.enforce((replace(REFRESH_PER_ACCOUNT, limit=per_minute), f"user:{user_id}"))
    keyring = signing_keyring()
    now = _now()
    reused = False
    with unit_of_work() as uow:
        found = session_repository.refresh_token_with_session(uow.session, token_hash, for_update=True)
        if found is None:
            raise InvalidRefreshToken("The refresh token is not valid; log in again.")
        token, auth_session = found
        if csrf_token is not None and hash_opaque_token(csrf_token) != auth_session.csrf_token_hash:
            raise CsrfCheckFailed("The CSRF token does not match this session.")
        if token.used_at is not None:
            # Reuse: whoever holds this family (thief or owner) loses it. Committed, then refused.
            session_repository.revoke_session(uow.session, auth_session.id, "refresh_token_reuse", now)
            reused = True
        else:
            user = uow.session.get(User, auth_session.user_id)
            if (
                auth_session.revoked_at is not None
                or auth_session.expires_at <= now
                or token.expires_at <= now
                or user is None
                or not user.is_active
            ):
                raise InvalidRefreshToken("The session has ended; log in again.")
            token.used_at = now
            auth_session.last_used_at = now
            new_csrf = new_opaque_token()
            auth_session.csrf_token_hash = hash_opaque_token(new_csrf)
            new_refresh, refresh_expires_in = _add_refresh_token(uow.session, auth_session, now)
            issued = IssuedSession(
                user_id=user.id,
                session_id=str(auth_session.id),
                access_token=_access_token(keyring, user.id, str(auth_session.id)),
                access_expires_in=get_settings().access_token_ttl_seconds,
                refresh_token=new_refresh,
                refresh_expires_in=refresh_expires_in,
                csrf_token=new_csrf,
            )
    if reused:
        raise RefreshTokenReused("This refresh token was already used; the session has been revoked. Log in again.")
    return issued


def logout(*, refresh_token: str | None, access_token: str | None, csrf_token: str | None) -> None:
    """End the session named by either token. Unknown or already-ended sessions are fine (idempotent).

    ``csrf_token`` is given when the token came from a cookie and must then match the session.
    """
    session_id: uuid.UUID | None = None
    with unit_of_work() as uow:
        if refresh_token:
            found = session_repository.refresh_token_with_session(uow.session, hash_opaque_token(refresh_token))
            if found:
                session_id = found[1].id
        if session_id is None and access_token:
            try:
                claims = _claims(access_token, allow_expired=True)
                session_id = uuid.UUID(claims.session_id)
            except (AuthenticationFailed, ValueError):
                session_id = None
        if session_id is None:
            return
        auth_session = uow.session.get(AuthSession, session_id, with_for_update=True)
        if auth_session is None:
            return
        if csrf_token is not None and hash_opaque_token(csrf_token) != auth_session.csrf_token_hash:
            raise CsrfCheckFailed("The CSRF token does not match this session.")
        session_repository.revoke_session(uow.session, session_id, "logout", _now())


def _claims(access_token: str, *, allow_expired: bool = False) -> AccessClaims:
    # A kid this container has not seen may have been added since it read the keyring (rotation):
    # signing_keyring re-reads the secret then (rate-limited) instead of refusing valid tokens.
    keyring = signing_keyring(needed_kid=unverified_key_id(access_token))
    return read_access_token(access_token, keyring, allow_expired=allow_expired)


def authenticate(
    access_token: str,
    *,
    requested_country: str | None,
    client_ip: str | None,
    request_id: str | None,
) -> Caller:
    """The :class:`Caller` behind a valid access token whose session is still live.

    Loads user, role and session fresh (one query), so a disabled account, a revoked session or
    an edited role take effect on the next request. ``requested_country`` is the
    ``X-Country`` header, validated against what the caller may see.
    """
    claims = _claims(access_token)
    try:
        session_id = uuid.UUID(claims.session_id)
    except ValueError:
        raise InvalidToken("The access token is invalid.") from None
    with unit_of_work() as uow:
        context = _live_context(uow.session, session_id, claims.user_id)
        role_permissions = as_permission(context.role.permissions)
        may_switch = country_switch_allowed(role_permissions)
        active_country = _active_country(uow.session, context, requested_country, may_switch)
        enrollment_required = requires_second_factor(role_permissions) and not context.totp_enabled
        return Caller(
            user_id=context.user.id,
            email=context.user.email,
            full_name=context.user.full_name,
            role_id=context.role.id,
            role_name=context.role.name,
            permissions=NO_PERMISSIONS if enrollment_required else role_permissions,
            home_country=context.user.country_code,
            active_country=active_country,
            may_switch_country=may_switch and not enrollment_required,
            session_id=str(session_id),
            mfa_enabled=context.totp_enabled,
            mfa_enrollment_required=enrollment_required,
            client_ip=client_ip,
            request_id=request_id,
            agency_id=context.user.agency_id,
        )


def _live_context(session: Session, session_id: uuid.UUID, user_id: int) -> user_repository.AuthContext:
    """The user, role and session behind the token, if the session is live and the user active
    (SessionEnded otherwise)."""
    context = user_repository.auth_context(session, session_id, user_id)
    if (
        context is None
        or context.auth_session.revoked_at is not None
        or context.auth_session.expires_at <= _now()
        or not context.user.is_active
    ):
        raise SessionEnded("The session has ended; log in again.")
    return context


def _active_country(
    session: Session, context: user_repository.AuthContext, requested_country: str | None, may_switch: bool
) -> str | None:
    """The country the request works in: the ``X-Country`` header, the session's choice or home."""
    session_country = context.auth_session.active_country
    needs_countries = requested_country is not None or (may_switch and session_country is not None)
    known = user_repository.active_country_codes(session) if needs_countries else []
    return resolve_active_country(
        requested=requested_country,
        session_country=session_country,
        home_country=context.user.country_code,
        may_switch=may_switch,
        known_countries=known,
    )


def select_country(caller: Caller, country_code: str | None) -> None:
    """Remember the country a switcher works in for this session (None: all countries).

    Staff may only "select" their own country. An unknown or inactive country is refused.
    """
    with unit_of_work() as uow:
        resolve_active_country(
            requested=country_code,
            session_country=None,
            home_country=caller.home_country,
            may_switch=caller.may_switch_country,
            known_countries=user_repository.active_country_codes(uow.session),
        )
        auth_session = uow.session.get(AuthSession, uuid.UUID(caller.session_id), with_for_update=True)
        if auth_session is None:
            raise SessionEnded("The session has ended; log in again.")
        auth_session.active_country = country_code.upper() if country_code and caller.may_switch_country else None
