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
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller
from chalicelib.domain.catalog import (
    NewRatePlan,
    NewRule,
    PropertyRecord,
    PropertyStatus,
    RatePlanRecord,
    RoomTypeRecord,
    RuleRecord,
    require_not_archived,
)
from chalicelib.domain.errors import Conflict, InvalidInput, existing
from chalicelib.domain.money import check_amount
from chalicelib.domain.nights import NightRange, calendar_window, validate_night_range
from chalicelib.domain.rates import Adjustment, AdjustmentKind, validate_adjustment
from chalicelib.services.audit_service import AuditedKind
from chalicelib.services.ports import UnitOfWork, UnitOfWorkFactory
from chalicelib.services.property_service import property_today
from chalicelib.services.room_type_service import find_room_type

__all__ = [
    "NewRatePlan",
    "NewRule",
    "RatePlanRecord",
    "RuleRecord",
    "create_rate_plan",
    "create_rule",
    "delete_rate_plan",
    "delete_rule",
    "get_rate_plan",
    "list_rate_plans",
    "list_rules",
    "update_rate_plan",
    "update_rule",
]

RATE_PLAN_AUDIT = AuditedKind(
    "rate_plan",
    (
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
    ),
)
PRICING_FIELDS = ("base_rate", "parent_id", "derivation_kind", "derivation_value")
RULE_AUDIT = AuditedKind(
    "rate_plan_rule",
    (
        "rate_plan_id",
        "name",
        "date_from",
        "date_to",
        "weekdays",
        "rate",
        "adjustment_kind",
        "adjustment_value",
        "priority",
    ),
)
RULE_PRICE_FIELDS = ("rate", "adjustment_kind", "adjustment_value")

Plan = tuple[RatePlanRecord, RoomTypeRecord, PropertyRecord]


def _find_plan(work: UnitOfWork, caller: Caller, rate_plan_id: int, *, for_update: bool = False) -> Plan:
    return existing(work.rate_plans.get(caller.scope, rate_plan_id, for_update=for_update), "No such rate plan.")


def _find_rule(
    work: UnitOfWork, caller: Caller, rule_id: int, *, for_update: bool = False
) -> tuple[RuleRecord, RatePlanRecord, RoomTypeRecord, PropertyRecord]:
    return existing(work.rate_plans.get_rule(caller.scope, rule_id, for_update=for_update), "No such seasonal rule.")


def _reprice(work: UnitOfWork, plan: RatePlanRecord, prop: PropertyRecord, nights: Iterable[date], today: date) -> None:
    """Re-resolve the plan and the plans derived from it on ``nights`` (refused if the catalog is invalid)."""
    catalog = work.rate_plans.catalog(plan.room_type_id)
    work.catalog_calendar.reprice(prop.id, catalog, [plan.id], nights, today)


# --- plans ---------------------------------------------------------------------------------------


def list_rate_plans(
    caller: Caller, room_type_id: int, *, uow: UnitOfWorkFactory = unit_of_work
) -> list[RatePlanRecord]:
    with uow() as work:
        room_type, _ = find_room_type(work, caller, room_type_id)
        return work.rate_plans.of_room_type(room_type.id)


def get_rate_plan(caller: Caller, rate_plan_id: int, *, uow: UnitOfWorkFactory = unit_of_work) -> RatePlanRecord:
    with uow() as work:
        plan, _, _ = _find_plan(work, caller, rate_plan_id)
        return plan


def _checked_pricing(
    work: UnitOfWork, pricing: dict[str, Any], room_type: RoomTypeRecord, *, plan_id: int | None = None
) -> dict[str, Any]:
    """The plan's pricing fields, checked with the request's names and normalised (the catalog then
    checks the whole: cycles). A base plan's rate defaults to the room type's; a derived plan has none."""
    currency = pricing["currency"]
    if pricing["parent_id"] is None:
        if pricing["derivation_kind"] is not None or pricing["derivation_value"] is not None:
            raise InvalidInput(
                "A derivation needs a parent plan.",
                details=[{"field": "parent_id", "message": "required with a derivation"}],
            )
        base_rate = room_type.base_rate if pricing["base_rate"] is None else pricing["base_rate"]
        return {**pricing, "base_rate": check_amount(base_rate, currency, field="base_rate")}
    if pricing["parent_id"] == plan_id:
        raise InvalidInput(
            "A rate plan cannot be derived from itself.",
            details=[{"field": "parent_id", "message": "is this plan"}],
        )
    if work.rate_plans.room_type_of(pricing["parent_id"]) != room_type.id:
        raise InvalidInput(
            f"Rate plan {pricing['parent_id']} is not a plan of this room type.",
            details=[{"field": "parent_id", "message": "must be a rate plan of the same room type"}],
        )
    if pricing["derivation_kind"] is None or pricing["derivation_value"] is None:
        raise InvalidInput(
            "A derived plan needs derivation_kind (percent or fixed) and derivation_value.",
            details=[{"field": "derivation_value", "message": "required with a parent plan"}],
        )
    adjustment = Adjustment(AdjustmentKind(pricing["derivation_kind"]), pricing["derivation_value"])
    problems = validate_adjustment(adjustment, currency, field="derivation_value")
    if problems:
        raise InvalidInput("derivation_value: " + problems[0]["message"], details=problems)
    return {**pricing, "base_rate": None}


def _check_plan_code_free(work: UnitOfWork, room_type_id: int, code: str, except_id: int | None = None) -> None:
    if work.rate_plans.code_taken(room_type_id, code, except_id=except_id):
        raise Conflict(
            f"This room type already has a rate plan {code!r}.",
            details=[{"field": "code", "message": "already used for this room type"}],
        )


def create_rate_plan(
    caller: Caller,
    room_type_id: int,
    new: NewRatePlan,
    *,
    now: datetime | None = None,
    uow: UnitOfWorkFactory = unit_of_work,
) -> RatePlanRecord:
    """Create a plan and price every night of the calendar window with it (ARI records included)."""
    with uow() as work:
        room_type, prop = find_room_type(work, caller, room_type_id)
        require_not_archived(prop)
        work.room_types.lock([room_type.id])
        _check_plan_code_free(work, room_type.id, new.code)
        values = _checked_pricing(work, {**asdict(new), "currency": prop.currency}, room_type)
        plan = work.rate_plans.add(room_type.id, values)
        catalog = work.rate_plans.catalog(room_type.id)
        work.catalog_calendar.price_new_plan(prop.id, catalog, plan.id, property_today(prop, now))
        RATE_PLAN_AUDIT.created(work.audit, caller, plan, country_code=prop.country_code)
        return plan


def update_rate_plan(
    caller: Caller,
    rate_plan_id: int,
    changes: dict[str, Any],
    *,
    now: datetime | None = None,
    uow: UnitOfWorkFactory = unit_of_work,
) -> RatePlanRecord:
    """Edit a plan; a pricing change re-prices it and its derived plans over the whole window."""
    changes = dict(changes)
    with uow() as work:
        _, room_type, prop = _find_plan(work, caller, rate_plan_id)
        require_not_archived(prop)
        work.room_types.lock([room_type.id])
        plan, room_type, prop = _find_plan(work, caller, rate_plan_id, for_update=True)
        before = RATE_PLAN_AUDIT.snapshot(plan)
        if "code" in changes:
            _check_plan_code_free(work, room_type.id, changes["code"], except_id=plan.id)
        if changes.get("parent_id") is None and "parent_id" in changes:
            # becoming a base plan: the derivation goes with the parent
            changes.setdefault("derivation_kind", None)
            changes.setdefault("derivation_value", None)
        pricing = {name: changes.get(name, getattr(plan, name)) for name in (*PRICING_FIELDS, "currency")}
        pricing = _checked_pricing(work, pricing, room_type, plan_id=plan.id)
        updated = work.rate_plans.update(plan.id, {**changes, **{name: pricing[name] for name in PRICING_FIELDS}})
        today = property_today(prop, now)
        _reprice(work, updated, prop, calendar_window(today), today)
        RATE_PLAN_AUDIT.updated(work.audit, caller, before, updated, country_code=prop.country_code)
        return updated


def delete_rate_plan(caller: Caller, rate_plan_id: int, *, uow: UnitOfWorkFactory = unit_of_work) -> None:
    """Delete a plan with its rules and rates; refused (409) while plans are derived from it."""
    with uow() as work:
        plan, room_type, prop = _find_plan(work, caller, rate_plan_id)
        work.room_types.lock([room_type.id])
        children = work.rate_plans.children(plan.id)
        if children:
            raise Conflict(
                f"Rate plans {', '.join(map(str, children))} are derived from this plan; change or delete them first.",
                details=[{"field": "rate_plan_id", "derived_plans": children, "message": "has derived plans"}],
            )
        work.rate_plans.delete(plan.id)
        RATE_PLAN_AUDIT.deleted(work.audit, caller, plan, country_code=prop.country_code)


# --- seasonal rules ------------------------------------------------------------------------------


def list_rules(caller: Caller, rate_plan_id: int, *, uow: UnitOfWorkFactory = unit_of_work) -> list[RuleRecord]:
    with uow() as work:
        plan, _, _ = _find_plan(work, caller, rate_plan_id)
        return work.rate_plans.rules_of(plan.id, plan.currency)


def _checked_rule(rule: dict[str, Any], currency: str, today: date) -> tuple[NightRange, dict[str, Any]]:
    """The rule's nights and its price fields, checked with the request's names and normalised."""
    nights = NightRange.through(rule["date_from"], rule["date_to"], start_field="date_from", end_field="date_to")
    validate_night_range(nights, today=today, allow_past=True, start_field="date_from", end_field="date_to")
    rate, kind, value = rule["rate"], rule["adjustment_kind"], rule["adjustment_value"]
    has_adjustment = kind is not None or value is not None
    if (rate is not None) == has_adjustment:
        raise InvalidInput(
            "Give either a rate or an adjustment (adjustment_kind and adjustment_value).",
            details=[{"field": "rate", "message": "give either rate or adjustment_kind + adjustment_value"}],
        )
    if rate is not None:
        return nights, {"rate": check_amount(rate, currency, field="rate")}
    if kind is None or value is None:
        raise InvalidInput(
            "An adjustment needs both adjustment_kind and adjustment_value.",
            details=[{"field": "adjustment_value", "message": "give adjustment_kind and adjustment_value"}],
        )
    problems = validate_adjustment(Adjustment(AdjustmentKind(kind), value), currency, field="adjustment_value")
    if problems:
        raise InvalidInput("adjustment_value: " + problems[0]["message"], details=problems)
    return nights, {}


def create_rule(
    caller: Caller,
    rate_plan_id: int,
    new: NewRule,
    *,
    now: datetime | None = None,
    uow: UnitOfWorkFactory = unit_of_work,
) -> RuleRecord:
    """Add a seasonal rule and re-price its nights (the plan's and its derived plans')."""
    with uow() as work:
        plan, room_type, prop = _find_plan(work, caller, rate_plan_id)
        require_not_archived(prop)
        work.room_types.lock([room_type.id])
        today = property_today(prop, now)
        values = asdict(new)
        nights, normalised = _checked_rule(values, plan.currency, today)
        rule = work.rate_plans.add_rule(plan.id, {**values, **normalised})
        _reprice(work, plan, prop, nights, today)
        RULE_AUDIT.created(work.audit, caller, rule, country_code=prop.country_code)
        return rule


def update_rule(
    caller: Caller,
    rule_id: int,
    changes: dict[str, Any],
    *,
    now: datetime | None = None,
    uow: UnitOfWorkFactory = unit_of_work,
) -> RuleRecord:
    """Edit a seasonal rule and re-price the nights it covered and covers now."""
    changes = dict(changes)
    with uow() as work:
        _, _, room_type, prop = _find_rule(work, caller, rule_id)
        require_not_archived(prop)
        work.room_types.lock([room_type.id])
        rule, plan, room_type, prop = _find_rule(work, caller, rule_id, for_update=True)
        before = RULE_AUDIT.snapshot(rule)
        old_nights = NightRange.through(rule.date_from, rule.date_to)
        if changes.get("rate") is not None:
            changes.setdefault("adjustment_kind", None)
            changes.setdefault("adjustment_value", None)
        elif changes.get("adjustment_kind") is not None or changes.get("adjustment_value") is not None:
            changes.setdefault("rate", None)
        merged = {name: changes.get(name, getattr(rule, name)) for name in ("date_from", "date_to", *RULE_PRICE_FIELDS)}
        today = property_today(prop, now)
        nights, normalised = _checked_rule(merged, plan.currency, today)
        updated = work.rate_plans.update_rule(rule.id, {**changes, **normalised})
        _reprice(work, plan, prop, [*old_nights, *nights], today)
        RULE_AUDIT.updated(work.audit, caller, before, updated, country_code=prop.country_code)
        return updated


def delete_rule(
    caller: Caller, rule_id: int, *, now: datetime | None = None, uow: UnitOfWorkFactory = unit_of_work
) -> None:
    """Remove a seasonal rule and re-price the nights it covered."""
    with uow() as work:
        rule, plan, room_type, prop = _find_rule(work, caller, rule_id)
        work.room_types.lock([room_type.id])
        nights = NightRange.through(rule.date_from, rule.date_to)
        work.rate_plans.delete_rule(rule.id)
        if prop.status != PropertyStatus.ARCHIVED:
            _reprice(work, plan, prop, nights, property_today(prop, now))
        RULE_AUDIT.deleted(work.audit, caller, rule, country_code=prop.country_code)
