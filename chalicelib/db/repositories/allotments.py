"""Agencies, contracts (with seasons, release steps, versions), allotment events and per-night state
(``uow.allotments``). An agency is scoped by its own country; a contract by its property's country
(copied onto the contract) and its agency's; for an agency's account, by that agency alone."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal_column, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from chalicelib.db.filtering import containing, where_equal
from chalicelib.db.models import (
    Agency,
    AgencyContract,
    AllotmentEventRecord,
    AllotmentNightState,
    ContractReleaseStep,
    ContractSeason,
    ContractVersion,
)
from chalicelib.db.pagination import paginate
from chalicelib.db.repositories.calendar import mask_to_weekdays, weekdays_to_mask
from chalicelib.db.scoping import in_scope
from chalicelib.domain.access import CountryScope
from chalicelib.domain.alerts import AllotmentOnNight
from chalicelib.domain.allotment_records import (
    AGENCY_FIELDS,
    AgencyFilters,
    AgencyRecord,
    ContractFilters,
    ContractRecord,
    EventRecord,
    SeasonSpec,
    event_from_payload,
    event_payload,
)
from chalicelib.domain.allotments import AllotmentEvent, ReleaseStep
from chalicelib.domain.views import view_from

CellKey = tuple[int, int, date]
"""(contract id, room type id, night)."""


def agency_record(row: Agency) -> AgencyRecord:
    return AgencyRecord(
        id=row.id,
        **{name: getattr(row, name) for name in AGENCY_FIELDS},
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def agency_scope(scope: CountryScope) -> tuple[ColumnElement[bool], ...]:
    """The conditions an agency meets in ``scope``: its country, and for an agency's account its id."""
    if scope.agency_id is not None:
        return (Agency.id == scope.agency_id,)
    return (in_scope(Agency.country_code, scope),)


def _agency_query(scope: CountryScope, filters: AgencyFilters) -> Select[Any]:
    statement = select(Agency).where(*agency_scope(scope))
    if filters.country_code is not None:
        statement = statement.where(Agency.country_code == filters.country_code)
    if filters.status is not None:
        statement = statement.where(Agency.status == filters.status)
    if filters.search:
        pattern = containing(filters.search.strip())
        statement = statement.where(
            or_(
                Agency.code.ilike(pattern),
                Agency.name.ilike(pattern),
                Agency.contact_name.ilike(pattern),
                Agency.email.ilike(pattern),
            )
        )
    return statement.order_by(func.lower(Agency.name), Agency.id)


def contract_scope(scope: CountryScope) -> tuple[ColumnElement[bool], ...]:
    """The conditions a contract (joined with its agency) meets in ``scope``: its property's country
    and its agency's country both in scope; for an agency's account, its agency is the caller's
    (for anything scoped like a contract: allotments, agency bookings, sale orders)."""
    if scope.agency_id is not None:
        return (AgencyContract.agency_id == scope.agency_id,)
    return in_scope(AgencyContract.country_code, scope), in_scope(Agency.country_code, scope)


def _contract_query(scope: CountryScope) -> Select[Any]:
    """Contracts whose property's country and whose agency's country are both in scope."""
    return select(AgencyContract).join(Agency, Agency.id == AgencyContract.agency_id).where(*contract_scope(scope))


class SqlAllotmentRepository:
    """Agencies, contracts, allotment events and allotment nights of one unit of work."""

    def __init__(self, session: Session) -> None:
        self._session = session

    # --- agencies ------------------------------------------------------------------------------

    def agency_page(
        self, scope: CountryScope, filters: AgencyFilters, *, offset: int, limit: int
    ) -> tuple[list[AgencyRecord], int]:
        rows, total = paginate(self._session, _agency_query(scope, filters), offset=offset, limit=limit)
        return [agency_record(row[0]) for row in rows], total

    def get_agency(self, scope: CountryScope, agency_id: int, *, for_update: bool = False) -> AgencyRecord | None:
        statement = select(Agency).where(Agency.id == agency_id, *agency_scope(scope))
        if for_update:
            statement = statement.with_for_update()
        row = self._session.scalar(statement)
        return None if row is None else agency_record(row)

    def add_agency(self, fields: Mapping[str, Any]) -> AgencyRecord:
        row = Agency(**fields)
        self._session.add(row)
        self._session.flush()
        self._session.refresh(row)
        return agency_record(row)

    def update_agency(self, agency_id: int, changes: Mapping[str, Any]) -> AgencyRecord:
        row = self._session.get_one(Agency, agency_id)
        for name, value in changes.items():
            setattr(row, name, value)
        self._session.flush()
        self._session.refresh(row)
        return agency_record(row)

    def delete_agency(self, agency_id: int) -> None:
        self._session.delete(self._session.get_one(Agency, agency_id))
        self._session.flush()

    def agency_has_contracts(self, agency_id: int) -> bool:
        found = self._session.scalar(select(AgencyContract.id).where(AgencyContract.agency_id == agency_id).limit(1))
        return found is not None

    # --- contracts -----------------------------------------------------------------------------

    def _contract_records(self, rows: Sequence[AgencyContract]) -> list[ContractRecord]:
        """Contracts with their seasons and release steps: two queries whatever the number of contracts."""
        ids = [row.id for row in rows]
        seasons: dict[int, list[SeasonSpec]] = {contract_id: [] for contract_id in ids}
        steps: dict[int, list[ReleaseStep]] = {contract_id: [] for contract_id in ids}
        if ids:
            for season in self._session.scalars(
                select(ContractSeason).where(ContractSeason.contract_id.in_(ids)).order_by(ContractSeason.id)
            ):
                seasons[season.contract_id].append(
                    view_from(SeasonSpec, season, weekdays=mask_to_weekdays(season.weekdays))
                )
            for step in self._session.scalars(
                select(ContractReleaseStep)
                .where(ContractReleaseStep.contract_id.in_(ids))
                .order_by(ContractReleaseStep.days_before.desc())
            ):
                steps[step.contract_id].append(ReleaseStep(step.days_before, step.rooms_kept))
        return [
            view_from(ContractRecord, row, seasons=tuple(seasons[row.id]), release_steps=tuple(steps[row.id]))
            for row in rows
        ]

    def _contract_record(self, row: AgencyContract) -> ContractRecord:
        return self._contract_records([row])[0]

    def contract_page(
        self, scope: CountryScope, filters: ContractFilters, *, offset: int, limit: int
    ) -> tuple[list[ContractRecord], int]:
        statement = where_equal(
            _contract_query(scope),
            (AgencyContract.agency_id, filters.agency_id),
            (AgencyContract.property_id, filters.property_id),
            (AgencyContract.status, filters.status),
        )
        if filters.q:
            query = func.websearch_to_tsquery(literal_column("'simple'::regconfig"), filters.q)
            statement = statement.where(AgencyContract.search_vector.op("@@")(query)).order_by(
                func.ts_rank_cd(AgencyContract.search_vector, query).desc(), AgencyContract.id
            )
        else:
            statement = statement.order_by(AgencyContract.id)
        rows, total = paginate(self._session, statement, offset=offset, limit=limit)
        return self._contract_records([row[0] for row in rows]), total

    def get_contract(self, scope: CountryScope, contract_id: int, *, for_update: bool = False) -> ContractRecord | None:
        statement = _contract_query(scope).where(AgencyContract.id == contract_id)
        if for_update:
            statement = statement.with_for_update(of=AgencyContract)
        row = self._session.scalar(statement)
        return None if row is None else self._contract_record(row)

    def contracts_of_property(self, property_id: int) -> list[ContractRecord]:
        rows = self._session.scalars(
            select(AgencyContract).where(AgencyContract.property_id == property_id).order_by(AgencyContract.id)
        )
        return self._contract_records(list(rows))

    def properties_with_contracts(self, scope: CountryScope | None = None) -> list[int]:
        statement = select(AgencyContract.property_id).distinct().order_by(AgencyContract.property_id)
        if scope is not None:
            statement = statement.join(Agency, Agency.id == AgencyContract.agency_id).where(*contract_scope(scope))
        return list(self._session.scalars(statement))

    def add_contract(self, fields: Mapping[str, Any]) -> ContractRecord:
        row = AgencyContract(**fields)
        self._session.add(row)
        self._session.flush()
        self._session.refresh(row)
        return self._contract_record(row)

    def update_contract(self, contract_id: int, changes: Mapping[str, Any]) -> ContractRecord:
        row = self._session.get_one(AgencyContract, contract_id)
        for name, value in changes.items():
            setattr(row, name, value)
        self._session.flush()
        self._session.refresh(row)
        return self._contract_record(row)

    def replace_terms(
        self, contract_id: int, seasons: Sequence[SeasonSpec] | None, steps: Sequence[ReleaseStep] | None
    ) -> None:
        """Replace the seasons and/or release steps (``None`` leaves them as they are)."""
        if seasons is not None:
            for old in self._session.scalars(select(ContractSeason).where(ContractSeason.contract_id == contract_id)):
                self._session.delete(old)
            self._session.add_all(
                ContractSeason(
                    contract_id=contract_id,
                    room_type_id=spec.room_type_id,
                    date_from=spec.date_from,
                    date_to=spec.date_to,
                    weekdays=weekdays_to_mask(spec.weekdays),
                    rooms=spec.rooms,
                    rate=spec.rate,
                    min_stay=spec.min_stay,
                )
                for spec in seasons
            )
        if steps is not None:
            for old_step in self._session.scalars(
                select(ContractReleaseStep).where(ContractReleaseStep.contract_id == contract_id)
            ):
                self._session.delete(old_step)
            self._session.flush()
            self._session.add_all(
                ContractReleaseStep(contract_id=contract_id, days_before=step.days_before, rooms_kept=step.rooms_kept)
                for step in steps
            )
        self._session.flush()

    def add_version(self, contract: ContractRecord, user_id: int | None) -> None:
        self._session.add(
            ContractVersion(
                contract_id=contract.id,
                version=contract.version,
                snapshot=contract.snapshot(),
                created_by_user_id=user_id,
            )
        )
        self._session.flush()

    def versions(self, contract_id: int) -> list[tuple[int, dict[str, Any]]]:
        rows = self._session.execute(
            select(ContractVersion.version, ContractVersion.snapshot)
            .where(ContractVersion.contract_id == contract_id)
            .order_by(ContractVersion.version)
        ).all()
        return [(version, snapshot) for version, snapshot in rows]

    # --- events and nights -----------------------------------------------------------------------

    def add_event(self, event: AllotmentEvent, user_id: int | None) -> EventRecord:
        row = AllotmentEventRecord(
            contract_id=event.contract_id,
            kind=event.kind,
            effective_at=event.effective_at,
            sequence=event.sequence,
            payload=event_payload(event),
            created_by_user_id=user_id,
        )
        self._session.add(row)
        self._session.flush()
        self._session.refresh(row)
        return _event_record(row)

    def events_of(self, contract_ids: Iterable[int]) -> list[EventRecord]:
        ids = sorted(set(contract_ids))
        if not ids:
            return []
        rows = self._session.scalars(
            select(AllotmentEventRecord)
            .where(AllotmentEventRecord.contract_id.in_(ids))
            .order_by(AllotmentEventRecord.effective_at, AllotmentEventRecord.sequence, AllotmentEventRecord.id)
        )
        return [_event_record(row) for row in rows]

    def night_states(self, contract_ids: Iterable[int]) -> dict[CellKey, tuple[int, int]]:
        """(picked up, withheld) per (contract, room type, night) of the contracts."""
        ids = sorted(set(contract_ids))
        if not ids:
            return {}
        rows = self._session.execute(
            select(
                AllotmentNightState.contract_id,
                AllotmentNightState.room_type_id,
                AllotmentNightState.night,
                AllotmentNightState.picked_up,
                AllotmentNightState.withheld,
            ).where(AllotmentNightState.contract_id.in_(ids))
        ).all()
        return {(c, rt, night): (picked, withheld) for c, rt, night, picked, withheld in rows}

    def allotments_on_night(self, room_type_id: int, night: date) -> list[AllotmentOnNight]:
        """The contracts withholding or having picked up rooms of the room type that night, with their agency."""
        rows = self._session.execute(
            select(
                AgencyContract.id,
                AgencyContract.name,
                Agency.id,
                Agency.code,
                Agency.name,
                AllotmentNightState.withheld,
                AllotmentNightState.picked_up,
            )
            .join(AgencyContract, AgencyContract.id == AllotmentNightState.contract_id)
            .join(Agency, Agency.id == AgencyContract.agency_id)
            .where(AllotmentNightState.room_type_id == room_type_id, AllotmentNightState.night == night)
            .where((AllotmentNightState.withheld > 0) | (AllotmentNightState.picked_up > 0))
            .order_by(AgencyContract.id)
        ).all()
        return [AllotmentOnNight(*row) for row in rows]

    def save_withheld(self, withheld: Mapping[CellKey, int]) -> None:
        """Record how many rooms each (contract, room type, night) now withholds in the calendar."""
        rows = [
            {"contract_id": c, "room_type_id": rt, "night": night, "withheld": rooms}
            for (c, rt, night), rooms in sorted(withheld.items())
        ]
        upsert_nights(self._session, rows, lambda excluded: {"withheld": excluded.withheld})


def upsert_nights(session: Session, rows: list[dict[str, Any]], changes: Callable[[Any], dict[str, Any]]) -> None:
    """Insert the allotment nights ``rows``; one that exists (contract, room type, night) takes
    ``changes(excluded)`` (``excluded``: the columns of the row that was not inserted) and a new ``updated_at``."""
    if not rows:
        return
    statement = insert(AllotmentNightState)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["contract_id", "room_type_id", "night"],
            set_={**changes(statement.excluded), "updated_at": func.now()},
        ),
        rows,
    )


def _event_record(row: AllotmentEventRecord) -> EventRecord:
    event = event_from_payload(row.contract_id, row.kind, row.effective_at, row.sequence, row.payload)
    return view_from(EventRecord, row, event=event)
