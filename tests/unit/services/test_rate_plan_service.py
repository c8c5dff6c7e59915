"""The rate plan service on the in-memory unit of work: base and derived plans, pricing checks, cycles,
seasonal rules, re-pricing asked of the calendar, delete guards, scoping, audit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.domain.catalog import NewRatePlan, NewRule, RoomTypeRecord
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound
from chalicelib.domain.nights import Weekday, calendar_window
from chalicelib.services import property_service, rate_plan_service
from tests.unit.fakes import FakeStore
from tests.unit.services.catalog_builders import add_property, add_room_type
from tests.unit.services.conftest import make_caller

VN_STAFF = make_caller(country="VN")
ID_STAFF = make_caller(country="ID")
NOW = datetime(2026, 1, 15, 3, 0, tzinfo=UTC)
TODAY = date(2026, 1, 15)


def _room_type(store: FakeStore, code: str = "STD", base_rate: int = 900_000) -> RoomTypeRecord:
    props = [prop for prop in store.catalog.properties.values() if prop.code == "HAN-1"]
    hotel = props[0] if props else add_property(store)
    return add_room_type(store, hotel.id, code, base_rate=Decimal(base_rate))


def _plan(store: FakeStore, room_type_id: int, code: str = "BAR", **fields: Any) -> rate_plan_service.RatePlanRecord:
    new = NewRatePlan(code=code, name=f"Plan {code}", **fields)
    return rate_plan_service.create_rate_plan(VN_STAFF, room_type_id, new, now=NOW, uow=store.unit_of_work)


def _derived(store: FakeStore, parent: rate_plan_service.RatePlanRecord, code: str = "NRF", value: int = -10) -> Any:
    return _plan(
        store,
        parent.room_type_id,
        code,
        parent_id=parent.id,
        derivation_kind="percent",
        derivation_value=Decimal(value),
    )


def _update(store: FakeStore, plan_id: int, **changes: Any) -> rate_plan_service.RatePlanRecord:
    return rate_plan_service.update_rate_plan(VN_STAFF, plan_id, changes, now=NOW, uow=store.unit_of_work)


def _rule(
    store: FakeStore, plan_id: int, first: int = 10, last: int = 12, **fields: Any
) -> rate_plan_service.RuleRecord:
    new = NewRule(date_from=TODAY + timedelta(first), date_to=TODAY + timedelta(last), **fields)
    return rate_plan_service.create_rule(VN_STAFF, plan_id, new, now=NOW, uow=store.unit_of_work)


def _nights(first: int, last: int) -> tuple[date, ...]:
    return tuple(TODAY + timedelta(offset) for offset in range(first, last + 1))


# --- plans ----------------------------------------------------------------------------------------


def test_a_base_plan_takes_the_room_types_rate_and_the_propertys_currency_and_is_priced(store: FakeStore) -> None:
    room_type = _room_type(store)
    store.catalog.locked.clear()
    plan = _plan(store, room_type.id)
    assert (plan.base_rate, plan.currency, plan.parent_id) == (Decimal(900_000), "VND", None)
    assert store.catalog.calls("price_new_plan") == [(room_type.property_id, plan.id, TODAY)]
    assert store.catalog.locked == [room_type.id]
    entry = store.audit[-1]
    assert (entry.action, entry.entity_id, entry.country_code) == ("rate_plan.created", str(plan.id), "VN")


def test_a_base_plan_may_set_its_own_rate(store: FakeStore) -> None:
    plan = _plan(store, _room_type(store).id, base_rate=Decimal(1_200_000))
    assert plan.base_rate == Decimal(1_200_000)


def test_a_base_rate_finer_than_the_currency_allows_is_refused_naming_it(store: FakeStore) -> None:
    with pytest.raises(InvalidInput) as refused:
        _plan(store, _room_type(store).id, base_rate=Decimal("10.5"))
    assert refused.value.details[0]["field"] == "base_rate"
    assert store.catalog.rate_plans == {}


def test_a_derivation_without_a_parent_is_refused_naming_parent_id(store: FakeStore) -> None:
    with pytest.raises(InvalidInput) as refused:
        _plan(store, _room_type(store).id, derivation_kind="percent", derivation_value=Decimal(-10))
    assert refused.value.details == [{"field": "parent_id", "message": "required with a derivation"}]
    assert store.catalog.rate_plans == {} and store.catalog.calls("price_new_plan") == []


def test_a_derived_plan_has_no_rate_of_its_own(store: FakeStore) -> None:
    bar = _plan(store, _room_type(store).id)
    derived = _plan(
        store,
        bar.room_type_id,
        "NRF",
        parent_id=bar.id,
        derivation_kind="percent",
        derivation_value=Decimal(-10),
        base_rate=Decimal(5),
    )
    assert (derived.base_rate, derived.parent_id, derived.derivation_value) == (None, bar.id, Decimal(-10))


def test_a_parent_must_be_a_plan_of_the_same_room_type(store: FakeStore) -> None:
    other = _plan(store, _room_type(store, "DLX").id)
    room_type = _room_type(store, "STD")
    for parent_id in (other.id, 999_999):
        with pytest.raises(InvalidInput) as refused:
            _plan(store, room_type.id, parent_id=parent_id, derivation_kind="percent", derivation_value=Decimal(5))
        assert refused.value.details == [{"field": "parent_id", "message": "must be a rate plan of the same room type"}]


def test_a_derived_plan_needs_its_derivation(store: FakeStore) -> None:
    bar = _plan(store, _room_type(store).id)
    with pytest.raises(InvalidInput) as refused:
        _plan(store, bar.room_type_id, "NRF", parent_id=bar.id, derivation_kind="percent")
    assert refused.value.details == [{"field": "derivation_value", "message": "required with a parent plan"}]


@pytest.mark.parametrize(("kind", "value"), [("percent", "-150"), ("percent", "5.12345"), ("fixed", "0.5")])
def test_a_bad_derivation_is_refused_naming_derivation_value(store: FakeStore, kind: str, value: str) -> None:
    bar = _plan(store, _room_type(store).id)
    with pytest.raises(InvalidInput) as refused:
        _plan(store, bar.room_type_id, "NRF", parent_id=bar.id, derivation_kind=kind, derivation_value=Decimal(value))
    assert refused.value.details[0]["field"] == "derivation_value"
    assert list(store.catalog.rate_plans) == [bar.id]


def test_plan_codes_are_unique_within_a_room_type_only(store: FakeStore) -> None:
    standard, deluxe = _room_type(store, "STD"), _room_type(store, "DLX")
    _plan(store, standard.id, "BAR")
    with pytest.raises(Conflict) as refused:
        _plan(store, standard.id, "BAR")
    assert refused.value.details == [{"field": "code", "message": "already used for this room type"}]
    assert _plan(store, deluxe.id, "BAR").room_type_id == deluxe.id


def test_no_plan_is_added_under_an_archived_property(store: FakeStore) -> None:
    room_type = _room_type(store)
    property_service.archive_property(VN_STAFF, room_type.property_id, uow=store.unit_of_work)
    with pytest.raises(Conflict, match="archived"):
        _plan(store, room_type.id)


def test_plans_are_listed_by_id_and_hidden_from_other_countries(store: FakeStore) -> None:
    room_type = _room_type(store)
    first, second = _plan(store, room_type.id, "ZED"), _plan(store, room_type.id, "ABC")
    listed = rate_plan_service.list_rate_plans(VN_STAFF, room_type.id, uow=store.unit_of_work)
    assert [plan.id for plan in listed] == [first.id, second.id]
    with pytest.raises(NotFound):
        rate_plan_service.list_rate_plans(ID_STAFF, room_type.id, uow=store.unit_of_work)
    with pytest.raises(NotFound):
        rate_plan_service.get_rate_plan(ID_STAFF, first.id, uow=store.unit_of_work)
    with pytest.raises(NotFound):
        rate_plan_service.update_rate_plan(ID_STAFF, first.id, {"name": "x"}, now=NOW, uow=store.unit_of_work)
    assert rate_plan_service.get_rate_plan(VN_STAFF, first.id, uow=store.unit_of_work) == first


def test_a_plan_change_re_prices_it_over_the_whole_window_and_is_audited(store: FakeStore) -> None:
    bar = _plan(store, _room_type(store).id)
    updated = _update(store, bar.id, base_rate=Decimal(1_000_000))
    assert updated.base_rate == Decimal(1_000_000)
    [(property_id, plan_ids, nights, today)] = store.catalog.calls("reprice")
    assert (property_id, plan_ids, today) == (bar.property_id, (bar.id,), TODAY)
    assert nights == tuple(calendar_window(TODAY))
    entry = store.audit[-1]
    assert entry.action == "rate_plan.updated" and entry.before is not None and entry.after is not None
    assert (entry.before["base_rate"], entry.after["base_rate"]) == ("900000", "1000000")


def test_a_plan_change_that_changes_nothing_is_not_audited(store: FakeStore) -> None:
    bar = _plan(store, _room_type(store).id)
    _update(store, bar.id, name=bar.name)
    assert store.audit_actions()[-1] == "rate_plan.created"


def test_a_derived_plan_becoming_a_base_plan_loses_its_derivation_and_takes_the_room_rate(store: FakeStore) -> None:
    bar = _plan(store, _room_type(store).id)
    derived = _derived(store, bar)
    based = _update(store, derived.id, parent_id=None)
    assert (based.parent_id, based.derivation_kind, based.derivation_value) == (None, None, None)
    assert based.base_rate == Decimal(900_000)


def test_plans_deriving_from_each_other_are_refused_and_nothing_changes(store: FakeStore) -> None:
    bar = _plan(store, _room_type(store).id)
    derived = _derived(store, bar)
    with pytest.raises(InvalidInput, match="cycle"):
        _update(store, bar.id, parent_id=derived.id, derivation_kind="percent", derivation_value=Decimal(5))
    assert store.catalog.rate_plans[bar.id] == bar and store.catalog.calls("reprice") == []


def test_a_plan_cannot_take_a_siblings_code(store: FakeStore) -> None:
    room_type = _room_type(store)
    bar = _plan(store, room_type.id, "BAR")
    _plan(store, room_type.id, "FLEX")
    with pytest.raises(Conflict):
        _update(store, bar.id, code="FLEX")
    assert _update(store, bar.id, code="BAR").code == "BAR"


def test_a_plan_with_derived_plans_cannot_be_deleted(store: FakeStore) -> None:
    bar = _plan(store, _room_type(store).id)
    derived = _derived(store, bar)
    with pytest.raises(Conflict) as refused:
        rate_plan_service.delete_rate_plan(VN_STAFF, bar.id, uow=store.unit_of_work)
    assert refused.value.details == [
        {"field": "rate_plan_id", "derived_plans": [derived.id], "message": "has derived plans"}
    ]
    assert bar.id in store.catalog.rate_plans


def test_a_leaf_plan_is_deleted_with_its_rules_and_audited(store: FakeStore) -> None:
    bar = _plan(store, _room_type(store).id)
    derived = _derived(store, bar)
    _rule(store, derived.id, rate=Decimal(700_000))
    rate_plan_service.delete_rate_plan(VN_STAFF, derived.id, uow=store.unit_of_work)
    assert list(store.catalog.rate_plans) == [bar.id] and store.catalog.rules == {}
    entry = store.audit[-1]
    assert (entry.action, entry.entity_id, entry.after) == ("rate_plan.deleted", str(derived.id), None)


# --- seasonal rules -------------------------------------------------------------------------------


def test_a_rule_re_prices_exactly_its_nights_and_is_audited(store: FakeStore) -> None:
    bar = _plan(store, _room_type(store).id)
    rule = _rule(store, bar.id, 10, 12, rate=Decimal(1_500_000), weekdays=frozenset({Weekday.SAT, Weekday.FRI}))
    assert rule.weekdays == ["fri", "sat"] and rule.rate == Decimal(1_500_000)
    assert store.catalog.calls("reprice") == [(bar.property_id, (bar.id,), _nights(10, 12), TODAY)]
    assert store.audit[-1].action == "rate_plan_rule.created"
    assert rate_plan_service.list_rules(VN_STAFF, bar.id, uow=store.unit_of_work) == [rule]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({}, "rate"),
        ({"rate": Decimal(1), "adjustment_kind": "percent", "adjustment_value": Decimal(5)}, "rate"),
        ({"adjustment_kind": "percent"}, "adjustment_value"),
        ({"adjustment_kind": "percent", "adjustment_value": Decimal(-101)}, "adjustment_value"),
        ({"rate": Decimal("0.5")}, "rate"),
    ],
)
def test_a_rule_needs_either_a_rate_or_a_whole_adjustment(store: FakeStore, fields: dict[str, Any], field: str) -> None:
    bar = _plan(store, _room_type(store).id)
    with pytest.raises(InvalidInput) as refused:
        _rule(store, bar.id, **fields)
    assert refused.value.details[0]["field"] == field
    assert store.catalog.rules == {} and store.catalog.calls("reprice") == []


def test_a_rule_ending_before_it_starts_is_refused_naming_date_to(store: FakeStore) -> None:
    bar = _plan(store, _room_type(store).id)
    with pytest.raises(InvalidInput) as refused:
        _rule(store, bar.id, 12, 10, rate=Decimal(1))
    assert refused.value.details[0]["field"] == "date_to"


def test_a_rule_switching_to_an_adjustment_drops_its_rate_and_re_prices_old_and_new_nights(store: FakeStore) -> None:
    bar = _plan(store, _room_type(store).id)
    rule = _rule(store, bar.id, 10, 12, rate=Decimal(1_500_000))
    store.catalog.calendar_calls.clear()
    changes = {"adjustment_kind": "percent", "adjustment_value": Decimal(20), "date_to": TODAY + timedelta(14)}
    updated = rate_plan_service.update_rule(VN_STAFF, rule.id, changes, now=NOW, uow=store.unit_of_work)
    assert (updated.rate, updated.adjustment_kind, updated.adjustment_value) == (None, "percent", Decimal(20))
    assert store.catalog.calls("reprice") == [(bar.property_id, (bar.id,), _nights(10, 14), TODAY)]
    entry = store.audit[-1]
    assert entry.action == "rate_plan_rule.updated" and entry.before is not None
    assert entry.before["rate"] == "1500000"


def test_a_rule_moved_elsewhere_re_prices_the_nights_it_left(store: FakeStore) -> None:
    bar = _plan(store, _room_type(store).id)
    rule = _rule(store, bar.id, 10, 11, rate=Decimal(1_500_000))
    store.catalog.calendar_calls.clear()
    moved = {"date_from": TODAY + timedelta(20), "date_to": TODAY + timedelta(20)}
    rate_plan_service.update_rule(VN_STAFF, rule.id, moved, now=NOW, uow=store.unit_of_work)
    [(_, _, nights, _)] = store.catalog.calls("reprice")
    assert nights == (*_nights(10, 11), TODAY + timedelta(20))


def test_deleting_a_rule_re_prices_its_nights_unless_the_property_is_archived(store: FakeStore) -> None:
    bar = _plan(store, _room_type(store).id)
    first, second = _rule(store, bar.id, 1, 2, rate=Decimal(1)), _rule(store, bar.id, 3, 3, rate=Decimal(2))
    store.catalog.calendar_calls.clear()
    rate_plan_service.delete_rule(VN_STAFF, first.id, now=NOW, uow=store.unit_of_work)
    assert store.catalog.calls("reprice") == [(bar.property_id, (bar.id,), _nights(1, 2), TODAY)]
    property_service.archive_property(VN_STAFF, bar.property_id, uow=store.unit_of_work)
    rate_plan_service.delete_rule(VN_STAFF, second.id, now=NOW, uow=store.unit_of_work)
    assert len(store.catalog.calls("reprice")) == 1 and store.catalog.rules == {}
    assert store.audit_actions()[-1] == "rate_plan_rule.deleted"


def test_rules_are_hidden_from_other_countries_and_frozen_under_an_archived_property(store: FakeStore) -> None:
    bar = _plan(store, _room_type(store).id)
    rule = _rule(store, bar.id, rate=Decimal(1))
    with pytest.raises(NotFound):
        rate_plan_service.update_rule(ID_STAFF, rule.id, {"priority": 2}, now=NOW, uow=store.unit_of_work)
    with pytest.raises(NotFound):
        rate_plan_service.list_rules(ID_STAFF, bar.id, uow=store.unit_of_work)
    property_service.archive_property(VN_STAFF, bar.property_id, uow=store.unit_of_work)
    with pytest.raises(Conflict, match="archived"):
        rate_plan_service.update_rule(VN_STAFF, rule.id, {"priority": 2}, now=NOW, uow=store.unit_of_work)
    with pytest.raises(Conflict, match="archived"):
        _rule(store, bar.id, rate=Decimal(1))
