"""Conformance: every message the Booking.com and Expedia adapters build, and every message their
simulators send, validates against the published schemas in ``../shared/ota-ref``.

The messages are the real ones: a recording transport copies each request and response body while
the adapters run their full flows (test connection, discovery, pull, acknowledge, ARI push)
against the simulators over HTTP. The test skips, saying why, when the schemas are absent.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from lxml import etree

from chalicelib.domain.ari import AriUpdate
from chalicelib.domain.ota_reservation import Acknowledgement
from chalicelib.ota.booking_com import build_avail_notif
from tests.integration.ota.conftest import OtaHarness, RecordingTransport, SchemaSet

TODAY = date.today()

OPENTRAVEL_2003B = {
    "OTA_HotelAvailNotifRQ": "opentravel-2003B/OTA_HotelAvailNotifRQ.xsd",
    "OTA_HotelAvailNotifRS": "opentravel-2003B/OTA_HotelAvailNotifRS.xsd",
    "OTA_HotelRateAmountNotifRQ": "opentravel-2003B/OTA_HotelRateAmountNotifRQ.xsd",
    "OTA_HotelRateAmountNotifRS": "opentravel-2003B/OTA_HotelRateAmountNotifRS.xsd",
    "OTA_HotelResNotifRQ": "opentravel-2003B/OTA_HotelResNotifRQ.xsd",
    "OTA_HotelResNotifRS": "opentravel-2003B/OTA_HotelResNotifRS.xsd",
    "OTA_HotelResModifyNotifRQ": "opentravel-2003B/OTA_HotelResModifyNotifRQ.xsd",
    "OTA_HotelResModifyNotifRS": "opentravel-2003B/OTA_HotelResModifyNotifRS.xsd",
}
EXPEDIA_EQC = {
    "AvailRateUpdateRQ": "expedia-eqc/AvailRateUpdateRQ.xsd",
    "AvailRateUpdateRS": "expedia-eqc/AvailRateUpdateRS.xsd",
    "BookingRetrievalRQ": "expedia-eqc/BookingRetrievalRQ.xsd",
    "BookingRetrievalRS": "expedia-eqc/BookingRetrievalRS.xsd",
    "BookingConfirmRQ": "expedia-eqc/BookingConfirmRQ.xsd",
    "BookingConfirmRS": "expedia-eqc/BookingConfirmRS.xsd",
    "ProductAvailRateRetrievalRQ": "expedia-eqc/ProductAvailRateRetrievalRQ.xsd",
    "ProductAvailRateRetrievalRS": "expedia-eqc/ProductAvailRateRetrievalRS.xsd",
}


def root_name(document: bytes) -> str:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return str(etree.QName(etree.fromstring(document, parser)).localname)


def validate_all(
    recorder: RecordingTransport,
    schemas: SchemaSet,
    catalogue: dict[str, str],
    *,
    skip_roots: frozenset[str] = frozenset(),
) -> dict[str, int]:
    """Validate every XML body exchanged; return how many of each message were checked."""
    checked: dict[str, int] = {}
    failures: list[str] = []
    for request, sent, _status, received in recorder.exchanges:
        for direction, body in (("sent", sent), ("received", received)):
            if not body.lstrip().startswith(b"<"):
                continue  # JSON token exchange, empty bodies
            name = root_name(body)
            if name in skip_roots:
                continue
            assert name in catalogue, f"{direction} <{name}> on {request.url.path} has no schema in the catalogue"
            errors = schemas.errors(catalogue[name], body)
            if errors:
                failures.append(f"{direction} {name} ({request.url.path}): {errors[:3]}")
            checked[name] = checked.get(name, 0) + 1
    assert not failures, "\n".join(failures)
    return checked


def test_every_booking_com_message_both_ways_validates_against_opentravel_2003b(
    booking_com: OtaHarness, ota_schemas: SchemaSet
) -> None:
    recorder = RecordingTransport()
    adapter = booking_com.adapter(transport=recorder)
    new_one = booking_com.book(offset=3, children=2)
    changed = booking_com.book(offset=5)
    booking_com.control.modify_reservation(changed, adults=3)
    cancelled = booking_com.book(offset=7)
    booking_com.control.cancel_reservation(cancelled)

    pulled = adapter.pull_reservations(booking_com.hotel_id)
    assert {r.reservation_id for r in pulled.reservations} == {new_one, changed, cancelled}
    assert adapter.acknowledge(
        booking_com.hotel_id, [Acknowledgement.for_reservation(r) for r in pulled.reservations]
    ).ok
    adapter.pull_reservations(booking_com.hotel_id)  # the empty answers, too
    pushed = adapter.push_ari(
        booking_com.hotel_id,
        [
            AriUpdate("DLX", TODAY, TODAY + timedelta(days=45), availability=7),
            AriUpdate("STE", TODAY, TODAY + timedelta(days=3), stop_sell=True),
            AriUpdate(
                "DLX",
                TODAY,
                TODAY + timedelta(days=3),
                "BAR",
                rate=Decimal("99.500"),
                currency="USD",
                min_los=2,
                max_los=14,
                closed_to_arrival=True,
                closed_to_departure=False,
                stop_sell=False,
            ),
        ],
    )
    assert pushed.ok, pushed.errors
    booking_com.control.add_fault("partial_success", operation="ari")
    assert adapter.push_ari(booking_com.hotel_id, [AriUpdate("DLX", TODAY, TODAY, availability=3)]).warnings
    booking_com.control.add_fault("ota_error", code="3", operation="ari")
    assert not adapter.push_ari(booking_com.hotel_id, [AriUpdate("DLX", TODAY, TODAY, availability=2)]).ok
    wrong = booking_com.adapter(booking_com.case.wrong_credentials, transport=recorder)
    assert not wrong.pull_reservations(booking_com.hotel_id).ok  # the 401 answer carries OTA Errors
    assert not wrong.push_ari(booking_com.hotel_id, [AriUpdate("DLX", TODAY, TODAY, availability=2)]).ok

    checked = validate_all(recorder, ota_schemas, OPENTRAVEL_2003B, skip_roots=frozenset({"roomrates", "request"}))
    assert set(checked) == set(OPENTRAVEL_2003B), f"every Booking.com message kind was exercised: {checked}"


def test_every_expedia_message_both_ways_validates_against_the_eqc_schemas(
    expedia: OtaHarness, ota_schemas: SchemaSet
) -> None:
    recorder = RecordingTransport()
    adapter = expedia.adapter(transport=recorder)
    assert adapter.test_connection(expedia.hotel_id).ok
    assert adapter.test_connection().ok
    assert adapter.discover([expedia.hotel_id]).ok
    booked = expedia.book(offset=3, children=2)
    expedia.control.modify_reservation(booked, adults=1)
    expedia.control.cancel_reservation(expedia.book(offset=9))
    pulled = adapter.pull_reservations(expedia.hotel_id)
    assert len(pulled.reservations) == 4
    assert adapter.acknowledge(
        expedia.hotel_id, [Acknowledgement.for_reservation(r, "PTX-9") for r in pulled.reservations]
    ).ok
    pushed = adapter.push_ari(
        expedia.hotel_id,
        [
            AriUpdate("DLX", TODAY, TODAY + timedelta(days=60), availability=7),
            AriUpdate("STE", TODAY, TODAY + timedelta(days=3), stop_sell=True),
            AriUpdate(
                "DLX",
                TODAY,
                TODAY + timedelta(days=3),
                "BAR",
                rate=Decimal("99.505"),
                currency="USD",
                min_los=2,
                max_los=14,
                closed_to_arrival=True,
                closed_to_departure=False,
                stop_sell=False,
            ),
        ],
    )
    assert pushed.ok, pushed.errors
    expedia.control.add_fault("partial_success", operation="ari")
    assert adapter.push_ari(expedia.hotel_id, [AriUpdate("DLX", TODAY, TODAY, availability=3)]).warnings
    expedia.control.add_fault("ota_error", code="3202", operation="ari")
    assert not adapter.push_ari(expedia.hotel_id, [AriUpdate("DLX", TODAY, TODAY, availability=2)]).ok
    wrong = expedia.adapter(expedia.case.wrong_credentials, transport=recorder)
    assert not wrong.pull_reservations(expedia.hotel_id).ok  # an Error answer in BookingRetrievalRS

    checked = validate_all(recorder, ota_schemas, EXPEDIA_EQC)
    assert set(checked) == set(EXPEDIA_EQC), f"every EQC message kind was exercised: {checked}"


def test_expedia_requests_and_responses_use_their_different_namespaces(expedia: OtaHarness) -> None:
    recorder = RecordingTransport()
    expedia.adapter(transport=recorder).push_ari(expedia.hotel_id, [AriUpdate("DLX", TODAY, TODAY, availability=1)])
    (_request, sent, _status, received) = recorder.exchanges[0]
    assert b'xmlns="http://www.expediaconnect.com/EQC/AR/2011/06"' in sent
    assert b'xmlns="http://www.expediaconnect.com/EQC/AR/2007/02"' in received
    assert sent.index(b"<Authentication") < sent.index(b"<Hotel"), "Authentication comes first"


def test_zero_rooms_to_sell_is_valid_opentravel_2015a_and_the_one_2003b_deviation(ota_schemas: SchemaSet) -> None:
    # 2003B types BookingLimit as positiveInteger; Booking.com closes a room with BookingLimit="0",
    # which later OpenTravel versions (2015A here) allow. Every other message is valid in both.
    zero = build_avail_notif("1234567", [AriUpdate("DLX", TODAY, TODAY, availability=0)])
    some = build_avail_notif("1234567", [AriUpdate("DLX", TODAY, TODAY, availability=3)])
    assert zero is not None and some is not None
    assert ota_schemas.errors("opentravel-2015A/OTA_HotelAvailNotifRQ.xsd", zero) == []
    assert ota_schemas.errors("opentravel-2015A/OTA_HotelAvailNotifRQ.xsd", some) == []
    assert ota_schemas.errors("opentravel-2003B/OTA_HotelAvailNotifRQ.xsd", some) == []
    assert any(
        "BookingLimit" in error for error in ota_schemas.errors("opentravel-2003B/OTA_HotelAvailNotifRQ.xsd", zero)
    )


@pytest.mark.parametrize("name", sorted(OPENTRAVEL_2003B.values()) + sorted(EXPEDIA_EQC.values()))
def test_each_published_schema_compiles(ota_schemas: SchemaSet, name: str) -> None:
    assert ota_schemas.get(name) is not None
