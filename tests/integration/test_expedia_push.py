"""Issue 16.5: Expedia's Booking Notification push at ``POST /webhooks/expedia``: authenticated,
stored before the answer, exactly once however often it is delivered, answered with the matching
RS. The messages are the Expedia simulator's (``local/simulators/expedia_bn.py``), validated
against Expedia's published schemas (the SOAP ``Interface`` header against ``SOAP_header.xsd``,
the body against its RQ schema, our answer against its RS schema)."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import select

from chalicelib.db.models import Alert, BookingGroup, BookingLine, BookingNight, OtaReservationRevision, WebhookReceipt
from chalicelib.db.unit_of_work import unit_of_work
from local.simulators.core import Guest, Revision, Stay
from local.simulators.expedia_bn import notification
from tests.factories import Identity
from tests.ota_factories import TestHotel, make_account, make_connection, make_property, map_rate, map_room
from tests.support.ota_schemas import SchemaSet, schema_set

HOTEL = "556677"
BN_USER = "expedia-bn"
BN_SECRET = "bn-secret-6c1f0e"
SOAP = "{http://schemas.xmlsoap.org/soap/envelope/}"
RQ_SCHEMAS = {
    "new": "expedia-eqc/OTA_HotelResNotifRQ.xsd",
    "modify": "expedia-eqc/OTA_HotelResModifyNotifRQ.xsd",
    "cancel": "expedia-eqc/OTA_CancelRQ.xsd",
}
RS_SCHEMAS = {
    "OTA_HotelResNotifRS": "expedia-eqc/OTA_HotelResNotifRS.xsd",
    "OTA_HotelResModifyNotifRS": "expedia-eqc/OTA_HotelResModifyNotifRS.xsd",
    "OTA_CancelRS": "expedia-eqc/OTA_CancelRS.xsd",
}


@pytest.fixture
def schemas() -> SchemaSet:
    return schema_set()


@pytest.fixture
def connected(aws: object, identity: Identity) -> tuple[TestHotel, int]:
    hotel = make_property("VN", rooms={"DLX": "Deluxe"}, plans={"DLX": {"BAR": "Best"}})
    account = make_account(
        "VN",
        ota="expedia",
        credentials={
            "username": "eqc",
            "password": "eqc-pass",
            "webhook_username": BN_USER,
            "webhook_secret": BN_SECRET,
        },
    )
    connection = make_connection(hotel, account, HOTEL)
    map_room(connection, hotel.room_types["DLX"], "DLX")
    map_rate(connection, hotel.room_types["DLX"], hotel.rate_plans[("DLX", "BAR")], "DLX", "BAR")
    return hotel, connection


CHECK_IN = date.today() + timedelta(days=20)


def revision(
    action: str, seq: int, *, hotel: str = HOTEL, room: str = "DLX", nights: int = 2, adults: int = 2
) -> Revision:
    booked = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    return Revision(
        seq=seq,
        reservation_id="80000123",
        hotel_id=hotel,
        action=action,
        at=booked + timedelta(minutes=seq),
        booked_at=booked,
        stay=Stay(
            room_id=room,
            rate_plan_id="BAR",
            check_in=CHECK_IN,
            check_out=CHECK_IN + timedelta(days=nights),
            adults=adults,
            children=1,
            guest=Guest(first_name="Lan", last_name="Pham"),
            nightly_rate=Decimal("110.00"),
            currency="USD",
        ),
    )


def validated(schemas: SchemaSet, action: str, envelope: bytes) -> bytes:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(envelope, parser)
    interface = root.find(f"{SOAP}Header")[0]  # type: ignore[index]
    body = root.find(f"{SOAP}Body")[0]  # type: ignore[index]
    schemas.assert_valid("expedia-eqc/SOAP_header.xsd", etree.tostring(interface))
    schemas.assert_valid(RQ_SCHEMAS[action], etree.tostring(body))
    return envelope


def answer_of(schemas: SchemaSet, body: bytes) -> Any:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(body, parser)
    soap_body = root.find(f"{SOAP}Body")
    assert soap_body is not None, body
    answer = soap_body[0]
    name = etree.QName(answer).localname
    if name in RS_SCHEMAS:
        schemas.assert_valid(RS_SCHEMAS[name], etree.tostring(answer))
    return answer


def post(identity: Identity, body: bytes, **headers: str) -> Any:
    return identity.client.http.post(
        "/webhooks/expedia", headers={"Content-Type": "text/xml; charset=utf-8", **headers}, body=body
    )


def group_of(property_id: int) -> tuple[BookingGroup, list[BookingLine], list[BookingNight]]:
    with unit_of_work() as uow:
        session = uow.session
        group = session.scalars(select(BookingGroup).where(BookingGroup.property_id == property_id)).one()
        lines = list(session.scalars(select(BookingLine).where(BookingLine.group_id == group.id)))
        nights = list(
            session.scalars(
                select(BookingNight)
                .where(BookingNight.line_id.in_([line.id for line in lines]))
                .order_by(BookingNight.night)
            )
        )
        session.expunge_all()
        return group, lines, nights


def test_a_new_booking_is_stored_once_and_answered_with_our_confirmation(
    connected: tuple[TestHotel, int], identity: Identity, schemas: SchemaSet
) -> None:
    hotel, _ = connected
    message = validated(schemas, "new", notification(revision("new", 1), BN_USER, BN_SECRET))

    first = post(identity, message)
    again = post(identity, message)  # Expedia's retry of the same delivery

    assert first.status_code == 200, first.body
    answer = answer_of(schemas, first.body)
    assert etree.QName(answer).localname == "OTA_HotelResNotifRS"
    ids = {node.get("ResID_Type"): node.get("ResID_Value") for node in answer.iter("{*}HotelReservationID")}
    group, lines, nights = group_of(hotel.id)
    assert ids == {"8": "80000123", "3": group.reference}
    assert answer_of(schemas, again.body).find("{*}Success") is not None
    assert {node.get("ResID_Value") for node in answer_of(schemas, again.body).iter("{*}HotelReservationID")} == {
        "80000123",
        group.reference,
    }
    # Every field that matters, stored once
    assert (group.ota_code, group.ota_reservation_id, group.channel) == ("expedia", "80000123", group.channel)
    assert (group.check_in, group.check_out) == (CHECK_IN, CHECK_IN + timedelta(days=2))
    assert (group.currency, group.total_amount) == ("USD", Decimal("220.000"))
    assert group.guest_name == "Lan Pham"
    (line,) = lines
    assert (line.room_type_id, line.rate_plan_id) == (hotel.room_types["DLX"], hotel.rate_plans[("DLX", "BAR")])
    assert (line.adults, line.children, line.rooms) == (2, 1, 1)
    assert [(n.night, n.amount) for n in nights] == [
        (CHECK_IN, Decimal("110.000")),
        (CHECK_IN + timedelta(days=1), Decimal("110.000")),
    ]
    with unit_of_work() as uow:
        revisions = list(uow.session.scalars(select(OtaReservationRevision)))
        assert len(revisions) == 1 and revisions[0].ack_state == "acknowledged"
        assert len(list(uow.session.scalars(select(WebhookReceipt).where(WebhookReceipt.ota_code == "expedia")))) == 1


def test_a_modification_then_a_cancellation_bring_the_booking_to_their_state(
    connected: tuple[TestHotel, int], identity: Identity, schemas: SchemaSet
) -> None:
    hotel, _ = connected
    assert (
        post(identity, validated(schemas, "new", notification(revision("new", 1), BN_USER, BN_SECRET))).status_code
        == 200
    )
    modified = post(
        identity,
        validated(schemas, "modify", notification(revision("modify", 2, nights=3, adults=1), BN_USER, BN_SECRET)),
    )
    assert etree.QName(answer_of(schemas, modified.body)).localname == "OTA_HotelResModifyNotifRS"
    group, lines, nights = group_of(hotel.id)
    assert group.check_out == CHECK_IN + timedelta(days=3) and lines[0].adults == 1 and len(nights) == 3

    cancelled = post(identity, validated(schemas, "cancel", notification(revision("cancel", 3), BN_USER, BN_SECRET)))
    answer = answer_of(schemas, cancelled.body)
    assert etree.QName(answer).localname == "OTA_CancelRS" and answer.find("{*}Success") is not None
    group, _, _ = group_of(hotel.id)
    assert group.cancelled_at is not None


@pytest.mark.parametrize(
    ("headers_password", "header_password"),
    [(None, "wrong-secret"), (None, "")],
    ids=["wrong-secret", "no-secret"],
)
def test_a_delivery_with_wrong_credentials_is_refused_and_stores_nothing(
    connected: tuple[TestHotel, int], identity: Identity, headers_password: str | None, header_password: str
) -> None:
    hotel, _ = connected
    response = post(identity, notification(revision("new", 1), BN_USER, header_password))
    assert response.status_code == 401 and b"Fault" in response.body
    assert BN_SECRET.encode() not in response.body
    with unit_of_work() as uow:
        assert uow.session.scalars(select(BookingGroup).where(BookingGroup.property_id == hotel.id)).first() is None


def test_http_basic_credentials_are_accepted_when_the_header_has_none(
    connected: tuple[TestHotel, int], identity: Identity, schemas: SchemaSet
) -> None:
    hotel, _ = connected
    message = notification(revision("new", 1), BN_USER, BN_SECRET)
    stripped = etree.fromstring(message)
    for auth in stripped.iter("{*}Authentication"):
        auth.getparent().remove(auth)  # type: ignore[union-attr]
    basic = base64.b64encode(f"{BN_USER}:{BN_SECRET}".encode()).decode()
    response = post(identity, etree.tostring(stripped), Authorization=f"Basic {basic}")
    assert response.status_code == 200 and answer_of(schemas, response.body).find("{*}Success") is not None
    assert group_of(hotel.id)[0].ota_reservation_id == "80000123"


def test_a_booking_naming_another_hotel_or_an_unmapped_room_is_refused_with_an_error(
    connected: tuple[TestHotel, int], identity: Identity, schemas: SchemaSet
) -> None:
    hotel, connection = connected
    # The header names our hotel, the booking another one: refused and alerted, as for a pull
    foreign = notification(revision("new", 1, hotel="998877"), BN_USER, BN_SECRET).replace(
        b'SupplierHotelCode="998877"', f'SupplierHotelCode="{HOTEL}"'.encode()
    )
    refused = answer_of(schemas, post(identity, foreign).body)
    assert refused.find("{*}Errors/{*}Error") is not None and refused.find("{*}Success") is None
    unmapped = answer_of(schemas, post(identity, notification(revision("new", 2, room="STE"), BN_USER, BN_SECRET)).body)
    (error,) = unmapped.iter("{*}Error")
    assert "STE" in (error.text or "")
    with unit_of_work() as uow:
        assert uow.session.scalars(select(BookingGroup).where(BookingGroup.property_id == hotel.id)).first() is None
        alert = uow.session.scalars(select(Alert).where(Alert.property_id == hotel.id)).one()
        assert alert.details["named_hotel_id"] == "998877" and alert.details["connection_id"] == connection


def test_a_body_that_is_not_a_booking_notification_is_a_400_fault_naming_the_problem(
    connected: tuple[TestHotel, int], identity: Identity
) -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><OTA_HotelResNotifRQ>&a;</OTA_HotelResNotifRQ>'
    for body in (b"<nope/>", bomb, b"not xml"):
        response = post(identity, body)
        assert response.status_code == 400 and b"Fault" in response.body, body
