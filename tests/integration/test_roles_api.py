"""Roles and the permission editor: presets from the migration, custom roles, guarded edits."""

from __future__ import annotations

import json

from sqlalchemy import select

from chalicelib.db.models import AuditLog, Role
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.permissions import PARTNER_ROLES, PRESET_ROLES, Permission
from tests.factories import JSON_HEADERS, Identity, body_of


def call(identity: Identity, method: str, path: str, headers: dict[str, str], body: object = None):  # type: ignore[no-untyped-def]
    raw = b"" if body is None else json.dumps(body)
    return identity.client.http.request(method, path, headers={**JSON_HEADERS, **headers}, body=raw)


def test_the_migration_seeds_exactly_the_preset_roles_of_the_code(database_url: str) -> None:
    with unit_of_work() as uow:
        seeded = {
            role.name: (role.permissions, role.description, role.is_system)
            for role in uow.session.scalars(select(Role))
        }
    expected = (*PRESET_ROLES, *PARTNER_ROLES)
    assert seeded == {role.name: (int(role.permissions), role.description, True) for role in expected}


def test_the_permission_catalogue_names_every_bit(identity: Identity) -> None:
    catalogue = body_of(call(identity, "GET", "/permissions", identity.headers()))
    assert [entry["name"] for entry in catalogue] == [member.name for member in Permission]
    assert all(entry["value"] == 1 << entry["bit"] and entry["description"] for entry in catalogue)


def test_roles_list_their_permissions_and_holders(identity: Identity) -> None:
    manager = identity.login(identity.user("Property Manager", "VN"))
    listed = body_of(call(identity, "GET", "/roles", manager.headers))
    by_name = {role["name"]: role for role in listed["items"]}
    assert by_name["Property Manager"]["user_count"] == 1
    assert by_name["Super Admin"]["permissions"] == [member.name for member in Permission]
    one = body_of(call(identity, "GET", f"/roles/{by_name['Finance']['id']}", manager.headers))
    assert one["permission_mask"] == int(Permission(sum(Permission[name] for name in one["permissions"])))


def test_a_super_admin_creates_edits_and_deletes_a_custom_role(identity: Identity) -> None:
    super_admin = identity.login(identity.user("Super Admin", None))
    created = call(identity, "POST", "/roles", super_admin.headers,
                   {"name": "Night Auditor", "description": "nights", "permissions": ["BOOKINGS_READ"]})  # fmt: skip
    assert created.status_code == 201, created.body
    role_id = body_of(created)["id"]
    holder = identity.login(identity.user("Night Auditor", "VN"))
    assert call(identity, "GET", "/users", holder.headers).status_code == 403

    edited = call(
        identity, "PATCH", f"/roles/{role_id}", super_admin.headers, {"permissions": ["BOOKINGS_READ", "USERS_READ"]}
    )
    assert body_of(edited)["permissions"] == ["BOOKINGS_READ", "USERS_READ"]
    assert call(identity, "GET", "/users", holder.headers).status_code == 200  # effective at the next request

    with unit_of_work() as uow:
        audit = uow.session.scalar(select(AuditLog).where(AuditLog.action == "role.updated"))
    assert audit is not None
    assert audit.before["permissions"] == ["BOOKINGS_READ"]  # type: ignore[index]
    assert audit.after["permissions"] == ["BOOKINGS_READ", "USERS_READ"]  # type: ignore[index]

    in_use = call(identity, "DELETE", f"/roles/{role_id}", super_admin.headers)
    assert in_use.status_code == 409
    assert call(identity, "DELETE", f"/users/{holder.user.id}", super_admin.headers).status_code == 204
    assert call(identity, "DELETE", f"/roles/{role_id}", super_admin.headers).status_code == 204
    assert call(identity, "GET", f"/roles/{role_id}", super_admin.headers).status_code == 404


def test_role_input_is_validated_naming_the_field(identity: Identity) -> None:
    super_admin = identity.login(identity.user("Super Admin", None))
    unknown = call(
        identity, "POST", "/roles", super_admin.headers, {"name": "X", "permissions": ["BOOKINGS_READ", "FLY"]}
    )
    assert unknown.status_code == 422
    assert body_of(unknown)["error"]["details"][0]["field"] == "body.permissions.1"
    taken = call(identity, "POST", "/roles", super_admin.headers, {"name": "finance", "permissions": []})
    assert taken.status_code == 409
    empty = call(identity, "PATCH", f"/roles/{identity.role_id('Finance')}", super_admin.headers, {})
    assert empty.status_code == 422


def test_preset_roles_are_protected(identity: Identity) -> None:
    super_admin = identity.login(identity.user("Super Admin", None))
    super_role, finance = identity.role_id("Super Admin"), identity.role_id("Finance")
    assert call(identity, "PATCH", f"/roles/{super_role}", super_admin.headers, {"permissions": []}).status_code == 409
    assert call(identity, "PATCH", f"/roles/{finance}", super_admin.headers, {"name": "Accounts"}).status_code == 409
    assert call(identity, "DELETE", f"/roles/{finance}", super_admin.headers).status_code == 409
    # Their bits may be tuned (and are audited).
    tuned = call(identity, "PATCH", f"/roles/{finance}", super_admin.headers, {"description": "Accounting team"})
    assert tuned.status_code == 200


def test_only_roles_write_holders_edit_roles(identity: Identity) -> None:
    admin = identity.login(identity.user("Admin", None))
    refused = call(identity, "POST", "/roles", admin.headers, {"name": "Sneaky", "permissions": ["ROLES_WRITE"]})
    assert refused.status_code == 403
    assert body_of(refused)["error"]["details"] == [{"missing_permissions": ["ROLES_WRITE"]}]
