"""What one applied OTA reservation revision changes: :func:`plan_ota_revision`.

The ingesting service has already decided (:func:`~chalicelib.domain.ota_booking.decide_revision`)
that the revision is to be applied, taken the reservation's and the room types' locks, and
loaded the group (if any), its lines, the statuses and the calendar cells of every night
concerned. The plan brings the group to the state the revision describes:

* a new booking or a modification brings the revision's lines, matched to the active ones by
  the OTA's line reference, else by position; unmatched active lines are cancelled;
* a cancellation keeps the lines it cancels; one that is the first we hear of the reservation
  records its lines, taking nothing;
* the group becomes ``confirmed`` (or keeps a status that already sells, e.g. checked in), or
  ``cancelled``; every active line's rooms are released and the new lines' taken, never
  refused (an OTA already sold them): nights left overbooked are listed for alerting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from chalicelib.domain.booking_plans import (
    Actor,
    AuditPlan,
    BookingPlan,
    EventPlan,
    GroupSnapshot,
    GroupValues,
    LineRestatus,
    LineSnapshot,
    LineValues,
    LineWrite,
    StatusFacts,
    active_lines,
    line_moves,
    lines_snapshot,
)
from chalicelib.domain.booking_requests import PropertyFacts
from chalicelib.domain.bookings import BookingSource, CellKey, CounterMove, EventKind, InventoryEffect, apply_moves
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.inventory import InventoryCell
from chalicelib.domain.ota_booking import IngestOutcome, OtaBookingLine, OtaBookingRequest
from chalicelib.domain.ota_reservation import ReservationAction
from chalicelib.domain.views import view_from


class LineChange(StrEnum):
    """What a revision does to a line of the group."""

    KEPT = "kept"  # matched, nothing about it changes
    CHANGED = "changed"  # matched, rewritten with the revision's values
    ADDED = "added"  # new
    CANCELLED = "cancelled"  # active before, not in the revision (or the revision cancels)


@dataclass(frozen=True, slots=True)
class LineMatch:
    change: LineChange
    line_id: int | None
    spec: OtaBookingLine | None


@dataclass(frozen=True, slots=True)
class OtaStatuses:
    """The system statuses a revision may lead to; ``confirmed`` may be None when not
    :func:`needs_confirmed` (the service then skips reading it)."""

    confirmed: StatusFacts | None
    cancelled: StatusFacts


@dataclass(frozen=True, slots=True)
class OtaRevisionPlan:
    """The revision's :class:`BookingPlan` plus what only an OTA revision has."""

    booking: BookingPlan
    outcome: IngestOutcome
    target: StatusFacts
    matches: tuple[LineMatch, ...]
    take: tuple[CounterMove, ...]
    overbooked: tuple[CellKey, ...]


def check_ota_lines(
    lines: Sequence[OtaBookingLine], room_type_ids: set[int], plan_room_types: Mapping[int, int]
) -> None:
    """Refuse lines naming a room type not of the property, or a rate plan not of the line's room type.

    ``plan_room_types``: the room type of each rate plan the lines name (missing when unknown).
    """
    problems = []
    for index, line in enumerate(lines):
        if line.room_type_id not in room_type_ids:
            problems.append({"field": f"lines[{index}].room_type_id", "message": "no such room type at this property"})
        if line.rate_plan_id is not None and plan_room_types.get(line.rate_plan_id) != line.room_type_id:
            problems.append({"field": f"lines[{index}].rate_plan_id", "message": "no such rate plan of this room type"})
    if problems:
        raise InvalidInput("; ".join(f"{p['field']}: {p['message']}" for p in problems), details=problems)


def needs_confirmed(request: OtaBookingRequest, current: StatusFacts | None) -> bool:
    """Whether the revision makes the group ``confirmed`` (rather than cancelling it or keeping its status)."""
    if request.action is ReservationAction.CANCEL:
        return False
    # a checked-in guest stays checked in when the OTA amends the stay
    return current is None or current.effect is not InventoryEffect.SELL


def target_status(request: OtaBookingRequest, current: StatusFacts | None, statuses: OtaStatuses) -> StatusFacts:
    if request.action is ReservationAction.CANCEL:
        return statuses.cancelled
    if not needs_confirmed(request, current):
        assert current is not None, "kept"
        return current
    if statuses.confirmed is None:
        raise ValueError("the revision confirms the group: give the confirmed status")
    return statuses.confirmed


def nights_to_take(request: OtaBookingRequest) -> dict[int, set[date]]:
    """Per room type, the nights the revision takes rooms on (their calendar cells must exist)."""
    wanted: dict[int, set[date]] = {}
    if request.action is not ReservationAction.CANCEL:
        for line in request.lines:
            wanted.setdefault(line.room_type_id, set()).update(line.stay)
    return wanted


def match_lines(
    specs: Sequence[OtaBookingLine], active: Sequence[LineSnapshot]
) -> list[tuple[OtaBookingLine, LineSnapshot | None]]:
    """Each of the revision's lines with the active line it rewrites: same line reference, else the next without one."""
    unmatched = list(active)
    matched: list[tuple[OtaBookingLine, LineSnapshot | None]] = []
    for spec in specs:
        match = next((line for line in unmatched if spec.line_ref and line.values.line_ref == spec.line_ref), None)
        if match is None:
            match = next((line for line in unmatched if not line.values.line_ref), None)
        if match is not None:
            unmatched.remove(match)
        matched.append((spec, match))
    return matched


def _line_values(spec: OtaBookingLine, position: int, status_id: int) -> LineValues:
    return view_from(
        LineValues,
        spec,
        position=position,
        guest_name=spec.guest_name[:200] if spec.guest_name else None,
        status_id=status_id,
    )


def _written_lines(
    request: OtaBookingRequest,
    group: GroupSnapshot | None,
    lines: Sequence[LineSnapshot],
    active: Sequence[LineSnapshot],
    target: StatusFacts,
) -> tuple[list[LineWrite], list[LineSnapshot], list[LineMatch]]:
    """The lines the revision writes, the active ones it cancels, and how each was matched."""
    cancel = request.action is ReservationAction.CANCEL
    pairs: list[tuple[OtaBookingLine, LineSnapshot | None]] = [] if cancel else match_lines(request.lines, active)
    if cancel and group is None:
        pairs = [(spec, None) for spec in request.lines]  # the first we hear of it: keep its rooms on record
    reused = {line.id for _, line in pairs if line is not None}
    to_cancel = [line for line in active if line.id not in reused]
    next_position = max((line.values.position for line in lines), default=-1) + 1
    written: list[LineWrite] = []
    matches: list[LineMatch] = []
    for spec, line in pairs:
        if line is None:
            position, next_position = next_position, next_position + 1
        else:
            position = line.values.position
        values = _line_values(spec, position, target.id)
        nightly = {rate.night: rate.amount for rate in spec.nightly_amounts}
        written.append(LineWrite(None if line is None else line.id, values, target.effect, nightly))
        change = LineChange.ADDED if line is None else LineChange.KEPT if line.values == values else LineChange.CHANGED
        matches.append(LineMatch(change, None if line is None else line.id, spec))
    matches += [LineMatch(LineChange.CANCELLED, line.id, None) for line in to_cancel]
    return written, to_cancel, matches


def _group_values(
    request: OtaBookingRequest,
    hotel: PropertyFacts,
    group: GroupSnapshot | None,
    target: StatusFacts,
    live: Sequence[LineValues],
    *,
    reference: str,
    moment: datetime,
) -> GroupValues:
    ota = request.ota.value
    values = (
        group.values
        if group is not None
        else GroupValues(
            reference=reference,
            property_id=hotel.id,
            country_code=hotel.country_code,
            source=BookingSource.OTA,
            channel=ota,
            ota_code=ota,
            ota_reservation_id=request.reservation_id,
            status_id=target.id,
            currency=request.currency or hotel.currency,
            booked_at=request.booked_at or request.received_at,
        )
    )
    changes: dict[str, Any] = {"status_id": target.id, "last_ota_revision": request.revision, "hold_expires_at": None}
    if request.guest is not None:
        changes["guest_name"] = request.guest.full_name[:200]
        changes["guest_email"] = (request.guest.email or "")[:254]
        changes["guest_phone"] = (request.guest.phone or "")[:40]
    if request.currency:
        changes["currency"] = request.currency
    if live:
        changes["check_in"] = min(line.check_in for line in live)
        changes["check_out"] = max(line.check_out for line in live)
    if request.action is ReservationAction.CANCEL:
        changes["cancelled_at"] = moment
    else:
        lines_total = sum((line.amount for line in live), Decimal(0))
        changes["total_amount"] = request.total_amount if request.total_amount is not None else lines_total
        changes["confirmed_at"] = values.confirmed_at or moment
        changes["cancelled_at"] = None
    return replace(values, **changes)


def _events(
    request: OtaBookingRequest,
    current: StatusFacts | None,
    target: StatusFacts,
    before: list[dict[str, Any]],
    after: list[dict[str, Any]],
) -> tuple[EventPlan, ...]:
    revision = request.revision
    if current is None:
        return (EventPlan(EventKind.CREATED, to_status=target.code, after={"lines": after}, ota_revision=revision),)
    events = []
    if current.id != target.id:
        reason = f"OTA {request.action.value}"
        events.append(
            EventPlan(EventKind.STATUS_CHANGED, current.code, target.code, reason=reason, ota_revision=revision)
        )
    if request.action is not ReservationAction.CANCEL and before != after:
        events.append(
            EventPlan(EventKind.MODIFIED, before={"lines": before}, after={"lines": after}, ota_revision=revision)
        )
    return tuple(events)


def _audit(
    request: OtaBookingRequest,
    outcome: IngestOutcome,
    current: StatusFacts | None,
    target: StatusFacts,
    before: list[dict[str, Any]],
    after: list[dict[str, Any]],
) -> AuditPlan:
    return AuditPlan(
        f"booking.ota_{outcome.value}",
        {"status": current.code, "lines": before} if current is not None else None,
        {"status": target.code, "lines": after, "ota": request.ota.value, "revision": request.revision},
    )


def plan_ota_revision(
    request: OtaBookingRequest,
    hotel: PropertyFacts,
    group: GroupSnapshot | None,
    lines: Sequence[LineSnapshot],
    cells: Mapping[CellKey, InventoryCell],
    statuses: OtaStatuses,
    *,
    reference: str,
    moment: datetime,
) -> OtaRevisionPlan:
    """Everything applying ``request`` changes; never refused for lack of rooms.

    ``lines`` are all the group's lines (none without a group); ``cells`` cover every night of
    the active lines and of the revision's lines (see :func:`nights_to_take`); ``reference`` names
    a group created by the revision.
    """
    current = group.status if group is not None else None
    target = target_status(request, current, statuses)
    active = active_lines(group, lines) if group is not None else []
    written, to_cancel, matches = _written_lines(request, group, lines, active, target)
    release = line_moves((line.values for line in active), current.effect, InventoryEffect.NONE) if current else []
    take = line_moves((line.values for line in written), InventoryEffect.NONE, target.effect)
    after = apply_moves(cells, release + take, allow_overbooking=True)

    cancel = request.action is ReservationAction.CANCEL
    live = [line.values for line in written] or ([line.values for line in to_cancel] if cancel else [])
    before_snapshot = lines_snapshot((line.values for line in active), current.code) if current is not None else []
    after_snapshot = lines_snapshot(live, target.code)
    outcome = IngestOutcome.CANCELLED if cancel else (IngestOutcome.CREATED if group is None else IngestOutcome.UPDATED)
    restatus = (
        (LineRestatus(tuple(line.id for line in to_cancel), statuses.cancelled.id, InventoryEffect.NONE),)
        if to_cancel
        else ()
    )
    booking = BookingPlan(
        group_id=group.id if group is not None else None,
        group=_group_values(request, hotel, group, target, live, reference=reference, moment=moment),
        lines=tuple(written),
        restatus=restatus,
        moves=tuple(release + take),
        cells_before=cells,
        cells_after=after,
        events=_events(request, current, target, before_snapshot, after_snapshot),
        audit=_audit(request, outcome, current, target, before_snapshot, after_snapshot),
        actor=Actor.ota(request.ota.value),
        moment=moment,
        cause_ota=request.ota.value,
    )
    taken = {(move.room_type_id, night) for move in take for night in move.nights}
    overbooked = tuple(sorted(key for key in taken if after[key].overbooked_by > 0))
    return OtaRevisionPlan(booking, outcome, target, tuple(matches), tuple(take), overbooked)
