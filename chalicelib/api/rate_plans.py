"""Rate plans of a room type (base and derived) and their seasonal rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from chalicelib.api.patching import PatchBody
from chalicelib.api.resources import Resource
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.schemas import ChannelName, RecordCode, RecordName, request_body_config
from chalicelib.api.view_models import ViewModel
from chalicelib.domain.access import Caller
from chalicelib.domain.catalog import RatePlanRecord, RuleRecord
from chalicelib.domain.nights import ALL_WEEKDAYS, parse_weekdays
from chalicelib.domain.permissions import Permission
from chalicelib.services import rate_plan_service

blueprint = ApiBlueprint(__name__, tag="rates")
rate_plans = Resource(
    blueprint, read=Permission.INVENTORY_READ, write=Permission.RATES_WRITE, kinds={"rule_id": "rate_plan_rule"}
)

AdjustmentKindName = Literal["percent", "fixed"]


class RatePlanOut(ViewModel, view=RatePlanRecord):
    derivation_kind: AdjustmentKindName | None


class RatePlanCreate(BaseModel):
    model_config = request_body_config({"code": "BAR", "name": "Best available rate", "base_rate": "1500000"})

    code: RecordCode
    name: RecordName
    base_rate: Decimal | None = Field(default=None, description="base plans; default the room type's base rate")
    parent_id: int | None = Field(default=None, ge=1, description="derived plans: the plan (same room type) to follow")
    derivation_kind: AdjustmentKindName | None = None
    derivation_value: Decimal | None = Field(
        default=None, description="signed: +15 (percent) or -100000 (fixed) relative to the parent"
    )
    channel: ChannelName | None = Field(default=None, description="the channel this plan is made for, e.g. agoda")
    is_active: bool = True


class RatePlanUpdate(PatchBody):
    model_config = request_body_config({"name": "Best available rate (flex)"})
    NULLABLE: ClassVar[frozenset[str]] = frozenset(
        {"base_rate", "parent_id", "derivation_kind", "derivation_value", "channel"}
    )

    code: RecordCode | None = None
    name: RecordName | None = None
    base_rate: Decimal | None = None
    parent_id: int | None = Field(default=None, ge=1)
    derivation_kind: AdjustmentKindName | None = None
    derivation_value: Decimal | None = None
    channel: ChannelName | None = None
    is_active: bool | None = None


plans = rate_plans.collection("/room-types/{room_type_id}/rate-plans", RatePlanOut, noun="rate_plan")
plans.list(rate_plan_service.list_rate_plans, "The rate plans of a room type")
plans.create(
    rate_plan_service.create_rate_plan,
    RatePlanCreate,
    "Create a rate plan (its rates are filled for the whole calendar)",
    build=rate_plan_service.NewRatePlan,
    error_statuses=(409, 422),
)


rate_plan = rate_plans.record("/rate-plans/{rate_plan_id}", RatePlanOut)
rate_plan.get(rate_plan_service.get_rate_plan, "One rate plan")
rate_plan.update(
    rate_plan_service.update_rate_plan,
    RatePlanUpdate,
    "Edit a rate plan (re-prices it and the plans derived from it)",
    error_statuses=(409, 422),
)
rate_plan.delete(
    rate_plan_service.delete_rate_plan,
    "Delete a rate plan with its rules and rates (409 while plans derive from it)",
    error_statuses=(409,),
)


# --- seasonal rules ------------------------------------------------------------------------------


class RuleOut(ViewModel, view=RuleRecord):
    adjustment_kind: AdjustmentKindName | None


class RuleCreate(BaseModel):
    model_config = request_body_config(
        {
            "name": "Weekend peak",
            "date_from": "2030-06-01",
            "date_to": "2030-08-31",
            "weekdays": ["fri", "sat"],
            "adjustment_kind": "percent",
            "adjustment_value": "20",
        }
    )

    name: str = Field(default="", max_length=120)
    date_from: date = Field(description="first night (inclusive)")
    date_to: date = Field(description="last night (inclusive)")
    weekdays: list[str] | None = Field(default=None, max_length=7, description="mon ... sun; default every day")
    rate: Decimal | None = Field(default=None, description="the night's rate; or give an adjustment instead")
    adjustment_kind: AdjustmentKindName | None = None
    adjustment_value: Decimal | None = Field(default=None, description="signed percent or amount")
    priority: int = Field(default=0, ge=-1000, le=1000, description="the highest priority wins where rules overlap")


class RuleUpdate(PatchBody):
    model_config = request_body_config({"priority": 5})
    NULLABLE: ClassVar[frozenset[str]] = frozenset({"rate", "adjustment_kind", "adjustment_value"})

    name: str | None = Field(default=None, max_length=120)
    date_from: date | None = None
    date_to: date | None = None
    weekdays: list[str] | None = Field(default=None, max_length=7)
    rate: Decimal | None = None
    adjustment_kind: AdjustmentKindName | None = None
    adjustment_value: Decimal | None = None
    priority: int | None = Field(default=None, ge=-1000, le=1000)


rate_plans.collection("/rate-plans/{rate_plan_id}/rules", RuleOut, noun="rule").list(
    rate_plan_service.list_rules, "The seasonal rules of a rate plan"
)


@rate_plans.create(
    "/rate-plans/{rate_plan_id}/rules", "Add a seasonal rule (re-prices its nights)", error_statuses=(422,)
)
def create_rule(caller: Caller, rate_plan_id: int, body: RuleCreate) -> RuleOut:
    weekdays = ALL_WEEKDAYS if body.weekdays is None else parse_weekdays(body.weekdays, field="body.weekdays")
    new = rate_plan_service.NewRule(**{**body.model_dump(), "weekdays": weekdays})
    return RuleOut.of(rate_plan_service.create_rule(caller, rate_plan_id, new))


@rate_plans.patch(
    "/rate-plan-rules/{rule_id}",
    "Edit a seasonal rule (re-prices the nights it covered and covers)",
    error_statuses=(422,),
)
def update_rule(caller: Caller, rule_id: int, body: RuleUpdate) -> RuleOut:
    changes = body.changes()
    if "weekdays" in changes:
        changes["weekdays"] = parse_weekdays(changes["weekdays"], field="body.weekdays")
    return RuleOut.of(rate_plan_service.update_rule(caller, rule_id, changes))


rate_plans.record("/rate-plan-rules/{rule_id}", RuleOut, noun="rule").delete(
    rate_plan_service.delete_rule, "Remove a seasonal rule (re-prices the nights it covered)"
)
