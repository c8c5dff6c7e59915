"""Users, roles and countries: lookups for authentication and scoped queries for the API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from chalicelib.db.filtering import containing
from chalicelib.db.models import AuthSession, Country, Role, User, UserTotp
from chalicelib.db.pagination import paginate
from chalicelib.db.scoping import fetch_one, scoped, scoped_row
from chalicelib.domain.access import CountryScope


def user_by_email(session: Session, email: str, *, for_update: bool = False) -> User | None:
    return fetch_one(
        session, select(User).where(func.lower(User.email) == email.strip().lower()), for_update=for_update
    )


def email_taken(session: Session, email: str, *, except_user_id: int | None = None) -> bool:
    statement = select(User.id).where(func.lower(User.email) == email.strip().lower())
    if except_user_id is not None:
        statement = statement.where(User.id != except_user_id)
    return session.scalar(statement) is not None


def scoped_user(session: Session, user_id: int, scope: CountryScope, *, for_update: bool = False) -> User | None:
    """The user if it exists and its country is within ``scope``; otherwise None (→ 404)."""
    return scoped_row(session, User, user_id, scope, for_update=for_update)


@dataclass(frozen=True)
class UserFilters:
    search: str | None = None
    role_id: int | None = None
    country_code: str | None = None
    is_active: bool | None = None


def list_users(
    session: Session, scope: CountryScope, filters: UserFilters, *, offset: int, limit: int
) -> tuple[list[tuple[User, Role, bool]], int]:
    """One page of users in ``scope``, each with its role and whether 2FA is on."""
    statement = scoped(
        select(User, Role, UserTotp.confirmed_at.is_not(None))
        .join(Role, Role.id == User.role_id)
        .outerjoin(UserTotp, UserTotp.user_id == User.id),
        User.country_code,
        scope,
    )
    if filters.search:
        pattern = containing(filters.search)
        statement = statement.where(or_(User.email.ilike(pattern), User.full_name.ilike(pattern)))
    if filters.role_id is not None:
        statement = statement.where(User.role_id == filters.role_id)
    if filters.country_code is not None:
        statement = statement.where(User.country_code == filters.country_code)
    if filters.is_active is not None:
        statement = statement.where(User.is_active == filters.is_active)
    rows, total = paginate(session, statement.order_by(User.id), offset=offset, limit=limit)
    return [(row[0], row[1], bool(row[2])) for row in rows], total


def totp_enabled(session: Session, user_id: int) -> bool:
    confirmed = session.scalar(select(UserTotp.confirmed_at).where(UserTotp.user_id == user_id))
    return confirmed is not None


@dataclass(frozen=True)
class AuthContext:
    """What authenticating one request needs, read in one query."""

    user: User
    role: Role
    auth_session: AuthSession
    totp_enabled: bool


def auth_context(session: Session, session_id: uuid.UUID, user_id: int) -> AuthContext | None:
    row = session.execute(
        select(User, Role, AuthSession, UserTotp.confirmed_at)
        .join(Role, Role.id == User.role_id)
        .join(AuthSession, AuthSession.user_id == User.id)
        .outerjoin(UserTotp, UserTotp.user_id == User.id)
        .where(AuthSession.id == session_id, User.id == user_id)
    ).one_or_none()
    if row is None:
        return None
    return AuthContext(user=row[0], role=row[1], auth_session=row[2], totp_enabled=row[3] is not None)


def active_country_codes(session: Session) -> list[str]:
    return list(session.scalars(select(Country.code).where(Country.is_active.is_(True)).order_by(Country.code)))


def role_by_id(session: Session, role_id: int, *, for_update: bool = False) -> Role | None:
    return fetch_one(session, select(Role).where(Role.id == role_id), for_update=for_update)


def role_by_name(session: Session, name: str) -> Role | None:
    return session.scalar(select(Role).where(func.lower(Role.name) == name.strip().lower()))


def list_roles_with_counts(session: Session, *, offset: int, limit: int) -> tuple[list[tuple[Role, int]], int]:
    user_count = select(func.count(User.id)).where(User.role_id == Role.id).correlate(Role).scalar_subquery()
    statement = select(Role, user_count.label("user_count")).order_by(Role.id)
    rows, total = paginate(session, statement, offset=offset, limit=limit)
    return [(row[0], int(row[1])) for row in rows], total


def role_user_count(session: Session, role_id: int) -> int:
    return int(session.scalar(select(func.count(User.id)).where(User.role_id == role_id)) or 0)


def agency_users(session: Session, agency_id: int) -> list[tuple[User, Role, bool]]:
    """The accounts of an agency, each with its role and whether 2FA is on."""
    rows = session.execute(
        select(User, Role, UserTotp.confirmed_at.is_not(None))
        .join(Role, Role.id == User.role_id)
        .outerjoin(UserTotp, UserTotp.user_id == User.id)
        .where(User.agency_id == agency_id)
        .order_by(User.id)
    ).all()
    return [(row[0], row[1], bool(row[2])) for row in rows]
