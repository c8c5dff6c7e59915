"""The inventory calendar in SQL: cells, rate cells, rate catalogs and the ARI outbox.

Rows are read into the domain's dataclasses (``InventoryCell``, ``RateCell``, ``RatePlan``,
``SeasonalRule``) and the domain's results are written back; no rule lives here. Writes are set
based (one multi-row INSERT, or one ``UPDATE ... FROM (VALUES ...)`` per chunk) and every UPDATE
carries the version it read, so a write that raced another (which the room-type advisory lock
prevents) fails loudly instead of silently overwriting it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Integer,
    Numeric,
    SmallInteger,
    cast,
    column,
    func,
    insert,
    select,
    update,
    values,
)
from sqlalchemy.orm import Session

from chalicelib.db.models import AriChangeRecord, InventoryDay, RateDay, RatePlan, RatePlanRule
from chalicelib.domain.ari_changes import AriChange
from chalicelib.domain.errors import Conflict
from chalicelib.domain.inventory import INVENTORY_FIELDS, InventoryCell, InventoryCellChange
from chalicelib.domain.money import quantum
from chalicelib.domain.nights import ALL_WEEKDAYS, NightRange, Weekday
from chalicelib.domain.rates import Adjustment, AdjustmentKind, RateCatalog, RateCell, RateCellChange, SeasonalRule
from chalicelib.domain.rates import RatePlan as RatePlanSpec

_T = TypeVar("_T")

CHUNK_ROWS = 2000
"""Rows per statement: keeps the bound parameters of one statement well under PostgreSQL's 65535."""

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


# --- weekday masks (how rate_plan_rules.weekdays stores a set of weekdays) ---------------------


def weekdays_to_mask(weekdays: Iterable[Weekday]) -> int:
    return sum(1 << int(day) for day in set(weekdays))


def mask_to_weekdays(mask: int) -> frozenset[Weekday]:
    return frozenset(day for day in Weekday if mask & (1 << int(day)))


ALL_WEEKDAYS_MASK = weekdays_to_mask(ALL_WEEKDAYS)


# --- inventory cells -----------------------------------------------------------------------------

_CELL_COLUMNS = (InventoryDay.room_type_id, InventoryDay.night, *(getattr(InventoryDay, f) for f in INVENTORY_FIELDS))


def load_cells(
    session: Session, room_type_ids: Iterable[int], first_night: date, end_night: date | None = None
) -> list[InventoryCell]:
    """The cells of ``room_type_ids`` from ``first_night`` up to ``end_night`` (exclusive; None = all)."""
    ids = sorted(set(room_type_ids))
    if not ids:
        return []
    statement = select(*_CELL_COLUMNS, InventoryDay.version).where(
        InventoryDay.room_type_id.in_(ids), InventoryDay.night >= first_night
    )
    if end_night is not None:
        statement = statement.where(InventoryDay.night < end_night)
    statement = statement.order_by(InventoryDay.room_type_id, InventoryDay.night)
    return [InventoryCell(**row._asdict()) for row in session.execute(statement)]


def last_nights(session: Session, room_type_ids: Iterable[int]) -> dict[int, date]:
    """Room type → the last night its calendar holds (absent: no calendar). One index probe each."""
    found: dict[int, date] = {}
    for chunk in _chunks(sorted(set(room_type_ids))):
        wanted = values(column("room_type_id", Integer), name="wanted").data(
            [(room_type_id,) for room_type_id in chunk]
        )
        last = (
            select(func.max(InventoryDay.night))
            .where(InventoryDay.room_type_id == cast(wanted.c.room_type_id, Integer))
            .scalar_subquery()
        )
        rows = session.execute(select(cast(wanted.c.room_type_id, Integer), last))
        found.update({room_type_id: night for room_type_id, night in rows if night is not None})
    return found


def write_inventory_changes(session: Session, changes: Sequence[InventoryCellChange]) -> None:
    """Persist the domain's cell changes: new cells (``before is None``) inserted, the others updated."""
    new = [change.after for change in changes if change.before is None]
    changed = [change for change in changes if change.before is not None]
    for chunk in _chunks(new):
        session.execute(insert(InventoryDay).values([_cell_row(cell) for cell in chunk]))
    for batch in _chunks(changed):
        _update_cells(session, batch)


def _cell_row(cell: InventoryCell) -> dict[str, Any]:
    row = {name: getattr(cell, name) for name in INVENTORY_FIELDS}
    return {"room_type_id": cell.room_type_id, "night": cell.night, "version": cell.version, **row}


def _update_cells(session: Session, changes: Sequence[InventoryCellChange]) -> None:
    names = list(INVENTORY_FIELDS)
    data = [
        (
            change.after.room_type_id,
            change.after.night,
            change.before.version if change.before is not None else 0,
            change.after.version,
            *(getattr(change.after, name) for name in names),
        )
        for change in changes
    ]
    incoming = values(
        column("room_type_id", Integer),
        column("night", Date),
        column("old_version", BigInteger),
        column("new_version", BigInteger),
        *(column(name, _INVENTORY_COLUMN_TYPES[name]) for name in names),
        name="incoming",
    ).data(data)
    # Casts: PostgreSQL types a VALUES column from its parameters, and an all-NULL column (max_los
    # cleared everywhere) would otherwise arrive as text.
    statement = (
        update(InventoryDay)
        .where(
            InventoryDay.room_type_id == cast(incoming.c.room_type_id, Integer),
            InventoryDay.night == cast(incoming.c.night, Date),
            InventoryDay.version == cast(incoming.c.old_version, BigInteger),
        )
        .values(
            version=cast(incoming.c.new_version, BigInteger),
            updated_at=func.now(),
            **{name: cast(incoming.c[name], _INVENTORY_COLUMN_TYPES[name]) for name in names},
        )
        .execution_options(synchronize_session=False)
    )
    result = session.execute(statement)
    if result.rowcount != len(changes):  # type: ignore[attr-defined]
        raise ConcurrentCalendarWrite("The calendar changed while this request ran; try again.")


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
    statement = (
        select(
            RateDay.rate_plan_id,
            RateDay.room_type_id,
            RateDay.night,
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
    for plan_id, room_type_id, night, amount, manual, version, currency in session.execute(statement):
        scale = scales.get(currency) or scales.setdefault(currency, quantum(currency))
        cells.append(RateCell(plan_id, room_type_id, night, amount.quantize(scale), manual, version))
    return cells


def write_rate_changes(session: Session, changes: Sequence[RateCellChange]) -> None:
    """Persist the domain's rate cell changes: new cells inserted, the others updated (version-checked)."""
    new = [change.after for change in changes if change.before is None]
    changed = [change for change in changes if change.before is not None]
    for chunk in _chunks(new):
        session.execute(
            insert(RateDay).values(
                [
                    {
                        "rate_plan_id": cell.rate_plan_id,
                        "room_type_id": cell.room_type_id,
                        "night": cell.night,
                        "amount": cell.amount,
                        "manual": cell.manual,
                        "version": cell.version,
                    }
                    for cell in chunk
                ]
            )
        )
    for batch in _chunks(changed):
        data = [
            (
                change.after.rate_plan_id,
                change.after.night,
                change.before.version if change.before is not None else 0,
                change.after.version,
                change.after.amount,
                change.after.manual,
            )
            for change in batch
        ]
        incoming = values(
            column("rate_plan_id", Integer),
            column("night", Date),
            column("old_version", BigInteger),
            column("new_version", BigInteger),
            column("amount", Numeric(14, 3)),
            column("manual", Boolean),
            name="incoming",
        ).data(data)
        statement = (
            update(RateDay)
            .where(
                RateDay.rate_plan_id == cast(incoming.c.rate_plan_id, Integer),
                RateDay.night == cast(incoming.c.night, Date),
                RateDay.version == cast(incoming.c.old_version, BigInteger),
            )
            .values(
                amount=cast(incoming.c.amount, Numeric(14, 3)),
                manual=cast(incoming.c.manual, Boolean),
                version=cast(incoming.c.new_version, BigInteger),
                updated_at=func.now(),
            )
            .execution_options(synchronize_session=False)
        )
        result = session.execute(statement)
        if result.rowcount != len(batch):  # type: ignore[attr-defined]
            raise ConcurrentCalendarWrite("The rates changed while this request ran; try again.")


# --- the ARI outbox ------------------------------------------------------------------------------


def add_ari_changes(session: Session, property_id: int, records: Sequence[AriChange]) -> int:
    """Append the ARI change records of a write to the outbox (same transaction); returns how many."""
    for chunk in _chunks(records):
        session.execute(
            insert(AriChangeRecord).values(
                [
                    {
                        "property_id": property_id,
                        "room_type_id": record.room_type_id,
                        "rate_plan_id": record.rate_plan_id,
                        "night": record.night,
                        "version": record.version,
                        "payload": record.to_payload(),
                    }
                    for record in chunk
                ]
            )
        )
    return len(records)


@dataclass(frozen=True)
class OutboxRow:
    id: int
    change: AriChange


def ari_changes_after(session: Session, property_id: int, after_id: int = 0, limit: int = 1000) -> list[OutboxRow]:
    """The outbox rows of a property with an id above ``after_id``, oldest first."""
    rows = session.execute(
        select(AriChangeRecord.id, AriChangeRecord.payload)
        .where(AriChangeRecord.property_id == property_id, AriChangeRecord.id > after_id)
        .order_by(AriChangeRecord.id)
        .limit(limit)
    )
    return [OutboxRow(row_id, AriChange.from_payload(payload)) for row_id, payload in rows]


def amount_at_scale(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(quantum(currency))


def _chunks(items: Sequence[_T]) -> Iterable[Sequence[_T]]:
    for start in range(0, len(items), CHUNK_ROWS):
        yield items[start : start + CHUNK_ROWS]


# --- housekeeping checks -------------------------------------------------------------------------


def room_types_with_buffer_drift(session: Session, expected: dict[int, tuple[date, int]]) -> set[int]:
    """Room types with a future night (from their ``today``) whose buffer is not the expected one
    and was not fixed by hand (``manual_buffer``)."""
    drifted: set[int] = set()
    items = sorted(expected.items())
    for chunk in _chunks(items):
        wanted = values(
            column("room_type_id", Integer), column("today", Date), column("buffer", Integer), name="wanted"
        ).data([(room_type_id, today, buffer) for room_type_id, (today, buffer) in chunk])
        rows = session.scalars(
            select(InventoryDay.room_type_id)
            .join(wanted, InventoryDay.room_type_id == cast(wanted.c.room_type_id, Integer))
            .where(
                InventoryDay.night >= cast(wanted.c.today, Date),
                InventoryDay.manual_buffer.is_(False),
                InventoryDay.buffer != cast(wanted.c.buffer, Integer),
            )
            .distinct()
        )
        drifted.update(rows)
    return drifted


def room_types_with_short_rates(session: Session, last_needed: dict[int, date]) -> set[int]:
    """Room types having a rate plan whose rate cells stop before the room type's ``last_needed`` night."""
    short: set[int] = set()
    items = sorted(last_needed.items())
    for chunk in _chunks(items):
        wanted = values(column("room_type_id", Integer), column("last_night", Date), name="wanted").data(list(chunk))
        last_rate = select(func.max(RateDay.night)).where(RateDay.rate_plan_id == RatePlan.id).scalar_subquery()
        rows = session.scalars(
            select(RatePlan.room_type_id)
            .join(wanted, RatePlan.room_type_id == cast(wanted.c.room_type_id, Integer))
            .where((last_rate.is_(None)) | (last_rate < cast(wanted.c.last_night, Date)))
            .distinct()
        )
        short.update(rows)
    return short
