"""Rate plans of a room type and their seasonal rules; every change re-prices the calendar.

A base plan has its own ``base_rate`` (default: the room type's); a derived plan takes its
parent's rate (a plan of the same room type) with a percentage or fixed adjustment, optionally
for one ``channel``. Seasonal rules (date range x weekdays → a rate or an adjustment) are
resolved by the domain (``chalicelib.domain.rates``). Creating a plan prices every night of the
24-month window; changing a plan or a rule re-resolves the plan and every plan derived from it
on the nights concerned, writes only the rate cells that change, and appends their ARI records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from chalicelib.db.engine import unit_of_work
from chalicelib.db.locks import lock_room_types
from chalicelib.db.models import Property, RatePlan, RatePlanRule, RoomType
from chalicelib.db.repositories import calendar as calendar_repository
from chalicelib.db.repositories import properties as property_repository
from chalicelib.domain.access import Caller
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound
from chalicelib.domain.money import check_amount
from chalicelib.domain.nights import ALL_WEEKDAYS, NightRange, Weekday, calendar_window, validate_night_range
from chalicelib.domain.rates import Adjustment, AdjustmentKind, validate_adjustment
from chalicelib.services import calendar_upkeep
from chalicelib.services.audit_service import audit_snapshot, record_audit
from chalicelib.services.property_service import require_not_archived
from chalicelib.services.room_type_service import scoped_room_type

PLAN_AUDIT_FIELDS = (
    "room_type_id",
    "code",
    "name",
    "currency",
    "base_rate",
    "parent_id",
    "derivation_kind",
    "derivation_value",
    "channel",
    "is_active",
)
RULE_AUDIT_FIELDS = (
    "rate_plan_id",
    "name",
    "date_from",
    "date_to",
    "weekdays",
    "rate",
    "adjustment_kind",
    "adjustment_value",
    "priority",
)


@dataclass(frozen=True)
class RatePlanRecord:
    id: int
    room_type_id: int
    property_id: int
    code: str
    name: str
    currency: str
    base_rate: Decimal | None
    parent_id: int | None
    derivation_kind: str | None
    derivation_value: Decimal | None
    channel: str | None
    is_active: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class RuleRecord:
    id: int
    rate_plan_id: int
    name: str
    date_from: date
    date_to: date
    weekdays: list[str]
    rate: Decimal | None
    adjustment_kind: str | None
    adjustment_value: Decimal | None
    priority: int
    created_at: datetime
    updated_at: datetime


def plan_record(plan: RatePlan, property_id: int) -> RatePlanRecord:
    spec = calendar_repository.plan_spec(plan)
    return RatePlanRecord(
        id=plan.id,
        room_type_id=plan.room_type_id,
        property_id=property_id,
        code=plan.code,
        name=plan.name,
        currency=plan.currency,
        base_rate=spec.base_rate,
        parent_id=plan.parent_id,
        derivation_kind=plan.derivation_kind,
        derivation_value=None if spec.derivation is None else spec.derivation.value,
        channel=plan.channel,
        is_active=plan.is_active,
        created_at=plan.created_at,
        updated_at=plan.updated_at,
    )


def rule_record(rule: RatePlanRule, currency: str) -> RuleRecord:
    spec = calendar_repository.rule_spec(rule, currency)
    return RuleRecord(
        id=rule.id,
        rate_plan_id=rule.rate_plan_id,
        name=rule.name,
        date_from=rule.date_from,
        date_to=rule.date_to,
        weekdays=[day.name.lower() for day in sorted(spec.weekdays)],
        rate=spec.rate,
        adjustment_kind=rule.adjustment_kind,
        adjustment_value=None if spec.adjustment is None else spec.adjustment.value,
        priority=rule.priority,
        created_at=rule.created_at,
        updated_at=rule.updated_at,
    )


def _scoped_plan(session: Session, caller: Caller, rate_plan_id: int) -> tuple[RatePlan, RoomType, Property]:
    found = property_repository.scoped_rate_plan(session, rate_plan_id, caller.scope)
    if found is None:
        raise NotFound("No such rate plan.")
    return found


def _scoped_rule(session: Session, caller: Caller, rule_id: int) -> tuple[RatePlanRule, RatePlan, RoomType, Property]:
    found = property_repository.scoped_rule(session, rule_id, caller.scope)
    if found is None:
        raise NotFound("No such seasonal rule.")
    return found


# --- plans ---------------------------------------------------------------------------------------


def list_rate_plans(caller: Caller, room_type_id: int) -> list[RatePlanRecord]:
    with unit_of_work() as uow:
        room_type, prop = scoped_room_type(uow.session, caller, room_type_id)
        plans = calendar_repository.plans_of_room_types(uow.session, [room_type.id])
        return [plan_record(plan, prop.id) for plan in plans]


def get_rate_plan(caller: Caller, rate_plan_id: int) -> RatePlanRecord:
    with unit_of_work() as uow:
        plan, _, prop = _scoped_plan(uow.session, caller, rate_plan_id)
        return plan_record(plan, prop.id)


@dataclass(frozen=True)
class NewRatePlan:
    code: str
    name: str
    base_rate: Decimal | None = None
    parent_id: int | None = None
    derivation_kind: str | None = None
    derivation_value: Decimal | None = None
    channel: str | None = None
    is_active: bool = True


def _check_pricing(session: Session, plan: RatePlan, room_type: RoomType) -> None:
    """Field-level checks with the request's names; the catalog then checks the whole (cycles)."""
    if plan.parent_id is None:
        if plan.derivation_kind is not None or plan.derivation_value is not None:
            raise InvalidInput(
                "A derivation needs a parent plan.",
                details=[{"field": "body.parent_id", "message": "required with a derivation"}],
            )
        if plan.base_rate is None:
            plan.base_rate = room_type.base_rate
        plan.base_rate = check_amount(plan.base_rate, plan.currency, field="body.base_rate")
        return
    if plan.parent_id == plan.id:
        raise InvalidInput(
            "A rate plan cannot be derived from itself.",
            details=[{"field": "body.parent_id", "message": "is this plan"}],
        )
    parent = session.get(RatePlan, plan.parent_id)
    if parent is None or parent.room_type_id != room_type.id:
        raise InvalidInput(
            f"Rate plan {plan.parent_id} is not a plan of this room type.",
            details=[{"field": "body.parent_id", "message": "must be a rate plan of the same room type"}],
        )
    if plan.derivation_kind is None or plan.derivation_value is None:
        raise InvalidInput(
            "A derived plan needs derivation_kind (percent or fixed) and derivation_value.",
            details=[{"field": "body.derivation_value", "message": "required with a parent plan"}],
        )
    problems = validate_adjustment(
        Adjustment(AdjustmentKind(plan.derivation_kind), plan.derivation_value),
        plan.currency,
        field="body.derivation_value",
    )
    if problems:
        raise InvalidInput("body.derivation_value: " + problems[0]["message"], details=problems)
    plan.base_rate = None


def create_rate_plan(
    caller: Caller, room_type_id: int, new: NewRatePlan, *, now: datetime | None = None
) -> RatePlanRecord:
    """Create a plan and price every night of the calendar window with it (ARI records included)."""
    with unit_of_work() as uow:
        session = uow.session
        room_type, prop = scoped_room_type(session, caller, room_type_id)
        require_not_archived(prop)
        lock_room_types(session, [room_type.id])
        if property_repository.rate_plan_code_taken(session, room_type.id, new.code):
            raise Conflict(
                f"This room type already has a rate plan {new.code!r}.",
                details=[{"field": "body.code", "message": "already used for this room type"}],
            )
        plan = RatePlan(
            room_type_id=room_type.id,
            code=new.code,
            name=new.name,
            currency=prop.currency,
            base_rate=new.base_rate,
            parent_id=new.parent_id,
            derivation_kind=new.derivation_kind,
            derivation_value=new.derivation_value,
            channel=new.channel,
            is_active=new.is_active,
        )
        _check_pricing(session, plan, room_type)
        session.add(plan)
        session.flush()
        session.refresh(plan)
        catalog = calendar_repository.load_catalog(session, [room_type.id])
        today = calendar_upkeep.property_today(prop, now)
        changes = calendar_upkeep.CalendarChanges(
            rates=calendar_upkeep.fill_missing_rates(session, catalog, [plan.id], calendar_window(today))
        )
        calendar_upkeep.persist(session, prop.id, changes)
        record_audit(
            session,
            caller,
            "rate_plan.created",
            "rate_plan",
            plan.id,
            None,
            audit_snapshot(plan, PLAN_AUDIT_FIELDS),
            country_code=prop.country_code,
        )
        return plan_record(plan, prop.id)


def update_rate_plan(
    caller: Caller, rate_plan_id: int, changes: dict[str, Any], *, now: datetime | None = None
) -> RatePlanRecord:
    """Edit a plan; a pricing change re-prices it and its derived plans over the whole window."""
    with unit_of_work() as uow:
        session = uow.session
        plan, room_type, prop = _scoped_plan(session, caller, rate_plan_id)
        require_not_archived(prop)
        lock_room_types(session, [room_type.id])
        session.refresh(plan, with_for_update=True)
        before = audit_snapshot(plan, PLAN_AUDIT_FIELDS)
        if "code" in changes and property_repository.rate_plan_code_taken(
            session, room_type.id, changes["code"], except_id=plan.id
        ):
            raise Conflict(
                f"This room type already has a rate plan {changes['code']!r}.",
                details=[{"field": "body.code", "message": "already used for this room type"}],
            )
        if changes.get("parent_id") is None and "parent_id" in changes:
            # becoming a base plan: the derivation goes with the parent
            changes.setdefault("derivation_kind", None)
            changes.setdefault("derivation_value", None)
        for name, value in changes.items():
            setattr(plan, name, value)
        # No autoflush while checking: loading the parent must not write a half-changed plan
        # (a base plan given only a parent breaks ck_rate_plans_base_or_derived: a 500, not a 422).
        with session.no_autoflush:
            _check_pricing(session, plan, room_type)
        session.flush()
        catalog = calendar_repository.load_catalog(session, [room_type.id])  # refuses cycles
        today = calendar_upkeep.property_today(prop, now)
        rate_changes = calendar_upkeep.refresh_plans(session, catalog, [plan.id], calendar_window(today), today)
        calendar_upkeep.persist(session, prop.id, calendar_upkeep.CalendarChanges(rates=rate_changes))
        session.refresh(plan)
        after = audit_snapshot(plan, PLAN_AUDIT_FIELDS)
        if after != before:
            record_audit(
                session,
                caller,
                "rate_plan.updated",
                "rate_plan",
                plan.id,
                before,
                after,
                country_code=prop.country_code,
            )
        return plan_record(plan, prop.id)


def delete_rate_plan(caller: Caller, rate_plan_id: int) -> None:
    """Delete a plan with its rules and rates; refused (409) while plans are derived from it."""
    with unit_of_work() as uow:
        session = uow.session
        plan, room_type, prop = _scoped_plan(session, caller, rate_plan_id)
        lock_room_types(session, [room_type.id])
        children = property_repository.children_of_plan(session, plan.id)
        if children:
            raise Conflict(
                f"Rate plans {', '.join(map(str, children))} are derived from this plan; change or delete them first.",
                details=[{"field": "rate_plan_id", "derived_plans": children, "message": "has derived plans"}],
            )
        before = audit_snapshot(plan, PLAN_AUDIT_FIELDS)
        session.delete(plan)
        record_audit(
            session,
            caller,
            "rate_plan.deleted",
            "rate_plan",
            rate_plan_id,
            before,
            None,
            country_code=prop.country_code,
        )


# --- seasonal rules ------------------------------------------------------------------------------


def list_rules(caller: Caller, rate_plan_id: int) -> list[RuleRecord]:
    with unit_of_work() as uow:
        plan, _, _ = _scoped_plan(uow.session, caller, rate_plan_id)
        return [rule_record(rule, plan.currency) for rule in calendar_repository.rules_of_plans(uow.session, [plan.id])]


@dataclass(frozen=True)
class NewRule:
    date_from: date
    date_to: date
    weekdays: frozenset[Weekday] = ALL_WEEKDAYS
    rate: Decimal | None = None
    adjustment_kind: str | None = None
    adjustment_value: Decimal | None = None
    priority: int = 0
    name: str = ""


def _check_rule(rule: RatePlanRule, currency: str, today: date) -> NightRange:
    nights = NightRange.through(rule.date_from, rule.date_to, start_field="body.date_from", end_field="body.date_to")
    validate_night_range(nights, today=today, allow_past=True, start_field="body.date_from", end_field="body.date_to")
    has_rate = rule.rate is not None
    has_adjustment = rule.adjustment_kind is not None or rule.adjustment_value is not None
    if has_rate == has_adjustment:
        raise InvalidInput(
            "Give either a rate or an adjustment (adjustment_kind and adjustment_value).",
            details=[{"field": "body.rate", "message": "give either rate or adjustment_kind + adjustment_value"}],
        )
    if rule.rate is not None:
        rule.rate = check_amount(rule.rate, currency, field="body.rate")
    else:
        if rule.adjustment_kind is None or rule.adjustment_value is None:
            raise InvalidInput(
                "An adjustment needs both adjustment_kind and adjustment_value.",
                details=[{"field": "body.adjustment_value", "message": "give adjustment_kind and adjustment_value"}],
            )
        problems = validate_adjustment(
            Adjustment(AdjustmentKind(rule.adjustment_kind), rule.adjustment_value),
            currency,
            field="body.adjustment_value",
        )
        if problems:
            raise InvalidInput("body.adjustment_value: " + problems[0]["message"], details=problems)
    return nights


def _reprice(
    session: Session, prop: Property, room_type: RoomType, plan: RatePlan, nights: Iterable[date], now: datetime | None
) -> None:
    catalog = calendar_repository.load_catalog(session, [room_type.id])
    today = calendar_upkeep.property_today(prop, now)
    rate_changes = calendar_upkeep.refresh_plans(session, catalog, [plan.id], nights, today)
    calendar_upkeep.persist(session, prop.id, calendar_upkeep.CalendarChanges(rates=rate_changes))


def create_rule(caller: Caller, rate_plan_id: int, new: NewRule, *, now: datetime | None = None) -> RuleRecord:
    """Add a seasonal rule and re-price its nights (the plan's and its derived plans')."""
    with unit_of_work() as uow:
        session = uow.session
        plan, room_type, prop = _scoped_plan(session, caller, rate_plan_id)
        require_not_archived(prop)
        lock_room_types(session, [room_type.id])
        rule = RatePlanRule(
            rate_plan_id=plan.id,
            name=new.name,
            date_from=new.date_from,
            date_to=new.date_to,
            weekdays=calendar_repository.weekdays_to_mask(new.weekdays),
            rate=new.rate,
            adjustment_kind=new.adjustment_kind,
            adjustment_value=new.adjustment_value,
            priority=new.priority,
        )
        nights = _check_rule(rule, plan.currency, calendar_upkeep.property_today(prop, now))
        session.add(rule)
        session.flush()
        session.refresh(rule)
        _reprice(session, prop, room_type, plan, nights, now)
        record_audit(
            session,
            caller,
            "rate_plan_rule.created",
            "rate_plan_rule",
            rule.id,
            None,
            audit_snapshot(rule, RULE_AUDIT_FIELDS),
            country_code=prop.country_code,
        )
        return rule_record(rule, plan.currency)


def update_rule(caller: Caller, rule_id: int, changes: dict[str, Any], *, now: datetime | None = None) -> RuleRecord:
    """Edit a seasonal rule and re-price the nights it covered and covers now."""
    with unit_of_work() as uow:
        session = uow.session
        rule, plan, room_type, prop = _scoped_rule(session, caller, rule_id)
        require_not_archived(prop)
        lock_room_types(session, [room_type.id])
        session.refresh(rule, with_for_update=True)
        before = audit_snapshot(rule, RULE_AUDIT_FIELDS)
        old_nights = NightRange.through(rule.date_from, rule.date_to)
        if "weekdays" in changes:
            changes["weekdays"] = calendar_repository.weekdays_to_mask(changes["weekdays"])
        if changes.get("rate") is not None:
            changes.setdefault("adjustment_kind", None)
            changes.setdefault("adjustment_value", None)
        elif changes.get("adjustment_kind") is not None or changes.get("adjustment_value") is not None:
            changes.setdefault("rate", None)
        for name, value in changes.items():
            setattr(rule, name, value)
        nights = _check_rule(rule, plan.currency, calendar_upkeep.property_today(prop, now))
        session.flush()
        _reprice(session, prop, room_type, plan, [*old_nights, *nights], now)
        session.refresh(rule)
        after = audit_snapshot(rule, RULE_AUDIT_FIELDS)
        if after != before:
            record_audit(
                session,
                caller,
                "rate_plan_rule.updated",
                "rate_plan_rule",
                rule.id,
                before,
                after,
                country_code=prop.country_code,
            )
        return rule_record(rule, plan.currency)


def delete_rule(caller: Caller, rule_id: int, *, now: datetime | None = None) -> None:
    """Remove a seasonal rule and re-price the nights it covered."""
    with unit_of_work() as uow:
        session = uow.session
        rule, plan, room_type, prop = _scoped_rule(session, caller, rule_id)
        lock_room_types(session, [room_type.id])
        before = audit_snapshot(rule, RULE_AUDIT_FIELDS)
        nights = NightRange.through(rule.date_from, rule.date_to)
        session.delete(rule)
        session.flush()
        if prop.status != "archived":
            _reprice(session, prop, room_type, plan, nights, now)
        record_audit(
            session,
            caller,
            "rate_plan_rule.deleted",
            "rate_plan_rule",
            rule_id,
            before,
            None,
            country_code=prop.country_code,
        )
