"""OpenTravel reservations as the protocol allows them (issue 16, points 1-3), read by the Booking.com
adapter: before-tax amounts, absent timestamps, the id in ``UniqueID``, ``OTA_ResRetrieveRS``,
several ``HotelReservationID``s, and the hotel the message names.

Each message is written here from the published schemas (OpenTravel 2003B for the notification
feeds, 2015A for ``OTA_ResRetrieveRS`` as AlpineBits sends it), validated against them, then served
to the adapter by an in-memory transport (no sockets).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import httpx
import pytest

from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_credentials import OtaCredentials
from chalicelib.domain.ota_reservation import ReservationAction, ReservationStatus
from chalicelib.domain.ota_results import ErrorKind, PullResult
from chalicelib.ota.base import AdapterOptions
from chalicelib.ota.booking_com import BookingComAdapter
from chalicelib.ota.budget import FakeClock, Unlimited
from tests.support.ota_schemas import SchemaSet

NS = "http://www.opentravel.org/OTA/2003/05"
RECEIVED = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
EMPTY_MODIFY = f'<OTA_HotelResModifyNotifRQ xmlns="{NS}" Version="1.0"/>'.encode()


def room_stay(
    *,
    rate: str = 'AmountAfterTax="120.00" CurrencyCode="EUR"',
    rate_children: str = "",
    total: str = 'AmountAfterTax="240.00" CurrencyCode="EUR"',
    hotel: str = "1234567",
) -> str:
    return f"""
      <RoomStay>
        <RoomTypes><RoomType RoomTypeCode="DLX"/></RoomTypes>
        <RatePlans><RatePlan RatePlanCode="BAR"/></RatePlans>
        <RoomRates><RoomRate RoomTypeCode="DLX" RatePlanCode="BAR"><Rates>
          <Rate EffectiveDate="2026-04-10" ExpireDate="2026-04-12"><Base {rate}>{rate_children}</Base></Rate>
        </Rates></RoomRate></RoomRates>
        <GuestCounts><GuestCount AgeQualifyingCode="10" Count="2"/><GuestCount AgeQualifyingCode="8" Count="1"/></GuestCounts>
        <TimeSpan Start="2026-04-10" End="2026-04-12"/>
        <Total {total}/>
        <BasicPropertyInfo HotelCode="{hotel}"/>
      </RoomStay>"""


GUESTS = """
    <ResGuests><ResGuest ResGuestRPH="1"><Profiles><ProfileInfo><Profile ProfileType="1"><Customer>
      <PersonName><GivenName>Lan</GivenName><Surname>Pham</Surname></PersonName>
      <Email>lan@example.com</Email>
    </Customer></Profile></ProfileInfo></Profiles></ResGuest></ResGuests>"""


def notif(*, attributes: str, stays: str, ids: str, before_ids: str = "", global_total: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<OTA_HotelResNotifRQ xmlns="{NS}" Version="1.0" TimeStamp="2026-03-01T09:29:00+00:00">
  <HotelReservations>
    <HotelReservation {attributes}>
      {before_ids}
      <RoomStays>{stays}</RoomStays>
      {GUESTS}
      <ResGlobalInfo>{global_total}<HotelReservationIDs>{ids}</HotelReservationIDs></ResGlobalInfo>
    </HotelReservation>
  </HotelReservations>
</OTA_HotelResNotifRQ>""".encode()


def pull(new_document: bytes, modify_document: bytes = EMPTY_MODIFY, *, hotel: str = "1234567") -> PullResult:
    def handle(request: httpx.Request) -> httpx.Response:
        body = new_document if request.url.path.endswith("OTA_HotelResNotif") else modify_document
        return httpx.Response(200, content=body, headers={"Content-Type": "application/xml"})

    options = AdapterOptions(
        budget=Unlimited(), clock=FakeClock(), transport=httpx.MockTransport(handle), now=lambda: RECEIVED
    )
    credentials: Callable[[], OtaCredentials] = lambda: OtaCredentials({"username": "u", "password": "p"})  # noqa: E731
    with BookingComAdapter("https://supply-xml.booking.example", credentials, options=options) as adapter:
        return adapter.pull_reservations(hotel)


RQ_2003B = "opentravel-2003B/OTA_HotelResNotifRQ.xsd"


def test_before_tax_rates_take_the_taxes_given_and_the_reservation_reads_in_full(ota_schemas: SchemaSet) -> None:
    document = notif(
        attributes='CreateDateTime="2026-03-01T08:00:00Z" LastModifyDateTime="2026-03-01T08:05:00Z"',
        stays=room_stay(
            rate='AmountBeforeTax="100.00" CurrencyCode="EUR"',
            rate_children='<Taxes Amount="10.00" CurrencyCode="EUR"/>',
            total='AmountBeforeTax="200.00" CurrencyCode="EUR"',
        ),
        ids='<HotelReservationID ResID_Type="14" ResID_Value="4105553" ResID_Source="Booking.com"/>',
        global_total='<Total AmountBeforeTax="200.00" CurrencyCode="EUR"><Taxes Amount="20.00"/></Total>',
    )
    ota_schemas.assert_valid(RQ_2003B, document)

    result = pull(document)

    assert result.ok and not result.item_errors, result.errors
    (reservation,) = result.reservations
    assert reservation.reservation_id == "4105553"
    assert reservation.ota_hotel_id == "1234567"
    assert reservation.action is ReservationAction.NEW
    assert reservation.status is ReservationStatus.CONFIRMED
    (room,) = reservation.rooms
    assert (room.ota_room_id, room.ota_rate_plan_id) == ("DLX", "BAR")
    assert (room.check_in, room.check_out) == (date(2026, 4, 10), date(2026, 4, 12))
    assert (room.adults, room.children) == (2, 1)
    assert [(rate.night, rate.amount) for rate in room.nightly_rates] == [
        (date(2026, 4, 10), Decimal("110.00")),
        (date(2026, 4, 11), Decimal("110.00")),
    ]
    assert (reservation.total_amount, reservation.currency) == (Decimal("220.00"), "EUR")
    assert reservation.amounts_before_tax is False
    assert reservation.guest is not None and reservation.guest.full_name == "Lan Pham"
    assert reservation.booked_at == datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    assert reservation.modified_at == datetime(2026, 3, 1, 8, 5, tzinfo=UTC)


def test_before_tax_amounts_without_taxes_are_kept_as_sent_and_flagged(ota_schemas: SchemaSet) -> None:
    document = notif(
        attributes='CreateDateTime="2026-03-01T08:00:00Z"',
        stays=room_stay(
            rate='AmountBeforeTax="100.00" CurrencyCode="EUR"', total='AmountBeforeTax="200.00" CurrencyCode="EUR"'
        ),
        ids='<HotelReservationID ResID_Type="14" ResID_Value="4105554"/>',
    )
    ota_schemas.assert_valid(RQ_2003B, document)

    (reservation,) = pull(document).reservations

    assert reservation.amounts_before_tax is True
    assert [rate.amount for rate in reservation.rooms[0].nightly_rates] == [Decimal("100.00")] * 2
    assert (reservation.total_amount, reservation.currency) == (Decimal("200.00"), "EUR")


def test_missing_timestamps_fall_back_to_the_time_we_received_it(ota_schemas: SchemaSet) -> None:
    document = notif(
        attributes="", stays=room_stay(), ids='<HotelReservationID ResID_Type="14" ResID_Value="4105555"/>'
    )
    ota_schemas.assert_valid(RQ_2003B, document)

    result = pull(document)

    assert not result.item_errors, result.item_errors
    (reservation,) = result.reservations
    assert reservation.reservation_id == "4105555"
    assert reservation.modified_at == RECEIVED and reservation.booked_at is None
    assert reservation.revision.startswith("20260301T093000")
    assert reservation.ack_token.endswith(RECEIVED.isoformat())
    assert (reservation.total_amount, reservation.currency) == (Decimal("240.00"), "EUR")


def test_the_reservation_id_may_come_in_unique_id(ota_schemas: SchemaSet) -> None:
    document = notif(
        attributes='CreateDateTime="2026-03-01T08:00:00Z"',
        before_ids='<UniqueID Type="14" ID="4105556"/>',
        stays=room_stay(),
        ids="",
    ).replace(b"<HotelReservationIDs></HotelReservationIDs>", b"")
    ota_schemas.assert_valid(RQ_2003B, document)

    (reservation,) = pull(document).reservations

    assert reservation.reservation_id == "4105556"
    assert reservation.rooms[0].ota_room_id == "DLX"


def test_the_reservation_id_is_chosen_by_its_type_not_its_position(ota_schemas: SchemaSet) -> None:
    # A marketing source (UIT 13, as AlpineBits sends the click id) and the hotel's own number
    # (UIT 10) come first; the reservation's id is the one of type 14.
    document = notif(
        attributes='CreateDateTime="2026-03-01T08:00:00Z"',
        stays=room_stay(),
        ids=(
            '<HotelReservationID ResID_Type="13" ResID_Value="gclid-8812" ResID_Source="google"/>'
            '<HotelReservationID ResID_Type="10" ResID_Value="PTX-77"/>'
            '<HotelReservationID ResID_Type="14" ResID_Value="4105557"/>'
        ),
    )
    ota_schemas.assert_valid(RQ_2003B, document)

    (reservation,) = pull(document).reservations

    assert reservation.reservation_id == "4105557"
    assert reservation.confirmation_numbers == {"booking_com": "4105557"}


def test_ids_of_which_none_is_the_reservation_are_refused_naming_the_field(ota_schemas: SchemaSet) -> None:
    document = notif(
        attributes='CreateDateTime="2026-03-01T08:00:00Z"',
        stays=room_stay(),
        ids='<HotelReservationID ResID_Type="13" ResID_Value="gclid-8812" ResID_Source="google"/>',
    )
    ota_schemas.assert_valid(RQ_2003B, document)

    result = pull(document)

    assert result.reservations == ()
    (error,) = result.item_errors
    assert error.kind is ErrorKind.INVALID_FIELD
    assert error.field is not None and error.field.endswith("HotelReservationID/@ResID_Type")


def test_a_reservation_names_the_hotel_it_is_for(ota_schemas: SchemaSet) -> None:
    document = notif(
        attributes='CreateDateTime="2026-03-01T08:00:00Z"',
        stays=room_stay(hotel="7654321"),
        ids='<HotelReservationID ResID_Type="14" ResID_Value="4105558"/>',
    )
    ota_schemas.assert_valid(RQ_2003B, document)

    (reservation,) = pull(document, hotel="1234567").reservations

    # The adapter reports the hotel the message names; the sync engine refuses it (a booking of
    # another hotel is never stored under ours): tests/integration/sync/test_foreign_hotel.py.
    assert reservation.ota_hotel_id == "7654321"


RETRIEVE_RS = f"""<?xml version="1.0" encoding="UTF-8"?>
<OTA_ResRetrieveRS xmlns="{NS}" Version="7.000">
  <Success/>
  <ReservationsList>
    <HotelReservation CreateDateTime="2026-03-01T07:00:00Z" ResStatus="Book">
      <UniqueID Type="14" ID="AB-2026-0042"/>
      <RoomStays>{room_stay()}</RoomStays>
      {GUESTS}
      <ResGlobalInfo>
        <HotelReservationIDs>
          <HotelReservationID ResID_Type="13" ResID_Value="cmp-spring" ResID_Source="newsletter"/>
        </HotelReservationIDs>
        <BasicPropertyInfo HotelCode="1234567"/>
      </ResGlobalInfo>
    </HotelReservation>
    <HotelReservation CreateDateTime="2026-03-01T07:10:00Z" LastModifyDateTime="2026-03-01T07:20:00Z"
                      ResStatus="Cancelled">
      <UniqueID Type="14" ID="AB-2026-0043"/>
      <ResGlobalInfo><BasicPropertyInfo HotelCode="1234567"/></ResGlobalInfo>
    </HotelReservation>
  </ReservationsList>
</OTA_ResRetrieveRS>""".encode()


def test_ota_res_retrieve_rs_carrying_reservations_is_read(ota_schemas: SchemaSet) -> None:
    ota_schemas.assert_valid("opentravel-2015A/OTA_ResRetrieveRS.xsd", RETRIEVE_RS)

    result = pull(RETRIEVE_RS)

    assert result.ok and not result.item_errors, result.errors
    booked, cancelled = result.reservations
    assert booked.reservation_id == "AB-2026-0042"  # UniqueID, not the newsletter's id
    assert booked.action is ReservationAction.NEW and booked.status is ReservationStatus.CONFIRMED
    assert booked.ota_hotel_id == "1234567"
    assert booked.rooms[0].check_in == date(2026, 4, 10) and booked.rooms[0].adults == 2
    assert (booked.total_amount, booked.currency) == (Decimal("240.00"), "EUR")
    assert cancelled.reservation_id == "AB-2026-0043"
    assert cancelled.action is ReservationAction.CANCEL and cancelled.status is ReservationStatus.CANCELLED
    assert cancelled.rooms == ()


@pytest.mark.parametrize("ota", [OtaCode.BOOKING_COM])
def test_an_amount_missing_both_forms_is_refused_naming_the_field(ota: OtaCode, ota_schemas: SchemaSet) -> None:
    document = notif(
        attributes='CreateDateTime="2026-03-01T08:00:00Z"',
        stays=room_stay(rate='CurrencyCode="EUR"'),
        ids='<HotelReservationID ResID_Type="14" ResID_Value="4105559"/>',
    )
    ota_schemas.assert_valid(RQ_2003B, document)

    result = pull(document)

    (error,) = result.item_errors
    assert error.ota is ota and error.item_id == "4105559"
    assert error.field is not None and error.field.endswith("Rates/Rate/Base/@AmountAfterTax")
