"""Expedia specifics: EQC error classes, 3000 updates per message, one connection per hotel,
confirmations in tens, warnings as partial success."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest

from chalicelib.domain.ari import AriUpdate
from chalicelib.domain.ota_reservation import Acknowledgement
from chalicelib.domain.ota_results import ErrorKind, WarningKind
from chalicelib.ota.budget import ExclusivePerKey
from tests.integration.ota.conftest import OtaHarness

TODAY = date.today()


def test_a_4000_class_error_is_retried_and_then_succeeds(expedia: OtaHarness) -> None:
    expedia.control.add_fault("ota_error", code="4000", operation="ari")
    pushed = expedia.adapter().push_ari(expedia.hotel_id, [AriUpdate("DLX", TODAY, TODAY, availability=2)])
    assert pushed.ok
    assert [m["outcome"] for m in expedia.control.ari_messages()] == ["error", "accepted"]


@pytest.mark.parametrize(
    ("code", "kind", "stops"),
    [
        ("3202", ErrorKind.REJECTED, False),  # business: drop that message, send the rest
        ("4101", ErrorKind.REJECTED, False),  # ≥ 4100: do not retry
        ("2001", ErrorKind.PROTOCOL, True),  # Expedia could not read us: stop and alert
        ("1001", ErrorKind.AUTHENTICATION, True),
    ],
)
def test_expedia_error_classes_decide_retry_drop_or_stop(
    expedia: OtaHarness, code: str, kind: ErrorKind, stops: bool
) -> None:
    expedia.control.add_fault("ota_error", code=code, operation="ari")
    last = TODAY + timedelta(days=699)
    updates = [AriUpdate(room, TODAY, last, availability=1) for room in ("DLX", "STE")]
    updates += [
        AriUpdate(room, TODAY, last, plan, min_los=2) for room, plan in (("DLX", "BAR"), ("DLX", "NRF"), ("STE", "BAR"))
    ]
    pushed = expedia.adapter().push_ari(expedia.hotel_id, updates)  # 3500 updates: two messages
    assert pushed.messages_sent >= 1
    assert pushed.errors[0].kind is kind and pushed.errors[0].code == code
    attempts = [m["outcome"] for m in expedia.control.ari_messages()]
    assert attempts[0] == "error" and attempts.count("error") == 1, "not retried"
    if stops:
        assert "further" in pushed.errors[-1].message and pushed.messages_accepted == 0
    else:
        assert pushed.messages_accepted == pushed.messages_sent - 1 >= 1


def test_more_than_3000_updates_are_split_into_messages_expedia_accepts(expedia: OtaHarness) -> None:
    updates = [AriUpdate(room, TODAY, TODAY + timedelta(days=699), availability=3) for room in ("DLX", "STE")]
    updates += [AriUpdate("DLX", TODAY, TODAY + timedelta(days=699), plan, min_los=2) for plan in ("BAR", "NRF")]
    pushed = expedia.adapter().push_ari(expedia.hotel_id, updates)  # 4 x 700 = 2800 updates: one message
    pushed_more = expedia.adapter().push_ari(
        expedia.hotel_id, [*updates, AriUpdate("STE", TODAY, TODAY + timedelta(days=699), "BAR", min_los=3)]
    )
    assert pushed.ok and pushed.messages_sent == 1
    assert pushed_more.ok and pushed_more.messages_sent == 2, "3500 updates do not fit one message"
    assert all(m["outcome"] == "accepted" for m in expedia.control.ari_messages()), "no 3107 from Expedia"


def test_nights_beyond_two_years_are_not_sent_and_say_so(expedia: OtaHarness) -> None:
    pushed = expedia.adapter().push_ari(
        expedia.hotel_id, [AriUpdate("DLX", TODAY + timedelta(days=700), TODAY + timedelta(days=800), availability=1)]
    )
    assert pushed.ok
    assert [w.kind for w in pushed.warnings] == [WarningKind.OUT_OF_HORIZON]
    cells = expedia.control.ari(expedia.hotel_id, "DLX", "-")
    assert max(c["date"] for c in cells) == (TODAY + timedelta(days=730)).isoformat()


def test_below_base_allocation_warning_7013_is_reported_as_a_warning(expedia: OtaHarness) -> None:
    expedia.control.add_fault("partial_success", operation="ari")
    pushed = expedia.adapter().push_ari(expedia.hotel_id, [AriUpdate("DLX", TODAY, TODAY, availability=0)])
    assert pushed.ok
    (warning,) = pushed.warnings
    assert warning.kind is WarningKind.OTA_WARNING and warning.code == "7013"


def test_confirmations_go_ten_per_message_and_stop_the_resending(expedia: OtaHarness) -> None:
    booked = [expedia.book(offset=n + 1) for n in range(12)]
    adapter = expedia.adapter()
    pulled = adapter.pull_reservations(expedia.hotel_id)
    assert sorted(r.reservation_id for r in pulled.reservations) == sorted(booked)
    acked = adapter.acknowledge(
        expedia.hotel_id, [Acknowledgement.for_reservation(r, f"PTX-{r.reservation_id}") for r in pulled.reservations]
    )
    assert acked.ok and len(acked.acknowledged) == 12
    assert len([e for e in expedia.control.requests() if e["operation"] == "ack"]) == 2
    assert adapter.pull_reservations(expedia.hotel_id).reservations == ()


def test_pushes_for_one_hotel_never_overlap_with_the_per_hotel_budget(expedia: OtaHarness) -> None:
    expedia.control.add_fault("latency", delay_seconds=0.3, count=4, operation="ari")
    budget = ExclusivePerKey()
    results = []

    def push(room: str) -> None:
        adapter = expedia.adapter(budget=budget, read_timeout=5)
        results.append(adapter.push_ari(expedia.hotel_id, [AriUpdate(room, TODAY, TODAY, availability=1)]))

    workers = [threading.Thread(target=push, args=(room,)) for room in ("DLX", "STE", "DLX", "STE")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert all(result.ok for result in results)
    # Expedia answers 4001 to a second concurrent request for the same hotel; none was needed.
    assert [m["outcome"] for m in expedia.control.ari_messages()] == ["accepted"] * 4


def test_a_non_numeric_hotel_id_is_a_configuration_error_in_words(expedia: OtaHarness) -> None:
    pulled = expedia.adapter().pull_reservations("HCM-1")
    assert pulled.error is not None and pulled.error.kind is ErrorKind.CONFIGURATION
    assert "Expedia hotel ids are numbers" in pulled.error.message
