"""The calendar of a property: read the grid; preview and apply bulk updates.

A bulk update names a date range (first and last night, inclusive), optional weekdays, room
types and the fields to set: ``availability`` (the availability override: how many rooms to
offer, mapped onto the night's buffer; ``null`` gives the night back to the buffer setting),
restrictions (``stop_sell``, ``closed_to_arrival``, ``closed_to_departure``, ``min_los``,
``min_stay_through``, ``max_los``) and ``rates`` (base plan id → nightly rate, ``null`` removes
the manual rate). The domain (``chalicelib.domain.bulk_update``) plans it: the preview is exactly
what applying writes; applying the same request again changes nothing and writes no ARI record.
Availability and restrictions need INVENTORY_WRITE, rates RATES_WRITE.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from chalicelib.db.locks import lock_room_types
from chalicelib.db.models import Property, RatePlan, RoomType
from chalicelib.db.repositories import calendar as calendar_repository
from chalicelib.db.repositories import channel_freshness
from chalicelib.db.repositories import properties as property_repository
from chalicelib.db.repositories import settings as settings_repository
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller
from chalicelib.domain.ari_changes import AriChange, ari_changes
from chalicelib.domain.bulk_update import BULK_FIELDS as BULK_FIELDS  # the API lists them too
from chalicelib.domain.bulk_update import KEEP, BulkUpdate, BulkUpdatePlan, plan_bulk_update
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.inventory import InventoryCell
from chalicelib.domain.nights import ALL_WEEKDAYS, ONE_DAY, NightRange, parse_weekdays, validate_night_range
from chalicelib.domain.permissions import Permission
from chalicelib.domain.rates import RateCatalog, RateCell
from chalicelib.services import calendar_upkeep
from chalicelib.services.audit_service import record_audit
from chalicelib.services.property_service import require_not_archived, scoped_property

MAX_GRID_NIGHTS = 366
DEFAULT_GRID_NIGHTS = 30
AUDITED_CHANGES = 500
"""A bulk update's audit row lists at most this many cell changes (and the total count)."""


# --- the grid ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GridRoomType:
    room_type: RoomType
    rate_plans: list[RatePlan]
    cells: list[InventoryCell]
    rates: dict[tuple[int, date], Decimal]  # (rate plan id, night) → amount
    channels: list[str]  # OTA codes of the live connections that map the room type
    behind: dict[date, list[str]]  # night → the channels lacking its latest value (absent: all have it)


@dataclass(frozen=True)
class CalendarGrid:
    prop: Property
    today: date
    nights: NightRange
    room_types: list[GridRoomType]

    @property
    def cell_count(self) -> int:
        return sum(len(room_type.cells) for room_type in self.room_types)


def read_grid(
    caller: Caller,
    property_id: int,
    date_from: date | None = None,
    date_to: date | None = None,
    room_type_id: int | None = None,
    *,
    now: datetime | None = None,
) -> CalendarGrid:
    """Room types x nights from ``date_from`` to ``date_to`` (inclusive, at most 366 nights), every
    stored field with the derived availability and the rate of every plan. Past nights may be read;
    nothing beyond the 24-month horizon exists. Defaults: from today, 30 nights."""
    with unit_of_work() as uow:
        session = uow.session
        prop = scoped_property(session, caller, property_id)
        today = calendar_upkeep.property_today(prop, now)
        nights = _grid_nights(today, date_from, date_to)
        room_types = _grid_room_types(session, prop.id, room_type_id)
        rows = _grid_rows(session, prop.id, room_types, nights)
        return CalendarGrid(prop=prop, today=today, nights=nights, room_types=rows)


def _grid_nights(today: date, date_from: date | None, date_to: date | None) -> NightRange:
    date_from = date_from or today
    date_to = date_to or date_from + DEFAULT_GRID_NIGHTS * ONE_DAY - ONE_DAY
    nights = NightRange.through(date_from, date_to, start_field="query.date_from", end_field="query.date_to")
    if len(nights) > MAX_GRID_NIGHTS:
        raise InvalidInput(
            f"At most {MAX_GRID_NIGHTS} nights per request (asked for {len(nights)}).",
            details=[{"field": "query.date_to", "message": f"at most {MAX_GRID_NIGHTS} nights after date_from"}],
        )
    validate_night_range(nights, today=today, allow_past=True, start_field="query.date_from", end_field="query.date_to")
    return nights


def _grid_room_types(session: Session, property_id: int, room_type_id: int | None) -> list[RoomType]:
    room_types = property_repository.room_types_of(session, property_id)
    if room_type_id is None:
        return room_types
    room_types = [room_type for room_type in room_types if room_type.id == room_type_id]
    if not room_types:
        raise InvalidInput(
            f"Room type {room_type_id} is not a room type of this property.",
            details=[{"field": "query.room_type_id", "message": "not a room type of this property"}],
        )
    return room_types


def _grid_rows(
    session: Session, property_id: int, room_types: list[RoomType], nights: NightRange
) -> list[GridRoomType]:
    """Each room type's rate plans, cells, nightly rates and channel freshness over the nights."""
    ids = [room_type.id for room_type in room_types]
    cells = calendar_repository.load_cells(session, ids, nights.check_in, nights.check_out)
    plans = calendar_repository.plans_of_room_types(session, ids)
    rate_cells = calendar_repository.load_rate_cells(
        session, [plan.id for plan in plans], nights.check_in, nights.check_out
    )
    cells_by_room_type: dict[int, list[InventoryCell]] = {room_type_id: [] for room_type_id in ids}
    for cell in cells:
        cells_by_room_type[cell.room_type_id].append(cell)
    rates_by_room_type: dict[int, dict[tuple[int, date], Decimal]] = {room_type_id: {} for room_type_id in ids}
    for rate in rate_cells:
        rates_by_room_type[rate.room_type_id][(rate.rate_plan_id, rate.night)] = rate.amount
    channels = channel_freshness.channels_of_room_types(session, property_id, ids)
    behind: dict[int, dict[date, list[str]]] = {room_type_id: {} for room_type_id in ids}
    lagging = channel_freshness.channels_behind(session, property_id, ids, nights.check_in, nights.check_out)
    for (room_type_id, night), codes in lagging.items():
        behind[room_type_id][night] = codes
    return [
        GridRoomType(
            room_type=room_type,
            rate_plans=[plan for plan in plans if plan.room_type_id == room_type.id],
            cells=cells_by_room_type[room_type.id],
            rates=rates_by_room_type[room_type.id],
            channels=channels[room_type.id],
            behind=behind[room_type.id],
        )
        for room_type in room_types
    ]


# --- bulk updates --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BulkUpdateInput:
    """A bulk update as the API received it: ``fields`` holds only the fields the request sets."""

    date_from: date
    date_to: date
    room_type_ids: list[int]
    weekdays: list[str] | None = None
    fields: Mapping[str, Any] | None = None
    rates: Mapping[int, Decimal | None] | None = None


@dataclass(frozen=True)
class BulkUpdateResult:
    applied: bool
    changes: list[dict[str, Any]]
    inventory_cells: int
    rate_cells: int
    ari_changes: int


def preview_bulk_update(
    caller: Caller, property_id: int, request: BulkUpdateInput, *, now: datetime | None = None
) -> BulkUpdateResult:
    """Exactly what :func:`apply_bulk_update` would change, without changing it."""
    with unit_of_work() as uow:
        plan, _ = _plan(uow.session, caller, property_id, request, now)
        return _result(plan, applied=False, ari_count=len(_ari_records(plan)))


def apply_bulk_update(
    caller: Caller, property_id: int, request: BulkUpdateInput, *, now: datetime | None = None
) -> BulkUpdateResult:
    """Apply a bulk update in one transaction under the room types' locks: all of it or none,
    with one audit row and one ARI record per channel-visible cell change."""
    with unit_of_work() as uow:
        session = uow.session
        plan, prop = _plan(session, caller, property_id, request, now)
        if plan.is_empty:
            return _result(plan, applied=True, ari_count=0)
        ari_count = calendar_upkeep.persist(
            session,
            prop.id,
            calendar_upkeep.CalendarChanges(list(plan.inventory_changes), list(plan.rate_changes)),
        )
        preview = plan.preview()
        record_audit(
            session,
            caller,
            "calendar.bulk_updated",
            "property",
            prop.id,
            {"changes": [_side(change, "before") for change in preview[:AUDITED_CHANGES]]},
            {
                "request": _request_summary(request),
                "inventory_cells": len(plan.inventory_changes),
                "rate_cells": len(plan.rate_changes),
                "changes": [_side(change, "after") for change in preview[:AUDITED_CHANGES]],
                "truncated": len(preview) > AUDITED_CHANGES,
            },
            country_code=prop.country_code,
        )
        return _result(plan, applied=True, ari_count=ari_count)


def _plan(
    session: Session, caller: Caller, property_id: int, request: BulkUpdateInput, now: datetime | None
) -> tuple[BulkUpdatePlan, Property]:
    prop = scoped_property(session, caller, property_id)  # 404 before anything else is judged
    require_not_archived(prop)
    fields = dict(request.fields or {})
    rates = dict(request.rates or {})
    if any(name in fields for name in BULK_FIELDS):
        caller.require(Permission.INVENTORY_WRITE)
    if rates:
        caller.require(Permission.RATES_WRITE)
    room_types = {room_type.id: room_type for room_type in property_repository.room_types_of(session, prop.id)}
    update = _bulk_update(request, fields, rates, room_types)
    plans = calendar_repository.plans_of_room_types(session, room_types)
    plan_room_types = {plan.room_type_id for plan in plans if plan.id in rates}
    # Every room type whose cells may move is locked, in id order, before anything is read.
    lock_room_types(session, set(request.room_type_ids) | plan_room_types)
    nights = update.nights
    inventory = calendar_repository.load_cells(session, request.room_type_ids, nights.check_in, nights.check_out)
    catalog, rate_cells = _rate_inputs(session, plans, rates, nights) if rates else (None, [])
    setting_buffers = None
    if "availability" in fields and fields["availability"] is None:
        settings = settings_repository.load_app_settings(session)
        setting_buffers = {
            room_type_id: calendar_upkeep.room_type_buffer(settings, prop, room_types[room_type_id])
            for room_type_id in request.room_type_ids
        }
    plan = plan_bulk_update(
        update,
        today=calendar_upkeep.property_today(prop, now),
        inventory=inventory,
        rate_cells=rate_cells,
        catalog=catalog,
        setting_buffers=setting_buffers,
    )
    return plan, prop


def _bulk_update(
    request: BulkUpdateInput,
    fields: dict[str, Any],
    rates: dict[int, Decimal | None],
    room_types: Mapping[int, RoomType],
) -> BulkUpdate:
    """The request as the domain's bulk update; InvalidInput naming room types of another property."""
    nights = NightRange.through(request.date_from, request.date_to)
    weekdays = ALL_WEEKDAYS if request.weekdays is None else parse_weekdays(request.weekdays)
    foreign = sorted(set(request.room_type_ids) - set(room_types))
    if foreign:
        raise InvalidInput(
            f"Room types {foreign} are not room types of this property.",
            details=[
                {"field": "room_type_ids", "room_type_id": room_type_id, "message": "not a room type of this property"}
                for room_type_id in foreign
            ],
        )
    return BulkUpdate(
        nights=nights,
        weekdays=weekdays,
        room_type_ids=frozenset(request.room_type_ids),
        rates=rates,
        **{name: fields.get(name, KEEP) for name in BULK_FIELDS},
    )


def _rate_inputs(
    session: Session, plans: list[RatePlan], rates: Mapping[int, Decimal | None], nights: NightRange
) -> tuple[RateCatalog, list[RateCell]]:
    """The rate catalog and the stored rates of every plan a rate change may move (its descendants too)."""
    catalog = calendar_repository.build_catalog(
        plans, calendar_repository.rules_of_plans(session, [plan.id for plan in plans])
    )
    affected = catalog.with_descendants([plan_id for plan_id in rates if plan_id in catalog.plans])
    return catalog, calendar_repository.load_rate_cells(session, affected, nights.check_in, nights.check_out)


def _ari_records(plan: BulkUpdatePlan) -> tuple[AriChange, ...]:
    return ari_changes(plan.inventory_changes, plan.rate_changes)


def _result(plan: BulkUpdatePlan, *, applied: bool, ari_count: int) -> BulkUpdateResult:
    return BulkUpdateResult(
        applied=applied,
        changes=plan.preview(),
        inventory_cells=len(plan.inventory_changes),
        rate_cells=len(plan.rate_changes),
        ari_changes=ari_count,
    )


def _side(change: dict[str, Any], side: str) -> dict[str, Any]:
    key: dict[str, Any] = {name: change[name] for name in ("kind", "room_type_id", "night") if name in change}
    if change.get("kind") == "rate":
        key["rate_plan_id"] = change["rate_plan_id"]
    return {**key, **{name: values[side] for name, values in change["changes"].items()}}


def _request_summary(request: BulkUpdateInput) -> dict[str, Any]:
    return {
        "date_from": request.date_from.isoformat(),
        "date_to": request.date_to.isoformat(),
        "weekdays": request.weekdays,
        "room_type_ids": sorted(request.room_type_ids),
        "fields": dict(request.fields or {}),
        "rates": {
            str(plan_id): None if amount is None else str(amount) for plan_id, amount in (request.rates or {}).items()
        },
    }
