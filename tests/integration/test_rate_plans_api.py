"""Rate plans, derived plans and seasonal rules over HTTP: the calendar's rates follow them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import text

from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.nights import horizon_end
from tests.factories import Identity
from tests.support.calendar_api import Api, new_property, new_room_type, property_today, staff_api, table_count


def _rates(plan_id: int, first: date, last: date) -> dict[date, str]:
    with unit_of_work() as uow:
        rows = uow.session.execute(
            text("SELECT night, amount FROM rate_days WHERE rate_plan_id = :p AND night BETWEEN :a AND :b"),
            {"p": plan_id, "a": first, "b": last},
        )
        return {night: f"{amount.normalize():f}" for night, amount in rows}


def _setup(api: Api, currency: str = "VND", base_rate: str = "1000000") -> tuple[dict[str, Any], dict[str, Any]]:
    overrides = {} if currency == "VND" else {"currency": currency}
    hotel = new_property(api, **overrides)
    return hotel, new_room_type(api, hotel["id"], base_rate=base_rate)


def test_a_base_plan_prices_the_whole_calendar_at_the_room_types_base_rate(identity: Identity) -> None:
    api = staff_api(identity)
    _, room_type = _setup(api)
    plan = api.ok("POST", f"/room-types/{room_type['id']}/rate-plans", {"code": "BAR", "name": "Best rate"})
    assert plan["base_rate"] == "1000000" and plan["currency"] == "VND"
    today = property_today()
    rates = _rates(plan["id"], today, horizon_end(today))
    assert len(rates) == (horizon_end(today) - today).days and set(rates.values()) == {"1000000"}
    assert api.ok("GET", f"/room-types/{room_type['id']}/rate-plans")[0]["id"] == plan["id"]


def test_derived_plans_follow_their_parent_rounded_to_the_currency(identity: Identity) -> None:
    api = staff_api(identity)
    _, room_type = _setup(api, currency="USD", base_rate="99.99")
    parent = api.ok("POST", f"/room-types/{room_type['id']}/rate-plans", {"code": "BAR", "name": "BAR"})
    child = api.ok(
        "POST",
        f"/room-types/{room_type['id']}/rate-plans",
        {
            "code": "AGODA",
            "name": "Agoda +12.5%",
            "parent_id": parent["id"],
            "derivation_kind": "percent",
            "derivation_value": "12.5",
            "channel": "agoda",
        },
    )
    today = property_today()
    assert set(_rates(child["id"], today, today + timedelta(30)).values()) == {"112.49"}  # 99.99 x 1.125 = 112.48875
    api.ok("PATCH", f"/rate-plans/{parent['id']}", {"base_rate": "120"})
    assert set(_rates(child["id"], today, today + timedelta(30)).values()) == {"135"}
    assert set(_rates(parent["id"], today, today + timedelta(30)).values()) == {"120"}


def test_seasonal_rules_reprice_their_nights_and_removing_them_restores_the_rates(identity: Identity) -> None:
    api = staff_api(identity)
    _, room_type = _setup(api)
    plan = api.ok("POST", f"/room-types/{room_type['id']}/rate-plans", {"code": "BAR", "name": "BAR"})
    today = property_today()
    season = {"date_from": str(today + timedelta(1)), "date_to": str(today + timedelta(14))}
    weekend = api.ok(
        "POST",
        f"/rate-plans/{plan['id']}/rules",
        {**season, "weekdays": ["sat"], "adjustment_kind": "percent", "adjustment_value": 20, "priority": 1},
    )
    api.ok("POST", f"/rate-plans/{plan['id']}/rules", {**season, "rate": "1100000"})
    rates = _rates(plan["id"], today, today + timedelta(20))
    for night, amount in rates.items():
        inside = today + timedelta(1) <= night <= today + timedelta(14)
        expected = ("1200000" if night.weekday() == 5 else "1100000") if inside else "1000000"
        assert amount == expected, night
    assert [rule["weekdays"] for rule in api.ok("GET", f"/rate-plans/{plan['id']}/rules")] == [
        ["sat"],
        [
            "mon",
            "tue",
            "wed",
            "thu",
            "fri",
            "sat",
            "sun",
        ],
    ]

    api.ok("PATCH", f"/rate-plan-rules/{weekend['id']}", {"priority": -1})  # the absolute rule wins now
    assert set(_rates(plan["id"], today + timedelta(1), today + timedelta(14)).values()) == {"1100000"}
    for rule in api.ok("GET", f"/rate-plans/{plan['id']}/rules"):
        api.ok("DELETE", f"/rate-plan-rules/{rule['id']}")
    assert set(_rates(plan["id"], today, today + timedelta(20)).values()) == {"1000000"}


def test_plan_and_rule_input_errors_name_the_field_and_write_nothing(identity: Identity) -> None:
    api = staff_api(identity)
    _, room_type = _setup(api)
    base = f"/room-types/{room_type['id']}/rate-plans"
    status, body = api.post(base, {"code": "BAR", "name": "BAR", "base_rate": "1000000.5"})
    assert status == 422 and body["error"]["details"][0]["field"] == "body.base_rate"
    plan = api.ok("POST", base, {"code": "BAR", "name": "BAR"})
    status, body = api.post(base, {"code": "X", "name": "X", "parent_id": plan["id"]})
    assert status == 422 and body["error"]["details"][0]["field"] == "body.derivation_value"
    status, body = api.post(base, {"code": "BAR", "name": "again"})
    assert status == 409 and body["error"]["details"][0]["field"] == "body.code"

    today = property_today()
    rules = f"/rate-plans/{plan['id']}/rules"
    cases = [
        ({"date_from": str(today + timedelta(5)), "date_to": str(today), "rate": 1}, "body.date_to"),
        ({"date_from": str(today), "date_to": str(horizon_end(today) + timedelta(3)), "rate": 1}, "body.date_to"),
        ({"date_from": str(today), "date_to": str(today), "rate": "10.5"}, "body.rate"),
        ({"date_from": str(today), "date_to": str(today)}, "body.rate"),
        ({"date_from": str(today), "date_to": str(today), "weekdays": ["funday"], "rate": 1}, "body.weekdays"),
    ]
    for request, field in cases:
        status, body = api.post(rules, request)
        assert status == 422 and body["error"]["details"][0]["field"] == field, (request, body)
    assert table_count("rate_plan_rules") == 0
    assert table_count("rate_plans") == 1


def test_derivation_cycles_and_deleting_a_parent_are_refused(identity: Identity) -> None:
    api = staff_api(identity)
    _, room_type = _setup(api)
    base = f"/room-types/{room_type['id']}/rate-plans"
    parent = api.ok("POST", base, {"code": "A", "name": "A"})
    child = api.ok(
        "POST",
        base,
        {"code": "B", "name": "B", "parent_id": parent["id"], "derivation_kind": "fixed", "derivation_value": 5},
    )
    status, body = api.patch(
        f"/rate-plans/{parent['id']}", {"parent_id": child["id"], "derivation_kind": "percent", "derivation_value": 1}
    )
    assert status == 422 and "cycle" in body["error"]["message"]
    status, body = api.delete(f"/rate-plans/{parent['id']}")
    assert status == 409 and body["error"]["details"][0]["derived_plans"] == [child["id"]]
    api.ok("DELETE", f"/rate-plans/{child['id']}")
    api.ok("DELETE", f"/rate-plans/{parent['id']}")
    assert table_count("rate_days") == 0
