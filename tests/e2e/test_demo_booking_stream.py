"""`make run` with the demo booking stream on: reservations flow on the simulators, Agoda and
Booking.com notify our webhook receiver over real HTTP (accepted), overbookings happen, and no
webhook secret shows up in the output."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest

from local.demo_ota import DEMO_WEBHOOK_SECRETS
from local.simulators.client import SimulatorClient
from tests.e2e.conftest import RunningStack, start_stack, stop_stack


@pytest.fixture(scope="module")
def streaming_stack() -> Iterator[RunningStack]:
    stack = start_stack({"PTX_DEMO_BOOKING_INTERVAL": "1"})
    yield stack
    stop_stack(stack)


@pytest.mark.own_stack
def test_demo_stream_notifies_our_receiver_and_overbooks_now_and_then(streaming_stack: RunningStack) -> None:
    line = streaming_stack.wait_for_line("stack        simulators:")
    urls = dict(re.findall(r"(booking_com|expedia|agoda|traveloka) (http://\S+)", line))
    assert set(urls) == {"booking_com", "expedia", "agoda", "traveloka"}
    streaming_stack.wait_for_line("demo booking stream: one reservation every 1s")

    clients = {ota: SimulatorClient(urls[ota]) for ota in ("agoda", "booking_com")}
    try:
        deadline = time.monotonic() + 90
        accepted: dict[str, int] = {}
        while time.monotonic() < deadline and len(accepted) < 2:
            for ota, client in clients.items():
                deliveries = client.webhook()["deliveries"]
                ok = [d for d in deliveries if d["status"] == 202]
                if ok:
                    accepted[ota] = len(ok)
            time.sleep(1)
        assert set(accepted) == {"agoda", "booking_com"}, streaming_stack.output()[-3000:]
        # Every notification our receiver saw was accepted (none refused: the secrets match).
        for client in clients.values():
            assert all(d["status"] in (202, None) for d in client.webhook()["deliveries"])
    finally:
        for client in clients.values():
            client.close()

    streaming_stack.wait_for_line("demo stream  overbooking:", timeout=120)
    output = streaming_stack.output()
    for secret in DEMO_WEBHOOK_SECRETS.values():
        assert secret not in output
