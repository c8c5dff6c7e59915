"""Issue 16.6: a simulator applies every field of an ARI message exactly or refuses the message with
its protocol's error; it never accepts and ignores, never crashes, and refuses oversized bodies.

Valid messages are written here from the published schemas and validated against them; the
refused ones are the variants a simulator used to swallow (or crash on)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from tests.integration.ota.conftest import OtaHarness
from tests.support import http
from tests.support.ota_schemas import SchemaSet

MONDAY = date.today() + timedelta(days=(7 - date.today().weekday()) % 7 + 14)  # a Monday, 2-3 weeks ahead
SUNDAY = MONDAY + timedelta(days=6)
OTA_NS = "http://www.opentravel.org/OTA/2003/05"
AR_NS = "http://www.expediaconnect.com/EQC/AR/2011/06"


def cells(harness: OtaHarness, room: str = "DLX", plan: str | None = "-") -> dict[date, dict[str, Any]]:
    return {date.fromisoformat(c["date"]): c for c in harness.control.ari(harness.hotel_id, room, plan)}


# --- Expedia AvailRateUpdateRQ ------------------------------------------------------------------------------


def eqc(harness: OtaHarness, updates: str) -> bytes:
    user, password = harness.case.credentials["username"], harness.case.credentials["password"]
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><AvailRateUpdateRQ xmlns="{AR_NS}">'
        f'<Authentication username="{user}" password="{password}"/><Hotel id="{harness.hotel_id}"/>'
        f"{updates}</AvailRateUpdateRQ>"
    ).encode()


def post_eqc(harness: OtaHarness, body: bytes) -> str:
    response = http.post(f"{harness.simulator.url}/eqc/ar", content=body, headers={"Content-Type": "text/xml"})
    return response.text


def test_expedia_applies_day_of_week_occupancy_los_rates_and_flexible_allocation_exactly(
    expedia: OtaHarness, ota_schemas: SchemaSet
) -> None:
    body = eqc(
        expedia,
        f'<AvailRateUpdate><DateRange from="{MONDAY}" to="{SUNDAY}" mon="true" wed="true" sat="false"/>'
        '<RoomType id="DLX"><Inventory totalInventoryAvailable="5" flexibleAllocation="2"/>'
        '<RatePlan id="BAR">'
        '<Rate currency="USD"><PerOccupancy rate="90.00" occupancy="1"/><PerOccupancy rate="110.00" occupancy="2"/></Rate>'
        '<Rate currency="USD" lengthOfStay="3"><PerDay rate="95.00"/></Rate>'
        '<Restrictions minLOS="2" closedToArrival="true"/>'
        "</RatePlan></RoomType></AvailRateUpdate>",
    )
    ota_schemas.assert_valid("expedia-eqc/AvailRateUpdateRQ.xsd", body)

    answer = post_eqc(expedia, body)

    assert "<Success" in answer, answer
    room = cells(expedia)
    assert sorted(room) == [MONDAY, MONDAY + timedelta(days=2)]  # Monday and Wednesday only
    assert all(c["availability"] == 5 and c["flexible_allocation"] == 2 for c in room.values())
    plan = cells(expedia, plan="BAR")
    assert sorted(plan) == [MONDAY, MONDAY + timedelta(days=2)]
    monday = plan[MONDAY]
    assert monday["rates"] == {"occupancy=1": "90.00", "occupancy=2": "110.00", "per_day/los=3": "95.00"}
    assert "rate" not in monday  # no plain per-day rate was sent: none invented
    assert (monday["min_los"], monday["closed_to_arrival"], monday["currency"]) == (2, True, "USD")


@pytest.mark.parametrize(
    ("update", "words"),
    [
        ('<RoomType id="DLX" surprise="1"><Inventory totalInventoryAvailable="1"/></RoomType>', "surprise"),
        ('<RoomType id="DLX"><Inventory totalInventoryAvailable="2.5"/></RoomType>', "whole number"),
        (
            '<RoomType id="DLX"><RatePlan id="BAR"><Rate currency="USD"><PerDay rate="ten"/></Rate></RatePlan></RoomType>',
            "amount",
        ),
        ('<RoomType id="DLX"><RatePlan id="BAR"><Restrictions minLOS="1.5"/></RatePlan></RoomType>', "whole number"),
    ],
    ids=["unknown-attribute", "fractional-inventory", "non-numeric-rate", "fractional-los"],
)
def test_expedia_refuses_what_it_cannot_apply_with_a_2001_and_applies_nothing(
    expedia: OtaHarness, update: str, words: str
) -> None:
    answer = post_eqc(
        expedia, eqc(expedia, f'<AvailRateUpdate><DateRange from="{MONDAY}" to="{MONDAY}"/>{update}</AvailRateUpdate>')
    )
    assert 'code="2001"' in answer and words in answer, answer
    assert cells(expedia) == {} and cells(expedia, plan="BAR") == {}


# --- Booking.com OTA_HotelAvailNotifRQ / OTA_HotelRateAmountNotifRQ ----------------------------------------------


def opentravel(harness: OtaHarness, root: str, messages: str) -> bytes:
    container = "AvailStatusMessages" if root == "OTA_HotelAvailNotifRQ" else "RateAmountMessages"
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><{root} xmlns="{OTA_NS}" Version="1.0">'
        f'<{container} HotelCode="{harness.hotel_id}">{messages}</{container}></{root}>'
    ).encode()


def post_bdc(harness: OtaHarness, path: str, body: bytes) -> httpx.Response:
    auth = (harness.case.credentials["username"], harness.case.credentials["password"])
    return http.post(
        f"{harness.simulator.url}/hotels/ota/{path}", content=body, auth=auth, headers={"Content-Type": "text/xml"}
    )


def test_booking_com_applies_invcode_open_ranges_day_patterns_and_occupancy_prices_exactly(
    booking_com: OtaHarness, ota_schemas: SchemaSet
) -> None:
    wednesday = MONDAY + timedelta(days=2)
    avail = opentravel(
        booking_com,
        "OTA_HotelAvailNotifRQ",
        f'<AvailStatusMessage BookingLimit="4"><StatusApplicationControl Start="{MONDAY}" End="{SUNDAY}" '
        'InvCode="DLX" Mon="true" Weds="true"/></AvailStatusMessage>'
        f'<AvailStatusMessage><StatusApplicationControl Start="{wednesday}" InvTypeCode="DLX" RatePlanCode="BAR"/>'
        '<LengthsOfStay><LengthOfStay Time="3" TimeUnit="Day" MinMaxMessageType="SetMinLOS"/></LengthsOfStay>'
        "</AvailStatusMessage>",
    )
    rates = opentravel(
        booking_com,
        "OTA_HotelRateAmountNotifRQ",
        f'<RateAmountMessage><StatusApplicationControl Start="{MONDAY}" End="{MONDAY}" InvTypeCode="DLX" '
        'RatePlanCode="BAR"/><Rates><Rate><BaseByGuestAmts>'
        '<BaseByGuestAmt NumberOfGuests="1" AmountAfterTax="80.00" CurrencyCode="EUR"/>'
        '<BaseByGuestAmt NumberOfGuests="2" AmountAfterTax="100.00" CurrencyCode="EUR"/>'
        "</BaseByGuestAmts></Rate></Rates></RateAmountMessage>",
    )
    ota_schemas.assert_valid("opentravel-2003B/OTA_HotelAvailNotifRQ.xsd", avail)
    ota_schemas.assert_valid("opentravel-2003B/OTA_HotelRateAmountNotifRQ.xsd", rates)

    assert b"<Success" in post_bdc(booking_com, "OTA_HotelAvailNotif", avail).content
    assert b"<Success" in post_bdc(booking_com, "OTA_HotelRateAmountNotif", rates).content

    room = cells(booking_com)
    assert {night: c["availability"] for night, c in room.items()} == {MONDAY: 4, wednesday: 4}
    plan = cells(booking_com, plan="BAR")
    assert plan[wednesday]["min_los"] == 3 and sorted(plan) == [MONDAY, wednesday]  # no End: Start only
    assert plan[MONDAY]["rates_by_guests"] == {"1": "80.00", "2": "100.00"} and "rate" not in plan[MONDAY]


@pytest.mark.parametrize(
    ("message", "words"),
    [
        ('<RestrictionStatus Restriction="Somewhere" Status="Close"/>', "Restriction"),
        ('<RestrictionStatus Restriction="Arrival" Status="Shut"/>', "Status"),
        ('<LengthsOfStay><LengthOfStay Time="2.5" MinMaxMessageType="SetMinLOS"/></LengthsOfStay>', "whole number"),
        (
            '<LengthsOfStay><LengthOfStay Time="2" MinMaxMessageType="SetForwardMinStay"/></LengthsOfStay>',
            "MinMaxMessageType",
        ),
    ],
    ids=["unknown-restriction", "unknown-status", "fractional-stay", "unknown-los-kind"],
)
def test_booking_com_answers_an_opentravel_error_instead_of_crashing(
    booking_com: OtaHarness, message: str, words: str
) -> None:
    body = opentravel(
        booking_com,
        "OTA_HotelAvailNotifRQ",
        f'<AvailStatusMessage><StatusApplicationControl Start="{MONDAY}" End="{MONDAY}" InvTypeCode="DLX" '
        f'RatePlanCode="BAR"/>{message}</AvailStatusMessage>',
    )
    response = post_bdc(booking_com, "OTA_HotelAvailNotif", body)
    assert response.status_code == 400 and b"<Errors>" in response.content and words.encode() in response.content
    assert cells(booking_com, plan="BAR") == {}


# --- Agoda SetARI v2 ---------------------------------------------------------------------------------------------


def set_ari(harness: OtaHarness, updates: str) -> httpx.Response:
    body = (
        f'<request timestamp="1" type="10"><criteria property_id="{harness.hotel_id}">{updates}</criteria></request>'
    ).encode()
    return http.post(
        f"{harness.simulator.url}/api", params={"apiKey": harness.case.credentials["api_key"]}, content=body
    )


def test_agoda_applies_day_of_week_extra_bed_advance_purchase_and_stay_through_exactly(agoda: OtaHarness) -> None:
    response = set_ari(
        agoda,
        f'<inventory><update room_id="DLX"><date_range from="{MONDAY}" to="{SUNDAY}"><dow>1</dow><dow>7</dow>'
        "</date_range><allotment>3</allotment></update></inventory>"
        f'<rate><update room_id="DLX" rateplan_id="BAR"><date_range from="{MONDAY}" to="{MONDAY}"/>'
        '<prices currency="THB"><normal default="1500"/><extrabed amount="400"/></prices>'
        "<restrictions><advance_purchase><min>2</min><max>60</max></advance_purchase>"
        "<min_stay_through>2</min_stay_through></restrictions></update></rate>",
    )
    assert response.status_code == 200, response.text
    assert {night: c["availability"] for night, c in cells(agoda).items()} == {MONDAY: 3, SUNDAY: 3}
    monday = cells(agoda, plan="BAR")[MONDAY]
    assert (monday["rate"], monday["extra_bed"], monday["currency"]) == ("1500", "400", "THB")
    assert (monday["advance_purchase_min"], monday["advance_purchase_max"], monday["min_stay_through"]) == (2, 60, 2)


@pytest.mark.parametrize(
    "update",
    [
        "<allotment>2.5</allotment>",
        "<restrictions><los><min>1.5</min></los></restrictions>",
        '<prices currency="THB"><occupancy single="10"/></prices>',
        "<restrictions><closed>maybe</closed></restrictions>",
    ],
    ids=["fractional-allotment", "fractional-los", "unknown-price-kind", "bad-flag"],
)
def test_agoda_refuses_what_it_cannot_apply_with_a_400_error(agoda: OtaHarness, update: str) -> None:
    response = set_ari(
        agoda,
        f'<inventory><update room_id="DLX"><date_range from="{MONDAY}" to="{MONDAY}"/>{update}</update></inventory>',
    )
    assert response.status_code == 400 and 'code="1101"' in response.text, response.text
    assert cells(agoda) == {}


# --- every simulator: a request size limit -------------------------------------------------------------------------


def test_every_simulator_refuses_an_oversized_body_unread(ota: OtaHarness) -> None:
    ota.simulator.max_request_bytes = 64 * 1024
    response = http.post(f"{ota.simulator.url}/anything", content=b"<x>" + b"a" * (65 * 1024) + b"</x>")
    assert response.status_code == 413 and b"exceeds the limit" in response.content
    assert ota.control.requests() == []  # refused before any protocol handling


# --- Traveloka (our JSON contract) ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "update",
    [{"availability": 2.5}, {"min_stay": "two"}, {"stop_sell": "yes"}, {"rate": {"amount": "ten", "currency": "IDR"}}],
    ids=["fractional-availability", "text-min-stay", "text-flag", "bad-amount"],
)
def test_traveloka_refuses_a_value_it_cannot_apply_instead_of_crashing(
    traveloka: OtaHarness, update: dict[str, Any]
) -> None:
    body = {"updates": [{"room_id": "DLX", "rate_plan_id": "BAR", "from": str(MONDAY), "to": str(MONDAY), **update}]}
    response = http.post(
        f"{traveloka.simulator.url}/v1/hotels/{traveloka.hotel_id}/ari",
        json=body,
        headers={"X-Api-Key": traveloka.case.credentials["api_key"]},
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["code"] == "invalid_field"
    assert cells(traveloka, plan="BAR") == {}
