"""Rate plans of a room type (base and derived) and their seasonal rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.patching import PatchBody
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.schemas import ChannelName, RecordCode, RecordName
from chalicelib.api.view_models import ViewModel
from chalicelib.domain.access import Caller
from chalicelib.domain.catalog import RatePlanRecord, RuleRecord
from chalicelib.domain.nights import ALL_WEEKDAYS, parse_weekdays
from chalicelib.domain.permissions import Permission
from chalicelib.services import rate_plan_service

blueprint = ApiBlueprint(__name__, tag="rates")

AdjustmentKindName = Literal["percent", "fixed"]


class RatePlanOut(ViewModel, view=RatePlanRecord):
    derivation_kind: AdjustmentKindName | None


class RatePlanCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"code": "BAR", "name": "Best available rate", "base_rate": "1500000"}]},
    )

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
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "Best available rate (flex)"}]})
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


@blueprint.endpoint(
    "/room-types/{room_type_id}/rate-plans",
    summary="The rate plans of a room type",
    permission=Permission.INVENTORY_READ,
    scoped_resource="room_type",
)
def list_rate_plans(caller: Caller, room_type_id: int) -> list[RatePlanOut]:
    return [RatePlanOut.of(record) for record in rate_plan_service.list_rate_plans(caller, room_type_id)]


@blueprint.endpoint(
    "/room-types/{room_type_id}/rate-plans",
    "POST",
    summary="Create a rate plan (its rates are filled for the whole calendar)",
    status=201,
    permission=Permission.RATES_WRITE,
    scoped_resource="room_type",
    error_statuses=(409, 422),
)
def create_rate_plan(caller: Caller, room_type_id: int, body: RatePlanCreate) -> RatePlanOut:
    new = rate_plan_service.NewRatePlan(**body.model_dump())
    return RatePlanOut.of(rate_plan_service.create_rate_plan(caller, room_type_id, new))


@blueprint.endpoint(
    "/rate-plans/{rate_plan_id}",
    summary="One rate plan",
    permission=Permission.INVENTORY_READ,
    scoped_resource="rate_plan",
)
def get_rate_plan(caller: Caller, rate_plan_id: int) -> RatePlanOut:
    return RatePlanOut.of(rate_plan_service.get_rate_plan(caller, rate_plan_id))


@blueprint.endpoint(
    "/rate-plans/{rate_plan_id}",
    "PATCH",
    summary="Edit a rate plan (re-prices it and the plans derived from it)",
    permission=Permission.RATES_WRITE,
    scoped_resource="rate_plan",
    error_statuses=(409, 422),
)
def update_rate_plan(caller: Caller, rate_plan_id: int, body: RatePlanUpdate) -> RatePlanOut:
    return RatePlanOut.of(rate_plan_service.update_rate_plan(caller, rate_plan_id, body.changes()))


@blueprint.endpoint(
    "/rate-plans/{rate_plan_id}",
    "DELETE",
    summary="Delete a rate plan with its rules and rates (409 while plans derive from it)",
    status=204,
    permission=Permission.RATES_WRITE,
    scoped_resource="rate_plan",
    error_statuses=(409,),
)
def delete_rate_plan(caller: Caller, rate_plan_id: int) -> None:
    rate_plan_service.delete_rate_plan(caller, rate_plan_id)


# --- seasonal rules ------------------------------------------------------------------------------


class RuleOut(ViewModel, view=RuleRecord):
    adjustment_kind: AdjustmentKindName | None


class RuleCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Weekend peak",
                    "date_from": "2030-06-01",
                    "date_to": "2030-08-31",
                    "weekdays": ["fri", "sat"],
                    "adjustment_kind": "percent",
                    "adjustment_value": "20",
                }
            ]
        },
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
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"priority": 5}]})
    NULLABLE: ClassVar[frozenset[str]] = frozenset({"rate", "adjustment_kind", "adjustment_value"})

    name: str | None = Field(default=None, max_length=120)
    date_from: date | None = None
    date_to: date | None = None
    weekdays: list[str] | None = Field(default=None, max_length=7)
    rate: Decimal | None = None
    adjustment_kind: AdjustmentKindName | None = None
    adjustment_value: Decimal | None = None
    priority: int | None = Field(default=None, ge=-1000, le=1000)


@blueprint.endpoint(
    "/rate-plans/{rate_plan_id}/rules",
    summary="The seasonal rules of a rate plan",
    permission=Permission.INVENTORY_READ,
    scoped_resource="rate_plan",
)
def list_rules(caller: Caller, rate_plan_id: int) -> list[RuleOut]:
    return [RuleOut.of(record) for record in rate_plan_service.list_rules(caller, rate_plan_id)]


@blueprint.endpoint(
    "/rate-plans/{rate_plan_id}/rules",
    "POST",
    summary="Add a seasonal rule (re-prices its nights)",
    status=201,
    permission=Permission.RATES_WRITE,
    scoped_resource="rate_plan",
    error_statuses=(422,),
)
def create_rule(caller: Caller, rate_plan_id: int, body: RuleCreate) -> RuleOut:
    weekdays = ALL_WEEKDAYS if body.weekdays is None else parse_weekdays(body.weekdays, field="body.weekdays")
    new = rate_plan_service.NewRule(
        name=body.name,
        date_from=body.date_from,
        date_to=body.date_to,
        weekdays=weekdays,
        rate=body.rate,
        adjustment_kind=body.adjustment_kind,
        adjustment_value=body.adjustment_value,
        priority=body.priority,
    )
    return RuleOut.of(rate_plan_service.create_rule(caller, rate_plan_id, new))


@blueprint.endpoint(
    "/rate-plan-rules/{rule_id}",
    "PATCH",
    summary="Edit a seasonal rule (re-prices the nights it covered and covers)",
    permission=Permission.RATES_WRITE,
    scoped_resource="rate_plan_rule",
    error_statuses=(422,),
)
def update_rule(caller: Caller, rule_id: int, body: RuleUpdate) -> RuleOut:
    changes = body.changes()
    if "weekdays" in changes:
        changes["weekdays"] = parse_weekdays(changes["weekdays"], field="body.weekdays")
    return RuleOut.of(rate_plan_service.update_rule(caller, rule_id, changes))


@blueprint.endpoint(
    "/rate-plan-rules/{rule_id}",
    "DELETE",
    summary="Remove a seasonal rule (re-prices the nights it covered)",
    status=204,
    permission=Permission.RATES_WRITE,
    scoped_resource="rate_plan_rule",
)
def delete_rule(caller: Caller, rule_id: int) -> None:
    rate_plan_service.delete_rule(caller, rule_id)
