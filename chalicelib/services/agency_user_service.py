"""Agency accounts: staff invite an agency's users, and an agency admin (PARTNER_ADMIN) its own.

An agency user holds a partner role (Agency Partner, or Agency Admin) and
the agency's country; the agency must be in the caller's scope (an agency admin sees only its
own, so another agency is 404). The account is created like any other (``user_service``:
invitation email, grant rules, audit) with its ``agency_id`` set.
"""

from __future__ import annotations

from chalicelib.db.repositories import users as user_repository
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller
from chalicelib.domain.errors import NotFound
from chalicelib.domain.permissions import PARTNER_ADMIN_ROLE, PARTNER_ROLE, is_partner_role
from chalicelib.services import user_service
from chalicelib.services.agency_service import find_agency
from chalicelib.services.user_service import NewUser, UserRecord


def invite_user(
    caller: Caller, agency_id: int, email: str, full_name: str, *, admin: bool, password: str | None = None
) -> UserRecord:
    """Create an account of the agency (Agency Admin with ``admin``, else Agency Partner); without
    ``password`` it is emailed an invitation to choose one."""
    with unit_of_work() as work:
        agency = find_agency(work, caller, agency_id)
        role = user_repository.role_by_name(work.session, PARTNER_ADMIN_ROLE if admin else PARTNER_ROLE)
        if role is None or not is_partner_role(role.permissions):
            raise NotFound("The partner roles are missing: run the migrations first (make migrate).")
        role_id = role.id
    new = NewUser(email, full_name, role_id, agency.country_code, password, agency_id=agency.id)
    return user_service.create_user(caller, new)


def list_users(caller: Caller, agency_id: int) -> list[UserRecord]:
    """The agency's accounts."""
    with unit_of_work() as work:
        agency = find_agency(work, caller, agency_id)
        rows = user_repository.agency_users(work.session, agency.id)
        return [user_service.user_record(work.session, user, role, mfa) for user, role, mfa in rows]
