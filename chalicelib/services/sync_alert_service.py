"""Sync alerts raised by the minutely housekeeping run: dead letters, unacknowledged bookings, stale channels.

Each check raises through ``alert_service.raise_alert`` with a dedupe key per condition, so the
alert is created (and notified through the alerts topic) once and only updated while the
condition lasts; when the condition is over the open alert is resolved by the system, and a
later recurrence raises a new one.

* **Dead letters** (``sync_failure``, key ``sync_failure:dlq:<queue>``): a DLQ of the app's queues
  holds messages (``ApproximateNumberOfMessages``). Re-notified when the depth grows.
* **Unacknowledged booking** (``unacknowledged_booking``, key per connection + reservation +
  revision): a revision pulled but not stored and acknowledged within
  :data:`UNACKNOWLEDGED_AFTER` of the OTA's window. Booking.com falls back to email after 30
  minutes, Expedia after 30 minutes for same-day arrivals (later otherwise), Channex alerts at
  30 minutes; Agoda and Traveloka publish no window, so 30 minutes is assumed. We alert at half
  of it (15 minutes) so staff can act before the OTA gives up on us.
* **Stale channel** (``stale_channel``, key per connection): an active connection whose last
  successful sync (else its creation) is older than ``stale_channel_intervals`` (a global
  setting, default 4) times its poll interval.
* **Foreign hotel** (``sync_failure``, key ``sync_failure:foreign_hotel:<connection>:<reservation>``):
  raised by the property sync worker when a pulled reservation names another hotel than the one
  polled (:func:`refuse_foreign_hotel_reservation`); resolved by staff.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from chalicelib.aws import clients
from chalicelib.aws.queues import queue_url
from chalicelib.aws.resources import QUEUES
from chalicelib.db.models import OtaConnection, PendingOtaAck, Property
from chalicelib.db.repositories import sync as sync_repository
from chalicelib.db.repositories.settings import load_app_settings
from chalicelib.db.unit_of_work import SqlUnitOfWork, unit_of_work
from chalicelib.domain.alerts import AlertSeverity, AlertType, dedupe_key
from chalicelib.domain.ota_accounts import effective_poll_interval
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_results import ErrorKind, SyncError
from chalicelib.services import alert_service, live_events

# The OTA's own window before it falls back to email (or its own alert), per OTA_PROTOCOLS.md.
OTA_ACK_WINDOWS: dict[str, timedelta] = {
    OtaCode.BOOKING_COM.value: timedelta(minutes=30),
    OtaCode.EXPEDIA.value: timedelta(minutes=30),
    OtaCode.AGODA.value: timedelta(minutes=30),
    OtaCode.TRAVELOKA.value: timedelta(minutes=30),
}
DEFAULT_ACK_WINDOW = timedelta(minutes=30)
ALERT_AT_FRACTION_OF_WINDOW = 0.5
# An item the OTA has not offered for this long is no longer ours to alert on (it gave up).
FORGET_PENDING_AFTER = timedelta(hours=24)


def unacknowledged_after(ota: str) -> timedelta:
    return OTA_ACK_WINDOWS.get(ota, DEFAULT_ACK_WINDOW) * ALERT_AT_FRACTION_OF_WINDOW


def _dlq_key(dlq_name: str) -> str:
    return dedupe_key(AlertType.SYNC_FAILURE, "dlq", dlq_name)


def _depth_grew(depth: int) -> Callable[[Mapping[str, Any]], bool]:
    def grew(previous: Mapping[str, Any]) -> bool:
        return depth > int(previous.get("depth", 0))

    return grew


def check_dead_letter_queues(now: datetime | None = None) -> dict[str, int]:
    """Raise (or update) a sync alert for every DLQ holding messages; resolve it once drained."""
    moment = now or datetime.now(UTC)
    sqs = clients.sqs()
    depths: dict[str, int] = {}
    for spec in QUEUES:
        attributes = sqs.get_queue_attributes(
            QueueUrl=queue_url(spec.dlq_name), AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        depths[spec.dlq_name] = int(attributes.get("ApproximateNumberOfMessages", 0))
    with unit_of_work() as uow:
        for dlq_name, depth in depths.items():
            if depth == 0:
                continue
            spec = next(spec for spec in QUEUES if spec.dlq_name == dlq_name)
            alert_service.raise_alert(
                uow,
                alert_service.NewAlert(
                    type=AlertType.SYNC_FAILURE,
                    severity=AlertSeverity.CRITICAL,
                    dedupe_key=_dlq_key(dlq_name),
                    title=f"{depth} message(s) dead-lettered in {dlq_name}",
                    message=(
                        f"Messages of {spec.name} failed {spec.max_receive_count} "
                        f"times and were moved to {dlq_name}. Inspect them, fix the cause, then redrive or delete them."
                    ),
                    details={"queue": spec.name, "dead_letter_queue": dlq_name, "depth": depth},
                    notify_if=_depth_grew(depth),
                ),
                now=moment,
            )
        drained = [_dlq_key(name) for name, depth in depths.items() if depth == 0]
        live_events.resolve_alerts(uow.session, drained, moment, "the dead-letter queue was drained")
    return {name: depth for name, depth in depths.items()}


def alert_unacknowledged_bookings(now: datetime | None = None) -> dict[str, int]:
    """Raise an alert per revision pulled but still not stored+acknowledged after its OTA's threshold."""
    moment = now or datetime.now(UTC)
    shortest = min([*OTA_ACK_WINDOWS.values(), DEFAULT_ACK_WINDOW]) * ALERT_AT_FRACTION_OF_WINDOW
    with unit_of_work() as uow:
        session = uow.session
        purged = sync_repository.purge_pending_not_seen_since(session, moment - FORGET_PENDING_AFTER)
        alerts = [
            _unacknowledged_alert(item, country, moment)
            for item, country in sync_repository.overdue_pending(
                session, moment - shortest, moment - FORGET_PENDING_AFTER
            )
            if item.first_seen_at <= moment - unacknowledged_after(item.ota_code)
        ]
        raised, resolved = _raise_and_resolve(
            uow, AlertType.UNACKNOWLEDGED_BOOKING, alerts, moment, "the reservation was acknowledged"
        )
    return {"alerted": raised, "resolved": resolved, "forgotten": purged}


def _unacknowledged_alert(item: PendingOtaAck, country: str, moment: datetime) -> alert_service.NewAlert:
    """The alert for a pending reservation revision (``sync_repository.overdue_pending``)."""
    ota_name = OtaCode(item.ota_code).display_name
    minutes = int((moment - item.first_seen_at).total_seconds() // 60)
    state = "stored but not acknowledged" if item.stored else "not stored"
    window_minutes = int(OTA_ACK_WINDOWS.get(item.ota_code, DEFAULT_ACK_WINDOW).total_seconds() // 60)
    return alert_service.NewAlert(
        type=AlertType.UNACKNOWLEDGED_BOOKING,
        severity=AlertSeverity.CRITICAL,
        dedupe_key=dedupe_key(
            AlertType.UNACKNOWLEDGED_BOOKING, item.connection_id, item.reservation_id, item.revision or "-"
        ),
        title=f"{ota_name} reservation {item.reservation_id} unacknowledged for {minutes} min",
        message=(
            f"{ota_name} reservation {item.reservation_id} was first pulled {minutes} minutes ago and is "
            f"{state}: {item.last_error or 'no detail'}. {ota_name} falls back to email after "
            f"{window_minutes} minutes."
        ),
        details={
            "connection_id": item.connection_id,
            "reservation_id": item.reservation_id,
            "revision": item.revision,
            "first_seen_at": item.first_seen_at.isoformat(),
            "attempts": item.attempts,
            "stored": item.stored,
            "last_error": item.last_error,
        },
        property_id=item.property_id,
        country_code=country,
        channel=item.ota_code,
    )


def alert_stale_channels(now: datetime | None = None) -> dict[str, int]:
    """Raise an alert per active connection whose last success is older than N poll intervals."""
    moment = now or datetime.now(UTC)
    with unit_of_work() as uow:
        settings = load_app_settings(uow.session)
        alerts = []
        for connection, ota, country in sync_repository.active_connections_with_freshness(uow.session):
            interval = effective_poll_interval(
                connection.poll_interval_seconds, settings.sync_poll_interval_seconds, ota
            )
            limit = timedelta(seconds=interval * settings.stale_channel_intervals)
            if moment - (connection.last_success_at or connection.created_at) > limit:
                alerts.append(_stale_alert(connection, ota, country, interval, settings.stale_channel_intervals))
        raised, resolved = _raise_and_resolve(uow, AlertType.STALE_CHANNEL, alerts, moment, "the channel synced again")
    return {"alerted": raised, "resolved": resolved}


def _stale_alert(
    connection: OtaConnection, ota: str, country: str, interval: int, intervals: int
) -> alert_service.NewAlert:
    """The alert for an active connection with no success for ``intervals`` poll intervals."""
    ota_name = OtaCode(ota).display_name
    last = connection.last_success_at.isoformat() if connection.last_success_at else "never"
    details: dict[str, Any] = {
        "connection_id": connection.id,
        "last_success_at": connection.last_success_at.isoformat() if connection.last_success_at else None,
        "interval_seconds": interval,
        "intervals": intervals,
        "consecutive_failures": connection.consecutive_failures,
        "last_error": connection.last_error,
    }
    return alert_service.NewAlert(
        type=AlertType.STALE_CHANNEL,
        severity=AlertSeverity.WARNING,
        dedupe_key=dedupe_key(AlertType.STALE_CHANNEL, connection.id),
        title=f"{ota_name} not synced for more than {intervals} intervals",
        message=(
            f"The {ota_name} connection {connection.id} last synced successfully {last} "
            f"(poll interval {interval} s). Last error: {connection.last_error or 'none recorded'}."
        ),
        details=details,
        property_id=connection.property_id,
        country_code=country,
        channel=ota,
    )


def _raise_and_resolve(
    uow: SqlUnitOfWork, alert_type: AlertType, alerts: list[alert_service.NewAlert], moment: datetime, reason: str
) -> tuple[int, int]:
    """Raise (or update) each of ``alerts``; resolve, with ``reason``, the open alerts of ``alert_type``
    whose condition is over (not among them). How many were raised and resolved."""
    for alert in alerts:
        alert_service.raise_alert(uow, alert, now=moment)
    live_keys = {alert.dedupe_key for alert in alerts}
    open_keys = sync_repository.open_alert_keys(uow.session, alert_type.value + ":")
    gone = [key for key in open_keys if key not in live_keys]
    return len(alerts), live_events.resolve_alerts(uow.session, gone, moment, reason)


# --- a reservation naming another hotel (issue 16.3) ------------------------------------------------------


def foreign_hotel_key(connection_id: int, reservation_id: str) -> str:
    return dedupe_key(AlertType.SYNC_FAILURE, "foreign_hotel", connection_id, reservation_id)


def refuse_foreign_hotel_reservation(
    *,
    ota: OtaCode,
    connection_id: int,
    property_id: int,
    polled_hotel_id: str,
    named_hotel_id: str,
    reservation_id: str,
    now: datetime | None = None,
) -> SyncError:
    """A reservation pulled for one hotel names another: it is never stored under ours. Raise a
    critical ``sync_failure`` alert (one per connection and reservation while it keeps coming) and
    return the item error the sync run records. It is not acknowledged, so the OTA keeps offering
    it (and falls back to its own email) until staff fix the connection's hotel id or the OTA."""
    name = ota.display_name
    message = (
        f"{name} reservation {reservation_id} names hotel {named_hotel_id}, but it came in the poll of hotel "
        f"{polled_hotel_id} (connection {connection_id}); refused, not stored, not acknowledged"
    )
    with unit_of_work() as uow:
        country = uow.session.scalar(select(Property.country_code).where(Property.id == property_id))
        alert_service.raise_alert(
            uow,
            alert_service.NewAlert(
                type=AlertType.SYNC_FAILURE,
                severity=AlertSeverity.CRITICAL,
                dedupe_key=foreign_hotel_key(connection_id, reservation_id),
                title=f"{name} sent reservation {reservation_id} of another hotel ({named_hotel_id})",
                message=message,
                details={
                    "reason": "foreign_hotel",
                    "connection_id": connection_id,
                    "reservation_id": reservation_id,
                    "polled_hotel_id": polled_hotel_id,
                    "named_hotel_id": named_hotel_id,
                },
                property_id=property_id,
                country_code=country,
                channel=ota.value,
            ),
            now=now,
        )
    return SyncError(
        ota=ota,
        kind=ErrorKind.FOREIGN_HOTEL,
        message=message,
        field="ota_hotel_id",
        item_id=reservation_id,
    )
