"""Room type ↔ OTA room and rate plan ↔ OTA rate plan mappings of a connection, and checking them
against what the OTA reports. (Proposed mappings from discovery: ``ota_proposal_service``.)

Rules (the database enforces the structural ones too):

- a mapped room type / rate plan belongs to the connection's property;
- per connection, a room type maps to one OTA room and an OTA room to one room type; a rate plan
  maps to one (OTA room, OTA rate plan) and back;
- a rate plan is mapped under the OTA room its room type is mapped to (map the room type first);
- with ``verify_with_ota`` (or when checking), the OTA ids must be among what the OTA reports
  for the connection's hotel (discovery: a real call, made before the write transaction opens).

The sync engine reads a connection's mappings through :func:`mapping_index`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from chalicelib.db.models import (
    OtaAccount,
    OtaConnection,
    Property,
    RatePlan,
    RatePlanMapping,
    RoomType,
    RoomTypeMapping,
)
from chalicelib.db.repositories import ota as ota_repository
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller
from chalicelib.domain.errors import Conflict, DependencyUnavailable, InvalidInput, NotFound
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_mappings import (
    MappingIndex,
)
from chalicelib.domain.ota_results import DiscoveredHotel, ErrorKind, SyncError
from chalicelib.services import ota_access
from chalicelib.services.audit_service import audit_snapshot, record_audit
from chalicelib.services.ota_connection_service import (
    scoped_connection,
)

ROOM_MAPPING_AUDIT_FIELDS = ("connection_id", "room_type_id", "ota_room_id")
RATE_MAPPING_AUDIT_FIELDS = ("connection_id", "room_type_id", "rate_plan_id", "ota_room_id", "ota_rate_plan_id")


# --- records ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoomTypeMappingRecord:
    id: int
    connection_id: int
    room_type_id: int
    room_type_code: str
    room_type_name: str
    ota_room_id: str
    created_at: datetime
    updated_at: datetime


def room_mapping_record(mapping: RoomTypeMapping, room_type: RoomType) -> RoomTypeMappingRecord:
    """What the API shows of a room type mapping."""
    return RoomTypeMappingRecord(
        id=mapping.id,
        connection_id=mapping.connection_id,
        room_type_id=room_type.id,
        room_type_code=room_type.code,
        room_type_name=room_type.name,
        ota_room_id=mapping.ota_room_id,
        created_at=mapping.created_at,
        updated_at=mapping.updated_at,
    )


@dataclass(frozen=True)
class RatePlanMappingRecord:
    id: int
    connection_id: int
    room_type_id: int
    rate_plan_id: int
    rate_plan_code: str
    rate_plan_name: str
    ota_room_id: str
    ota_rate_plan_id: str
    created_at: datetime
    updated_at: datetime


def rate_mapping_record(mapping: RatePlanMapping, plan: RatePlan) -> RatePlanMappingRecord:
    """What the API shows of a rate plan mapping."""
    return RatePlanMappingRecord(
        id=mapping.id,
        connection_id=mapping.connection_id,
        room_type_id=mapping.room_type_id,
        rate_plan_id=plan.id,
        rate_plan_code=plan.code,
        rate_plan_name=plan.name,
        ota_room_id=mapping.ota_room_id,
        ota_rate_plan_id=mapping.ota_rate_plan_id,
        created_at=mapping.created_at,
        updated_at=mapping.updated_at,
    )


# --- what the OTA reports, for verification ---------------------------------------------------------------


def _ota_hotel(account: OtaAccount, ota_hotel_id: str) -> DiscoveredHotel:
    """The connection's hotel as the OTA reports it now (a real call); errors say why not."""
    found = ota_access.discover_hotels(ota_access.AccountEndpoint.of(account), [ota_hotel_id])
    for hotel in found.hotels:
        if hotel.ota_hotel_id == ota_hotel_id:
            return hotel
    raise discovery_failure(OtaCode(account.ota_code), ota_hotel_id, found.errors)


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
        details=[{"field": "body.ota_hotel_id", "message": reason}],
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
        _require_ota_room(hotel, ota, ota_room_id, "body.ota_room_id")
        return
    if any(plan.ota_rate_plan_id == ota_rate_plan_id for plan in room.rate_plans):
        return
    known = ", ".join(plan.ota_rate_plan_id for plan in room.rate_plans) or "none"
    raise InvalidInput(
        f"{ota.display_name} reports no rate plan {ota_rate_plan_id!r} for room {ota_room_id!r} "
        f"of hotel {hotel.ota_hotel_id} (it has: {known}).",
        details=[{"field": "body.ota_rate_plan_id", "message": "not among the rate plans the OTA reports"}],
    )


# --- room type mappings -----------------------------------------------------------------------------------------


def room_type_of_property(session: Session, hotel: Property, room_type_id: int, field: str) -> RoomType:
    """The room type if it belongs to the property; InvalidInput naming ``field`` otherwise."""
    room_type = session.get(RoomType, room_type_id)
    if room_type is None or room_type.property_id != hotel.id:
        raise InvalidInput(
            "No such room type at this property.",
            details=[{"field": field, "message": "not a room type of the connection's property"}],
        )
    return room_type


def add_room_type_mapping(
    session: Session,
    caller: Caller | None,
    connection: OtaConnection,
    hotel: Property,
    room_type: RoomType,
    ota_room_id: str,
    *,
    room_type_field: str = "body.room_type_id",
    ota_room_field: str = "body.ota_room_id",
) -> RoomTypeMapping:
    """Insert a room type mapping with its audit row; Conflict (naming the field) if either side is mapped."""
    if ota_repository.room_type_mapping_by_room_type(session, connection.id, room_type.id) is not None:
        raise Conflict(
            f"Room type {room_type.code} is already mapped on this connection.",
            details=[{"field": room_type_field, "message": "already mapped"}],
        )
    if ota_repository.room_type_mapping_by_ota_room(session, connection.id, ota_room_id) is not None:
        raise Conflict(
            f"OTA room {ota_room_id!r} is already mapped on this connection.",
            details=[{"field": ota_room_field, "message": "already mapped"}],
        )
    mapping = RoomTypeMapping(connection_id=connection.id, room_type_id=room_type.id, ota_room_id=ota_room_id)
    session.add(mapping)
    ota_repository.flush_or_conflict(session, "The room type or the OTA room was mapped meanwhile: reload.")
    session.refresh(mapping)
    record_audit(
        session,
        caller,
        "room_type_mapping.created",
        "room_type_mapping",
        mapping.id,
        None,
        audit_snapshot(mapping, ROOM_MAPPING_AUDIT_FIELDS),
        country_code=hotel.country_code,
    )
    return mapping


def list_room_type_mappings(
    caller: Caller, connection_id: int, *, offset: int, limit: int
) -> tuple[list[RoomTypeMappingRecord], int]:
    """The connection's room type mappings, one page (NotFound outside the scope)."""
    with unit_of_work() as uow:
        scoped_connection(uow.session, caller, connection_id)
        rows, total = ota_repository.room_type_mappings_of(uow.session, connection_id, offset=offset, limit=limit)
        return [room_mapping_record(*row) for row in rows], total


def create_room_type_mapping(
    caller: Caller, connection_id: int, *, room_type_id: int, ota_room_id: str, verify_with_ota: bool = False
) -> RoomTypeMappingRecord:
    """Map a room type of the connection's property to the OTA's room id."""
    if verify_with_ota:
        # Our side first (no OTA call for a request we would refuse anyway), then the OTA.
        with unit_of_work() as uow:
            connection, hotel, account = scoped_connection(uow.session, caller, connection_id)
            room_type_of_property(uow.session, hotel, room_type_id, "body.room_type_id")
            hotel_id = connection.ota_hotel_id
        _require_ota_room(_ota_hotel(account, hotel_id), OtaCode(account.ota_code), ota_room_id, "body.ota_room_id")
    with unit_of_work() as uow:
        session = uow.session
        connection, hotel, _ = scoped_connection(session, caller, connection_id, for_update=True)
        room_type = room_type_of_property(session, hotel, room_type_id, "body.room_type_id")
        mapping = add_room_type_mapping(session, caller, connection, hotel, room_type, ota_room_id)
        return room_mapping_record(mapping, room_type)


def _scoped_room_mapping(
    session: Session, caller: Caller, mapping_id: int, *, for_update: bool = False
) -> tuple[RoomTypeMapping, OtaConnection, Property]:
    found = ota_repository.scoped_room_type_mapping(session, mapping_id, caller.scope, for_update=for_update)
    if found is None:
        raise NotFound("No such room type mapping.")
    return found


def get_room_type_mapping(caller: Caller, mapping_id: int) -> RoomTypeMappingRecord:
    """One room type mapping of a connection in the caller's scope."""
    with unit_of_work() as uow:
        mapping, _, _ = _scoped_room_mapping(uow.session, caller, mapping_id)
        room_type = uow.session.get(RoomType, mapping.room_type_id)
        assert room_type is not None
        return room_mapping_record(mapping, room_type)


def update_room_type_mapping(
    caller: Caller, mapping_id: int, *, ota_room_id: str, verify_with_ota: bool = False
) -> RoomTypeMappingRecord:
    """Point the room type at another OTA room; its rate plan mappings follow (same connection)."""
    if verify_with_ota:
        with unit_of_work() as uow:
            mapping, connection, _ = _scoped_room_mapping(uow.session, caller, mapping_id)
            account = uow.session.get(OtaAccount, connection.ota_account_id)
            assert account is not None
            hotel_id = connection.ota_hotel_id
        _require_ota_room(_ota_hotel(account, hotel_id), OtaCode(account.ota_code), ota_room_id, "body.ota_room_id")
    with unit_of_work() as uow:
        session = uow.session
        mapping, connection, hotel = _scoped_room_mapping(session, caller, mapping_id, for_update=True)
        before = audit_snapshot(mapping, ROOM_MAPPING_AUDIT_FIELDS)
        if ota_room_id != mapping.ota_room_id:
            taken = ota_repository.room_type_mapping_by_ota_room(session, connection.id, ota_room_id)
            if taken is not None:
                raise Conflict(
                    f"OTA room {ota_room_id!r} is already mapped on this connection.",
                    details=[{"field": "body.ota_room_id", "message": "already mapped"}],
                )
            mapping.ota_room_id = ota_room_id
            # ON UPDATE CASCADE moves the rate plan mappings along.
            ota_repository.flush_or_conflict(session, f"OTA room {ota_room_id!r} was mapped meanwhile: reload.")
            record_audit(
                session,
                caller,
                "room_type_mapping.updated",
                "room_type_mapping",
                mapping.id,
                before,
                audit_snapshot(mapping, ROOM_MAPPING_AUDIT_FIELDS),
                country_code=hotel.country_code,
            )
            session.refresh(mapping)
        room_type = session.get(RoomType, mapping.room_type_id)
        assert room_type is not None
        return room_mapping_record(mapping, room_type)


def delete_room_type_mapping(caller: Caller, mapping_id: int) -> None:
    """Unmap the room type (its rate plan mappings on this connection go too)."""
    with unit_of_work() as uow:
        session = uow.session
        mapping, _, hotel = _scoped_room_mapping(session, caller, mapping_id, for_update=True)
        record_audit(
            session,
            caller,
            "room_type_mapping.deleted",
            "room_type_mapping",
            mapping.id,
            audit_snapshot(mapping, ROOM_MAPPING_AUDIT_FIELDS),
            None,
            country_code=hotel.country_code,
        )
        session.delete(mapping)


# --- rate plan mappings ------------------------------------------------------------------------------------------


def add_rate_plan_mapping(
    session: Session,
    caller: Caller | None,
    connection: OtaConnection,
    hotel: Property,
    plan: RatePlan,
    ota_rate_plan_id: str,
    *,
    ota_room_id: str | None = None,
    rate_plan_field: str = "body.rate_plan_id",
) -> RatePlanMapping:
    """Insert a rate plan mapping under its room type's OTA room, with its audit row."""
    room_mapping = ota_repository.room_type_mapping_by_room_type(session, connection.id, plan.room_type_id)
    room_type = session.get(RoomType, plan.room_type_id)
    code = room_type.code if room_type else str(plan.room_type_id)
    if room_mapping is None:
        raise InvalidInput(
            f"Map room type {code} on this connection before its rate plans.",
            details=[{"field": rate_plan_field, "message": f"its room type {code} is not mapped on this connection"}],
        )
    if ota_room_id is not None and ota_room_id != room_mapping.ota_room_id:
        raise InvalidInput(
            f"Room type {code} is mapped to OTA room {room_mapping.ota_room_id!r}, not {ota_room_id!r}.",
            details=[
                {
                    "field": "body.ota_room_id",
                    "message": f"the rate plan's room type maps to {room_mapping.ota_room_id!r}",
                }
            ],
        )
    if ota_repository.rate_plan_mapping_by_rate_plan(session, connection.id, plan.id) is not None:
        raise Conflict(
            f"Rate plan {plan.code} is already mapped on this connection.",
            details=[{"field": rate_plan_field, "message": "already mapped"}],
        )
    if ota_repository.rate_plan_mapping_by_ota_rate(session, connection.id, room_mapping.ota_room_id, ota_rate_plan_id):
        raise Conflict(
            f"OTA rate plan {ota_rate_plan_id!r} of room {room_mapping.ota_room_id!r} is already mapped.",
            details=[{"field": "body.ota_rate_plan_id", "message": "already mapped"}],
        )
    mapping = RatePlanMapping(
        connection_id=connection.id,
        room_type_id=plan.room_type_id,
        rate_plan_id=plan.id,
        ota_room_id=room_mapping.ota_room_id,
        ota_rate_plan_id=ota_rate_plan_id,
    )
    session.add(mapping)
    ota_repository.flush_or_conflict(session, "The rate plan or the OTA rate plan was mapped meanwhile: reload.")
    session.refresh(mapping)
    record_audit(
        session,
        caller,
        "rate_plan_mapping.created",
        "rate_plan_mapping",
        mapping.id,
        None,
        audit_snapshot(mapping, RATE_MAPPING_AUDIT_FIELDS),
        country_code=hotel.country_code,
    )
    return mapping


def rate_plan_of_property(session: Session, hotel: Property, rate_plan_id: int, field: str) -> RatePlan:
    """The rate plan if it belongs to the property; InvalidInput naming ``field`` otherwise."""
    plan = session.get(RatePlan, rate_plan_id)
    room_type = session.get(RoomType, plan.room_type_id) if plan else None
    if plan is None or room_type is None or room_type.property_id != hotel.id:
        raise InvalidInput(
            "No such rate plan at this property.",
            details=[{"field": field, "message": "not a rate plan of the connection's property"}],
        )
    return plan


def list_rate_plan_mappings(
    caller: Caller, connection_id: int, *, offset: int, limit: int
) -> tuple[list[RatePlanMappingRecord], int]:
    """The connection's rate plan mappings, one page (NotFound outside the scope)."""
    with unit_of_work() as uow:
        scoped_connection(uow.session, caller, connection_id)
        rows, total = ota_repository.rate_plan_mappings_of(uow.session, connection_id, offset=offset, limit=limit)
        return [rate_mapping_record(*row) for row in rows], total


def create_rate_plan_mapping(
    caller: Caller,
    connection_id: int,
    *,
    rate_plan_id: int,
    ota_rate_plan_id: str,
    ota_room_id: str | None = None,
    verify_with_ota: bool = False,
) -> RatePlanMappingRecord:
    """Map a rate plan to the OTA's rate plan, under the OTA room its room type is mapped to
    (``ota_room_id``, when given, must be that room)."""
    if verify_with_ota:
        with unit_of_work() as uow:
            connection, hotel, account = scoped_connection(uow.session, caller, connection_id)
            plan = rate_plan_of_property(uow.session, hotel, rate_plan_id, "body.rate_plan_id")
            room_mapping = ota_repository.room_type_mapping_by_room_type(uow.session, connection.id, plan.room_type_id)
            room_for_check = ota_room_id or (room_mapping.ota_room_id if room_mapping else None)
            hotel_id = connection.ota_hotel_id
        # Without a room mapping the write below refuses the request: no OTA call for it.
        if room_for_check is not None:
            _require_ota_rate(
                _ota_hotel(account, hotel_id), OtaCode(account.ota_code), room_for_check, ota_rate_plan_id
            )
    with unit_of_work() as uow:
        session = uow.session
        connection, hotel, _ = scoped_connection(session, caller, connection_id, for_update=True)
        plan = rate_plan_of_property(session, hotel, rate_plan_id, "body.rate_plan_id")
        mapping = add_rate_plan_mapping(
            session, caller, connection, hotel, plan, ota_rate_plan_id, ota_room_id=ota_room_id
        )
        return rate_mapping_record(mapping, plan)


def _scoped_rate_mapping(
    session: Session, caller: Caller, mapping_id: int, *, for_update: bool = False
) -> tuple[RatePlanMapping, OtaConnection, Property]:
    found = ota_repository.scoped_rate_plan_mapping(session, mapping_id, caller.scope, for_update=for_update)
    if found is None:
        raise NotFound("No such rate plan mapping.")
    return found


def get_rate_plan_mapping(caller: Caller, mapping_id: int) -> RatePlanMappingRecord:
    """One rate plan mapping of a connection in the caller's scope."""
    with unit_of_work() as uow:
        mapping, _, _ = _scoped_rate_mapping(uow.session, caller, mapping_id)
        plan = uow.session.get(RatePlan, mapping.rate_plan_id)
        assert plan is not None
        return rate_mapping_record(mapping, plan)


def update_rate_plan_mapping(
    caller: Caller, mapping_id: int, *, ota_rate_plan_id: str, verify_with_ota: bool = False
) -> RatePlanMappingRecord:
    """Point the rate plan at another OTA rate plan of the same OTA room."""
    if verify_with_ota:
        with unit_of_work() as uow:
            mapping, connection, _ = _scoped_rate_mapping(uow.session, caller, mapping_id)
            account = uow.session.get(OtaAccount, connection.ota_account_id)
            assert account is not None
            hotel_id, ota_room_id = connection.ota_hotel_id, mapping.ota_room_id
        _require_ota_rate(_ota_hotel(account, hotel_id), OtaCode(account.ota_code), ota_room_id, ota_rate_plan_id)
    with unit_of_work() as uow:
        session = uow.session
        mapping, connection, hotel = _scoped_rate_mapping(session, caller, mapping_id, for_update=True)
        before = audit_snapshot(mapping, RATE_MAPPING_AUDIT_FIELDS)
        if ota_rate_plan_id != mapping.ota_rate_plan_id:
            if ota_repository.rate_plan_mapping_by_ota_rate(
                session, connection.id, mapping.ota_room_id, ota_rate_plan_id
            ):
                raise Conflict(
                    f"OTA rate plan {ota_rate_plan_id!r} of room {mapping.ota_room_id!r} is already mapped.",
                    details=[{"field": "body.ota_rate_plan_id", "message": "already mapped"}],
                )
            mapping.ota_rate_plan_id = ota_rate_plan_id
            ota_repository.flush_or_conflict(
                session, f"OTA rate plan {ota_rate_plan_id!r} was mapped meanwhile: reload."
            )
            record_audit(
                session,
                caller,
                "rate_plan_mapping.updated",
                "rate_plan_mapping",
                mapping.id,
                before,
                audit_snapshot(mapping, RATE_MAPPING_AUDIT_FIELDS),
                country_code=hotel.country_code,
            )
            session.refresh(mapping)
        plan = session.get(RatePlan, mapping.rate_plan_id)
        assert plan is not None
        return rate_mapping_record(mapping, plan)


def delete_rate_plan_mapping(caller: Caller, mapping_id: int) -> None:
    """Unmap the rate plan on this connection."""
    with unit_of_work() as uow:
        session = uow.session
        mapping, _, hotel = _scoped_rate_mapping(session, caller, mapping_id, for_update=True)
        record_audit(
            session,
            caller,
            "rate_plan_mapping.deleted",
            "rate_plan_mapping",
            mapping.id,
            audit_snapshot(mapping, RATE_MAPPING_AUDIT_FIELDS),
            None,
            country_code=hotel.country_code,
        )
        session.delete(mapping)


# --- checking mappings against the OTA ------------------------------------------------------------------------


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


def verify_mappings(caller: Caller, connection_id: int) -> MappingCheck:
    """Compare the connection's mappings with what the OTA reports for its hotel right now."""
    with unit_of_work() as uow:
        connection, _, account = scoped_connection(uow.session, caller, connection_id)
        rooms, _ = ota_repository.room_type_mappings_of(uow.session, connection.id)
        rates, _ = ota_repository.rate_plan_mappings_of(uow.session, connection.id)
        endpoint = ota_access.AccountEndpoint.of(account)
        hotel_id = connection.ota_hotel_id
    found = ota_access.discover_hotels(endpoint, [hotel_id])
    hotel = next((h for h in found.hotels if h.ota_hotel_id == hotel_id), None)
    if hotel is None:
        reason = found.errors[0].message if found.errors else f"it does not report hotel {hotel_id}"
        return MappingCheck(False, endpoint.ota.value, hotel_id, 0, 0, error=reason)
    reported_rooms = {room.ota_room_id for room in hotel.rooms}
    reported_rates = {(room.ota_room_id, plan.ota_rate_plan_id) for room in hotel.rooms for plan in room.rate_plans}
    name = endpoint.ota.display_name
    problems = [
        MappingProblem("room_type", m.id, m.ota_room_id, None, f"{name} reports no room {m.ota_room_id!r}")
        for m, _ in rooms
        if m.ota_room_id not in reported_rooms
    ] + [
        MappingProblem(
            "rate_plan",
            m.id,
            m.ota_room_id,
            m.ota_rate_plan_id,
            f"{name} reports no rate plan {m.ota_rate_plan_id!r} for room {m.ota_room_id!r}",
        )
        for m, _ in rates
        if (m.ota_room_id, m.ota_rate_plan_id) not in reported_rates
    ]
    mapped_rooms = {m.ota_room_id for m, _ in rooms}
    mapped_rates = {(m.ota_room_id, m.ota_rate_plan_id) for m, _ in rates}
    unmapped = [
        MappingProblem("room_type", None, room, None, f"{name} room {room!r} is not mapped")
        for room in sorted(reported_rooms - mapped_rooms)
    ] + [
        MappingProblem("rate_plan", None, room, plan, f"{name} rate plan {plan!r} of room {room!r} is not mapped")
        for room, plan in sorted(reported_rates - mapped_rates)
    ]
    return MappingCheck(
        ok=not problems,
        ota=endpoint.ota.value,
        ota_hotel_id=hotel_id,
        checked_room_types=len(rooms),
        checked_rate_plans=len(rates),
        problems=problems,
        unmapped=unmapped,
    )


# --- the sync engine ---------------------------------------------------------------------------------------------


def mapping_index(connection_id: int) -> MappingIndex:
    """Every mapping of the connection, for lookups both ways (every country: the sync engine)."""
    with unit_of_work() as uow:
        return ota_repository.mapping_index(uow.session, connection_id)
