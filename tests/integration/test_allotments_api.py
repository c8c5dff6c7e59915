"""Agencies, contracts, allotment events and the pool over HTTP (chalice test client, real PostgreSQL).

The pool is the calendar: an active contract's outstanding rooms are withheld in
``inventory_days.blocked`` in the contract's own transaction, with ARI outbox rows, so direct
bookings and the OTAs only see what the allotments leave.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.permissions import Permission
from chalicelib.services import allotment_service
from tests.booking_factories import Hotel, make_hotel, point_at_moto
from tests.factories import Identity, body_of
from tests.support.calendar_api import Api, table_count

ALLOTMENT_STAFF = (
    Permission.AGENCIES_READ
    | Permission.AGENCIES_WRITE
    | Permission.CONTRACTS_READ
    | Permission.CONTRACTS_WRITE
    | Permission.PROPERTIES_READ
    | Permission.AUDIT_READ
)


@pytest.fixture(autouse=True)
def _relays_go_to_moto(identity: Identity, moto_server: object, monkeypatch: pytest.MonkeyPatch) -> None:
    point_at_moto(moto_server, monkeypatch)


def staff(identity: Identity, country: str = "VN") -> Api:
    return Api(identity, identity.headers(permissions=ALLOTMENT_STAFF, country=country))


def new_agency(api: Api, code: str = "SGN-TRAVEL", **overrides: Any) -> dict[str, Any]:
    body = {"code": code, "name": "Saigon Travel", "country_code": "VN", **overrides}
    return api.ok("POST", "/agencies", body)  # type: ignore[no-any-return]


def contract_body(
    hotel: Hotel, agency_id: int, *, first: int, last: int, rooms: int, **overrides: Any
) -> dict[str, Any]:
    return {
        "agency_id": agency_id,
        "property_id": hotel.property_id,
        "name": "Summer allotment",
        "status": "active",
        "currency": hotel.currency,
        "seasons": [
            {
                "room_type_id": hotel.room_type_ids[0],
                "date_from": hotel.night(first).isoformat(),
                "date_to": hotel.night(last).isoformat(),
                "rooms": rooms,
                "rate": "900000",
            }
        ],
        **overrides,
    }


def blocked(hotel: Hotel) -> dict[int, int]:
    """Offset from today → blocked rooms, for the first room type's nights that have any."""
    with unit_of_work() as uow:
        rows = uow.session.execute(
            text("SELECT night, blocked FROM inventory_days WHERE room_type_id = :rt AND blocked > 0 ORDER BY night"),
            {"rt": hotel.room_type_ids[0]},
        ).all()
    return {(night - hotel.today).days: rooms for night, rooms in rows}


def ari_availability(hotel: Hotel) -> dict[int, int]:
    """Offset → the availability of the newest ARI outbox row of each night of the first room type."""
    with unit_of_work() as uow:
        rows = uow.session.execute(
            text(
                "SELECT DISTINCT ON (night) night, payload FROM ari_changes"
                " WHERE room_type_id = :rt AND rate_plan_id IS NULL ORDER BY night, id DESC"
            ),
            {"rt": hotel.room_type_ids[0]},
        ).all()
    return {(night - hotel.today).days: payload["values"]["availability"] for night, payload in rows}


def book(identity: Identity, hotel: Hotel, *, first: int, nights: int, rooms: int) -> Any:
    body = {
        "property_id": hotel.property_id,
        "guest_name": "Direct Guest",
        "lines": [
            {
                "room_type_id": hotel.room_type_ids[0],
                "check_in": hotel.night(first).isoformat(),
                "check_out": hotel.night(first + nights).isoformat(),
                "rooms": rooms,
            }
        ],
    }
    return identity.client.http.post(
        "/bookings", headers=identity.headers("Reservations Staff", "VN"), body=json.dumps(body)
    )


def test_agencies_are_created_checked_audited_and_kept_in_their_country(identity: Identity) -> None:
    api = staff(identity)
    agency = new_agency(api, credit_limit="500000000", credit_currency="VND", payment_terms_days=45)
    assert (agency["status"], agency["credit_limit"], agency["payment_terms_days"]) == ("active", "500000000.000", 45)

    code, answer = api.post("/agencies", {"code": "SGN-TRAVEL", "name": "Copy", "country_code": "VN"})
    assert code == 409 and answer["error"]["details"][0]["field"] == "body.code"
    code, answer = api.post(
        "/agencies", {"code": "X1", "name": "No currency", "country_code": "VN", "credit_limit": "5"}
    )
    assert code == 422 and answer["error"]["details"][0]["field"] == "body.credit_currency"
    code, answer = api.post(
        "/agencies",
        {"code": "X2", "name": "Decimals", "country_code": "VN", "credit_limit": "5.5", "credit_currency": "VND"},
    )
    assert code == 422 and answer["error"]["details"][0]["field"] == "body.credit_limit"

    updated = api.ok("PATCH", f"/agencies/{agency['id']}", {"status": "suspended"})
    assert updated["status"] == "suspended"
    assert table_count("audit_log", "entity_type = 'agency'") == 2
    page = api.ok("GET", "/agencies?search=saigon&page_size=1")
    assert (page["total"], page["items"][0]["id"]) == (1, agency["id"])

    abroad = staff(identity, "MY")
    assert abroad.get(f"/agencies/{agency['id']}")[0] == 404
    assert abroad.ok("GET", "/agencies")["total"] == 0
    code, _ = abroad.post("/agencies", {"code": "VN-FROM-MY", "name": "Elsewhere", "country_code": "VN"})
    assert code == 422


def test_an_active_contract_withholds_its_rooms_from_direct_bookings_and_the_otas(identity: Identity) -> None:
    hotel = make_hotel(rooms=(5,))
    api = staff(identity)
    agency = new_agency(api)

    contract = api.ok("POST", "/contracts", contract_body(hotel, agency["id"], first=1, last=3, rooms=3))

    assert contract["version"] == 1
    assert blocked(hotel) == {1: 3, 2: 3, 3: 3}
    assert {offset: available for offset, available in ari_availability(hotel).items() if offset in (1, 2, 3)} == {
        1: 2,
        2: 2,
        3: 2,
    }
    refused = book(identity, hotel, first=2, nights=1, rooms=3)
    assert refused.status_code == 409, refused.body
    assert [d["night"] for d in body_of(refused)["error"]["details"]] == [hotel.night(2).isoformat()]
    assert book(identity, hotel, first=2, nights=1, rooms=2).status_code == 201

    # Night 2 now has no free room: a second contract taking one there is refused whole.
    contracts_before = table_count("agency_contracts")
    code, answer = api.post("/contracts", contract_body(hotel, agency["id"], first=1, last=2, rooms=1))
    assert code == 409 and answer["error"]["code"] == "insufficient_inventory"
    assert [d["night"] for d in answer["error"]["details"]] == [hotel.night(2).isoformat()]
    assert table_count("agency_contracts") == contracts_before
    assert blocked(hotel) == {1: 3, 2: 3, 3: 3}


def test_events_amendments_and_the_end_of_a_contract_move_the_pool(identity: Identity) -> None:
    hotel = make_hotel(rooms=(5,))
    api = staff(identity)
    agency = new_agency(api)
    contract = api.ok("POST", "/contracts", contract_body(hotel, agency["id"], first=1, last=3, rooms=3))
    path = f"/contracts/{contract['id']}"

    api.ok(
        "POST",
        f"{path}/events",
        {
            "kind": "REDUCE_ALLOTMENT",
            "rooms": 2,
            "date_from": hotel.night(1).isoformat(),
            "date_to": hotel.night(1).isoformat(),
        },
    )
    assert blocked(hotel) == {1: 1, 2: 3, 3: 3}
    assert ari_availability(hotel)[1] == 4

    code, answer = api.post(f"{path}/events", {"kind": "INCREASE_ALLOTMENT", "rooms": 3})
    assert code == 409 and answer["error"]["code"] == "insufficient_inventory"
    assert table_count("allotment_events") == 1
    code, answer = api.post(f"{path}/events", {"kind": "RATE_CHANGE"})
    assert code == 422 and answer["error"]["details"][0]["field"] == "body.rate"
    code, answer = api.post(f"{path}/events", {"kind": "RELEASE", "date_from": hotel.night(1).isoformat()})
    assert code == 422 and answer["error"]["details"][0]["field"] == "body.date_to"

    amended = api.ok("PATCH", path, {"release_steps": [{"days_before": 5, "rooms_kept": 1}], "notes": "renegotiated"})
    assert amended["version"] == 2
    api.ok("PATCH", path, {"notes": "renegotiated"})  # nothing changes: no new version
    assert [v["version"] for v in api.ok("GET", f"{path}/versions")] == [1, 2]
    assert blocked(hotel) == {1: 1, 2: 1, 3: 1}
    code, answer = api.patch(path, {"release_steps": [{"days_before": 400, "rooms_kept": 0}]})
    assert code == 422 and answer["error"]["details"][0]["field"] == "body.release_steps.0.days_before"
    season = {"room_type_id": hotel.room_type_ids[0], "date_from": str(hotel.night(2)), "date_to": str(hotel.night(1))}
    code, answer = api.patch(path, {"seasons": [{**season, "rooms": 1, "rate": "1.5"}]})
    assert code == 422 and answer["error"]["details"][0]["field"] == "body.seasons.0.date_to"

    ended = api.ok("DELETE", path, status=200)
    assert (ended["status"], ended["version"]) == ("ended", 3)
    assert blocked(hotel) == {}
    assert ari_availability(hotel)[2] == 5
    assert table_count("audit_log", "entity_type = 'contract'") == 4  # created, event, amended, ended
    assert api.patch(path, {"notes": "too late"})[0] == 422


def test_the_calendar_views_show_contracted_picked_up_remaining_and_the_pool(identity: Identity) -> None:
    hotel = make_hotel(rooms=(5,))
    api = staff(identity)
    agency = new_agency(api)
    contract = api.ok("POST", "/contracts", contract_body(hotel, agency["id"], first=1, last=2, rooms=2))

    mine = api.ok("GET", f"/contracts/{contract['id']}/allotments?date_from={hotel.night(0)}&date_to={hotel.night(5)}")
    assert [(n["night"], n["contracted"], n["remaining"], n["rate"]) for n in mine["allotments"]] == [
        (hotel.night(1).isoformat(), 2, 2, "900000.000"),
        (hotel.night(2).isoformat(), 2, 2, "900000.000"),
    ]
    whole = api.ok(
        "GET", f"/properties/{hotel.property_id}/allotments?date_from={hotel.night(1)}&date_to={hotel.night(3)}"
    )
    assert [(p["allotted"], p["blocked"], p["pool"]) for p in whole["pool"]] == [(2, 0, 3), (2, 0, 3), (0, 0, 5)]

    code, answer = api.get(
        f"/contracts/{contract['id']}/allotments?date_from={hotel.night(0)}&date_to={hotel.night(400)}"
    )
    assert code == 422 and answer["error"]["details"][0]["field"] == "query.date_to"
    abroad = staff(identity, "MY")
    assert abroad.get(f"/contracts/{contract['id']}/allotments")[0] == 404
    assert abroad.get(f"/properties/{hotel.property_id}/allotments")[0] == 404
    assert abroad.ok("GET", "/contracts")["total"] == 0


def test_a_release_step_gives_unsold_rooms_back_at_local_midnight_through_the_housekeeping(identity: Identity) -> None:
    hotel = make_hotel(rooms=(5,))  # Asia/Ho_Chi_Minh, UTC+7
    api = staff(identity)
    agency = new_agency(api)
    body = contract_body(
        hotel, agency["id"], first=5, last=6, rooms=3, release_steps=[{"days_before": 2, "rooms_kept": 0}]
    )
    api.ok("POST", "/contracts", body)
    assert blocked(hotel) == {5: 3, 6: 3}

    local = ZoneInfo("Asia/Ho_Chi_Minh")
    release_day = datetime.combine(hotel.night(3), time(0, 0), tzinfo=local)  # night 5 minus 2 days
    allotment_service.apply_releases(clock=lambda: (release_day - timedelta(minutes=1)).astimezone(UTC))
    assert blocked(hotel) == {5: 3, 6: 3}
    result = allotment_service.apply_releases(clock=lambda: (release_day + timedelta(minutes=1)).astimezone(UTC))
    assert result["properties"] >= 1
    assert blocked(hotel) == {6: 3}
    assert ari_availability(hotel)[5] == 5


def test_allotment_events_are_append_only(identity: Identity) -> None:
    hotel = make_hotel(rooms=(5,))
    api = staff(identity)
    contract = api.ok("POST", "/contracts", contract_body(hotel, new_agency(api)["id"], first=1, last=1, rooms=1))
    api.ok("POST", f"/contracts/{contract['id']}/events", {"kind": "STOP_SALE"})
    [event] = api.ok("GET", f"/contracts/{contract['id']}/events")
    assert event["kind"] == "STOP_SALE"
    for statement in ("UPDATE allotment_events SET sequence = 9", "DELETE FROM allotment_events"):
        with pytest.raises(DBAPIError), unit_of_work() as uow:
            uow.session.execute(text(statement))
    assert table_count("allotment_events") == 1
