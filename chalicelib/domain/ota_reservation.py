"""The OTA-neutral reservation: what every adapter maps its OTA's booking message into.

The reservation service consumes these without knowing which OTA sent them. Each pulled item is
one *revision* of a reservation (the original booking, a modification or a cancellation); the
dedupe key is ``(ota, reservation_id, revision)`` and revisions of the same reservation order
lexicographically by ``revision``, so a modification that arrives before its original can be put
in its place. How each adapter derives the revision:

- Booking.com: ``HotelReservation/@LastModifyDateTime`` (else ``@CreateDateTime``, else the time
  we received it) + the action rank (book 0 < modify 1 < cancel 2), so a cancellation stamped in the same second as a
  modification sorts after it.
- Expedia: ``Booking/@createDateTime`` (the time of that booking *message*; Expedia sends a new
  Booking element per Book/Modify/Cancel) + the rank of ``Booking/@type``.
- Agoda: ``booking/@last_action`` + the rank of ``booking/@status``
  (ConfirmBooking/AmendBooking/CancelBooking).
- Traveloka (our own JSON contract): the feed's integer ``revision_id``, zero-padded so the
  string order is the numeric order.

Money is ``Decimal`` end to end; no float ever touches an amount.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from chalicelib.domain.ota_codes import OtaCode


class ReservationAction(StrEnum):
    NEW = "new"
    MODIFY = "modify"
    CANCEL = "cancel"

    @property
    def rank(self) -> int:
        """Order of actions stamped at the same instant: a cancellation wins over a modification."""
        return _ACTION_RANK[self]


_ACTION_RANK = {ReservationAction.NEW: 0, ReservationAction.MODIFY: 1, ReservationAction.CANCEL: 2}


class ReservationStatus(StrEnum):
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


def timestamp_revision(moment: datetime, action: ReservationAction) -> str:
    """A revision that sorts by time, then by action: ``20250301T101500.000000Z-1``.

    Naive datetimes are taken as UTC; aware ones are converted, so two OTAs' clocks in different
    zones still order correctly.
    """
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return f"{utc:%Y%m%dT%H%M%S.%f}Z-{action.rank}"


def sequence_revision(sequence: int) -> str:
    """A revision from an OTA's monotonically increasing revision number (zero-padded)."""
    if sequence < 0:
        raise ValueError("a revision number cannot be negative")
    return f"{sequence:020d}"


@dataclass(frozen=True, slots=True)
class OtaGuest:
    first_name: str
    last_name: str
    email: str | None = None
    phone: str | None = None

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


@dataclass(frozen=True, slots=True)
class NightlyRate:
    """The price of one night of one room, as the OTA reported it."""

    night: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class OtaRoomStay:
    """One room of a reservation (``quantity`` > 1 when the OTA books several identical rooms in one
    line, as Agoda's ``room_count`` does; nightly rates are then for all of them together)."""

    ota_room_id: str
    ota_rate_plan_id: str | None
    check_in: date
    check_out: date
    adults: int
    children: int = 0
    nightly_rates: tuple[NightlyRate, ...] = ()
    guest_name: str | None = None
    quantity: int = 1

    @property
    def nights(self) -> tuple[date, ...]:
        """The nights occupied: check-in up to, not including, check-out."""
        return tuple(self.check_in + timedelta(days=offset) for offset in range((self.check_out - self.check_in).days))

    @property
    def amount(self) -> Decimal:
        return sum((rate.amount for rate in self.nightly_rates), Decimal("0"))


@dataclass(frozen=True, slots=True)
class OtaReservation:
    """One revision of one reservation at one OTA, in OTA-neutral terms."""

    ota: OtaCode
    ota_hotel_id: str
    reservation_id: str
    revision: str
    action: ReservationAction
    status: ReservationStatus
    booked_at: datetime | None
    modified_at: datetime | None
    source: str
    guest: OtaGuest | None
    rooms: tuple[OtaRoomStay, ...]
    total_amount: Decimal | None
    currency: str | None
    confirmation_numbers: Mapping[str, str] = field(default_factory=dict)
    ota_status: str = ""
    # True when the OTA gave amounts before tax only and named no tax to add: the amounts (nightly
    # rates and total) are then stored as sent, before tax, and flagged so staff can see it.
    amounts_before_tax: bool = False
    # Opaque to everyone but the adapter that produced it: what it needs to acknowledge exactly
    # this revision later (possibly in another invocation, from an outbox row).
    ack_token: str = ""

    @property
    def dedupe_key(self) -> tuple[str, str, str]:
        return (self.ota.value, self.reservation_id, self.revision)

    @property
    def check_in(self) -> date | None:
        return min((room.check_in for room in self.rooms), default=None)

    @property
    def check_out(self) -> date | None:
        return max((room.check_out for room in self.rooms), default=None)


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """What the reservation service hands back after committing a revision, so the adapter can
    tell the OTA "received". ``confirmation_number`` is our own booking reference (Expedia asks
    for one; others ignore it)."""

    reservation_id: str
    revision: str
    ack_token: str
    confirmation_number: str | None = None

    @classmethod
    def for_reservation(cls, reservation: OtaReservation, confirmation_number: str | None = None) -> Acknowledgement:
        return cls(
            reservation_id=reservation.reservation_id,
            revision=reservation.revision,
            ack_token=reservation.ack_token,
            confirmation_number=confirmation_number,
        )
