"""What an adapter call returns. Adapters never raise for an OTA's misbehaviour: they return one of
these, with every problem described in words staff can act on and with enough structure (kind,
OTA code, field, item) for the sync engine to decide whether to retry, alert or move on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_reservation import OtaReservation


class ErrorKind(StrEnum):
    AUTHENTICATION = "authentication"  # wrong or expired credentials: stop, alert, do not retry
    RATE_LIMITED = "rate_limited"  # the OTA (or our own budget) said "later"
    UNAVAILABLE = "unavailable"  # 5xx, connection refused/reset: transient
    TIMEOUT = "timeout"
    MALFORMED_RESPONSE = "malformed_response"  # not XML/JSON, truncated, wrong root element
    UNSAFE_PAYLOAD = "unsafe_payload"  # DTD, entity expansion, external entity: rejected unparsed
    MISSING_FIELD = "missing_field"  # one item lacks a required field; the rest of the batch goes on
    INVALID_FIELD = "invalid_field"
    REJECTED = "rejected"  # the OTA refused the content (business rule): do not retry as is
    PROTOCOL = "protocol"  # the OTA could not parse what we sent (Expedia 2xxx): stop and alert
    RETRYABLE = "retryable"  # the OTA asked for a retry (e.g. Expedia 4000-4099)
    CONFIGURATION = "configuration"  # credentials incomplete, unknown hotel id, ...
    FOREIGN_HOTEL = "foreign_hotel"  # a reservation naming another hotel than the one polled: refused, alerted


TRANSIENT_KINDS = frozenset({ErrorKind.RATE_LIMITED, ErrorKind.UNAVAILABLE, ErrorKind.TIMEOUT, ErrorKind.RETRYABLE})


@dataclass(frozen=True, slots=True)
class SyncError:
    ota: OtaCode
    kind: ErrorKind
    message: str
    code: str | None = None  # the OTA's own error code, when it gave one
    field: str | None = None  # e.g. "HotelReservation/RoomStays/RoomStay/TimeSpan/@Start"
    item_id: str | None = None  # reservation id, or "room/rate plan/dates" for ARI
    retry_after_seconds: float | None = None

    @property
    def transient(self) -> bool:
        return self.kind in TRANSIENT_KINDS

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class PullResult:
    """Reservations pulled in one call, plus one error per item that could not be mapped.

    ``error`` is set when the pull as a whole failed (authentication, OTA down after retries, a
    malformed or unsafe document); ``item_errors`` name the reservation and the field, and never
    stop the rest of the batch.
    """

    ota: OtaCode
    ota_hotel_id: str
    reservations: tuple[OtaReservation, ...] = ()
    item_errors: tuple[SyncError, ...] = ()
    error: SyncError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def errors(self) -> tuple[SyncError, ...]:
        return ((self.error,) if self.error else ()) + self.item_errors


@dataclass(frozen=True, slots=True)
class AckResult:
    ota: OtaCode
    ota_hotel_id: str
    acknowledged: tuple[str, ...] = ()  # reservation ids the OTA accepted as received
    errors: tuple[SyncError, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


class WarningKind(StrEnum):
    UNSUPPORTED_RESTRICTION = "unsupported_restriction"
    VALUE_LIMITED = "value_limited"  # clamped to what the OTA accepts (e.g. BookingLimit 254)
    OUT_OF_HORIZON = "out_of_horizon"  # dates the OTA does not accept (past, too far ahead)
    OTA_WARNING = "ota_warning"  # the OTA accepted the message with a warning (Expedia 7xxx)


@dataclass(frozen=True, slots=True)
class PushWarning:
    kind: WarningKind
    message: str
    ota_room_id: str | None = None
    ota_rate_plan_id: str | None = None
    start: date | None = None
    end: date | None = None
    code: str | None = None


@dataclass(frozen=True, slots=True)
class PushResult:
    """The outcome of pushing ARI updates: how many messages went out and were accepted, what was
    adjusted or not supported (never silently dropped), and what failed.

    ``partial`` is true when the OTA accepted some updates and refused others (Agoda 207, an
    Expedia batch that failed after earlier ones succeeded); ``errors`` then say which.
    """

    ota: OtaCode
    ota_hotel_id: str
    messages_sent: int = 0
    messages_accepted: int = 0
    warnings: tuple[PushWarning, ...] = ()
    errors: tuple[SyncError, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def partial(self) -> bool:
        """Some updates were accepted and some were not (``messages_accepted`` counts a message
        the OTA took in part, like an Agoda 207)."""
        return bool(self.errors) and self.messages_accepted > 0


@dataclass(frozen=True, slots=True)
class ConnectionTestResult:
    ota: OtaCode
    ok: bool
    message: str  # "connected to Booking.com (hotel 1234567)" / "authentication failed at Booking.com"
    error: SyncError | None = None


@dataclass(frozen=True, slots=True)
class DiscoveredRatePlan:
    ota_rate_plan_id: str
    name: str


@dataclass(frozen=True, slots=True)
class DiscoveredRoom:
    ota_room_id: str
    name: str
    rate_plans: tuple[DiscoveredRatePlan, ...] = ()


@dataclass(frozen=True, slots=True)
class DiscoveredHotel:
    ota_hotel_id: str
    name: str
    rooms: tuple[DiscoveredRoom, ...] = ()


@dataclass(frozen=True, slots=True)
class Discovery:
    """What the OTA reports for an account: hotels → rooms → rate plans (for proposed mappings)."""

    ota: OtaCode
    hotels: tuple[DiscoveredHotel, ...] = ()
    errors: tuple[SyncError, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors
