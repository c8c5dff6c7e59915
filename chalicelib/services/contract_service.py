"""Agency contracts: agency x property, seasons, release steps, mode; versioned and audited.

A contract is scoped by its property's country and its agency's (both must be in the caller's
scope, else 404). Every change that alters it makes a new version (``contract_versions`` keeps
the whole contract as it was) and an audit row with before/after, and brings the calendar in
line in the same transaction (:func:`allotment_service.withhold_allotments`): activating or
enlarging a contract withholds its rooms from every other channel (refused whole, 409 naming the
nights, where the rooms are not free), suspending, ending or shrinking it gives them back.
``DELETE`` ends a contract (status ``ended``); its history stays.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller, CountryScope
from chalicelib.domain.allotment_records import (
    ContractRecord,
    SeasonSpec,
    validate_release_steps,
    validate_seasons,
)
from chalicelib.domain.allotments import ContractStatus, ReleaseStep
from chalicelib.domain.catalog import PropertyRecord, RoomTypeRecord
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.money import validate_currency
from chalicelib.services.agency_service import find_agency
from chalicelib.services.allotment_service import Clock, find_contract, withhold_allotments
from chalicelib.services.audit_service import audit_change
from chalicelib.services.ports import UnitOfWork, UnitOfWorkFactory
from chalicelib.services.property_service import find_property, property_of, utc_now
from chalicelib.services.scoped_reads import page_reader, record_reader

list_contracts = page_reader(lambda work: work.allotments.contract_page)
get_contract = record_reader(find_contract)


def contract_properties(
    caller: Caller, *, uow: UnitOfWorkFactory = unit_of_work
) -> list[tuple[PropertyRecord, list[RoomTypeRecord]]]:
    """The properties of the contracts the caller sees, each with its room types: the names (and
    time zones) an agency's account needs, which reaches no property route."""
    with uow() as work:
        found = []
        for property_id in work.allotments.properties_with_contracts(caller.scope):
            prop = work.properties.get(CountryScope.everywhere(), property_id)
            if prop is not None:
                found.append((prop, work.room_types.of_property(prop.id, prop.currency)))
        return found


def contract_versions(
    caller: Caller, contract_id: int, *, uow: UnitOfWorkFactory = unit_of_work
) -> list[tuple[int, dict[str, Any]]]:
    """Every version of the contract, oldest first, as it was stored."""
    with uow() as work:
        return work.allotments.versions(find_contract(work, caller, contract_id).id)


def _room_type_ids(work: UnitOfWork, property_id: int, currency: str) -> frozenset[int]:
    return frozenset(room_type.id for room_type in work.room_types.of_property(property_id, currency))


def create_contract(
    caller: Caller,
    fields: dict[str, Any],
    seasons: Sequence[SeasonSpec],
    release_steps: Sequence[ReleaseStep],
    *,
    uow: UnitOfWorkFactory = unit_of_work,
    clock: Clock = utc_now,
) -> ContractRecord:
    """Create a contract (version 1) for an agency and a property both in the caller's scope."""
    values = dict(fields)
    validate_currency(values["currency"])
    steps = validate_release_steps(release_steps)
    with uow() as work:
        agency = find_agency(work, caller, values["agency_id"])
        prop = find_property(work, caller, values["property_id"])
        checked = validate_seasons(seasons, values["currency"], _room_type_ids(work, prop.id, prop.currency))
        contract = work.allotments.add_contract({**values, "agency_id": agency.id, "country_code": prop.country_code})
        work.allotments.replace_terms(contract.id, checked, steps)
        contract = find_contract(work, caller, contract.id)
        work.allotments.add_version(contract, caller.user_id)
        withhold_allotments(work, prop, clock())
        audit_change(
            work.audit, caller, "contract", contract.id, None, contract.snapshot(), country_code=contract.country_code
        )
        return contract


def update_contract(
    caller: Caller,
    contract_id: int,
    changes: dict[str, Any],
    seasons: Sequence[SeasonSpec] | None = None,
    release_steps: Sequence[ReleaseStep] | None = None,
    *,
    uow: UnitOfWorkFactory = unit_of_work,
    clock: Clock = utc_now,
) -> ContractRecord:
    """Change a contract's terms (``None`` seasons / steps: unchanged); a real change makes a new version."""
    steps = None if release_steps is None else validate_release_steps(release_steps)
    with uow() as work:
        contract = find_contract(work, caller, contract_id, for_update=True)
        prop = property_of(work, contract)
        if contract.status is ContractStatus.ENDED:
            raise InvalidInput(
                "An ended contract cannot change.", details=[{"field": "status", "message": "the contract has ended"}]
            )
        currency = validate_currency(changes.get("currency", contract.currency))
        checked = (
            None
            if seasons is None
            else validate_seasons(seasons, currency, _room_type_ids(work, prop.id, prop.currency))
        )
        return _write_version(work, caller, contract, changes, checked, steps, clock)


def end_contract(
    caller: Caller, contract_id: int, *, uow: UnitOfWorkFactory = unit_of_work, clock: Clock = utc_now
) -> ContractRecord:
    """End a contract: it withholds nothing any more (its rooms go back to the pool); history stays."""
    with uow() as work:
        contract = find_contract(work, caller, contract_id, for_update=True)
        if contract.status is ContractStatus.ENDED:
            return contract
        return _write_version(work, caller, contract, {"status": ContractStatus.ENDED}, None, None, clock)


def _write_version(
    work: UnitOfWork,
    caller: Caller,
    contract: ContractRecord,
    changes: dict[str, Any],
    seasons: Sequence[SeasonSpec] | None,
    steps: Sequence[ReleaseStep] | None,
    clock: Clock,
) -> ContractRecord:
    before = contract.snapshot()
    work.allotments.replace_terms(contract.id, seasons, steps)
    updated = work.allotments.update_contract(contract.id, changes)
    if {**updated.snapshot(), "version": contract.version} == before:
        return updated
    updated = work.allotments.update_contract(contract.id, {"version": contract.version + 1})
    work.allotments.add_version(updated, caller.user_id)
    withhold_allotments(work, property_of(work, updated), clock())
    audit_change(
        work.audit, caller, "contract", contract.id, before, updated.snapshot(), country_code=updated.country_code
    )
    return updated
