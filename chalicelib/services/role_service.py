"""Roles and their permission bits (the permission editor behind ``/roles``).

Preset roles are seeded by the migration and flagged ``is_system``: they cannot be renamed or
deleted, and the Super Admin role cannot be edited at all (it must always hold every bit, or
nobody could administer roles any more). Nobody grants a bit they do not hold. Every change is
audited with the permission names before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from chalicelib.db.models import Role
from chalicelib.db.repositories import users as user_repository
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.db.writing import inserted
from chalicelib.domain.access import Caller
from chalicelib.domain.errors import Conflict, PermissionDenied, existing
from chalicelib.domain.permissions import SUPER_ADMIN_ROLE, Permission, may_grant, permission_names
from chalicelib.domain.views import view_from
from chalicelib.services.audit_service import record_audit


@dataclass(frozen=True)
class RoleRecord:
    id: int
    name: str
    description: str
    permissions: list[str]
    permission_mask: int
    is_system: bool
    user_count: int
    created_at: datetime
    updated_at: datetime


def _record(role: Role, user_count: int) -> RoleRecord:
    return view_from(
        RoleRecord,
        role,
        permissions=permission_names(role.permissions),
        permission_mask=int(role.permissions),
        user_count=user_count,
    )


def _snapshot(role: Role) -> dict[str, Any]:
    return {"name": role.name, "description": role.description, "permissions": permission_names(role.permissions)}


def list_roles(*, offset: int, limit: int) -> tuple[list[RoleRecord], int]:
    """Every role (roles are global, not country-scoped) with how many users hold it."""
    with unit_of_work() as uow:
        rows, total = user_repository.list_roles_with_counts(uow.session, offset=offset, limit=limit)
        return [_record(role, count) for role, count in rows], total


def get_role(role_id: int) -> RoleRecord:
    with unit_of_work() as uow:
        role = _existing(uow.session, role_id)
        return _record(role, user_repository.role_user_count(uow.session, role.id))


def _existing(session: Session, role_id: int, *, for_update: bool = False) -> Role:
    return existing(user_repository.role_by_id(session, role_id, for_update=for_update), "No such role.")


def _check_grant(caller: Caller, permissions: Permission) -> None:
    if not may_grant(caller.permissions, permissions):
        raise PermissionDenied(
            "You may not grant permissions you do not hold.",
            details=[{"missing_permissions": permission_names(permissions & ~caller.permissions)}],
        )


def _check_name_free(session: Session, name: str, *, except_id: int | None = None) -> None:
    existing = user_repository.role_by_name(session, name)
    if existing is not None and existing.id != except_id:
        raise Conflict("A role with this name already exists.", details=[{"field": "name", "message": "taken"}])


def create_role(caller: Caller, name: str, description: str, permissions: Permission) -> RoleRecord:
    """A new custom role."""
    _check_grant(caller, permissions)
    with unit_of_work() as uow:
        _check_name_free(uow.session, name)
        role = Role(name=name.strip(), description=description, permissions=int(permissions), is_system=False)
        inserted(uow.session, role)
        record_audit(uow.session, caller, "role.created", "role", role.id, None, _snapshot(role))
        return _record(role, 0)


def update_role(
    caller: Caller, role_id: int, *, name: str | None, description: str | None, permissions: Permission | None
) -> RoleRecord:
    """Rename, describe or change the bits of a role; users holding it are affected at their next request."""
    with unit_of_work() as uow:
        role = _existing(uow.session, role_id, for_update=True)
        if role.name == SUPER_ADMIN_ROLE and role.is_system:
            raise Conflict("The Super Admin role cannot be edited: it always holds every permission.")
        before = _snapshot(role)
        if name is not None and name.strip() != role.name:
            if role.is_system:
                raise Conflict("Preset roles cannot be renamed.")
            _check_name_free(uow.session, name, except_id=role.id)
            role.name = name.strip()
        if description is not None:
            role.description = description
        if permissions is not None:
            # Both what is added and what is removed must be within the caller's own bits.
            _check_grant(caller, Permission(int(permissions) ^ int(role.permissions)))
            role.permissions = int(permissions)
        after = _snapshot(role)
        if after != before:
            uow.session.flush()
            uow.session.refresh(role)
            record_audit(uow.session, caller, "role.updated", "role", role.id, before, after)
        return _record(role, user_repository.role_user_count(uow.session, role.id))


def delete_role(caller: Caller, role_id: int) -> None:
    """Delete a custom role nobody holds."""
    with unit_of_work() as uow:
        role = _existing(uow.session, role_id, for_update=True)
        if role.is_system:
            raise Conflict("Preset roles cannot be deleted.")
        holders = user_repository.role_user_count(uow.session, role.id)
        if holders:
            raise Conflict(f"{holders} user(s) hold this role; assign them another role first.")
        record_audit(uow.session, caller, "role.deleted", "role", role.id, _snapshot(role), None)
        uow.session.delete(role)
