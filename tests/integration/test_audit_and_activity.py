"""The activity log (every request) and the audit trail (every change, same transaction), and their APIs."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text

from chalicelib.db.models import ActivityLog, AuditLog
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.services.audit_service import AuditActor, record_audit
from tests.factories import JSON_HEADERS, Identity, body_of


def test_every_request_lands_in_the_activity_log(identity: Identity) -> None:
    staff = identity.login(identity.user("Reservations Staff", "VN"))
    response = identity.client.http.get("/me", headers={**staff.headers, "X-Request-Id": "req-activity-0001",
                                                         "User-Agent": "pytest-browser/1.0"})  # fmt: skip
    assert response.status_code == 200
    with unit_of_work() as uow:
        row = uow.session.scalar(select(ActivityLog).where(ActivityLog.request_id == "req-activity-0001"))
    assert row is not None
    assert (row.user_id, row.email, row.country_code) == (staff.user.id, staff.user.email.lower(), "VN")
    assert (row.method, row.path, row.status_code) == ("GET", "/me", 200)
    assert row.client_ip == "127.0.0.1" and row.user_agent == "pytest-browser/1.0"
    assert row.duration_ms > 0


def test_logins_are_logged_with_the_user_only_when_they_succeed(identity: Identity) -> None:
    user = identity.user()
    identity.client.http.post("/auth/login", headers={**JSON_HEADERS, "X-Request-Id": "req-bad-login-01"},
                              body=json.dumps({"email": user.email, "password": "Wrong-Password-11"}))  # fmt: skip
    identity.client.http.post("/auth/login", headers={**JSON_HEADERS, "X-Request-Id": "req-good-login-1"},
                              body=json.dumps({"email": user.email, "password": user.password}))  # fmt: skip
    with unit_of_work() as uow:
        rows = {
            r.request_id: r for r in uow.session.scalars(select(ActivityLog).where(ActivityLog.path == "/auth/login"))
        }
    assert (rows["req-bad-login-01"].status_code, rows["req-bad-login-01"].user_id) == (401, None)
    assert (rows["req-good-login-1"].status_code, rows["req-good-login-1"].user_id) == (200, user.id)


def test_a_broken_activity_log_never_fails_the_request(identity: Identity) -> None:
    headers = identity.headers()
    with unit_of_work() as uow:
        uow.session.execute(text("ALTER TABLE activity_log RENAME TO activity_log_gone"))
    assert identity.client.http.get("/me", headers=headers).status_code == 200


def test_audit_rows_commit_and_roll_back_with_their_change(database_url: str) -> None:
    actor = AuditActor(user_id=None, email="tester@example.com")
    with pytest.raises(RuntimeError), unit_of_work() as uow:
        record_audit(uow.session, actor, "thing.changed", "thing", 1, {"a": 1}, {"a": 2})
        raise RuntimeError("the change failed")
    with unit_of_work() as uow:
        record_audit(uow.session, actor, "thing.changed", "thing", 2, {"a": 1}, {"a": 2, "password": "x"})
    with unit_of_work() as uow:
        rows = list(uow.session.scalars(select(AuditLog)))
    assert [row.entity_id for row in rows] == ["2"]
    assert rows[0].after == {"a": 2, "password": "***"}  # a secret that slipped in is masked


def test_the_audit_api_filters_paginates_and_shows_what_changed(identity: Identity) -> None:
    admin = identity.login(identity.user("Admin", None))
    staff = identity.user("Reservations Staff", "VN")
    for name in ("First Name", "Second Name", "Third Name"):
        identity.client.http.patch(f"/users/{staff.id}", headers=admin.headers, body=json.dumps({"full_name": name}))
    page = body_of(identity.client.http.get(
        f"/audit-log?entity_type=user&entity_id={staff.id}&action=user.updated&page_size=2", headers=admin.headers
    ))  # fmt: skip
    assert (page["total"], page["pages"], len(page["items"])) == (3, 2, 2)
    newest = page["items"][0]
    assert newest["changed_fields"] == ["full_name"]
    assert (newest["before"]["full_name"], newest["after"]["full_name"]) == ("Second Name", "Third Name")
    assert newest["actor_email"] == admin.user.email


def test_audit_and_activity_reads_are_country_scoped(identity: Identity) -> None:
    super_admin = identity.login(identity.user("Super Admin", None))
    vn_staff, id_staff = identity.user("Reservations Staff", "VN"), identity.user("Reservations Staff", "ID")
    for target in (vn_staff, id_staff):
        identity.client.http.post(f"/users/{target.id}/disable", headers=super_admin.headers, body=b"")
    identity.client.http.post("/roles", headers=super_admin.headers,
                              body=json.dumps({"name": "Global Thing", "permissions": []}))  # fmt: skip
    from chalicelib.domain.permissions import Permission

    vn_auditor = identity.login(identity.user(permissions=Permission.AUDIT_READ, country="VN"))
    seen = body_of(identity.client.http.get("/audit-log?action=user.disabled", headers=vn_auditor.headers))
    assert [item["entity_id"] for item in seen["items"]] == [str(vn_staff.id)]
    roles_seen = body_of(identity.client.http.get("/audit-log?entity_type=role", headers=vn_auditor.headers))
    assert roles_seen["total"] == 0  # global changes need an all-countries view
    everything = body_of(identity.client.http.get("/audit-log?action=user.disabled", headers=super_admin.headers))
    assert everything["total"] == 2

    activity = body_of(identity.client.http.get("/activity-log?path_prefix=/me", headers=vn_auditor.headers))
    assert all(item["country_code"] == "VN" for item in activity["items"])
    all_activity = body_of(
        identity.client.http.get("/activity-log?method=POST&path_prefix=/auth/login", headers=super_admin.headers)
    )
    assert all_activity["total"] >= 3 and {item["method"] for item in all_activity["items"]} == {"POST"}


def test_audit_queries_validate_their_filters(identity: Identity) -> None:
    admin = identity.login(identity.user("Admin", None))
    bad = identity.client.http.get("/audit-log?since=yesterday&page_size=500", headers=admin.headers)
    assert bad.status_code == 422
    assert {d["field"] for d in body_of(bad)["error"]["details"]} == {"query.since", "query.page_size"}
    assert identity.client.http.get("/activity-log?method=BREW", headers=admin.headers).status_code == 422
