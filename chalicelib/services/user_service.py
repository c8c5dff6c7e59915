"""Staff accounts: the caller's own profile, and scoped CRUD with role and country assignment.

Rules (``chalicelib.domain.permissions``): nobody assigns a role holding bits they lack, and
administrators (accounts with USERS_WRITE, ROLES_WRITE or SETTINGS_WRITE) are administered only
by holders of ROLES_WRITE. Users outside the caller's country scope do not exist for them (404).
Every change writes an audit row in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from chalicelib.config import get_settings
from chalicelib.db.models import Agency, Country, Role, User
from chalicelib.db.repositories import sessions as session_repository
from chalicelib.db.repositories import users as user_repository
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.db.writing import inserted
from chalicelib.domain import passwords
from chalicelib.domain.access import Caller
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied, existing
from chalicelib.domain.languages import Language
from chalicelib.domain.permissions import (
    SUPER_ADMIN_ROLE,
    Permission,
    has,
    may_administer,
    may_grant,
    permission_names,
    requires_second_factor,
)
from chalicelib.domain.views import view_from
from chalicelib.services import password_service
from chalicelib.services.audit_service import AuditActor, audit_snapshot, record_audit

USER_AUDIT_FIELDS = ("email", "full_name", "role_id", "country_code", "agency_id", "is_active")


@dataclass(frozen=True)
class UserRecord:
    id: int
    email: str
    full_name: str
    role_id: int
    role_name: str
    country_code: str | None
    agency_id: int | None
    is_active: bool
    mfa_enabled: bool
    language: Language
    last_login_at: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Profile:
    user: UserRecord
    permissions: list[str]
    active_country: str | None
    may_switch_country: bool
    visible_countries: list[str]
    mfa_required: bool
    mfa_enrollment_required: bool
    recovery_codes_left: int
    agency_name: str | None = None


def user_record(session: Session, user: User, role: Role, mfa_enabled: bool | None = None) -> UserRecord:
    return view_from(
        UserRecord,
        user,
        role_id=role.id,
        role_name=role.name,
        mfa_enabled=user_repository.totp_enabled(session, user.id) if mfa_enabled is None else mfa_enabled,
    )


def profile(caller: Caller) -> Profile:
    """``GET /me``: who the caller is, what they may do, and which countries they see."""
    with unit_of_work() as uow:
        user = uow.session.get(User, caller.user_id)
        role = uow.session.get(Role, caller.role_id)
        if user is None or role is None:
            raise NotFound("No such user.")
        codes = caller.scope.sorted_codes()
        visible = user_repository.active_country_codes(uow.session) if codes is None else codes
        return Profile(
            user=user_record(uow.session, user, role),
            permissions=caller.permission_names,
            active_country=caller.active_country,
            may_switch_country=caller.may_switch_country,
            visible_countries=visible,
            mfa_required=requires_second_factor(role.permissions),
            mfa_enrollment_required=caller.mfa_enrollment_required,
            recovery_codes_left=session_repository.remaining_recovery_codes(uow.session, user.id),
            agency_name=_agency_name(uow.session, user.agency_id),
        )


def _agency_name(session: Session, agency_id: int | None) -> str | None:
    """An agency's account: the name its dashboard shows as the portal's title."""
    agency = None if agency_id is None else session.get(Agency, agency_id)
    return None if agency is None else agency.name


def set_language(caller: Caller, language: Language) -> Profile:
    """``PATCH /me``: the dashboard language of the caller's own account (audited); the updated profile."""
    with unit_of_work() as uow:
        user = existing(uow.session.get(User, caller.user_id, with_for_update=True), "No such user.")
        if user.language != language:
            before = audit_snapshot(user, ("language",))
            user.language = language
            uow.session.flush()
            record_audit(
                uow.session,
                caller,
                "user.language_changed",
                "user",
                user.id,
                before,
                audit_snapshot(user, ("language",)),
                country_code=user.country_code,
            )
    return profile(caller)


def list_users(
    caller: Caller, filters: user_repository.UserFilters, *, offset: int, limit: int
) -> tuple[list[UserRecord], int]:
    """Users in the caller's country scope matching ``filters``, one page."""
    with unit_of_work() as uow:
        rows, total = user_repository.list_users(uow.session, caller.scope, filters, offset=offset, limit=limit)
        return [user_record(uow.session, user, role, mfa) for user, role, mfa in rows], total


def get_user(caller: Caller, user_id: int) -> UserRecord:
    """One user in the caller's scope (NotFound otherwise)."""
    with unit_of_work() as uow:
        user = _scoped_user(uow.session, caller, user_id)
        role = _role(uow.session, user.role_id)
        return user_record(uow.session, user, role)


def _scoped_user(session: Session, caller: Caller, user_id: int, *, for_update: bool = False) -> User:
    return existing(user_repository.scoped_user(session, user_id, caller.scope, for_update=for_update), "No such user.")


def _role(session: Session, role_id: int) -> Role:
    return existing(user_repository.role_by_id(session, role_id), "No such role.")


def _assignable_role(session: Session, caller: Caller, role_id: int) -> Role:
    role = user_repository.role_by_id(session, role_id)
    if role is None:
        raise InvalidInput("No such role.", details=[{"field": "role_id", "message": "no such role"}])
    if not may_grant(caller.permissions, role.permissions):
        raise PermissionDenied(
            "You may not assign a role with permissions you do not hold.",
            details=[{"missing_permissions": permission_names(role.permissions & ~caller.permissions)}],
        )
    # Giving someone a role makes them an account of that role: an administrator's role
    # (USERS_WRITE, ROLES_WRITE or SETTINGS_WRITE) is handed out only by holders of ROLES_WRITE.
    if not may_administer(caller.permissions, role.permissions):
        raise PermissionDenied(
            "Only a holder of ROLES_WRITE may assign an administrator's role.",
            details=[{"field": "role_id", "missing_permissions": ["ROLES_WRITE"]}],
        )
    return role


def _check_country(session: Session, caller: Caller, country_code: str | None, role: Role) -> str | None:
    field = "country_code"
    if country_code is None:
        if not has(role.permissions, Permission.COUNTRY_SWITCH):
            raise InvalidInput(
                f"A {role.name} works in one country: give country_code.",
                details=[{"field": field, "message": "required for roles that cannot switch country"}],
            )
        if not caller.scope.is_everywhere:
            raise InvalidInput(
                "Only a caller who sees every country may create an account without a country.",
                details=[{"field": field, "message": "outside your country scope"}],
            )
        return None
    code = country_code.upper()
    country = session.get(Country, code)
    if country is None or not country.is_active:
        raise InvalidInput("No such country.", details=[{"field": field, "message": "unknown or inactive country"}])
    if not caller.scope.includes(code):
        raise InvalidInput(
            "That country is outside your country scope.",
            details=[{"field": field, "message": "outside your country scope"}],
        )
    return code


def _administered(session: Session, caller: Caller, user: User) -> Role:
    role = _role(session, user.role_id)
    if not may_administer(caller.permissions, role.permissions):
        raise PermissionDenied("Only a Super Admin may administer this account.")
    return role


@dataclass(frozen=True)
class NewUser:
    email: str
    full_name: str
    role_id: int
    country_code: str | None
    password: str | None
    agency_id: int | None = None  # an agency's account (chalicelib.services.agency_user_service)

    def __repr__(self) -> str:
        return f"NewUser(email={self.email!r}, role_id={self.role_id})"


def create_user(caller: Caller, new: NewUser) -> UserRecord:
    """Create a staff account. Without ``password`` the user gets an invitation email to choose one."""
    with unit_of_work() as uow:
        session = uow.session
        if user_repository.email_taken(session, new.email):
            raise Conflict(
                "An account with this email already exists.",
                details=[{"field": "email", "message": "already used"}],
            )
        role = _assignable_role(session, caller, new.role_id)
        country = _check_country(session, caller, new.country_code, role)
        if new.password is not None:
            password_service.validate_new_password(
                new.password, email=new.email, full_name=new.full_name, field="password"
            )
            password_hash = passwords.hash_password(new.password, rounds=get_settings().bcrypt_rounds)
        else:
            password_hash = passwords.unusable_hash()
        user = _insert_user(
            session, caller, new.email.strip(), new.full_name.strip(), password_hash, role.id, country, new.agency_id
        )
        if new.password is None:
            password_service.issue_password_link(
                uow, user, purpose=passwords.LinkPurpose.INVITE, requested_ip=caller.client_ip
            )
        return user_record(session, user, role)


def update_user(caller: Caller, user_id: int, changes: dict[str, Any]) -> UserRecord:
    """Change email, name, role or country of a user in scope (only the keys given)."""
    with unit_of_work() as uow:
        session = uow.session
        user = _scoped_user(session, caller, user_id, for_update=True)
        role = _administered(session, caller, user)
        before = audit_snapshot(user, USER_AUDIT_FIELDS)
        if "email" in changes and changes["email"].strip().lower() != user.email.lower():
            if user_repository.email_taken(session, changes["email"], except_user_id=user.id):
                raise Conflict(
                    "An account with this email already exists.",
                    details=[{"field": "email", "message": "already used"}],
                )
            user.email = changes["email"].strip()
        if "full_name" in changes:
            user.full_name = changes["full_name"].strip()
        if "role_id" in changes and changes["role_id"] != user.role_id:
            if user.id == caller.user_id:
                raise Conflict("You cannot change your own role.")
            role = _assignable_role(session, caller, changes["role_id"])
            user.role_id = role.id
        if "country_code" in changes or "role_id" in changes:
            wanted = changes.get("country_code", user.country_code)
            user.country_code = _check_country(session, caller, wanted, role)
        after = audit_snapshot(user, USER_AUDIT_FIELDS)
        if after != before:
            session.flush()
            record_audit(
                session, caller, "user.updated", "user", user.id, before, after, country_code=user.country_code
            )
        return user_record(session, user, role)


def set_active(caller: Caller, user_id: int, active: bool) -> UserRecord:
    """Enable or disable an account; disabling ends every session of it at once."""
    with unit_of_work() as uow:
        session = uow.session
        user = _scoped_user(session, caller, user_id, for_update=True)
        role = _administered(session, caller, user)
        if user.id == caller.user_id and not active:
            raise Conflict("You cannot disable your own account.")
        before = audit_snapshot(user, USER_AUDIT_FIELDS)
        if user.is_active != active:
            user.is_active = active
            if not active:
                session_repository.revoke_user_sessions(session, user.id, "user_disabled", datetime.now(UTC))
            session.flush()
            record_audit(
                session,
                caller,
                "user.enabled" if active else "user.disabled",
                "user",
                user.id,
                before,
                audit_snapshot(user, USER_AUDIT_FIELDS),
                country_code=user.country_code,
            )
        return user_record(session, user, role)


def delete_user(caller: Caller, user_id: int) -> None:
    """Delete an account (its sessions, tokens and 2FA go with it; audit rows keep its email)."""
    with unit_of_work() as uow:
        session = uow.session
        user = _scoped_user(session, caller, user_id, for_update=True)
        _administered(session, caller, user)
        if user.id == caller.user_id:
            raise Conflict("You cannot delete your own account.")
        before = audit_snapshot(user, USER_AUDIT_FIELDS)
        record_audit(session, caller, "user.deleted", "user", user.id, before, None, country_code=user.country_code)
        session.delete(user)


def create_superadmin(email: str, full_name: str, password: str) -> int:
    """The bootstrap account (``make superadmin``): Super Admin role, every country. Returns its id."""
    email = email.strip()
    if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        raise InvalidInput("That is not an email address.", details=[{"field": "email", "message": "not an email"}])
    with unit_of_work() as uow:
        session = uow.session
        if user_repository.email_taken(session, email):
            raise Conflict("An account with this email already exists.")
        role = existing(
            user_repository.role_by_name(session, SUPER_ADMIN_ROLE),
            "The Super Admin role is missing: run the migrations first (make migrate).",
        )
        password_service.validate_new_password(password, email=email, full_name=full_name, field="password")
        password_hash = passwords.hash_password(password, rounds=get_settings().bcrypt_rounds)
        actor = AuditActor(user_id=None, email="cli:create_superadmin")
        user = _insert_user(session, actor, email, full_name.strip() or SUPER_ADMIN_ROLE, password_hash, role.id, None)
        return user.id


def _insert_user(
    session: Session,
    actor: Caller | AuditActor,
    email: str,
    full_name: str,
    password_hash: str,
    role_id: int,
    country_code: str | None,
    agency_id: int | None = None,
) -> User:
    """Insert an active user and its ``user.created`` audit row."""
    user = User(
        email=email,
        full_name=full_name,
        password_hash=password_hash,
        role_id=role_id,
        country_code=country_code,
        agency_id=agency_id,
        is_active=True,
    )
    inserted(session, user)
    record_audit(
        session,
        actor,
        "user.created",
        "user",
        user.id,
        None,
        audit_snapshot(user, USER_AUDIT_FIELDS),
        country_code=user.country_code,
    )
    return user
