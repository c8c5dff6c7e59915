"""The calendar grid says, per cell, which channels lack its latest value: the outbox holds a newer
version than the connection acknowledged. Real PostgreSQL, moto SQS, the four simulators over HTTP."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from chalicelib.domain.permissions import Permission
from chalicelib.services import calendar_service
from chalicelib.services.calendar_service import BulkUpdateInput, CalendarGrid
from local.simulators import DEMO_HOTEL_IDS
from tests.booking_factories import make_caller, make_hotel
from tests.integration.sync_push.conftest import OTAS, PushWorld

EDITOR = Permission.INVENTORY_READ | Permission.INVENTORY_WRITE | Permission.RATES_WRITE


def closed_nights(world: PushWorld, ota: str) -> set[date]:
    """The nights the simulator shows stop-sold for the mapped room (on the room or a rate plan)."""
    cells = world.simulators[ota].ari_view(DEMO_HOTEL_IDS[ota], "DLX", None)
    return {date.fromisoformat(cell["date"]) for cell in cells if cell.get("stop_sell") is True}


def behind(grid: CalendarGrid) -> dict[tuple[int, date], list[str]]:
    return {(row.room_type.id, night): codes for row in grid.room_types for night, codes in row.behind.items()}


def test_a_cell_is_behind_on_every_channel_until_the_push_worker_delivers_it(push_world: PushWorld) -> None:
    caller = make_caller(permissions=EDITOR)
    hotel = push_world.hotel
    room_type_id = push_world.room_type_id

    def grid() -> CalendarGrid:
        return calendar_service.read_grid(caller, hotel.property_id, hotel.night(0), hotel.night(9))

    # Given every channel brought up to date by a full push
    push_world.full_push_all()
    current = grid()
    assert current.room_types[0].channels == sorted(OTAS)
    assert behind(current) == {}
    # When night 3 is closed and night 5 repriced on the mapped plan, before the worker runs
    calendar_service.apply_bulk_update(
        caller,
        hotel.property_id,
        BulkUpdateInput(hotel.night(3), hotel.night(3), [room_type_id], fields={"stop_sell": True}),
    )
    plan_id = hotel.rate_plan_ids[room_type_id]
    calendar_service.apply_bulk_update(
        caller,
        hotel.property_id,
        BulkUpdateInput(hotel.night(5), hotel.night(5), [], rates={plan_id: Decimal("1234567")}),
    )
    # Then exactly those two nights are behind, on every channel
    assert behind(grid()) == {
        (room_type_id, hotel.night(3)): sorted(OTAS),
        (room_type_id, hotel.night(5)): sorted(OTAS),
    }
    # ...and once the worker has pushed them (the simulators show the closure), no channel is behind
    push_world.drain()
    assert behind(grid()) == {}
    for ota in OTAS:
        assert closed_nights(push_world, ota) == {hotel.night(3)}, ota


def test_unmapped_room_types_have_no_channels_and_other_properties_do_not_count(push_world: PushWorld) -> None:
    caller = make_caller(permissions=EDITOR)
    push_world.full_push_all()
    # Given another VN property with a room type no connection maps, and a change of each of its nights
    other = make_hotel("VN", rooms=(4,), nights=10)
    other_room = other.room_type_ids[0]
    calendar_service.apply_bulk_update(
        caller,
        other.property_id,
        BulkUpdateInput(other.night(0), other.night(4), [other_room], fields={"min_los": 2}),
    )
    # Then its grid names no channel and no cell behind (the push world's connections are not its own)
    other_grid = calendar_service.read_grid(caller, other.property_id, other.night(0), other.night(9))
    assert other_grid.room_types[0].channels == []
    assert behind(other_grid) == {}
    # ...and the push world's hotel is still entirely current: the other property's outbox rows do not count
    hotel = push_world.hotel
    assert behind(calendar_service.read_grid(caller, hotel.property_id, hotel.night(0), hotel.night(9))) == {}
    # Negative control: the same change on the mapped hotel is behind until pushed
    calendar_service.apply_bulk_update(
        caller,
        hotel.property_id,
        BulkUpdateInput(hotel.night(0), hotel.night(0), [push_world.room_type_id], fields={"min_los": 2}),
    )
    grid = calendar_service.read_grid(caller, hotel.property_id, hotel.night(0), hotel.night(9))
    assert behind(grid) == {(push_world.room_type_id, hotel.night(0)): sorted(OTAS)}
