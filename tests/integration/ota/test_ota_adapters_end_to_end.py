"""Every OTA, end to end over real HTTP against its simulator: connection, discovery, pull and
acknowledge, ARI push, and every fault the simulators can inject.

Parametrised over the four OTAs (``ota`` fixture); what differs per OTA lives in ``CASES``.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from chalicelib.domain.ari import AriUpdate
from chalicelib.domain.ota_reservation import Acknowledgement, ReservationAction, ReservationStatus
from chalicelib.domain.ota_results import ErrorKind, WarningKind
from tests.integration.ota.conftest import OtaHarness

TODAY = date.today()


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


def attempts(ota: OtaHarness, operation: str) -> list[dict[str, object]]:
    return [entry for entry in ota.control.requests() if entry["operation"] == operation]


# --- connection and discovery ------------------------------------------------------------------------


def test_connection_test_succeeds_with_good_credentials(ota: OtaHarness) -> None:
    adapter = ota.adapter()
    with_hotel = adapter.test_connection(ota.hotel_id)
    account_level = adapter.test_connection()
    assert with_hotel.ok, with_hotel.message
    assert account_level.ok, account_level.message
    assert with_hotel.message.startswith(f"connected to {ota.case.display_name}")


def test_wrong_credentials_are_reported_as_authentication_failed_never_raised(ota: OtaHarness) -> None:
    adapter = ota.adapter(ota.case.wrong_credentials)
    expected = f"authentication failed at {ota.case.display_name}"
    tested = adapter.test_connection(ota.hotel_id)
    pulled = adapter.pull_reservations(ota.hotel_id)
    pushed = adapter.push_ari(ota.hotel_id, [AriUpdate("DLX", day(1), day(2), availability=1)])
    discovered = adapter.discover([ota.hotel_id])
    assert not tested.ok and tested.message.startswith(expected)
    assert pulled.error is not None and pulled.error.kind is ErrorKind.AUTHENTICATION
    assert pulled.error.message.startswith(expected)
    assert pushed.errors[0].kind is ErrorKind.AUTHENTICATION and pushed.messages_accepted == 0
    assert discovered.errors[0].message.startswith(expected)
    assert len(attempts(ota, "reservations")) <= 2, "authentication failures are not retried"


def test_discovery_lists_the_hotel_with_its_rooms_and_rate_plans(ota: OtaHarness) -> None:
    discovery = ota.adapter().discover([ota.hotel_id])
    assert discovery.ok, discovery.errors
    (hotel,) = discovery.hotels
    assert hotel.ota_hotel_id == ota.hotel_id and hotel.name == "PTX Saigon Riverside"
    assert {room.ota_room_id: sorted(p.ota_rate_plan_id for p in room.rate_plans) for room in hotel.rooms} == {
        "DLX": ["BAR", "NRF"],
        "STE": ["BAR", "NRF"],
    }


def test_discovery_of_an_unknown_hotel_is_an_error_in_words(ota: OtaHarness) -> None:
    unknown = "999999" if ota.case.code == "expedia" else "NOPE-1"
    discovery = ota.adapter().discover([ota.hotel_id, unknown])
    assert [h.ota_hotel_id for h in discovery.hotels] == [ota.hotel_id]
    assert len(discovery.errors) == 1 and discovery.errors[0].kind is ErrorKind.REJECTED


# --- reservations ------------------------------------------------------------------------------------------


def test_a_new_reservation_is_mapped_with_guest_rooms_nights_rates_and_totals(ota: OtaHarness) -> None:
    reservation_id = ota.book(nights=3, offset=20)
    pulled = ota.adapter().pull_reservations(ota.hotel_id)
    assert pulled.ok and not pulled.item_errors, pulled.errors
    (reservation,) = pulled.reservations
    assert reservation.reservation_id == reservation_id
    assert reservation.action is ReservationAction.NEW and reservation.status is ReservationStatus.CONFIRMED
    assert reservation.ota.value == ota.case.code and reservation.ota_hotel_id == ota.hotel_id
    assert reservation.guest is not None
    assert (reservation.guest.first_name, reservation.guest.last_name) == ("Lan", "Pham")
    assert reservation.guest.email == "lan@example.com"
    (room,) = reservation.rooms
    assert (room.ota_room_id, room.ota_rate_plan_id) == ("DLX", "BAR")
    assert (room.check_in, room.check_out) == (day(20), day(23))
    assert room.adults == 2 and room.children == 1
    assert [(rate.night, rate.amount) for rate in room.nightly_rates] == [
        (day(20 + n), Decimal("1250000.50")) for n in range(3)
    ]
    assert reservation.total_amount == Decimal("3750001.50") and reservation.currency == "VND"
    assert isinstance(reservation.total_amount, Decimal)
    assert reservation.revision and reservation.ack_token


def test_unacknowledged_reservations_are_resent_and_acknowledged_ones_stop(ota: OtaHarness) -> None:
    first = ota.book(offset=5)
    second = ota.book(offset=6)
    adapter = ota.adapter()
    pulled = adapter.pull_reservations(ota.hotel_id)
    assert sorted(r.reservation_id for r in pulled.reservations) == sorted([first, second])

    # Only the first was committed: acknowledge it alone.
    committed = [r for r in pulled.reservations if r.reservation_id == first]
    acked = adapter.acknowledge(ota.hotel_id, [Acknowledgement.for_reservation(r, "PTX-1001") for r in committed])
    assert acked.ok and set(acked.acknowledged) == {first}, acked.errors

    again = adapter.pull_reservations(ota.hotel_id)
    assert [r.reservation_id for r in again.reservations] == [second], "the unacknowledged one comes back"
    adapter.acknowledge(ota.hotel_id, [Acknowledgement.for_reservation(r) for r in again.reservations])
    assert adapter.pull_reservations(ota.hotel_id).reservations == ()
    states = {r["reservation_id"]: r["acknowledged"] for r in ota.control.reservations()}
    assert states == {first: True, second: True}


def test_modification_and_cancellation_come_as_revisions_that_order(ota: OtaHarness) -> None:
    adapter = ota.adapter()
    reservation_id = ota.book(offset=30)
    original = adapter.pull_reservations(ota.hotel_id).reservations
    adapter.acknowledge(ota.hotel_id, [Acknowledgement.for_reservation(r) for r in original])

    ota.control.modify_reservation(reservation_id, adults=3)
    modified = adapter.pull_reservations(ota.hotel_id).reservations
    adapter.acknowledge(ota.hotel_id, [Acknowledgement.for_reservation(r) for r in modified])
    ota.control.cancel_reservation(reservation_id)
    cancelled = adapter.pull_reservations(ota.hotel_id).reservations

    assert [r.action for r in original + modified + cancelled] == [
        ReservationAction.NEW,
        ReservationAction.MODIFY,
        ReservationAction.CANCEL,
    ]
    assert modified[0].rooms[0].adults == 3
    assert cancelled[0].status is ReservationStatus.CANCELLED
    revisions = [r.revision for r in original + modified + cancelled]
    assert revisions == sorted(revisions) and len(set(revisions)) == 3


def test_duplicate_delivery_surfaces_the_same_revision_twice_for_dedupe(ota: OtaHarness) -> None:
    ota.book()
    ota.control.add_fault("duplicate", operation="reservations")
    pulled = ota.adapter().pull_reservations(ota.hotel_id)
    assert len(pulled.reservations) == 2
    first, second = pulled.reservations
    assert first.dedupe_key == second.dedupe_key


def test_a_modification_arriving_before_its_original_is_surfaced_with_revisions(ota: OtaHarness) -> None:
    reservation_id = ota.book()
    ota.control.modify_reservation(reservation_id, adults=1)
    ota.control.add_fault("out_of_order", operation="reservations")
    adapter = ota.adapter()
    first_pull = adapter.pull_reservations(ota.hotel_id).reservations
    assert [r.action for r in first_pull] == [ReservationAction.MODIFY]
    assert first_pull[0].rooms[0].adults == 1
    if ota.case.current_state_only:
        return  # Agoda shows the current state: the original is never delivered on its own
    second_pull = adapter.pull_reservations(ota.hotel_id).reservations
    original = [r for r in second_pull if r.action is ReservationAction.NEW]
    assert len(original) == 1, "the original follows on the next poll"
    assert original[0].revision < first_pull[0].revision, "revisions let the service put it back in order"


def test_a_reservation_missing_a_required_field_is_an_item_error_and_the_rest_is_processed(ota: OtaHarness) -> None:
    broken = ota.book(offset=3)
    fine = ota.book(offset=4)
    ota.control.add_fault("missing_field", operation="reservations")
    pulled = ota.adapter().pull_reservations(ota.hotel_id)
    assert pulled.ok
    assert [r.reservation_id for r in pulled.reservations] == [fine]
    (error,) = pulled.item_errors
    assert error.kind is ErrorKind.MISSING_FIELD
    assert error.field is not None and ota.case.missing_field in error.field
    assert error.item_id == broken
    assert ota.case.display_name in error.message


# --- faults ---------------------------------------------------------------------------------------------------


def test_server_errors_are_retried_and_the_pull_succeeds_when_they_clear(ota: OtaHarness) -> None:
    ota.book()
    ota.control.add_fault("http_error", status=503, count=2, operation="reservations")
    pulled = ota.adapter().pull_reservations(ota.hotel_id)
    assert pulled.ok and len(pulled.reservations) == 1
    statuses = [entry["status"] for entry in attempts(ota, "reservations")]
    assert statuses[:3] == [503, 503, 200]
    assert len(ota.clock.slept) == 2, "two backoff waits, on the fake clock"


def test_a_429_is_retried_after_the_retry_after_it_carries(ota: OtaHarness) -> None:
    ota.book()
    ota.control.add_fault("rate_limit", retry_after=4, operation="reservations")
    pulled = ota.adapter().pull_reservations(ota.hotel_id)
    assert pulled.ok and len(pulled.reservations) == 1
    assert ota.clock.slept and ota.clock.slept[0] >= 4


def test_a_timeout_is_retried_and_succeeds_when_the_ota_answers_again(ota: OtaHarness) -> None:
    ota.control.add_fault("timeout", delay_seconds=1.5, operation="ari")
    pushed = ota.adapter(read_timeout=0.4).push_ari(ota.hotel_id, [AriUpdate("DLX", day(1), day(3), availability=2)])
    assert pushed.ok, pushed.errors
    assert [cell["availability"] for cell in ota.control.ari(ota.hotel_id, "DLX")] == [2, 2, 2]
    assert len(ota.clock.slept) >= 1


def test_latency_below_the_timeout_is_simply_waited_for(ota: OtaHarness) -> None:
    ota.control.add_fault("latency", delay_seconds=0.2, operation="discovery")
    assert ota.adapter(read_timeout=2.0).discover([ota.hotel_id]).ok
    assert ota.clock.slept == []


def test_an_ota_that_stays_down_is_a_sync_error_not_an_exception(ota: OtaHarness) -> None:
    ota.control.add_fault("http_error", status=500, count=50)
    adapter = ota.adapter(max_attempts=3)
    pulled = adapter.pull_reservations(ota.hotel_id)
    pushed = adapter.push_ari(ota.hotel_id, [AriUpdate("DLX", day(1), day(1), availability=1)])
    assert pulled.error is not None and pulled.error.kind is ErrorKind.UNAVAILABLE and pulled.error.transient
    assert "HTTP 500" in pulled.error.message
    assert pushed.errors[0].kind is ErrorKind.UNAVAILABLE and pushed.messages_accepted == 0


@pytest.mark.parametrize("fault", ["malformed", "truncated"])
def test_malformed_or_truncated_responses_become_sync_errors(ota: OtaHarness, fault: str) -> None:
    ota.book()
    ota.control.add_fault(fault, count=10, operation="reservations")
    pulled = ota.adapter().pull_reservations(ota.hotel_id)
    assert pulled.error is not None
    assert pulled.error.kind is ErrorKind.MALFORMED_RESPONSE, pulled.error
    assert pulled.reservations == ()


@pytest.mark.parametrize("fault", ["billion_laughs", "external_entity"])
def test_entity_expansion_and_external_entities_are_rejected_as_sync_errors(ota: OtaHarness, fault: str) -> None:
    ota.book()
    ota.control.add_fault(fault, count=10, operation="reservations")
    pulled = ota.adapter().pull_reservations(ota.hotel_id)
    assert pulled.error is not None
    assert pulled.error.kind.value == ota.case.hostile_xml_kind, pulled.error
    assert "root:" not in pulled.error.message  # nothing of /etc/passwd was read into the message


# --- ARI ---------------------------------------------------------------------------------------------------------


def test_pushed_ari_is_what_the_ota_now_shows(ota: OtaHarness) -> None:
    adapter = ota.adapter()
    pushed = adapter.push_ari(
        ota.hotel_id,
        [
            AriUpdate("DLX", day(0), day(4), availability=6),
            AriUpdate("DLX", day(5), day(6), availability=0),
            AriUpdate("DLX", day(0), day(6), "BAR", rate=Decimal("1500000.00"), currency="VND", version=3),
            AriUpdate("DLX", day(2), day(2), "BAR", closed_to_arrival=True, min_los=2),
            AriUpdate("STE", day(0), day(1), stop_sell=True),
        ],
    )
    assert pushed.ok and pushed.messages_accepted == pushed.messages_sent >= 1, pushed
    room = {cell["date"]: cell for cell in ota.control.ari(ota.hotel_id, "DLX", "-")}
    assert [room[day(n).isoformat()]["availability"] for n in range(7)] == [6, 6, 6, 6, 6, 0, 0]
    rates = {cell["date"]: cell for cell in ota.control.ari(ota.hotel_id, "DLX", "BAR")}
    assert {rates[day(n).isoformat()]["rate"] for n in range(7)} in ({"1500000.00"}, {"1500000"})
    assert rates[day(2).isoformat()]["closed_to_arrival"] is True and rates[day(2).isoformat()]["min_los"] == 2
    assert "closed_to_arrival" not in rates[day(3).isoformat()]
    suite = ota.control.ari(ota.hotel_id, "STE", "-")
    assert [cell["stop_sell"] for cell in suite] == [True, True]


def test_partial_success_is_reported_not_hidden(ota: OtaHarness) -> None:
    ota.control.add_fault("partial_success", operation="ari")
    pushed = ota.adapter().push_ari(
        ota.hotel_id,
        [AriUpdate("DLX", day(1), day(2), availability=3), AriUpdate("STE", day(1), day(2), availability=4)],
    )
    assert pushed.messages_accepted == 1
    reported = [w.message for w in pushed.warnings if w.kind is WarningKind.OTA_WARNING] + [
        e.message for e in pushed.errors
    ]
    assert reported, "the OTA's partial success shows up as a warning or a per-update error"
    if pushed.errors:
        assert pushed.partial


def test_an_unsupported_restriction_is_a_warning_naming_it_never_a_silent_drop(ota: OtaHarness) -> None:
    # Traveloka (our contract) has no maximum stay; the others cannot take a minimum stay without a rate plan.
    unsupported = (
        AriUpdate("DLX", day(1), day(3), "BAR", max_los=7)
        if ota.case.code == "traveloka"
        else AriUpdate("DLX", day(1), day(3), min_los=2)
    )
    pushed = ota.adapter().push_ari(ota.hotel_id, [unsupported, AriUpdate("DLX", day(1), day(3), availability=5)])
    assert pushed.ok
    (warning,) = [w for w in pushed.warnings if w.kind is WarningKind.UNSUPPORTED_RESTRICTION]
    restriction = "max_los" if ota.case.code == "traveloka" else "min_los"
    assert f"restriction {restriction} is not supported by {ota.case.display_name}" in warning.message
    cells = ota.control.ari(ota.hotel_id, "DLX")
    assert all(restriction not in cell for cell in cells)
    assert {cell["availability"] for cell in cells if "availability" in cell} == {5}
