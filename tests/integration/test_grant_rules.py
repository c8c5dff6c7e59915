"""Authorisation as data (issue 12, points 1 and 2): nobody grants what they lack, administrators'
roles are handed out only by holders of ROLES_WRITE, and one's own second factor is not removed
without re-authentication."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from chalicelib.db.models import User, UserTotp
from chalicelib.db.unit_of_work import unit_of_work
from tests.factories import JSON_HEADERS, Identity, body_of


def call(identity: Identity, method: str, path: str, headers: dict[str, str], body: object = None):  # type: ignore[no-untyped-def]
    raw = b"" if body is None else json.dumps(body)
    return identity.client.http.request(method, path, headers={**JSON_HEADERS, **headers}, body=raw)


def user_count() -> int:
    with unit_of_work() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(User)) or 0)


def test_an_admin_cannot_create_or_promote_administrators(identity: Identity) -> None:
    admin = identity.login(identity.user("Admin", None))
    admin_role, super_role = identity.role_id("Admin"), identity.role_id("Super Admin")
    staff = identity.user("Reservations Staff", "VN")
    before = user_count()

    for role_id in (admin_role, super_role):
        created = call(identity, "POST", "/users", admin.headers,
                       {"email": f"x{role_id}@example.com", "full_name": "X", "role_id": role_id})  # fmt: skip
        assert created.status_code == 403, created.body
        promoted = call(identity, "PATCH", f"/users/{staff.id}", admin.headers, {"role_id": role_id})
        assert promoted.status_code == 403, promoted.body
    assert user_count() == before
    with unit_of_work() as uow:
        assert uow.session.get(User, staff.id).role_id == identity.role_id("Reservations Staff")  # type: ignore[union-attr]

    # Negative control: staff roles stay assignable by an Admin; administrators' by a Super Admin.
    moved = call(identity, "PATCH", f"/users/{staff.id}", admin.headers, {"role_id": identity.role_id("Finance")})
    assert moved.status_code == 200, moved.body
    super_admin = identity.login(identity.user("Super Admin", None))
    made = call(identity, "POST", "/users", super_admin.headers,
                {"email": "new.admin@example.com", "full_name": "New Admin", "role_id": admin_role})  # fmt: skip
    assert made.status_code == 201, made.body


def test_a_custom_role_with_users_write_cannot_hand_out_users_write(identity: Identity) -> None:
    from chalicelib.domain.permissions import Permission

    lead = identity.login(
        identity.user(
            permissions=Permission.USERS_READ | Permission.USERS_WRITE | Permission.BOOKINGS_READ, enroll_totp=True
        )
    )
    same = identity.custom_role(Permission.USERS_READ | Permission.USERS_WRITE)
    refused = call(identity, "POST", "/users", lead.headers,
                   {"email": "peer@example.com", "full_name": "Peer", "role_id": same, "country_code": "VN"})  # fmt: skip
    assert refused.status_code == 403, refused.body
    reader = identity.custom_role(Permission.BOOKINGS_READ)
    allowed = call(identity, "POST", "/users", lead.headers,
                   {"email": "reader@example.com", "full_name": "Reader", "role_id": reader, "country_code": "VN"})  # fmt: skip
    assert allowed.status_code == 201, allowed.body


def test_nobody_resets_their_own_second_factor_without_reauthenticating(identity: Identity) -> None:
    owner = identity.user("Super Admin", None)
    session = identity.login(owner)

    reset = call(identity, "POST", f"/users/{owner.id}/2fa/reset", session.headers)

    assert reset.status_code == 409, reset.body
    assert body_of(reset)["error"]["details"][0]["field"] == "path.user_id"
    with unit_of_work() as uow:
        assert uow.session.scalar(select(UserTotp.confirmed_at).where(UserTotp.user_id == owner.id)) is not None
    no_code = identity.client.http.post(
        "/auth/login", headers=JSON_HEADERS, body=json.dumps({"email": owner.email, "password": owner.password})
    )
    assert no_code.status_code == 401
    # Negative control: another Super Admin may reset it (lost device).
    other = identity.login(identity.user("Super Admin", None))
    assert call(identity, "POST", f"/users/{owner.id}/2fa/reset", other.headers).status_code == 204
