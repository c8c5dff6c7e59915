"""Discovery imported as proposed mappings, and staff accepting or rejecting them.

``import_discovery`` asks the OTA what a hotel has (a real call, before any write), connects the
property if needed (inactive) and proposes a mapping for every OTA room and rate plan the
connection does not map yet, with the best match among the property's room types and rate plans
(``chalicelib.domain.ota_mappings.propose_mappings``). Accepting a proposal creates the mapping
through the same rules as a mapping made by hand (``ota_mapping_service``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller
from chalicelib.domain.errors import Conflict, InvalidInput, existing
from chalicelib.domain.ota_connections import (
    AccountRef,
    ConnectionRecord,
    PropertyRef,
    ProposalDraft,
    ProposalRecord,
    RatePlanMappingRecord,
    RoomTypeMappingRecord,
)
from chalicelib.domain.ota_mappings import ProposalKind, ProposalStatus, ProposedMapping, propose_mappings
from chalicelib.services import ota_access
from chalicelib.services.audit_service import audit_entry, audit_snapshot
from chalicelib.services.ota_connection_service import (
    HotelDiscovery,
    add_connection,
    body_property,
    check_connectable,
    scoped_connection,
)
from chalicelib.services.ota_mapping_service import (
    add_rate_plan_mapping,
    add_room_type_mapping,
    discovery_failure,
    rate_plan_of_property,
    room_type_of_property,
)
from chalicelib.services.ports import UnitOfWork, UnitOfWorkFactory

__all__ = [
    "AcceptedProposal",
    "ImportResult",
    "ProposalRecord",
    "accept_all_proposals",
    "accept_proposal",
    "get_proposal",
    "import_discovery",
    "list_proposals",
    "reject_proposal",
]

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


# --- discovery import and proposals ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    connection: ConnectionRecord
    connection_created: bool
    proposals: list[ProposalRecord]
    already_mapped: int  # OTA rooms and rate plans the connection already maps (not proposed again)


def import_discovery(
    caller: Caller,
    account_id: int,
    *,
    property_id: int,
    ota_hotel_id: str,
    uow: UnitOfWorkFactory = unit_of_work,
    discover: HotelDiscovery = ota_access.discover_hotels,
    now: Clock = _utcnow,
) -> ImportResult:
    """Ask the OTA what hotel ``ota_hotel_id`` has and propose mappings for the property.

    The connection (property ↔ account, under the hotel id) is created if missing — inactive, to
    be activated once its mappings are accepted. Every OTA room and rate plan not mapped yet gets
    a proposal with the best match among the property's room types and rate plans (or none).
    Importing again refreshes open proposals and leaves decided ones as they are. If the OTA does
    not confirm the hotel, nothing is written.
    """
    with uow() as work:
        account, hotel = _import_target(work, caller, account_id, property_id, ota_hotel_id)
        endpoint = work.ota_connections.endpoint(account.id)
    found = discover(endpoint, [ota_hotel_id])
    discovered = next((h for h in found.hotels if h.ota_hotel_id == ota_hotel_id), None)
    if discovered is None:
        raise discovery_failure(endpoint.ota, ota_hotel_id, found.errors)
    with uow() as work:
        account, hotel = _import_target(work, caller, account_id, property_id, ota_hotel_id)
        connection = work.ota_connections.connection_for_property(hotel.id, account.id)
        created = connection is None
        if connection is None:
            connection = add_connection(work, caller, hotel, account, ota_hotel_id, is_active=False, now=now())
        existing = work.ota_mappings.existing(connection.id)
        room_types, rate_plans = work.ota_mappings.catalogue(hotel.id)
        proposed = propose_mappings(discovered, room_types, rate_plans, existing)
        proposals = _store_proposals(work, connection.id, proposed)
        already = len(existing.room_types_by_ota_room) + len(existing.rate_plans_by_ota_rate)
        work.audit.add(
            audit_entry(
                caller,
                "ota_connection.discovery_imported",
                "ota_connection",
                connection.id,
                None,
                {"ota_hotel_id": ota_hotel_id, "proposals": len(proposals), "already_mapped": already},
                country_code=hotel.country_code,
            )
        )
        return ImportResult(
            connection=scoped_connection(work, caller, connection.id),
            connection_created=created,
            proposals=proposals,
            already_mapped=already,
        )


def _import_target(
    work: UnitOfWork, caller: Caller, account_id: int, property_id: int, ota_hotel_id: str
) -> tuple[AccountRef, PropertyRef]:
    account = existing(work.ota_connections.account(account_id, caller.scope), "No such OTA account.")
    hotel = body_property(work, caller, property_id)
    connection = work.ota_connections.connection_for_property(hotel.id, account.id)
    if connection is not None and connection.ota_hotel_id != ota_hotel_id:
        raise Conflict(
            f"The property is connected through this account to hotel {connection.ota_hotel_id}, "
            f"not {ota_hotel_id} (connection {connection.id}).",
            details=[{"field": "ota_hotel_id", "message": f"the property's hotel here is {connection.ota_hotel_id}"}],
        )
    if connection is None:
        check_connectable(work, hotel.id, account.id, account.ota_code, ota_hotel_id)
    return account, hotel


def _store_proposals(work: UnitOfWork, connection_id: int, proposed: list[ProposedMapping]) -> list[ProposalRecord]:
    """New proposals for new OTA items; open ones refreshed; decided ones keep their decision."""
    existing = work.mapping_proposals.for_items(connection_id, [(p.ota_room_id, p.ota_rate_plan_id) for p in proposed])
    drafts = []
    for item in proposed:
        found = existing.get((item.ota_room_id, item.ota_rate_plan_id))
        still_open = found is None or found.status == ProposalStatus.PROPOSED.value
        drafts.append(
            ProposalDraft(
                id=found.id if found else None,
                kind=found.kind if found else item.kind.value,
                ota_room_id=item.ota_room_id,
                ota_room_name=item.ota_room_name[:200],
                ota_rate_plan_id=item.ota_rate_plan_id,
                ota_rate_plan_name=item.ota_rate_plan_name[:200] if item.ota_rate_plan_name is not None else None,
                room_type_id=item.room_type_id if still_open or found is None else found.room_type_id,
                rate_plan_id=item.rate_plan_id if still_open or found is None else found.rate_plan_id,
                match_reason=(item.match_reason.value if item.match_reason else None)
                if still_open or found is None
                else found.match_reason,
                status=found.status if found else ProposalStatus.PROPOSED.value,
            )
        )
    return work.mapping_proposals.save(
        connection_id, drafts, conflict_message="Another import of this hotel ran at the same time: import again."
    )


def list_proposals(
    caller: Caller,
    connection_id: int,
    *,
    status: str | None,
    offset: int,
    limit: int,
    uow: UnitOfWorkFactory = unit_of_work,
) -> tuple[list[ProposalRecord], int]:
    """The connection's proposals (optionally of one status), rooms before their rate plans."""
    with uow() as work:
        scoped_connection(work, caller, connection_id)
        return work.mapping_proposals.page(connection_id, status=status, offset=offset, limit=limit)


def _scoped_proposal(work: UnitOfWork, caller: Caller, proposal_id: int, *, for_update: bool = False) -> ProposalRecord:
    return existing(
        work.mapping_proposals.get(proposal_id, caller.scope, for_update=for_update), "No such mapping proposal."
    )


def get_proposal(caller: Caller, proposal_id: int, *, uow: UnitOfWorkFactory = unit_of_work) -> ProposalRecord:
    """One proposal of a connection in the caller's scope."""
    with uow() as work:
        return _scoped_proposal(work, caller, proposal_id)


@dataclass(frozen=True)
class AcceptedProposal:
    proposal: ProposalRecord
    room_type_mapping: RoomTypeMappingRecord | None = None
    rate_plan_mapping: RatePlanMappingRecord | None = None


def accept_proposal(
    caller: Caller,
    proposal_id: int,
    *,
    room_type_id: int | None = None,
    rate_plan_id: int | None = None,
    uow: UnitOfWorkFactory = unit_of_work,
    now: Clock = _utcnow,
) -> AcceptedProposal:
    """Turn a proposal into a mapping: the suggested room type / rate plan, or the one given.

    A rate plan proposal needs its OTA room mapped first (accept the room's proposal). A rejected
    proposal may still be accepted (a change of mind); an accepted one cannot be accepted twice.
    """
    with uow() as work:
        proposal = _scoped_proposal(work, caller, proposal_id, for_update=True)
        if proposal.status == ProposalStatus.ACCEPTED.value:
            raise Conflict("This proposal has already been accepted.")
        connection = work.ota_connections.get(proposal.connection_id, caller.scope)
        assert connection is not None
        return _accept(work, caller, proposal, connection, room_type_id, rate_plan_id, now())


def _chosen(given: int | None, suggested: int | None, field: str, ota_item: str) -> int:
    """The id the caller gave in ``field``, else the proposal's suggestion; neither is a 422."""
    chosen = given if given is not None else suggested
    if chosen is None:
        noun = field.removesuffix("_id").replace("_", " ")
        raise InvalidInput(
            f"Nothing of ours was matched to {ota_item}: choose the {noun}.",
            details=[{"field": field, "message": "required: the proposal has no suggestion"}],
        )
    return chosen


def _accept(
    work: UnitOfWork,
    caller: Caller | None,
    proposal: ProposalRecord,
    connection: ConnectionRecord,
    room_type_id: int | None,
    rate_plan_id: int | None,
    moment: datetime,
) -> AcceptedProposal:
    room_result: RoomTypeMappingRecord | None = None
    rate_result: RatePlanMappingRecord | None = None
    if proposal.kind == ProposalKind.ROOM_TYPE.value:
        chosen = _chosen(room_type_id, proposal.room_type_id, "room_type_id", f"OTA room {proposal.ota_room_id!r}")
        room_type = room_type_of_property(work, connection.property_id, chosen, "room_type_id")
        room_result = add_room_type_mapping(
            work, caller, connection, room_type, proposal.ota_room_id, ota_room_field="proposal_id"
        )
        mapped_room_type, mapped_rate_plan = room_type.id, proposal.rate_plan_id
    else:
        chosen = _chosen(
            rate_plan_id, proposal.rate_plan_id, "rate_plan_id", f"OTA rate plan {proposal.ota_rate_plan_id!r}"
        )
        plan = rate_plan_of_property(work, connection.property_id, chosen, "rate_plan_id")
        assert proposal.ota_rate_plan_id is not None
        rate_result = add_rate_plan_mapping(
            work, caller, connection, plan, proposal.ota_rate_plan_id, ota_room_id=proposal.ota_room_id
        )
        mapped_room_type, mapped_rate_plan = plan.room_type_id, plan.id
    accepted = _decide(work, proposal, caller, ProposalStatus.ACCEPTED, moment, mapped_room_type, mapped_rate_plan)
    _audit_decision(work, caller, "mapping_proposal.accepted", proposal, accepted, connection.country_code)
    return AcceptedProposal(accepted, room_result, rate_result)


def reject_proposal(
    caller: Caller, proposal_id: int, *, uow: UnitOfWorkFactory = unit_of_work, now: Clock = _utcnow
) -> ProposalRecord:
    """Set a proposal aside (a re-import leaves it rejected)."""
    with uow() as work:
        proposal = _scoped_proposal(work, caller, proposal_id, for_update=True)
        if proposal.status != ProposalStatus.PROPOSED.value:
            raise Conflict(f"This proposal is already {proposal.status}.")
        connection = work.ota_connections.get(proposal.connection_id, caller.scope)
        assert connection is not None
        rejected = _decide(
            work, proposal, caller, ProposalStatus.REJECTED, now(), proposal.room_type_id, proposal.rate_plan_id
        )
        _audit_decision(work, caller, "mapping_proposal.rejected", proposal, rejected, connection.country_code)
        return rejected


def accept_all_proposals(
    caller: Caller, connection_id: int, *, uow: UnitOfWorkFactory = unit_of_work, now: Clock = _utcnow
) -> list[AcceptedProposal]:
    """Accept every open proposal of the connection that has a suggestion, rooms before rate plans;
    those that cannot be accepted (no suggestion, something already mapped) stay open."""
    with uow() as work:
        connection = scoped_connection(work, caller, connection_id, for_update=True)
        open_proposals, _ = work.mapping_proposals.page(
            connection.id, status=ProposalStatus.PROPOSED.value, offset=0, limit=10_000
        )
        accepted: list[AcceptedProposal] = []
        moment = now()
        for proposal in sorted(open_proposals, key=lambda p: (p.kind != ProposalKind.ROOM_TYPE.value, p.id)):
            if proposal.room_type_id is None or (
                proposal.kind == ProposalKind.RATE_PLAN.value and proposal.rate_plan_id is None
            ):
                continue
            try:
                with work.savepoint():
                    accepted.append(_accept(work, caller, proposal, connection, None, None, moment))
            except (Conflict, InvalidInput):
                continue
        return accepted


def _decide(
    work: UnitOfWork,
    proposal: ProposalRecord,
    caller: Caller | None,
    status: ProposalStatus,
    moment: datetime,
    room_type_id: int | None,
    rate_plan_id: int | None,
) -> ProposalRecord:
    return work.mapping_proposals.decide(
        proposal.id,
        status=status.value,
        decided_at=moment,
        decided_by_user_id=caller.user_id if caller is not None else None,
        room_type_id=room_type_id,
        rate_plan_id=rate_plan_id,
    )


def _audit_decision(
    work: UnitOfWork,
    caller: Caller | None,
    action: str,
    before: ProposalRecord,
    after: ProposalRecord,
    country_code: str,
) -> None:
    work.audit.add(
        audit_entry(
            caller, action, "mapping_proposal", before.id, _proposal_audit(before), _proposal_audit(after),
            country_code=country_code,
        )
    )  # fmt: skip


def _proposal_audit(proposal: ProposalRecord) -> dict[str, Any]:
    return audit_snapshot(
        proposal, ("kind", "ota_room_id", "ota_rate_plan_id", "room_type_id", "rate_plan_id", "status")
    )
