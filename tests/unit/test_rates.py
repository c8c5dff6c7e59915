"""Rate plans: base and derived plans, seasonal rules and their precedence, rounding, cycles."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.nights import NightRange, Weekday
from chalicelib.domain.rates import (
    Adjustment,
    AdjustmentKind,
    RateCatalog,
    RateCell,
    RatePlan,
    SeasonalRule,
    refresh_rate_cells,
    resolve_rate,
    resolve_rates,
)
from tests.unit.calendar_strategies import PROPERTY, TODAY, amounts

SUNDAY = TODAY  # 1 March 2026
MONDAY = TODAY + timedelta(days=1)
ROOM = 10


def percent(value: str) -> Adjustment:
    return Adjustment(AdjustmentKind.PERCENT, Decimal(value))


def fixed(value: str) -> Adjustment:
    return Adjustment(AdjustmentKind.FIXED, Decimal(value))


def base(plan_id: int = 1, rate: str = "1000000", currency: str = "VND") -> RatePlan:
    return RatePlan(plan_id, ROOM, currency, base_rate=Decimal(rate))


def child(plan_id: int, parent_id: int, adjustment: Adjustment, currency: str = "VND") -> RatePlan:
    return RatePlan(plan_id, ROOM, currency, parent_id=parent_id, derivation=adjustment)


def march(first: int, last: int) -> NightRange:
    return NightRange.through(date(2026, 3, first), date(2026, 3, last))


def test_a_base_plan_costs_its_base_rate_without_rules_or_manual_rates() -> None:
    catalog = RateCatalog.build([base()])
    assert resolve_rate(catalog, 1, SUNDAY) == Decimal(1000000)


def test_a_manual_rate_beats_seasonal_rules_which_beat_the_base_rate() -> None:
    rule = SeasonalRule(1, 1, march(1, 31), rate=Decimal(1200000))
    catalog = RateCatalog.build([base()], [rule])
    assert resolve_rate(catalog, 1, SUNDAY) == Decimal(1200000)
    assert resolve_rate(catalog, 1, SUNDAY, {(1, SUNDAY): Decimal(900000)}) == Decimal(900000)
    assert resolve_rate(catalog, 1, date(2026, 4, 1)) == Decimal(1000000)


def test_an_adjustment_rule_adjusts_the_base_rate_on_its_weekdays() -> None:
    weekend = SeasonalRule(1, 1, march(1, 31), weekdays=frozenset({Weekday.SAT, Weekday.SUN}), adjustment=percent("20"))
    catalog = RateCatalog.build([base()], [weekend])
    assert resolve_rate(catalog, 1, SUNDAY) == Decimal(1200000)
    assert resolve_rate(catalog, 1, MONDAY) == Decimal(1000000)


def test_derived_plans_apply_percent_and_fixed_adjustments_to_the_parent() -> None:
    catalog = RateCatalog.build(
        [base(), child(2, 1, percent("10")), child(3, 2, fixed("-50000")), child(4, 1, percent("-12.5"))]
    )
    rates = resolve_rates(catalog, [SUNDAY])
    assert rates == {
        (1, SUNDAY): Decimal(1000000),
        (2, SUNDAY): Decimal(1100000),
        (3, SUNDAY): Decimal(1050000),
        (4, SUNDAY): Decimal(875000),
    }


def test_derived_rates_round_half_up_to_the_currency_at_each_step() -> None:
    catalog = RateCatalog.build(
        [base(1, "99.99", "USD"), child(2, 1, percent("15"), "USD"), child(3, 2, percent("0.005"), "USD")]
    )
    assert resolve_rate(catalog, 2, SUNDAY) == Decimal("114.99")  # 114.9885
    assert resolve_rate(catalog, 3, SUNDAY) == Decimal("115.00")  # 114.99 x 1.00005 = 114.9957...
    vnd = RateCatalog.build([base(1, "1000001"), child(2, 1, percent("-50"))])
    assert resolve_rate(vnd, 2, SUNDAY) == Decimal(500001)  # 500000.5 rounds up


def test_a_discount_never_makes_a_rate_negative() -> None:
    catalog = RateCatalog.build([base(1, "30000"), child(2, 1, fixed("-50000")), child(3, 1, percent("-100"))])
    assert resolve_rate(catalog, 2, SUNDAY) == Decimal(0)
    assert resolve_rate(catalog, 3, SUNDAY) == Decimal(0)


def test_a_derived_plans_own_rules_apply_after_the_derivation() -> None:
    rules = [
        SeasonalRule(1, 2, march(1, 1), rate=Decimal(777000)),
        SeasonalRule(2, 2, march(2, 2), adjustment=fixed("1000")),
    ]
    catalog = RateCatalog.build([base(), child(2, 1, percent("10"))], rules)
    assert resolve_rate(catalog, 2, SUNDAY) == Decimal(777000)
    assert resolve_rate(catalog, 2, MONDAY) == Decimal(1101000)


def test_overlapping_rules_the_highest_priority_wins_then_the_shortest_range_then_the_newest() -> None:
    season = SeasonalRule(1, 1, march(1, 31), rate=Decimal(1100000))
    week = SeasonalRule(2, 1, march(1, 7), rate=Decimal(1200000))
    newer_week = SeasonalRule(3, 1, march(1, 7), rate=Decimal(1300000))
    urgent = SeasonalRule(4, 1, march(1, 31), rate=Decimal(1400000), priority=5)
    assert resolve_rate(RateCatalog.build([base()], [season, week]), 1, SUNDAY) == Decimal(1200000)
    assert resolve_rate(RateCatalog.build([base()], [newer_week, season, week]), 1, SUNDAY) == Decimal(1300000)
    assert resolve_rate(RateCatalog.build([base()], [season, urgent, week, newer_week]), 1, SUNDAY) == Decimal(1400000)
    assert resolve_rate(RateCatalog.build([base()], [season, week]), 1, date(2026, 3, 20)) == Decimal(1100000)


def test_derivation_cycles_are_refused_naming_the_plans() -> None:
    with pytest.raises(InvalidInput) as caught:
        RateCatalog.build([base(1), child(2, 3, percent("5")), child(3, 4, percent("5")), child(4, 2, percent("5"))])
    assert caught.value.details == [
        {
            "field": "rate_plans.2.parent_id",
            "message": "rate plan 2: rate plans 2 → 3 → 4 → 2 derive from each other (a cycle)",
        }
    ]
    with pytest.raises(InvalidInput, match="1 → 1"):
        RateCatalog.build([RatePlan(1, ROOM, "VND", parent_id=1, derivation=percent("1"))])


@pytest.mark.parametrize(
    ("plans", "field", "fragment"),
    [
        ([RatePlan(1, ROOM, "VND")], "rate_plans.1.base_rate", "needs a base rate"),
        ([base(1, "100.5")], "rate_plans.1.base_rate", "more decimals than VND allows"),
        ([base(1, "-1")], "rate_plans.1.base_rate", "must not be negative"),
        ([RatePlan(1, ROOM, "XXX", base_rate=Decimal(1))], "rate_plans.1.currency", "unknown or unsupported"),
        ([base(), child(2, 9, percent("5"))], "rate_plans.2.parent_id", "unknown parent rate plan 9"),
        ([base(), child(2, 1, percent("5"), "USD")], "rate_plans.2.parent_id", "is in VND, not USD"),
        ([base(), RatePlan(2, ROOM, "VND", parent_id=1)], "rate_plans.2.derivation", "needs a derivation"),
        ([base(), child(2, 1, percent("-100.01"))], "rate_plans.2.derivation.value", "between -100 and 1000"),
        ([base(), child(2, 1, percent("1.00001"))], "rate_plans.2.derivation.value", "at most 4 decimals"),
        ([base(), child(2, 1, fixed("0.5"))], "rate_plans.2.derivation.value", "more decimals than VND"),
        (
            [base(), RatePlan(2, ROOM, "VND", base_rate=Decimal(1), derivation=fixed("1"))],
            "rate_plans.2.derivation",
            "needs a parent",
        ),
        ([base(), base()], "rate_plans.1.id", "listed twice"),
    ],
)
def test_bad_rate_plans_are_refused_naming_the_field(plans: list[RatePlan], field: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        RateCatalog.build(plans)
    assert any(d["field"] == field and fragment in d["message"] for d in caught.value.details), caught.value.details


@pytest.mark.parametrize(
    ("rule", "field", "fragment"),
    [
        (SeasonalRule(5, 9, march(1, 2), rate=Decimal(1)), "seasonal_rules.5.rate_plan_id", "unknown rate plan 9"),
        (SeasonalRule(5, 1, march(1, 2)), "seasonal_rules.5", "either a rate or an adjustment"),
        (SeasonalRule(5, 1, march(1, 2), rate=Decimal(1), adjustment=fixed("1")), "seasonal_rules.5", "either"),
        (SeasonalRule(5, 1, march(1, 2), rate=Decimal("1.5")), "seasonal_rules.5.rate", "more decimals than VND"),
        (
            SeasonalRule(5, 1, march(1, 2), weekdays=frozenset(), rate=Decimal(1)),
            "seasonal_rules.5.weekdays",
            "weekday",
        ),
        (SeasonalRule(5, 1, march(1, 2), adjustment=percent("-101")), "seasonal_rules.5.adjustment.value", "between"),
    ],
)
def test_bad_seasonal_rules_are_refused_naming_the_field(rule: SeasonalRule, field: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        RateCatalog.build([base()], [rule])
    assert any(d["field"] == field and fragment in d["message"] for d in caught.value.details), caught.value.details


def test_a_derived_plan_cannot_take_a_manual_rate() -> None:
    catalog = RateCatalog.build([base(), child(2, 1, percent("10"))])
    with pytest.raises(InvalidInput) as caught:
        resolve_rate(catalog, 2, SUNDAY, {(2, SUNDAY): Decimal(5)})
    assert caught.value.details[0]["field"] == "rates.2"


def test_refreshing_rate_cells_creates_missing_ones_and_bumps_only_changed_ones() -> None:
    catalog = RateCatalog.build([base(), child(2, 1, percent("10")), base(3, "500000")])
    created = refresh_rate_cells(catalog, [], [SUNDAY])
    assert [(c.before, c.after.rate_plan_id, c.after.amount, c.after.version) for c in created] == [
        (None, 1, Decimal(1000000), 1),
        (None, 3, Decimal(500000), 1),
        (None, 2, Decimal(1100000), 1),
    ]
    cells = [change.after for change in created]
    assert refresh_rate_cells(catalog, cells, [SUNDAY]) == ()
    changed = refresh_rate_cells(catalog, cells, [SUNDAY], {(1, SUNDAY): Decimal(800000)})
    assert [(c.after.rate_plan_id, c.after.amount, c.after.manual, c.after.version) for c in changed] == [
        (1, Decimal(800000), True, 2),
        (2, Decimal(880000), False, 2),
    ]
    assert changed[1].changed_fields() == {"amount": (Decimal(1100000), Decimal(880000))}
    back = refresh_rate_cells(catalog, [c.after for c in changed], [SUNDAY], {(1, SUNDAY): None}, plan_ids=[1])
    assert [(c.after.rate_plan_id, c.after.amount, c.after.manual) for c in back] == [(1, Decimal(1000000), False)]


def test_descendants_include_grandchildren_only() -> None:
    catalog = RateCatalog.build([base(1), child(2, 1, percent("1")), child(3, 2, percent("1")), base(4)])
    assert catalog.with_descendants([1]) == {1, 2, 3}
    assert catalog.with_descendants([2]) == {2, 3}
    assert [p.id for p in catalog.chain(3)] == [1, 2, 3]


def test_rate_cell_preview_is_json_ready() -> None:
    catalog = RateCatalog.build([base(1, "10.5", "USD")])
    (change,) = refresh_rate_cells(catalog, [RateCell(1, ROOM, SUNDAY, Decimal("9.00"), version=3)], [SUNDAY])
    assert change.preview() == {
        "kind": "rate",
        "rate_plan_id": 1,
        "room_type_id": ROOM,
        "night": SUNDAY.isoformat(),
        "version": 4,
        "changes": {"amount": {"before": "9.00", "after": "10.50"}},
    }


# --- properties -------------------------------------------------------------------------------

percentages = st.integers(-10000, 50000).map(lambda hundredths: Decimal(hundredths).scaleb(-2))  # -100.00..500.00
currencies = st.sampled_from(["VND", "USD", "KWD", "JPY"])
DECIMALS = {"VND": 0, "USD": 2, "KWD": 3, "JPY": 0}


def expected_percent(amount: Decimal, pct: Decimal, currency: str) -> Decimal:
    exact = amount * (100 + pct) / 100
    return max(Decimal(0), exact.quantize(Decimal(1).scaleb(-DECIMALS[currency]), rounding=ROUND_HALF_UP))


@PROPERTY
@given(currencies, st.data(), percentages)
def test_a_percentage_child_is_always_its_parent_times_the_factor_rounded_half_up(
    currency: str, data: st.DataObject, pct: Decimal
) -> None:
    parent_rate = data.draw(amounts(DECIMALS[currency]))
    catalog = RateCatalog.build([base(1, str(parent_rate), currency), child(2, 1, percent(str(pct)), currency)])
    assert resolve_rate(catalog, 2, SUNDAY) == expected_percent(parent_rate, pct, currency)


adjustments = st.one_of(
    percentages.map(lambda p: Adjustment(AdjustmentKind.PERCENT, p)),
    st.integers(-500_000, 500_000).map(lambda v: Adjustment(AdjustmentKind.FIXED, Decimal(v))),
)


@PROPERTY
@given(amounts(0), st.lists(adjustments, min_size=1, max_size=6))
def test_a_chain_of_derivations_equals_composing_its_steps_and_is_never_negative(
    root_rate: Decimal, steps: list[Adjustment]
) -> None:
    plans = [base(1, str(root_rate))]
    plans += [RatePlan(i + 2, ROOM, "VND", parent_id=i + 1, derivation=step) for i, step in enumerate(steps)]
    catalog = RateCatalog.build(reversed(plans))  # order of input is irrelevant
    expected = root_rate
    for level, step in enumerate(steps, start=2):
        if step.kind is AdjustmentKind.PERCENT:
            expected = expected_percent(expected, step.value, "VND")
        else:
            expected = max(Decimal(0), expected + step.value)
        assert resolve_rate(catalog, level, SUNDAY) == expected
        assert expected >= 0


@st.composite
def catalogs_with_rules(draw: st.DrawFn) -> tuple[list[RatePlan], list[SeasonalRule]]:
    plans = [base(1, str(draw(amounts(0, 5_000_000))))]
    for plan_id in range(2, draw(st.integers(2, 6)) + 1):
        plans.append(child(plan_id, draw(st.integers(1, plan_id - 1)), draw(adjustments)))
    rules = []
    for rule_id in range(1, draw(st.integers(0, 8)) + 1):
        start = draw(st.integers(0, 20))
        nights = NightRange(TODAY + timedelta(days=start), TODAY + timedelta(days=start + draw(st.integers(1, 15))))
        absolute = draw(st.booleans())
        rules.append(
            SeasonalRule(
                rule_id,
                draw(st.integers(1, len(plans))),
                nights,
                weekdays=draw(st.frozensets(st.sampled_from(list(Weekday)), min_size=1)),
                rate=draw(amounts(0, 3_000_000)) if absolute else None,
                adjustment=None if absolute else draw(adjustments),
                priority=draw(st.integers(0, 2)),
            )
        )
    return plans, rules


@PROPERTY
@given(catalogs_with_rules(), st.randoms(use_true_random=False))
def test_resolved_rates_are_never_negative_and_do_not_depend_on_input_order(
    catalog_parts: tuple[list[RatePlan], list[SeasonalRule]], shuffler: random.Random
) -> None:
    plans, rules = catalog_parts
    nights = [TODAY + timedelta(days=i) for i in range(30)]
    rates = resolve_rates(RateCatalog.build(plans, rules), nights)
    shuffled_plans, shuffled_rules = list(plans), list(rules)
    shuffler.shuffle(shuffled_plans)
    shuffler.shuffle(shuffled_rules)
    assert resolve_rates(RateCatalog.build(shuffled_plans, shuffled_rules), nights) == rates
    assert all(rate >= 0 and rate == rate.quantize(Decimal(1)) for rate in rates.values())


@PROPERTY
@given(st.dictionaries(st.integers(1, 6), st.integers(1, 6), min_size=1))
def test_a_catalog_is_refused_exactly_when_parent_links_form_a_cycle(parents: dict[int, int]) -> None:
    plans = [base(plan_id) for plan_id in range(1, 7) if plan_id not in parents]
    plans += [child(plan_id, parent, percent("1")) for plan_id, parent in parents.items()]

    def reaches_a_loop(start: int) -> bool:
        seen, current = set(), start
        while current in parents:
            if current in seen:
                return True
            seen.add(current)
            current = parents[current]
        return False

    has_cycle = any(reaches_a_loop(plan_id) for plan_id in parents)
    if has_cycle:
        with pytest.raises(InvalidInput) as caught:
            RateCatalog.build(plans)
        assert all("cycle" in d["message"] for d in caught.value.details)
    else:
        RateCatalog.build(plans)


def test_a_plan_turned_derived_drops_its_manual_rates_on_refresh() -> None:
    stale = [RateCell(2, ROOM, SUNDAY, Decimal(123000), manual=True, version=6)]
    catalog = RateCatalog.build([base(), child(2, 1, percent("10"))])
    (change,) = refresh_rate_cells(catalog, stale, [SUNDAY], plan_ids=[2])
    assert (change.after.amount, change.after.manual, change.after.version) == (Decimal(1100000), False, 7)
