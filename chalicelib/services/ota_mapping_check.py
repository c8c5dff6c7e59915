"""Checking a connection's mappings against what the OTA reports for its hotel right now (a real
discovery call; changes nothing): our mappings the OTA does not report, and the OTA's rooms and rate
plans nothing of ours maps."""

from __future__ import annotations

from dataclasses import dataclass, field

from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller
from chalicelib.domain.ota_connections import RatePlanMappingRecord, RoomTypeMappingRecord
from chalicelib.domain.ota_results import DiscoveredHotel
from chalicelib.services import ota_access
from chalicelib.services.ota_connection_service import HotelDiscovery, scoped_connection
from chalicelib.services.ports import UnitOfWorkFactory


@dataclass(frozen=True)
class MappingProblem:
    kind: str  # "room_type" or "rate_plan"
    mapping_id: int | None  # ours (None: an OTA item nothing of ours maps)
    ota_room_id: str
    ota_rate_plan_id: str | None
    message: str


@dataclass(frozen=True)
class MappingCheck:
    ok: bool
    ota: str
    ota_hotel_id: str
    checked_room_types: int
    checked_rate_plans: int
    problems: list[MappingProblem] = field(default_factory=list)  # our mappings the OTA does not report
    unmapped: list[MappingProblem] = field(default_factory=list)  # OTA rooms / rate plans nothing maps
    error: str | None = None  # the OTA could not be asked (then nothing was checked)


def verify_mappings(
    caller: Caller,
    connection_id: int,
    *,
    uow: UnitOfWorkFactory = unit_of_work,
    discover: HotelDiscovery = ota_access.discover_hotels,
) -> MappingCheck:
    """Compare the connection's mappings with what the OTA reports for its hotel right now."""
    with uow() as work:
        connection = scoped_connection(work, caller, connection_id)
        rooms, _ = work.ota_mappings.room_mappings(connection.id)
        rates, _ = work.ota_mappings.rate_mappings(connection.id)
        endpoint = work.ota_connections.endpoint(connection.ota_account_id)
    hotel_id = connection.ota_hotel_id
    found = discover(endpoint, [hotel_id])
    hotel = next((h for h in found.hotels if h.ota_hotel_id == hotel_id), None)
    if hotel is None:
        reason = found.errors[0].message if found.errors else f"it does not report hotel {hotel_id}"
        return MappingCheck(False, endpoint.ota.value, hotel_id, 0, 0, error=reason)
    problems, unmapped = _compare(endpoint.ota.display_name, hotel, rooms, rates)
    return MappingCheck(
        ok=not problems,
        ota=endpoint.ota.value,
        ota_hotel_id=hotel_id,
        checked_room_types=len(rooms),
        checked_rate_plans=len(rates),
        problems=problems,
        unmapped=unmapped,
    )


def _compare(
    name: str, hotel: DiscoveredHotel, rooms: list[RoomTypeMappingRecord], rates: list[RatePlanMappingRecord]
) -> tuple[list[MappingProblem], list[MappingProblem]]:
    """Our mappings the OTA does not report, and the OTA's items nothing of ours maps."""
    reported_rooms = {room.ota_room_id for room in hotel.rooms}
    reported_rates = {(room.ota_room_id, plan.ota_rate_plan_id) for room in hotel.rooms for plan in room.rate_plans}
    problems = [
        MappingProblem("room_type", m.id, m.ota_room_id, None, f"{name} reports no room {m.ota_room_id!r}")
        for m in rooms
        if m.ota_room_id not in reported_rooms
    ] + [
        MappingProblem(
            "rate_plan",
            m.id,
            m.ota_room_id,
            m.ota_rate_plan_id,
            f"{name} reports no rate plan {m.ota_rate_plan_id!r} for room {m.ota_room_id!r}",
        )
        for m in rates
        if (m.ota_room_id, m.ota_rate_plan_id) not in reported_rates
    ]
    mapped_rooms = {m.ota_room_id for m in rooms}
    mapped_rates = {(m.ota_room_id, m.ota_rate_plan_id) for m in rates}
    unmapped = [
        MappingProblem("room_type", None, room, None, f"{name} room {room!r} is not mapped")
        for room in sorted(reported_rooms - mapped_rooms)
    ] + [
        MappingProblem("rate_plan", None, room, plan, f"{name} rate plan {plan!r} of room {room!r} is not mapped")
        for room, plan in sorted(reported_rates - mapped_rates)
    ]
    return problems, unmapped
