"""Alerts: raising them (one open alert per condition), the staff workflow, and notification.

Raising happens inside the transaction that found the condition (:func:`raise_alert`, and
:func:`raise_overbooking` for an overbooked night), so the alert commits or rolls back with it.
A new alert, or an overbooking that got worse, writes an outbox row that is published to the
SNS ``alerts`` topic right after the commit (``outbox_service``); raising and every change of
state also write a live event (``live_events``) for open dashboards.

The sync engine (issue 7) raises its own kinds (``sync_failure``, ``unacknowledged_booking``,
``stale_channel``) with :func:`raise_alert` and a :class:`NewAlert`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from chalicelib.db.models import Property, RoomType
from chalicelib.db.repositories import alerts as alert_repository
from chalicelib.db.repositories import bookings as booking_repository
from chalicelib.db.unit_of_work import SqlUnitOfWork, unit_of_work
from chalicelib.domain.access import Caller
from chalicelib.domain.alerts import (
    AlertAction,
    AlertRecord,
    AlertSeverity,
    AlertStatus,
    AlertType,
    ChannelFreshness,
    allotments_root_cause,
    allotments_sentence,
    next_status,
    overbooking_key,
    overbooking_root_cause,
    overbooking_title,
)
from chalicelib.domain.errors import existing
from chalicelib.domain.inventory import InventoryCell
from chalicelib.domain.ota_codes import channel_name
from chalicelib.services import live_events, outbox_service
from chalicelib.services.audit_service import audit_entry, audit_snapshot
from chalicelib.services.ports import UnitOfWork, UnitOfWorkFactory
from chalicelib.services.scoped_reads import page_reader, record_reader

ALERT_AUDIT_FIELDS = ("status", "snoozed_until", "resolution_note", "acknowledged_by_user_id", "resolved_by_user_id")


@dataclass(frozen=True)
class NewAlert:
    """A condition to alert on. ``dedupe_key`` identifies it: while an alert with the same key is
    open, raising it again updates that alert. ``notify_if`` decides, given the open alert's
    previous ``details``, whether an update is worth a new notification (default: never)."""

    type: AlertType
    severity: AlertSeverity
    dedupe_key: str
    title: str
    message: str
    details: dict[str, Any]
    property_id: int | None = None
    country_code: str | None = None
    room_type_id: int | None = None
    night: date | None = None
    channel: str | None = None
    booking_group_id: int | None = None
    notify_if: Callable[[Mapping[str, Any]], bool] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class RaisedAlert:
    alert_id: int
    created: bool
    notified: bool


def raise_alert(uow: SqlUnitOfWork, alert: NewAlert, *, now: datetime | None = None) -> RaisedAlert:
    """Create the alert, or update the open one with the same key; notify on creation (and when
    ``notify_if`` says an update deserves it). Runs in the caller's transaction."""
    moment = now or datetime.now(UTC)
    session = uow.session
    values = {
        "type": alert.type,
        "severity": alert.severity,
        "status": AlertStatus.NEW,
        "dedupe_key": alert.dedupe_key,
        "property_id": alert.property_id,
        "country_code": alert.country_code,
        "room_type_id": alert.room_type_id,
        "night": alert.night,
        "channel": alert.channel,
        "booking_group_id": alert.booking_group_id,
        "title": alert.title[:300],
        "message": alert.message,
        "details": alert.details,
        "first_seen_at": moment,
        "last_seen_at": moment,
    }
    new_id = alert_repository.insert_if_none_open(session, values)
    if new_id is not None:
        _notify(uow, new_id, alert, "created")
        live_events.alert_raised(session, new_id, alert.property_id, alert.country_code)
        return RaisedAlert(alert_id=new_id, created=True, notified=True)
    existing = alert_repository.open_alert_for_update(session, alert.dedupe_key)
    if existing is None:  # resolved between the insert and this read: raise it anew
        return raise_alert(uow, alert, now=now)
    worse = bool(alert.notify_if and alert.notify_if(existing.details or {}))
    existing.title = alert.title[:300]
    existing.message = alert.message
    existing.details = alert.details
    existing.severity = alert.severity
    existing.booking_group_id = alert.booking_group_id or existing.booking_group_id
    existing.channel = alert.channel or existing.channel
    existing.occurrences += 1
    existing.last_seen_at = moment
    if worse:
        _notify(uow, existing.id, alert, "worsened")
        live_events.alert_changed(uow, existing.id, existing.property_id, existing.country_code)
    return RaisedAlert(alert_id=existing.id, created=False, notified=worse)


def _notify(uow: SqlUnitOfWork, alert_id: int, alert: NewAlert, event: str) -> None:
    summary = {
        key: alert.details[key]
        for key in ("overbooked_by", "total", "sold", "held", "blocked", "trigger_channel", "stale_channels")
        if key in alert.details
    }
    outbox_service.publish_after_commit(
        uow,
        outbox_service.ALERTS_TOPIC,
        {
            "event": event,
            "alert_id": alert_id,
            "type": alert.type,
            "severity": alert.severity,
            "title": alert.title,
            "message": alert.message,
            "property_id": alert.property_id,
            "country_code": alert.country_code,
            "room_type_id": alert.room_type_id,
            "night": alert.night.isoformat() if alert.night else None,
            "channel": alert.channel,
            "booking_group_id": alert.booking_group_id,
            "summary": summary,
        },
    )


def raise_overbooking(
    uow: SqlUnitOfWork,
    hotel: Property,
    room_type: RoomType,
    cell: InventoryCell,
    trigger_group_id: int,
    freshness: Mapping[str, ChannelFreshness],
    *,
    now: datetime | None = None,
) -> RaisedAlert:
    """Alert on an overbooked night (``cell.overbooked_by > 0``) with its root cause, in the caller's transaction.

    Call it while holding the room type's lock: the bookings listed in the root cause are then
    exactly those behind the cell's counters.
    """
    bookings = booking_repository.bookings_on_night(uow.session, cell.room_type_id, cell.night)
    details = overbooking_root_cause(cell, bookings, trigger_group_id, freshness)
    details["room_type_name"] = room_type.name
    details["property_code"] = hotel.code
    details.update(allotments_root_cause(uow.allotments.allotments_on_night(cell.room_type_id, cell.night)))
    channels = ", ".join(f"{channel_name(channel)}: {rooms}" for channel, rooms in details["rooms_by_channel"].items())
    stale = ", ".join(channel_name(entry["channel"]) for entry in details["stale_channels"])
    message = (
        f"{hotel.name}: {room_type.name} on {cell.night.isoformat()} has {cell.committed} rooms taken "
        f"for {cell.total} ({channels})."
        + (f" Stale channel: {stale}." if stale else "")
        + allotments_sentence(details)
    )
    overbooked_by = cell.overbooked_by
    return raise_alert(
        uow,
        NewAlert(
            type=AlertType.OVERBOOKING,
            severity=AlertSeverity.CRITICAL,
            dedupe_key=overbooking_key(cell.room_type_id, cell.night),
            title=overbooking_title(room_type.name, cell.night, overbooked_by),
            message=message,
            details=details,
            property_id=hotel.id,
            country_code=hotel.country_code,
            room_type_id=cell.room_type_id,
            night=cell.night,
            channel=details.get("trigger_channel"),
            booking_group_id=trigger_group_id,
            notify_if=lambda previous: overbooked_by > int(previous.get("overbooked_by", 0)),
        ),
        now=now,
    )


# --- reading and the staff workflow ------------------------------------------------------------


list_alerts = page_reader(lambda work: work.alerts.page)  # newest first


def _scoped(work: UnitOfWork, caller: Caller, alert_id: int, *, for_update: bool = False) -> AlertRecord:
    return existing(work.alerts.get(alert_id, caller.scope, for_update=for_update), "No such alert.")


get_alert = record_reader(_scoped)


def act_on_alert(
    caller: Caller,
    alert_id: int,
    action: AlertAction,
    *,
    until: datetime | None = None,
    note: str = "",
    now: datetime | None = None,
    uow: UnitOfWorkFactory = unit_of_work,
) -> AlertRecord:
    """Acknowledge, snooze (until a time) or resolve an alert; audited."""
    moment = now or datetime.now(UTC)
    with uow() as work:
        alert = _scoped(work, caller, alert_id, for_update=True)
        status = next_status(AlertStatus(alert.status), action, snooze_until=until, now=moment).value
        if action is AlertAction.ACKNOWLEDGE:
            changed = replace(
                alert, status=status, acknowledged_at=moment, acknowledged_by_user_id=caller.user_id, snoozed_until=None
            )
        elif action is AlertAction.SNOOZE:
            changed = replace(alert, status=status, snoozed_until=until)
        else:
            changed = replace(
                alert,
                status=status,
                resolved_at=moment,
                resolved_by_user_id=caller.user_id,
                resolution_note=note,
                snoozed_until=None,
            )
        saved = work.alerts.save_workflow(changed)
        live_events.alert_changed(work, saved.id, saved.property_id, saved.country_code)
        work.audit.add(
            audit_entry(
                caller,
                f"alert.{action.value}d",
                "alert",
                alert.id,
                audit_snapshot(alert, ALERT_AUDIT_FIELDS),
                audit_snapshot(saved, ALERT_AUDIT_FIELDS),
                country_code=alert.country_code,
            )
        )
        return saved


def wake_snoozed(now: datetime | None = None, *, uow: UnitOfWorkFactory = unit_of_work) -> dict[str, int]:
    """The housekeeping task: snoozed alerts whose time has come are ``new`` again."""
    with uow() as work:
        woken = work.alerts.wake_snoozed(now or datetime.now(UTC))
        for alert in woken:
            live_events.alert_changed(work, alert.id, alert.property_id, alert.country_code)
        return {"alerts_woken": len(woken)}
