"""Every route of the real app: authentication, permissions, and country scoping by record id.

These tests walk ``app.routes``, so routes added by later features are covered without editing
this file. A route with a path id must say what kind of record the id names
(``scoped_resource=...`` on the endpoint) and tests/factories.py must know how to create one in
a given country (``RECORD_FACTORIES``); otherwise the first test fails and says what to add.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text

from app import app
from chalicelib.api.routing import Endpoint, endpoints_of
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.permissions import ALL_PERMISSIONS, NO_PERMISSIONS, Permission
from tests.factories import JSON_HEADERS, RECORD_FACTORIES, UNSCOPED_RESOURCES, Identity, body_of

ENDPOINTS = sorted(endpoints_of(app), key=lambda e: (e.path, e.method))
PROTECTED = [e for e in ENDPOINTS if not e.public]
WITH_PERMISSION = [e for e in ENDPOINTS if e.permission is not None]
WITH_PATH_IDS = [e for e in ENDPOINTS if e.path_params]

# Reviewed list: a new public route must be added here on purpose.
PUBLIC_ROUTES = {
    ("GET", "/health"),
    ("GET", "/health/ready"),
    ("GET", "/api/openapi.json"),
    ("GET", "/api/docs"),
    ("POST", "/auth/login"),
    ("POST", "/auth/refresh"),
    ("POST", "/auth/logout"),
    ("POST", "/auth/forgot-password"),
    ("POST", "/auth/reset-password"),
    # OTAs notify us; each notification is authenticated by the account's webhook secret instead.
    ("POST", "/webhooks/{ota}"),
}

HOME, ABROAD = "VN", "ID"


def label(endpoint: Endpoint) -> str:
    return f"{endpoint.method} {endpoint.path}"


def test_public_routes_are_exactly_the_reviewed_ones() -> None:
    assert {(e.method, e.path) for e in ENDPOINTS if e.public} == PUBLIC_ROUTES
    declared = {(e.method, e.path) for e in ENDPOINTS}
    routed = {(method, path) for path, methods in app.routes.items() for method in methods}
    assert routed == declared, "every route must be declared with ApiBlueprint.endpoint (it carries the auth check)"


def test_every_path_id_names_a_kind_of_record_the_scoping_test_can_create() -> None:
    problems = []
    for endpoint in WITH_PATH_IDS:
        for param in endpoint.path_params:
            kind = endpoint.path_resources.get(param)
            if kind is None:
                problems.append(
                    f"{label(endpoint)}: path parameter {param!r} names no record kind; declare "
                    f"scoped_resource=... on the endpoint (e.g. scoped_resource={{'{param}': 'property'}})"
                )
            elif kind not in RECORD_FACTORIES and kind not in UNSCOPED_RESOURCES:
                problems.append(
                    f"{label(endpoint)}: no factory for records of kind {kind!r}; add one to RECORD_FACTORIES "
                    f"in tests/factories.py (it creates a {kind} in a given country), or to UNSCOPED_RESOURCES "
                    "with the reason it belongs to no country"
                )
        if endpoint.body_model is not None and not _example_body(endpoint):
            problems.append(
                f"{label(endpoint)}: {endpoint.body_model.__name__} needs an example (model_config "
                "json_schema_extra={'examples': [...]}) so the scoping test can send a valid body"
            )
    assert not problems, "\n".join(problems)


def _example_body(endpoint: Endpoint) -> dict[str, Any] | None:
    assert endpoint.body_model is not None
    examples = endpoint.body_model.model_json_schema().get("examples") or []
    return examples[0] if examples else None


def _path(endpoint: Endpoint, ids: dict[str, Any]) -> str:
    path = endpoint.path
    for param, value in ids.items():
        path = path.replace("{" + param + "}", str(value))
    return path


def _call(identity: Identity, endpoint: Endpoint, path: str, headers: dict[str, str]) -> Any:
    body = b""
    if endpoint.body_model is not None:
        body = json.dumps(_example_body(endpoint) or {}).encode()
    return identity.client.http.request(endpoint.method, path, headers={**JSON_HEADERS, **headers}, body=body)


@pytest.mark.parametrize("endpoint", PROTECTED, ids=label)
def test_every_protected_route_answers_401_without_credentials(identity: Identity, endpoint: Endpoint) -> None:
    path = _path(endpoint, dict.fromkeys(endpoint.path_params, 1))
    response = _call(identity, endpoint, path, {})
    assert response.status_code == 401, f"{label(endpoint)}: {response.status_code} {response.body[:200]!r}"
    assert body_of(response)["error"]["code"] == "unauthenticated"


def test_every_route_needing_a_permission_refuses_a_caller_without_it(identity: Identity) -> None:
    nobody = identity.login(identity.user(permissions=NO_PERMISSIONS, country=HOME))
    for endpoint in WITH_PERMISSION:
        path = _path(endpoint, dict.fromkeys(endpoint.path_params, 1))
        response = _call(identity, endpoint, path, nobody.headers)
        assert response.status_code == 403, f"{label(endpoint)}: {response.status_code} {response.body[:200]!r}"
        assert body_of(response)["error"]["code"] == "forbidden"


def _snapshot(table: str, record_id: int | str) -> dict[str, Any] | None:
    with unit_of_work() as uow:
        row = uow.session.execute(text(f"SELECT * FROM {table} WHERE id = :id"), {"id": record_id}).mappings().first()
    return dict(row) if row else None


def test_staff_cannot_reach_another_countrys_records_by_id_on_any_route(identity: Identity, aws: object) -> None:
    """With the app's queues (``aws``): routes that queue work (a full push) answer on the control."""
    # Two probes who may do everything in Vietnam: staff fixed to it, and a switcher who chose it.
    staff = identity.login(identity.user(permissions=ALL_PERMISSIONS & ~Permission.COUNTRY_SWITCH, country=HOME))
    switcher = identity.login(identity.user(permissions=ALL_PERMISSIONS, country=None))
    probes = {"staff": staff.headers, "switcher in VN": {**switcher.headers, "X-Country": HOME}}
    checked = 0
    for endpoint in WITH_PATH_IDS:
        scoped = {p: k for p, k in endpoint.path_resources.items() if k in RECORD_FACTORIES}
        if not scoped:
            continue  # only global records (roles) in the path
        for probe, headers in probes.items():
            unscoped_ids = {
                p: UNSCOPED_RESOURCES[k].create(identity) for p, k in endpoint.path_resources.items() if p not in scoped
            }
            foreign = {p: RECORD_FACTORIES[k].create(identity, ABROAD) for p, k in scoped.items()}
            before = {p: _snapshot(RECORD_FACTORIES[k].table, foreign[p]) for p, k in scoped.items()}
            response = _call(identity, endpoint, _path(endpoint, {**unscoped_ids, **foreign}), headers)
            assert response.status_code == 404, (
                f"{label(endpoint)} ({probe}) reached a record of {ABROAD}: {response.status_code} {response.body[:300]!r}"
            )
            assert body_of(response)["error"]["code"] == "not_found"
            after = {p: _snapshot(RECORD_FACTORIES[k].table, foreign[p]) for p, k in scoped.items()}
            assert after == before, f"{label(endpoint)} ({probe}) changed a record of {ABROAD}"

            # Control: the same route finds a record of the caller's own country (so the 404 above
            # came from the scope, not from a broken route or a wrong id).
            home = {p: RECORD_FACTORIES[k].create(identity, HOME) for p, k in scoped.items()}
            response = _call(identity, endpoint, _path(endpoint, {**unscoped_ids, **home}), headers)
            assert response.status_code != 404 and response.status_code < 500, (
                f"{label(endpoint)} ({probe}) on its own country's record: {response.status_code} {response.body[:300]!r}"
            )
            checked += 1
    assert checked >= 2 * len([e for e in WITH_PATH_IDS if set(e.path_resources.values()) & set(RECORD_FACTORIES)])
