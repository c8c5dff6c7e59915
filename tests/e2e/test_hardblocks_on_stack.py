"""`make run` with hardblocks: a definite block takes its rooms off every OTA simulator, and its
auto-release at the cut-off gives them back on every simulator.

Nothing here moves a clock or calls a service: the block's cut-off is set to the property's today
(``PATCH /hardblocks/{id}``), and the stack's own minutely ``housekeeping`` schedule (the event
runner) releases it in the property's local time; the stack's relays and ARI push worker carry
both changes to the simulators, which the test only reads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from chalicelib.domain.timezones import today_in_timezone
from tests.e2e.conftest import RunningStack
from tests.e2e.test_allotments_on_stack import available, demo_hotel, simulators_showing, wait_until

ROOM = "DLX"
NIGHTS = (22, 23)  # days from today: nights the demo bookings and the allotment test leave alone
ROOMS = 2


def test_a_definite_block_closes_rooms_on_every_simulator_and_its_auto_release_reopens_them(
    local_stack: RunningStack,
) -> None:
    manager, hotel, room_type, urls = demo_hotel(local_stack, ROOM)
    today = today_in_timezone(datetime.now(UTC), hotel["timezone"])
    first, last = today + timedelta(days=NIGHTS[0]), today + timedelta(days=NIGHTS[-1])
    nights = [first.isoformat(), last.isoformat()]

    def ours() -> dict[str, int]:
        return available(manager, hotel["id"], ROOM, nights)

    def simulators_show(expected: dict[str, int]) -> Callable[[], list[str]]:
        return simulators_showing(urls, ROOM, expected)

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
