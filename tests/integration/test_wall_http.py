"""What a hostile client found (issue 12, points 4-10), replayed over HTTP: every answer is a 4xx
naming the field, and nothing is written."""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import date
from typing import Any

import httpx
import pytest

from chalicelib.tls import verifying_context
from tests.factories import JSON_HEADERS, Identity, body_of
from tests.support.calendar_api import Api, new_property, new_room_type, staff_api, table_count
from tests.support.live_api import live_api

WRITES = ("properties", "room_types", "rate_plans", "booking_groups", "roles", "users", "audit_log")


def counts() -> dict[str, int]:
    return {table: table_count(table) for table in WRITES}


def fields(body: Any) -> set[str]:
    return {d.get("field") for d in body["error"]["details"]}


def test_ids_beyond_their_columns_are_404_in_paths_and_422_elsewhere(identity: Identity) -> None:
    api = staff_api(identity)
    hotel = new_property(api)
    room_type = new_room_type(api, hotel["id"])
    bookings = Api(identity, identity.headers(role="Reservations Staff", country="VN"))
    before = counts()

    assert bookings.get("/bookings/2147483648")[0] == 404
    assert api.get("/properties/99999999999999999999")[0] == 404
    assert api.get("/properties/2147483647")[0] == 404  # negative control: in range, just missing
    status, body = bookings.get("/bookings?property_id=9223372036854775808")
    assert status == 422 and fields(body) == {"query.property_id"}, body
    line = {"room_type_id": 2378034376142964.0, "check_in": "2030-03-01", "check_out": "2030-03-03"}
    status, body = bookings.post("/bookings", {"property_id": hotel["id"], "guest_name": "G", "lines": [line]})
    assert status == 422 and fields(body) == {"body.lines.0.room_type_id"}, body
    status, body = api.patch(f"/room-types/{room_type['id']}", {"total_rooms": 2**40})
    assert status == 422 and fields(body) == {"body.total_rooms"}, body
    assert counts() == before


@pytest.mark.parametrize("path", ["/auth/login", "/auth/forgot-password"])
def test_nul_characters_are_422_naming_the_field_even_before_login(identity: Identity, path: str) -> None:
    body = {"email": "a\u0000b@example.com", "password": "Whatever-Password-1"}
    if path.endswith("forgot-password"):
        body.pop("password")
    response = identity.client.http.post(path, headers=JSON_HEADERS, body=json.dumps(body))
    assert response.status_code == 422, response.body
    assert fields(body_of(response)) == {"body.email"}


def test_nul_characters_in_filters_and_guest_fields_are_422(identity: Identity) -> None:
    api = staff_api(identity)
    hotel = new_property(api)
    new_room_type(api, hotel["id"])
    before = counts()
    status, body = api.get("/properties?search=a%00b")
    assert status == 422 and fields(body) == {"query.search"}, body
    status, body = api.post(
        "/properties",
        {"code": "X1", "name": "a\u0000b", "country_code": "VN", "timezone": "Asia/Ho_Chi_Minh", "currency": "VND"},
    )
    assert status == 422 and fields(body) == {"body.name"}, body
    assert counts() == before


@pytest.mark.parametrize(
    "raw",
    ["[" * 50_000, '{"a":' * 20_000, '{"email": ' + "1" * 5_000 + "}"],
    ids=["brackets", "objects", "5000-digits"],
)
def test_deep_or_enormous_json_is_400(identity: Identity, raw: str) -> None:
    response = identity.client.http.post("/auth/login", headers=JSON_HEADERS, body=raw)
    assert response.status_code == 400, response.body
    assert body_of(response)["error"]["code"] == "invalid_json"


def test_dates_at_the_edge_are_422_naming_the_field(identity: Identity) -> None:
    api = staff_api(identity)
    hotel = new_property(api)
    room_type = new_room_type(api, hotel["id"])
    before = counts()
    status, body = api.get(f"/properties/{hotel['id']}/calendar?date_from=2030-01-01&date_to=9999-12-31")
    assert status == 422 and fields(body) == {"query.date_to"}, body
    bulk = {"room_type_ids": [room_type["id"]], "date_from": "9999-12-30", "date_to": "9999-12-31", "stop_sell": True}
    for action in ("preview", "bulk-update"):
        status, body = api.post(f"/properties/{hotel['id']}/calendar/{action}", bulk)
        assert status == 422 and {"body.date_from", "body.date_to"} <= fields(body), body
    assert counts() == before
    assert date.today().year < 2100  # the window is wide enough for real dates


def test_a_base_plan_given_a_parent_is_422_with_a_reason(identity: Identity) -> None:
    api = staff_api(identity)
    hotel = new_property(api)
    room_type = new_room_type(api, hotel["id"])
    base = f"/room-types/{room_type['id']}/rate-plans"
    first = api.ok("POST", base, {"code": "BAR", "name": "BAR"})
    second = api.ok("POST", base, {"code": "NRF", "name": "NRF"})
    for parent in (first["id"], second["id"]):
        status, body = api.patch(f"/rate-plans/{second['id']}", {"parent_id": parent})
        assert status == 422, body
        assert fields(body) & {"body.parent_id", "body.derivation_value"}, body
    # Negative control: with a derivation the same change is accepted.
    change = {"parent_id": first["id"], "derivation_kind": "percent", "derivation_value": "-10"}
    assert api.patch(f"/rate-plans/{second['id']}", change)[0] == 200


# --- 8: the database decides who wins; the losers get 409 naming the field -------------------------------
RACERS = 16


def race(url: str, method: str, path: str, headers: dict[str, str], body: dict[str, Any]) -> Counter[int]:
    start = threading.Barrier(RACERS)
    answers: list[httpx.Response] = []
    guard = threading.Lock()

    failures: list[BaseException] = []

    def racer() -> None:
        try:
            with httpx.Client(base_url=url, timeout=60, verify=verifying_context()) as client:
                start.wait()
                response = client.request(method, path, headers={**JSON_HEADERS, **headers}, content=json.dumps(body))
        except Exception as exc:
            failures.append(exc)
            return
        with guard:
            answers.append(response)

    threads = [threading.Thread(target=racer) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    for response in answers:
        if response.status_code == 409:
            assert response.json()["error"]["details"][0]["field"] == expected_field(path, body), response.text
    return Counter(response.status_code for response in answers)


def expected_field(path: str, body: dict[str, Any]) -> str:
    return "body.email" if "email" in body else "body.name" if path == "/roles" else "body.code"


def test_sixteen_identical_creates_make_one_record_and_fifteen_409s(identity: Identity) -> None:
    api = staff_api(identity)
    hotel = new_property(api)
    super_admin = identity.headers(role="Super Admin", country=None)
    admin = identity.headers(role="Admin", country=None)
    property_body = {
        "code": "RACE-1",
        "name": "Race",
        "country_code": "VN",
        "timezone": "Asia/Ho_Chi_Minh",
        "currency": "VND",
    }
    cases = [
        ("/properties", api.headers, property_body, "properties"),
        (
            f"/properties/{hotel['id']}/room-types",
            api.headers,
            {"code": "RACE", "name": "Race room", "total_rooms": 3, "base_rate": "100"},
            "room_types",
        ),
        ("/roles", super_admin, {"name": "Race role", "permissions": ["BOOKINGS_READ"]}, "roles"),
        (
            "/users",
            admin,
            {
                "email": "race@example.com",
                "full_name": "Racer",
                "country_code": "VN",
                "role_id": identity.role_id("Finance"),
                "password": "Morning-Glory-Tea-88",
            },
            "users",
        ),
    ]
    with live_api() as url:
        for path, headers, body, table in cases:
            before = table_count(table)
            outcome = race(url, "POST", path, headers, body)
            assert outcome == Counter({201: 1, 409: RACERS - 1}), (path, outcome)
            assert table_count(table) == before + 1


def test_every_registered_unique_constraint_exists_in_the_schema(database_url: str) -> None:
    from sqlalchemy import text

    from chalicelib.api.db_errors import UNIQUE_FIELDS
    from chalicelib.db.unit_of_work import unit_of_work

    with unit_of_work() as uow:
        names = set(uow.session.scalars(text("SELECT conname FROM pg_constraint WHERE contype = 'u'")))
        names |= set(uow.session.scalars(text("SELECT indexname FROM pg_indexes WHERE indexdef LIKE 'CREATE UNIQUE%'")))
    assert set(UNIQUE_FIELDS) <= names, set(UNIQUE_FIELDS) - names
