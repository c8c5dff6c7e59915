"""The simulators themselves: control API, timer-driven reservations, start-all for ``make run``."""

from __future__ import annotations

import time

import pytest

from local.simulators import DEMO_HOTEL_IDS, start_all
from local.simulators.client import SimulatorClient
from tests.integration.ota.conftest import OtaHarness
from tests.support import http


def test_start_all_runs_the_four_simulators_with_their_demo_hotels() -> None:
    simulators = start_all()
    try:
        assert set(simulators) == {"booking_com", "expedia", "agoda", "traveloka"}
        for code, simulator in simulators.items():
            control = SimulatorClient(simulator.url)
            assert control.health() == {"ota": code, "ok": True}
            (hotel,) = http.get(f"{simulator.url}/_control/hotels", timeout=5).json()
            assert hotel["hotel_id"] == DEMO_HOTEL_IDS[code]
            control.close()
        assert len({simulator.port for simulator in simulators.values()}) == 4
    finally:
        for simulator in simulators.values():
            simulator.stop()


def test_the_timer_generates_reservations_until_stopped(ota: OtaHarness) -> None:
    ota.control.start_generator(0.02, ota.hotel_id)
    deadline = time.monotonic() + 10
    while len(ota.control.reservations()) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    ota.control.stop_generator()
    generated = ota.control.reservations()
    assert len(generated) >= 3
    assert {revision["hotel_id"] for revision in generated} == {ota.hotel_id}
    assert generated[0]["action"] == "new"
    pulled = ota.adapter().pull_reservations(ota.hotel_id)
    assert pulled.ok and pulled.reservations, "generated reservations are pulled like any other"


def test_control_api_refuses_unknown_faults_and_rooms_in_words(ota: OtaHarness) -> None:
    with pytest.raises(RuntimeError, match="unknown fault kind 'meteor'"):
        ota.control.add_fault("meteor")
    with pytest.raises(RuntimeError, match="has no room GHOST"):
        ota.book(room_id="GHOST")
    with pytest.raises(RuntimeError, match="unknown reservation"):
        ota.control.cancel_reservation("404404")


def test_faults_are_consumed_and_listed_until_then(ota: OtaHarness) -> None:
    ota.control.add_fault("http_error", status=502, count=2, operation="discovery")
    assert [f["count"] for f in http.get(f"{ota.simulator.url}/_control/faults", timeout=5).json()] == [2]
    adapter = ota.adapter(max_attempts=1)
    assert not adapter.discover([ota.hotel_id]).ok
    assert not adapter.discover([ota.hotel_id]).ok
    assert adapter.discover([ota.hotel_id]).ok
    ota.control.add_fault("latency", delay_seconds=0.01, count=5)
    ota.control.clear_faults()
    assert http.get(f"{ota.simulator.url}/_control/faults", timeout=5).json() == []


def test_the_request_log_records_path_operation_and_status_never_a_query_string(ota: OtaHarness) -> None:
    ota.adapter().pull_reservations(ota.hotel_id)
    ota.adapter(ota.case.wrong_credentials).pull_reservations(ota.hotel_id)
    log = ota.control.requests()
    assert {entry["operation"] for entry in log} >= {"reservations"}
    assert 200 in {entry["status"] for entry in log}
    assert all("?" not in entry["path"] for entry in log)
    assert all(secret not in str(log) for secret in ota.case.credentials.values())


def test_reset_forgets_reservations_ari_and_faults_but_keeps_hotels(ota: OtaHarness) -> None:
    ota.book()
    ota.control.add_fault("duplicate")
    ota.control.reset()
    assert ota.control.reservations() == []
    assert http.get(f"{ota.simulator.url}/_control/faults", timeout=5).json() == []
    assert ota.adapter().discover([ota.hotel_id]).ok
