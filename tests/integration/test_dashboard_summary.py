"""GET /dashboard/summary on real PostgreSQL: the KPIs match the bookings made, scope and money rules hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.db.models import BookingGroup, OtaConnection
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.permissions import Permission
from chalicelib.services import booking_service
from tests.booking_factories import Hotel, make_caller, make_hotel, ota_request, point_at_moto
from tests.factories import Identity, body_of
from tests.integration.test_sync_api import add_runs
from tests.ota_factories import TestHotel, make_account, make_connection

VIEW = Permission.DASHBOARD_VIEW
MONEY = Permission.DASHBOARD_VIEW | Permission.FINANCE_VIEW


def book(caller: Caller, hotel: Hotel, first: int, nights: int, *, rooms: int = 1, amount: str) -> int:
    """A confirmed direct booking of ``rooms`` rooms for ``nights`` nights from ``hotel.night(first)``."""
    created = booking_service.create_booking(
        caller,
        booking_service.NewBooking(
            property_id=hotel.property_id,
            guest_name="Kpi Guest",
            lines=(
                booking_service.NewBookingLine(
                    hotel.room_type_ids[0],
                    hotel.night(first),
                    hotel.night(first + nights),
                    rooms=rooms,
                    amount=Decimal(amount),
                ),
            ),
        ),
    )
    booking_service.confirm_group(caller, created.group_id)
    return created.group_id


def summary(identity: Identity, headers: dict[str, str], hotel: Hotel, **query: Any) -> Any:
    params = {"date_from": hotel.today.isoformat(), "date_to": hotel.night(29).isoformat(), **query}
    path = "/dashboard/summary?" + "&".join(f"{k}={v}" for k, v in params.items())
    return identity.client.http.get(path, headers=headers)


@pytest.fixture
def hotels(identity: Identity, moto_server: object, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Two hotels in VN (5 and 3 rooms), one in ID; bookings in each, one VN booking cancelled."""
    point_at_moto(moto_server, monkeypatch)
    grand, small, abroad = make_hotel("VN", rooms=(5,)), make_hotel("VN", rooms=(3,)), make_hotel("ID", rooms=(4,))
    vn, idn = make_caller("Property Manager", "VN"), make_caller("Property Manager", "ID")
    kept = [
        book(vn, grand, 1, 2, amount="3000000"),  # 2 room nights
        book(vn, grand, 3, 1, rooms=2, amount="2500000"),  # 2 room nights
        book(vn, small, 5, 3, amount="4500000"),  # 3 room nights
    ]
    cancelled = book(vn, small, 10, 2, amount="9999999")
    booking_service.transition(vn, cancelled, "cancelled", "guest changed plans")
    book(idn, abroad, 1, 4, rooms=3, amount="77777777")
    ota = booking_service.ingest_ota_reservation(ota_request(grand, "BDC-KPI-1", "1", first=20, nights=2))
    return {"grand": grand, "small": small, "abroad": abroad, "kept": kept, "cancelled": cancelled, "ota": ota}


def test_kpis_match_the_bookings_made_and_leave_out_the_cancelled_and_other_countries(
    identity: Identity, hotels: dict[str, Any]
) -> None:
    grand: Hotel = hotels["grand"]
    headers = identity.login(identity.user(permissions=MONEY, country="VN")).headers
    response = summary(identity, headers, grand)
    assert response.status_code == 200, response.body
    body = body_of(response)

    # 30 nights of 5 + 3 rooms; sold: 2 + 2 + 3 direct room nights and the OTA's 2 (not Indonesia's 12).
    assert body["room_nights"] == {"available": 240, "sold": 9, "held": 0, "occupancy": round(9 / 240, 4)}
    by_night = {point["night"]: point for point in body["occupancy_by_night"]}
    assert len(by_night) == 30
    assert by_night[grand.night(3).isoformat()]["sold"] == 2
    assert by_night[grand.night(3).isoformat()]["occupancy"] == round(2 / 8, 4)
    assert by_night[grand.night(12).isoformat()]["sold"] == 0  # the cancelled stay gave its nights back

    [vnd] = body["revenue"]
    ota_amount = group_total(hotels["ota"].booking_group_id)
    expected = Decimal("3000000") + Decimal("2500000") + Decimal("4500000") + ota_amount
    assert vnd["currency"] == "VND"
    assert Decimal(str(vnd["revenue"])) == expected
    assert vnd["room_nights_sold"] == 9
    assert vnd["room_nights_available"] == 240
    assert Decimal(str(vnd["adr"])) == (expected / 9).quantize(Decimal("0.01"))
    assert Decimal(str(vnd["revpar"])) == (expected / 240).quantize(Decimal("0.01"))

    assert body["activity"] == {"bookings": 5, "cancellations": 1}
    mix = {share["channel"]: share for share in body["channel_mix"]}
    assert mix["direct"]["bookings"] == 4 and mix["direct"]["room_nights"] == 9  # the cancelled one was made too
    assert sum(share["bookings"] for share in body["channel_mix"]) == 5
    direct_revenue = [r for r in body["channel_revenue"] if r["channel"] == "direct"]
    assert [Decimal(str(r["revenue"])) for r in direct_revenue] == [Decimal("10000000")]
    references = [booking["id"] for booking in body["recent_bookings"]]
    assert set(references) == {*hotels["kept"], hotels["cancelled"], hotels["ota"].booking_group_id}


def group_total(group_id: int) -> Decimal:
    with unit_of_work() as uow:
        group = uow.session.get(BookingGroup, group_id)
        assert group is not None and group.total_amount > 0
        return group.total_amount


def test_without_finance_view_every_amount_is_null_not_zero(identity: Identity, hotels: dict[str, Any]) -> None:
    headers = identity.login(identity.user(permissions=VIEW, country="VN")).headers
    body = body_of(summary(identity, headers, hotels["grand"]))
    assert body["revenue"] is None and body["channel_revenue"] is None
    assert body["recent_bookings"] and all(b["total_amount"] is None for b in body["recent_bookings"])
    assert body["room_nights"]["sold"] == 9  # the rest of the page is there


def test_the_page_needs_dashboard_view_and_sees_only_the_callers_country(
    identity: Identity, hotels: dict[str, Any]
) -> None:
    no_view = identity.login(identity.user(permissions=Permission.BOOKINGS_READ, country="VN")).headers
    assert summary(identity, no_view, hotels["grand"]).status_code == 403

    indonesia = identity.login(identity.user(permissions=MONEY, country="ID")).headers
    body = body_of(summary(identity, indonesia, hotels["grand"]))
    assert body["room_nights"]["available"] == 4 * 30 and body["room_nights"]["sold"] == 12
    assert [r["currency"] for r in body["revenue"]] == ["IDR"]
    assert {b["property_id"] for b in body["recent_bookings"]} == {hotels["abroad"].property_id}

    # Another country's property is "not found", as on every other route.
    vn = identity.login(identity.user(permissions=MONEY, country="VN")).headers
    response = summary(identity, vn, hotels["grand"], property_id=hotels["abroad"].property_id)
    assert response.status_code == 404
    one = body_of(summary(identity, vn, hotels["grand"], property_id=hotels["small"].property_id))
    assert one["room_nights"]["available"] == 3 * 30 and one["room_nights"]["sold"] == 3


def test_a_bad_window_is_422_naming_the_query_field(identity: Identity, hotels: dict[str, Any]) -> None:
    headers = identity.login(identity.user(permissions=VIEW, country="VN")).headers
    grand: Hotel = hotels["grand"]
    backwards = summary(identity, headers, grand, date_from=grand.night(5).isoformat(), date_to=grand.today)
    assert backwards.status_code == 422
    assert [d["field"] for d in body_of(backwards)["error"]["details"]] == ["query.date_to"]
    too_long = summary(identity, headers, grand, date_to=grand.night(400).isoformat())
    assert too_long.status_code == 422
    assert [d["field"] for d in body_of(too_long)["error"]["details"]] == ["query.date_to"]


def test_sync_success_rate_open_alerts_and_the_channels_in_trouble(identity: Identity, hotels: dict[str, Any]) -> None:
    grand: Hotel = hotels["grand"]
    ref = TestHotel(grand.property_id, "VN")
    healthy = make_connection(ref, make_account("VN", ota="agoda", credentials={"api_key": "k"}))
    failing = make_connection(ref, make_account("VN", ota="traveloka", credentials={"api_key": "k"}))
    long_ago = datetime.now(UTC) - timedelta(hours=2)
    with unit_of_work() as uow:
        row = uow.session.get(OtaConnection, failing)
        assert row is not None
        row.health, row.last_success_at = "failing", long_ago
        fresh = uow.session.get(OtaConnection, healthy)
        assert fresh is not None
        fresh.last_success_at = datetime.now(UTC)
    add_runs(healthy, grand.property_id, ["ok", "ok", "ok"])
    add_runs(failing, grand.property_id, ["failed", "running"])
    # An overbooking in VN: the one room left of night 3 is sold twice.
    booking_service.ingest_ota_reservation(ota_request(grand, "AGD-KPI-1", "1", first=3, rooms=4, ota=OtaCode.AGODA))

    headers = identity.login(identity.user(permissions=VIEW, country="VN")).headers
    body = body_of(summary(identity, headers, grand))
    assert body["sync"] == {"finished_runs": 4, "succeeded_runs": 3, "success_rate": 0.75}
    assert [t["connection_id"] for t in body["channel_trouble"]] == [failing]
    assert body["channel_trouble"][0]["health"] == "failing" and body["channel_trouble"][0]["stale"] is True
    assert body["alert_counts"]["critical"] >= 1
    assert any(alert["type"] == "overbooking" for alert in body["recent_alerts"])
