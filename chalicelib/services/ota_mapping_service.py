"""Room type ↔ OTA room and rate plan ↔ OTA rate plan mappings of a connection; discovery import
as proposed mappings; accepting and rejecting proposals; checking mappings against the OTA.

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
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from chalicelib.db.engine import unit_of_work
from chalicelib.db.models import (
    MappingProposal,
    OtaAccount,
    OtaConnection,
    Property,
    RatePlan,
    RatePlanMapping,
    RoomType,
    RoomTypeMapping,
)
from chalicelib.db.repositories import ota as ota_repository
from chalicelib.domain.access import Caller
from chalicelib.domain.errors import Conflict, DependencyUnavailable, InvalidInput, NotFound
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_mappings import (
    MappingIndex,
    ProposalKind,
    ProposalStatus,
    ProposedMapping,
    propose_mappings,
)
from chalicelib.domain.ota_results import DiscoveredHotel, ErrorKind, SyncError
from chalicelib.services import ota_access
from chalicelib.services.audit_service import audit_snapshot, record_audit
from chalicelib.services.ota_connection_service import (
    ConnectionRecord,
    add_connection,
    body_property,
    check_connectable,
    connection_record,
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


def _room_record(mapping: RoomTypeMapping, room_type: RoomType) -> RoomTypeMappingRecord:
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


def _rate_record(mapping: RatePlanMapping, plan: RatePlan) -> RatePlanMappingRecord:
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


@dataclass(frozen=True)
class ProposalRecord:
    id: int
    connection_id: int
    kind: str
    ota_room_id: str
    ota_room_name: str
    ota_rate_plan_id: str | None
    ota_rate_plan_name: str | None
    room_type_id: int | None
    rate_plan_id: int | None
    match_reason: str | None
    status: str
    decided_at: datetime | None
    decided_by_user_id: int | None
    created_at: datetime
    updated_at: datetime


def _proposal_record(proposal: MappingProposal) -> ProposalRecord:
    return ProposalRecord(
        id=proposal.id,
        connection_id=proposal.connection_id,
        kind=proposal.kind,
        ota_room_id=proposal.ota_room_id,
        ota_room_name=proposal.ota_room_name,
        ota_rate_plan_id=proposal.ota_rate_plan_id,
        ota_rate_plan_name=proposal.ota_rate_plan_name,
        room_type_id=proposal.room_type_id,
        rate_plan_id=proposal.rate_plan_id,
        match_reason=proposal.match_reason,
        status=proposal.status,
        decided_at=proposal.decided_at,
        decided_by_user_id=proposal.decided_by_user_id,
        created_at=proposal.created_at,
        updated_at=proposal.updated_at,
    )


# --- what the OTA reports, for verification ---------------------------------------------------------------


def _ota_hotel(account: OtaAccount, ota_hotel_id: str) -> DiscoveredHotel:
    """The connection's hotel as the OTA reports it now (a real call); errors say why not."""
    found = ota_access.discover_hotels(ota_access.AccountEndpoint.of(account), [ota_hotel_id])
    for hotel in found.hotels:
        if hotel.ota_hotel_id == ota_hotel_id:
            return hotel
    raise _discovery_failure(OtaCode(account.ota_code), ota_hotel_id, found.errors)


def _discovery_failure(ota: OtaCode, ota_hotel_id: str, errors: tuple[SyncError, ...]) -> Exception:
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


def _room_type_of_property(session: Session, hotel: Property, room_type_id: int, field: str) -> RoomType:
    room_type = session.get(RoomType, room_type_id)
    if room_type is None or room_type.property_id != hotel.id:
        raise InvalidInput(
            "No such room type at this property.",
            details=[{"field": field, "message": "not a room type of the connection's property"}],
        )
    return room_type


def _add_room_type_mapping(
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
    with unit_of_work() as uow:
        scoped_connection(uow.session, caller, connection_id)
        rows, total = ota_repository.room_type_mappings_of(uow.session, connection_id, offset=offset, limit=limit)
        return [_room_record(*row) for row in rows], total


def create_room_type_mapping(
    caller: Caller, connection_id: int, *, room_type_id: int, ota_room_id: str, verify_with_ota: bool = False
) -> RoomTypeMappingRecord:
    """Map a room type of the connection's property to the OTA's room id."""
    if verify_with_ota:
        # Our side first (no OTA call for a request we would refuse anyway), then the OTA.
        with unit_of_work() as uow:
            connection, hotel, account = scoped_connection(uow.session, caller, connection_id)
            _room_type_of_property(uow.session, hotel, room_type_id, "body.room_type_id")
            hotel_id = connection.ota_hotel_id
        _require_ota_room(_ota_hotel(account, hotel_id), OtaCode(account.ota_code), ota_room_id, "body.ota_room_id")
    with unit_of_work() as uow:
        session = uow.session
        connection, hotel, _ = scoped_connection(session, caller, connection_id, for_update=True)
        room_type = _room_type_of_property(session, hotel, room_type_id, "body.room_type_id")
        mapping = _add_room_type_mapping(session, caller, connection, hotel, room_type, ota_room_id)
        return _room_record(mapping, room_type)


def _scoped_room_mapping(
    session: Session, caller: Caller, mapping_id: int, *, for_update: bool = False
) -> tuple[RoomTypeMapping, OtaConnection, Property]:
    found = ota_repository.scoped_room_type_mapping(session, mapping_id, caller.scope, for_update=for_update)
    if found is None:
        raise NotFound("No such room type mapping.")
    return found


def get_room_type_mapping(caller: Caller, mapping_id: int) -> RoomTypeMappingRecord:
    with unit_of_work() as uow:
        mapping, _, _ = _scoped_room_mapping(uow.session, caller, mapping_id)
        room_type = uow.session.get(RoomType, mapping.room_type_id)
        assert room_type is not None
        return _room_record(mapping, room_type)


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
        return _room_record(mapping, room_type)


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


def _add_rate_plan_mapping(
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


def _rate_plan_of_property(session: Session, hotel: Property, rate_plan_id: int, field: str) -> RatePlan:
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
    with unit_of_work() as uow:
        scoped_connection(uow.session, caller, connection_id)
        rows, total = ota_repository.rate_plan_mappings_of(uow.session, connection_id, offset=offset, limit=limit)
        return [_rate_record(*row) for row in rows], total


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
            plan = _rate_plan_of_property(uow.session, hotel, rate_plan_id, "body.rate_plan_id")
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
        plan = _rate_plan_of_property(session, hotel, rate_plan_id, "body.rate_plan_id")
        mapping = _add_rate_plan_mapping(
            session, caller, connection, hotel, plan, ota_rate_plan_id, ota_room_id=ota_room_id
        )
        return _rate_record(mapping, plan)


def _scoped_rate_mapping(
    session: Session, caller: Caller, mapping_id: int, *, for_update: bool = False
) -> tuple[RatePlanMapping, OtaConnection, Property]:
    found = ota_repository.scoped_rate_plan_mapping(session, mapping_id, caller.scope, for_update=for_update)
    if found is None:
        raise NotFound("No such rate plan mapping.")
    return found


def get_rate_plan_mapping(caller: Caller, mapping_id: int) -> RatePlanMappingRecord:
    with unit_of_work() as uow:
        mapping, _, _ = _scoped_rate_mapping(uow.session, caller, mapping_id)
        plan = uow.session.get(RatePlan, mapping.rate_plan_id)
        assert plan is not None
        return _rate_record(mapping, plan)


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
        return _rate_record(mapping, plan)


def delete_rate_plan_mapping(caller: Caller, mapping_id: int) -> None:
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


# --- discovery import and proposals ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    connection: ConnectionRecord
    connection_created: bool
    proposals: list[ProposalRecord]
    already_mapped: int  # OTA rooms and rate plans the connection already maps (not proposed again)


def import_discovery(caller: Caller, account_id: int, *, property_id: int, ota_hotel_id: str) -> ImportResult:
    """Ask the OTA what hotel ``ota_hotel_id`` has and propose mappings for the property.

    The connection (property ↔ account, under the hotel id) is created if missing — inactive, to
    be activated once its mappings are accepted. Every OTA room and rate plan not mapped yet gets
    a proposal with the best match among the property's room types and rate plans (or none).
    Importing again refreshes open proposals and leaves decided ones as they are. If the OTA does
    not confirm the hotel, nothing is written.
    """
    with unit_of_work() as uow:
        session = uow.session
        account = ota_repository.scoped_account(session, account_id, caller.scope)
        if account is None:
            raise NotFound("No such OTA account.")
        hotel = body_property(session, caller, property_id)
        _check_import_target(session, hotel, account, ota_hotel_id)
        endpoint = ota_access.AccountEndpoint.of(account)
    found = ota_access.discover_hotels(endpoint, [ota_hotel_id])
    discovered = next((h for h in found.hotels if h.ota_hotel_id == ota_hotel_id), None)
    if discovered is None:
        raise _discovery_failure(endpoint.ota, ota_hotel_id, found.errors)
    with unit_of_work() as uow:
        session = uow.session
        account = ota_repository.scoped_account(session, account_id, caller.scope)
        if account is None:
            raise NotFound("No such OTA account.")
        hotel = body_property(session, caller, property_id)
        _check_import_target(session, hotel, account, ota_hotel_id)
        connection = ota_repository.connection_for_property(session, hotel.id, account.id)
        created = connection is None
        if connection is None:
            connection = add_connection(session, caller, hotel, account, ota_hotel_id, is_active=False)
        existing = ota_repository.existing_mappings(session, connection.id)
        room_types, rate_plans = ota_repository.local_catalogue(session, hotel.id)
        proposed = propose_mappings(discovered, room_types, rate_plans, existing)
        proposals = _store_proposals(session, connection.id, proposed)
        already = len(existing.room_types_by_ota_room) + len(existing.rate_plans_by_ota_rate)
        record_audit(
            session,
            caller,
            "ota_connection.discovery_imported",
            "ota_connection",
            connection.id,
            None,
            {"ota_hotel_id": ota_hotel_id, "proposals": len(proposals), "already_mapped": already},
            country_code=hotel.country_code,
        )
        session.flush()
        session.refresh(connection)
        return ImportResult(
            connection=connection_record(connection, hotel, account),
            connection_created=created,
            proposals=[_proposal_record(p) for p in proposals],
            already_mapped=already,
        )


def _check_import_target(session: Session, hotel: Property, account: OtaAccount, ota_hotel_id: str) -> None:
    connection = ota_repository.connection_for_property(session, hotel.id, account.id)
    if connection is not None and connection.ota_hotel_id != ota_hotel_id:
        raise Conflict(
            f"The property is connected through this account to hotel {connection.ota_hotel_id}, "
            f"not {ota_hotel_id} (connection {connection.id}).",
            details=[
                {"field": "body.ota_hotel_id", "message": f"the property's hotel here is {connection.ota_hotel_id}"}
            ],
        )
    if connection is None:
        check_connectable(session, hotel, account, ota_hotel_id)


def _store_proposals(session: Session, connection_id: int, proposed: list[ProposedMapping]) -> list[MappingProposal]:
    existing = ota_repository.proposals_for_items(
        session, connection_id, [(p.ota_room_id, p.ota_rate_plan_id) for p in proposed]
    )
    stored: list[MappingProposal] = []
    for item in proposed:
        row = existing.get((item.ota_room_id, item.ota_rate_plan_id))
        if row is None:
            row = MappingProposal(
                connection_id=connection_id,
                kind=item.kind.value,
                ota_room_id=item.ota_room_id,
                ota_rate_plan_id=item.ota_rate_plan_id,
                status=ProposalStatus.PROPOSED.value,
            )
            session.add(row)
        row.ota_room_name = item.ota_room_name[:200]
        row.ota_rate_plan_name = item.ota_rate_plan_name[:200] if item.ota_rate_plan_name is not None else None
        if row.status == ProposalStatus.PROPOSED.value:
            row.room_type_id = item.room_type_id
            row.rate_plan_id = item.rate_plan_id
            row.match_reason = item.match_reason.value if item.match_reason else None
        stored.append(row)
    ota_repository.flush_or_conflict(session, "Another import of this hotel ran at the same time: import again.")
    for row in stored:
        session.refresh(row)
    return stored


def list_proposals(
    caller: Caller, connection_id: int, *, status: str | None, offset: int, limit: int
) -> tuple[list[ProposalRecord], int]:
    with unit_of_work() as uow:
        scoped_connection(uow.session, caller, connection_id)
        rows, total = ota_repository.proposals_of(uow.session, connection_id, status=status, offset=offset, limit=limit)
        return [_proposal_record(row) for row in rows], total


def _scoped_proposal(
    session: Session, caller: Caller, proposal_id: int, *, for_update: bool = False
) -> tuple[MappingProposal, OtaConnection, Property]:
    found = ota_repository.scoped_proposal(session, proposal_id, caller.scope, for_update=for_update)
    if found is None:
        raise NotFound("No such mapping proposal.")
    return found


def get_proposal(caller: Caller, proposal_id: int) -> ProposalRecord:
    with unit_of_work() as uow:
        return _proposal_record(_scoped_proposal(uow.session, caller, proposal_id)[0])


@dataclass(frozen=True)
class AcceptedProposal:
    proposal: ProposalRecord
    room_type_mapping: RoomTypeMappingRecord | None = None
    rate_plan_mapping: RatePlanMappingRecord | None = None


def accept_proposal(
    caller: Caller, proposal_id: int, *, room_type_id: int | None = None, rate_plan_id: int | None = None
) -> AcceptedProposal:
    """Turn a proposal into a mapping: the suggested room type / rate plan, or the one given.

    A rate plan proposal needs its OTA room mapped first (accept the room's proposal). A rejected
    proposal may still be accepted (a change of mind); an accepted one cannot be accepted twice.
    """
    with unit_of_work() as uow:
        session = uow.session
        proposal, connection, hotel = _scoped_proposal(session, caller, proposal_id, for_update=True)
        if proposal.status == ProposalStatus.ACCEPTED.value:
            raise Conflict("This proposal has already been accepted.")
        result = _accept(session, caller, proposal, connection, hotel, room_type_id, rate_plan_id)
        return result


def _accept(
    session: Session,
    caller: Caller | None,
    proposal: MappingProposal,
    connection: OtaConnection,
    hotel: Property,
    room_type_id: int | None,
    rate_plan_id: int | None,
) -> AcceptedProposal:
    before = _proposal_audit(proposal)
    room_result: RoomTypeMappingRecord | None = None
    rate_result: RatePlanMappingRecord | None = None
    if proposal.kind == ProposalKind.ROOM_TYPE.value:
        chosen = room_type_id if room_type_id is not None else proposal.room_type_id
        if chosen is None:
            raise InvalidInput(
                f"Nothing of ours was matched to OTA room {proposal.ota_room_id!r}: choose the room type.",
                details=[{"field": "body.room_type_id", "message": "required: the proposal has no suggestion"}],
            )
        room_type = _room_type_of_property(session, hotel, chosen, "body.room_type_id")
        mapping = _add_room_type_mapping(
            session, caller, connection, hotel, room_type, proposal.ota_room_id, ota_room_field="proposal"
        )
        proposal.room_type_id = room_type.id
        room_result = _room_record(mapping, room_type)
    else:
        chosen = rate_plan_id if rate_plan_id is not None else proposal.rate_plan_id
        if chosen is None:
            raise InvalidInput(
                f"Nothing of ours was matched to OTA rate plan {proposal.ota_rate_plan_id!r}: choose the rate plan.",
                details=[{"field": "body.rate_plan_id", "message": "required: the proposal has no suggestion"}],
            )
        plan = _rate_plan_of_property(session, hotel, chosen, "body.rate_plan_id")
        assert proposal.ota_rate_plan_id is not None
        rate_mapping = _add_rate_plan_mapping(
            session, caller, connection, hotel, plan, proposal.ota_rate_plan_id, ota_room_id=proposal.ota_room_id
        )
        proposal.room_type_id, proposal.rate_plan_id = plan.room_type_id, plan.id
        rate_result = _rate_record(rate_mapping, plan)
    _decide(proposal, caller, ProposalStatus.ACCEPTED)
    session.flush()
    record_audit(
        session,
        caller,
        "mapping_proposal.accepted",
        "mapping_proposal",
        proposal.id,
        before,
        _proposal_audit(proposal),
        country_code=hotel.country_code,
    )
    session.refresh(proposal)
    return AcceptedProposal(_proposal_record(proposal), room_result, rate_result)


def reject_proposal(caller: Caller, proposal_id: int) -> ProposalRecord:
    """Set a proposal aside (a re-import leaves it rejected)."""
    with unit_of_work() as uow:
        session = uow.session
        proposal, _, hotel = _scoped_proposal(session, caller, proposal_id, for_update=True)
        if proposal.status != ProposalStatus.PROPOSED.value:
            raise Conflict(f"This proposal is already {proposal.status}.")
        before = _proposal_audit(proposal)
        _decide(proposal, caller, ProposalStatus.REJECTED)
        session.flush()
        record_audit(
            session,
            caller,
            "mapping_proposal.rejected",
            "mapping_proposal",
            proposal.id,
            before,
            _proposal_audit(proposal),
            country_code=hotel.country_code,
        )
        session.refresh(proposal)
        return _proposal_record(proposal)


def accept_all_proposals(caller: Caller, connection_id: int) -> list[AcceptedProposal]:
    """Accept every open proposal of the connection that has a suggestion, rooms before rate plans;
    those that cannot be accepted (no suggestion, something already mapped) stay open."""
    with unit_of_work() as uow:
        session = uow.session
        connection, hotel, _ = scoped_connection(session, caller, connection_id, for_update=True)
        open_proposals, _ = ota_repository.proposals_of(
            session, connection.id, status=ProposalStatus.PROPOSED.value, offset=0, limit=10_000
        )
        accepted: list[AcceptedProposal] = []
        for proposal in sorted(open_proposals, key=lambda p: (p.kind != ProposalKind.ROOM_TYPE.value, p.id)):
            if proposal.room_type_id is None or (
                proposal.kind == ProposalKind.RATE_PLAN.value and proposal.rate_plan_id is None
            ):
                continue
            try:
                with session.begin_nested():
                    accepted.append(_accept(session, caller, proposal, connection, hotel, None, None))
            except (Conflict, InvalidInput):
                continue
        return accepted


def _decide(proposal: MappingProposal, caller: Caller | None, status: ProposalStatus) -> None:
    proposal.status = status.value
    proposal.decided_at = datetime.now(UTC)
    proposal.decided_by_user_id = caller.user_id if caller is not None else None


def _proposal_audit(proposal: MappingProposal) -> dict[str, Any]:
    return audit_snapshot(
        proposal, ("kind", "ota_room_id", "ota_rate_plan_id", "room_type_id", "rate_plan_id", "status")
    )


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
