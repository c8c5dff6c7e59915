"""Webhook notifications: parsing, signatures, replay window and dedupe keys (pure rules)."""

from __future__ import annotations

import json

import pytest

from chalicelib.domain.ota_accounts import credential_problems
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.ota import webhooks

NOW = 1_800_000_000.0
SECRET = "whsec-0123456789abcdef"


def hint(*bookings: tuple[str, str, str], property_id: str = "226110", timestamp: str = "1491189437") -> bytes:
    rows = "".join(
        f'<booking booking_id="{b}" booking_date="2017-03-03T14:50:31+07:00" last_action="{last}" '
        f'arrival="2017-03-15" departure="2017-03-16" status="{status}"/>'
        for b, status, last in bookings
    )
    return (
        f'<request timestamp="{timestamp}"><property id="{property_id}"><bookings>{rows}</bookings></property></request>'
    ).encode()


def signed_body(**overrides: object) -> bytes:
    body = {"id": "ntf_1", "event": "reservation.created", "hotel_id": "1234567", "reservation_id": "4000000001"}
    body.update(overrides)
    return json.dumps({k: v for k, v in body.items() if v is not None}).encode()


def test_agoda_hint_names_hotel_bookings_and_a_key_independent_of_the_send_time() -> None:
    [first] = webhooks.parse_agoda_hint(hint(("6593078", "ConfirmBooking", "2017-03-03T14:50:33+07:00")))
    [retry] = webhooks.parse_agoda_hint(
        hint(("6593078", "ConfirmBooking", "2017-03-03T14:50:33+07:00"), timestamp="1491189452")
    )
    [amended] = webhooks.parse_agoda_hint(hint(("6593078", "AmendBooking", "2017-03-03T15:00:00+07:00")))
    assert (first.ota, first.hotel_id, first.reservation_ids) == (OtaCode.AGODA, "226110", ("6593078",))
    assert first.key == retry.key  # Agoda's retries of one hint dedupe
    assert first.key != amended.key  # a later change of the same booking is news
    assert first.hint.startswith("agoda:ConfirmBooking:6593078")


def test_a_hint_naming_several_properties_is_one_notification_each() -> None:
    booking = '<bookings><booking booking_id="{}" last_action="t" status="ConfirmBooking"/></bookings>'
    body = (
        f'<request timestamp="1"><property id="11">{booking.format(1)}</property>'
        f'<property id="22">{booking.format(2)}</property></request>'
    ).encode()
    found = webhooks.parse_agoda_hint(body)
    assert [(n.hotel_id, n.reservation_ids) for n in found] == [("11", ("1",)), ("22", ("2",))]
    assert found[0].key != found[1].key
    twice = body.replace(b'id="22"', b'id="11"')
    with pytest.raises(webhooks.MalformedNotification) as caught:
        webhooks.parse_agoda_hint(twice)
    assert caught.value.field == "request/property[1]@id"
    bad_second = body.replace(b'booking_id="2"', b'booking_id="x"')
    with pytest.raises(webhooks.MalformedNotification) as caught:
        webhooks.parse_agoda_hint(bad_second)
    assert caught.value.field == "request/property[1]/bookings/booking[0]@booking_id"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"", "body"),
        (b"<request", "body"),
        (b"<result/>", "request"),
        (b'<request timestamp="x"/>', "request@timestamp"),
        (b'<request timestamp="1"/>', "request/property"),
        (b'<request timestamp="1"><property/></request>', "request/property@id"),
        (
            b'<request timestamp="1"><property id="1"><bookings/></property></request>',
            "request/property/bookings/booking",
        ),
        (hint(("abc", "ConfirmBooking", "")), "request/property/bookings/booking[0]@booking_id"),
        (hint(("1", "Confirmed", "")), "request/property/bookings/booking[0]@status"),
        (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "y">]><request timestamp="1">&x;</request>', "body"),
    ],
)
def test_a_malformed_hint_is_refused_naming_the_field(body: bytes, field: str) -> None:
    with pytest.raises(webhooks.MalformedNotification) as caught:
        webhooks.parse_agoda_hint(body)
    assert caught.value.field == field
    assert caught.value.details == [{"field": field, "message": caught.value.details[0]["message"]}]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"not json", "body"),
        (b"[]", "body"),
        (signed_body(id=None), "body.id"),
        (signed_body(event="reservation.exploded"), "body.event"),
        (signed_body(hotel_id=""), "body.hotel_id"),
        (signed_body(id="has spaces"), "body.id"),
    ],
)
def test_a_malformed_signed_notification_is_refused_naming_the_field(body: bytes, field: str) -> None:
    with pytest.raises(webhooks.MalformedNotification) as caught:
        webhooks.parse_signed_notification(OtaCode.BOOKING_COM, body)
    assert caught.value.field == field


def test_the_signature_covers_timestamp_and_body() -> None:
    body = signed_body()
    stamp = str(int(NOW))
    signature = webhooks.signature_for(SECRET, stamp, body)
    webhooks.check_signature(SECRET, stamp, signature, body)  # accepted
    for secret, timestamp, sig, raw in [
        ("another-secret", stamp, signature, body),  # wrong secret
        (SECRET, str(int(NOW) + 1), signature, body),  # timestamp swapped
        (SECRET, stamp, signature, body + b" "),  # body changed
        (SECRET, stamp, signature.upper(), body),  # not the same hex
        (SECRET, stamp, None, body),  # missing
    ]:
        with pytest.raises(webhooks.WebhookUnauthenticated):
            webhooks.check_signature(secret, timestamp, sig, raw)


def test_timestamps_outside_the_window_are_refused_as_replays() -> None:
    window = webhooks.SIGNATURE_TOLERANCE_SECONDS
    assert webhooks.parse_timestamp(str(int(NOW - window)), now=NOW) == str(int(NOW - window))
    for bad in [str(int(NOW - window - 1)), str(int(NOW + window + 1)), "", None, "12.5", "-5"]:
        with pytest.raises(webhooks.WebhookUnauthenticated):
            webhooks.parse_timestamp(bad, now=NOW)


def test_shared_secret_errors_never_echo_what_was_presented() -> None:
    with pytest.raises(webhooks.WebhookUnauthenticated) as caught:
        webhooks.check_shared_secret(SECRET, "guess-123456")
    assert "guess" not in caught.value.message and SECRET not in caught.value.message
    webhooks.check_shared_secret(SECRET, SECRET)


def test_only_otas_that_notify_have_a_receiver() -> None:
    assert webhooks.webhook_ota("agoda") is OtaCode.AGODA
    assert webhooks.webhook_ota("booking_com") is OtaCode.BOOKING_COM
    assert webhooks.webhook_ota("expedia") is None
    assert webhooks.webhook_ota("nope") is None


def test_the_webhook_secret_is_an_optional_credential_of_the_otas_that_notify() -> None:
    assert credential_problems(OtaCode.AGODA, {"api_key": "k", "webhook_secret": SECRET}) == []
    assert credential_problems(OtaCode.AGODA, {"api_key": "k"}) == []
    assert credential_problems(OtaCode.BOOKING_COM, {"username": "u", "password": "p", "webhook_secret": "s"}) == []
    # Expedia's Booking Notification push presents a user name and the secret (issue 16.5).
    expedia = {"username": "u", "password": "p", "webhook_username": "bn", "webhook_secret": "s"}
    assert credential_problems(OtaCode.EXPEDIA, expedia) == []
    problems = credential_problems(OtaCode.TRAVELOKA, {"api_key": "k", "webhook_secret": "s"})
    assert [p.field for p in problems] == ["credentials.webhook_secret"]
    # Optional only: it does not stand in for the required fields.
    assert [p.field for p in credential_problems(OtaCode.AGODA, {"webhook_secret": "s"})] == ["credentials.api_key"]
