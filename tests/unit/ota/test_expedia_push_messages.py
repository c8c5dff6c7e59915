"""Expedia's Booking Notification messages read and answered without I/O (issue 16.5): the
simulator's messages (validated against Expedia's schemas), credentials from the header or HTTP
Basic, Expedia's id conventions, and refusals naming the field."""

from __future__ import annotations

import base64
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from lxml import etree

from chalicelib.domain.ota_reservation import ReservationAction
from chalicelib.ota.expedia_push import CANCEL, NEW, read_notification, success_answer
from chalicelib.ota.webhooks import MalformedNotification
from local.simulators.core import Guest, Revision, Stay
from local.simulators.expedia_bn import notification
from tests.support.ota_schemas import SchemaSet

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
SOAP = "{http://schemas.xmlsoap.org/soap/envelope/}"


def revision(action: str) -> Revision:
    booked = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    return Revision(
        seq=4,
        reservation_id="80000999",
        hotel_id="556677",
        action=action,
        at=booked + timedelta(minutes=4),
        booked_at=booked,
        stay=Stay(
            "DLX", "BAR", date(2026, 4, 10), date(2026, 4, 13), 2, 0, Guest("Lan", "Pham"), Decimal("99.00"), "EUR"
        ),
    )


def body_of(envelope: bytes) -> bytes:
    return etree.tostring(etree.fromstring(envelope).find(f"{SOAP}Body")[0])  # type: ignore[index]


def test_a_new_booking_reads_in_full_with_expedias_conventions(ota_schemas: SchemaSet) -> None:
    envelope = notification(revision("new"), "bn-user", "bn-secret")
    ota_schemas.assert_valid("expedia-eqc/OTA_HotelResNotifRQ.xsd", body_of(envelope))

    read = read_notification(envelope, authorization=None, received_at=NOW)

    assert (read.message, read.hotel_id, read.username, read.password) == (NEW, "556677", "bn-user", "bn-secret")
    booking = read.reservation
    assert booking.reservation_id == "80000999"  # UniqueID 14, not the HotelReservationID of type 8
    assert booking.action is ReservationAction.NEW and booking.ota_hotel_id == "556677"
    (room,) = booking.rooms
    assert (room.ota_room_id, room.ota_rate_plan_id, room.adults) == ("DLX", "BAR", 2)
    assert (room.check_in, room.check_out) == (date(2026, 4, 10), date(2026, 4, 13))
    # Base 90.00 before tax per night + the stay's 27.00 taxes spread: 99.00 each, 297.00 in all
    assert [rate.amount for rate in room.nightly_rates] == [Decimal("99.00")] * 3
    assert (booking.total_amount, booking.currency, booking.amounts_before_tax) == (Decimal("297.00"), "EUR", False)
    assert booking.modified_at == revision("new").at  # the message's TimeStamp
    answer = success_answer(read, "PTX-ABC123", now=NOW, soap=False)
    ota_schemas.assert_valid("expedia-eqc/OTA_HotelResNotifRS.xsd", answer)


def test_a_cancellation_and_http_basic_credentials(ota_schemas: SchemaSet) -> None:
    envelope = notification(revision("cancel"), "ignored", "ignored")
    bare = body_of(envelope)  # the RQ alone, as a partner without the SOAP header would send it
    ota_schemas.assert_valid("expedia-eqc/OTA_CancelRQ.xsd", bare)
    basic = "Basic " + base64.b64encode(b"bn-user:bn-secret").decode()

    read = read_notification(bare, authorization=basic, received_at=NOW)

    assert (read.message, read.username, read.password) == (CANCEL, "bn-user", "bn-secret")
    assert read.reservation.action is ReservationAction.CANCEL and read.reservation.reservation_id == "80000999"
    assert read.hotel_id == "556677"  # Verification/Vendor/@Code when there is no header
    ota_schemas.assert_valid("expedia-eqc/OTA_CancelRS.xsd", success_answer(read, "PTX-ABC123", now=NOW, soap=False))


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: re.sub(rb"<UniqueID [^>]*/>", b"", b), "HotelReservationID"),
        (lambda b: b.replace(b"OTA_HotelResNotifRQ", b"OTA_HotelAvailNotifRQ"), "Envelope/Body"),
        (lambda b: b'<!DOCTYPE x [<!ENTITY e "e">]>' + b.split(b"?>", 1)[1], "body"),
    ],
    ids=["no-booking-id", "other-message", "dtd"],
)
def test_what_is_not_a_booking_notification_is_refused_naming_the_field(mutate: object, field: str) -> None:
    envelope = notification(revision("new"), "u", "p")
    with pytest.raises(MalformedNotification) as refused:
        read_notification(mutate(envelope), authorization=None, received_at=NOW)  # type: ignore[operator]
    assert field in refused.value.field
