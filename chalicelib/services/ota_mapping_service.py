"""Room type ↔ OTA room and rate plan ↔ OTA rate plan mappings of a connection, and checking them
against what the OTA reports. (Proposed mappings from discovery: ``ota_proposal_service``.)

Rules (the database enforces the structural ones too):

- a mapped room type / rate plan belongs to the connection's property;
- per connection, a room type maps to one OTA room and an OTA room to one room type; a rate plan
  maps to one (OTA room, OTA rate plan) and back;
- a rate plan is mapped under the OTA room its room type is mapped to (map the room type first);
- with ``verify_with_ota`` (or when checking), the OTA ids must be among what the OTA reports
  for the connection's hotel (discovery: a real call, made before the write transaction opens).

The sync engine reads a connection's mappings through :func:`mapping_index`. Reading, repointing
and deleting a mapping is one path for both kinds (``_MappingKind`` says what differs); checking the
mappings against the OTA lives in ``ota_mapping_check`` (re-exported here).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller, CountryScope
from chalicelib.domain.errors import Conflict, DependencyUnavailable, InvalidInput, existing
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_connections import (
    ConnectionRecord,
    RatePlanMappingRecord,
    RatePlanRef,
    RoomTypeMappingRecord,
    RoomTypeRef,
)
from chalicelib.domain.ota_mappings import MappingIndex
from chalicelib.domain.ota_results import DiscoveredHotel, ErrorKind, SyncError
from chalicelib.services import ota_access
from chalicelib.services.audit_service import audit_entry, audit_snapshot
from chalicelib.services.ota_connection_service import HotelDiscovery, scoped_connection
from chalicelib.services.ota_mapping_check import MappingCheck, MappingProblem, verify_mappings
from chalicelib.services.ports import OtaMappingRepository, UnitOfWork, UnitOfWorkFactory

__all__ = [
    "MappingCheck",
    "MappingProblem",
    "RatePlanMappingRecord",
    "RoomTypeMappingRecord",
    "create_rate_plan_mapping",
    "create_room_type_mapping",
    "delete_rate_plan_mapping",
    "delete_room_type_mapping",
    "get_rate_plan_mapping",
    "get_room_type_mapping",
    "list_rate_plan_mappings",
    "list_room_type_mappings",
    "mapping_index",
    "update_rate_plan_mapping",
    "update_room_type_mapping",
    "verify_mappings",
]

ROOM_MAPPING_AUDIT_FIELDS = ("connection_id", "room_type_id", "ota_room_id")
RATE_MAPPING_AUDIT_FIELDS = ("connection_id", "room_type_id", "rate_plan_id", "ota_room_id", "ota_rate_plan_id")
_Mapping = TypeVar("_Mapping", RoomTypeMappingRecord, RatePlanMappingRecord)
_EVERYWHERE = CountryScope.everywhere()  # a mapping already found in scope: its connection is too


# --- what the OTA reports, for verification ---------------------------------------------------------------


def _ota_hotel(endpoint: ota_access.AccountEndpoint, ota_hotel_id: str, discover: HotelDiscovery) -> DiscoveredHotel:
    """The connection's hotel as the OTA reports it now (a real call); errors say why not."""
    found = discover(endpoint, [ota_hotel_id])
    for hotel in found.hotels:
        if hotel.ota_hotel_id == ota_hotel_id:
            return hotel
    raise discovery_failure(endpoint.ota, ota_hotel_id, found.errors)


def discovery_failure(ota: OtaCode, ota_hotel_id: str, errors: tuple[SyncError, ...]) -> Exception:
    """Why the OTA did not report the hotel, as the error the API should answer with."""
    error = errors[0] if errors else None
    reason = error.message if error else f"{ota.display_name} does not report hotel {ota_hotel_id}"
    if error is not None and error.kind in (ErrorKind.AUTHENTICATION, ErrorKind.CONFIGURATION):
        return Conflict(f"The account cannot be used with {ota.display_name}: {reason}. Nothing was changed.")
    if error is not None and error.transient:
        return DependencyUnavailable(f"{ota.display_name} could not be asked: {reason}. Nothing was changed.")
    return InvalidInput(
        f"{ota.display_name} does not report hotel {ota_hotel_id}: {reason}",
        details=[{"field": "ota_hotel_id", "message": reason}],
    )


def _require_ota_room(hotel: DiscoveredHotel, ota: OtaCode, ota_room_id: str, field: str) -> None:
    if any(room.ota_room_id == ota_room_id for room in hotel.rooms):
        return
    known = ", ".join(room.ota_room_id for room in hotel.rooms) or "none"
    raise InvalidInput(
        f"{ota.display_name} reports no room {ota_room_id!r} for hotel {hotel.ota_hotel_id} (it has: {known}).",
        details=[{"field": field, "message": "not among the rooms the OTA reports"}],
    )


def _require_ota_rate(hotel: DiscoveredHotel, ota: OtaCode, ota_room_id: str, ota_rate_plan_id: str) -> None:
    room = next((room for room in hotel.rooms if room.ota_room_id == ota_room_id), None)
    if room is None:
        _require_ota_room(hotel, ota, ota_room_id, "ota_room_id")
        return
    if any(plan.ota_rate_plan_id == ota_rate_plan_id for plan in room.rate_plans):
        return
    known = ", ".join(plan.ota_rate_plan_id for plan in room.rate_plans) or "none"
    raise InvalidInput(
        f"{ota.display_name} reports no rate plan {ota_rate_plan_id!r} for room {ota_room_id!r} "
        f"of hotel {hotel.ota_hotel_id} (it has: {known}).",
        details=[{"field": "ota_rate_plan_id", "message": "not among the rate plans the OTA reports"}],
    )


def _connection_of(work: UnitOfWork, connection_id: int) -> ConnectionRecord:
    """The connection of a mapping already found in scope."""
    connection = work.ota_connections.get(connection_id, _EVERYWHERE)
    assert connection is not None
    return connection


_AUDIT_FIELDS = {"room_type_mapping": ROOM_MAPPING_AUDIT_FIELDS, "rate_plan_mapping": RATE_MAPPING_AUDIT_FIELDS}


def _audit_mapping(
    work: UnitOfWork,
    caller: Caller | None,
    action: str,
    before: RoomTypeMappingRecord | RatePlanMappingRecord | None,
    after: RoomTypeMappingRecord | RatePlanMappingRecord | None,
    *,
    country_code: str | None = None,
) -> None:
    """The audit row of a mapping created (no ``before``), moved, or deleted (no ``after``)."""
    mapping = after or before
    assert mapping is not None
    entity = "room_type_mapping" if isinstance(mapping, RoomTypeMappingRecord) else "rate_plan_mapping"
    names = _AUDIT_FIELDS[entity]
    if country_code is None:
        country_code = _connection_of(work, mapping.connection_id).country_code
    work.audit.add(
        audit_entry(
            caller,
            f"{entity}.{action}",
            entity,
            mapping.id,
            audit_snapshot(before, names) if before is not None else None,
            audit_snapshot(after, names) if after is not None else None,
            country_code=country_code,
        )
    )


def _hotel_of_mapping(
    uow: UnitOfWorkFactory, mapping: Callable[[UnitOfWork], _Mapping], discover: HotelDiscovery
) -> tuple[_Mapping, DiscoveredHotel, OtaCode]:
    """A mapping in scope and its connection's hotel as the OTA reports it now (before any write)."""
    with uow() as work:
        found = mapping(work)
        connection = _connection_of(work, found.connection_id)
        endpoint = work.ota_connections.endpoint(connection.ota_account_id)
    return found, _ota_hotel(endpoint, connection.ota_hotel_id, discover), endpoint.ota


# --- room type mappings -----------------------------------------------------------------------------------------


def room_type_of_property(work: UnitOfWork, property_id: int, room_type_id: int, field: str) -> RoomTypeRef:
    """The room type if it belongs to the property; InvalidInput naming ``field`` otherwise."""
    room_type = work.ota_mappings.room_type(room_type_id)
    if room_type is None or room_type.property_id != property_id:
        raise InvalidInput(
            "No such room type at this property.",
            details=[{"field": field, "message": "not a room type of the connection's property"}],
        )
    return room_type


def add_room_type_mapping(
    work: UnitOfWork,
    caller: Caller | None,
    connection: ConnectionRecord,
    room_type: RoomTypeRef,
    ota_room_id: str,
    *,
    room_type_field: str = "room_type_id",
    ota_room_field: str = "ota_room_id",
) -> RoomTypeMappingRecord:
    """Insert a room type mapping with its audit row; Conflict (naming the field) if either side is mapped."""
    if work.ota_mappings.room_mapping_for_room_type(connection.id, room_type.id) is not None:
        raise _already_mapped(f"Room type {room_type.code}", room_type_field)
    if work.ota_mappings.room_mapping_for_ota_room(connection.id, ota_room_id) is not None:
        raise _already_mapped(f"OTA room {ota_room_id!r}", ota_room_field)
    mapping = work.ota_mappings.add_room_mapping(
        connection.id,
        room_type.id,
        ota_room_id,
        conflict_message="The room type or the OTA room was mapped meanwhile: reload.",
    )
    _audit_mapping(work, caller, "created", None, mapping, country_code=connection.country_code)
    return mapping


def list_room_type_mappings(
    caller: Caller, connection_id: int, *, offset: int, limit: int, uow: UnitOfWorkFactory = unit_of_work
) -> tuple[list[RoomTypeMappingRecord], int]:
    """The connection's room type mappings, one page (NotFound outside the scope)."""
    with uow() as work:
        scoped_connection(work, caller, connection_id)
        return work.ota_mappings.room_mappings(connection_id, offset=offset, limit=limit)


def create_room_type_mapping(
    caller: Caller,
    connection_id: int,
    *,
    room_type_id: int,
    ota_room_id: str,
    verify_with_ota: bool = False,
    uow: UnitOfWorkFactory = unit_of_work,
    discover: HotelDiscovery = ota_access.discover_hotels,
) -> RoomTypeMappingRecord:
    """Map a room type of the connection's property to the OTA's room id."""
    if verify_with_ota:
        # Our side first (no OTA call for a request we would refuse anyway), then the OTA.
        with uow() as work:
            connection = scoped_connection(work, caller, connection_id)
            room_type_of_property(work, connection.property_id, room_type_id, "room_type_id")
            endpoint = work.ota_connections.endpoint(connection.ota_account_id)
        hotel = _ota_hotel(endpoint, connection.ota_hotel_id, discover)
        _require_ota_room(hotel, endpoint.ota, ota_room_id, "ota_room_id")
    with uow() as work:
        connection = scoped_connection(work, caller, connection_id, for_update=True)
        room_type = room_type_of_property(work, connection.property_id, room_type_id, "room_type_id")
        return add_room_type_mapping(work, caller, connection, room_type, ota_room_id)


def get_room_type_mapping(
    caller: Caller, mapping_id: int, *, uow: UnitOfWorkFactory = unit_of_work
) -> RoomTypeMappingRecord:
    """One room type mapping of a connection in the caller's scope."""
    return _get_mapping(_ROOM_TYPES, caller, mapping_id, uow)


def update_room_type_mapping(
    caller: Caller,
    mapping_id: int,
    *,
    ota_room_id: str,
    verify_with_ota: bool = False,
    uow: UnitOfWorkFactory = unit_of_work,
    discover: HotelDiscovery = ota_access.discover_hotels,
) -> RoomTypeMappingRecord:
    """Point the room type at another OTA room; its rate plan mappings follow (same connection)."""
    return _repoint_mapping(_ROOM_TYPES, caller, mapping_id, ota_room_id, verify_with_ota, uow, discover)


def delete_room_type_mapping(caller: Caller, mapping_id: int, *, uow: UnitOfWorkFactory = unit_of_work) -> None:
    """Unmap the room type (its rate plan mappings on this connection go too)."""
    _delete_mapping(_ROOM_TYPES, caller, mapping_id, uow)


# --- rate plan mappings ------------------------------------------------------------------------------------------


def add_rate_plan_mapping(
    work: UnitOfWork,
    caller: Caller | None,
    connection: ConnectionRecord,
    plan: RatePlanRef,
    ota_rate_plan_id: str,
    *,
    ota_room_id: str | None = None,
    rate_plan_field: str = "rate_plan_id",
) -> RatePlanMappingRecord:
    """Insert a rate plan mapping under its room type's OTA room, with its audit row."""
    room_mapping = work.ota_mappings.room_mapping_for_room_type(connection.id, plan.room_type_id)
    if room_mapping is None:
        room_type = work.ota_mappings.room_type(plan.room_type_id)
        code = room_type.code if room_type else str(plan.room_type_id)
        raise InvalidInput(
            f"Map room type {code} on this connection before its rate plans.",
            details=[{"field": rate_plan_field, "message": f"its room type {code} is not mapped on this connection"}],
        )
    code = room_mapping.room_type_code
    if ota_room_id is not None and ota_room_id != room_mapping.ota_room_id:
        raise InvalidInput(
            f"Room type {code} is mapped to OTA room {room_mapping.ota_room_id!r}, not {ota_room_id!r}.",
            details=[
                {"field": "ota_room_id", "message": f"the rate plan's room type maps to {room_mapping.ota_room_id!r}"}
            ],
        )
    if work.ota_mappings.rate_mapping_for_rate_plan(connection.id, plan.id) is not None:
        raise _already_mapped(f"Rate plan {plan.code}", rate_plan_field)
    if work.ota_mappings.rate_mapping_for_ota_rate(connection.id, room_mapping.ota_room_id, ota_rate_plan_id):
        raise _already_mapped(
            f"OTA rate plan {ota_rate_plan_id!r} of room {room_mapping.ota_room_id!r}", "ota_rate_plan_id"
        )
    mapping = work.ota_mappings.add_rate_mapping(
        connection.id,
        plan,
        room_mapping.ota_room_id,
        ota_rate_plan_id,
        conflict_message="The rate plan or the OTA rate plan was mapped meanwhile: reload.",
    )
    _audit_mapping(work, caller, "created", None, mapping, country_code=connection.country_code)
    return mapping


def rate_plan_of_property(work: UnitOfWork, property_id: int, rate_plan_id: int, field: str) -> RatePlanRef:
    """The rate plan if it belongs to the property; InvalidInput naming ``field`` otherwise."""
    plan = work.ota_mappings.rate_plan(rate_plan_id)
    if plan is None or plan.property_id != property_id:
        raise InvalidInput(
            "No such rate plan at this property.",
            details=[{"field": field, "message": "not a rate plan of the connection's property"}],
        )
    return plan


def list_rate_plan_mappings(
    caller: Caller, connection_id: int, *, offset: int, limit: int, uow: UnitOfWorkFactory = unit_of_work
) -> tuple[list[RatePlanMappingRecord], int]:
    """The connection's rate plan mappings, one page (NotFound outside the scope)."""
    with uow() as work:
        scoped_connection(work, caller, connection_id)
        return work.ota_mappings.rate_mappings(connection_id, offset=offset, limit=limit)


def create_rate_plan_mapping(
    caller: Caller,
    connection_id: int,
    *,
    rate_plan_id: int,
    ota_rate_plan_id: str,
    ota_room_id: str | None = None,
    verify_with_ota: bool = False,
    uow: UnitOfWorkFactory = unit_of_work,
    discover: HotelDiscovery = ota_access.discover_hotels,
) -> RatePlanMappingRecord:
    """Map a rate plan to the OTA's rate plan, under the OTA room its room type is mapped to
    (``ota_room_id``, when given, must be that room)."""
    if verify_with_ota:
        with uow() as work:
            connection = scoped_connection(work, caller, connection_id)
            plan = rate_plan_of_property(work, connection.property_id, rate_plan_id, "rate_plan_id")
            room_mapping = work.ota_mappings.room_mapping_for_room_type(connection.id, plan.room_type_id)
            room_for_check = ota_room_id or (room_mapping.ota_room_id if room_mapping else None)
            endpoint = work.ota_connections.endpoint(connection.ota_account_id)
        # Without a room mapping the write below refuses the request: no OTA call for it.
        if room_for_check is not None:
            hotel = _ota_hotel(endpoint, connection.ota_hotel_id, discover)
            _require_ota_rate(hotel, endpoint.ota, room_for_check, ota_rate_plan_id)
    with uow() as work:
        connection = scoped_connection(work, caller, connection_id, for_update=True)
        plan = rate_plan_of_property(work, connection.property_id, rate_plan_id, "rate_plan_id")
        return add_rate_plan_mapping(work, caller, connection, plan, ota_rate_plan_id, ota_room_id=ota_room_id)


def get_rate_plan_mapping(
    caller: Caller, mapping_id: int, *, uow: UnitOfWorkFactory = unit_of_work
) -> RatePlanMappingRecord:
    """One rate plan mapping of a connection in the caller's scope."""
    return _get_mapping(_RATE_PLANS, caller, mapping_id, uow)


def update_rate_plan_mapping(
    caller: Caller,
    mapping_id: int,
    *,
    ota_rate_plan_id: str,
    verify_with_ota: bool = False,
    uow: UnitOfWorkFactory = unit_of_work,
    discover: HotelDiscovery = ota_access.discover_hotels,
) -> RatePlanMappingRecord:
    """Point the rate plan at another OTA rate plan of the same OTA room."""
    return _repoint_mapping(_RATE_PLANS, caller, mapping_id, ota_rate_plan_id, verify_with_ota, uow, discover)


def delete_rate_plan_mapping(caller: Caller, mapping_id: int, *, uow: UnitOfWorkFactory = unit_of_work) -> None:
    """Unmap the rate plan on this connection."""
    _delete_mapping(_RATE_PLANS, caller, mapping_id, uow)


# --- reading, repointing and deleting a mapping: one path for both kinds ------------------------------------


@dataclass(frozen=True)
class _MappingKind(Generic[_Mapping]):
    """What differs between room type and rate plan mappings once they exist."""

    what: str  # "room type" / "rate plan"
    target_field: str  # the OTA id the mapping points at, which an update changes
    named: Callable[[_Mapping, str], str]  # that OTA id, in messages
    scoped: Callable[[OtaMappingRepository, int, CountryScope, bool], _Mapping | None]
    holder: Callable[[OtaMappingRepository, _Mapping, str], object]  # the mapping already at that OTA id
    move: Callable[[OtaMappingRepository, int, str, str], _Mapping]
    delete: Callable[[OtaMappingRepository, int], None]
    require_reported: Callable[[DiscoveredHotel, OtaCode, _Mapping, str], None]


_ROOM_TYPES = _MappingKind[RoomTypeMappingRecord](
    what="room type",
    target_field="ota_room_id",
    named=lambda _, room: f"OTA room {room!r}",
    scoped=lambda repo, id_, scope, lock: repo.scoped_room_mapping(id_, scope, for_update=lock),
    holder=lambda repo, mapping, room: repo.room_mapping_for_ota_room(mapping.connection_id, room),
    move=lambda repo, id_, room, message: repo.move_room_mapping(id_, room, conflict_message=message),
    delete=lambda repo, id_: repo.delete_room_mapping(id_),
    require_reported=lambda hotel, ota, _, room: _require_ota_room(hotel, ota, room, "ota_room_id"),
)
_RATE_PLANS = _MappingKind[RatePlanMappingRecord](
    what="rate plan",
    target_field="ota_rate_plan_id",
    named=lambda mapping, plan: f"OTA rate plan {plan!r} of room {mapping.ota_room_id!r}",
    scoped=lambda repo, id_, scope, lock: repo.scoped_rate_mapping(id_, scope, for_update=lock),
    holder=lambda repo, mapping, plan: repo.rate_mapping_for_ota_rate(mapping.connection_id, mapping.ota_room_id, plan),
    move=lambda repo, id_, plan, message: repo.move_rate_mapping(id_, plan, conflict_message=message),
    delete=lambda repo, id_: repo.delete_rate_mapping(id_),
    require_reported=lambda hotel, ota, mapping, plan: _require_ota_rate(hotel, ota, mapping.ota_room_id, plan),
)


def _already_mapped(subject: str, field: str) -> Conflict:
    """Conflict naming ``field``: another mapping of the connection has ``subject`` already."""
    return Conflict(
        f"{subject} is already mapped on this connection.", details=[{"field": field, "message": "already mapped"}]
    )


def _scoped_mapping(
    kind: _MappingKind[_Mapping], work: UnitOfWork, caller: Caller, mapping_id: int, *, for_update: bool = False
) -> _Mapping:
    return existing(
        kind.scoped(work.ota_mappings, mapping_id, caller.scope, for_update), f"No such {kind.what} mapping."
    )


def _get_mapping(kind: _MappingKind[_Mapping], caller: Caller, mapping_id: int, uow: UnitOfWorkFactory) -> _Mapping:
    with uow() as work:
        return _scoped_mapping(kind, work, caller, mapping_id)


def _repoint_mapping(
    kind: _MappingKind[_Mapping],
    caller: Caller,
    mapping_id: int,
    target: str,
    verify_with_ota: bool,
    uow: UnitOfWorkFactory,
    discover: HotelDiscovery,
) -> _Mapping:
    """Point the mapping at another OTA id (``kind.target_field``), audited; Conflict if another has it."""
    if verify_with_ota:
        current, hotel, ota = _hotel_of_mapping(
            uow, lambda work: _scoped_mapping(kind, work, caller, mapping_id), discover
        )
        kind.require_reported(hotel, ota, current, target)
    with uow() as work:
        mapping = _scoped_mapping(kind, work, caller, mapping_id, for_update=True)
        if target == getattr(mapping, kind.target_field):
            return mapping
        if kind.holder(work.ota_mappings, mapping, target) is not None:
            raise _already_mapped(kind.named(mapping, target), kind.target_field)
        meanwhile = f"{kind.named(mapping, target)} was mapped meanwhile: reload."
        moved = kind.move(work.ota_mappings, mapping.id, target, meanwhile)
        _audit_mapping(work, caller, "updated", mapping, moved)
        return moved


def _delete_mapping(kind: _MappingKind[_Mapping], caller: Caller, mapping_id: int, uow: UnitOfWorkFactory) -> None:
    with uow() as work:
        mapping = _scoped_mapping(kind, work, caller, mapping_id, for_update=True)
        _audit_mapping(work, caller, "deleted", mapping, None)
        kind.delete(work.ota_mappings, mapping.id)


# --- the sync engine ---------------------------------------------------------------------------------------------


def mapping_index(connection_id: int, *, uow: UnitOfWorkFactory = unit_of_work) -> MappingIndex:
    """Every mapping of the connection, for lookups both ways (every country: the sync engine)."""
    with uow() as work:
        return work.ota_mappings.index(connection_id)
