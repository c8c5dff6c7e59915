"""Rate plans, derived plans, seasonal rules, and the resolver that prices a night.

A **base plan** has its own rates. A **derived plan** takes its parent's rate for the night and
applies a markup or discount (:class:`Adjustment`: a percentage or a fixed amount, signed).
A derived plan may name the ``channel`` it is made for ("BAR +15 % for Agoda"): that is how a
per-channel markup is modelled, as its own plan that the channel mapping points to, so every
(plan, night) has exactly one rate and one version to push.

The rate of plan ``P`` on night ``n`` is resolved as follows — the most specific input wins:

1. base plan: the rate staff set for that very night (a *manual* rate, from the calendar or a
   bulk update) if there is one; otherwise the winning seasonal rule of ``P`` on ``n``: an
   absolute rule gives its rate, an adjustment rule adjusts ``P``'s ``base_rate``; otherwise
   ``base_rate``.
2. derived plan: the parent's resolved rate with ``P``'s derivation applied; then the winning
   seasonal rule of ``P`` (if any): an absolute rule replaces the value, an adjustment rule
   adjusts it. Derived plans take no manual rates.

Seasonal rules of one plan that cover the same night do not stack: exactly one wins, chosen by
(highest ``priority``, then the shortest date range — the more specific season —, then the
highest ``id`` — the newest rule). The choice is deterministic whatever order rules are given in.

Every adjustment is rounded **half-up** to the currency's minor unit right after it is applied
(so a +10 % child of a parent is always ``round(parent x 1.1)``, and a chain of derivations is
the composition of its steps) and a result below zero becomes zero: a discount can make a rate
free, never negative. A plan's parent must use the same currency; derivation cycles are refused.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.money import check_amount, round_to_currency, validate_currency
from chalicelib.domain.nights import ALL_WEEKDAYS, NightRange, Weekday
from chalicelib.domain.views import changed_fields

MAX_PERCENT = Decimal(1000)
PERCENT_DECIMALS = 4
ZERO = Decimal(0)


class AdjustmentKind(StrEnum):
    PERCENT = "percent"
    FIXED = "fixed"


@dataclass(frozen=True, slots=True)
class Adjustment:
    """A signed markup (> 0) or discount (< 0): ``PERCENT`` of the amount, or a ``FIXED`` amount."""

    kind: AdjustmentKind
    value: Decimal

    def apply(self, amount: Decimal, currency: str) -> Decimal:
        """``amount`` adjusted, rounded half-up to ``currency``, never below zero."""
        raw = amount * (100 + self.value) / 100 if self.kind is AdjustmentKind.PERCENT else amount + self.value
        return max(ZERO, round_to_currency(raw, currency))


@dataclass(frozen=True, slots=True)
class RatePlan:
    """A rate plan of a room type. Base plans set ``base_rate``; derived plans set ``parent_id`` and ``derivation``.

    ``base_rate`` is the rate of nights with neither a manual rate nor a seasonal rule (usually
    the room type's base rate); a derived plan ignores it.
    """

    id: int
    room_type_id: int
    currency: str
    base_rate: Decimal | None = None
    parent_id: int | None = None
    derivation: Adjustment | None = None
    channel: str | None = None

    @property
    def is_derived(self) -> bool:
        return self.parent_id is not None


@dataclass(frozen=True, slots=True)
class SeasonalRule:
    """From ``nights`` on ``weekdays``, plan ``rate_plan_id`` costs ``rate`` or is adjusted by ``adjustment``."""

    id: int
    rate_plan_id: int
    nights: NightRange
    weekdays: frozenset[Weekday] = ALL_WEEKDAYS
    rate: Decimal | None = None
    adjustment: Adjustment | None = None
    priority: int = 0

    def applies_on(self, night: date) -> bool:
        return night in self.nights and Weekday.of(night) in self.weekdays

    @property
    def precedence(self) -> tuple[int, int, int]:
        """Sort key: the first rule in ascending order of this key wins."""
        return (-self.priority, len(self.nights), -self.id)


@dataclass(frozen=True, slots=True)
class RateCell:
    """The rate of one plan on one night, as the calendar stores and channels receive it.

    ``amount`` is the resolved rate; ``manual`` marks a base plan's night whose rate staff set
    explicitly (it then beats seasonal rules). ``version`` is bumped by every change.
    """

    rate_plan_id: int
    room_type_id: int
    night: date
    amount: Decimal
    manual: bool = False
    version: int = 0


@dataclass(frozen=True, slots=True)
class RateCellChange:
    """A rate cell before and after a change; ``before`` is ``None`` when the cell is new."""

    before: RateCell | None
    after: RateCell

    def changed_fields(self) -> dict[str, tuple[Any, Any]]:
        return changed_fields(self.before, self.after, ("amount", "manual"))

    def preview(self) -> dict[str, Any]:
        """JSON-ready ``{kind, rate_plan_id, room_type_id, night, version, changes}`` (amounts as strings)."""
        return {
            "kind": "rate",
            "rate_plan_id": self.after.rate_plan_id,
            "room_type_id": self.after.room_type_id,
            "night": self.after.night.isoformat(),
            "version": self.after.version,
            "changes": {
                name: {"before": _jsonable(b), "after": _jsonable(a)} for name, (b, a) in self.changed_fields().items()
            },
        }


def _jsonable(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


class RateCatalog:
    """A validated set of rate plans and seasonal rules: parents exist, currencies match, no cycles.

    Build it with :meth:`build`, which raises :class:`InvalidInput` listing every problem.
    """

    def __init__(self, plans: Mapping[int, RatePlan], rules: Mapping[int, tuple[SeasonalRule, ...]]) -> None:
        self.plans = plans
        self._rules = rules  # per plan, in precedence order

    @classmethod
    def build(cls, plans: Iterable[RatePlan], rules: Iterable[SeasonalRule] = ()) -> RateCatalog:
        by_id: dict[int, RatePlan] = {}
        problems: list[dict[str, Any]] = []
        for plan in plans:
            if plan.id in by_id:
                problems.append(_problem(plan.id, "id", f"rate plan {plan.id} is listed twice"))
            by_id[plan.id] = plan
        for plan in by_id.values():
            problems.extend(_plan_problems(plan, by_id))
        problems.extend(_cycle_problems(by_id))
        rules_by_plan: dict[int, list[SeasonalRule]] = {}
        for rule in rules:
            rule_problems = _rule_problems(rule, by_id)
            problems.extend(rule_problems)
            if not rule_problems:
                rules_by_plan.setdefault(rule.rate_plan_id, []).append(rule)
        if problems:
            raise InvalidInput("Invalid rate plans: " + "; ".join(p["message"] for p in problems), details=problems)
        ordered = {
            plan_id: tuple(sorted(found, key=lambda r: r.precedence)) for plan_id, found in rules_by_plan.items()
        }
        return cls(by_id, ordered)

    def plan(self, plan_id: int) -> RatePlan:
        try:
            return self.plans[plan_id]
        except KeyError:
            raise InvalidInput(
                f"unknown rate plan {plan_id}",
                details=[{"field": "rate_plan_id", "message": f"unknown rate plan {plan_id}"}],
            ) from None

    def rules_of(self, plan_id: int) -> tuple[SeasonalRule, ...]:
        return self._rules.get(plan_id, ())

    def winning_rule(self, plan_id: int, night: date) -> SeasonalRule | None:
        """The one seasonal rule of the plan that sets its rate on ``night`` (see the module docstring)."""
        for rule in self.rules_of(plan_id):
            if rule.applies_on(night):
                return rule
        return None

    def chain(self, plan_id: int) -> tuple[RatePlan, ...]:
        """The plan and its ancestors, root first."""
        chain = [self.plan(plan_id)]
        while chain[-1].parent_id is not None:
            chain.append(self.plans[chain[-1].parent_id])
        return tuple(reversed(chain))

    def with_descendants(self, plan_ids: Iterable[int]) -> frozenset[int]:
        """The given plans and every plan derived from them, directly or not."""
        found = {self.plan(plan_id).id for plan_id in plan_ids}
        grew = True
        while grew:
            children = {p.id for p in self.plans.values() if p.parent_id in found and p.id not in found}
            found |= children
            grew = bool(children)
        return frozenset(found)

    def in_derivation_order(self) -> tuple[RatePlan, ...]:
        """Every plan, parents before children (ties by id)."""
        depth = {plan_id: len(self.chain(plan_id)) for plan_id in self.plans}
        return tuple(sorted(self.plans.values(), key=lambda p: (depth[p.id], p.id)))


def resolve_rate(
    catalog: RateCatalog,
    plan_id: int,
    night: date,
    manual_rates: Mapping[tuple[int, date], Decimal] | None = None,
) -> Decimal:
    """The rate of plan ``plan_id`` on ``night`` given the manual (per-night) rates of base plans."""
    return _Resolver(catalog, manual_rates or {}).rate(plan_id, night)


def resolve_rates(
    catalog: RateCatalog,
    nights: Iterable[date],
    manual_rates: Mapping[tuple[int, date], Decimal] | None = None,
    plan_ids: Iterable[int] | None = None,
) -> dict[tuple[int, date], Decimal]:
    """Rates keyed by (plan id, night) for ``plan_ids`` (default: every plan) on every night of ``nights``."""
    resolver = _Resolver(catalog, manual_rates or {})
    wanted = list(catalog.plans) if plan_ids is None else list(plan_ids)
    return {(plan_id, night): resolver.rate(plan_id, night) for night in nights for plan_id in wanted}


class _Resolver:
    def __init__(self, catalog: RateCatalog, manual_rates: Mapping[tuple[int, date], Decimal]) -> None:
        self.catalog = catalog
        self.manual_rates = manual_rates
        self.memo: dict[tuple[int, date], Decimal] = {}

    def rate(self, plan_id: int, night: date) -> Decimal:
        key = (plan_id, night)
        if key not in self.memo:
            plan = self.catalog.plan(plan_id)
            # at the currency's scale, so equal rates look equal (100 and 100.00 USD are both 100.00)
            self.memo[key] = round_to_currency(self._compute(plan, night), plan.currency)
        return self.memo[key]

    def _compute(self, plan: RatePlan, night: date) -> Decimal:
        manual = self.manual_rates.get((plan.id, night))
        if plan.parent_id is None:
            if manual is not None:
                return manual
            assert plan.base_rate is not None  # RateCatalog.build checked it
            value = plan.base_rate
        else:
            if manual is not None:
                raise InvalidInput(
                    f"rates.{plan.id}: plan {plan.id} is derived from plan {plan.parent_id}; set the parent's rate",
                    details=[{"field": f"rates.{plan.id}", "night": night.isoformat(), "message": "derived plan"}],
                )
            assert plan.derivation is not None  # RateCatalog.build checked it
            value = plan.derivation.apply(self.rate(plan.parent_id, night), plan.currency)
        rule = self.catalog.winning_rule(plan.id, night)
        if rule is None:
            return value
        if rule.rate is not None:
            return rule.rate
        assert rule.adjustment is not None  # RateCatalog.build checked it
        return rule.adjustment.apply(value, plan.currency)


def refresh_rate_cells(
    catalog: RateCatalog,
    cells: Iterable[RateCell],
    nights: Iterable[date],
    manual_changes: Mapping[tuple[int, date], Decimal | None] | None = None,
    plan_ids: Iterable[int] | None = None,
) -> tuple[RateCellChange, ...]:
    """Re-resolve plans on ``nights``; return the rate cells that change, by night then plan.

    ``cells`` are the stored rate cells (any plans, any nights). ``manual_changes`` sets
    (amount) or removes (``None``) the manual rate of base plans on given nights — validate
    amounts first (:func:`chalicelib.domain.money.check_amount`). ``plan_ids`` limits the
    refresh to those plans (pass :meth:`RateCatalog.with_descendants`); default: every plan of
    the catalog. A cell that does not exist yet comes back with ``before=None`` and version 1;
    a changed one with its version bumped. Cells of other plans are left alone.
    """
    current = {(cell.rate_plan_id, cell.night): cell for cell in cells}
    # a plan made derived since its manual rates were set loses them (derived plans take none)
    manual = {
        key: cell.amount
        for key, cell in current.items()
        if cell.manual and cell.rate_plan_id in catalog.plans and not catalog.plans[cell.rate_plan_id].is_derived
    }
    for key, amount in (manual_changes or {}).items():
        if amount is None:
            manual.pop(key, None)
        else:
            manual[key] = amount
    resolver = _Resolver(catalog, manual)
    wanted = None if plan_ids is None else frozenset(plan_ids)
    plans = [plan for plan in catalog.in_derivation_order() if wanted is None or plan.id in wanted]
    changes: list[RateCellChange] = []
    for night in sorted(set(nights)):
        for plan in plans:
            amount = resolver.rate(plan.id, night)
            is_manual = (plan.id, night) in manual
            before = current.get((plan.id, night))
            if before is None:
                after = RateCell(plan.id, plan.room_type_id, night, amount, manual=is_manual, version=1)
                changes.append(RateCellChange(None, after))
            elif before.amount != amount or before.manual != is_manual:
                after = dataclasses.replace(before, amount=amount, manual=is_manual, version=before.version + 1)
                changes.append(RateCellChange(before, after))
    return tuple(changes)


def validate_adjustment(adjustment: Adjustment, currency: str, *, field: str) -> list[dict[str, Any]]:
    """Problems with an adjustment, as error details naming ``field`` (empty when it is fine)."""
    value = adjustment.value
    if not value.is_finite():
        return [{"field": field, "message": "must be a finite number"}]
    if adjustment.kind is AdjustmentKind.PERCENT:
        if value < -100 or value > MAX_PERCENT:
            return [{"field": field, "message": f"a percentage must be between -100 and {MAX_PERCENT} (got {value})"}]
        if value != round(value, PERCENT_DECIMALS):
            return [{"field": field, "message": f"a percentage has at most {PERCENT_DECIMALS} decimals (got {value})"}]
        return []
    try:
        check_amount(value, currency, field=field, allow_negative=True)
    except InvalidInput as error:
        return error.details
    return []


def _plan_problems(plan: RatePlan, plans: Mapping[int, RatePlan]) -> list[dict[str, Any]]:
    try:
        validate_currency(plan.currency)
    except InvalidInput as error:
        return [_problem(plan.id, "currency", detail["message"]) for detail in error.details]
    problems: list[dict[str, Any]] = []
    if plan.parent_id is None:
        if plan.derivation is not None:
            problems.append(_problem(plan.id, "derivation", "a derivation needs a parent plan"))
        if plan.base_rate is None:
            problems.append(_problem(plan.id, "base_rate", "a plan without a parent needs a base rate"))
        else:
            try:
                check_amount(plan.base_rate, plan.currency, field="base_rate")
            except InvalidInput as error:
                problems.extend(_problem(plan.id, "base_rate", detail["message"]) for detail in error.details)
        return problems
    parent = plans.get(plan.parent_id)
    if parent is None:
        problems.append(_problem(plan.id, "parent_id", f"unknown parent rate plan {plan.parent_id}"))
    elif parent.currency != plan.currency:
        problems.append(
            _problem(plan.id, "parent_id", f"parent plan {parent.id} is in {parent.currency}, not {plan.currency}")
        )
    if plan.derivation is None:
        problems.append(_problem(plan.id, "derivation", "a derived plan needs a derivation (percent or fixed)"))
    else:
        problems.extend(
            _problem(plan.id, "derivation.value", detail["message"])
            for detail in validate_adjustment(plan.derivation, plan.currency, field="derivation.value")
        )
    return problems


def _cycle_problems(plans: Mapping[int, RatePlan]) -> list[dict[str, Any]]:
    problems = []
    reported: set[int] = set()
    for start in sorted(plans):
        path: list[int] = []
        seen: set[int] = set()
        current: int | None = start
        while current is not None and current in plans and current not in seen:
            seen.add(current)
            path.append(current)
            current = plans[current].parent_id
        if current is not None and current in seen:
            cycle = path[path.index(current) :]
            if not reported.intersection(cycle):
                reported.update(cycle)
                loop = " → ".join(str(plan_id) for plan_id in [*cycle, current])
                problems.append(
                    _problem(min(cycle), "parent_id", f"rate plans {loop} derive from each other (a cycle)")
                )
    return problems


def _rule_problems(rule: SeasonalRule, plans: Mapping[int, RatePlan]) -> list[dict[str, Any]]:
    field = f"seasonal_rules.{rule.id}"
    plan = plans.get(rule.rate_plan_id)
    if plan is None:
        return [{"field": f"{field}.rate_plan_id", "message": f"unknown rate plan {rule.rate_plan_id}"}]
    if (rule.rate is None) == (rule.adjustment is None):
        return [{"field": field, "message": "give either a rate or an adjustment"}]
    if not rule.weekdays:
        return [{"field": f"{field}.weekdays", "message": "choose at least one weekday"}]
    if rule.rate is not None:
        try:
            check_amount(rule.rate, plan.currency, field=f"{field}.rate")
        except InvalidInput as error:
            return error.details
        return []
    assert rule.adjustment is not None
    return validate_adjustment(rule.adjustment, plan.currency, field=f"{field}.adjustment.value")


def _problem(plan_id: int, field: str, message: str) -> dict[str, Any]:
    return {"field": f"rate_plans.{plan_id}.{field}", "message": f"rate plan {plan_id}: {message}"}
