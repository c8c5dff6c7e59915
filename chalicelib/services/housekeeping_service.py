"""Housekeeping: small, idempotent upkeep tasks run by two schedules.

``housekeeping`` (every minute) runs what must happen promptly: expire unconfirmed holds, release
hardblocks at their cut-off (property-local, so each minute), relay
outbox rows a crashed invocation left behind, wake snoozed alerts, and raise the sync alerts
(dead letters, unacknowledged bookings, stale channels: ``sync_alert_service``). ``hourly_upkeep`` runs the
slow-moving work: extend every calendar to the 24-month horizon, purge spent sessions/tokens and
old idempotency keys. Features append their task to one of the lists.

Each task opens its own transactions and returns counts for the log. A task that fails is logged
with its stack and does not stop the ones after it; the run then fails as a whole, so the Lambda
error metric (and its alarm) sees it and the next run retries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from chalicelib.observability import logger
from chalicelib.services import (
    alert_service,
    allotment_service,
    ari_relay,
    booking_service,
    calendar_upkeep,
    hardblock_release,
    identity_housekeeping,
    live_service,
    outbox_service,
    sale_order_service,
    sync_alert_service,
    webhook_service,
)

HousekeepingTask = Callable[[], Mapping[str, Any]]

MINUTELY_TASKS: list[tuple[str, HousekeepingTask]] = [
    # before expire_holds: an expired agency hold gives its rooms back to the allotment as it ends
    ("return_agency_rooms", sale_order_service.return_cancelled_rooms),
    ("expire_holds", booking_service.expire_holds),
    # before the relays: a block whose cut-off came (property-local) gives its rooms back to the pool and the OTAs
    ("release_hardblocks", hardblock_release.release_due_blocks),
    ("relay_outbox", outbox_service.sweep),
    ("relay_ari_changes", ari_relay.sweep),
    ("wake_snoozed_alerts", alert_service.wake_snoozed),
    ("dead_letter_alerts", sync_alert_service.check_dead_letter_queues),
    ("unacknowledged_booking_alerts", sync_alert_service.alert_unacknowledged_bookings),
    ("stale_channel_alerts", sync_alert_service.alert_stale_channels),
]

HOURLY_TASKS: list[tuple[str, HousekeepingTask]] = [
    ("extend_calendars", calendar_upkeep.extend_calendars),
    # after extend_calendars: nights the horizon just added are withheld for their contracts too
    ("apply_allotment_releases", allotment_service.apply_releases),
    ("purge_identity_data", identity_housekeeping.purge_expired),
    ("purge_idempotency_keys", booking_service.purge_idempotency_keys),
    ("purge_webhook_receipts", webhook_service.purge_receipts),
    ("purge_relayed_ari_changes", ari_relay.purge_relayed),
    ("purge_live_tickets_and_connections", live_service.purge_spent),
]


class HousekeepingFailed(RuntimeError):
    """One or more tasks failed (each is logged with its stack)."""


def run_tasks(tasks: Sequence[tuple[str, HousekeepingTask]]) -> dict[str, dict[str, Any]]:
    """Run every task; returns task name → its counts (or ``{"error": ...}``)."""
    results: dict[str, dict[str, Any]] = {}
    failed: list[str] = []
    for name, task in tasks:
        try:
            results[name] = dict(task())
        except Exception as error:  # noqa: BLE001 - isolate tasks; re-raised below as one failure
            logger.exception("housekeeping task failed", extra={"task": name})
            results[name] = {"error": type(error).__name__}
            failed.append(name)
    logger.info("housekeeping", extra={"results": results})
    if failed:
        raise HousekeepingFailed(f"housekeeping tasks failed: {', '.join(failed)}")
    return results
