"""Two-factor authentication: TOTP enrollment, verification at login, recovery codes.

Optional for everyone; required by policy for administrators (roles holding USERS_WRITE,
ROLES_WRITE or SETTINGS_WRITE — see ``chalicelib.domain.permissions.requires_second_factor``):
until they enroll, their sessions carry no permissions. Secrets are sealed with AES-GCM under a
key derived from the JWT keyring (the row remembers which kid); a secret sealed under an older
kid is re-sealed under the current one the next time it is used, so retire a kid only after a
rotation period has passed (or after resetting 2FA for users who have not logged in since).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from chalicelib.aws.signing_keys import signing_keyring
from chalicelib.db.models import Role, User, UserTotp
from chalicelib.db.repositories import sessions as session_repository
from chalicelib.db.repositories import users as user_repository
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain import passwords, sealing, totp
from chalicelib.domain.access import Caller
from chalicelib.domain.errors import Conflict, InvalidInput, PermissionDenied, existing
from chalicelib.domain.permissions import may_administer, requires_second_factor
from chalicelib.domain.rate_limits import REAUTHENTICATION_PER_ACCOUNT
from chalicelib.domain.tokens import SigningKeyring
from chalicelib.observability import logger
from chalicelib.services import rate_limiter
from chalicelib.services.account_emails import notify_security_change
from chalicelib.services.audit_service import record_audit

ISSUER = "PTX Channel Manager"
_PURPOSE = "totp-secret"


@dataclass(frozen=True)
class TotpEnrollment:
    secret: str
    otpauth_uri: str

    def __repr__(self) -> str:
        return "TotpEnrollment(***)"


def _associated_data(user_id: int) -> bytes:
    return f"user_totp:{user_id}".encode()


def _seal(secret: str, user_id: int, keyring: SigningKeyring) -> tuple[bytes, str]:
    key = sealing.derive_key(keyring.current_key, _PURPOSE)
    return sealing.seal(secret.encode("ascii"), key, _associated_data(user_id)), keyring.current_kid


def _unseal(row: UserTotp, keyring: SigningKeyring) -> str | None:
    master = keyring.keys.get(row.key_id)
    if master is None:
        logger.error("TOTP secret sealed under a retired key", extra={"user_id": row.user_id, "kid": row.key_id})
        return None
    try:
        return sealing.unseal(
            row.secret_sealed, sealing.derive_key(master, _PURPOSE), _associated_data(row.user_id)
        ).decode("ascii")
    except sealing.SealError:
        logger.error("TOTP secret does not open", extra={"user_id": row.user_id})
        return None


def verify_second_factor(session: Session, user_id: int, row: UserTotp, code: str, keyring: SigningKeyring) -> bool:
    """Accept a current TOTP code (not replayed) or an unused recovery code, and spend it."""
    if totp.looks_like_totp(code):
        secret = _unseal(row, keyring)
        if secret is None:
            return False
        step = totp.verify(secret, code, unix_time=time.time(), last_used_step=row.last_used_step)
        if step is None:
            return False
        row.last_used_step = step
        if row.key_id != keyring.current_kid:
            row.secret_sealed, row.key_id = _seal(secret, user_id, keyring)
        return True
    recovery = session_repository.unused_recovery_code(session, user_id, totp.hash_recovery_code(code))
    if recovery is None:
        return False
    recovery.used_at = datetime.now(UTC)
    return True


def _limit_reauthentication(caller: Caller) -> None:
    rate_limiter.enforce((REAUTHENTICATION_PER_ACCOUNT, f"user:{caller.user_id}"))


def _reauthenticate(session: Session, caller: Caller, password: str) -> User:
    user = existing(session.get(User, caller.user_id), "No such user.")
    if not passwords.verify_password(password, user.password_hash):
        raise InvalidInput("The password is not correct.", details=[{"field": "password", "message": "is not correct"}])
    return user


def begin_enrollment(caller: Caller, password: str) -> TotpEnrollment:
    """Create a new (unconfirmed) TOTP secret for the caller, after re-checking their password."""
    _limit_reauthentication(caller)
    keyring = signing_keyring()
    with unit_of_work() as uow:
        user = _reauthenticate(uow.session, caller, password)
        row = session_repository.totp_row(uow.session, user.id, for_update=True)
        if row is not None and row.confirmed_at is not None:
            raise Conflict("Two-factor authentication is already on; disable it first to enroll a new device.")
        secret = totp.generate_secret()
        sealed, kid = _seal(secret, user.id, keyring)
        if row is None:
            uow.session.add(UserTotp(user_id=user.id, secret_sealed=sealed, key_id=kid))
        else:
            row.secret_sealed, row.key_id, row.last_used_step = sealed, kid, None
        return TotpEnrollment(
            secret=secret, otpauth_uri=totp.provisioning_uri(secret, account=user.email, issuer=ISSUER)
        )


def confirm_enrollment(caller: Caller, code: str) -> list[str]:
    """Turn TOTP on once the app's first code checks out; returns fresh recovery codes (shown once).

    Other sessions of the user end: they were opened with the password alone.
    """
    _limit_reauthentication(caller)
    keyring = signing_keyring()
    with unit_of_work() as uow:
        row = session_repository.totp_row(uow.session, caller.user_id, for_update=True)
        if row is None:
            raise Conflict("Start with POST /auth/2fa/setup.")
        if row.confirmed_at is not None:
            raise Conflict("Two-factor authentication is already on.")
        secret = _unseal(row, keyring)
        step = totp.verify(secret, code, unix_time=time.time(), last_used_step=None) if secret else None
        if step is None:
            raise InvalidInput("The code is not valid.", details=[{"field": "code", "message": "is not valid"}])
        now = datetime.now(UTC)
        row.confirmed_at, row.last_used_step = now, step
        codes = totp.generate_recovery_codes()
        session_repository.replace_recovery_codes(
            uow.session, caller.user_id, [totp.hash_recovery_code(c) for c in codes]
        )
        session_repository.revoke_user_sessions(
            uow.session, caller.user_id, "mfa_enabled", now, keep=uuid.UUID(caller.session_id)
        )
        user = uow.session.get(User, caller.user_id)
        if user is not None:
            notify_security_change(uow, user, "Two-factor authentication was turned on for your account.")
        record_audit(
            uow.session,
            caller,
            "user.mfa_enabled",
            "user",
            caller.user_id,
            {"mfa_enabled": False},
            {"mfa_enabled": True},
            country_code=caller.home_country,
        )
        return codes


def _check_code(session: Session, caller: Caller, code: str, keyring: SigningKeyring) -> UserTotp:
    row = session_repository.totp_row(session, caller.user_id, for_update=True)
    if row is None or row.confirmed_at is None:
        raise Conflict("Two-factor authentication is not on.")
    if not verify_second_factor(session, caller.user_id, row, code, keyring):
        raise InvalidInput("The code is not valid.", details=[{"field": "code", "message": "is not valid"}])
    return row


def disable(caller: Caller, password: str, code: str) -> None:
    """Turn TOTP off (password and a current code required) unless policy requires it for the role."""
    _limit_reauthentication(caller)
    keyring = signing_keyring()
    with unit_of_work() as uow:
        user = _reauthenticate(uow.session, caller, password)
        role = uow.session.get(Role, user.role_id)
        if role is not None and requires_second_factor(role.permissions):
            raise Conflict("Your role requires two-factor authentication; it cannot be turned off.")
        _check_code(uow.session, caller, code, keyring)
        session_repository.remove_second_factor(uow.session, user.id)
        notify_security_change(uow, user, "Two-factor authentication was turned off for your account.")
        record_audit(
            uow.session,
            caller,
            "user.mfa_disabled",
            "user",
            user.id,
            {"mfa_enabled": True},
            {"mfa_enabled": False},
            country_code=user.country_code,
        )


def regenerate_recovery_codes(caller: Caller, password: str, code: str) -> list[str]:
    """Replace the caller's recovery codes (the old ones stop working); shown once."""
    _limit_reauthentication(caller)
    keyring = signing_keyring()
    with unit_of_work() as uow:
        user = _reauthenticate(uow.session, caller, password)
        _check_code(uow.session, caller, code, keyring)
        codes = totp.generate_recovery_codes()
        session_repository.replace_recovery_codes(uow.session, user.id, [totp.hash_recovery_code(c) for c in codes])
        notify_security_change(uow, user, "New two-factor recovery codes were generated; the old ones no longer work.")
        record_audit(
            uow.session,
            caller,
            "user.mfa_recovery_codes_regenerated",
            "user",
            user.id,
            None,
            None,
            country_code=user.country_code,
        )
        return codes


def reseal_under_current_key(*, batch: int = 500) -> dict[str, int]:
    """Re-seal TOTP secrets sealed under an older kid with the current one (hourly housekeeping).

    After a rotation, a secret is otherwise re-sealed only when its user next logs in; this moves
    every secret whose kid is still in the keyring, so the old kid can be retired a day after a
    rotation without locking out anyone. A kid already gone is reported, never guessed at.
    """
    keyring = signing_keyring()
    resealed = unopenable = 0
    with unit_of_work() as uow:
        for row in session_repository.totp_rows_not_under(uow.session, keyring.current_kid, limit=batch):
            secret = _unseal(row, keyring)
            if secret is None:
                unopenable += 1
                continue
            row.secret_sealed, row.key_id = _seal(secret, row.user_id, keyring)
            resealed += 1
    return {"totp_resealed": resealed, "totp_unopenable": unopenable}


def remaining_recovery_codes(caller: Caller) -> int:
    with unit_of_work() as uow:
        return session_repository.remaining_recovery_codes(uow.session, caller.user_id)


def reset_for_user(caller: Caller, user_id: int) -> None:
    """An administrator removes a user's second factor (lost device); their sessions end.

    The user must enroll again at next login if their role requires it. Not for one's own
    account: that would remove a second factor with no re-authentication at all (a stolen
    session could drop it); use ``POST /auth/2fa/disable`` (password and code) or ask another
    administrator.
    """
    if user_id == caller.user_id:
        raise Conflict(
            "You cannot reset your own second factor: use POST /auth/2fa/disable with your password "
            "and a code, or ask another administrator.",
            details=[{"field": "user_id", "message": "is your own account"}],
        )
    with unit_of_work() as uow:
        user = existing(
            user_repository.scoped_user(uow.session, user_id, caller.scope, for_update=True), "No such user."
        )
        role = uow.session.get(Role, user.role_id)
        if role is None or not may_administer(caller.permissions, role.permissions):
            raise PermissionDenied("You may not administer this account.")
        had = session_repository.remove_second_factor(uow.session, user.id)
        session_repository.revoke_user_sessions(uow.session, user.id, "mfa_reset", datetime.now(UTC))
        notify_security_change(uow, user, "An administrator removed the two-factor authentication of your account.")
        record_audit(
            uow.session,
            caller,
            "user.mfa_reset",
            "user",
            user.id,
            {"mfa_enabled": had},
            {"mfa_enabled": False},
            country_code=user.country_code,
        )
