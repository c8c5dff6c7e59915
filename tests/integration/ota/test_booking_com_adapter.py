"""Booking.com specifics: JWT and Basic auth, the 20-second poll budget, one month and
BookingLimit ≤ 254 per request, error types."""

from __future__ import annotations

from datetime import date, timedelta

from chalicelib.domain.ari import AriUpdate
from chalicelib.domain.ota_results import ErrorKind, WarningKind
from chalicelib.ota.budget import POLL, FakeClock, MinimumInterval
from tests.integration.ota.conftest import OtaHarness

TODAY = date.today()
JWT_CREDENTIALS = {"client_id": "ptx-client", "client_secret": "client-secret-1"}


def test_a_machine_account_with_client_id_and_secret_uses_a_bearer_jwt(booking_com: OtaHarness) -> None:
    adapter = booking_com.adapter(JWT_CREDENTIALS)
    assert adapter.test_connection(booking_com.hotel_id).ok
    assert adapter.pull_reservations(booking_com.hotel_id).ok
    operations = [entry["operation"] for entry in booking_com.control.requests()]
    assert operations.count("token") == 1, "the JWT is fetched once and reused for the hour"


def test_a_wrong_client_secret_is_an_authentication_failure(booking_com: OtaHarness) -> None:
    result = booking_com.adapter({**JWT_CREDENTIALS, "client_secret": "guessed"}).test_connection(booking_com.hotel_id)
    assert not result.ok
    assert result.message.startswith("authentication failed at Booking.com")


def test_a_second_poll_within_20_seconds_is_refused_by_our_budget_without_calling_booking_com(
    booking_com: OtaHarness,
) -> None:
    clock = FakeClock()
    budget = MinimumInterval(20, operations={POLL}, clock=clock)
    adapter = booking_com.adapter(budget=budget)
    assert adapter.pull_reservations(booking_com.hotel_id).ok
    calls = len(booking_com.control.requests())
    clock.advance(5)
    early = adapter.pull_reservations(booking_com.hotel_id)
    assert early.error is not None and early.error.kind is ErrorKind.RATE_LIMITED
    assert early.error.retry_after_seconds is not None and 14 < early.error.retry_after_seconds <= 15
    assert len(booking_com.control.requests()) == calls, "no request was sent"
    clock.advance(15)
    assert adapter.pull_reservations(booking_com.hotel_id).ok


def test_when_booking_com_itself_says_too_soon_the_pull_reports_when_to_come_back(booking_com: OtaHarness) -> None:
    booking_com.control.configure(min_poll_interval_seconds=60)
    adapter = booking_com.adapter()
    assert adapter.pull_reservations(booking_com.hotel_id).ok
    again = adapter.pull_reservations(booking_com.hotel_id)
    assert again.error is not None and again.error.kind is ErrorKind.RATE_LIMITED
    assert again.error.retry_after_seconds is not None and again.error.retry_after_seconds > 30
    assert booking_com.clock.slept == [], "a wait longer than the retry policy allows is not slept through"


def test_ari_over_three_months_goes_out_as_one_request_per_month_and_is_accepted(booking_com: OtaHarness) -> None:
    start = TODAY.replace(day=1) + timedelta(days=32)
    start = start.replace(day=10)
    end = (start + timedelta(days=70)).replace(day=5)
    pushed = booking_com.adapter().push_ari(booking_com.hotel_id, [AriUpdate("DLX", start, end, availability=4)])
    assert pushed.ok and pushed.messages_sent == pushed.messages_accepted == 3
    assert all(message["outcome"] == "accepted" for message in booking_com.control.ari_messages())
    cells = booking_com.control.ari(booking_com.hotel_id, "DLX", "-")
    assert len(cells) == (end - start).days + 1 and {c["availability"] for c in cells} == {4}


def test_more_than_254_rooms_are_sent_as_254_with_a_warning(booking_com: OtaHarness) -> None:
    pushed = booking_com.adapter().push_ari(
        booking_com.hotel_id, [AriUpdate("DLX", TODAY, TODAY + timedelta(days=1), availability=300)]
    )
    assert pushed.ok
    assert [w.kind for w in pushed.warnings] == [WarningKind.VALUE_LIMITED]
    assert {c["availability"] for c in booking_com.control.ari(booking_com.hotel_id, "DLX", "-")} == {254}


def test_zero_rooms_to_sell_is_sent_and_shown(booking_com: OtaHarness) -> None:
    pushed = booking_com.adapter().push_ari(booking_com.hotel_id, [AriUpdate("DLX", TODAY, TODAY, availability=0)])
    assert pushed.ok
    assert booking_com.control.ari(booking_com.hotel_id, "DLX", "-")[0]["availability"] == 0


def test_a_processing_exception_is_retried_and_a_business_error_is_not(booking_com: OtaHarness) -> None:
    adapter = booking_com.adapter()
    booking_com.control.add_fault("ota_error", code="12", operation="ari")
    assert adapter.push_ari(booking_com.hotel_id, [AriUpdate("DLX", TODAY, TODAY, availability=1)]).ok
    booking_com.control.add_fault("ota_error", code="3", operation="ari")
    refused = adapter.push_ari(booking_com.hotel_id, [AriUpdate("DLX", TODAY, TODAY, availability=1)])
    assert refused.errors[0].kind is ErrorKind.REJECTED
    assert "Booking.com refused the request" in refused.errors[0].message
    outcomes = [m["outcome"] for m in booking_com.control.ari_messages()]
    assert outcomes == ["error", "accepted", "error"]


def test_an_unknown_room_is_refused_in_words_and_the_later_months_still_go(booking_com: OtaHarness) -> None:
    first_of_next = (TODAY.replace(day=1) + timedelta(days=32)).replace(day=1)
    pushed = booking_com.adapter().push_ari(
        booking_com.hotel_id,
        [
            AriUpdate("GHOST", TODAY, TODAY, availability=1),
            AriUpdate("DLX", first_of_next, first_of_next, availability=2),
        ],
    )
    assert pushed.messages_sent == 2 and pushed.messages_accepted == 1
    assert pushed.errors[0].kind is ErrorKind.REJECTED and "GHOST" in pushed.errors[0].message
    assert booking_com.control.ari(booking_com.hotel_id, "DLX", "-")[0]["availability"] == 2
