"""Bookings: statuses and their inventory effects, transitions, and how a status change moves counters.

A booking *group* (what staff and guests call "a booking", with one public reference) has one or
more *lines*: ``rooms`` rooms of one room type for one stay. Every line's nights count against the
calendar according to the inventory **effect** of the line's status:

========= ================================================================================
effect    the line's nights count as
========= ================================================================================
``hold``  ``held``: an unconfirmed direct or partner booking, until it is confirmed or expires
``sell``  ``sold``: a confirmed booking (direct, partner or OTA), also while checked in
``none``  nothing: cancelled, no-show, expired
========= ================================================================================

Statuses and the transitions between them are data (seeded with :data:`DEFAULT_STATUSES` and
:data:`DEFAULT_TRANSITIONS`, editable by holders of BOOKING_STATUS_CONFIG). Three statuses are
the system's own, because code relies on them: ``pending`` (the hold every new direct/partner
booking starts in), ``confirmed`` (what confirming a hold and every OTA booking lead to) and
``cancelled`` (expired holds, OTA cancellations). Their codes and effects cannot be changed.

A transition from a status with effect ``a`` to one with effect ``b`` moves each line's rooms on
each of its nights by :func:`counter_changes` ``(a, b)``; :func:`apply_moves` applies a list of
such moves to the calendar cells, refusing all or changing all.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from chalicelib.domain.errors import Conflict, InvalidInput
from chalicelib.domain.inventory import (
    CounterChange,
    InventoryCell,
    apply_counter_change,
)
from chalicelib.domain.nights import NightRange
from chalicelib.domain.permissions import Permission


class InventoryEffect(StrEnum):
    HOLD = "hold"
    SELL = "sell"
    NONE = "none"


class BookingSource(StrEnum):
    DIRECT = "direct"
    PARTNER = "partner"
    OTA = "ota"


class ActorSource(StrEnum):
    """Who a timeline event names as its source."""

    STAFF = "staff"
    PARTNER = "partner"
    OTA = "ota"
    SYSTEM = "system"


class EventKind(StrEnum):
    """What a timeline event records."""

    CREATED = "created"
    STATUS_CHANGED = "status_changed"
    MODIFIED = "modified"
    EXPIRED = "expired"
    OTA_REVISION_IGNORED = "ota_revision_ignored"


class AckState(StrEnum):
    """Where acknowledging an OTA reservation revision stands."""

    PENDING = "pending"
    ACKNOWLEDGED = "acknowledged"
    FAILED = "failed"


PENDING = "pending"
CONFIRMED = "confirmed"
CHECKED_IN = "checked_in"
CHECKED_OUT = "checked_out"
CANCELLED = "cancelled"
NO_SHOW = "no_show"

SYSTEM_STATUS_EFFECTS: Mapping[str, InventoryEffect] = {
    PENDING: InventoryEffect.HOLD,
    CONFIRMED: InventoryEffect.SELL,
    CANCELLED: InventoryEffect.NONE,
}
"""Statuses code relies on, with the effect each must keep."""


@dataclass(frozen=True, slots=True)
class StatusDefinition:
    """A status as seeded. ``terminal``: the booking's life ends there; no transition leaves it."""

    code: str
    label: str
    colour: str
    icon: str
    effect: InventoryEffect
    terminal: bool
    sort_order: int


@dataclass(frozen=True, slots=True)
class TransitionDefinition:
    from_code: str
    to_code: str
    permission: Permission


DEFAULT_STATUSES: tuple[StatusDefinition, ...] = (
    StatusDefinition(PENDING, "Pending (hold)", "#F59E0B", "hourglass", InventoryEffect.HOLD, False, 10),
    StatusDefinition(CONFIRMED, "Confirmed", "#10B981", "check-circle", InventoryEffect.SELL, False, 20),
    StatusDefinition(CHECKED_IN, "Checked in", "#3B82F6", "door-open", InventoryEffect.SELL, False, 30),
    # A stay that happened keeps its nights sold: occupancy and revenue of past nights stay true.
    StatusDefinition(CHECKED_OUT, "Checked out", "#6B7280", "door-closed", InventoryEffect.SELL, True, 40),
    StatusDefinition(CANCELLED, "Cancelled", "#EF4444", "x-circle", InventoryEffect.NONE, True, 50),
    # The guest never came: the rooms go back on sale for the nights that remain.
    StatusDefinition(NO_SHOW, "No-show", "#7C3AED", "user-x", InventoryEffect.NONE, True, 60),
)

_P = Permission
DEFAULT_TRANSITIONS: tuple[TransitionDefinition, ...] = (
    # Whoever may take a booking may confirm or drop their own hold.
    TransitionDefinition(PENDING, CONFIRMED, _P.BOOKINGS_CREATE),
    TransitionDefinition(PENDING, CANCELLED, _P.BOOKINGS_CREATE),
    TransitionDefinition(CONFIRMED, CHECKED_IN, _P.BOOKINGS_MANAGE),
    TransitionDefinition(CONFIRMED, CANCELLED, _P.BOOKINGS_MANAGE),
    TransitionDefinition(CONFIRMED, NO_SHOW, _P.BOOKINGS_MANAGE),
    TransitionDefinition(CHECKED_IN, CONFIRMED, _P.BOOKINGS_MANAGE),  # undo a check-in made by mistake
    TransitionDefinition(CHECKED_IN, CHECKED_OUT, _P.BOOKINGS_MANAGE),
)


# --- transitions -------------------------------------------------------------------------------


class TransitionNotAllowed(Conflict):
    """No transition leads from the booking's status to the one asked for (→ 409)."""

    code = "transition_not_allowed"


class BookingNotPending(Conflict):
    """Confirming a booking that is no longer a hold (expired or cancelled) (→ 409)."""

    code = "booking_not_pending"


def counter_changes(before: InventoryEffect, after: InventoryEffect) -> tuple[CounterChange, ...]:
    """The counter changes that turn a line's nights counted as ``before`` into ``after``."""
    if before is after:
        return ()
    release = {
        InventoryEffect.HOLD: (CounterChange.RELEASE_HOLD,),
        InventoryEffect.SELL: (CounterChange.CANCEL_SALE,),
        InventoryEffect.NONE: (),
    }[before]
    if before is InventoryEffect.HOLD and after is InventoryEffect.SELL:
        return (CounterChange.CONFIRM_HOLD,)
    take = {
        InventoryEffect.HOLD: (CounterChange.HOLD,),
        InventoryEffect.SELL: (CounterChange.SELL,),
        InventoryEffect.NONE: (),
    }[after]
    return release + take


@dataclass(frozen=True, slots=True)
class CounterMove:
    """``change`` of ``rooms`` rooms on every night of ``nights`` of one room type."""

    room_type_id: int
    nights: tuple[date, ...]
    rooms: int
    change: CounterChange


def moves_for(
    room_type_id: int, nights: Iterable[date], rooms: int, before: InventoryEffect, after: InventoryEffect
) -> tuple[CounterMove, ...]:
    """The moves of one line whose effect changes from ``before`` to ``after``."""
    stay = tuple(sorted(set(nights)))
    if not stay:
        return ()
    return tuple(CounterMove(room_type_id, stay, rooms, change) for change in counter_changes(before, after))


_RELEASES = frozenset({CounterChange.RELEASE_HOLD, CounterChange.CANCEL_SALE, CounterChange.UNBLOCK})

CellKey = tuple[int, date]


def apply_moves(
    cells: Mapping[CellKey, InventoryCell], moves: Iterable[CounterMove], *, allow_overbooking: bool = False
) -> dict[CellKey, InventoryCell]:
    """The cells after every move, keyed by (room type, night); refuses all or changes all.

    Releases run before everything else, so a booking that moves within the nights it already
    has (an OTA modification) never looks short of its own rooms. Consuming moves are refused
    with :class:`~chalicelib.domain.inventory.InsufficientInventory` unless ``allow_overbooking``.
    Each cell's version grows once per move that touched it.
    """
    result = dict(cells)
    ordered = sorted(moves, key=lambda move: (move.change not in _RELEASES, move.change is CounterChange.CONFIRM_HOLD))
    for move in ordered:
        by_night = {night: result[(rt, night)] for (rt, night) in result if rt == move.room_type_id}
        for cell in apply_counter_change(
            by_night, move.change, move.nights, move.rooms, allow_overbooking=allow_overbooking
        ):
            result[(cell.room_type_id, cell.night)] = cell
    return result


# --- requests ------------------------------------------------------------------------------------


MAX_LINES = 20
MAX_ROOMS_PER_LINE = 50
MAX_NIGHTS = 90


@dataclass(frozen=True, slots=True)
class LineRequest:
    """One line of a new booking: ``rooms`` rooms of a room type for ``stay``."""

    room_type_id: int
    rate_plan_id: int | None
    stay: NightRange
    rooms: int
    adults: int
    children: int = 0


def check_line_shape(line: LineRequest, field: str) -> None:
    """Refuse impossible lines before any database work, naming the line's fields."""
    problems: list[dict[str, Any]] = []
    if not 1 <= line.rooms <= MAX_ROOMS_PER_LINE:
        problems.append({"field": f"{field}.rooms", "message": f"must be between 1 and {MAX_ROOMS_PER_LINE}"})
    if len(line.stay) > MAX_NIGHTS:
        problems.append({"field": f"{field}.check_out", "message": f"a stay is at most {MAX_NIGHTS} nights"})
    if line.adults < 1:
        problems.append({"field": f"{field}.adults", "message": "at least one adult"})
    if line.children < 0:
        problems.append({"field": f"{field}.children", "message": "must not be negative"})
    if problems:
        raise InvalidInput("; ".join(f"{p['field']}: {p['message']}" for p in problems), details=problems)


# --- references and idempotency -----------------------------------------------------------------

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_PREFIX = "PTX-"


def format_reference(random_bytes: bytes) -> str:
    """A public booking reference from random bytes: ``PTX-`` + Crockford base32 (no I, L, O, U)."""
    number = int.from_bytes(random_bytes, "big")
    digits = []
    for _ in range(len(random_bytes) * 8 // 5):
        digits.append(_CROCKFORD[number & 31])
        number >>= 5
    return REFERENCE_PREFIX + "".join(reversed(digits))


_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


def check_idempotency_key(key: str, *, field: str = "header.Idempotency-Key") -> str:
    """A client's Idempotency-Key: 1 to 255 visible ASCII characters (a UUID is typical)."""
    if not _IDEMPOTENCY_KEY.match(key):
        raise InvalidInput(
            f"{field}: 1 to 255 visible ASCII characters",
            details=[{"field": field, "message": "1 to 255 visible ASCII characters, e.g. a UUID"}],
        )
    return key


def request_fingerprint(operation: str, payload: Any) -> str:
    """SHA-256 of the operation and its JSON-ready payload in a canonical form (key order ignored)."""
    canonical = json.dumps([operation, payload], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class IdempotencyKeyReused(InvalidInput):
    """The same Idempotency-Key came with a different request (→ 422)."""

    code = "idempotency_key_reused"


_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


def check_colour(value: str, *, field: str = "colour") -> str:
    """``#RRGGBB``, stored upper case."""
    if not _COLOUR.match(value):
        raise InvalidInput(f"{field}: use #RRGGBB", details=[{"field": field, "message": "use #RRGGBB, e.g. #10B981"}])
    return value.upper()


# --- lists ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BookingFilters:
    """What a booking list is narrowed by (all optional; tuples mean "any of")."""

    stay_from: date | None = None
    stay_to: date | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    statuses: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    ota: str | None = None
    property_id: int | None = None
    room_type_id: int | None = None
    guest: str | None = None
