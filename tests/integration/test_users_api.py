"""Staff accounts: CRUD, role and country assignment, enable/disable, who may administer whom."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlparse

from sqlalchemy import select

from chalicelib.db.models import AuditLog, User
from chalicelib.db.unit_of_work import unit_of_work
from tests.conftest import sent_emails
from tests.factories import JSON_HEADERS, Identity, body_of


def call(identity: Identity, method: str, path: str, headers: dict[str, str], body: object = None):  # type: ignore[no-untyped-def]
    raw = b"" if body is None else json.dumps(body)
    return identity.client.http.request(method, path, headers={**JSON_HEADERS, **headers}, body=raw)


def test_an_admin_creates_a_staff_account_with_an_initial_password(identity: Identity) -> None:
    admin = identity.login(identity.user("Admin", None))
    role_id = identity.role_id("Reservations Staff")
    body = {"email": "new.staff@example.com", "full_name": "New Staff", "role_id": role_id, "country_code": "vn",
            "password": "Fresh-Passphrase-4821"}  # fmt: skip
    response = call(identity, "POST", "/users", admin.headers, body)
    assert response.status_code == 201, response.body
    created = body_of(response)
    assert created["country_code"] == "VN" and created["role_name"] == "Reservations Staff"
    assert "password" not in json.dumps(created)
    with unit_of_work() as uow:
        audit = uow.session.scalar(select(AuditLog).where(AuditLog.action == "user.created"))
    assert audit is not None and audit.actor_user_id == admin.user.id and audit.entity_id == str(created["id"])
    assert audit.after == {"email": "new.staff@example.com", "full_name": "New Staff", "role_id": role_id,
                           "country_code": "VN", "agency_id": None, "is_active": True}  # fmt: skip
    login = call(
        identity, "POST", "/auth/login", {}, {"email": "new.staff@example.com", "password": "Fresh-Passphrase-4821"}
    )
    assert login.status_code == 200


def test_without_a_password_the_new_user_is_invited_by_email(identity: Identity, aws: object) -> None:
    admin = identity.login(identity.user("Admin", None))
    body = {"email": "invitee@example.com", "full_name": "In Vitee", "role_id": identity.role_id("Finance"),
            "country_code": "MY"}  # fmt: skip
    assert call(identity, "POST", "/users", admin.headers, body).status_code == 201
    messages = sent_emails(aws, to="invitee@example.com")
    assert len(messages) == 1 and "72 hours" in str(messages[0]["body"])
    link = re.search(r"https?://\S+", str(messages[0]["body"]))
    assert link
    token = parse_qs(urlparse(link.group(0)).query)["token"][0]
    # Nobody can log in before the invitee chose a password...
    assert (
        call(identity, "POST", "/auth/login", {}, {"email": "invitee@example.com", "password": "!unusable"}).status_code
        == 401
    )
    chosen = call(
        identity, "POST", "/auth/reset-password", {}, {"token": token, "new_password": "Morning-Glory-Tea-88"}
    )
    assert chosen.status_code == 204
    login = call(
        identity, "POST", "/auth/login", {}, {"email": "invitee@example.com", "password": "Morning-Glory-Tea-88"}
    )
    assert login.status_code == 200


def test_create_validates_role_country_and_password_naming_fields(identity: Identity) -> None:
    admin = identity.login(identity.user("Admin", None))
    base = {"email": "x@example.com", "full_name": "X", "role_id": identity.role_id("Finance"), "country_code": "VN"}
    no_country = call(identity, "POST", "/users", admin.headers, {**base, "country_code": None})
    assert no_country.status_code == 422
    assert body_of(no_country)["error"]["details"][0]["field"] == "body.country_code"
    unknown_country = call(identity, "POST", "/users", admin.headers, {**base, "country_code": "FR"})
    assert body_of(unknown_country)["error"]["details"][0]["field"] == "body.country_code"
    unknown_role = call(identity, "POST", "/users", admin.headers, {**base, "role_id": 999})
    assert body_of(unknown_role)["error"]["details"][0]["field"] == "body.role_id"
    weak = call(identity, "POST", "/users", admin.headers, {**base, "password": "password12345"})
    assert body_of(weak)["error"]["details"][0]["field"] == "body.password"
    bad_email = call(identity, "POST", "/users", admin.headers, {**base, "email": "not-an-email"})
    assert body_of(bad_email)["error"]["details"][0]["field"] == "body.email"
    assert call(identity, "POST", "/users", admin.headers, base).status_code == 201
    duplicate = call(identity, "POST", "/users", admin.headers, {**base, "email": "X@Example.com"})
    assert duplicate.status_code == 409
    with unit_of_work() as uow:
        assert len(uow.session.scalars(select(User.id).where(User.email.ilike("x@example.com"))).all()) == 1


def test_nobody_assigns_a_role_with_permissions_they_lack(identity: Identity) -> None:
    admin = identity.login(identity.user("Admin", None))
    body = {
        "email": "sa@example.com",
        "full_name": "S A",
        "role_id": identity.role_id("Super Admin"),
        "country_code": None,
    }
    refused = call(identity, "POST", "/users", admin.headers, body)
    assert refused.status_code == 403
    assert body_of(refused)["error"]["details"] == [{"missing_permissions": ["ROLES_WRITE"]}]
    staff = identity.user("Reservations Staff", "VN")
    promote = call(identity, "PATCH", f"/users/{staff.id}", admin.headers, {"role_id": identity.role_id("Super Admin")})
    assert promote.status_code == 403


def test_only_a_super_admin_administers_administrators(identity: Identity) -> None:
    admin = identity.login(identity.user("Admin", None))
    other_admin = identity.user("Admin", None)
    refused = call(identity, "POST", f"/users/{other_admin.id}/disable", admin.headers)
    assert refused.status_code == 403
    super_admin = identity.login(identity.user("Super Admin", None))
    assert call(identity, "POST", f"/users/{other_admin.id}/disable", super_admin.headers).status_code == 200


def test_users_cannot_lock_themselves_out(identity: Identity) -> None:
    super_admin = identity.login(identity.user("Super Admin", None))
    me = super_admin.user.id
    assert call(identity, "POST", f"/users/{me}/disable", super_admin.headers).status_code == 409
    assert call(identity, "DELETE", f"/users/{me}", super_admin.headers).status_code == 409
    assert (
        call(
            identity, "PATCH", f"/users/{me}", super_admin.headers, {"role_id": identity.role_id("Finance")}
        ).status_code
        == 409
    )


def test_edit_role_and_country_with_an_audited_before_and_after(identity: Identity) -> None:
    admin = identity.login(identity.user("Admin", None))
    staff = identity.user("Reservations Staff", "VN")
    finance = identity.role_id("Finance")
    response = call(identity, "PATCH", f"/users/{staff.id}", admin.headers, {"role_id": finance, "country_code": "ID"})
    assert response.status_code == 200, response.body
    assert (body_of(response)["role_name"], body_of(response)["country_code"]) == ("Finance", "ID")
    with unit_of_work() as uow:
        audit = uow.session.scalar(select(AuditLog).where(AuditLog.action == "user.updated"))
    assert audit is not None
    assert (audit.before["role_id"], audit.before["country_code"]) == (staff.role_id, "VN")  # type: ignore[index]
    assert (audit.after["role_id"], audit.after["country_code"]) == (finance, "ID")  # type: ignore[index]
    assert audit.country_code == "ID"
    # The new role applies to the user's very next request.
    staff_session = identity.login(staff)
    assert "FINANCE_VIEW" in body_of(identity.client.http.get("/me", headers=staff_session.headers))["permissions"]


def test_a_failed_change_writes_no_audit_row(identity: Identity) -> None:
    admin = identity.login(identity.user("Admin", None))
    first, second = identity.user(), identity.user()
    clash = call(identity, "PATCH", f"/users/{second.id}", admin.headers, {"email": first.email})
    assert clash.status_code == 409
    with unit_of_work() as uow:
        assert uow.session.scalar(select(AuditLog).where(AuditLog.action == "user.updated")) is None


def test_enable_disable_and_delete(identity: Identity) -> None:
    admin = identity.login(identity.user("Admin", None))
    staff = identity.user()
    disabled = call(identity, "POST", f"/users/{staff.id}/disable", admin.headers)
    assert body_of(disabled)["is_active"] is False
    assert body_of(call(identity, "POST", f"/users/{staff.id}/enable", admin.headers))["is_active"] is True
    assert identity.login_response(staff).status_code == 200
    assert call(identity, "DELETE", f"/users/{staff.id}", admin.headers).status_code == 204
    assert call(identity, "GET", f"/users/{staff.id}", admin.headers).status_code == 404
    with unit_of_work() as uow:
        actions = list(uow.session.scalars(select(AuditLog.action).order_by(AuditLog.id)))
    assert actions == ["user.mfa_enabled", "user.disabled", "user.enabled", "user.deleted"]


def test_the_user_list_filters_and_paginates_within_the_scope(identity: Identity) -> None:
    manager = identity.login(identity.user("Property Manager", "VN"))
    for country in ("VN", "VN", "ID", "MY"):
        identity.user("Finance", country, full_name=f"Finance {country}")
    everything = body_of(call(identity, "GET", "/users?page_size=2", manager.headers))
    assert (everything["total"], everything["pages"], len(everything["items"])) == (5, 3, 2)
    vn_only = body_of(call(identity, "GET", "/users", {**manager.headers, "X-Country": "VN"}))
    assert {item["country_code"] for item in vn_only["items"]} == {"VN"} and vn_only["total"] == 3
    filtered = body_of(
        call(identity, "GET", f"/users?role_id={identity.role_id('Finance')}&search=finance%20i", manager.headers)
    )
    assert [item["full_name"] for item in filtered["items"]] == ["Finance ID"]


def test_staff_see_only_their_country_in_lists(identity: Identity) -> None:
    from chalicelib.domain.permissions import Permission

    auditor = identity.login(identity.user(permissions=Permission.USERS_READ, country="ID"))
    identity.user("Finance", "VN")
    identity.user("Finance", "ID")
    listed = body_of(call(identity, "GET", "/users", auditor.headers))
    assert {item["country_code"] for item in listed["items"]} == {"ID"}
    assert call(identity, "GET", "/users", {**auditor.headers, "X-Country": "VN"}).status_code == 403


def test_me_and_country_switching(identity: Identity) -> None:
    manager = identity.login(identity.user("Property Manager", "VN"))
    me = body_of(call(identity, "GET", "/me", manager.headers))
    assert me["may_switch_country"] is True and me["active_country"] is None
    assert me["visible_countries"] == ["ID", "MY", "VN"]
    assert body_of(call(identity, "GET", "/me", {**manager.headers, "X-Country": "my"}))["active_country"] == "MY"
    unknown = call(identity, "GET", "/me", {**manager.headers, "X-Country": "ZZ"})
    assert unknown.status_code == 403 and body_of(unknown)["error"]["code"] == "country_not_allowed"
    chosen = call(identity, "POST", "/auth/country", manager.headers, {"country_code": "ID"})
    assert body_of(chosen)["active_country"] == "ID" and body_of(chosen)["visible_countries"] == ["ID"]
    assert body_of(call(identity, "GET", "/me", manager.headers))["active_country"] == "ID"  # remembered
    cleared = call(identity, "POST", "/auth/country", manager.headers, {"country_code": None})
    assert body_of(cleared)["active_country"] is None

    staff = identity.login(identity.user("Reservations Staff", "VN"))
    refused = call(identity, "POST", "/auth/country", staff.headers, {"country_code": "ID"})
    assert refused.status_code == 403 and body_of(refused)["error"]["code"] == "country_not_allowed"
    assert body_of(call(identity, "GET", "/me", staff.headers))["visible_countries"] == ["VN"]


def test_the_user_list_says_who_has_2fa(identity: Identity) -> None:
    admin = identity.login(identity.user("Admin", None))
    enrolled, plain = identity.user(enroll_totp=True), identity.user()
    listed = body_of(call(identity, "GET", "/users", admin.headers))
    mfa = {item["id"]: item["mfa_enabled"] for item in listed["items"]}
    assert mfa == {admin.user.id: True, enrolled.id: True, plain.id: False}
    assert body_of(call(identity, "GET", f"/users/{plain.id}", admin.headers))["mfa_enabled"] is False
