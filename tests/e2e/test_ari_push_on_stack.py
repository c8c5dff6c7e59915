"""`make run` pushes ARI: the seeded calendar of the demo hotel reaches all four simulators (relayed
from the outbox by the housekeeping sweeper / after commit, pushed by the ARI worker through the
event runner), with the same availability as our calendar."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta
from typing import Any

from local.demo_seed import DEMO_PASSWORD
from local.simulators import DEMO_HOTEL_IDS
from tests.e2e.conftest import RunningStack
from tests.support import http


def simulator_urls(local_stack: RunningStack) -> dict[str, str]:
    line = local_stack.wait_for_line("stack        simulators:")
    return dict(re.findall(r"(booking_com|expedia|agoda|traveloka) (http://\S+)", line))


def shown(url: str, ota: str, room: str) -> dict[str, int]:
    cells = http.get(
        f"{url}/_control/ari", params={"hotel_id": DEMO_HOTEL_IDS[ota], "room_id": room}, timeout=10
    ).json()
    return {
        cell["date"]: int(cell["availability"])
        for cell in cells
        if cell.get("rate_plan_id") is None and cell.get("availability") is not None
    }


def test_the_demo_calendar_reaches_every_simulator_with_our_numbers(local_stack: RunningStack) -> None:
    base = local_stack.base_url
    login = http.post(
        f"{base}/auth/login", json={"email": "manager.vn@demo.ptx-cm.local", "password": DEMO_PASSWORD}, timeout=30
    )
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    answer = http.get(f"{base}/properties", headers=headers, params={"page_size": 50}, timeout=10)
    assert answer.status_code == 200, answer.text
    properties = answer.json()
    hotel = next(p for p in properties["items"] if p["code"] == "SGN-RIV")
    urls = simulator_urls(local_stack)

    def ours() -> dict[str, dict[str, int]]:
        first = date.today() + timedelta(days=1)
        grid: dict[str, Any] = http.get(
            f"{base}/properties/{hotel['id']}/calendar",
            headers=headers,
            params={"date_from": first.isoformat(), "date_to": (first + timedelta(days=20)).isoformat()},
            timeout=30,
        ).json()
        return {
            room["code"]: {night["night"]: max(0, night["available"]) for night in room["nights"]}
            for room in grid["room_types"]
        }

    deadline = time.monotonic() + 240  # a wait, not a speed check: e2e stacks share the cores
    mismatch: list[str] = []
    while time.monotonic() < deadline:
        calendar = ours()
        mismatch = [
            f"{ota}/{room}"
            for ota, url in urls.items()
            for room, nights in calendar.items()
            if {night: value for night, value in shown(url, ota, room).items() if night in nights} != nights
        ]
        if not mismatch:
            break
        time.sleep(2)
    assert not mismatch, f"simulators disagree with our calendar: {mismatch}"
    assert "ari_push_worker" in local_stack.output()
