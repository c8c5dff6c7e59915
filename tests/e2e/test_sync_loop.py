"""The loop the product is bought for, on the real local stack (`make run`'s process tree):
a reservation made on the Agoda simulator reaches our database (Agoda's BookingHint webhook →
sync job → property sync worker → reservation service), and the reduced availability is pushed
to the Booking.com, Expedia and Traveloka simulators (ARI outbox → ari-push.fifo → push worker),
which end up showing exactly the numbers of our calendar."""

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
ROOM = "DLX"
OTHER_OTAS = ("booking_com", "expedia", "traveloka")


def _login(base: str) -> dict[str, str]:
    response = http.post(
        f"{base}/auth/login", json={"email": "manager.vn@demo.ptx-cm.local", "password": DEMO_PASSWORD}, timeout=30
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _property_id(base: str, headers: dict[str, str]) -> int:
    response = http.get(f"{base}/properties", headers=headers, params={"page_size": 50}, timeout=10)
    assert response.status_code == 200, response.text
    page = response.json()
    return next(item["id"] for item in page["items"] if item["code"] == PROPERTY_CODE)


def _calendar(base: str, headers: dict[str, str], property_id: int, nights: list[date]) -> dict[date, int]:
    grid = http.get(
        f"{base}/properties/{property_id}/calendar",
        headers=headers,
        params={"date_from": nights[0].isoformat(), "date_to": nights[-1].isoformat()},
        timeout=30,
    ).json()
    room_type = next(entry for entry in grid["room_types"] if entry["code"] == ROOM)
    # What a channel may sell: never below zero (an oversold night is shown as 0).
    return {date.fromisoformat(n["night"]): max(0, n["available"]) for n in room_type["nights"]}


def _shown(client: SimulatorClient, ota: str, nights: list[date]) -> dict[date, int | None]:
    cells = client.ari(DEMO_OTA_HOTEL_IDS[ota][PROPERTY_CODE], ROOM)
    values: dict[date, int | None] = {night: None for night in nights}
    for cell in cells:
        night = date.fromisoformat(cell["date"])
        if night in values and cell.get("availability") is not None and not cell.get("rate_plan_id"):
            values[night] = int(cell["availability"])
    return values


def _bookings(base: str, headers: dict[str, str], reservation_id: str) -> list[dict[str, Any]]:
    page = http.get(
        f"{base}/bookings", headers=headers, params={"ota": "agoda", "guest": reservation_id}, timeout=10
    ).json()
    return [item for item in page["items"] if item.get("ota_reservation_id") == reservation_id]


def test_an_agoda_reservation_closes_the_room_on_every_other_channel(local_stack: RunningStack) -> None:
    base = local_stack.base_url
    line = local_stack.wait_for_line("stack        simulators:")
    urls = dict(re.findall(r"(booking_com|expedia|agoda|traveloka) (http://\S+)", line))
    simulators = {ota: SimulatorClient(url) for ota, url in urls.items()}
    headers = _login(base)
    property_id = _property_id(base, headers)
    check_in = date.today() + timedelta(days=53)
    nights = [check_in, check_in + timedelta(days=1)]
    before = _calendar(base, headers, property_id, nights)
    assert all(value >= 1 for value in before.values()), f"the demo calendar has no free {ROOM} room: {before}"

    try:
        created = simulators["agoda"].create_reservation(
            hotel_id=DEMO_OTA_HOTEL_IDS["agoda"][PROPERTY_CODE],
            room_id=ROOM,
            rate_plan_id="BAR",
            check_in=nights[0].isoformat(),
            check_out=(nights[-1] + timedelta(days=1)).isoformat(),
            guest={"first_name": "Lan", "last_name": "Tran", "email": "lan.tran@example.com"},
        )
        reservation_id = created["reservation_id"]

        deadline = time.monotonic() + 240  # a wait, not a speed check: e2e stacks share the cores
        stored: list[dict[str, Any]] = []
        while time.monotonic() < deadline and not stored:
            stored = _bookings(base, headers, reservation_id)
            time.sleep(0.5)
        assert len(stored) == 1, (
            f"Agoda reservation {reservation_id} not in our database:\n{local_stack.output()[-3000:]}"
        )

        after: dict[date, int] = {}
        shown: dict[str, dict[date, int | None]] = {}
        deadline = time.monotonic() + 240  # a wait, not a speed check: e2e stacks share the cores
        while time.monotonic() < deadline:
            after = _calendar(base, headers, property_id, nights)
            shown = {ota: _shown(simulators[ota], ota, nights) for ota in OTHER_OTAS}
            if all(values == after for values in shown.values()):
                break
            time.sleep(0.5)
        assert after == {night: before[night] - 1 for night in nights}, (before, after)
        for ota in OTHER_OTAS:
            assert shown[ota] == after, f"{ota} shows {shown[ota]}, our calendar {after}"

        # Acknowledged to Agoda after the commit, and stored once however often it was delivered.
        deadline = time.monotonic() + 60
        acknowledged = False
        while time.monotonic() < deadline and not acknowledged:
            revisions = [r for r in simulators["agoda"].reservations() if r["reservation_id"] == reservation_id]
            acknowledged = bool(revisions) and all(r["acknowledged"] for r in revisions)
            time.sleep(0.5)
        assert acknowledged, "the reservation was never acknowledged to Agoda"
        assert len(_bookings(base, headers, reservation_id)) == 1
    finally:
        for client in simulators.values():
            client.close()
