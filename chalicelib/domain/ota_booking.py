"""What the sync engine hands the booking service for one OTA reservation revision, and what it gets back.

The sync engine (issue 7) pulls :class:`~chalicelib.domain.ota_reservation.OtaReservation`
revisions, resolves the OTA's room and rate plan codes to our ids through the connection's
mapping, and calls ``booking_service.ingest_ota_reservation(OtaBookingRequest(...))``. The
answer (:class:`IngestResult`) says what happened and carries the ack token, so the engine can
acknowledge the revision to the OTA after the commit and record that on the revision's row.

Ordering rules (:func:`decide_revision`), per (OTA, reservation id):

* a revision already recorded is a **duplicate**: nothing changes, the first result is returned;
* a revision older than the newest one applied is **stale**: recorded, otherwise ignored;
* anything else is **applied**: the booking group is created or brought to the state that
  revision describes (a modification or cancellation arriving before the original creates the
  group in that state; the original, arriving later, is then stale).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from chalicelib.domain.alerts import ChannelFreshness
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.money import check_amount, validate_currency
from chalicelib.domain.nights import NightRange
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_reservation import NightlyRate, OtaGuest, ReservationAction


@dataclass(frozen=True, slots=True)
class OtaBookingLine:
    """One line of an OTA reservation in our ids: ``rooms`` rooms of a room type for a stay.

    ``nightly_amounts`` are the prices the OTA reported for each night (for all ``rooms``
    together). ``line_ref`` is the OTA's own id of the room stay when it has one; lines of
    successive revisions are matched by it, else by position.
    """

    room_type_id: int
    rate_plan_id: int | None
    check_in: date
    check_out: date
    rooms: int = 1
    adults: int = 1
    children: int = 0
    nightly_amounts: tuple[NightlyRate, ...] = ()
    line_ref: str | None = None
    guest_name: str | None = None

    @property
    def stay(self) -> NightRange:
        return NightRange(self.check_in, self.check_out)

    @property
    def amount(self) -> Decimal:
        return sum((rate.amount for rate in self.nightly_amounts), Decimal(0))


@dataclass(frozen=True, slots=True)
class OtaBookingRequest:
    """One revision of one OTA reservation, resolved to our property, room type and plan ids.

    ``payload`` is the revision as received (JSON-ready; the OTA-neutral reservation), stored on
    the revision's row for audit. ``channel_freshness`` is what the sync engine knows of each
    channel of the property (last successful sync / ARI acknowledgement), for the root cause of
    an overbooking alert; leave it empty when unknown.
    """

    ota: OtaCode
    reservation_id: str
    revision: str
    action: ReservationAction
    property_id: int
    lines: tuple[OtaBookingLine, ...]
    guest: OtaGuest | None
    total_amount: Decimal | None
    currency: str | None
    received_at: datetime
    ack_token: str = ""
    booked_at: datetime | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)
    channel_freshness: Mapping[str, ChannelFreshness] = field(default_factory=dict)

    @property
    def dedupe_key(self) -> tuple[str, str, str]:
        return (self.ota.value, self.reservation_id, self.revision)


class IngestOutcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    CANCELLED = "cancelled"
    DUPLICATE = "duplicate"
    STALE = "stale"


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What ingesting one revision did. Every outcome is final, stale and duplicate ones included:
    the sync engine acknowledges the revision (``ack_token``) after the commit either way.

    ``outcome`` is DUPLICATE for a revision seen before; ``first_outcome`` then says what its first
    delivery did. ``booking_group_id`` is None only for a stale or duplicate revision of a
    reservation that has no group (cannot happen in practice: the first applied revision makes one).
    ``revision_record_id`` is the row of ``ota_reservation_revisions`` on which the sync engine
    records the acknowledgement (``booking_service.record_ota_acknowledgement``).
    """

    outcome: IngestOutcome
    first_outcome: IngestOutcome
    booking_group_id: int | None
    booking_reference: str | None
    revision_record_id: int
    ack_token: str
    overbooked_nights: tuple[tuple[int, date], ...] = ()
    alert_ids: tuple[int, ...] = ()


class RevisionDecision(StrEnum):
    APPLY = "apply"
    DUPLICATE = "duplicate"
    STALE = "stale"


def decide_revision(incoming: str, recorded: Iterable[str], newest_applied: str | None) -> RevisionDecision:
    """Whether a revision is applied, a duplicate of one recorded, or older than the newest applied."""
    if incoming in set(recorded):
        return RevisionDecision.DUPLICATE
    if newest_applied is not None and incoming < newest_applied:
        return RevisionDecision.STALE
    return RevisionDecision.APPLY


def validate_request(request: OtaBookingRequest) -> None:
    """Refuse a request the engine could not have mapped correctly (InvalidInput naming the field).

    A cancellation may come without lines (some OTAs send only the reservation id); a new booking
    or a modification needs at least one.
    """
    problems: list[dict[str, Any]] = []
    if not request.reservation_id.strip() or len(request.reservation_id) > 100:
        problems.append({"field": "reservation_id", "message": "1 to 100 characters"})
    if not request.revision.strip() or len(request.revision) > 64:
        problems.append({"field": "revision", "message": "1 to 64 characters"})
    if request.action is not ReservationAction.CANCEL and not request.lines:
        problems.append({"field": "lines", "message": "a new or modified reservation needs at least one line"})
    if request.received_at.tzinfo is None:
        problems.append({"field": "received_at", "message": "must carry a UTC offset"})
    currency = request.currency
    if currency is not None:
        try:
            validate_currency(currency)
        except InvalidInput as error:
            problems.extend(error.details)
            currency = None
    for index, line in enumerate(request.lines):
        where = f"lines[{index}]"
        if line.check_out <= line.check_in:
            problems.append({"field": f"{where}.check_out", "message": "must be after check_in"})
        if line.rooms < 1:
            problems.append({"field": f"{where}.rooms", "message": "must be at least 1"})
        for rate in line.nightly_amounts:
            if not line.check_in <= rate.night < line.check_out:
                problems.append({"field": f"{where}.nightly_amounts", "message": f"{rate.night} is not a stay night"})
            if currency is not None:
                try:
                    check_amount(rate.amount, currency, field=f"{where}.nightly_amounts", night=rate.night)
                except InvalidInput as error:
                    problems.extend(error.details)
    if problems:
        raise InvalidInput(
            "OTA reservation not ingestible: " + "; ".join(f"{p['field']}: {p['message']}" for p in problems[:5]),
            details=problems,
        )
