"""Hardblocks over HTTP (chalice test client, real PostgreSQL): lifecycle, amendments with preview, the pool.

A definite block withholds its rooms in ``inventory_days.blocked`` in its own transaction, with
ARI outbox rows, next to what contracts withhold (counted once: the allotment pool subtracts only
the contracts' own share); a tentative one reserves nothing until it is made definite.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from tests.booking_factories import Hotel, make_hotel, point_at_moto
from tests.factories import Identity
from tests.integration.test_allotments_api import ari_availability, blocked, book, contract_body, new_agency, staff
from tests.ota_factories import make_account, make_connection, map_room
from tests.support.calendar_api import Api, table_count


@pytest.fixture(autouse=True)
def _relays_go_to_moto(identity: Identity, moto_server: object, monkeypatch: pytest.MonkeyPatch) -> None:
    point_at_moto(moto_server, monkeypatch)


def block_body(hotel: Hotel, *, first: int, last: int, rooms: int, **overrides: Any) -> dict[str, Any]:
    return {
        "property_id": hotel.property_id,
        "group_name": "Nguyen wedding",
        "guarantee": "definite",
        "cut_off_date": hotel.night(0).isoformat(),
        "allocations": [
            {
                "room_type_id": hotel.room_type_ids[0],
                "date_from": hotel.night(first).isoformat(),
                "date_to": hotel.night(last).isoformat(),
                "rooms": rooms,
                "rate": "1500000",
            }
        ],
        **overrides,
    }


def amendment(api: Api, block_id: int, body: dict[str, Any], *, preview: bool = False) -> Any:
    path = f"/hardblocks/{block_id}/amendments" + ("/preview" if preview else "")
    return api.ok("POST", path, body, status=200)


def nights(hotel: Hotel, first: int, last: int) -> dict[str, str]:
    return {"date_from": hotel.night(first).isoformat(), "date_to": hotel.night(last).isoformat()}


def test_a_definite_block_withholds_its_rooms_and_a_tentative_one_only_once_made_definite(identity: Identity) -> None:
    hotel = make_hotel(rooms=(5,))
    api = staff(identity)

    block = api.ok("POST", "/hardblocks", block_body(hotel, first=1, last=3, rooms=3))
    assert (block["version"], block["status"], block["currency"]) == (1, "active", hotel.currency)
    assert blocked(hotel) == {1: 3, 2: 3, 3: 3}
    assert {k: v for k, v in ari_availability(hotel).items() if k in (1, 2, 3)} == {1: 2, 2: 2, 3: 2}
    assert book(identity, hotel, first=2, nights=1, rooms=3).status_code == 409

    option = api.ok("POST", "/hardblocks", block_body(hotel, first=2, last=4, rooms=3, guarantee="tentative"))
    assert blocked(hotel) == {1: 3, 2: 3, 3: 3}  # a tentative block reserves nothing
    code, answer = api.post(f"/hardblocks/{option['id']}/amendments", {"kind": "guarantee", "guarantee": "definite"})
    assert code == 409 and answer["error"]["code"] == "insufficient_inventory"
    short = sorted(d["night"] for d in answer["error"]["details"])
    assert short == [hotel.night(2).isoformat(), hotel.night(3).isoformat()]
    assert api.ok("GET", f"/hardblocks/{option['id']}")["guarantee"] == "tentative"

    # The first block gives back night 3: now only night 2 is short.
    amendment(api, block["id"], {"kind": "release", **nights(hotel, 3, 3)})
    assert blocked(hotel) == {1: 3, 2: 3}
    code, answer = api.post(f"/hardblocks/{option['id']}/amendments", {"kind": "guarantee", "guarantee": "definite"})
    assert code == 409 and [d["night"] for d in answer["error"]["details"]] == [hotel.night(2).isoformat()]


def test_amendments_release_cancel_and_revert_are_versions_that_move_the_pool(identity: Identity) -> None:
    hotel = make_hotel(rooms=(5,))
    api = staff(identity)
    block = api.ok("POST", "/hardblocks", block_body(hotel, first=1, last=4, rooms=2))
    path = f"/hardblocks/{block['id']}"

    overlay = {"kind": "overlay", **nights(hotel, 2, 3), "rooms": 4, "rate": "1400000"}
    preview = amendment(api, block["id"], overlay, preview=True)
    assert (preview["changed"], preview["refused"], preview["version"]) == (True, False, 1)
    assert [
        (d["night"], d["rooms_before"], d["rooms_after"], d["delta"], d["pool_before"], d["pool_after"])
        for d in preview["diff"]
    ] == [
        (hotel.night(2).isoformat(), 2, 4, 2, 3, 1),
        (hotel.night(3).isoformat(), 2, 4, 2, 3, 1),
    ]
    assert blocked(hotel) == {1: 2, 2: 2, 3: 2, 4: 2}  # a preview writes nothing
    applied = amendment(api, block["id"], overlay)
    assert applied["diff"] == preview["diff"]
    assert applied["block"]["version"] == 2
    assert blocked(hotel) == {1: 2, 2: 4, 3: 4, 4: 2}
    assert ari_availability(hotel)[2] == 1

    # An oversell is refused naming the cells; nothing is written. (Night 3's last free room is sold.)
    assert book(identity, hotel, first=3, nights=1, rooms=1).status_code == 201
    too_many = {"kind": "overlay", **nights(hotel, 3, 4), "rooms": 5}
    refused = amendment(api, block["id"], too_many, preview=True)
    assert refused["refused"] and [s["night"] for s in refused["shortages"]] == [hotel.night(3).isoformat()]
    code, answer = api.post(f"{path}/amendments", too_many)
    assert code == 409 and [d["night"] for d in answer["error"]["details"]] == [hotel.night(3).isoformat()]
    assert api.ok("GET", path)["version"] == 2

    # Release: one day, then part (1 room a night), then a revert to version 2.
    amendment(api, block["id"], {"kind": "release", **nights(hotel, 1, 1)})
    amendment(api, block["id"], {"kind": "release", "rooms": 1})
    assert blocked(hotel) == {2: 3, 3: 3, 4: 1}
    night_2 = next(n for n in api.ok("GET", path)["nights"] if n["night"] == hotel.night(2).isoformat())
    assert (night_2["rooms"], night_2["released"], night_2["rate"]) == (3, 1, "1400000.000")
    revert = {"kind": "revert", "to_version": 2}
    preview = amendment(api, block["id"], revert, preview=True)
    assert [(d["night"], d["rooms_after"], d["released_after"]) for d in preview["diff"]] == [
        (hotel.night(offset).isoformat(), rooms, 0) for offset, rooms in ((1, 2), (2, 4), (3, 4), (4, 2))
    ]
    reverted = amendment(api, block["id"], revert)
    assert reverted["diff"] == preview["diff"]
    assert reverted["block"]["version"] == 5
    assert blocked(hotel) == {1: 2, 2: 4, 3: 4, 4: 2}
    versions = api.ok("GET", f"{path}/versions")
    assert [v["version"] for v in versions] == [1, 2, 3, 4, 5]
    assert versions[4]["block"]["nights"] == versions[1]["block"]["nights"]

    cancelled = api.ok("DELETE", path, status=200)
    assert (cancelled["status"], cancelled["version"]) == ("cancelled", 6)
    assert blocked(hotel) == {}
    assert ari_availability(hotel)[2] == 5
    code, answer = api.post(f"{path}/amendments", {"kind": "release"})
    assert code == 422 and answer["error"]["details"][0]["field"] == "status"
    assert table_count("audit_log", f"entity_type = 'hardblock' AND entity_id = '{block['id']}'") == 6


def test_a_whole_release_ends_the_block_and_contracts_and_blocks_share_the_pool_once(identity: Identity) -> None:
    hotel = make_hotel(rooms=(5,))
    api = staff(identity)
    agency = new_agency(api)
    api.ok("POST", "/contracts", contract_body(hotel, agency["id"], first=1, last=2, rooms=2))
    block = api.ok("POST", "/hardblocks", block_body(hotel, first=1, last=2, rooms=2, agency_id=agency["id"]))
    assert blocked(hotel) == {1: 4, 2: 4}
    pool = api.ok(
        "GET", f"/properties/{hotel.property_id}/allotments?date_from={hotel.night(1)}&date_to={hotel.night(2)}"
    )["pool"]
    assert [(p["allotted"], p["blocked"], p["pool"]) for p in pool] == [(2, 2, 1), (2, 2, 1)]

    released = amendment(api, block["id"], {"kind": "release"})
    assert released["block"]["status"] == "released"
    assert blocked(hotel) == {1: 2, 2: 2}


def test_bad_input_names_the_field_and_another_countrys_block_is_not_found(identity: Identity) -> None:
    hotel = make_hotel(rooms=(5,))
    api = staff(identity)
    cases = [
        (block_body(hotel, first=1, last=2, rooms=1, group_name=""), "body.group_name"),
        (block_body(hotel, first=1, last=2, rooms=1, cut_off_date=hotel.night(2).isoformat()), "body.cut_off_date"),
        (block_body(hotel, first=2, last=1, rooms=1), "body.allocations.0.date_to"),
        (block_body(hotel, first=-1, last=1, rooms=1), "body.allocations.0.date_from"),
        (block_body(hotel, first=1, last=1, rooms=1, guarantee="firm"), "body.guarantee"),
        (block_body(hotel, first=1, last=1, rooms=1, allocations=[]), "body.allocations"),
    ]
    for body, field in cases:
        code, answer = api.post("/hardblocks", body)
        assert code == 422 and answer["error"]["details"][0]["field"] == field, (field, answer)
    foreign = {**block_body(hotel, first=1, last=1, rooms=1)}
    foreign["allocations"][0]["room_type_id"] = make_hotel(rooms=(2,)).room_type_ids[0]
    code, answer = api.post("/hardblocks", foreign)
    assert code == 422 and answer["error"]["details"][0]["field"] == "body.allocations.0.room_type_id"
    assert table_count("hardblocks") == 0

    block = api.ok("POST", "/hardblocks", block_body(hotel, first=1, last=2, rooms=1))
    for body, field in [
        ({"kind": "overlay", "date_from": hotel.night(1).isoformat(), "rooms": 2}, "body.date_to"),
        ({"kind": "overlay", **nights(hotel, 5, 5), "rooms": 2}, "body.rate"),
        ({"kind": "revert", "to_version": 9}, "body.to_version"),
        ({"kind": "guarantee"}, "body.guarantee"),
    ]:
        code, answer = api.post(f"/hardblocks/{block['id']}/amendments/preview", body)
        assert code == 422 and answer["error"]["details"][0]["field"] == field, (field, answer)

    abroad = staff(identity, "MY")
    assert abroad.get(f"/hardblocks/{block['id']}")[0] == 404
    assert abroad.post(f"/hardblocks/{block['id']}/amendments", {"kind": "cancel"})[0] == 404
    assert abroad.ok("GET", "/hardblocks")["total"] == 0
    assert api.ok("GET", f"/hardblocks?property_id={hotel.property_id}")["total"] == 1


def test_the_preview_names_the_otas_whose_availability_the_amendment_moves(identity: Identity) -> None:
    """The OTAs of the property's active connections that map the room type; none where the pool stays."""
    hotel = make_hotel(rooms=(5, 5))
    deluxe, suite = hotel.room_type_ids
    where = SimpleNamespace(id=hotel.property_id)
    for ota, active in (("agoda", True), ("booking_com", True), ("expedia", False)):
        connection = make_connection(where, make_account("VN", ota=ota), is_active=active)
        map_room(connection, deluxe, f"{ota}-DLX")
    api = staff(identity)
    block = api.ok("POST", "/hardblocks", block_body(hotel, first=1, last=1, rooms=1))
    more = {"kind": "overlay", **nights(hotel, 1, 1), "room_type_ids": [deluxe, suite], "rooms": 2, "rate": "1"}
    preview = amendment(api, block["id"], more, preview=True)
    assert {d["room_type_id"]: d["otas"] for d in preview["diff"]} == {deluxe: ["agoda", "booking_com"], suite: []}
    rate_only = amendment(api, block["id"], {"kind": "overlay", "rate": "2"}, preview=True)
    assert [(d["pool_delta"], d["otas"]) for d in rate_only["diff"]] == [(0, [])]
    assert amendment(api, block["id"], more)["diff"] == preview["diff"]
