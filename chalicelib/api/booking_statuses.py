"""Booking statuses and the transitions between them: the workflow editor (BOOKING_STATUS_CONFIG)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from chalicelib.api.patching import PatchBody
from chalicelib.api.resources import Resource
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.schemas import request_body_config
from chalicelib.api.view_models import ViewModel
from chalicelib.domain.access import Caller
from chalicelib.domain.permissions import Permission
from chalicelib.services import booking_status_service
from chalicelib.services.booking_status_service import StatusView, TransitionView, Workflow

blueprint = ApiBlueprint(__name__, tag="booking workflow")
workflow = Resource(
    blueprint,
    read=Permission.BOOKINGS_READ,
    write=Permission.BOOKING_STATUS_CONFIG,
    kinds={"status_id": "booking_status", "transition_id": "booking_transition"},
)

Code = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=2, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")
]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
Colour = Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")]
Icon = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]
PermissionName = Annotated[str, Field(max_length=60, json_schema_extra={"enum": list(Permission.__members__)})]
Effect = Literal["hold", "sell", "none"]


class BookingStatusOut(ViewModel, view=StatusView):
    inventory_effect: Effect = Field(description="how a booking's nights count in this status: held, sold, or not")
    is_system: bool = Field(description="pending, confirmed, cancelled: code and effect fixed, cannot be deleted")


class TransitionOut(ViewModel, view=TransitionView):
    pass


class WorkflowOut(ViewModel, view=Workflow):
    statuses: list[BookingStatusOut]
    transitions: list[TransitionOut]


class StatusCreate(BaseModel):
    model_config = request_body_config(
        {"code": "waitlisted", "label": "Waitlisted", "colour": "#0EA5E9", "inventory_effect": "none"}
    )

    code: Code
    label: Label
    colour: Colour
    icon: Icon = ""
    inventory_effect: Effect
    is_terminal: bool = False
    sort_order: int = Field(default=100, ge=0, le=10_000)


class StatusUpdate(PatchBody):
    model_config = request_body_config({"label": "On hold", "colour": "#F97316"})

    label: Label | None = None
    colour: Colour | None = None
    icon: Icon | None = None
    inventory_effect: Effect | None = None
    is_terminal: bool | None = None
    sort_order: int | None = Field(default=None, ge=0, le=10_000)


class TransitionCreate(BaseModel):
    model_config = request_body_config(
        {"from_status": "confirmed", "to_status": "waitlisted", "permission": "BOOKINGS_MANAGE"}
    )

    from_status: Code
    to_status: Code
    permission: PermissionName


class TransitionUpdate(BaseModel):
    model_config = request_body_config({"permission": "BOOKINGS_MANAGE"})

    permission: PermissionName


@workflow.get("/booking-statuses", "Every booking status and transition (the workflow)")
def get_workflow() -> WorkflowOut:
    return WorkflowOut.of(booking_status_service.workflow())


@workflow.create("/booking-statuses", "Add a booking status", error_statuses=(409,))
def create_status(caller: Caller, body: StatusCreate) -> BookingStatusOut:
    return BookingStatusOut.of(booking_status_service.create_status(caller, body.model_dump()))


booking_status = workflow.record("/booking-statuses/{status_id}", BookingStatusOut, noun="status")
booking_status.update(
    booking_status_service.update_status,
    StatusUpdate,
    "Change a status (label, colour, icon, order, terminal, effect while unused)",
    error_statuses=(404, 409),
)
booking_status.delete(
    booking_status_service.delete_status, "Delete a status no booking is in", error_statuses=(404, 409)
)


@workflow.create(
    "/booking-status-transitions",
    "Allow a transition, gated by a permission (409 if it would strand a status)",
    error_statuses=(409,),
)
def create_transition(caller: Caller, body: TransitionCreate) -> TransitionOut:
    return TransitionOut.of(
        booking_status_service.create_transition(caller, body.from_status, body.to_status, body.permission)
    )


@workflow.patch(
    "/booking-status-transitions/{transition_id}", "Change the permission a transition needs", error_statuses=(404,)
)
def update_transition(caller: Caller, transition_id: int, body: TransitionUpdate) -> TransitionOut:
    return TransitionOut.of(booking_status_service.update_transition(caller, transition_id, body.permission))


workflow.record("/booking-status-transitions/{transition_id}", TransitionOut, noun="transition").delete(
    booking_status_service.delete_transition,
    "Remove a transition (409 if it was a status's last way to an end)",
    error_statuses=(404, 409),
)
