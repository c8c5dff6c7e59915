"""Allotment events, the resolved allotment calendar, and keeping the calendar's withheld rooms in line.

Load → decide → persist: :func:`withhold_allotments` loads a property's contracts, events and
per-night state under the locks of all its room types, resolves them with the pure pipeline
(:mod:`chalicelib.domain.allotments`), plans the calendar's ``blocked`` moves
(:mod:`chalicelib.domain.allotment_withholding`) and writes them with their ARI outbox rows.
Every contract write and event runs it in the same transaction, so a contract that cannot be
honoured (a night without the free rooms) is refused whole (409 naming the nights); the hourly
housekeeping runs it for every property with contracts, which applies release steps as their
local date comes (and reaches nights the calendar's horizon has just added).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller, CountryScope
from chalicelib.domain.allotment_pool import AllotmentCalendar, PoolInput, pool_budget, resolve_calendar
from chalicelib.domain.allotment_records import ContractRecord, EventRecord, event_payload, validate_event
from chalicelib.domain.allotment_withholding import WithholdingPlan, plan_withholding
from chalicelib.domain.allotments import (
    AllotmentEvent,
)
from chalicelib.domain.catalog import PropertyRecord
from chalicelib.domain.errors import InvalidInput, existing
from chalicelib.domain.nights import NightRange
from chalicelib.domain.timezones import today_in_timezone
from chalicelib.domain.views import view_from
from chalicelib.observability import logger
from chalicelib.services.audit_service import audit_entry
from chalicelib.services.ports import UnitOfWork, UnitOfWorkFactory
from chalicelib.services.property_service import property_of, utc_now

Clock = Callable[[], datetime]

DEFAULT_CALENDAR_NIGHTS = 30
MAX_CALENDAR_NIGHTS = 366


@dataclass(frozen=True)
class ResolvedAllotments:
    """The pipeline's answer for a property on ``today`` (its local date), limited to ``nights``."""

    property_id: int
    today: date
    nights: NightRange
    calendar: AllotmentCalendar


def calendar_nights(today: date, date_from: date | None, date_to: date | None) -> NightRange:
    """The nights a calendar view asks for: from today for 30 nights by default, at most 366."""
    first = date_from or today
    last = date_to or first + timedelta(days=DEFAULT_CALENDAR_NIGHTS - 1)
    nights = NightRange.through(first, last, start_field="query.date_from", end_field="query.date_to")
    if len(nights) > MAX_CALENDAR_NIGHTS:
        raise InvalidInput(
            f"At most {MAX_CALENDAR_NIGHTS} nights per request (asked for {len(nights)}).",
            details=[{"field": "query.date_to", "message": f"at most {MAX_CALENDAR_NIGHTS} nights after date_from"}],
        )
    return nights


NightStates = dict[tuple[int, int, date], tuple[int, int]]


def _resolve(work: UnitOfWork, prop: PropertyRecord, now: datetime) -> tuple[AllotmentCalendar, NightStates, date]:
    """Resolve every contract of ``prop`` on ``now``; also returns the (picked up, withheld) states."""
    contracts = work.allotments.contracts_of_property(prop.id)
    ids = [contract.id for contract in contracts]
    states = work.allotments.night_states(ids)
    events = [record.event for record in work.allotments.events_of(ids)]
    today = today_in_timezone(now, prop.timezone)
    resolved = resolve_calendar(
        [contract.terms() for contract in contracts],
        events,
        (),
        picked_up={key: picked for key, (picked, _) in states.items()},
        as_of=now,
        today=today,
    )
    return resolved, states, today


def withhold_allotments(
    work: UnitOfWork, prop: PropertyRecord, now: datetime, *, strict: bool = True
) -> WithholdingPlan | None:
    """Make the calendar withhold exactly the outstanding allotments of ``prop`` from its local today on.

    Takes the locks of every room type of the property (ascending ids) first. Raises
    :class:`~chalicelib.domain.inventory.InsufficientInventory` naming every night that lacks
    the free rooms a contract needs; with ``strict=False`` (the housekeeping) such nights are left
    as they are and the plan's ``shortages`` name them. Returns the plan written (None: nothing to do).
    """
    room_type_ids = [room_type.id for room_type in work.room_types.of_property(prop.id, prop.currency)]
    work.room_types.lock(room_type_ids)
    resolved, states, today = _resolve(work, prop, now)
    withheld_now = {key: withheld for key, (_, withheld) in states.items() if key[2] >= today}
    outstanding = {
        (night.contract_id, night.room_type_id, night.night): night.outstanding
        for night in resolved.allotments
        if night.night >= today
    }
    nights = [key[2] for key in (*withheld_now, *outstanding)]
    if not nights:
        return None
    cells = work.allotment_calendar.inventory_cells(room_type_ids, min(nights), max(nights))
    plan = plan_withholding(cells, withheld_now, outstanding, strict=strict)
    work.allotment_calendar.write_counters(prop.id, plan.cells_before, plan.cells_after)
    work.allotments.save_withheld(plan.withheld)
    return plan


def find_contract(work: UnitOfWork, caller: Caller, contract_id: int, *, for_update: bool = False) -> ContractRecord:
    return existing(work.allotments.get_contract(caller.scope, contract_id, for_update=for_update), "No such contract.")


def post_event(
    caller: Caller, event: AllotmentEvent, *, uow: UnitOfWorkFactory = unit_of_work, clock: Clock = utc_now
) -> EventRecord:
    """Append an event to a contract (audited) and bring the calendar in line with it, all or nothing."""
    with uow() as work:
        contract = find_contract(work, caller, event.contract_id, for_update=True)
        prop = property_of(work, contract)
        room_type_ids = frozenset(room_type.id for room_type in work.room_types.of_property(prop.id, prop.currency))
        record = work.allotments.add_event(validate_event(event, contract, room_type_ids), caller.user_id)
        withhold_allotments(work, prop, clock())
        work.audit.add(
            audit_entry(
                caller,
                "allotment_event.created",
                "contract",
                contract.id,
                None,
                {"event_id": record.id, "kind": str(event.kind), **_event_audit(record)},
                country_code=contract.country_code,
            )
        )
        return record


def _event_audit(record: EventRecord) -> dict[str, object]:
    return {
        "effective_at": record.event.effective_at.isoformat(),
        "sequence": record.event.sequence,
        **event_payload(record.event),
    }


def list_events(caller: Caller, contract_id: int, *, uow: UnitOfWorkFactory = unit_of_work) -> list[EventRecord]:
    with uow() as work:
        contract = find_contract(work, caller, contract_id)
        return work.allotments.events_of([contract.id])


def contract_calendar(
    caller: Caller,
    contract_id: int,
    date_from: date | None = None,
    date_to: date | None = None,
    *,
    uow: UnitOfWorkFactory = unit_of_work,
    clock: Clock = utc_now,
) -> ResolvedAllotments:
    """The contract's resolved allotments on ``nights`` (contracted, picked up, outstanding, released, rate)."""
    with uow() as work:
        contract = find_contract(work, caller, contract_id)
        prop = property_of(work, contract)
        resolved, _, today = _resolve(work, prop, clock())
        nights = calendar_nights(today, date_from, date_to)
        mine = tuple(
            night for night in resolved.allotments if night.contract_id == contract.id and night.night in nights
        )
        return ResolvedAllotments(prop.id, today, nights, AllotmentCalendar(mine))


def property_calendar(
    caller: Caller,
    property_id: int,
    date_from: date | None = None,
    date_to: date | None = None,
    *,
    uow: UnitOfWorkFactory = unit_of_work,
    clock: Clock = utc_now,
) -> ResolvedAllotments:
    """Every contract's allotments of a property on ``nights`` and the pool they leave per room type and night."""
    with uow() as work:
        prop = existing(work.properties.get(caller.scope, property_id), "No such property.")
        resolved, states, today = _resolve(work, prop, clock())
        nights = calendar_nights(today, date_from, date_to)
        allotments = tuple(night for night in resolved.allotments if night.night in nights)
        room_type_ids = [room_type.id for room_type in work.room_types.of_property(prop.id, prop.currency)]
        cells = work.allotment_calendar.inventory_cells(room_type_ids, nights.first_night, nights.last_night)
        withheld: dict[tuple[int, date], int] = {}
        for (_, room_type_id, night), (_, rooms) in states.items():
            withheld[(room_type_id, night)] = withheld.get((room_type_id, night), 0) + rooms
        pool_inputs = [
            view_from(PoolInput, cell, blocked=cell.blocked - withheld.get(key, 0))
            for key, cell in sorted(cells.items())
        ]
        return ResolvedAllotments(
            prop.id, today, nights, AllotmentCalendar(allotments, pool_budget(pool_inputs, allotments))
        )


def apply_releases(*, uow: UnitOfWorkFactory = unit_of_work, clock: Clock = utc_now) -> dict[str, int]:
    """Housekeeping: bring every property with contracts in line, one transaction each (release steps
    that came into force give their rooms back; nights the horizon just added are withheld)."""
    with uow() as work:
        property_ids = work.allotments.properties_with_contracts()
    applied = short_nights = 0
    for property_id in property_ids:
        with uow() as work:
            prop = work.properties.get(CountryScope.everywhere(), property_id)
            if prop is None:
                continue
            plan = withhold_allotments(work, prop, clock(), strict=False)
            applied += 1
            if plan is not None and plan.shortages:
                short_nights += len(plan.shortages)
                logger.warning(
                    "allotments short of rooms",
                    extra={"property_id": property_id, "nights": [s.night.isoformat() for s in plan.shortages[:10]]},
                )
    return {"properties": applied, "short_nights": short_nights}
