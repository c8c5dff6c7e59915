"""Alerts: list and read (your country scope), acknowledge, snooze, resolve."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field

from chalicelib.api.pagination import Page, PageQuery, filters_from
from chalicelib.api.resources import Resource
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.schemas import request_body_config
from chalicelib.api.view_models import ViewModel
from chalicelib.domain.access import Caller
from chalicelib.domain.alerts import AlertAction, AlertFilters, AlertRecord, AlertStatus, AlertType
from chalicelib.domain.permissions import Permission
from chalicelib.services import alert_service

blueprint = ApiBlueprint(__name__, tag="alerts")
alerts = Resource(blueprint, read=Permission.ALERTS_READ, write=Permission.ALERTS_MANAGE)


class AlertOut(ViewModel, view=AlertRecord):
    type: AlertType
    severity: Literal["critical", "warning", "info"]
    status: AlertStatus
    booking_group_id: int | None = Field(description="the booking that raised (or last worsened) it")
    details: dict[str, Any] = Field(
        description="overbooking: the root cause (bookings holding the night, rooms by channel, stale channels)"
    )


class AlertQuery(PageQuery):
    status: list[AlertStatus] = Field(default_factory=list, description="repeat the parameter for several")
    type: list[AlertType] = Field(default_factory=list)
    open_only: bool = Field(default=False, description="everything not resolved")
    property_id: int | None = Field(default=None, ge=1)
    room_type_id: int | None = Field(default=None, ge=1)
    night_from: date | None = None
    night_to: date | None = None
    since: datetime | None = Field(default=None, description="raised at or after (ISO 8601)")
    until: datetime | None = Field(default=None, description="raised before (ISO 8601)")


class SnoozeIn(BaseModel):
    model_config = request_body_config({"until": "2030-01-01T08:00:00Z"})

    until: AwareDatetime = Field(description="when the alert comes back (ISO 8601 with offset)")


class ResolveIn(BaseModel):
    model_config = request_body_config({"note": "moved the guest to a partner hotel"})

    note: str = Field(default="", max_length=2000)


@alerts.get("/alerts", "Alerts in your country scope, newest first")
def list_alerts(caller: Caller, query: AlertQuery) -> Page[AlertOut]:
    filters = filters_from(
        query, AlertFilters, statuses=tuple(s.value for s in query.status), types=tuple(t.value for t in query.type)
    )
    records, total = alert_service.list_alerts(caller, filters, offset=query.offset, limit=query.page_size)
    return Page.of([AlertOut.of(alert) for alert in records], total, query)


alerts.record("/alerts/{alert_id}", AlertOut).get(alert_service.get_alert, "One alert with its root cause")


@alerts.post("/alerts/{alert_id}/acknowledge", "Acknowledge: someone is on it", error_statuses=(409,))
def acknowledge_alert(caller: Caller, alert_id: int) -> AlertOut:
    return AlertOut.of(alert_service.act_on_alert(caller, alert_id, AlertAction.ACKNOWLEDGE))


@alerts.post("/alerts/{alert_id}/snooze", "Snooze until a time (it then comes back as new)", error_statuses=(409,))
def snooze_alert(caller: Caller, alert_id: int, body: SnoozeIn) -> AlertOut:
    return AlertOut.of(alert_service.act_on_alert(caller, alert_id, AlertAction.SNOOZE, until=body.until))


@alerts.post(
    "/alerts/{alert_id}/resolve", "Resolve, with a note of what was done", body_required=False, error_statuses=(409,)
)
def resolve_alert(caller: Caller, alert_id: int, body: ResolveIn) -> AlertOut:
    return AlertOut.of(alert_service.act_on_alert(caller, alert_id, AlertAction.RESOLVE, note=body.note))
