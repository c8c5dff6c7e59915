"""Booking statuses and the transitions between them: the workflow editor (BOOKING_STATUS_CONFIG)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from chalicelib.api.routing import ApiBlueprint
from chalicelib.domain.access import Caller
from chalicelib.domain.permissions import Permission
from chalicelib.services import booking_status_service

blueprint = ApiBlueprint(__name__, tag="booking workflow")

Code = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=2, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")
]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
Colour = Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")]
Icon = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]
PermissionName = Annotated[str, Field(max_length=60, json_schema_extra={"enum": list(Permission.__members__)})]
Effect = Literal["hold", "sell", "none"]


class BookingStatusOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    label: str
    colour: str
    icon: str
    inventory_effect: Effect = Field(description="how a booking's nights count in this status: held, sold, or not")
    is_terminal: bool
    is_system: bool = Field(description="pending, confirmed, cancelled: code and effect fixed, cannot be deleted")
    sort_order: int
    created_at: datetime
    updated_at: datetime


class TransitionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    from_status_id: int
    to_status_id: int
    permission: str


class WorkflowOut(BaseModel):
    statuses: list[BookingStatusOut]
    transitions: list[TransitionOut]


class StatusCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"code": "waitlisted", "label": "Waitlisted", "colour": "#0EA5E9", "inventory_effect": "none"}]
        },
    )

    code: Code
    label: Label
    colour: Colour
    icon: Icon = ""
    inventory_effect: Effect
    is_terminal: bool = False
    sort_order: int = Field(default=100, ge=0, le=10_000)


class StatusUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"label": "On hold", "colour": "#F97316"}]}
    )

    label: Label | None = None
    colour: Colour | None = None
    icon: Icon | None = None
    inventory_effect: Effect | None = None
    is_terminal: bool | None = None
    sort_order: int | None = Field(default=None, ge=0, le=10_000)

    @model_validator(mode="after")
    def _something(self) -> StatusUpdate:
        if not self.model_fields_set:
            raise ValueError("give at least one field to change")
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class TransitionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"from_status": "confirmed", "to_status": "waitlisted", "permission": "BOOKINGS_MANAGE"}]
        },
    )

    from_status: Code
    to_status: Code
    permission: PermissionName


class TransitionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"permission": "BOOKINGS_MANAGE"}]})

    permission: PermissionName


@blueprint.endpoint(
    "/booking-statuses",
    summary="Every booking status and transition (the workflow)",
    permission=Permission.BOOKINGS_READ,
)
def get_workflow() -> WorkflowOut:
    flow = booking_status_service.workflow()
    return WorkflowOut(
        statuses=[BookingStatusOut.model_validate(s) for s in flow.statuses],
        transitions=[TransitionOut.model_validate(t) for t in flow.transitions],
    )


@blueprint.endpoint(
    "/booking-statuses",
    "POST",
    summary="Add a booking status",
    status=201,
    permission=Permission.BOOKING_STATUS_CONFIG,
    error_statuses=(409,),
)
def create_status(caller: Caller, body: StatusCreate) -> BookingStatusOut:
    return BookingStatusOut.model_validate(booking_status_service.create_status(caller, body.model_dump()))


@blueprint.endpoint(
    "/booking-statuses/{status_id}",
    "PATCH",
    summary="Change a status (label, colour, icon, order, terminal, effect while unused)",
    permission=Permission.BOOKING_STATUS_CONFIG,
    scoped_resource="booking_status",
    error_statuses=(404, 409),
)
def update_status(caller: Caller, status_id: int, body: StatusUpdate) -> BookingStatusOut:
    return BookingStatusOut.model_validate(booking_status_service.update_status(caller, status_id, body.changes()))


@blueprint.endpoint(
    "/booking-statuses/{status_id}",
    "DELETE",
    summary="Delete a status no booking is in",
    status=204,
    permission=Permission.BOOKING_STATUS_CONFIG,
    scoped_resource="booking_status",
    error_statuses=(404, 409),
)
def delete_status(caller: Caller, status_id: int) -> None:
    booking_status_service.delete_status(caller, status_id)


@blueprint.endpoint(
    "/booking-status-transitions",
    "POST",
    summary="Allow a transition, gated by a permission",
    status=201,
    permission=Permission.BOOKING_STATUS_CONFIG,
    error_statuses=(409,),
)
def create_transition(caller: Caller, body: TransitionCreate) -> TransitionOut:
    return TransitionOut.model_validate(
        booking_status_service.create_transition(caller, body.from_status, body.to_status, body.permission)
    )


@blueprint.endpoint(
    "/booking-status-transitions/{transition_id}",
    "PATCH",
    summary="Change the permission a transition needs",
    permission=Permission.BOOKING_STATUS_CONFIG,
    scoped_resource="booking_transition",
    error_statuses=(404,),
)
def update_transition(caller: Caller, transition_id: int, body: TransitionUpdate) -> TransitionOut:
    return TransitionOut.model_validate(
        booking_status_service.update_transition(caller, transition_id, body.permission)
    )


@blueprint.endpoint(
    "/booking-status-transitions/{transition_id}",
    "DELETE",
    summary="Remove a transition",
    status=204,
    permission=Permission.BOOKING_STATUS_CONFIG,
    scoped_resource="booking_transition",
    error_statuses=(404,),
)
def delete_transition(caller: Caller, transition_id: int) -> None:
    booking_status_service.delete_transition(caller, transition_id)
