"""The calendar grid and bulk updates over HTTP on the real database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import text

from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.nights import horizon_end
from chalicelib.domain.permissions import Permission
from tests.factories import Identity
from tests.support.calendar_api import (
    Api,
    book_rooms,
    cells,
    new_property,
    new_room_type,
    property_today,
    staff_api,
    table_count,
)


def _hotel(api: Api) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A VND property with one room type (10 rooms) and its base rate plan."""
    hotel = new_property(api)
    room_type = new_room_type(api, hotel["id"])
    plan = api.ok("POST", f"/room-types/{room_type['id']}/rate-plans", {"code": "BAR", "name": "BAR"})
    return hotel, room_type, plan


def _bulk(room_type_ids: list[int], first_offset: int, last_offset: int, **fields: Any) -> dict[str, Any]:
    today = property_today()
    return {
        "date_from": str(today + timedelta(days=first_offset)),
        "date_to": str(today + timedelta(days=last_offset)),
        "room_type_ids": room_type_ids,
        **fields,
    }


def _outbox_rows() -> int:
    return table_count("ari_changes")


def test_a_new_room_type_has_every_night_of_the_next_24_months_and_tells_channels(identity: Identity) -> None:
    api = staff_api(identity)
    hotel = new_property(api)
    room_type = new_room_type(api, hotel["id"], total_rooms=7)
    today = property_today()
    end = horizon_end(today)
    stored = cells(room_type["id"], today - timedelta(days=5), end + timedelta(days=5))
    assert len(stored) == (end - today).days
    assert stored[0]["night"] == today and stored[-1]["night"] == end - timedelta(days=1)
    assert {(row["total"], row["sold"], row["buffer"], row["version"]) for row in stored} == {(7, 0, 0, 1)}
    assert table_count("ari_changes", "room_type_id = :rt AND rate_plan_id IS NULL", rt=room_type["id"]) == len(stored)


def test_grid_shows_every_field_the_derived_availability_and_each_plans_rate(identity: Identity) -> None:
    api = staff_api(identity)
    hotel, room_type, plan = _hotel(api)
    derived = api.ok(
        "POST",
        f"/room-types/{room_type['id']}/rate-plans",
        {
            "code": "AGODA",
            "name": "Agoda",
            "parent_id": plan["id"],
            "derivation_kind": "percent",
            "derivation_value": 15,
        },
    )
    today = property_today()
    book_rooms(room_type["id"], [today + timedelta(days=1)], sold=4)
    api.ok("POST", f"/properties/{hotel['id']}/calendar/bulk-update", _bulk([room_type["id"]], 1, 1, availability=2))

    grid = api.ok("GET", f"/properties/{hotel['id']}/calendar?date_from={today}&date_to={today + timedelta(days=2)}")
    assert grid["currency"] == "VND" and grid["today"] == str(today)
    [entry] = grid["room_types"]
    assert [p["id"] for p in entry["rate_plans"]] == [plan["id"], derived["id"]]
    first, second, third = entry["nights"]
    assert first["available"] == 10 and first["rates"] == {str(plan["id"]): "1000000", str(derived["id"]): "1150000"}
    assert (second["sold"], second["buffer"], second["manual_buffer"], second["available"]) == (4, 4, True, 2)
    assert second["version"] == 3  # created, sold, overridden
    assert set(first) >= {
        "total",
        "held",
        "blocked",
        "stop_sell",
        "closed_to_arrival",
        "closed_to_departure",
        "min_los",
        "min_stay_through",
        "max_los",
    }
    assert third["night"] == str(today + timedelta(days=2))


def test_grid_ranges_out_of_order_too_long_or_beyond_the_horizon_are_refused(identity: Identity) -> None:
    api = staff_api(identity)
    hotel, _, _ = _hotel(api)
    today = property_today()
    base = f"/properties/{hotel['id']}/calendar"
    status, body = api.get(f"{base}?date_from={today}&date_to={today - timedelta(days=1)}")
    assert status == 422 and body["error"]["details"][0]["field"] == "query.date_to"
    status, body = api.get(f"{base}?date_from={today}&date_to={today + timedelta(days=366)}")
    assert status == 422 and "366" in body["error"]["message"]
    far = horizon_end(today) + timedelta(days=3)
    status, body = api.get(f"{base}?date_from={far - timedelta(days=10)}&date_to={far}")
    assert status == 422 and body["error"]["details"][0]["field"] == "query.date_to"
    assert api.ok("GET", f"{base}?date_from={today}&date_to={today + timedelta(days=365)}")["date_to"] == str(
        today + timedelta(days=365)
    )


def test_preview_is_exactly_what_apply_writes_and_reapplying_changes_nothing(identity: Identity) -> None:
    api = staff_api(identity)
    hotel, room_type, plan = _hotel(api)
    request = _bulk(
        [room_type["id"]], 0, 13, weekdays=["fri", "sat"], stop_sell=True, min_los=2, rates={plan["id"]: "1250000"}
    )
    outbox_before = _outbox_rows()
    preview = api.ok("POST", f"/properties/{hotel['id']}/calendar/preview", request, status=200)
    assert _outbox_rows() == outbox_before and preview["applied"] is False
    assert preview["inventory_cells"] == 4 and preview["rate_cells"] == 4  # two Fridays, two Saturdays

    applied = api.ok("POST", f"/properties/{hotel['id']}/calendar/bulk-update", request, status=200)
    assert applied["changes"] == preview["changes"]
    assert _outbox_rows() == outbox_before + applied["ari_changes"] == outbox_before + 8
    stored = {row["night"]: row for row in cells(room_type["id"], property_today(), property_today() + timedelta(13))}
    weekend = [night for night, row in stored.items() if night.weekday() in (4, 5)]
    assert all(stored[night]["stop_sell"] and stored[night]["min_los"] == 2 for night in weekend)
    assert not any(row["stop_sell"] for night, row in stored.items() if night not in weekend)

    again = api.ok("POST", f"/properties/{hotel['id']}/calendar/bulk-update", request, status=200)
    assert (again["inventory_cells"], again["rate_cells"], again["ari_changes"], again["changes"]) == (0, 0, 0, [])
    assert _outbox_rows() == outbox_before + 8
    assert table_count("audit_log", "action = 'calendar.bulk_updated'") == 1


def test_availability_override_counts_down_with_sales_and_null_restores_the_setting(identity: Identity) -> None:
    api = staff_api(identity)
    hotel, room_type, _ = _hotel(api)
    night = property_today() + timedelta(days=3)
    api.ok("POST", f"/properties/{hotel['id']}/calendar/bulk-update", _bulk([room_type["id"]], 3, 3, availability=3))
    book_rooms(room_type["id"], [night], sold=1)
    [row] = cells(room_type["id"], night, night)
    assert row["total"] - row["sold"] - row["buffer"] == 2  # "sell only 3 more" became 2 after a sale

    api.ok("POST", f"/properties/{hotel['id']}/calendar/bulk-update", _bulk([room_type["id"]], 3, 3, availability=None))
    [row] = cells(room_type["id"], night, night)
    assert (row["buffer"], row["manual_buffer"]) == (0, False)


def test_bulk_rates_reprice_derived_plans_and_their_outbox_records(identity: Identity) -> None:
    api = staff_api(identity)
    hotel, room_type, plan = _hotel(api)
    derived = api.ok(
        "POST",
        f"/room-types/{room_type['id']}/rate-plans",
        {
            "code": "B2B",
            "name": "Partners",
            "parent_id": plan["id"],
            "derivation_kind": "fixed",
            "derivation_value": -50000,
        },
    )
    api.ok("POST", f"/properties/{hotel['id']}/calendar/bulk-update", _bulk([], 2, 2, rates={plan["id"]: 2000000}))
    night = property_today() + timedelta(days=2)
    grid = api.ok("GET", f"/properties/{hotel['id']}/calendar?date_from={night}&date_to={night}")
    assert grid["room_types"][0]["nights"][0]["rates"] == {str(plan["id"]): "2000000", str(derived["id"]): "1950000"}
    with unit_of_work() as uow:
        payloads = uow.session.execute(
            text("SELECT payload FROM ari_changes WHERE night = :night AND rate_plan_id IS NOT NULL ORDER BY id"),
            {"night": night},
        ).scalars()
        newest = {payload["rate_plan_id"]: payload for payload in payloads}
    assert newest[derived["id"]]["values"] == {"rate": "1950000"} and newest[derived["id"]]["version"] == 2


# --- bad input: a clear 4xx naming the field, and nothing written --------------------------------


def _refused(api: Api, hotel_id: int, request: dict[str, Any], status: int = 422) -> dict[str, Any]:
    outbox = _outbox_rows()
    got, body = api.post(f"/properties/{hotel_id}/calendar/bulk-update", request)
    assert got == status, body
    assert _outbox_rows() == outbox
    return body["error"]  # type: ignore[no-any-return]


def _fields(error: dict[str, Any]) -> set[str]:
    return {detail.get("field") for detail in error["details"]}


def test_bulk_update_with_dates_out_of_order_is_refused_naming_date_to(identity: Identity) -> None:
    api = staff_api(identity)
    hotel, room_type, _ = _hotel(api)
    error = _refused(api, hotel["id"], _bulk([room_type["id"]], 5, 2, stop_sell=True))
    assert _fields(error) == {"body.date_to"}


def test_bulk_update_more_than_24_months_ahead_is_refused_naming_date_to(identity: Identity) -> None:
    api = staff_api(identity)
    hotel, room_type, _ = _hotel(api)
    days = (horizon_end(property_today()) - property_today()).days
    error = _refused(api, hotel["id"], _bulk([room_type["id"]], days - 3, days + 1, stop_sell=True))
    assert _fields(error) == {"body.date_to"} and "24 months" in error["message"]


def test_bulk_update_with_negative_counts_is_refused_naming_the_field(identity: Identity) -> None:
    api = staff_api(identity)
    hotel, room_type, _ = _hotel(api)
    assert _fields(_refused(api, hotel["id"], _bulk([room_type["id"]], 0, 3, availability=-1))) == {"body.availability"}
    assert _fields(_refused(api, hotel["id"], _bulk([room_type["id"]], 0, 3, min_los=0))) == {"body.min_los"}


def test_rates_with_more_decimals_than_the_currency_allows_refuse_the_whole_update(identity: Identity) -> None:
    api = staff_api(identity)
    hotel, room_type, plan = _hotel(api)
    request = _bulk([room_type["id"]], 0, 3, stop_sell=True, rates={plan["id"]: "1500000.5"})
    error = _refused(api, hotel["id"], request)
    assert _fields(error) == {f"body.rates.{plan['id']}"} and "VND" in error["message"]
    assert not any(
        row["stop_sell"] for row in cells(room_type["id"], property_today(), property_today() + timedelta(3))
    )


def test_availability_beyond_the_free_rooms_of_one_night_refuses_every_night(identity: Identity) -> None:
    api = staff_api(identity)
    hotel, room_type, _ = _hotel(api)
    full_night = property_today() + timedelta(days=2)
    book_rooms(room_type["id"], [full_night], sold=9)
    error = _refused(api, hotel["id"], _bulk([room_type["id"]], 0, 4, availability=3))
    assert [(d["field"], d["night"]) for d in error["details"]] == [("body.availability", str(full_night))]
    assert {row["buffer"] for row in cells(room_type["id"], property_today(), property_today() + timedelta(4))} == {0}


def test_room_types_of_another_property_and_derived_plan_rates_are_refused(identity: Identity) -> None:
    api = staff_api(identity)
    hotel, room_type, plan = _hotel(api)
    other = new_property(api, "HAN-2")
    stranger = new_room_type(api, other["id"])
    assert _fields(_refused(api, hotel["id"], _bulk([stranger["id"]], 0, 1, stop_sell=True))) == {"body.room_type_ids"}
    derived = api.ok(
        "POST",
        f"/room-types/{room_type['id']}/rate-plans",
        {"code": "D", "name": "D", "parent_id": plan["id"], "derivation_kind": "percent", "derivation_value": 5},
    )
    assert _fields(_refused(api, hotel["id"], _bulk([], 0, 1, rates={derived["id"]: 100}))) == {
        f"body.rates.{derived['id']}"
    }


def test_rates_need_rates_write_and_restrictions_need_inventory_write(identity: Identity) -> None:
    owner = staff_api(identity)
    hotel, room_type, plan = _hotel(owner)
    rates_only = staff_api(identity, permissions=Permission.INVENTORY_READ | Permission.RATES_WRITE)
    assert (
        rates_only.post(f"/properties/{hotel['id']}/calendar/bulk-update", _bulk([], 0, 1, rates={plan["id"]: 900000}))[
            0
        ]
        == 200
    )
    status, body = rates_only.post(
        f"/properties/{hotel['id']}/calendar/bulk-update", _bulk([room_type["id"]], 0, 1, stop_sell=True)
    )
    assert status == 403 and body["error"]["details"][0]["missing_permissions"] == ["INVENTORY_WRITE"]


def test_the_outbox_reads_back_a_propertys_changes_after_a_given_id_in_order(identity: Identity) -> None:
    from chalicelib.db.repositories.calendar import ari_changes_after

    api = staff_api(identity)
    hotel, room_type, _ = _hotel(api)
    other, other_room_type, _ = _hotel_in(api, "HAN-2")
    with unit_of_work() as uow:
        last_id = max(row.id for row in ari_changes_after(uow.session, hotel["id"], 0, limit=100_000))
    api.ok(
        "POST", f"/properties/{other['id']}/calendar/bulk-update", _bulk([other_room_type["id"]], 0, 0, stop_sell=True)
    )
    api.ok("POST", f"/properties/{hotel['id']}/calendar/bulk-update", _bulk([room_type["id"]], 0, 1, stop_sell=True))
    with unit_of_work() as uow:
        rows = ari_changes_after(uow.session, hotel["id"], last_id)
    assert [row.change.night for row in rows] == [property_today(), property_today() + timedelta(days=1)]
    assert all(row.change.values.stop_sell for row in rows)  # type: ignore[union-attr]
    assert rows[0].id < rows[1].id and rows[0].change.changed == frozenset({"stop_sell"})


def _hotel_in(api: Api, code: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    hotel = new_property(api, code)
    room_type = new_room_type(api, hotel["id"])
    plan = api.ok("POST", f"/room-types/{room_type['id']}/rate-plans", {"code": "BAR", "name": "BAR"})
    return hotel, room_type, plan
