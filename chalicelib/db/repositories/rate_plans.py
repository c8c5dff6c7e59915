"""Rate plans and their seasonal rules, read through the caller's country scope (``uow.rate_plans``).

A plan or rule belongs to the country of its room type's property (see
:mod:`chalicelib.db.repositories.properties`). Amounts come back at the currency's scale, a
percentage without trailing zeros, weekdays as their names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.db.models import RatePlan, RatePlanRule, RoomType
from chalicelib.db.repositories import calendar as calendar_repository
from chalicelib.db.repositories import properties as property_repository
from chalicelib.db.repositories.base import SessionRepository
from chalicelib.db.repositories.properties import property_record, room_type_record
from chalicelib.db.writing import inserted, updated
from chalicelib.domain.access import CountryScope
from chalicelib.domain.catalog import PropertyRecord, RatePlanRecord, RoomTypeRecord, RuleRecord
from chalicelib.domain.rates import RateCatalog
from chalicelib.domain.views import view_from


def plan_record(plan: RatePlan, property_id: int) -> RatePlanRecord:
    spec = calendar_repository.plan_spec(plan)
    return view_from(
        RatePlanRecord,
        plan,
        property_id=property_id,
        base_rate=spec.base_rate,
        derivation_value=None if spec.derivation is None else spec.derivation.value,
    )


def rule_record(rule: RatePlanRule, currency: str) -> RuleRecord:
    spec = calendar_repository.rule_spec(rule, currency)
    return view_from(
        RuleRecord,
        rule,
        weekdays=[day.name.lower() for day in sorted(spec.weekdays)],
        rate=spec.rate,
        adjustment_value=None if spec.adjustment is None else spec.adjustment.value,
    )


def _stored(values: Mapping[str, Any]) -> dict[str, Any]:
    """Rule values as the table holds them (weekdays as a bit mask)."""
    stored = dict(values)
    if "weekdays" in stored:
        stored["weekdays"] = calendar_repository.weekdays_to_mask(stored["weekdays"])
    return stored


class SqlRatePlanRepository(SessionRepository):
    """Rate plans and seasonal rules of one unit of work (``uow.rate_plans``)."""

    def _property_id(self, room_type_id: int) -> int:
        return self._session.get_one(RoomType, room_type_id).property_id

    def of_room_type(self, room_type_id: int) -> list[RatePlanRecord]:
        property_id = self._property_id(room_type_id)
        plans = calendar_repository.plans_of_room_types(self._session, [room_type_id])
        return [plan_record(plan, property_id) for plan in plans]

    def get(
        self, scope: CountryScope, rate_plan_id: int, *, for_update: bool = False
    ) -> tuple[RatePlanRecord, RoomTypeRecord, PropertyRecord] | None:
        found = property_repository.scoped_rate_plan(self._session, rate_plan_id, scope)
        if found is None:
            return None
        plan, room_type, prop = found
        if for_update:
            self._session.refresh(plan, with_for_update=True)
        return plan_record(plan, prop.id), room_type_record(room_type, prop.currency), property_record(prop)

    def code_taken(self, room_type_id: int, code: str, *, except_id: int | None = None) -> bool:
        return property_repository.rate_plan_code_taken(self._session, room_type_id, code, except_id=except_id)

    def room_type_of(self, rate_plan_id: int) -> int | None:
        plan = self._session.get(RatePlan, rate_plan_id)
        return None if plan is None else plan.room_type_id

    def children(self, rate_plan_id: int) -> list[int]:
        return property_repository.children_of_plan(self._session, rate_plan_id)

    def add(self, room_type_id: int, values: Mapping[str, Any]) -> RatePlanRecord:
        plan = RatePlan(room_type_id=room_type_id, **values)
        inserted(self._session, plan)
        return plan_record(plan, self._property_id(room_type_id))

    def update(self, rate_plan_id: int, changes: Mapping[str, Any]) -> RatePlanRecord:
        plan = updated(self._session, RatePlan, rate_plan_id, changes)
        return plan_record(plan, self._property_id(plan.room_type_id))

    def delete(self, rate_plan_id: int) -> None:
        """Delete a plan; its rules and rates go with it (ON DELETE CASCADE)."""
        self._session.delete(self._session.get_one(RatePlan, rate_plan_id))
        self._session.flush()

    def catalog(self, room_type_id: int) -> RateCatalog:
        """The validated catalog of the room type's plans and rules (refuses cycles)."""
        return calendar_repository.load_catalog(self._session, [room_type_id])

    # --- seasonal rules --------------------------------------------------------------------------

    def rules_of(self, rate_plan_id: int, currency: str) -> list[RuleRecord]:
        return [
            rule_record(rule, currency) for rule in calendar_repository.rules_of_plans(self._session, [rate_plan_id])
        ]

    def get_rule(
        self, scope: CountryScope, rule_id: int, *, for_update: bool = False
    ) -> tuple[RuleRecord, RatePlanRecord, RoomTypeRecord, PropertyRecord] | None:
        found = property_repository.scoped_rule(self._session, rule_id, scope)
        if found is None:
            return None
        rule, plan, room_type, prop = found
        if for_update:
            self._session.refresh(rule, with_for_update=True)
        return (
            rule_record(rule, plan.currency),
            plan_record(plan, prop.id),
            room_type_record(room_type, prop.currency),
            property_record(prop),
        )

    def add_rule(self, rate_plan_id: int, values: Mapping[str, Any]) -> RuleRecord:
        rule = RatePlanRule(rate_plan_id=rate_plan_id, **_stored(values))
        inserted(self._session, rule)
        return rule_record(rule, self._session.get_one(RatePlan, rate_plan_id).currency)

    def update_rule(self, rule_id: int, changes: Mapping[str, Any]) -> RuleRecord:
        rule = updated(self._session, RatePlanRule, rule_id, _stored(changes))
        return rule_record(rule, self._session.get_one(RatePlan, rule.rate_plan_id).currency)

    def delete_rule(self, rule_id: int) -> None:
        self._session.delete(self._session.get_one(RatePlanRule, rule_id))
        self._session.flush()
