"""Allotment reports: the pick-up of a contract and of an agency, and the nights of a property releasing soon.

Both read the resolved calendar of :mod:`chalicelib.services.allotment_service` (same scope, same
nights rules) and aggregate it with :mod:`chalicelib.domain.allotment_reports`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller
from chalicelib.domain.allotment_records import ContractFilters
from chalicelib.domain.allotment_reports import (
    PickUpRow,
    PickUpTotal,
    ReleasingNight,
    pick_up_report,
    pick_up_total,
    releasing_soon,
)
from chalicelib.services import allotment_service
from chalicelib.services.agency_service import find_agency
from chalicelib.services.allotment_service import MAX_CALENDAR_NIGHTS, Clock
from chalicelib.services.ports import UnitOfWorkFactory
from chalicelib.services.property_service import utc_now

MAX_RELEASING_DAYS = 30
MAX_AGENCY_CONTRACTS = 500  # an agency's contracts in one report (a large wholesaler has tens)


@dataclass(frozen=True)
class AgencyPickUp:
    agency_id: int
    total: PickUpTotal
    rows: tuple[PickUpRow, ...]


def contract_pick_up(
    caller: Caller,
    contract_id: int,
    date_from: date | None = None,
    date_to: date | None = None,
    *,
    uow: UnitOfWorkFactory = unit_of_work,
) -> tuple[PickUpRow, ...]:
    """Per room type of the contract over its nights (default today + 30 nights, at most 366)."""
    resolved = allotment_service.contract_calendar(caller, contract_id, date_from, date_to, uow=uow)
    return pick_up_report(resolved.calendar.allotments)


def agency_pick_up(
    caller: Caller,
    agency_id: int,
    date_from: date | None = None,
    date_to: date | None = None,
    *,
    uow: UnitOfWorkFactory = unit_of_work,
) -> AgencyPickUp:
    """Every contract of the agency (ended ones too) per room type over the nights, and their total."""
    with uow() as work:
        agency = find_agency(work, caller, agency_id)
        contracts, _ = work.allotments.contract_page(
            caller.scope, ContractFilters(agency_id=agency.id), offset=0, limit=MAX_AGENCY_CONTRACTS
        )
    rows = tuple(
        row
        for contract in sorted(contracts, key=lambda c: c.id)
        for row in contract_pick_up(caller, contract.id, date_from, date_to, uow=uow)
    )
    return AgencyPickUp(agency.id, pick_up_total(rows), rows)


def property_releasing(
    caller: Caller, property_id: int, days: int = 7, *, clock: Clock = utc_now
) -> tuple[ReleasingNight, ...]:
    """Every contract's nights of the property (the coming year's) whose release date comes in the
    next ``days`` days (local dates, today included) and that still withhold rooms."""
    first = clock().date() - timedelta(days=1)  # the property's local today is within a day of UTC's
    last = first + timedelta(days=MAX_CALENDAR_NIGHTS - 1)
    resolved = allotment_service.property_calendar(caller, property_id, first, last, clock=clock)
    return releasing_soon(resolved.calendar.allotments, resolved.today, days)
