"""Agency bookings against a contract's allotment and their sale orders, over HTTP (real PostgreSQL).

An agency booking picks rooms up from its contract's allotment (they move from the calendar's
``blocked`` to the booking's ``held``), a free-sale contract then takes from the pool, anything
else is a 409 naming the night and what remains; confirming writes a sale order at the
contract's rates; cancelling gives the rooms back to the allotment (or, after the release, to
the pool).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from chalicelib.db.models import BookingGroup
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.permissions import Permission
from chalicelib.services import booking_service, sale_order_service
from tests.booking_factories import Hotel, counters, make_hotel, point_at_moto
from tests.factories import Identity
from tests.integration.test_allotments_api import ALLOTMENT_STAFF, blocked, book, contract_body, new_agency
from tests.support.calendar_api import Api, table_count

AGENCY_DESK = ALLOTMENT_STAFF | Permission.BOOKINGS_CREATE | Permission.BOOKINGS_MANAGE | Permission.BOOKINGS_READ


@pytest.fixture(autouse=True)
def _relays_go_to_moto(identity: Identity, moto_server: object, monkeypatch: pytest.MonkeyPatch) -> None:
    point_at_moto(moto_server, monkeypatch)


def desk(identity: Identity, country: str = "VN") -> Api:
    return Api(identity, identity.headers(permissions=AGENCY_DESK, country=country))


def new_contract(api: Api, hotel: Hotel, code: str = "SGN-TRAVEL", **overrides: Any) -> dict[str, Any]:
    agency = new_agency(api, code)
    body = contract_body(hotel, agency["id"], first=5, last=8, rooms=3, **overrides)
    return api.ok("POST", "/contracts", body)  # type: ignore[no-any-return]


def agency_booking(hotel: Hotel, *, first: int, nights: int, rooms: int, room_type: int = 0) -> dict[str, Any]:
    line = {
        "room_type_id": hotel.room_type_ids[room_type],
        "check_in": hotel.night(first).isoformat(),
        "check_out": hotel.night(first + nights).isoformat(),
        "rooms": rooms,
    }
    return {"guest_name": "Agency Guest", "lines": [line]}


def picked_up(api: Api, hotel: Hotel, contract_id: int) -> dict[int, tuple[int, int]]:
    """Offset → (picked up, remaining) of the contract's first room type."""
    path = f"/contracts/{contract_id}/allotments?date_from={hotel.night(5)}&date_to={hotel.night(8)}"
    nights = api.ok("GET", path)["allotments"]
    return {(date_of(n["night"]) - hotel.today).days: (n["picked_up"], n["remaining"]) for n in nights}


def date_of(text_date: str) -> Any:
    return datetime.fromisoformat(text_date).date()


def held(hotel: Hotel) -> dict[int, int]:
    rows = counters(hotel.room_type_ids[0])
    return {(night - hotel.today).days: value[2] for night, value in rows.items() if value[2]}


def test_an_agency_books_its_allotment_confirms_a_sale_order_and_cancels_back_into_it(identity: Identity) -> None:
    hotel = make_hotel(rooms=(5,))
    api = desk(identity)
    contract = new_contract(api, hotel)
    path = f"/contracts/{contract['id']}/bookings"
    assert blocked(hotel) == {5: 3, 6: 3, 7: 3, 8: 3}

    booking = api.ok("POST", path, agency_booking(hotel, first=5, nights=2, rooms=2))
    assert booking["status"] == "pending" and booking["hold_expires_at"] is not None
    assert [(n["from_allotment"], n["from_pool"], n["rate"]) for n in booking["nights"]] == [(2, 0, "900000.000")] * 2
    assert booking["total"] == "3600000.000"
    assert blocked(hotel) == {5: 1, 6: 1, 7: 3, 8: 3} and held(hotel) == {5: 2, 6: 2}
    assert picked_up(api, hotel, contract["id"])[5] == (2, 1)

    # Beyond the allotment: 409 naming each night and what remains, nothing written.
    code, answer = api.post(path, agency_booking(hotel, first=5, nights=3, rooms=2))
    assert code == 409 and answer["error"]["code"] == "allotment_exhausted"
    details = {(d["night"], d["remaining"], d["requested"]) for d in answer["error"]["details"]}
    assert details == {(hotel.night(5).isoformat(), 1, 2), (hotel.night(6).isoformat(), 1, 2)}
    assert answer["error"]["details"][0]["field"] == "body.lines"
    assert blocked(hotel) == {5: 1, 6: 1, 7: 3, 8: 3} and held(hotel) == {5: 2, 6: 2}

    # The pool is untouched by the pick-up: direct bookings still get the 2 free rooms, not a third.
    assert book(identity, hotel, first=5, nights=1, rooms=3).status_code == 409
    assert book(identity, hotel, first=5, nights=1, rooms=2).status_code == 201

    order = api.ok("POST", f"/agency-bookings/{booking['booking_id']}/confirm", status=200)
    assert re.fullmatch(r"SO-\d{4}-\d{6}", order["number"])
    assert (order["status"], order["currency"], order["total"]) == ("to_invoice", hotel.currency, "3600000.000")
    assert [(line["night"], line["rooms"], line["rate"], line["amount"]) for line in order["lines"]] == [
        (hotel.night(5).isoformat(), 2, "900000.000", "1800000.000"),
        (hotel.night(6).isoformat(), 2, "900000.000", "1800000.000"),
    ]
    assert order["booking_reference"] == booking["reference"]
    again = api.ok("POST", f"/agency-bookings/{booking['booking_id']}/confirm", status=200)
    assert again["id"] == order["id"]
    assert counters(hotel.room_type_ids[0])[hotel.night(5)] == (5, 2, 2)  # agency sold 2, direct holds 2

    assert api.ok("GET", f"/sale-orders/{order['id']}")["number"] == order["number"]
    listed = api.ok("GET", f"/sale-orders?contract_id={contract['id']}&status=to_invoice")
    assert (listed["total"], listed["items"][0]["id"]) == (1, order["id"])
    code, exported = api.get(f"/sale-orders.csv?contract_id={contract['id']}")
    assert code == 200 and exported.splitlines()[0].startswith("number,status,agency_id")
    assert order["number"] in exported.splitlines()[1] and ",3600000.000,2,4," in exported.splitlines()[1]

    cancelled = api.ok("POST", f"/agency-bookings/{booking['booking_id']}/cancel", {"reason": "guest ill"}, status=200)
    assert cancelled["status"] == "cancelled"
    assert picked_up(api, hotel, contract["id"])[5] == (0, 3)
    assert blocked(hotel) == {5: 3, 6: 3, 7: 3, 8: 3}  # withheld for the agency again
    assert counters(hotel.room_type_ids[0])[hotel.night(5)] == (5, 0, 2)
    assert api.ok("GET", f"/sale-orders/{order['id']}")["status"] == "cancelled"
    actions = {"allotment.picked_up", "allotment.returned", "sale_order.created", "sale_order.cancelled"}
    mine = f"(entity_type = 'contract' AND entity_id = '{contract['id']}') OR entity_id = '{order['id']}'"
    assert table_count("audit_log", f"action IN {tuple(sorted(actions))} AND ({mine})") == 4


def test_a_free_sale_contract_takes_from_the_pool_beyond_its_allotment(identity: Identity) -> None:
    hotel = make_hotel(rooms=(5,))
    api = desk(identity)
    contract = new_contract(api, hotel, mode="free_sale")
    path = f"/contracts/{contract['id']}/bookings"
    # A booking confirmed through /bookings gets its sale order from /agency-bookings/{id}/confirm.
    other = api.ok("POST", path, agency_booking(hotel, first=8, nights=1, rooms=1))
    api.ok("PATCH", f"/bookings/{other['booking_id']}/confirm")
    late = api.ok("POST", f"/agency-bookings/{other['booking_id']}/confirm", status=200)
    assert (late["status"], late["total"], len(late["lines"])) == ("to_invoice", "900000.000", 1)
    api.ok("POST", f"/agency-bookings/{other['booking_id']}/cancel", {}, status=200)

    booking = api.ok("POST", path, agency_booking(hotel, first=5, nights=1, rooms=4))
    assert [(n["from_allotment"], n["from_pool"]) for n in booking["nights"]] == [(3, 1)]
    assert blocked(hotel).get(5) is None and held(hotel) == {5: 4}
    code, answer = api.post(path, agency_booking(hotel, first=5, nights=1, rooms=2))
    assert code == 409 and answer["error"]["code"] == "insufficient_inventory"
    assert answer["error"]["details"][0]["night"] == hotel.night(5).isoformat()

    api.ok("POST", f"/agency-bookings/{booking['booking_id']}/cancel", {}, status=200)
    assert blocked(hotel)[5] == 3 and held(hotel) == {}  # 3 back to the allotment, 1 to the pool


def test_rooms_cancelled_after_the_release_go_to_the_pool(identity: Identity) -> None:
    hotel = make_hotel(rooms=(5,))
    api = desk(identity)
    contract = new_contract(api, hotel)
    booking = api.ok("POST", f"/contracts/{contract['id']}/bookings", agency_booking(hotel, first=5, nights=1, rooms=2))
    api.ok("POST", f"/contracts/{contract['id']}/events", {"kind": "RELEASE"})
    assert blocked(hotel).get(5) is None

    api.ok("POST", f"/agency-bookings/{booking['booking_id']}/cancel", {}, status=200)
    assert blocked(hotel).get(5) is None and held(hotel) == {}
    assert picked_up(api, hotel, contract["id"])[5] == (0, 0)
    assert book(identity, hotel, first=5, nights=1, rooms=5).status_code == 201  # the whole house is the pool's


def expire(booking_id: int) -> None:
    with unit_of_work() as uow:
        group = uow.session.get(BookingGroup, booking_id)
        assert group is not None
        group.hold_expires_at = datetime.now(UTC) - timedelta(minutes=1)


def test_an_expired_agency_hold_gives_its_rooms_back_through_the_housekeeping(identity: Identity) -> None:
    hotel = make_hotel(rooms=(5,))
    api = desk(identity)
    contract = new_contract(api, hotel)
    path = f"/contracts/{contract['id']}/bookings"
    booking = api.ok("POST", path, agency_booking(hotel, first=6, nights=1, rooms=3))
    assert blocked(hotel)[5] == 3 and blocked(hotel).get(6) is None
    expire(booking["booking_id"])

    # The agency task runs before expire_holds: the hold ends and its rooms are withheld again at once.
    assert sale_order_service.return_cancelled_rooms() == {"agency_bookings_returned": 1}
    assert booking_service.expire_holds()["holds_expired"] == 0
    assert blocked(hotel)[6] == 3 and held(hotel) == {}
    assert picked_up(api, hotel, contract["id"])[6] == (0, 3)
    code, answer = api.post(f"/agency-bookings/{booking['booking_id']}/confirm", None)
    assert code == 409 and answer["error"]["code"] == "booking_not_pending"
    timeline = api.ok("GET", f"/bookings/{booking['booking_id']}")["timeline"]
    assert timeline[-1]["kind"] == "expired"

    # Expired by expire_holds first (or cancelled by staff): the rooms come back on the next run.
    second = api.ok("POST", path, agency_booking(hotel, first=7, nights=1, rooms=2))
    expire(second["booking_id"])
    assert booking_service.expire_holds()["holds_expired"] == 1
    assert blocked(hotel)[7] == 1 and held(hotel) == {}  # the two rooms are in the pool for now
    assert sale_order_service.return_cancelled_rooms() == {"agency_bookings_returned": 1}
    assert sale_order_service.return_cancelled_rooms() == {"agency_bookings_returned": 0}
    assert blocked(hotel)[7] == 3


def test_agency_bookings_name_what_is_wrong_and_stay_in_scope(identity: Identity) -> None:
    hotel = make_hotel(rooms=(5, 4))
    api = desk(identity)
    contract = new_contract(api, hotel)
    contract_id = contract["id"]
    path = f"/contracts/{contract_id}/bookings"

    code, answer = api.post(path, agency_booking(hotel, first=9, nights=1, rooms=1))
    assert code == 409 and answer["error"]["details"][0]["reason"] == "not_contracted"
    code, answer = api.post(path, agency_booking(hotel, first=5, nights=1, rooms=1, room_type=1))
    assert code == 409 and answer["error"]["details"][0]["reason"] == "not_contracted"
    code, answer = api.post(
        path,
        {
            **agency_booking(hotel, first=5, nights=1, rooms=1),
            "lines": [
                {
                    "room_type_id": 999999,
                    "check_in": hotel.night(5).isoformat(),
                    "check_out": hotel.night(6).isoformat(),
                }
            ],
        },
    )
    assert code == 422 and answer["error"]["details"][0]["field"] == "body.lines[0].room_type_id"
    code, answer = api.post(path, {"guest_name": "X", "lines": []})
    assert code == 422 and answer["error"]["details"][0]["field"] == "body.lines"

    seasons = [{**contract_body(hotel, contract["agency_id"], first=5, last=8, rooms=3)["seasons"][0], "min_stay": 2}]
    api.ok("PATCH", f"/contracts/{contract_id}", {"seasons": seasons})
    code, answer = api.post(path, agency_booking(hotel, first=5, nights=1, rooms=1))
    assert code == 422 and answer["error"]["details"][0]["field"] == "body.lines[0].check_out"

    api.ok(
        "POST",
        f"/contracts/{contract_id}/events",
        {"kind": "STOP_SALE", "date_from": hotel.night(7).isoformat(), "date_to": hotel.night(7).isoformat()},
    )
    code, answer = api.post(path, agency_booking(hotel, first=6, nights=2, rooms=1))
    assert code == 409 and [d["reason"] for d in answer["error"]["details"]] == ["stop_sale"]

    api.ok("PATCH", f"/contracts/{contract_id}", {"status": "suspended"})
    code, answer = api.post(path, agency_booking(hotel, first=5, nights=2, rooms=1))
    assert code == 409 and answer["error"]["code"] == "contract_not_selling"
    assert table_count("agency_bookings", f"contract_id = {contract_id}") == 0

    api.ok("PATCH", f"/contracts/{contract_id}", {"status": "active"})
    booking = api.ok("POST", path, agency_booking(hotel, first=5, nights=2, rooms=1))
    order = api.ok("POST", f"/agency-bookings/{booking['booking_id']}/confirm", status=200)
    abroad = desk(identity, "MY")
    assert abroad.post(path, agency_booking(hotel, first=5, nights=2, rooms=1))[0] == 404
    assert abroad.post(f"/agency-bookings/{booking['booking_id']}/cancel", {})[0] == 404
    assert abroad.get(f"/sale-orders/{order['id']}")[0] == 404
    assert abroad.ok("GET", "/sale-orders")["total"] == 0
    assert abroad.get("/sale-orders.csv")[1].count("\r\n") == 1  # the header only
    with unit_of_work() as uow:
        state = uow.session.execute(
            text("SELECT state FROM agency_bookings WHERE booking_group_id = :id"), {"id": booking["booking_id"]}
        ).scalar_one()
    assert state == "active"


def test_the_pick_up_report_and_the_nights_releasing_soon(identity: Identity) -> None:
    hotel = make_hotel(rooms=(5,))
    api = desk(identity)
    contract = new_contract(api, hotel, release_steps=[{"days_before": 3, "rooms_kept": 0}])
    api.ok("POST", f"/contracts/{contract['id']}/bookings", agency_booking(hotel, first=5, nights=1, rooms=2))

    window = f"date_from={hotel.night(5)}&date_to={hotel.night(8)}"
    [row] = api.ok("GET", f"/contracts/{contract['id']}/pick-up?{window}")
    assert (row["nights"], row["contracted"], row["picked_up"], row["released"], row["remaining"]) == (4, 12, 2, 0, 10)
    assert row["pick_up_percent"] == "16.7"

    releasing = api.ok("GET", f"/properties/{hotel.property_id}/allotments/releasing?days=2")
    assert [(r["night"], r["release_date"], r["remaining"]) for r in releasing] == [
        (hotel.night(5).isoformat(), hotel.night(2).isoformat(), 1)
    ]
    week = api.ok("GET", f"/properties/{hotel.property_id}/allotments/releasing")
    assert [r["remaining"] for r in week] == [1, 3, 3, 3]
    code, answer = api.get(f"/properties/{hotel.property_id}/allotments/releasing?days=0")
    assert code == 422 and answer["error"]["details"][0]["field"] == "query.days"
    assert desk(identity, "MY").get(f"/contracts/{contract['id']}/pick-up")[0] == 404


def test_the_pick_up_of_an_agency_adds_up_every_contract_and_stays_in_scope(identity: Identity) -> None:
    hotel, other_hotel = make_hotel(rooms=(5,)), make_hotel(rooms=(4,))
    api = desk(identity)
    first = new_contract(api, hotel)  # 3 rooms on nights 5..8
    agency_id = first["agency_id"]
    second = api.ok("POST", "/contracts", contract_body(other_hotel, agency_id, first=5, last=6, rooms=1))
    other_agency = new_agency(api, "HAN-TOURS")  # another agency's contract: not in the report
    others = api.ok("POST", "/contracts", contract_body(hotel, other_agency["id"], first=5, last=6, rooms=1))
    api.ok("POST", f"/contracts/{first['id']}/bookings", agency_booking(hotel, first=5, nights=2, rooms=2))
    api.ok("POST", f"/contracts/{second['id']}/bookings", agency_booking(other_hotel, first=5, nights=1, rooms=1))
    api.ok("POST", f"/contracts/{others['id']}/bookings", agency_booking(hotel, first=5, nights=1, rooms=1))

    window = f"date_from={hotel.night(5)}&date_to={hotel.night(8)}"
    report = api.ok("GET", f"/agencies/{agency_id}/pick-up?{window}")
    assert [(r["contract_id"], r["contracted"], r["picked_up"], r["remaining"]) for r in report["rows"]] == [
        (first["id"], 12, 4, 8),
        (second["id"], 2, 1, 1),
    ]
    total = report["total"]
    assert (total["contracts"], total["contracted"], total["picked_up"], total["remaining"]) == (2, 14, 5, 9)
    assert total["pick_up_percent"] == "35.7"

    code, answer = api.get(f"/agencies/{agency_id}/pick-up?date_from={hotel.night(0)}&date_to={hotel.night(400)}")
    assert code == 422 and answer["error"]["details"][0]["field"] == "query.date_to"
    assert desk(identity, "MY").get(f"/agencies/{agency_id}/pick-up")[0] == 404
    assert api.get("/agencies/999999/pick-up")[0] == 404
