"""Alerts: the kinds, their lifecycle, and the root cause of an overbooking.

An alert is open until resolved: ``new`` → ``acknowledged`` → ``resolved``, or ``snoozed`` until a
time (it then comes back as ``new``). At most one alert per :func:`dedupe_key` is open at a time;
a repeat of the same condition updates it (occurrences, root cause) instead of adding another.

The overbooking root cause (:func:`overbooking_root_cause`) answers what staff ask first: which
bookings hold the night, from which channels and since when, which booking pushed it over, and
which channel sold without knowing the room was gone, and which agency contracts withheld rooms
that night (:func:`allotments_root_cause`: the pool the OTAs sell from is what allotments leave) —
a channel is *stale* when its last
successful ARI acknowledgement (else its last successful sync) is older than the latest booking
from another channel that took a room on the night before the overbooking one arrived. Channel
freshness comes from the sync engine; when it is not known the root cause says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from chalicelib.domain.errors import Conflict, InvalidInput
from chalicelib.domain.inventory import InventoryCell


class AlertType(StrEnum):
    OVERBOOKING = "overbooking"
    # Raised by the sync engine (issue 7) on the same model:
    SYNC_FAILURE = "sync_failure"
    UNACKNOWLEDGED_BOOKING = "unacknowledged_booking"
    STALE_CHANNEL = "stale_channel"


class AlertSeverity(StrEnum):
    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"


class AlertStatus(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    SNOOZED = "snoozed"
    RESOLVED = "resolved"


OPEN_STATUSES = frozenset({AlertStatus.NEW, AlertStatus.ACKNOWLEDGED, AlertStatus.SNOOZED})


class AlertAction(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    SNOOZE = "snooze"
    RESOLVE = "resolve"


_ALLOWED: Mapping[AlertAction, frozenset[AlertStatus]] = {
    AlertAction.ACKNOWLEDGE: frozenset({AlertStatus.NEW, AlertStatus.SNOOZED}),
    AlertAction.SNOOZE: frozenset({AlertStatus.NEW, AlertStatus.ACKNOWLEDGED, AlertStatus.SNOOZED}),
    AlertAction.RESOLVE: OPEN_STATUSES,
}
_RESULT: Mapping[AlertAction, AlertStatus] = {
    AlertAction.ACKNOWLEDGE: AlertStatus.ACKNOWLEDGED,
    AlertAction.SNOOZE: AlertStatus.SNOOZED,
    AlertAction.RESOLVE: AlertStatus.RESOLVED,
}


class AlertTransitionNotAllowed(Conflict):
    code = "alert_transition_not_allowed"


def next_status(
    current: AlertStatus, action: AlertAction, *, snooze_until: datetime | None, now: datetime
) -> AlertStatus:
    """The status ``action`` leads to from ``current``; refuses what the lifecycle does not allow."""
    if current not in _ALLOWED[action]:
        raise AlertTransitionNotAllowed(f"An alert that is {current.value} cannot be {action.value}d.")
    if action is AlertAction.SNOOZE and (snooze_until is None or snooze_until <= now):
        raise InvalidInput(
            "until: must be in the future", details=[{"field": "until", "message": "must be in the future"}]
        )
    return _RESULT[action]


def dedupe_key(alert_type: AlertType, *parts: object) -> str:
    """The identity of the condition an alert reports, e.g. ``overbooking:12:2026-03-01``."""
    return ":".join([alert_type.value, *(part.isoformat() if isinstance(part, date) else str(part) for part in parts)])


def overbooking_key(room_type_id: int, night: date) -> str:
    return dedupe_key(AlertType.OVERBOOKING, room_type_id, night)


# --- the overbooking root cause ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChannelFreshness:
    """What the sync engine knows of one channel of a property (``None``: never happened)."""

    channel: str
    last_successful_sync_at: datetime | None = None
    last_ari_ack_at: datetime | None = None

    @property
    def known_until(self) -> datetime | None:
        """Up to when the channel is known to have had our availability."""
        return self.last_ari_ack_at or self.last_successful_sync_at


@dataclass(frozen=True, slots=True)
class BookingOnNight:
    """One booking line holding rooms on the overbooked night.

    ``arrived_at`` is when the booking reached us (and took the rooms); ``booked_at`` is when
    its channel sold it (the same instant for direct and partner bookings).
    """

    group_id: int
    reference: str
    source: str
    channel: str
    rooms: int
    effect: str
    arrived_at: datetime
    booked_at: datetime


def overbooking_root_cause(
    cell: InventoryCell,
    bookings: Iterable[BookingOnNight],
    trigger_group_id: int,
    freshness: Mapping[str, ChannelFreshness],
) -> dict[str, Any]:
    """JSON-ready root cause of an overbooked night (``cell.available < 0``).

    ``bookings`` are the lines holding rooms that night; ``trigger_group_id`` is the booking whose
    arrival made (or kept) the night overbooked.
    """
    ordered = sorted(bookings, key=lambda b: (b.arrived_at, b.group_id))
    trigger = next((b for b in ordered if b.group_id == trigger_group_id), None)
    by_channel: dict[str, int] = {}
    for booking in ordered:
        by_channel[booking.channel] = by_channel.get(booking.channel, 0) + booking.rooms
    stale, unknown = _trigger_channel_freshness(trigger, ordered, freshness) if trigger else ([], [])
    return {
        "room_type_id": cell.room_type_id,
        "night": cell.night.isoformat(),
        "total": cell.total,
        "sold": cell.sold,
        "held": cell.held,
        "blocked": cell.blocked,
        "overbooked_by": cell.overbooked_by,
        "trigger_group_id": trigger_group_id,
        "trigger_channel": trigger.channel if trigger else None,
        "trigger_booked_at": _iso(trigger.booked_at) if trigger else None,
        "rooms_by_channel": dict(sorted(by_channel.items())),
        "bookings": [
            {
                "group_id": b.group_id,
                "reference": b.reference,
                "source": b.source,
                "channel": b.channel,
                "rooms": b.rooms,
                "effect": b.effect,
                "arrived_at": _iso(b.arrived_at),
                "booked_at": _iso(b.booked_at),
            }
            for b in ordered
        ],
        "stale_channels": stale,
        "channel_freshness_unknown": sorted(unknown),
    }


def _trigger_channel_freshness(
    trigger: BookingOnNight, ordered: list[BookingOnNight], freshness: Mapping[str, ChannelFreshness]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Whether the trigger's channel had heard, by the time it sold, of the room another channel took:
    ([its staleness], []) if it had not, ([], [channel]) if we do not know, ([], []) if it had."""
    # The room the trigger's channel sold was gone once the last booking from *another* channel
    # that reached us before that sale took it; the channel should have heard of it by then.
    earlier_elsewhere = [b for b in ordered if b.channel != trigger.channel and b.arrived_at <= trigger.booked_at]
    conflict_at = max((b.arrived_at for b in earlier_elsewhere), default=None)
    known = freshness.get(trigger.channel)
    if known is None or known.known_until is None:
        return [], [trigger.channel]
    if conflict_at is None or known.known_until >= conflict_at:
        return [], []
    stale = {
        "channel": trigger.channel,
        "last_ari_ack_at": _iso(known.last_ari_ack_at),
        "last_successful_sync_at": _iso(known.last_successful_sync_at),
        "conflicting_booking_at": _iso(conflict_at),
        "behind_by_seconds": round((conflict_at - known.known_until).total_seconds(), 3),
    }
    return [stale], []


@dataclass(frozen=True, slots=True)
class AllotmentOnNight:
    """An agency contract withholding rooms of the overbooked night (outstanding allotment, not yet released)."""

    contract_id: int
    contract_name: str
    agency_id: int
    agency_code: str
    agency_name: str
    withheld: int
    picked_up: int


def allotments_root_cause(allotments: Iterable[AllotmentOnNight]) -> dict[str, Any]:
    """JSON-ready part of the root cause naming the allotments that withheld the night's rooms from
    the pool (the OTAs sold into a pool these had emptied), largest first; none withholding: empty."""
    holding = sorted((a for a in allotments if a.withheld > 0), key=lambda a: (-a.withheld, a.contract_id))
    return {
        "allotments_withheld": sum(a.withheld for a in holding),
        "allotments": [
            {
                "contract_id": a.contract_id,
                "contract_name": a.contract_name,
                "agency_id": a.agency_id,
                "agency_code": a.agency_code,
                "agency_name": a.agency_name,
                "withheld": a.withheld,
                "picked_up": a.picked_up,
            }
            for a in holding
        ],
    }


def allotments_sentence(root_cause: Mapping[str, Any]) -> str:
    """ " Withheld for agencies: SGN-TRAVEL (Summer 2030): 3." or "" when no allotment withheld rooms."""
    named = [f"{a['agency_code']} ({a['contract_name']}): {a['withheld']}" for a in root_cause.get("allotments", [])]
    return f" Withheld for agencies: {', '.join(named)}." if named else ""


def overbooking_title(room_type_name: str, night: date, overbooked_by: int) -> str:
    return f"Overbooked: {room_type_name} on {night.isoformat()} by {overbooked_by} room(s)"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


# --- reading and working alerts (views and filters the services and repositories share) ------------


@dataclass(frozen=True)
class AlertFilters:
    statuses: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    open_only: bool = False
    property_id: int | None = None
    room_type_id: int | None = None
    night_from: date | None = None
    night_to: date | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class AlertRecord:
    """A stored alert, as the API shows it."""

    id: int
    type: str
    severity: str
    status: str
    property_id: int | None
    country_code: str | None
    room_type_id: int | None
    night: date | None
    channel: str | None
    booking_group_id: int | None
    title: str
    message: str
    details: dict[str, Any]
    occurrences: int
    first_seen_at: datetime
    last_seen_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by_user_id: int | None
    snoozed_until: datetime | None
    resolved_at: datetime | None
    resolved_by_user_id: int | None
    resolution_note: str
    created_at: datetime
    updated_at: datetime
