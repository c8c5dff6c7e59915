"""The OTA-neutral models: revisions that order, credentials that never print, results that say why."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_credentials import MissingCredential, OtaCredentials, mask_credentials, mask_secret
from chalicelib.domain.ota_reservation import (
    Acknowledgement,
    NightlyRate,
    OtaReservation,
    OtaRoomStay,
    ReservationAction,
    ReservationStatus,
    sequence_revision,
    timestamp_revision,
)
from chalicelib.domain.ota_results import ErrorKind, PushResult, SyncError


def test_revisions_order_by_time_across_time_zones() -> None:
    ict = timezone(timedelta(hours=7))
    earlier_in_ict = datetime(2025, 3, 1, 16, 0, tzinfo=ict)  # 09:00 UTC
    later_in_utc = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    assert timestamp_revision(earlier_in_ict, ReservationAction.NEW) < timestamp_revision(
        later_in_utc, ReservationAction.MODIFY
    )


def test_a_cancellation_stamped_with_a_modification_sorts_after_it() -> None:
    moment = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    revisions = sorted(timestamp_revision(moment, action) for action in reversed(ReservationAction))
    assert revisions == [
        timestamp_revision(moment, a)
        for a in (ReservationAction.NEW, ReservationAction.MODIFY, ReservationAction.CANCEL)
    ]


def test_sequence_revisions_sort_as_numbers() -> None:
    assert sequence_revision(9) < sequence_revision(10) < sequence_revision(123456)


def test_room_stay_knows_its_nights_and_amount_in_decimal() -> None:
    stay = OtaRoomStay(
        ota_room_id="DLX",
        ota_rate_plan_id="BAR",
        check_in=date(2025, 3, 1),
        check_out=date(2025, 3, 3),
        adults=2,
        nightly_rates=(NightlyRate(date(2025, 3, 1), Decimal("0.10")), NightlyRate(date(2025, 3, 2), Decimal("0.20"))),
    )
    assert stay.nights == (date(2025, 3, 1), date(2025, 3, 2))
    assert stay.amount == Decimal("0.30")  # exact: no float anywhere


def test_acknowledgement_carries_exactly_what_the_adapter_needs() -> None:
    reservation = OtaReservation(
        ota=OtaCode.EXPEDIA,
        ota_hotel_id="1",
        reservation_id="99",
        revision="r",
        action=ReservationAction.NEW,
        status=ReservationStatus.CONFIRMED,
        booked_at=None,
        modified_at=None,
        source="Expedia",
        guest=None,
        rooms=(),
        total_amount=None,
        currency=None,
        ack_token="99|Book",
    )
    ack = Acknowledgement.for_reservation(reservation, "PTX-7")
    assert (ack.reservation_id, ack.revision, ack.ack_token, ack.confirmation_number) == ("99", "r", "99|Book", "PTX-7")
    assert reservation.dedupe_key == ("expedia", "99", "r")


def test_credentials_print_masked_and_refuse_pickling() -> None:
    credentials = OtaCredentials({"username": "abcdef", "password": "topsecret-password"})
    shown = f"{credentials!r} {credentials} {credentials!s}"
    assert "topsecret" not in shown and "abcdef" not in shown
    assert "username=ab***" in shown and "password=***" in shown
    with pytest.raises(TypeError):
        pickle.dumps(credentials)


def test_masks_keep_a_hint_of_identifiers_and_nothing_of_secrets() -> None:
    assert mask_credentials({"username": "hotel-admin", "api_key": "k-123456789", "client_secret": "s"}) == {
        "api_key": "***",
        "client_secret": "***",
        "username": "ho***",
    }
    assert mask_secret("abc") == "***"


def test_a_missing_credential_names_the_field_not_the_values() -> None:
    with pytest.raises(MissingCredential) as missing:
        OtaCredentials({"username": "someone"}).require("password")
    assert missing.value.name == "password"
    assert "someone" not in str(missing.value)


def test_push_result_is_partial_when_some_messages_were_accepted_and_some_failed() -> None:
    error = SyncError(ota=OtaCode.AGODA, kind=ErrorKind.REJECTED, message="room 9 unknown")
    assert PushResult(OtaCode.AGODA, "1", messages_sent=2, messages_accepted=1, errors=(error,)).partial
    assert not PushResult(OtaCode.AGODA, "1", messages_sent=1, messages_accepted=0, errors=(error,)).partial
    assert PushResult(OtaCode.AGODA, "1", messages_sent=1, messages_accepted=1).ok
