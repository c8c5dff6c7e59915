"""The inventory calendar in SQL: cells, rate cells, rate catalogs and the ARI outbox.

Rows are read into the domain's dataclasses (``InventoryCell``, ``RateCell``, ``RatePlan``,
``SeasonalRule``) and the domain's results are written back; no rule lives here. Writes are set
based: one ``INSERT ... SELECT FROM unnest(arrays)`` or ``UPDATE ... FROM unnest(arrays)`` per
write, one bound array per column whatever the row count (a multi-row VALUES list of a year of
cells costs more to compile than to run). Every UPDATE carries the version it read, so a write
that raced another (which the room-type advisory lock prevents) fails loudly instead of
silently overwriting it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Integer,
    Numeric,
    SmallInteger,
    Text,
    bindparam,
    cast,
    func,
    insert,
    literal,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Session

from chalicelib.db.models import AriChangeRecord, InventoryDay, RateDay, RatePlan, RatePlanRule
from chalicelib.domain.ari_changes import AriChange
from chalicelib.domain.errors import Conflict
from chalicelib.domain.inventory import INVENTORY_FIELDS, InventoryCell, InventoryCellChange
from chalicelib.domain.money import quantum
from chalicelib.domain.nights import ALL_WEEKDAYS, NightRange, Weekday
from chalicelib.domain.rates import Adjustment, AdjustmentKind, RateCatalog, RateCell, RateCellChange, SeasonalRule
from chalicelib.domain.rates import RatePlan as RatePlanSpec

_INVENTORY_COLUMN_TYPES: dict[str, Any] = {
    "total": Integer,
    "sold": Integer,
    "held": Integer,
    "blocked": Integer,
    "buffer": Integer,
    "manual_buffer": Boolean,
    "stop_sell": Boolean,
    "closed_to_arrival": Boolean,
    "closed_to_departure": Boolean,
    "min_los": SmallInteger,
    "min_stay_through": SmallInteger,
    "max_los": SmallInteger,
}


class ConcurrentCalendarWrite(Conflict):
    """A cell changed between reading and writing it (→ 409; retry the request)."""

    code = "calendar_changed"


def unnest_rows(name: str, columns: Sequence[tuple[str, Any, Sequence[Any]]]) -> Any:
    """``unnest(:a::type[], :b::type[], ...) AS name(a, b, ...)``: rows from one array per column.

    ``columns`` are (column name, SQL type, values). The casts type every array, including one
    holding only NULLs (a cleared ``max_los`` everywhere).
    """
    arrays = [
        cast(bindparam(f"{name}_{column_name}", list(data), type_=ARRAY(sql_type)), ARRAY(sql_type))
        for column_name, sql_type, data in columns
    ]
    return func.unnest(*arrays).table_valued(*(column_name for column_name, _, _ in columns)).render_derived(name)


# --- weekday masks (how rate_plan_rules.weekdays stores a set of weekdays) ---------------------


def weekdays_to_mask(weekdays: Iterable[Weekday]) -> int:
    return sum(1 << int(day) for day in set(weekdays))


def mask_to_weekdays(mask: int) -> frozenset[Weekday]:
    return frozenset(day for day in Weekday if mask & (1 << int(day)))


ALL_WEEKDAYS_MASK = weekdays_to_mask(ALL_WEEKDAYS)


# --- inventory cells -----------------------------------------------------------------------------

_CELL_FIELDS = (*INVENTORY_FIELDS, "version")


class _NightsFrom:
    """Nights read as whole days after a first night: the driver parses a date from text per row,
    which costs more than the rest of a year's grid; an integer offset costs almost nothing."""

    def __init__(self, first_night: date) -> None:
        self.first_night = first_night
        self._dates: dict[int, date] = {}

    def column(self, night_column: Any) -> Any:
        return type_coerce(night_column - bindparam("first_night", self.first_night, type_=Date), Integer)

    def night(self, offset: int) -> date:
        found = self._dates.get(offset)
        if found is None:
            found = self._dates[offset] = self.first_night + timedelta(days=offset)
        return found


def load_cells(
    session: Session, room_type_ids: Iterable[int], first_night: date, end_night: date | None = None
) -> list[InventoryCell]:
    """The cells of ``room_type_ids`` from ``first_night`` up to ``end_night`` (exclusive; None = all)."""
    ids = sorted(set(room_type_ids))
    if not ids:
        return []
    nights = _NightsFrom(first_night)
    statement = select(
        InventoryDay.room_type_id,
        nights.column(InventoryDay.night),
        *(getattr(InventoryDay, name) for name in _CELL_FIELDS),
    ).where(InventoryDay.room_type_id.in_(ids), InventoryDay.night >= first_night)
    if end_night is not None:
        statement = statement.where(InventoryDay.night < end_night)
    statement = statement.order_by(InventoryDay.room_type_id, InventoryDay.night)
    return [
        InventoryCell(row[0], nights.night(row[1]), **dict(zip(_CELL_FIELDS, row[2:], strict=True)))
        for row in session.execute(statement)
    ]


def last_nights(session: Session, room_type_ids: Iterable[int]) -> dict[int, date]:
    """Room type → the last night its calendar holds (absent: no calendar). One index probe each."""
    ids = sorted(set(room_type_ids))
    if not ids:
        return {}
    wanted = unnest_rows("wanted", [("room_type_id", Integer, ids)])
    last = select(func.max(InventoryDay.night)).where(InventoryDay.room_type_id == wanted.c.room_type_id)
    rows = session.execute(select(wanted.c.room_type_id, last.scalar_subquery()))
    return {room_type_id: night for room_type_id, night in rows if night is not None}


def write_inventory_changes(session: Session, changes: Sequence[InventoryCellChange]) -> None:
    """Persist the domain's cell changes: new cells (``before is None``) inserted, the others updated."""
    _write_cell_changes(
        session,
        InventoryDay,
        changes,
        key="room_type_id",
        values=[(name, _INVENTORY_COLUMN_TYPES[name]) for name in INVENTORY_FIELDS],
        conflict="The calendar changed while this request ran; try again.",
    )


def _write_cell_changes(
    session: Session,
    model: type[InventoryDay] | type[RateDay],
    changes: Sequence[InventoryCellChange | RateCellChange],
    *,
    key: str,
    values: Sequence[tuple[str, Any]],
    conflict: str,
    insert_only: Sequence[tuple[str, Any]] = (),
) -> None:
    """Insert the new cells (``before is None``) and update the others where the version is still
    the one read (else ``ConcurrentCalendarWrite(conflict)``).

    A cell is ``key`` + ``night``; ``values`` (column name, SQL type) are written by both, the
    ``insert_only`` columns by the insert.
    """
    new = [change.after for change in changes if change.before is None]
    changed = [change for change in changes if change.before is not None]
    if new:
        inserted = [(key, Integer), *insert_only, ("night", Date), ("version", BigInteger), *values]
        source = unnest_rows(
            "new_cells", [(name, type_, [getattr(cell, name) for cell in new]) for name, type_ in inserted]
        )
        columns = [name for name, _ in inserted]
        session.execute(insert(model).from_select(columns, select(*(source.c[name] for name in columns))))
    if changed:
        afters = [change.after for change in changed]
        incoming = unnest_rows(
            "incoming",
            [
                (key, Integer, [getattr(cell, key) for cell in afters]),
                ("night", Date, [cell.night for cell in afters]),
                ("old_version", BigInteger, [change.before.version for change in changed if change.before]),
                ("new_version", BigInteger, [cell.version for cell in afters]),
                *((name, type_, [getattr(cell, name) for cell in afters]) for name, type_ in values),
            ],
        )
        statement = (
            update(model)
            .where(
                getattr(model, key) == incoming.c[key],
                model.night == incoming.c.night,
                model.version == incoming.c.old_version,
            )
            .values(
                version=incoming.c.new_version, updated_at=func.now(), **{name: incoming.c[name] for name, _ in values}
            )
            .execution_options(synchronize_session=False)
        )
        result = session.execute(statement)
        if result.rowcount != len(changed):  # type: ignore[attr-defined]
            raise ConcurrentCalendarWrite(conflict)


# --- rate plans, rules and the catalog -----------------------------------------------------------


def plans_of_room_types(session: Session, room_type_ids: Iterable[int]) -> list[RatePlan]:
    ids = sorted(set(room_type_ids))
    if not ids:
        return []
    return list(session.scalars(select(RatePlan).where(RatePlan.room_type_id.in_(ids)).order_by(RatePlan.id)))


def rules_of_plans(session: Session, plan_ids: Iterable[int]) -> list[RatePlanRule]:
    ids = sorted(set(plan_ids))
    if not ids:
        return []
    return list(
        session.scalars(select(RatePlanRule).where(RatePlanRule.rate_plan_id.in_(ids)).order_by(RatePlanRule.id))
    )


def plan_spec(plan: RatePlan) -> RatePlanSpec:
    """The domain's view of a stored plan (amounts at the currency's scale)."""
    derivation = None
    if plan.derivation_kind is not None and plan.derivation_value is not None:
        derivation = adjustment_of(plan.derivation_kind, plan.derivation_value, plan.currency)
    return RatePlanSpec(
        id=plan.id,
        room_type_id=plan.room_type_id,
        currency=plan.currency,
        base_rate=None if plan.base_rate is None else amount_at_scale(plan.base_rate, plan.currency),
        parent_id=plan.parent_id,
        derivation=derivation,
        channel=plan.channel,
    )


def rule_spec(rule: RatePlanRule, currency: str) -> SeasonalRule:
    adjustment = None
    if rule.adjustment_kind is not None and rule.adjustment_value is not None:
        adjustment = adjustment_of(rule.adjustment_kind, rule.adjustment_value, currency)
    return SeasonalRule(
        id=rule.id,
        rate_plan_id=rule.rate_plan_id,
        nights=NightRange.through(rule.date_from, rule.date_to),
        weekdays=mask_to_weekdays(rule.weekdays),
        rate=None if rule.rate is None else amount_at_scale(rule.rate, currency),
        adjustment=adjustment,
        priority=rule.priority,
    )


def adjustment_of(kind: str, value: Decimal, currency: str) -> Adjustment:
    adjustment_kind = AdjustmentKind(kind)
    if adjustment_kind is AdjustmentKind.FIXED:
        return Adjustment(adjustment_kind, amount_at_scale(value, currency))
    return Adjustment(adjustment_kind, plain_decimal(value))


def plain_decimal(value: Decimal) -> Decimal:
    """``10.0000`` → ``10``, ``12.5000`` → ``12.5`` (never exponent notation)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def build_catalog(plans: Iterable[RatePlan], rules: Iterable[RatePlanRule]) -> RateCatalog:
    """The validated rate catalog of the given stored plans and rules."""
    plans = list(plans)
    currency = {plan.id: plan.currency for plan in plans}
    return RateCatalog.build(
        [plan_spec(plan) for plan in plans],
        [rule_spec(rule, currency[rule.rate_plan_id]) for rule in rules if rule.rate_plan_id in currency],
    )


def load_catalog(session: Session, room_type_ids: Iterable[int]) -> RateCatalog:
    """The rate catalog of every plan of ``room_type_ids``, with their seasonal rules."""
    plans = plans_of_room_types(session, room_type_ids)
    return build_catalog(plans, rules_of_plans(session, [plan.id for plan in plans]))


# --- rate cells ----------------------------------------------------------------------------------


def load_rate_cells(
    session: Session, plan_ids: Iterable[int], first_night: date, end_night: date | None = None
) -> list[RateCell]:
    """The rate cells of ``plan_ids`` from ``first_night`` up to ``end_night`` (exclusive; None = all)."""
    ids = sorted(set(plan_ids))
    if not ids:
        return []
    nights = _NightsFrom(first_night)
    statement = (
        select(
            RateDay.rate_plan_id,
            RateDay.room_type_id,
            nights.column(RateDay.night),
            RateDay.amount,
            RateDay.manual,
            RateDay.version,
            RatePlan.currency,
        )
        .join(RatePlan, RatePlan.id == RateDay.rate_plan_id)
        .where(RateDay.rate_plan_id.in_(ids), RateDay.night >= first_night)
    )
    if end_night is not None:
        statement = statement.where(RateDay.night < end_night)
    statement = statement.order_by(RateDay.rate_plan_id, RateDay.night)
    scales: dict[str, Decimal] = {}
    cells = []
    for plan_id, room_type_id, offset, amount, manual, version, currency in session.execute(statement):
        scale = scales.get(currency) or scales.setdefault(currency, quantum(currency))
        cells.append(RateCell(plan_id, room_type_id, nights.night(offset), amount.quantize(scale), manual, version))
    return cells


def write_rate_changes(session: Session, changes: Sequence[RateCellChange]) -> None:
    """Persist the domain's rate cell changes: new cells inserted, the others updated (version-checked)."""
    _write_cell_changes(
        session,
        RateDay,
        changes,
        key="rate_plan_id",
        insert_only=[("room_type_id", Integer)],
        values=[("amount", Numeric(14, 3)), ("manual", Boolean)],
        conflict="The rates changed while this request ran; try again.",
    )


# --- the ARI outbox ------------------------------------------------------------------------------


def add_ari_changes(
    session: Session, property_id: int, records: Sequence[AriChange], *, cause_ota: str | None = None
) -> int:
    """Append the ARI change records of a write to the outbox (same transaction); returns how many.

    ``cause_ota``: the OTA whose own reservation caused the write (its push skips what it already
    applied itself: Expedia decrements its own availability).
    """
    if not records:
        return 0
    source = unnest_rows(
        "records",
        [
            ("room_type_id", Integer, [record.room_type_id for record in records]),
            ("rate_plan_id", Integer, [record.rate_plan_id for record in records]),
            ("night", Date, [record.night for record in records]),
            ("version", BigInteger, [record.version for record in records]),
            # JSON text, cast by the array's type: JSONB[] element binding is not portable across drivers
            ("payload", Text, [json.dumps(outbox_payload(record, cause_ota)) for record in records]),
        ],
    )
    session.execute(
        insert(AriChangeRecord).from_select(
            ["property_id", "room_type_id", "rate_plan_id", "night", "version", "payload"],
            select(
                literal(property_id, Integer),
                source.c.room_type_id,
                source.c.rate_plan_id,
                source.c.night,
                source.c.version,
                cast(source.c.payload, JSONB),
            ),
        )
    )
    return len(records)


def outbox_payload(record: AriChange, cause_ota: str | None) -> dict[str, Any]:
    """The ``payload`` of an ``ari_changes`` row (``cause_ota``: the OTA whose reservation caused it)."""
    payload = record.to_payload()
    if cause_ota is not None:
        payload["cause_ota"] = cause_ota
    return payload


@dataclass(frozen=True)
class OutboxRow:
    id: int
    change: AriChange
    cause_ota: str | None = None  # the OTA whose own reservation caused the change


def ari_changes_after(session: Session, property_id: int, after_id: int = 0, limit: int = 1000) -> list[OutboxRow]:
    """The outbox rows of a property with an id above ``after_id``, oldest first."""
    rows = session.execute(
        select(AriChangeRecord.id, AriChangeRecord.payload)
        .where(AriChangeRecord.property_id == property_id, AriChangeRecord.id > after_id)
        .order_by(AriChangeRecord.id)
        .limit(limit)
    )
    return [OutboxRow(row_id, AriChange.from_payload(payload), payload.get("cause_ota")) for row_id, payload in rows]


def amount_at_scale(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(quantum(currency))


# --- housekeeping checks -------------------------------------------------------------------------


def room_types_with_buffer_drift(session: Session, expected: dict[int, tuple[date, int]]) -> set[int]:
    """Room types with a future night (from their ``today``) whose buffer is not the expected one
    and was not fixed by hand (``manual_buffer``)."""
    if not expected:
        return set()
    items = sorted(expected.items())
    wanted = unnest_rows(
        "wanted",
        [
            ("room_type_id", Integer, [room_type_id for room_type_id, _ in items]),
            ("today", Date, [today for _, (today, _) in items]),
            ("buffer", Integer, [buffer for _, (_, buffer) in items]),
        ],
    )
    rows = session.scalars(
        select(InventoryDay.room_type_id)
        .join(wanted, InventoryDay.room_type_id == wanted.c.room_type_id)
        .where(
            InventoryDay.night >= wanted.c.today,
            InventoryDay.manual_buffer.is_(False),
            InventoryDay.buffer != wanted.c.buffer,
        )
        .distinct()
    )
    return set(rows)


def room_types_with_short_rates(session: Session, last_needed: dict[int, date]) -> set[int]:
    """Room types having a rate plan whose rate cells stop before the room type's ``last_needed`` night."""
    if not last_needed:
        return set()
    items = sorted(last_needed.items())
    wanted = unnest_rows(
        "wanted",
        [
            ("room_type_id", Integer, [room_type_id for room_type_id, _ in items]),
            ("last_night", Date, [night for _, night in items]),
        ],
    )
    last_rate = select(func.max(RateDay.night)).where(RateDay.rate_plan_id == RatePlan.id).scalar_subquery()
    rows = session.scalars(
        select(RatePlan.room_type_id)
        .join(wanted, RatePlan.room_type_id == wanted.c.room_type_id)
        .where(last_rate.is_(None) | (last_rate < wanted.c.last_night))
        .distinct()
    )
    return set(rows)
