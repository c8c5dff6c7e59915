"""Agency accounts and API keys over HTTP (real app, real PostgreSQL): the agency scope on every route.

An agency's user (partner role) and its API keys see only their agency's agencies, contracts,
allotments, agency bookings and sale orders: another agency's id is 404, lists and CSV hold only
their own rows, and every route not declared for partners is 403. Walks ``app.routes`` like
tests/integration/test_country_scoping.py, so routes added later are covered.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import text

from app import app
from chalicelib.api.routing import Endpoint, endpoints_of
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.permissions import API_KEY_PERMISSIONS, Permission, has, permission_names
from tests.booking_factories import make_hotel, point_at_moto
from tests.factories import JSON_HEADERS, RECORD_FACTORIES, Identity, TestUser, body_of
from tests.integration.test_allotments_api import contract_body, new_agency, staff
from tests.support.calendar_api import Api

ENDPOINTS = sorted(endpoints_of(app), key=lambda e: (e.path, e.method))
PARTNER_ROUTES = [e for e in ENDPOINTS if e.partner]
STAFF_ROUTES = [e for e in ENDPOINTS if not e.public and not e.partner]


@pytest.fixture(autouse=True)
def _relays_go_to_moto(identity: Identity, moto_server: object, monkeypatch: pytest.MonkeyPatch) -> None:
    point_at_moto(moto_server, monkeypatch)


def label(endpoint: Endpoint) -> str:
    return f"{endpoint.method} {endpoint.path}"


def sql(statement: str, **values: Any) -> Any:
    with unit_of_work() as uow:
        return uow.session.execute(text(statement), values)


def agency_user(identity: Identity, agency_id: int, role: str = "Agency Admin") -> TestUser:
    user = identity.user(role, "VN")
    sql("UPDATE users SET agency_id = :agency WHERE id = :id", agency=agency_id, id=user.id)
    return user


def agency_row(identity: Identity) -> int:
    return int(RECORD_FACTORIES["agency"].create(identity, "VN"))


def adopt(kind: str, record_id: int, agency_id: int) -> int:
    """Make a factory record of ``kind`` belong to ``agency_id`` (the walk's own-agency control)."""
    if kind == "agency":
        return agency_id
    if kind == "contract":
        sql("UPDATE agency_contracts SET agency_id = :a WHERE id = :id", a=agency_id, id=record_id)
    elif kind == "agency_booking":
        sql("UPDATE agency_bookings SET agency_id = :a WHERE booking_group_id = :id", a=agency_id, id=record_id)
        sql(
            "UPDATE agency_contracts SET agency_id = :a WHERE id ="
            " (SELECT contract_id FROM agency_bookings WHERE booking_group_id = :id)",
            a=agency_id,
            id=record_id,
        )
    elif kind == "sale_order":
        sql("UPDATE sale_orders SET agency_id = :a WHERE id = :id", a=agency_id, id=record_id)
        sql(
            "UPDATE agency_contracts SET agency_id = :a WHERE id = (SELECT contract_id FROM sale_orders WHERE id = :id)",
            a=agency_id,
            id=record_id,
        )
    elif kind == "api_key":
        sql("UPDATE api_keys SET agency_id = :a WHERE id = :id", a=agency_id, id=record_id)
    else:
        raise AssertionError(f"a partner route names records of kind {kind!r}: teach adopt() to give one an agency")
    return record_id


def example_body(endpoint: Endpoint) -> bytes:
    if endpoint.body_model is None:
        return b""
    examples = endpoint.body_model.model_json_schema().get("examples") or [{}]
    return json.dumps(examples[0]).encode()


def call(identity: Identity, endpoint: Endpoint, ids: dict[str, Any], headers: dict[str, str]) -> Any:
    path = endpoint.path
    for name, value in ids.items():
        path = path.replace("{" + name + "}", str(value))
    return identity.client.http.request(
        endpoint.method, path, headers={**JSON_HEADERS, **headers}, body=example_body(endpoint)
    )


def create_key(api: Api, agency_id: int, permissions: Permission = API_KEY_PERMISSIONS, **extra: Any) -> Any:
    body = {"name": "Booking engine", "permissions": permission_names(permissions), **extra}
    return api.ok("POST", f"/agencies/{agency_id}/api-keys", body)


def test_agency_accounts_reach_only_partner_routes_and_api_keys_nothing_else(identity: Identity) -> None:
    own = agency_row(identity)
    admin = identity.login(agency_user(identity, own)).headers
    # one request per staff route: more than the default 120 a minute a key may make
    key = create_key(Api(identity, admin), own, rate_limit_per_minute=10_000)["key"]
    probes = {"agency admin": admin, "api key": {"X-API-Key": key}}
    for endpoint in STAFF_ROUTES:
        ids = dict.fromkeys(endpoint.path_params, 1)
        for probe, headers in probes.items():
            if endpoint.permission is None and probe == "agency admin":
                continue  # /me, logout, 2FA of the account itself
            response = call(identity, endpoint, ids, headers)
            assert response.status_code == 403, f"{label(endpoint)} ({probe}): {response.status_code}"
            assert body_of(response)["error"]["code"] == "forbidden"
    me = call(identity, next(e for e in ENDPOINTS if e.path == "/me"), {}, admin)
    assert me.status_code == 200 and body_of(me)["visible_countries"] == []
    # The live socket of an agency account hears no country's bookings and alerts.
    ticket = identity.client.http.post("/live/ticket", headers=admin, body=b"")
    assert ticket.status_code == 201
    stored = sql("SELECT countries FROM live_tickets ORDER BY expires_at DESC LIMIT 1").scalar_one()
    assert stored == []


def test_me_names_the_agency_of_an_agency_account_and_none_for_staff(identity: Identity) -> None:
    """The dashboard turns into the agency's portal, titled with its name, from ``GET /me`` alone."""
    desk = staff(identity)
    own = new_agency(desk, "OWN-TRAVEL", name="Own Travel")
    new_agency(desk, "OTHER-TRAVEL", name="Other Travel")
    partner = Api(identity, identity.login(agency_user(identity, own["id"], "Agency Partner")).headers)
    me = partner.ok("GET", "/me")
    assert me["user"]["agency_id"] == own["id"]
    assert me["agency_name"] == "Own Travel"
    assert me["may_switch_country"] is False
    answer = desk.ok("GET", "/me")
    assert answer["user"]["agency_id"] is None and answer["agency_name"] is None


def test_an_agency_account_learns_the_names_of_its_own_contracts_properties_only(identity: Identity) -> None:
    """``GET /contract-properties``: the portal's names of properties and room types, in the contract scope."""
    desk = staff(identity)
    own_hotel, other_hotel = make_hotel(rooms=(5, 3)), make_hotel(rooms=(5,))
    own, other = new_agency(desk, "OWN-NAMES"), new_agency(desk, "OTHER-NAMES")
    desk.ok("POST", "/contracts", contract_body(own_hotel, own["id"], first=3, last=6, rooms=1))
    desk.ok("POST", "/contracts", contract_body(other_hotel, other["id"], first=3, last=6, rooms=1))
    partner = Api(identity, identity.login(agency_user(identity, own["id"], "Agency Partner")).headers)
    answer = partner.ok("GET", "/contract-properties")
    assert [p["id"] for p in answer] == [own_hotel.property_id]
    assert sorted(r["id"] for r in answer[0]["room_types"]) == sorted(own_hotel.room_type_ids)
    assert answer[0]["name"] and answer[0]["timezone"] and set(answer[0]["room_types"][0]) == {"id", "code", "name"}
    assert {own_hotel.property_id, other_hotel.property_id} <= {p["id"] for p in desk.ok("GET", "/contract-properties")}
    elsewhere = {p["id"] for p in staff(identity, "MY").ok("GET", "/contract-properties")}
    assert own_hotel.property_id not in elsewhere and other_hotel.property_id not in elsewhere


def test_every_partner_route_answers_404_for_another_agencys_record_and_finds_its_own(identity: Identity) -> None:
    own = agency_row(identity)
    admin = identity.login(agency_user(identity, own)).headers
    key = create_key(Api(identity, admin), own)["key"]
    probes = {"agency admin": admin, "api key": {"X-API-Key": key}}
    checked = 0
    for endpoint in PARTNER_ROUTES:
        if not endpoint.path_params:
            continue
        for probe, headers in probes.items():
            if probe == "api key" and not has(API_KEY_PERMISSIONS, endpoint.permission or Permission(0)):
                continue
            kinds = endpoint.path_resources
            foreign = {p: RECORD_FACTORIES[k].create(identity, "VN") for p, k in kinds.items()}
            response = call(identity, endpoint, foreign, headers)
            assert response.status_code == 404, (
                f"{label(endpoint)} ({probe}) reached another agency's record: {response.status_code} {response.body!r}"
            )
            mine = {p: adopt(k, int(RECORD_FACTORIES[k].create(identity, "VN")), own) for p, k in kinds.items()}
            response = call(identity, endpoint, mine, headers)
            assert response.status_code != 404 and response.status_code < 500, (
                f"{label(endpoint)} ({probe}) on its own agency's record: {response.status_code} {response.body!r}"
            )
            checked += 1
    assert checked >= len([e for e in PARTNER_ROUTES if e.path_params])


def _two_agencies_with_sales(identity: Identity) -> tuple[Api, dict[str, Any], dict[str, Any]]:
    """Staff with contracts of two agencies on one hotel, each with a confirmed agency booking."""
    hotel = make_hotel(rooms=(10,))
    desk = Api(
        identity,
        identity.headers(
            permissions=Permission.AGENCIES_READ
            | Permission.AGENCIES_WRITE
            | Permission.CONTRACTS_READ
            | Permission.CONTRACTS_WRITE
            | Permission.BOOKINGS_CREATE
            | Permission.BOOKINGS_MANAGE
            | Permission.PARTNER_ADMIN,
            country="VN",
        ),
    )
    sales = {}
    for code in ("OWN-AG", "OTHER-AG"):
        agency = new_agency(desk, code)
        contract = desk.ok("POST", "/contracts", contract_body(hotel, agency["id"], first=3, last=6, rooms=2))
        line = {
            "room_type_id": hotel.room_type_ids[0],
            "check_in": hotel.night(3).isoformat(),
            "check_out": hotel.night(5).isoformat(),
            "rooms": 1,
        }
        booking = desk.ok("POST", f"/contracts/{contract['id']}/bookings", {"guest_name": "G", "lines": [line]})
        order = desk.ok("POST", f"/agency-bookings/{booking['booking_id']}/confirm", status=200)
        sales[code] = {"agency": agency, "contract": contract, "booking": booking, "order": order}
    return desk, sales["OWN-AG"], sales["OTHER-AG"]


def test_lists_and_the_csv_of_an_agency_account_hold_its_agency_only(identity: Identity) -> None:
    _, own, other = _two_agencies_with_sales(identity)
    partner = Api(identity, identity.login(agency_user(identity, own["agency"]["id"], "Agency Partner")).headers)
    assert [a["id"] for a in partner.ok("GET", "/agencies")["items"]] == [own["agency"]["id"]]
    assert [c["id"] for c in partner.ok("GET", "/contracts")["items"]] == [own["contract"]["id"]]
    assert partner.ok("GET", f"/contracts?agency_id={other['agency']['id']}")["items"] == []
    assert [o["id"] for o in partner.ok("GET", "/sale-orders")["items"]] == [own["order"]["id"]]
    assert partner.ok("GET", f"/sale-orders?agency_id={other['agency']['id']}")["total"] == 0
    status, csv = partner.get("/sale-orders.csv")
    assert status == 200 and own["order"]["number"] in csv and other["order"]["number"] not in csv
    # Another agency's records by id: 404, however they are reached.
    for path in (
        f"/agencies/{other['agency']['id']}",
        f"/contracts/{other['contract']['id']}",
        f"/contracts/{other['contract']['id']}/allotments",
        f"/sale-orders/{other['order']['id']}",
    ):
        assert partner.get(path)[0] == 404, path
    assert partner.post(f"/agency-bookings/{other['booking']['booking_id']}/cancel", {})[0] == 404
    # The property's calendar shows every agency's allotments: staff only.
    assert partner.get(f"/properties/{own['contract']['property_id']}/allotments")[0] == 403
    # Its own: found.
    assert partner.ok("GET", f"/sale-orders/{own['order']['id']}")["agency_id"] == own["agency"]["id"]


def test_an_agency_system_books_confirms_and_cancels_on_its_own_contract_with_an_api_key(identity: Identity) -> None:
    _, own, other = _two_agencies_with_sales(identity)
    own_id = own["agency"]["id"]
    admin = Api(identity, identity.login(agency_user(identity, own_id)).headers)
    system = Api(identity, {"X-API-Key": create_key(admin, own_id)["key"]})
    line = {**_line_of(own), "rooms": 1}
    booking = system.ok("POST", f"/contracts/{own['contract']['id']}/bookings", {"guest_name": "K", "lines": [line]})
    assert booking["agency_id"] == own_id and [n["from_allotment"] for n in booking["nights"]] == [1, 1]
    assert system.post(f"/contracts/{other['contract']['id']}/bookings", {"guest_name": "K", "lines": [line]})[0] == 404
    order = system.ok("POST", f"/agency-bookings/{booking['booking_id']}/confirm", status=200)
    assert order["agency_id"] == own_id and order["status"] == "to_invoice"
    assert {o["id"] for o in system.ok("GET", "/sale-orders")["items"]} == {own["order"]["id"], order["id"]}
    cancel = f"/agency-bookings/{booking['booking_id']}/cancel"
    cancelled = system.ok("POST", cancel, {"reason": "guest left"}, status=200)
    assert cancelled["status"] == "cancelled"
    # The booking's timeline names the key that acted (the audit's actor email too).
    actors = sql(
        "SELECT DISTINCT actor_email FROM audit_log WHERE entity_type = 'booking' AND entity_id = :id",
        id=str(booking["booking_id"]),
    ).scalars()
    assert {actor.split(":")[0] for actor in actors} == {"api-key"}


def _line_of(sale: dict[str, Any]) -> dict[str, Any]:
    night = sale["booking"]["nights"][0]
    return {
        "room_type_id": night["room_type_id"],
        "check_in": night["night"],
        "check_out": (date.fromisoformat(night["night"]) + timedelta(days=2)).isoformat(),
    }


def test_staff_and_an_agency_admin_invite_agency_users_of_that_agency_only(identity: Identity) -> None:
    desk, own, other = _two_agencies_with_sales(identity)
    own_id, other_id = own["agency"]["id"], other["agency"]["id"]
    invited = desk.ok(
        "POST", f"/agencies/{own_id}/users", {"email": "boss@own.example", "full_name": "Boss", "admin": True}
    )
    assert invited["agency_id"] == own_id and invited["role_name"] == "Agency Admin"
    assert invited["country_code"] == "VN"

    admin = Api(identity, identity.login(agency_user(identity, own_id)).headers)
    clerk = admin.ok("POST", f"/agencies/{own_id}/users", {"email": "clerk@own.example", "full_name": "Clerk"})
    assert clerk["agency_id"] == own_id and clerk["role_name"] == "Agency Partner"
    assert admin.post(f"/agencies/{other_id}/users", {"email": "x@other.example", "full_name": "X"})[0] == 404
    assert (
        admin.post("/users", {"email": "y@own.example", "full_name": "Y", "role_id": 1, "country_code": "VN"})[0] == 403
    )
    emails = {u["email"] for u in admin.ok("GET", f"/agencies/{own_id}/users")}
    assert {"boss@own.example", "clerk@own.example"} <= emails
    assert admin.get(f"/agencies/{other_id}/users")[0] == 404
    # A plain partner (no PARTNER_ADMIN) invites nobody.
    partner = Api(identity, identity.login(agency_user(identity, own_id, "Agency Partner")).headers)
    assert partner.post(f"/agencies/{own_id}/users", {"email": "z@own.example", "full_name": "Z"})[0] == 403
    audited = sql(
        "SELECT after->>'agency_id' FROM audit_log WHERE action = 'user.created' AND entity_id = :id",
        id=str(clerk["id"]),
    ).scalar_one()
    assert audited == str(own_id)


def test_an_api_key_is_shown_once_stored_hashed_scoped_revocable_and_tracks_its_last_use(identity: Identity) -> None:
    _, own, other = _two_agencies_with_sales(identity)
    own_id = own["agency"]["id"]
    admin = Api(identity, identity.login(agency_user(identity, own_id)).headers)
    created = create_key(admin, own_id, Permission.CONTRACTS_READ | Permission.AGENCIES_READ)
    key = created["key"]
    assert key.startswith(f"ptx_{created['prefix']}_") and len(key) >= 50
    assert created["permissions"] == ["AGENCIES_READ", "CONTRACTS_READ"] and created["last_used_at"] is None

    listed = admin.ok("GET", f"/agencies/{own_id}/api-keys")
    assert [k["id"] for k in listed] == [created["id"]] and "key" not in listed[0]
    stored = sql("SELECT * FROM api_keys WHERE id = :id", id=created["id"]).mappings().one()
    assert stored["secret_hash"] == hashlib.sha256(key.encode()).hexdigest()
    assert key not in json.dumps(dict(stored), default=str)
    audit = sql("SELECT before, after FROM audit_log WHERE entity_type = 'api_key'").all()
    assert audit and key not in json.dumps([list(row) for row in audit], default=str)

    system = Api(identity, {"X-API-Key": key})
    assert [c["id"] for c in system.ok("GET", "/contracts")["items"]] == [own["contract"]["id"]]
    assert system.get(f"/contracts/{other['contract']['id']}")[0] == 404
    # The key holds CONTRACTS_READ and AGENCIES_READ only: managing bookings is refused.
    assert system.post(f"/agency-bookings/{own['booking']['booking_id']}/cancel", {})[0] == 403
    last_used = sql("SELECT last_used_at FROM api_keys WHERE id = :id", id=created["id"]).scalar_one()
    assert last_used is not None

    # A key never holds more than its creator, nor anything an agency system may not have.
    refused = admin.post(f"/agencies/{own_id}/api-keys", {"name": "k", "permissions": ["CONTRACTS_WRITE"]})
    assert refused[0] == 422 and refused[1]["error"]["details"][0]["field"] == "body.permissions"
    assert admin.post(f"/agencies/{own_id}/api-keys", {"name": "k", "permissions": ["PARTNER_ADMIN"]})[0] == 422
    assert (
        admin.post(f"/agencies/{other['agency']['id']}/api-keys", {"name": "k", "permissions": ["CONTRACTS_READ"]})[0]
        == 404
    )

    revoked = admin.ok("DELETE", f"/api-keys/{created['id']}", status=200)
    assert revoked["revoked_at"] is not None
    after_revoke = identity.client.http.get("/contracts", headers={"X-API-Key": key})
    unknown = identity.client.http.get("/contracts", headers={"X-API-Key": key[:-4] + "AAAA"})
    malformed = identity.client.http.get("/contracts", headers={"X-API-Key": "nonsense"})
    assert after_revoke.status_code == unknown.status_code == malformed.status_code == 401
    bodies = [body_of(r)["error"] for r in (after_revoke, unknown, malformed)]
    assert {(b["code"], b["message"]) for b in bodies} == {("invalid_api_key", "Invalid API key.")}
    actions = sql("SELECT action FROM audit_log WHERE entity_type = 'api_key' ORDER BY id").scalars().all()
    assert actions == ["api_key.created", "api_key.revoked"]


def test_an_api_key_has_its_own_rate_limit(identity: Identity) -> None:
    own = agency_row(identity)
    admin = Api(identity, identity.login(agency_user(identity, own)).headers)
    limited = create_key(admin, own, Permission.CONTRACTS_READ, rate_limit_per_minute=3)["key"]
    other = create_key(admin, own, Permission.CONTRACTS_READ)["key"]
    answers = [identity.client.http.get("/contracts", headers={"X-API-Key": limited}) for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert int(answers[-1].headers["Retry-After"]) >= 1
    # Control: the other key of the same agency is not limited by the first one's use.
    assert identity.client.http.get("/contracts", headers={"X-API-Key": other}).status_code == 200


def test_a_key_loses_what_its_creator_loses(identity: Identity) -> None:
    own = agency_row(identity)
    creator = agency_user(identity, own)
    admin = Api(identity, identity.login(creator).headers)
    key = create_key(admin, own, Permission.CONTRACTS_READ)["key"]
    assert identity.client.http.get("/contracts", headers={"X-API-Key": key}).status_code == 200
    sql(
        "UPDATE users SET role_id = (SELECT id FROM roles WHERE name = 'Customer Service') WHERE id = :id",
        id=creator.id,
    )
    assert identity.client.http.get("/contracts", headers={"X-API-Key": key}).status_code == 403


def test_contract_search_ranks_name_above_conditions_above_notes_and_stays_in_scope(identity: Identity) -> None:
    hotel = make_hotel(rooms=(30,))
    desk = staff(identity)
    agency = new_agency(desk, "SEARCH-AG")
    other_agency = new_agency(desk, "OTHER-AG")
    bodies = {
        "notes": {"name": "Autumn block", "notes": "renews like the monsoon contract"},
        "name": {"name": "Monsoon allotment 2030"},
        "conditions": {"name": "Winter block", "conditions": "Monsoon cancellations free until 7 days"},
        "none": {"name": "Spring block", "notes": "dry season"},
    }
    ids = {}
    for index, (which, extra) in enumerate(bodies.items()):
        body = contract_body(hotel, agency["id"], first=index * 5 + 2, last=index * 5 + 3, rooms=1, **extra)
        ids[which] = desk.ok("POST", "/contracts", body)["id"]
    elsewhere = desk.ok(
        "POST", "/contracts", contract_body(hotel, other_agency["id"], first=25, last=26, rooms=1, name="Monsoon too")
    )["id"]

    found = desk.ok("GET", f"/contracts?q=monsoon&agency_id={agency['id']}")
    assert [c["id"] for c in found["items"]] == [ids["name"], ids["conditions"], ids["notes"]]
    assert found["total"] == 3
    assert desk.ok("GET", "/contracts?q=MONSOON")["total"] == 4
    phrase = quote('"free until"')
    assert desk.ok("GET", f"/contracts?q={phrase}")["items"][0]["id"] == ids["conditions"]
    assert desk.ok("GET", f"/contracts?q={quote('monsoon -allotment')}&agency_id={agency['id']}")["total"] == 2
    assert desk.ok("GET", "/contracts?q=typhoon")["total"] == 0
    assert desk.get("/contracts?q=")[0] == 422

    partner = Api(identity, identity.login(agency_user(identity, other_agency["id"], "Agency Partner")).headers)
    assert [c["id"] for c in partner.ok("GET", "/contracts?q=monsoon")["items"]] == [elsewhere]
    # Staff of another country find nothing of Vietnam.
    abroad = Api(identity, identity.headers("Reservations Staff", "ID"))
    assert abroad.ok("GET", "/contracts?q=monsoon")["total"] == 0
