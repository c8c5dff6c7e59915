"""Planning a bulk update of the calendar: date range x weekdays x fields → a preview and new cells.

:func:`plan_bulk_update` is pure: it reads the current cells and returns a :class:`BulkUpdatePlan`
(every cell that actually changes, before and after, versions bumped once) or raises one
:class:`InvalidInput` listing every problem with its field and night — never half a plan. The
service shows ``plan.preview()`` for a dry run, or writes ``plan.inventory_cells`` and
``plan.rate_cells`` (checking the versions it read are still current) and emits the ARI changes.

Applying the same request to the cells it produced changes nothing: every field is set to a
value, never incremented, and a cell already in that state is not touched (no version bump).

Fields left at :data:`KEEP` are not touched. The fields:

* ``availability`` — rooms to offer on each night, mapped onto the night's **buffer**, never onto
  the physical total (that belongs to the room type): ``buffer = rooms_left - availability`` and
  the night is marked ``manual_buffer`` so changes of the buffer setting leave it alone. Sales
  then count down from the offered number. ``availability`` larger than the free rooms of a night
  is refused for that night. ``None`` gives the night back to the buffer setting.
* ``stop_sell``, ``closed_to_arrival``, ``closed_to_departure`` — booleans.
* ``min_los``, ``min_stay_through`` — at least 1 (1 = no minimum); ``max_los`` — at least 1, or
  ``None`` for no maximum. A night may not end up with ``min_los`` above ``max_los``.
* ``rates`` — rate plan id → the nightly rate of a base plan (``None`` removes the manual rate so
  seasonal rules and the base rate apply again); plans derived from it are re-priced on the same
  nights. Derived plans cannot be given rates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.inventory import RESTRICTION_FIELDS, InventoryCell, InventoryCellChange, bump
from chalicelib.domain.money import check_amount
from chalicelib.domain.nights import ALL_WEEKDAYS, NightRange, Weekday, validate_night_range
from chalicelib.domain.rates import RateCatalog, RateCell, RateCellChange, refresh_rate_cells


class Keep(Enum):
    """The value of a field a bulk update leaves alone (distinct from ``None``, which clears)."""

    KEEP = "keep"


KEEP = Keep.KEEP

BULK_FIELDS = ("availability", *RESTRICTION_FIELDS)
"""The cell fields a bulk update may set (rates besides)."""


@dataclass(frozen=True)
class BulkUpdate:
    """One bulk update request: which nights (range and weekdays), which room types, which fields."""

    nights: NightRange
    weekdays: frozenset[Weekday] = ALL_WEEKDAYS
    room_type_ids: frozenset[int] = frozenset()
    availability: int | Keep | None = KEEP
    stop_sell: bool | Keep = KEEP
    closed_to_arrival: bool | Keep = KEEP
    closed_to_departure: bool | Keep = KEEP
    min_los: int | Keep = KEEP
    min_stay_through: int | Keep = KEEP
    max_los: int | Keep | None = KEEP
    rates: Mapping[int, Decimal | None] = field(default_factory=dict)

    def inventory_fields(self) -> dict[str, Any]:
        """The restriction fields this request sets (availability aside)."""
        return {name: getattr(self, name) for name in RESTRICTION_FIELDS if getattr(self, name) is not KEEP}

    @property
    def touches_inventory(self) -> bool:
        return self.availability is not KEEP or bool(self.inventory_fields())


@dataclass(frozen=True)
class BulkUpdatePlan:
    """What a bulk update changes: only cells whose stored state differs, each with version + 1."""

    inventory_changes: tuple[InventoryCellChange, ...]
    rate_changes: tuple[RateCellChange, ...]

    @property
    def is_empty(self) -> bool:
        return not self.inventory_changes and not self.rate_changes

    @property
    def inventory_cells(self) -> tuple[InventoryCell, ...]:
        return tuple(change.after for change in self.inventory_changes)

    @property
    def rate_cells(self) -> tuple[RateCell, ...]:
        return tuple(change.after for change in self.rate_changes)

    def preview(self) -> list[dict[str, Any]]:
        """One JSON-ready entry per changed cell with the before/after of each changed field."""
        return [change.preview() for change in self.inventory_changes] + [
            change.preview() for change in self.rate_changes
        ]


def plan_bulk_update(
    request: BulkUpdate,
    *,
    today: date,
    inventory: Iterable[InventoryCell],
    rate_cells: Iterable[RateCell] = (),
    catalog: RateCatalog | None = None,
    setting_buffers: Mapping[int, int] | None = None,
) -> BulkUpdatePlan:
    """Compute the changes of ``request`` against the current cells, or refuse the whole request.

    ``today`` is today in the property's timezone (past nights and nights beyond the 24-month
    horizon are refused). ``inventory`` must hold the cells of the requested room types on the
    requested nights; ``rate_cells`` and ``catalog`` the rate cells and plans of the property
    (needed when ``rates`` is given). ``setting_buffers`` maps room type → its resolved buffer
    setting (needed when ``availability`` is ``None``).
    """
    validate_night_range(request.nights, today=today, start_field="date_from", end_field="date_to")
    nights = request.nights.nights(request.weekdays)
    problems: list[dict[str, Any]] = []
    if not request.weekdays:
        problems.append({"field": "weekdays", "message": "choose at least one weekday"})
    elif not nights:
        problems.append({"field": "weekdays", "message": f"no night of {request.nights} falls on the chosen weekdays"})
    if not request.touches_inventory and not request.rates:
        problems.append({"field": "body", "message": "nothing to update: give availability, restrictions or rates"})
    if request.touches_inventory and not request.room_type_ids:
        problems.append({"field": "room_type_ids", "message": "choose at least one room type"})
    problems.extend(_field_problems(request))
    if problems:
        raise _refusal(problems)

    inventory_changes = _plan_inventory(request, nights, inventory, setting_buffers or {}, problems)
    rate_changes = _plan_rates(request, nights, rate_cells, catalog, problems)
    if problems:
        raise _refusal(problems)
    return BulkUpdatePlan(inventory_changes, rate_changes)


def _field_problems(request: BulkUpdate) -> list[dict[str, Any]]:
    problems = []
    if isinstance(request.availability, int) and request.availability < 0:
        problems.append({"field": "availability", "message": "must not be negative"})
    for name in ("min_los", "min_stay_through", "max_los"):
        value = getattr(request, name)
        if isinstance(value, int) and value < 1:
            problems.append({"field": name, "message": "must be at least 1 night"})
    if isinstance(request.min_los, int) and isinstance(request.max_los, int) and request.min_los > request.max_los:
        problems.append({"field": "min_los", "message": f"must not exceed max_los ({request.max_los})"})
    return problems


def _plan_inventory(
    request: BulkUpdate,
    nights: tuple[date, ...],
    inventory: Iterable[InventoryCell],
    setting_buffers: Mapping[int, int],
    problems: list[dict[str, Any]],
) -> tuple[InventoryCellChange, ...]:
    if not request.touches_inventory:
        return ()
    wanted = set(nights)
    cells = {
        (cell.room_type_id, cell.night): cell
        for cell in inventory
        if cell.room_type_id in request.room_type_ids and cell.night in wanted
    }
    fields = request.inventory_fields()
    changes = []
    for room_type_id in sorted(request.room_type_ids):
        for night in nights:
            cell = cells.get((room_type_id, night))
            if cell is None:
                problems.append(
                    {
                        "field": "room_type_ids",
                        "room_type_id": room_type_id,
                        "night": night.isoformat(),
                        "message": f"room type {room_type_id} has no calendar on {night}",
                    }
                )
                continue
            after = _cell_after(request, cell, fields, setting_buffers, problems)
            if after is None:
                continue
            if after is not cell:
                changes.append(InventoryCellChange(cell, after))
    return tuple(changes)


def _cell_after(
    request: BulkUpdate,
    cell: InventoryCell,
    fields: Mapping[str, Any],
    setting_buffers: Mapping[int, int],
    problems: list[dict[str, Any]],
) -> InventoryCell | None:
    """The cell with the update's fields (availability as a buffer); None, with a problem noted, when
    the update cannot apply to it."""
    room_type_id, night = cell.room_type_id, cell.night
    new_fields = dict(fields)
    if isinstance(request.availability, int):
        free = max(0, cell.rooms_left)
        if request.availability > free:
            problems.append(
                {
                    "field": "availability",
                    "room_type_id": room_type_id,
                    "night": night.isoformat(),
                    "message": f"{request.availability} exceeds the {free} room(s) left on {night}",
                }
            )
            return None
        new_fields.update(buffer=free - request.availability, manual_buffer=True)
    elif request.availability is None:
        if room_type_id not in setting_buffers:
            raise ValueError(f"setting_buffers lacks room type {room_type_id}")
        new_fields.update(buffer=setting_buffers[room_type_id], manual_buffer=False)
    after = bump(cell, **new_fields)
    if after.max_los is not None and after.min_los > after.max_los:
        problems.append(
            {
                "field": "min_los" if "min_los" in fields else "max_los",
                "room_type_id": room_type_id,
                "night": night.isoformat(),
                "message": f"min_los {after.min_los} would exceed max_los {after.max_los} on {night}",
            }
        )
        return None
    return after


def _plan_rates(
    request: BulkUpdate,
    nights: tuple[date, ...],
    rate_cells: Iterable[RateCell],
    catalog: RateCatalog | None,
    problems: list[dict[str, Any]],
) -> tuple[RateCellChange, ...]:
    if not request.rates:
        return ()
    if catalog is None:
        raise ValueError("rates given but no rate catalog")
    manual_changes: dict[tuple[int, date], Decimal | None] = {}
    for plan_id, amount in sorted(request.rates.items()):
        name = f"rates.{plan_id}"
        plan = catalog.plans.get(plan_id)
        if plan is None:
            problems.append({"field": name, "message": f"unknown rate plan {plan_id}"})
            continue
        if plan.is_derived:
            problems.append(
                {
                    "field": name,
                    "message": f"rate plan {plan_id} is derived from plan {plan.parent_id}; set the parent's rate "
                    "or change the derivation",
                }
            )
            continue
        if amount is not None:
            try:
                amount = check_amount(amount, plan.currency, field=name)
            except InvalidInput as error:
                problems.extend(error.details)
                continue
        for night in nights:
            manual_changes[(plan_id, night)] = amount
    if problems:
        return ()
    return refresh_rate_cells(
        catalog, rate_cells, nights, manual_changes, plan_ids=catalog.with_descendants(request.rates)
    )


def _refusal(problems: list[dict[str, Any]]) -> InvalidInput:
    fields = sorted({problem["field"] for problem in problems})
    first = problems[0]
    where = f" ({first['night']})" if "night" in first else ""
    more = f" and {len(problems) - 1} more problem(s)" if len(problems) > 1 else ""
    return InvalidInput(
        f"Bulk update refused: {first['field']}{where}: {first['message']}{more} [fields: {', '.join(fields)}]",
        details=problems,
    )
