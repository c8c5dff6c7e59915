"""Live updates: the events every open dashboard hears about, and who hears them.

A live message carries ids only (the client refetches through the scoped API), so it never leaks
a field the API would not show; who receives it is decided by the event's country and each
connection's country scope, taken when the connection was opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from chalicelib.domain.access import CountryScope

TICKET_LIFETIME_SECONDS = 60
LIVE_TOPIC = "live"  # the outbox topic of live events


class LiveEventType(StrEnum):
    BOOKING_CREATED = "booking.created"
    ALERT_RAISED = "alert.raised"
    ALERT_CHANGED = "alert.changed"
    SYNC_FAILED = "sync.failed"


@dataclass(frozen=True)
class LiveEvent:
    """One event: ``id`` is the booking group's, the alert's or the sync run's."""

    type: LiveEventType
    id: int
    property_id: int | None
    country_code: str | None
    at: datetime

    def message(self) -> dict[str, Any]:
        """The JSON message sent to each socket (and stored in the outbox row)."""
        return {
            "type": self.type.value,
            "id": self.id,
            "property_id": self.property_id,
            "country_code": self.country_code,
            "at": self.at.isoformat(),
        }


@dataclass(frozen=True)
class LiveTicket:
    """What a redeemed ticket says about the socket it opens: whose it is and what they may see."""

    user_id: int
    scope: CountryScope


def scope_countries(scope: CountryScope) -> list[str] | None:
    """A scope as stored on a connection: sorted country codes, or None for every country (an agency's
    account: no country, so its socket hears no country's events)."""
    return scope.sorted_codes()


def scope_of(countries: list[str] | None) -> CountryScope:
    return CountryScope(None if countries is None else frozenset(countries))
