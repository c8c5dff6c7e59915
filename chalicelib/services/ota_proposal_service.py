"""Discovery imported as proposed mappings, and staff accepting or rejecting them.

``import_discovery`` asks the OTA what a hotel has (a real call, before any write), connects the
property if needed (inactive) and proposes a mapping for every OTA room and rate plan the
connection does not map yet, with the best match among the property's room types and rate plans
(``chalicelib.domain.ota_mappings.propose_mappings``). Accepting a proposal creates the mapping
through the same rules as a mapping made by hand (``ota_mapping_service``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from chalicelib.db.models import MappingProposal, OtaAccount, OtaConnection, Property
from chalicelib.db.repositories import ota as ota_repository
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound
from chalicelib.domain.ota_mappings import ProposalKind, ProposalStatus, ProposedMapping, propose_mappings
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
from chalicelib.services.ota_mapping_service import (
    RatePlanMappingRecord,
    RoomTypeMappingRecord,
    add_rate_plan_mapping,
    add_room_type_mapping,
    discovery_failure,
    rate_mapping_record,
    rate_plan_of_property,
    room_mapping_record,
    room_type_of_property,
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
        raise discovery_failure(endpoint.ota, ota_hotel_id, found.errors)
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
    """The connection's proposals (optionally of one status), rooms before their rate plans."""
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
    """One proposal of a connection in the caller's scope."""
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
        room_type = room_type_of_property(session, hotel, chosen, "body.room_type_id")
        mapping = add_room_type_mapping(
            session, caller, connection, hotel, room_type, proposal.ota_room_id, ota_room_field="proposal"
        )
        proposal.room_type_id = room_type.id
        room_result = room_mapping_record(mapping, room_type)
    else:
        chosen = rate_plan_id if rate_plan_id is not None else proposal.rate_plan_id
        if chosen is None:
            raise InvalidInput(
                f"Nothing of ours was matched to OTA rate plan {proposal.ota_rate_plan_id!r}: choose the rate plan.",
                details=[{"field": "body.rate_plan_id", "message": "required: the proposal has no suggestion"}],
            )
        plan = rate_plan_of_property(session, hotel, chosen, "body.rate_plan_id")
        assert proposal.ota_rate_plan_id is not None
        rate_mapping = add_rate_plan_mapping(
            session, caller, connection, hotel, plan, proposal.ota_rate_plan_id, ota_room_id=proposal.ota_room_id
        )
        proposal.room_type_id, proposal.rate_plan_id = plan.room_type_id, plan.id
        rate_result = rate_mapping_record(rate_mapping, plan)
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
