"""Properties over HTTP on the real database: CRUD, scoping, filters, search, sort, CSV, soft delete, audit."""

from __future__ import annotations

import csv
import io

from tests.factories import Identity
from tests.support.calendar_api import Api, new_property, staff_api, table_count


def test_property_is_created_read_and_edited_with_an_audit_trail(identity: Identity) -> None:
    api = staff_api(identity)
    created = new_property(api, address="12 Dinh Tien Hoang", region="Hoan Kiem", postal_code="100000")
    assert created["status"] == "active" and created["buffer_rooms"] is None
    assert api.ok("GET", f"/properties/{created['id']}")["postal_code"] == "100000"

    edited = api.ok("PATCH", f"/properties/{created['id']}", {"name": "Lakeside Renamed", "buffer_rooms": 2})
    assert edited["name"] == "Lakeside Renamed" and edited["buffer_rooms"] == 2
    assert table_count("audit_log", "entity_type = 'property' AND entity_id = :id", id=str(created["id"])) == 2


def test_list_is_country_scoped_filtered_searched_sorted_and_paginated(identity: Identity) -> None:
    vn = staff_api(identity, "VN")
    id_staff = staff_api(identity, "ID")
    new_property(vn, "HAN-B", name="Bamboo House", city="Hanoi")
    new_property(vn, "HAN-A", name="Aurora Hanoi", city="Hanoi")
    new_property(vn, "SGN-C", name="Cyclo Inn", city="Ho Chi Minh City", status="inactive")
    new_property(id_staff, "DPS-1", name="Bali Breeze", country_code="ID", timezone="Asia/Makassar", currency="IDR")

    page = vn.ok("GET", "/properties?page_size=2&sort=name")
    assert page["total"] == 3 and page["pages"] == 2
    assert [p["name"] for p in page["items"]] == ["Aurora Hanoi", "Bamboo House"]
    assert [p["code"] for p in vn.ok("GET", "/properties?sort=-code")["items"]] == ["SGN-C", "HAN-B", "HAN-A"]
    assert [p["code"] for p in vn.ok("GET", "/properties?city=hanoi&sort=code")["items"]] == ["HAN-A", "HAN-B"]
    assert [p["code"] for p in vn.ok("GET", "/properties?status=inactive")["items"]] == ["SGN-C"]
    assert [p["code"] for p in vn.ok("GET", "/properties?search=bamb")["items"]] == ["HAN-B"]
    # Staff of Indonesia see only theirs, and asking for Vietnam's finds nothing.
    assert [p["code"] for p in id_staff.ok("GET", "/properties")["items"]] == ["DPS-1"]
    assert id_staff.ok("GET", "/properties?country_code=VN")["total"] == 0


def test_unknown_sort_field_is_refused_naming_the_field(identity: Identity) -> None:
    status, body = staff_api(identity).get("/properties?sort=password")
    assert status == 422
    assert body["error"]["details"][0]["field"] == "query.sort"


def test_csv_export_has_the_listed_rows_and_defuses_formulas(identity: Identity) -> None:
    api = staff_api(identity)
    new_property(api, "HAN-1", name='=HYPERLINK("http://evil")')
    new_property(api, "HAN-2", name="Plain Hotel", status="inactive")
    response = identity.client.http.get("/properties/export.csv?status=inactive", headers=api.headers)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.body.decode())))
    assert [row["code"] for row in rows] == ["HAN-2"]

    everything = list(csv.DictReader(io.StringIO(api.ok("GET", "/properties/export.csv"))))
    names = {row["code"]: row["name"] for row in everything}
    assert names["HAN-1"].startswith("'=")  # a spreadsheet shows it as text, never runs it


def test_delete_archives_hides_and_restore_brings_back(identity: Identity) -> None:
    api = staff_api(identity)
    hotel = new_property(api)
    api.ok("DELETE", f"/properties/{hotel['id']}")
    assert api.ok("GET", "/properties")["total"] == 0
    archived = api.ok("GET", "/properties?status=archived")["items"]
    assert [p["id"] for p in archived] == [hotel["id"]] and archived[0]["archived_at"] is not None
    assert table_count("properties") == 1  # a soft delete: the row and its history stay

    status, body = api.post(f"/properties/{hotel['id']}/room-types", {"code": "STD", "name": "S", "total_rooms": 1})
    assert status == 409 and "archived" in body["error"]["message"]

    restored = api.ok("PATCH", f"/properties/{hotel['id']}", {"status": "active"})
    assert restored["status"] == "active" and restored["archived_at"] is None


def test_unknown_timezone_and_currency_are_refused_naming_the_field(identity: Identity) -> None:
    api = staff_api(identity)
    status, body = api.post("/properties", _body(timezone="Asia/Atlantis"))
    assert status == 422 and body["error"]["details"][0]["field"] == "body.timezone"
    status, body = api.post("/properties", _body(currency="XYZ"))
    assert status == 422 and body["error"]["details"][0]["field"] == "body.currency"
    status, body = api.post("/properties", _body(currency="vnd"))
    assert status == 422 and "upper case" in body["error"]["message"]
    assert table_count("properties") == 0


def test_country_outside_the_scope_and_duplicate_codes_are_refused(identity: Identity) -> None:
    api = staff_api(identity, "VN")
    status, body = api.post("/properties", _body(country_code="MY", timezone="Asia/Kuala_Lumpur", currency="MYR"))
    assert status == 422 and body["error"]["details"][0]["field"] == "body.country_code"
    new_property(api, "DUP")
    status, body = api.post("/properties", _body(code="dup"))
    assert status == 409 and body["error"]["details"][0]["field"] == "body.code"
    assert table_count("properties") == 1


def test_currency_cannot_change_under_existing_rate_plans(identity: Identity) -> None:
    api = staff_api(identity)
    hotel = new_property(api)
    room_type = api.ok(
        "POST", f"/properties/{hotel['id']}/room-types", {"code": "STD", "name": "S", "total_rooms": 3, "base_rate": 9}
    )
    api.ok("POST", f"/room-types/{room_type['id']}/rate-plans", {"code": "BAR", "name": "BAR"})
    status, body = api.patch(f"/properties/{hotel['id']}", {"currency": "USD"})
    assert status == 409 and body["error"]["details"][0]["field"] == "body.currency"


def test_a_property_of_another_country_is_not_found(identity: Identity) -> None:
    owner = staff_api(identity, "ID")
    hotel = new_property(owner, "DPS-1", country_code="ID", timezone="Asia/Makassar", currency="IDR")
    stranger: Api = staff_api(identity, "VN")
    assert stranger.get(f"/properties/{hotel['id']}")[0] == 404
    assert stranger.patch(f"/properties/{hotel['id']}", {"name": "mine now"})[0] == 404
    assert owner.ok("GET", f"/properties/{hotel['id']}")["name"] == "Hanoi Lakeside"


def _body(**overrides: str) -> dict[str, str]:
    return {
        "code": "HAN-X",
        "name": "X",
        "country_code": "VN",
        "timezone": "Asia/Ho_Chi_Minh",
        "currency": "VND",
        **overrides,
    }
