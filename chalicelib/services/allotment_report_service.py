"""Allotment reports: the pick-up of a contract and the nights of a property releasing soon.

Both read the resolved calendar of :mod:`chalicelib.services.allotment_service` (same scope, same
nights rules) and aggregate it with :mod:`chalicelib.domain.allotment_reports`.
"""

from __future__ import annotations

from datetime import date, timedelta

from chalicelib.domain.access import Caller
from chalicelib.domain.allotment_reports import PickUpRow, ReleasingNight, pick_up_report, releasing_soon
from chalicelib.services import allotment_service
from chalicelib.services.allotment_service import MAX_CALENDAR_NIGHTS, Clock
from chalicelib.services.property_service import utc_now

MAX_RELEASING_DAYS = 30


def contract_pick_up(
    caller: Caller, contract_id: int, date_from: date | None = None, date_to: date | None = None
) -> tuple[PickUpRow, ...]:
    """Per room type of the contract over its nights (default today + 30 nights, at most 366)."""
    resolved = allotment_service.contract_calendar(caller, contract_id, date_from, date_to)
    return pick_up_report(resolved.calendar.allotments)


def property_releasing(
    caller: Caller, property_id: int, days: int = 7, *, clock: Clock = utc_now
) -> tuple[ReleasingNight, ...]:
    """Every contract's nights of the property (the coming year's) whose release date comes in the
    next ``days`` days (local dates, today included) and that still withhold rooms."""
    first = clock().date() - timedelta(days=1)  # the property's local today is within a day of UTC's
    last = first + timedelta(days=MAX_CALENDAR_NIGHTS - 1)
    resolved = allotment_service.property_calendar(caller, property_id, first, last, clock=clock)
    return releasing_soon(resolved.calendar.allotments, resolved.today, days)
