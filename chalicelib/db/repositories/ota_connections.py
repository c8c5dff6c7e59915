"""Connections, mappings and proposals of one unit of work, as frozen views
(``uow.ota_connections``, ``uow.ota_mappings``, ``uow.mapping_proposals``).

They wrap the queries of :mod:`chalicelib.db.repositories.ota` (which the sync engine still uses
on bare sessions) and turn rows into the views of :mod:`chalicelib.domain.ota_connections`.
Uniqueness races lost at insert become a ``Conflict`` (``flush_or_conflict``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

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
from chalicelib.db.repositories import ota as q
from chalicelib.db.repositories.base import SessionRepository
from chalicelib.db.writing import RowT, flushed, updated
from chalicelib.domain.access import CountryScope
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_connections import (
    AccountRef,
    ConnectionFilters,
    ConnectionRecord,
    ConnectionSettings,
    NewConnectionRow,
    PropertyRef,
    ProposalDraft,
    ProposalRecord,
    RatePlanMappingRecord,
    RatePlanRef,
    RoomTypeMappingRecord,
    RoomTypeRef,
)
from chalicelib.domain.ota_mappings import (
    ExistingMappings,
    LocalRatePlan,
    LocalRoomType,
    MappingIndex,
    ProposalKind,
    ProposalStatus,
)
from chalicelib.domain.views import view_from

if TYPE_CHECKING:
    from chalicelib.services.ota_access import AccountEndpoint


def _named(prefix: str, record: Property | RoomType | RatePlan) -> dict[str, object]:
    """``<prefix>_id``, ``<prefix>_code`` and ``<prefix>_name``: how the views name what a row points at."""
    return {f"{prefix}_{attribute}": getattr(record, attribute) for attribute in ("id", "code", "name")}


def connection_record(connection: OtaConnection, hotel: Property, account: OtaAccount) -> ConnectionRecord:
    return view_from(
        ConnectionRecord,
        connection,
        **_named("property", hotel),
        country_code=hotel.country_code,
        ota_account_id=account.id,
        account_name=account.name,
        **OtaCode(account.ota_code).view_fields(),
    )


def room_mapping_record(mapping: RoomTypeMapping, room_type: RoomType) -> RoomTypeMappingRecord:
    return view_from(RoomTypeMappingRecord, mapping, **_named("room_type", room_type))


def rate_mapping_record(mapping: RatePlanMapping, plan: RatePlan) -> RatePlanMappingRecord:
    return view_from(RatePlanMappingRecord, mapping, **_named("rate_plan", plan))


def _stored(session: Session, row: RowT, conflict_message: str) -> RowT:
    """``row`` added (or changed), flushed -- a uniqueness race lost is a Conflict -- and read back."""
    session.add(row)
    q.flush_or_conflict(session, conflict_message)
    session.refresh(row)
    return row


def proposal_record(proposal: MappingProposal) -> ProposalRecord:
    return view_from(ProposalRecord, proposal)


class SqlOtaConnectionRepository(SessionRepository):
    """Connections with their property and account; properties and accounts named in requests."""

    def get(self, connection_id: int, scope: CountryScope, *, for_update: bool = False) -> ConnectionRecord | None:
        found = q.scoped_connection(self._session, connection_id, scope, for_update=for_update)
        return connection_record(*found) if found else None

    def page(
        self, scope: CountryScope, filters: ConnectionFilters, *, offset: int, limit: int
    ) -> tuple[list[ConnectionRecord], int]:
        rows, total = q.list_connections(self._session, scope, filters, offset=offset, limit=limit)
        return [connection_record(*row) for row in rows], total

    def property(self, property_id: int, scope: CountryScope) -> PropertyRef | None:
        hotel = q.scoped_property(self._session, property_id, scope)
        if hotel is None:
            return None
        return PropertyRef(hotel.id, hotel.code, hotel.name, hotel.country_code, hotel.status)

    def account(self, account_id: int, scope: CountryScope) -> AccountRef | None:
        account = q.scoped_account(self._session, account_id, scope)
        if account is None:
            return None
        return AccountRef(account.id, account.ota_code, account.name, account.country_code, account.status)

    def endpoint(self, account_id: int) -> AccountEndpoint:
        """What calling the OTA through the account needs (its envelope stays sealed)."""
        from chalicelib.services.ota_access import AccountEndpoint  # services import this module

        account = self._session.get(OtaAccount, account_id)
        assert account is not None
        return AccountEndpoint.of(account)

    def connection_for_hotel(self, account_id: int, ota_hotel_id: str) -> int | None:
        found = q.connection_for_hotel(self._session, account_id, ota_hotel_id)
        return found.id if found else None

    def connection_for_property(self, property_id: int, account_id: int) -> ConnectionRecord | None:
        found = q.connection_for_property(self._session, property_id, account_id)
        return self.get(found.id, CountryScope.everywhere()) if found else None

    def property_connection_to_ota(
        self, property_id: int, ota_code: str, *, except_connection_id: int | None = None
    ) -> tuple[int, str] | None:
        """(connection id, account name) of the property's connection to ``ota_code``, if any."""
        found = q.property_connection_to_ota(
            self._session, property_id, ota_code, except_connection_id=except_connection_id
        )
        return (found[0].id, found[1].name) if found else None

    def add(self, new: NewConnectionRow, *, conflict_message: str) -> ConnectionRecord:
        connection = _stored(self._session, OtaConnection(**asdict(new)), conflict_message)
        found = self.get(connection.id, CountryScope.everywhere())
        assert found is not None
        return found

    def update(self, connection_id: int, settings: ConnectionSettings) -> ConnectionRecord:
        updated(self._session, OtaConnection, connection_id, asdict(settings))
        found = self.get(connection_id, CountryScope.everywhere())
        assert found is not None
        return found

    def delete(self, connection_id: int) -> None:
        self._session.delete(self._session.get_one(OtaConnection, connection_id))


class SqlOtaMappingRepository(SessionRepository):
    """Room type and rate plan mappings of connections, and what they point at."""

    def room_type(self, room_type_id: int) -> RoomTypeRef | None:
        room_type = self._session.get(RoomType, room_type_id)
        return RoomTypeRef(room_type.id, room_type.property_id, room_type.code, room_type.name) if room_type else None

    def rate_plan(self, rate_plan_id: int) -> RatePlanRef | None:
        plan = self._session.get(RatePlan, rate_plan_id)
        room_type = self._session.get(RoomType, plan.room_type_id) if plan else None
        if plan is None or room_type is None:
            return None
        return RatePlanRef(plan.id, plan.room_type_id, room_type.property_id, plan.code, plan.name)

    def room_mappings(
        self, connection_id: int, *, offset: int = 0, limit: int | None = None
    ) -> tuple[list[RoomTypeMappingRecord], int]:
        rows, total = q.mappings_of(self._session, RoomTypeMapping, RoomType, connection_id, offset=offset, limit=limit)
        return [room_mapping_record(*row) for row in rows], total

    def rate_mappings(
        self, connection_id: int, *, offset: int = 0, limit: int | None = None
    ) -> tuple[list[RatePlanMappingRecord], int]:
        rows, total = q.mappings_of(self._session, RatePlanMapping, RatePlan, connection_id, offset=offset, limit=limit)
        return [rate_mapping_record(*row) for row in rows], total

    def scoped_room_mapping(
        self, mapping_id: int, scope: CountryScope, *, for_update: bool = False
    ) -> RoomTypeMappingRecord | None:
        found = q.scoped_child(self._session, RoomTypeMapping, mapping_id, scope, for_update=for_update)
        return self._room_record(found[0]) if found else None

    def scoped_rate_mapping(
        self, mapping_id: int, scope: CountryScope, *, for_update: bool = False
    ) -> RatePlanMappingRecord | None:
        found = q.scoped_child(self._session, RatePlanMapping, mapping_id, scope, for_update=for_update)
        return self._rate_record(found[0]) if found else None

    def room_mapping_for_room_type(self, connection_id: int, room_type_id: int) -> RoomTypeMappingRecord | None:
        found = q.room_type_mapping_by_room_type(self._session, connection_id, room_type_id)
        return self._room_record(found) if found else None

    def room_mapping_for_ota_room(self, connection_id: int, ota_room_id: str) -> RoomTypeMappingRecord | None:
        found = q.room_type_mapping_by_ota_room(self._session, connection_id, ota_room_id)
        return self._room_record(found) if found else None

    def rate_mapping_for_rate_plan(self, connection_id: int, rate_plan_id: int) -> RatePlanMappingRecord | None:
        found = q.rate_plan_mapping_by_rate_plan(self._session, connection_id, rate_plan_id)
        return self._rate_record(found) if found else None

    def rate_mapping_for_ota_rate(
        self, connection_id: int, ota_room_id: str, ota_rate_plan_id: str
    ) -> RatePlanMappingRecord | None:
        found = q.rate_plan_mapping_by_ota_rate(self._session, connection_id, ota_room_id, ota_rate_plan_id)
        return self._rate_record(found) if found else None

    def add_room_mapping(
        self, connection_id: int, room_type_id: int, ota_room_id: str, *, conflict_message: str
    ) -> RoomTypeMappingRecord:
        mapping = RoomTypeMapping(connection_id=connection_id, room_type_id=room_type_id, ota_room_id=ota_room_id)
        return self._room_record(_stored(self._session, mapping, conflict_message))

    def move_room_mapping(self, mapping_id: int, ota_room_id: str, *, conflict_message: str) -> RoomTypeMappingRecord:
        """Point the mapping at another OTA room (ON UPDATE CASCADE moves its rate plan mappings along)."""
        mapping = self._session.get_one(RoomTypeMapping, mapping_id)
        mapping.ota_room_id = ota_room_id
        return self._room_record(_stored(self._session, mapping, conflict_message))

    def delete_room_mapping(self, mapping_id: int) -> None:
        self._session.delete(self._session.get_one(RoomTypeMapping, mapping_id))

    def add_rate_mapping(
        self,
        connection_id: int,
        plan: RatePlanRef,
        ota_room_id: str,
        ota_rate_plan_id: str,
        *,
        conflict_message: str,
    ) -> RatePlanMappingRecord:
        mapping = RatePlanMapping(
            connection_id=connection_id,
            room_type_id=plan.room_type_id,
            rate_plan_id=plan.id,
            ota_room_id=ota_room_id,
            ota_rate_plan_id=ota_rate_plan_id,
        )
        return self._rate_record(_stored(self._session, mapping, conflict_message))

    def move_rate_mapping(
        self, mapping_id: int, ota_rate_plan_id: str, *, conflict_message: str
    ) -> RatePlanMappingRecord:
        mapping = self._session.get_one(RatePlanMapping, mapping_id)
        mapping.ota_rate_plan_id = ota_rate_plan_id
        return self._rate_record(_stored(self._session, mapping, conflict_message))

    def delete_rate_mapping(self, mapping_id: int) -> None:
        self._session.delete(self._session.get_one(RatePlanMapping, mapping_id))

    def existing(self, connection_id: int) -> ExistingMappings:
        return q.existing_mappings(self._session, connection_id)

    def index(self, connection_id: int) -> MappingIndex:
        return q.mapping_index(self._session, connection_id)

    def catalogue(self, property_id: int) -> tuple[list[LocalRoomType], list[LocalRatePlan]]:
        return q.local_catalogue(self._session, property_id)

    def _room_record(self, mapping: RoomTypeMapping) -> RoomTypeMappingRecord:
        room_type = self._session.get(RoomType, mapping.room_type_id)
        assert room_type is not None
        return room_mapping_record(mapping, room_type)

    def _rate_record(self, mapping: RatePlanMapping) -> RatePlanMappingRecord:
        plan = self._session.get(RatePlan, mapping.rate_plan_id)
        assert plan is not None
        return rate_mapping_record(mapping, plan)


class SqlMappingProposalRepository(SessionRepository):
    """Proposed mappings of connections (from discovery) and staff decisions on them."""

    def get(self, proposal_id: int, scope: CountryScope, *, for_update: bool = False) -> ProposalRecord | None:
        found = q.scoped_child(self._session, MappingProposal, proposal_id, scope, for_update=for_update)
        return proposal_record(found[0]) if found else None

    def page(
        self, connection_id: int, *, status: str | None, offset: int, limit: int
    ) -> tuple[list[ProposalRecord], int]:
        rows, total = q.proposals_of(self._session, connection_id, status=status, offset=offset, limit=limit)
        return [proposal_record(row) for row in rows], total

    def for_items(
        self, connection_id: int, items: Sequence[tuple[str, str | None]]
    ) -> dict[tuple[str, str | None], ProposalRecord]:
        found = q.proposals_for_items(self._session, connection_id, items)
        return {key: proposal_record(row) for key, row in found.items()}

    def save(
        self, connection_id: int, drafts: Sequence[ProposalDraft], *, conflict_message: str
    ) -> list[ProposalRecord]:
        """Insert the new drafts and update the others; all of them, in order, as stored."""
        rows: list[MappingProposal] = []
        for draft in drafts:
            row = self._session.get(MappingProposal, draft.id) if draft.id is not None else None
            if row is None:
                row = MappingProposal(
                    connection_id=connection_id, kind=ProposalKind(draft.kind), ota_room_id=draft.ota_room_id
                )
                self._session.add(row)
            row.ota_rate_plan_id = draft.ota_rate_plan_id
            row.ota_room_name = draft.ota_room_name
            row.ota_rate_plan_name = draft.ota_rate_plan_name
            row.room_type_id = draft.room_type_id
            row.rate_plan_id = draft.rate_plan_id
            row.match_reason = draft.match_reason
            row.status = ProposalStatus(draft.status)
            rows.append(row)
        q.flush_or_conflict(self._session, conflict_message)
        for row in rows:
            self._session.refresh(row)
        return [proposal_record(row) for row in rows]

    def decide(
        self,
        proposal_id: int,
        *,
        status: str,
        decided_at: datetime,
        decided_by_user_id: int | None,
        room_type_id: int | None,
        rate_plan_id: int | None,
    ) -> ProposalRecord:
        row = self._session.get(MappingProposal, proposal_id)
        assert row is not None
        row.status = ProposalStatus(status)
        row.decided_at = decided_at
        row.decided_by_user_id = decided_by_user_id
        row.room_type_id = room_type_id
        row.rate_plan_id = rate_plan_id
        return proposal_record(flushed(self._session, row))
