"""Issue 16.5 on the real local stack (`make run`'s process tree): a booking made on the Expedia
simulator arrives by push (Booking Notification over HTTP to /webhooks/expedia), is stored once,
and is acknowledged: the simulator received the RS carrying our booking reference and confirmed
the booking, so its retrieval feed no longer offers it. A modification and a cancellation follow
the same way."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta
from typing import Any

from local.demo_ota import DEMO_OTA_HOTEL_IDS
from local.demo_seed import DEMO_PASSWORD
from local.simulators.client import SimulatorClient
from tests.e2e.conftest import RunningStack
from tests.support import http

PROPERTY_CODE = "SGN-RIV"


def _login(base: str) -> dict[str, str]:
    response = http.post(
        f"{base}/auth/login", json={"email": "manager.vn@demo.ptx-cm.local", "password": DEMO_PASSWORD}, timeout=30
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _bookings(base: str, headers: dict[str, str], reservation_id: str) -> list[dict[str, Any]]:
    page = http.get(
        f"{base}/bookings", headers=headers, params={"ota": "expedia", "guest": reservation_id}, timeout=10
    ).json()
    return [item for item in page["items"] if item.get("ota_reservation_id") == reservation_id]


def _delivered(client: SimulatorClient, reservation_id: str, action: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for delivery in client.webhook()["deliveries"]:
            if (
                delivery["reservation_id"] == reservation_id
                and delivery["action"] == action
                and delivery.get("delivered")
            ):
                return dict(delivery)
        time.sleep(0.3)
    raise AssertionError(f"no delivered {action} push of {reservation_id}: {client.webhook()['deliveries'][-5:]}")


def test_an_expedia_booking_arrives_by_push_stored_once_and_acknowledged(local_stack: RunningStack) -> None:
    base = local_stack.base_url
    line = local_stack.wait_for_line("stack        simulators:")
    urls = dict(re.findall(r"(booking_com|expedia|agoda|traveloka) (http://\S+)", line))
    webhooks = local_stack.wait_for_line("stack        webhooks:")
    assert "expedia" in webhooks, webhooks
    expedia = SimulatorClient(urls["expedia"])
    headers = _login(base)
    check_in = date.today() + timedelta(days=41)
    try:
        created = expedia.create_reservation(
            hotel_id=DEMO_OTA_HOTEL_IDS["expedia"][PROPERTY_CODE],
            room_id="DLX",
            rate_plan_id="BAR",
            check_in=check_in.isoformat(),
            check_out=(check_in + timedelta(days=2)).isoformat(),
            adults=2,
            guest={"first_name": "Hoa", "last_name": "Le", "email": "hoa.le@example.com"},
            nightly_rate="1320000",
            currency="VND",
        )
        reservation_id = str(created["reservation_id"])

        # Pushed, answered with our confirmation number, and confirmed at the simulator
        delivery = _delivered(expedia, reservation_id, "new")
        assert delivery["status"] == 200
        stored = _bookings(base, headers, reservation_id)
        assert len(stored) == 1, local_stack.output()[-3000:]
        booking = stored[0]
        assert delivery["confirm_number"] == booking["reference"]
        assert (booking["property_code"], booking["source"], booking["ota_code"]) == (PROPERTY_CODE, "ota", "expedia")
        assert (booking["check_in"], booking["check_out"]) == (
            check_in.isoformat(),
            (check_in + timedelta(days=2)).isoformat(),
        )
        assert booking["currency"] == "VND" and float(booking["total_amount"]) == 2640000
        revisions = [r for r in expedia.reservations() if r["reservation_id"] == reservation_id]
        assert [r["acknowledged"] for r in revisions] == [True]

        # A modification and a cancellation arrive the same way; still one booking
        expedia.modify_reservation(reservation_id, check_out=(check_in + timedelta(days=3)).isoformat())
        _delivered(expedia, reservation_id, "modify")
        expedia.cancel_reservation(reservation_id)
        _delivered(expedia, reservation_id, "cancel")
        deadline = time.monotonic() + 30
        final: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            final = _bookings(base, headers, reservation_id)
            if final and final[0]["cancelled_at"]:
                break
            time.sleep(0.3)
        assert len(final) == 1 and final[0]["cancelled_at"] is not None
        assert final[0]["check_out"] == (check_in + timedelta(days=3)).isoformat()
        assert all(r["acknowledged"] for r in expedia.reservations() if r["reservation_id"] == reservation_id)
    finally:
        expedia.close()
