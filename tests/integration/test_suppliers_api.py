"""Suppliers (room owners) and allocations over HTTP: sealed bank accounts, allocation limits, scoping."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text

from chalicelib.db.models import Supplier
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.services.supplier_service import reveal_account_number
from tests.factories import Identity
from tests.support.calendar_api import new_property, new_room_type, property_today, staff_api, table_count

ACCOUNT = "0071 0012 3456 7890"


def test_bank_account_is_sealed_at_rest_and_only_ever_shown_masked(identity: Identity) -> None:
    api = staff_api(identity)
    created = api.ok(
        "POST",
        "/suppliers",
        {"country_code": "VN", "name": "Nguyen Family", "bank_name": "Vietcombank", "bank_account_number": ACCOUNT},
    )
    assert created["bank_account_masked"] == "****7890"
    assert "0071" not in str(api.ok("GET", f"/suppliers/{created['id']}"))
    assert "0071" not in str(api.ok("GET", "/suppliers"))

    with unit_of_work() as uow:
        raw = uow.session.execute(text("SELECT * FROM suppliers")).mappings().one()
        audit = uow.session.execute(text("SELECT after::text FROM audit_log WHERE entity_type = 'supplier'")).scalar()
        supplier = uow.session.scalar(select(Supplier))
        assert supplier is not None
        assert reveal_account_number(supplier) == "0071001234567890"
    assert b"00710012" not in bytes(raw["bank_account_sealed"])
    assert not any("00710012" in str(value) for value in raw.values())
    assert audit is not None and "****7890" in audit and "00710012" not in audit

    # A sealed number copied onto another supplier's row does not open there.
    other = api.ok("POST", "/suppliers", {"country_code": "VN", "name": "Copycat"})
    with unit_of_work() as uow:
        uow.session.execute(
            text("UPDATE suppliers SET bank_account_sealed = :s, bank_account_key_id = :k WHERE id = :id"),
            {"s": raw["bank_account_sealed"], "k": raw["bank_account_key_id"], "id": other["id"]},
        )
    with unit_of_work() as uow:
        copy = uow.session.get(Supplier, other["id"])
        assert copy is not None
        try:
            reveal_account_number(copy)
        except ValueError:
            pass
        else:
            raise AssertionError("a sealed account number opened on another row")

    updated = api.ok("PATCH", f"/suppliers/{created['id']}", {"bank_account_number": None})
    assert updated["bank_account_masked"] is None


def test_bad_account_numbers_are_refused_naming_the_field(identity: Identity) -> None:
    status, body = staff_api(identity).post(
        "/suppliers", {"country_code": "VN", "name": "X", "bank_account_number": "12"}
    )
    assert status == 422 and body["error"]["details"][0]["field"] == "body.bank_account_number"
    assert table_count("suppliers") == 0


def test_allocations_may_not_exceed_the_room_types_total_on_any_night(identity: Identity) -> None:
    api = staff_api(identity)
    hotel = new_property(api)
    room_type = new_room_type(api, hotel["id"], total_rooms=5)
    first = api.ok("POST", "/suppliers", {"country_code": "VN", "name": "First owner"})
    second = api.ok("POST", "/suppliers", {"country_code": "VN", "name": "Second owner"})
    today = property_today()

    def allocate(supplier_id: int, start: int, end: int, rooms: int) -> tuple[int, dict[str, object]]:
        body = {
            "room_type_id": room_type["id"],
            "date_from": str(today + timedelta(start)),
            "date_to": str(today + timedelta(end)),
            "rooms": rooms,
        }
        return api.post(f"/suppliers/{first['id'] if supplier_id == 1 else second['id']}/allocations", body)

    assert allocate(1, 0, 30, 3)[0] == 201
    assert allocate(2, 31, 60, 5)[0] == 201  # no overlap: fine
    status, body = allocate(2, 25, 27, 3)  # 3 + 3 > 5 on three nights
    assert status == 409
    error = body["error"]  # type: ignore[index]
    assert error["code"] == "allocation_exceeds_total"
    assert [detail["night"] for detail in error["details"]] == [str(today + timedelta(d)) for d in (25, 26, 27)]
    assert table_count("supplier_allocations") == 2
    listed = api.ok("GET", f"/suppliers/{first['id']}/allocations")
    assert [(a["rooms"], a["property_id"]) for a in listed] == [(3, hotel["id"])]

    status, body = api.patch(f"/allocations/{listed[0]['id']}", {"rooms": 6})
    assert status == 409
    api.ok("PATCH", f"/allocations/{listed[0]['id']}", {"rooms": 2})
    api.ok("DELETE", f"/allocations/{listed[0]['id']}")
    assert table_count("supplier_allocations") == 1


def test_allocation_dates_and_countries_are_checked(identity: Identity) -> None:
    api = staff_api(identity)
    hotel = new_property(api)
    room_type = new_room_type(api, hotel["id"])
    vn_owner = api.ok("POST", "/suppliers", {"country_code": "VN", "name": "VN owner"})
    today = property_today()
    status, body = api.post(
        f"/suppliers/{vn_owner['id']}/allocations",
        {"room_type_id": room_type["id"], "date_from": str(today + timedelta(3)), "date_to": str(today), "rooms": 1},
    )
    assert status == 422 and body["error"]["details"][0]["field"] == "body.date_to"
    status, body = api.post(
        f"/suppliers/{vn_owner['id']}/allocations",
        {"room_type_id": 999999, "date_from": str(today), "date_to": str(today), "rooms": 1},
    )
    assert status == 422 and body["error"]["details"][0]["field"] == "body.room_type_id"

    id_staff = staff_api(identity, "ID")
    id_owner = id_staff.ok("POST", "/suppliers", {"country_code": "ID", "name": "ID owner"})
    status, _ = id_staff.post(
        f"/suppliers/{id_owner['id']}/allocations",
        {"room_type_id": room_type["id"], "date_from": str(today), "date_to": str(today), "rooms": 1},
    )
    assert status == 422  # a Vietnamese room type does not exist for Indonesian staff
    assert id_staff.get(f"/suppliers/{vn_owner['id']}")[0] == 404
    assert table_count("supplier_allocations") == 0
