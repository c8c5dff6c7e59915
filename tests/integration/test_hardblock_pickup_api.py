"""Hardblock pick-up over HTTP (chalice test client, real PostgreSQL): bookings from a block, rooming lists,
cancellation before and after the cut-off, the grid, a cell, the pick-up report, the blocks cutting off.

A booking from a definite block moves its rooms from ``blocked`` to ``sold``: the pool does not move,
so no ARI change is written. Cancelling it before the cut-off gives the room back to the block
(``sold`` → ``blocked``, still no ARI change); on or after the cut-off the room goes to the pool
(the block's ``rooms`` -1, ``released`` +1; available +1 and an ARI change).
"""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.permissions import Permission
from tests.booking_factories import Hotel, make_hotel, point_at_moto
from tests.factories import Identity
from tests.integration.test_allotments_api import ALLOTMENT_STAFF, ari_availability, blocked, book, new_agency
from tests.integration.test_hardblocks_api import block_body
from tests.support.calendar_api import Api, table_count

PICK_UP_STAFF = (
    ALLOTMENT_STAFF
    | Permission.BOOKINGS_READ
    | Permission.BOOKINGS_CREATE
    | Permission.BOOKINGS_MANAGE
    | Permission.GUEST_DATA_VIEW
)


@pytest.fixture(autouse=True)
def _relays_go_to_moto(identity: Identity, moto_server: object, monkeypatch: pytest.MonkeyPatch) -> None:
    point_at_moto(moto_server, monkeypatch)


def staff(identity: Identity, country: str = "VN") -> Api:
    return Api(identity, identity.headers(permissions=PICK_UP_STAFF, country=country))


def stay(hotel: Hotel, first: int, nights: int, **overrides: Any) -> dict[str, Any]:
    return {
        "room_type_id": hotel.room_type_ids[0],
        "check_in": hotel.night(first).isoformat(),
        "check_out": hotel.night(first + nights).isoformat(),
        "guest_name": "Tran Thi B",
        "guest_email": "b@example.com",
        **overrides,
    }


def sold(hotel: Hotel) -> dict[int, int]:
    """Offset → sold rooms of the first room type's nights that have any."""
    rows = table_rows(
        "SELECT night, sold FROM inventory_days WHERE room_type_id = :rt AND sold > 0 ORDER BY night",
        rt=hotel.room_type_ids[0],
    )
    return {(night - hotel.today).days: rooms for night, rooms in rows}


def table_rows(sql: str, **params: Any) -> list[Any]:
    from sqlalchemy import text

    from chalicelib.db.unit_of_work import unit_of_work

    with unit_of_work() as uow:
        return list(uow.session.execute(text(sql), params).all())


def ari_rows(hotel: Hotel) -> int:
    return table_count("ari_changes", "room_type_id = :rt AND rate_plan_id IS NULL", rt=hotel.room_type_ids[0])


def night_of(block: dict[str, Any], hotel: Hotel, offset: int) -> tuple[int, int, int]:
    """(rooms, released, picked_up) of the block's first room type on night ``offset``."""
    night = next(n for n in block["nights"] if n["night"] == hotel.night(offset).isoformat())
    return night["rooms"], night["released"], night["picked_up"]


def test_a_block_booking_takes_the_blocks_rooms_not_the_pool_and_comes_back_to_the_block_before_the_cut_off(
    identity: Identity,
) -> None:
    hotel = make_hotel(rooms=(5,))
    api = staff(identity)
    agency = new_agency(api)
    block = api.ok(
        "POST",
        "/hardblocks",
        block_body(hotel, first=1, last=3, rooms=3, agency_id=agency["id"], cut_off_date=hotel.night(1).isoformat()),
    )
    path = f"/hardblocks/{block['id']}"
    assert blocked(hotel) == {1: 3, 2: 3, 3: 3}
    changes = ari_rows(hotel)

    picked = api.ok("POST", f"{path}/bookings", stay(hotel, 1, 2, rooms=2))
    assert picked["block"]["version"] == 2
    assert [night_of(picked["block"], hotel, offset) for offset in (1, 2, 3)] == [(3, 0, 2), (3, 0, 2), (3, 0, 0)]
    assert blocked(hotel) == {1: 1, 2: 1, 3: 3}
    assert sold(hotel) == {1: 2, 2: 2}
    assert ari_rows(hotel) == changes  # blocked → sold: what the channels may sell did not move
    booking_id = picked["bookings"][0]["id"]
    booking = api.ok("GET", f"/bookings/{booking_id}")
    assert (booking["status"]["code"], booking["hardblock_id"], booking["channel"]) == (
        "confirmed",
        block["id"],
        agency["code"],
    )
    assert (booking["total_amount"], booking["source"]) == ("6000000.000", "partner")  # 2 rooms x 2 nights x rate
    listed = api.ok("GET", f"/bookings?property_id={hotel.property_id}")["items"]
    assert [(b["id"], b["hardblock_id"]) for b in listed] == [(booking_id, block["id"])]

    # The block has one room left on nights 1 and 2: two more are refused, naming those nights.
    code, answer = api.post(f"{path}/bookings", stay(hotel, 1, 3, rooms=2))
    assert code == 409 and answer["error"]["code"] == "block_exhausted"
    assert [(d["night"], d["free"]) for d in answer["error"]["details"]] == [
        (hotel.night(1).isoformat(), 1),
        (hotel.night(2).isoformat(), 1),
    ]
    assert api.ok("GET", path)["version"] == 2
    # The pool is untouched by the block's bookings: 2 rooms a night for everyone else.
    assert book(identity, hotel, first=1, nights=1, rooms=3).status_code == 409
    assert book(identity, hotel, first=1, nights=1, rooms=2).status_code == 201
    changes = ari_rows(hotel)

    cancelled = api.ok("POST", f"/bookings/{booking_id}/transitions", {"to_status": "cancelled"}, status=200)
    assert cancelled["status"]["code"] == "cancelled"
    after = api.ok("GET", path)
    assert after["version"] == 3
    assert [night_of(after, hotel, offset) for offset in (1, 2, 3)] == [(3, 0, 0), (3, 0, 0), (3, 0, 0)]
    assert blocked(hotel) == {1: 3, 2: 3, 3: 3}
    assert sold(hotel) == {}  # the direct booking is a hold (held, not sold)
    assert ari_rows(hotel) == changes  # sold → blocked: the pool still did not move
    versions = api.ok("GET", f"{path}/versions")
    assert [v["version"] for v in versions] == [1, 2, 3]
    assert [n["picked_up"] for n in versions[1]["block"]["nights"]] == [2, 2, 0]
    actions = table_rows(
        "SELECT action FROM audit_log WHERE entity_type = 'hardblock' AND entity_id = :id ORDER BY id",
        id=str(block["id"]),
    )
    assert [row[0] for row in actions] == ["hardblock.created", "hardblock.picked_up", "hardblock.returned_to_block"]


def test_cancelling_on_or_after_the_cut_off_gives_the_room_to_the_pool(identity: Identity) -> None:
    hotel = make_hotel(rooms=(5,))
    api = staff(identity)
    block = api.ok("POST", "/hardblocks", block_body(hotel, first=1, last=2, rooms=3))  # cut-off: today
    picked = api.ok("POST", f"/hardblocks/{block['id']}/bookings", stay(hotel, 1, 2))
    assert blocked(hotel) == {1: 2, 2: 2}
    assert ari_availability(hotel)[1] == 2

    api.ok("POST", f"/bookings/{picked['bookings'][0]['id']}/transitions", {"to_status": "cancelled"}, status=200)
    after = api.ok("GET", f"/hardblocks/{block['id']}")
    assert [night_of(after, hotel, offset) for offset in (1, 2)] == [(2, 1, 0), (2, 1, 0)]
    assert blocked(hotel) == {1: 2, 2: 2}  # unchanged: the block withholds what it did
    assert sold(hotel) == {}
    assert ari_availability(hotel)[1] == 3  # the room is the pool's again, and the OTAs are told

    report = api.ok(
        "GET",
        f"/hardblocks/pick-up-report?property_id={hotel.property_id}"
        f"&date_from={hotel.night(1)}&date_to={hotel.night(2)}",
    )
    row = report["blocks"][0]
    assert (row["held"], row["picked_up"], row["washed"], row["available"]) == (6, 0, 2, 4)
    assert (row["pick_up_percent"], row["wash_percent"]) == ("0.0", "33.3")


def test_a_rolling_blocks_cancelled_nights_go_to_the_pool_once_due_and_to_the_block_before(
    identity: Identity,
) -> None:
    """Released two days before each night: a cancelled stay of nights 1-3 gives nights 1 and 2 (due
    yesterday and today) to the pool and night 3 (due tomorrow) back to the block."""
    hotel = make_hotel(rooms=(5,))
    api = staff(identity)
    body = block_body(hotel, first=1, last=3, rooms=3, cut_off_date=hotel.night(1).isoformat(), release_days_before=2)
    block = api.ok("POST", "/hardblocks", body)
    picked = api.ok("POST", f"/hardblocks/{block['id']}/bookings", stay(hotel, 1, 3))
    api.ok("POST", f"/bookings/{picked['bookings'][0]['id']}/transitions", {"to_status": "cancelled"}, status=200)

    after = api.ok("GET", f"/hardblocks/{block['id']}")
    assert [night_of(after, hotel, offset) for offset in (1, 2, 3)] == [(2, 1, 0), (2, 1, 0), (3, 0, 0)]
    assert blocked(hotel) == {1: 2, 2: 2, 3: 3}
    assert sold(hotel) == {}
    actions = table_rows(
        "SELECT action FROM audit_log WHERE entity_type = 'hardblock' AND entity_id = :id ORDER BY id",
        id=str(block["id"]),
    )
    assert [row[0] for row in actions][-1] == "hardblock.returned_to_block_and_pool"


def test_the_grid_a_cell_the_report_the_cut_off_list_and_their_csv(identity: Identity) -> None:
    hotel = make_hotel(rooms=(5, 4))
    api = staff(identity)
    agency = new_agency(api)
    body = block_body(hotel, first=1, last=2, rooms=2, agency_id=agency["id"], cut_off_date=hotel.night(1).isoformat())
    body["allocations"].append({**body["allocations"][0], "room_type_id": hotel.room_type_ids[1], "rooms": 1})
    block = api.ok("POST", "/hardblocks", body)
    group = api.ok("POST", "/hardblocks", block_body(hotel, first=2, last=2, rooms=1))
    picked = api.ok("POST", f"/hardblocks/{block['id']}/bookings", stay(hotel, 1, 1, guest_name="Le Van C"))
    window = f"property_id={hotel.property_id}&date_from={hotel.night(1)}&date_to={hotel.night(2)}"

    grid = api.ok("GET", f"/hardblocks/grid?{window}")
    assert [
        (c["block_id"], c["room_type_id"], c["night"], c["blocked"], c["picked_up"], c["available"], c["rate"])
        for c in grid
    ] == [
        (block["id"], hotel.room_type_ids[0], hotel.night(1).isoformat(), 2, 1, 1, "1500000.000"),
        (block["id"], hotel.room_type_ids[0], hotel.night(2).isoformat(), 2, 0, 2, "1500000.000"),
        (block["id"], hotel.room_type_ids[1], hotel.night(1).isoformat(), 1, 0, 1, "1500000.000"),
        (block["id"], hotel.room_type_ids[1], hotel.night(2).isoformat(), 1, 0, 1, "1500000.000"),
        (group["id"], hotel.room_type_ids[0], hotel.night(2).isoformat(), 1, 0, 1, "1500000.000"),
    ]
    exported = api.ok("GET", f"/hardblocks/grid/export?{window}")
    lines = exported.strip().split("\r\n")
    assert lines[0].startswith("block_id,agency_id,group_name,guarantee,status,room_type_id,night,blocked")
    assert len(lines) == 6 and lines[1].startswith(f"{block['id']},{agency['id']},")

    cell = api.ok("GET", f"/hardblocks/{block['id']}/cell?room_type_id={hotel.room_type_ids[0]}&night={hotel.night(1)}")
    assert [(b["reference"], b["guest_name"], b["rooms"]) for b in cell["bookings"]] == [
        (picked["bookings"][0]["reference"], "Le Van C", 1)
    ]
    assert (cell["revenue"], cell["unused_value"]) == ("1500000.000", "1500000.000")
    code, _ = api.get(f"/hardblocks/{block['id']}/cell?room_type_id={hotel.room_type_ids[0]}&night={hotel.night(5)}")
    assert code == 404
    code, answer = api.get(f"/hardblocks/{block['id']}/cell?room_type_id={hotel.room_type_ids[0]}")
    assert code == 422 and [d["field"] for d in answer["error"]["details"]] == ["query.night"]

    report = api.ok("GET", f"/hardblocks/pick-up-report?{window}")
    assert [(r["block_id"], r["held"], r["picked_up"], r["pick_up_percent"]) for r in report["blocks"]] == [
        (block["id"], 6, 1, "16.7"),
        (group["id"], 1, 0, "0.0"),
    ]
    assert [(a["agency_id"], a["blocks"], a["held"], a["picked_up"]) for a in report["agencies"]] == [
        (agency["id"], 1, 6, 1),
        (None, 1, 1, 0),
    ]
    csv_report = api.ok("GET", f"/hardblocks/pick-up-report/export?{window}").strip().split("\r\n")
    assert csv_report[0].startswith("held,picked_up,washed,available,pick_up_percent,wash_percent,block_id")
    assert len(csv_report) == 3

    ours = (block["id"], group["id"])
    soon = [b for b in api.ok("GET", "/hardblocks/cutting-off") if b["block_id"] in ours]
    assert [(b["block_id"], b["days_left"], b["free_rooms"], b["picked_up"]) for b in soon] == [
        (group["id"], 0, 1, 0),
        (block["id"], 1, 5, 1),
    ]
    assert [b["block_id"] for b in api.ok("GET", "/hardblocks/cutting-off?days=0") if b["block_id"] in ours] == [
        group["id"]
    ]
    assert not [b for b in staff(identity, "MY").ok("GET", "/hardblocks/cutting-off") if b["block_id"] in ours]


def test_bad_requests_name_the_field_and_a_tentative_block_has_nothing_to_pick_up(identity: Identity) -> None:
    hotel = make_hotel(rooms=(5, 3))
    api = staff(identity)
    block = api.ok("POST", "/hardblocks", block_body(hotel, first=1, last=2, rooms=2))
    path = f"/hardblocks/{block['id']}/bookings"
    for body, field in [
        (stay(hotel, 1, 1, room_type_id=hotel.room_type_ids[1]), "body.room_type_id"),
        (stay(hotel, -1, 2), "body.check_in"),
        ({**stay(hotel, 1, 1), "check_out": hotel.night(1).isoformat()}, "body.check_out"),
        ({**stay(hotel, 1, 1), "guest_name": ""}, "body.guest_name"),
    ]:
        code, answer = api.post(path, body)
        assert code == 422 and answer["error"]["details"][0]["field"] == field, (field, answer)
    code, answer = api.post(path, stay(hotel, 2, 2))  # night 3 is not the block's
    assert code == 409 and [d["night"] for d in answer["error"]["details"]] == [hotel.night(3).isoformat()]

    option = api.ok("POST", "/hardblocks", block_body(hotel, first=1, last=2, rooms=2, guarantee="tentative"))
    code, answer = api.post(f"/hardblocks/{option['id']}/bookings", stay(hotel, 1, 1))
    assert code == 409 and answer["error"]["code"] == "block_not_open"
    assert staff(identity, "MY").post(path, stay(hotel, 1, 1))[0] == 404
    reader = Api(identity, identity.headers(permissions=Permission.CONTRACTS_READ, country="VN"))
    assert reader.post(path, stay(hotel, 1, 1))[0] == 403
    assert table_count("booking_groups", "hardblock_id IN (:a, :b)", a=block["id"], b=option["id"]) == 0
    assert api.ok("GET", f"/hardblocks/{block['id']}")["version"] == 1


HEADER = "guest_name,guest_email,guest_phone,room_type,check_in,check_out,rooms,adults,children,notes"


def test_a_rooming_list_is_booked_whole_in_one_version_and_one_bad_line_writes_nothing(identity: Identity) -> None:
    hotel = make_hotel(rooms=(6,))
    api = staff(identity)
    block = api.ok(
        "POST", "/hardblocks", block_body(hotel, first=1, last=3, rooms=4, cut_off_date=hotel.night(1).isoformat())
    )
    path = f"/hardblocks/{block['id']}/rooming-list"
    n = hotel.night
    good = [
        f"Nguyen Van A,a@example.com,,RT0,{n(1)},{n(4)},1,2,0,",
        f"Tran Thi B,,+84 90 000,{hotel.room_type_ids[0]},{n(1)},{n(3)},2,2,1,late arrival",
        f'"Le, Van C",c@example.com,,rt0,{n(2)},{n(3)},1,1,0,',
    ]
    bad = [*good[:1], f"Pham D,not-an-email,,RT0,{n(1)},{n(1)},0,2,0,", *good[1:], f"Vo E,,,SUITE,{n(1)},{n(2)},,,,"]
    code, answer = api.post(path, {"csv": "\n".join([HEADER, *bad])})
    assert code == 422
    assert [(d["line"], d["field"]) for d in answer["error"]["details"]] == [
        (3, "guest_email"),
        (3, "rooms"),
        (3, "check_out"),
    ]
    code, answer = api.post(path, {"csv": "\n".join([HEADER, *good, f"Vo E,,,SUITE,{n(1)},{n(2)},,,,"])})
    assert code == 422 and [(d["line"], d["field"]) for d in answer["error"]["details"]] == [(5, "room_type")]
    code, answer = api.post(path, {"csv": "guest,room_type,check_in\nA,RT0,2030-01-01"})
    assert code == 422 and {(d["line"], d["field"]) for d in answer["error"]["details"]} == {
        (1, "guest"),
        (1, "guest_name"),
        (1, "check_out"),
    }
    # Valid lines, but 5 rooms on night 2 where the block has 4: refused whole, naming the night.
    code, answer = api.post(path, {"csv": "\n".join([HEADER, *good, f"Vo E,,,RT0,{n(2)},{n(3)},2,,,"])})
    assert code == 409 and [d["night"] for d in answer["error"]["details"]] == [n(2).isoformat()]
    assert table_count("booking_groups", "hardblock_id = :id", id=block["id"]) == 0
    assert api.ok("GET", f"/hardblocks/{block['id']}")["version"] == 1
    assert blocked(hotel) == {1: 4, 2: 4, 3: 4}

    booked = api.ok("POST", path, {"csv": "\ufeff" + "\r\n".join([HEADER, *good]) + "\r\n"})
    assert len(booked["bookings"]) == 3 and booked["block"]["version"] == 2
    assert [night_of(booked["block"], hotel, offset) for offset in (1, 2, 3)] == [(4, 0, 3), (4, 0, 4), (4, 0, 1)]
    assert blocked(hotel) == {1: 1, 3: 3}
    assert sold(hotel) == {1: 3, 2: 4, 3: 1}
    guests = table_rows(
        "SELECT guest_name, guest_phone, notes FROM booking_groups WHERE hardblock_id = :id ORDER BY id", id=block["id"]
    )
    assert [tuple(row) for row in guests] == [
        ("Nguyen Van A", "", ""),
        ("Tran Thi B", "+84 90 000", "late arrival"),
        ("Le, Van C", "", ""),
    ]
    listed = api.ok("GET", f"/hardblocks/{block['id']}/bookings")
    assert [(row["reference"], row["status"]) for row in listed] == [
        (b["reference"], "confirmed") for b in booked["bookings"]
    ]
