"""What a booking write changes, decided from what was loaded: plans for the one booking writer.

Every use case that changes a booking (a direct or partner booking, a status transition, a
hold's expiry, an OTA revision) follows *load → plan → persist*: the service reads the booking
(as :class:`GroupSnapshot` / :class:`LineSnapshot`), the statuses and the calendar cells under
the room types' locks, calls one planner here, and hands the :class:`BookingPlan` to
``chalicelib.services.booking_writer``, which writes it. Planners are pure: no clock, no
randomness (the reference and the moment are given), no I/O. They refuse by raising the
domain's errors (409 for short or restricted nights) before anything is written.

:func:`plan_ota_revision` lives in :mod:`chalicelib.domain.booking_ota_plans`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from chalicelib.domain.access import Caller
from chalicelib.domain.booking_requests import NewBooking, NewBookingLine, PricedLine, PropertyFacts
from chalicelib.domain.bookings import (
    CANCELLED,
    CONFIRMED,
    ActorSource,
    BookingSource,
    CellKey,
    CounterMove,
    EventKind,
    InventoryEffect,
    apply_moves,
    moves_for,
)
from chalicelib.domain.inventory import CounterChange, InventoryCell, StayRequest, require_available
from chalicelib.domain.nights import NightRange
from chalicelib.domain.restrictions import require_stay_allowed
from chalicelib.domain.views import attributes_of, view_from

# --- who acts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """Who a timeline event and an audit row name: a staff member or partner, an OTA, or the system."""

    user_id: int | None
    label: str
    source: ActorSource
    caller: Caller | None = None

    @classmethod
    def of(cls, caller: Caller, source: ActorSource = ActorSource.STAFF) -> Actor:
        return cls(user_id=caller.user_id, label=caller.email, source=source, caller=caller)

    @classmethod
    def ota(cls, ota: str) -> Actor:
        return cls(user_id=None, label=f"ota:{ota}", source=ActorSource.OTA)


SYSTEM = Actor(user_id=None, label="system", source=ActorSource.SYSTEM)


# --- what was loaded ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatusFacts:
    """A booking status as planners see it (statuses are data: codes other than the system's vary)."""

    id: int
    code: str
    effect: InventoryEffect


@dataclass(frozen=True, slots=True)
class GroupValues:
    """Every stored field of a booking group (``booking_groups``) but its id and timestamps."""

    reference: str
    property_id: int
    country_code: str
    source: BookingSource
    channel: str
    status_id: int
    currency: str
    booked_at: datetime
    total_amount: Decimal = Decimal(0)
    ota_code: str | None = None
    ota_reservation_id: str | None = None
    last_ota_revision: str | None = None
    guest_name: str = ""
    guest_email: str = ""
    guest_phone: str = ""
    check_in: date | None = None
    check_out: date | None = None
    hold_expires_at: datetime | None = None
    confirmed_at: datetime | None = None
    cancelled_at: datetime | None = None
    notes: str = ""
    created_by_user_id: int | None = None
    hardblock_id: int | None = None  # the block whose rooms the booking picked up


@dataclass(frozen=True, slots=True)
class GroupSnapshot:
    id: int
    values: GroupValues
    status: StatusFacts


@dataclass(frozen=True, slots=True)
class LineValues:
    """Every stored field of a booking line (``booking_lines``) but its id, group and timestamps."""

    position: int
    room_type_id: int
    rate_plan_id: int | None
    check_in: date
    check_out: date
    rooms: int
    adults: int
    children: int
    amount: Decimal
    status_id: int
    line_ref: str | None = None
    guest_name: str | None = None

    @property
    def stay(self) -> NightRange:
        return NightRange(self.check_in, self.check_out)


@dataclass(frozen=True, slots=True)
class LineSnapshot:
    id: int
    values: LineValues


# --- what a plan writes ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LineWrite:
    """A line written with all its nights (re)written: new when ``line_id`` is None.

    ``nightly`` is the price of each night (all rooms) where known; every night of the stay gets
    a ``booking_nights`` row counted as ``effect``.
    """

    line_id: int | None
    values: LineValues
    effect: InventoryEffect
    nightly: Mapping[date, Decimal]


@dataclass(frozen=True, slots=True)
class LineRestatus:
    """Existing lines moved to ``status_id``, nights kept; ``effect``: how their nights count now, if that changes."""

    line_ids: tuple[int, ...]
    status_id: int
    effect: InventoryEffect | None


@dataclass(frozen=True, slots=True)
class EventPlan:
    """A timeline event (``booking_events``) to record, by the plan's actor, at the plan's moment."""

    kind: EventKind
    from_status: str | None = None
    to_status: str | None = None
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    reason: str = ""
    ota_revision: str | None = None


@dataclass(frozen=True, slots=True)
class AuditPlan:
    action: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None


@dataclass(frozen=True, slots=True)
class BookingPlan:
    """Everything one booking write changes, in one transaction.

    ``group_id`` None creates the group. ``cells_before`` / ``cells_after`` are the calendar cells
    as loaded and after ``moves``; the writer saves those that differ and their ARI change rows
    (``cause_ota``: the OTA whose own reservation this is).
    """

    group_id: int | None
    group: GroupValues
    lines: tuple[LineWrite, ...]
    restatus: tuple[LineRestatus, ...]
    moves: tuple[CounterMove, ...]
    cells_before: Mapping[CellKey, InventoryCell]
    cells_after: Mapping[CellKey, InventoryCell]
    events: tuple[EventPlan, ...]
    audit: AuditPlan
    actor: Actor
    moment: datetime
    cause_ota: str | None = None


def lines_snapshot(lines: Iterable[LineValues], status: str) -> list[dict[str, Any]]:
    """Lines as the timeline and the audit log show them (by position)."""
    return [
        {
            "position": line.position,
            "room_type_id": line.room_type_id,
            "rate_plan_id": line.rate_plan_id,
            "check_in": line.check_in.isoformat(),
            "check_out": line.check_out.isoformat(),
            "rooms": line.rooms,
            "amount": str(line.amount),
            "status": status,
        }
        for line in sorted(lines, key=lambda line: line.position)
    ]


# --- direct and partner bookings ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DirectBookingFacts:
    """What a direct or partner booking was checked and priced with, before the lock."""

    request: NewBooking
    hotel: PropertyFacts
    lines: tuple[PricedLine, ...]
    pending: StatusFacts
    hold_for: timedelta
    actor: Actor


def hold_moves(lines: Iterable[PricedLine]) -> tuple[CounterMove, ...]:
    return tuple(
        CounterMove(line.request.room_type_id, tuple(line.stay), line.request.rooms, CounterChange.HOLD)
        for line in lines
    )


def plan_direct_booking(
    facts: DirectBookingFacts, cells: Mapping[CellKey, InventoryCell], *, reference: str, moment: datetime
) -> BookingPlan:
    """The hold a direct or partner booking takes, or a refusal naming the nights that cannot be sold.

    ``cells`` must cover every night of every line and each line's departure day (for
    closed-to-departure). Raises ``StayNotAllowed`` (409 ``stay_restricted``) for a restricted
    stay, then ``InsufficientInventory`` (409, every short night) when the lines together ask
    for more than a night has.
    """
    for priced in facts.lines:
        own = {night: cell for (rt, night), cell in cells.items() if rt == priced.request.room_type_id}
        require_stay_allowed(priced.request.room_type_id, own, priced.stay)
    require_available(
        cells.values(), [StayRequest(line.request.room_type_id, line.stay, line.request.rooms) for line in facts.lines]
    )
    moves = hold_moves(facts.lines)
    pending = facts.pending
    lines = tuple(
        LineWrite(None, _direct_line(position, priced, pending.id), InventoryEffect.HOLD, priced.nightly)
        for position, priced in enumerate(facts.lines)
    )
    created = NewGroup(reference, facts.hotel, facts.request, facts.actor, moment)
    return created.plan(
        pending, lines, moves, cells, apply_moves(cells, moves), hold_expires_at=moment + facts.hold_for
    )


# The values of a new group that are the request's own, as it gives them.
_AS_REQUESTED = ("source", "channel", "guest_name", "guest_email", "guest_phone", "notes")


@dataclass(frozen=True, slots=True)
class NewGroup:
    """A booking group being created: of ``request`` at ``hotel``, by ``actor`` at ``moment``."""

    reference: str
    hotel: PropertyFacts
    request: NewBooking
    actor: Actor
    moment: datetime

    def plan(
        self,
        status: StatusFacts,
        lines: Sequence[LineWrite],
        moves: tuple[CounterMove, ...],
        cells_before: Mapping[CellKey, InventoryCell],
        cells_after: Mapping[CellKey, InventoryCell],
        *,
        audit: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> BookingPlan:
        """The plan that creates the group in ``status`` with ``lines`` and ``moves``: its CREATED
        event and audit row (``audit``: what the path adds to it) included; ``fields`` are the
        group's values the path sets itself (times, the block picked up from)."""
        snapshot = lines_snapshot((line.values for line in lines), status.code)
        return BookingPlan(
            group_id=None,
            group=self._values(lines, status_id=status.id, booked_at=self.moment, **fields),
            lines=tuple(lines),
            restatus=(),
            moves=moves,
            cells_before=cells_before,
            cells_after=cells_after,
            events=(EventPlan(EventKind.CREATED, to_status=status.code, after={"lines": snapshot}),),
            audit=AuditPlan(
                "booking.created",
                None,
                {"reference": self.reference, "status": status.code, **(audit or {}), "lines": snapshot},
            ),
            actor=self.actor,
            moment=self.moment,
        )

    def _values(self, lines: Sequence[LineWrite], **fields: Any) -> GroupValues:
        """The group's total and stay span ``lines``."""
        return GroupValues(
            reference=self.reference,
            property_id=self.hotel.id,
            country_code=self.hotel.country_code,
            currency=self.hotel.currency,
            total_amount=sum((line.values.amount for line in lines), Decimal(0)),
            check_in=min(line.values.check_in for line in lines),
            check_out=max(line.values.check_out for line in lines),
            created_by_user_id=self.actor.user_id,
            **attributes_of(self.request, _AS_REQUESTED),
            **fields,
        )


def new_line(
    position: int, line: NewBookingLine, stay: NightRange, amount: Decimal, status_id: int, *, rate_plan_id: int | None
) -> LineValues:
    """A new line's values: the room type, rooms and guests ``line`` asks for, on ``stay``, for ``amount``
    (``line_ref`` is an OTA's id of its line: none here)."""
    return view_from(
        LineValues,
        line,
        position=position,
        rate_plan_id=rate_plan_id,
        check_in=stay.check_in,
        check_out=stay.check_out,
        amount=amount,
        status_id=status_id,
        line_ref=None,
    )


def _direct_line(position: int, priced: PricedLine, status_id: int) -> LineValues:
    line = priced.request
    return new_line(position, line, priced.stay, priced.total, status_id, rate_plan_id=line.rate_plan_id)


# --- status transitions ---------------------------------------------------------------------------


def active_lines(group: GroupSnapshot, lines: Iterable[LineSnapshot]) -> list[LineSnapshot]:
    """The lines that share the group's status (the others were cancelled on the way)."""
    return [line for line in lines if line.values.status_id == group.status.id]


def line_moves(lines: Iterable[LineValues], before: InventoryEffect, after: InventoryEffect) -> list[CounterMove]:
    return [move for line in lines for move in moves_for(line.room_type_id, line.stay, line.rooms, before, after)]


def plan_transition(
    group: GroupSnapshot,
    lines: Sequence[LineSnapshot],
    target: StatusFacts,
    cells: Mapping[CellKey, InventoryCell],
    *,
    actor: Actor,
    reason: str,
    moment: datetime,
    kind: EventKind = EventKind.STATUS_CHANGED,
) -> BookingPlan:
    """A group and its active lines moved from their status to ``target``, counters following the effects.

    ``cells`` cover the active lines' nights when the effect changes. Taking rooms again (e.g.
    cancelled → confirmed) is refused with ``InsufficientInventory`` when they are gone.
    """
    current = group.status
    active = active_lines(group, lines)
    moves = tuple(line_moves((line.values for line in active), current.effect, target.effect))
    after = apply_moves(cells, moves) if moves else dict(cells)
    values = replace(
        group.values,
        status_id=target.id,
        hold_expires_at=group.values.hold_expires_at if target.effect is InventoryEffect.HOLD else None,
        confirmed_at=moment
        if target.code == CONFIRMED and group.values.confirmed_at is None
        else group.values.confirmed_at,
        cancelled_at=moment if target.code == CANCELLED else group.values.cancelled_at,
    )
    changed_effect = target.effect if target.effect is not current.effect else None
    return BookingPlan(
        group_id=group.id,
        group=values,
        lines=(),
        restatus=(LineRestatus(tuple(line.id for line in active), target.id, changed_effect),),
        moves=moves,
        cells_before=cells,
        cells_after=after,
        events=(EventPlan(kind, from_status=current.code, to_status=target.code, reason=reason),),
        audit=AuditPlan(
            "booking.expired" if kind == EventKind.EXPIRED else "booking.status_changed",
            {"status": current.code},
            {"status": target.code, "reason": reason},
        ),
        actor=actor,
        moment=moment,
    )


def hold_is_due(group: GroupSnapshot, moment: datetime) -> bool:
    """Whether a hold's time ran out (re-checked under the locks: a confirmed hold is never released)."""
    expires = group.values.hold_expires_at
    return group.status.effect is InventoryEffect.HOLD and expires is not None and expires <= moment
