"""Mapping a pulled reservation to the booking service's request (pure: no database, no network)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_mappings import MappingIndex
from chalicelib.domain.ota_reservation import (
    NightlyRate,
    OtaReservation,
    OtaRoomStay,
    ReservationAction,
    ReservationStatus,
)
from chalicelib.services.ota_booking_requests import Unmapped, booking_request

INDEX = MappingIndex(
    connection_id=1, room_types_by_ota_room={"DLX": 11}, rate_plans_by_ota_rate={("DLX", "BAR"): (11, 21)}
)


def reservation(room: str, action: ReservationAction = ReservationAction.NEW) -> OtaReservation:
    stay = OtaRoomStay(
        ota_room_id=room,
        ota_rate_plan_id="BAR",
        check_in=date(2030, 1, 1),
        check_out=date(2030, 1, 3),
        adults=2,
        nightly_rates=(NightlyRate(date(2030, 1, 1), Decimal("10")), NightlyRate(date(2030, 1, 2), Decimal("10"))),
        quantity=2,
    )
    return OtaReservation(
        ota=OtaCode.BOOKING_COM,
        ota_hotel_id="H1",
        reservation_id="R1",
        revision="0001",
        action=action,
        status=ReservationStatus.CANCELLED if action is ReservationAction.CANCEL else ReservationStatus.CONFIRMED,
        booked_at=datetime(2029, 12, 1, tzinfo=UTC),
        modified_at=None,
        source="Booking.com",
        guest=None,
        rooms=(stay,),
        total_amount=Decimal("20"),
        currency="USD",
        ack_token="secret-ish-token",
    )


def test_a_mapped_reservation_becomes_lines_in_our_ids() -> None:
    request = booking_request(reservation("DLX"), 5, INDEX, received_at=datetime.now(UTC))
    assert request.property_id == 5 and request.ack_token == "secret-ish-token"
    (line,) = request.lines
    assert (line.room_type_id, line.rate_plan_id, line.rooms, line.amount) == (11, 21, 2, Decimal("20"))
    assert "ack_token" not in request.payload and request.payload["reservation_id"] == "R1"


def test_an_unmapped_room_names_the_field() -> None:
    with pytest.raises(Unmapped) as raised:
        booking_request(reservation("STE"), 5, INDEX, received_at=datetime.now(UTC))
    assert raised.value.details == [{"field": "rooms[0].ota_room_id", "message": "STE is not mapped"}]


def test_a_cancellation_of_an_unmapped_room_is_still_a_cancellation() -> None:
    request = booking_request(reservation("STE", ReservationAction.CANCEL), 5, INDEX, received_at=datetime.now(UTC))
    assert request.action is ReservationAction.CANCEL and request.lines == ()
