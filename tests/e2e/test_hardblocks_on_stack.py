"""`make run` with hardblocks: a definite block takes its rooms off every OTA simulator, and its
auto-release at the cut-off gives them back on every simulator.

Nothing here moves a clock or calls a service: the block's cut-off is set to the property's today
(``PATCH /hardblocks/{id}``), and the stack's own minutely ``housekeeping`` schedule (the event
runner) releases it in the property's local time; the stack's relays and ARI push worker carry
both changes to the simulators, which the test only reads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.timezones import today_in_timezone
from local.demo_seed import DEMO_PASSWORD
from tests.e2e.conftest import RunningStack
from tests.e2e.test_allotments_on_stack import login, wait_until
from tests.e2e.test_ari_push_on_stack import shown, simulator_urls

pytestmark = pytest.mark.xdist_group("e2e_stacks")

ROOM = "DLX"
NIGHTS = (22, 23)  # days from today: nights the demo bookings and the allotment test leave alone
ROOMS = 2


def test_a_definite_block_closes_rooms_on_every_simulator_and_its_auto_release_reopens_them(
    local_stack: RunningStack,
) -> None:
    base = local_stack.base_url
    manager = login(base, "manager.vn@demo.ptx-cm.local", DEMO_PASSWORD)
    hotel = next(p for p in manager.ok("GET", "/properties", page_size=50)["items"] if p["code"] == "SGN-RIV")
    room_type = next(rt for rt in manager.ok("GET", f"/properties/{hotel['id']}/room-types") if rt["code"] == ROOM)
    urls = simulator_urls(local_stack)
    today = today_in_timezone(datetime.now(UTC), hotel["timezone"])
    first, last = today + timedelta(days=NIGHTS[0]), today + timedelta(days=NIGHTS[-1])
    nights = [first.isoformat(), last.isoformat()]

    def ours() -> dict[str, int]:
        grid = manager.ok("GET", f"/properties/{hotel['id']}/calendar", date_from=nights[0], date_to=nights[-1])
        room = next(r for r in grid["room_types"] if r["code"] == ROOM)
        return {night["night"]: max(0, night["available"]) for night in room["nights"]}

    def simulators_show(expected: dict[str, int]) -> Callable[[], list[str]]:
        def check() -> list[str]:
            return [
                f"{ota}: {got} != {expected}"
                for ota, url in urls.items()
                if (got := {n: v for n, v in shown(url, ota, ROOM).items() if n in expected}) != expected
            ]

        return check

    before = ours()
    assert all(rooms >= ROOMS for rooms in before.values()), before
    wait_until(simulators_show(before), "the simulators never showed our calendar")

    # Given a definite block of 2 rooms on those nights, its cut-off still ahead
    block = manager.ok(
        "POST",
        "/hardblocks",
        {
            "property_id": hotel["id"],
            "group_name": "E2E wedding",
            "guarantee": "definite",
            "cut_off_date": (today + timedelta(days=10)).isoformat(),
            "allocations": [
                {
                    "room_type_id": room_type["id"],
                    "date_from": nights[0],
                    "date_to": nights[-1],
                    "rooms": ROOMS,
                    "rate": "1500000",
                }
            ],
        },
        201,
    )
    # Then every simulator shows 2 rooms fewer on those nights
    withheld = {night: rooms - ROOMS for night, rooms in before.items()}
    assert ours() == withheld
    wait_until(simulators_show(withheld), "the block did not take its rooms off every simulator")
    assert manager.ok("GET", f"/hardblocks/{block['id']}")["status"] == "active"

    # When its cut-off is today (the property's), the stack's housekeeping releases it within a minute or so
    manager.ok("PATCH", f"/hardblocks/{block['id']}", {"cut_off_date": today.isoformat()})

    def released() -> list[str]:
        status = manager.ok("GET", f"/hardblocks/{block['id']}")["status"]
        return [] if status == "released" else [f"status {status}"]

    wait_until(released, "the stack's housekeeping did not release the block at its cut-off")
    versions = manager.ok("GET", f"/hardblocks/{block['id']}/versions")
    assert [v["version"] for v in versions] == [1, 2, 3]  # created, cut-off moved, auto-released
    assert ours() == before
    # Then the rooms come back on every simulator
    wait_until(simulators_show(before), "the released rooms did not come back on every simulator")
