"""The inventory calendar's cell and the arithmetic of availability.

One :class:`InventoryCell` per room type per night holds the counters (physical ``total``,
``sold``, ``held``, ``blocked``), the ``buffer`` of rooms kept back from sale, the restrictions
and a ``version`` that every change bumps (the ARI push uses it to never send an older value
after a newer one).

Availability::

    available = total - sold - held - blocked - buffer

where the buffer only withholds rooms that are actually free: it counts as
``min(buffer, max(0, total - sold - held - blocked))``. A buffer therefore never drives a night
below zero; it just stops selling the last ``buffer`` rooms. Consequently:

* ``available < 0`` happens only when ``sold + held + blocked > total``, i.e. the night is
  physically overbooked. Only OTA bookings may do that (an OTA cannot be refused; pass
  ``allow_overbooking=True``), and the booking service raises an overbooking alert when they do.
* Our own writes never make availability negative: selling, holding and blocking are refused
  (:class:`InsufficientInventory`, a 409 naming the short nights) when a night lacks the rooms;
  reducing the physical total below what a night has already committed is refused
  (:class:`TotalBelowCommitted`, naming the nights).

Every function is pure: it returns new cells (only those that changed, each with its version
bumped by one) and never mutates its input. A function refuses all or changes all.

(Over 500 lines: the cell, its counter changes, totals and buffers all rest on the availability
arithmetic above, and the booking, calendar and bulk-update code read them as one vocabulary.)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from chalicelib.domain.errors import Conflict, InvalidInput
from chalicelib.domain.nights import NightRange
from chalicelib.domain.views import changed_fields

MAX_NIGHTS_LISTED = 10
"""Error messages list at most this many nights (the ``details`` list carries all of them)."""


@dataclass(frozen=True, slots=True)
class InventoryCell:
    """One room type on one night: counters, buffer, restrictions and version.

    ``manual_buffer`` is true when staff fixed the night's availability with a bulk update
    ("sell only 3"): the buffer was then computed for that night and changes of the buffer
    setting leave the night alone until a bulk update resets it.

    Restrictions (see :mod:`chalicelib.domain.restrictions`): ``stop_sell`` closes the night;
    ``closed_to_arrival`` / ``closed_to_departure`` refuse stays arriving / departing that day;
    ``min_los`` and ``max_los`` bound the length of stays *arriving* that night (Channex
    ``min_stay_arrival`` / ``max_stay``); ``min_stay_through`` bounds every stay that *includes*
    the night. 1 and ``None`` mean "no restriction".
    """

    room_type_id: int
    night: date
    total: int
    sold: int = 0
    held: int = 0
    blocked: int = 0
    buffer: int = 0
    manual_buffer: bool = False
    stop_sell: bool = False
    closed_to_arrival: bool = False
    closed_to_departure: bool = False
    min_los: int = 1
    min_stay_through: int = 1
    max_los: int | None = None
    version: int = 0

    def __post_init__(self) -> None:
        for name in ("total", "sold", "held", "blocked", "buffer", "version"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative in {self.room_type_id}/{self.night}")
        if self.min_los < 1 or self.min_stay_through < 1 or (self.max_los is not None and self.max_los < 1):
            raise ValueError(f"lengths of stay must be at least 1 in {self.room_type_id}/{self.night}")

    @property
    def committed(self) -> int:
        """Rooms taken on this night: sold, held and blocked."""
        return self.sold + self.held + self.blocked

    @property
    def rooms_left(self) -> int:
        """Physical rooms not taken; negative when the night is overbooked."""
        return self.total - self.committed

    @property
    def withheld(self) -> int:
        """The part of the buffer that applies: it never exceeds the free rooms."""
        return min(self.buffer, max(0, self.rooms_left))

    @property
    def available(self) -> int:
        """``total - sold - held - blocked - buffer`` (buffer as :attr:`withheld`); < 0 only if overbooked."""
        return self.rooms_left - self.withheld

    @property
    def overbooked_by(self) -> int:
        return max(0, -self.rooms_left)


def new_cell(room_type_id: int, night: date, *, total: int, buffer: int = 0) -> InventoryCell:
    """A fresh calendar cell (version 1: its creation is the first change channels must hear of)."""
    return InventoryCell(room_type_id=room_type_id, night=night, total=total, buffer=buffer, version=1)


def missing_cells(
    room_type_id: int, existing_nights: Iterable[date], window: NightRange, *, total: int, buffer: int
) -> tuple[InventoryCell, ...]:
    """The cells to create so that the room type has one for every night of ``window``."""
    have = set(existing_nights)
    return tuple(new_cell(room_type_id, night, total=total, buffer=buffer) for night in window if night not in have)


def bump(cell: InventoryCell, **changes: Any) -> InventoryCell:
    """``cell`` with ``changes`` applied and its version bumped; ``cell`` itself if nothing differs."""
    if all(getattr(cell, name) == value for name, value in changes.items()):
        return cell
    return dataclasses.replace(cell, **changes, version=cell.version + 1)


def index_by_night(cells: Iterable[InventoryCell]) -> dict[date, InventoryCell]:
    """The cells of one room type keyed by night (refuses a mix of room types)."""
    indexed: dict[date, InventoryCell] = {}
    room_types = set()
    for cell in cells:
        indexed[cell.night] = cell
        room_types.add(cell.room_type_id)
    if len(room_types) > 1:
        raise ValueError(f"cells of several room types given: {sorted(room_types)}")
    return indexed


RESTRICTION_FIELDS = ("stop_sell", "closed_to_arrival", "closed_to_departure", "min_los", "min_stay_through", "max_los")
"""The restrictions a cell carries (what staff set besides availability)."""

INVENTORY_FIELDS = ("total", "sold", "held", "blocked", "buffer", "manual_buffer", *RESTRICTION_FIELDS)
"""The stored fields of a cell besides its key and version."""


@dataclass(frozen=True, slots=True)
class InventoryCellChange:
    """A cell before and after a change; ``before`` is ``None`` when the cell is new."""

    before: InventoryCell | None
    after: InventoryCell

    def __post_init__(self) -> None:
        if self.before is not None and (self.before.room_type_id, self.before.night) != (
            self.after.room_type_id,
            self.after.night,
        ):
            raise ValueError("before and after are different cells")

    def changed_fields(self) -> dict[str, tuple[Any, Any]]:
        """Field → (before, after) for every field that differs, with the derived ``available``."""
        return changed_fields(self.before, self.after, (*INVENTORY_FIELDS, "available"))

    def preview(self) -> dict[str, Any]:
        """JSON-ready ``{kind, room_type_id, night, version, changes: {field: {before, after}}}``."""
        return {
            "kind": "inventory",
            "room_type_id": self.after.room_type_id,
            "night": self.after.night.isoformat(),
            "version": self.after.version,
            "changes": {name: {"before": b, "after": a} for name, (b, a) in self.changed_fields().items()},
        }


def pair_changes(before: Iterable[InventoryCell], after: Iterable[InventoryCell]) -> tuple[InventoryCellChange, ...]:
    """Match new cells with the cells they replace (by room type and night); unchanged cells are left out."""
    old = {(cell.room_type_id, cell.night): cell for cell in before}
    pairs = []
    for cell in sorted(after, key=lambda c: (c.room_type_id, c.night)):
        previous = old.get((cell.room_type_id, cell.night))
        if previous != cell:
            pairs.append(InventoryCellChange(previous, cell))
    return tuple(pairs)


# --- counters ----------------------------------------------------------------------------------


class CounterChange(StrEnum):
    """What a booking, hold or block does to the counters of each of its nights."""

    SELL = "sell"  # +sold: a confirmed booking (direct, partner or OTA)
    HOLD = "hold"  # +held: an unconfirmed direct/partner booking until it expires
    CONFIRM_HOLD = "confirm_hold"  # held → sold: availability unchanged
    RELEASE_HOLD = "release_hold"  # -held: the hold expired or was cancelled
    CANCEL_SALE = "cancel_sale"  # -sold: a confirmed booking cancelled or moved away
    BLOCK = "block"  # +blocked: hardblock / allotment / out of order
    UNBLOCK = "unblock"  # -blocked


_CONSUMES = frozenset({CounterChange.SELL, CounterChange.HOLD, CounterChange.BLOCK})


@dataclass(frozen=True, slots=True)
class Shortage:
    """A night that lacks rooms for a request: ``requested`` rooms, ``available`` there."""

    room_type_id: int
    night: date
    requested: int
    available: int
    missing: bool = False  # no calendar cell at all for that night

    def detail(self) -> dict[str, Any]:
        message = (
            f"no inventory for room type {self.room_type_id} on {self.night}"
            if self.missing
            else f"{self.requested} requested, {max(0, self.available)} available"
        )
        return {
            "field": "rooms",
            "room_type_id": self.room_type_id,
            "night": self.night.isoformat(),
            "requested": self.requested,
            "available": self.available,
            "message": message,
        }


class InsufficientInventory(Conflict):
    """Some nights lack the rooms asked for (→ 409); ``shortages`` lists every one of them."""

    code = "insufficient_inventory"

    def __init__(self, shortages: Iterable[Shortage]) -> None:
        self.shortages = tuple(sorted(shortages, key=lambda s: (s.room_type_id, s.night)))
        super().__init__(
            "Not enough rooms on " + _list_nights(s.night for s in self.shortages),
            details=[shortage.detail() for shortage in self.shortages],
        )


class CounterUnderflow(Conflict):
    """Releasing, confirming, cancelling or unblocking more rooms than a night holds (→ 409)."""

    code = "inventory_counter_underflow"


class TotalBelowCommitted(Conflict):
    """The physical total would drop below what some nights already sold, held or blocked (→ 409)."""

    code = "total_below_committed"


@dataclass(frozen=True, slots=True)
class StayRequest:
    """``rooms`` rooms of one room type for every night of ``nights``."""

    room_type_id: int
    nights: NightRange
    rooms: int


def find_shortages(cells: Iterable[InventoryCell], requests: Iterable[StayRequest]) -> tuple[Shortage, ...]:
    """Every (room type, night) where the requests together ask for more than is available.

    Requests for the same room type add up night by night (a group with two lines of the same
    room type). A night without a calendar cell counts as having nothing available. Restrictions
    are not looked at here: see :func:`chalicelib.domain.restrictions.check_stay`.
    """
    demand: dict[tuple[int, date], int] = {}
    for request in requests:
        _require_positive_rooms(request.rooms)
        for night in request.nights:
            key = (request.room_type_id, night)
            demand[key] = demand.get(key, 0) + request.rooms
    by_key = {(cell.room_type_id, cell.night): cell for cell in cells}
    shortages = []
    for (room_type_id, night), requested in sorted(demand.items()):
        cell = by_key.get((room_type_id, night))
        if cell is None:
            shortages.append(Shortage(room_type_id, night, requested, 0, missing=True))
        elif requested > cell.available:
            shortages.append(Shortage(room_type_id, night, requested, cell.available))
    return tuple(shortages)


def require_available(cells: Iterable[InventoryCell], requests: Iterable[StayRequest]) -> None:
    """Raise :class:`InsufficientInventory` naming every short night, or return quietly."""
    shortages = find_shortages(cells, requests)
    if shortages:
        raise InsufficientInventory(shortages)


_COUNTER_OF = {
    CounterChange.SELL: "sold",
    CounterChange.HOLD: "held",
    CounterChange.BLOCK: "blocked",
    CounterChange.CONFIRM_HOLD: "held",
    CounterChange.RELEASE_HOLD: "held",
    CounterChange.CANCEL_SALE: "sold",
    CounterChange.UNBLOCK: "blocked",
}
"""The counter a change moves (CONFIRM_HOLD also adds to ``sold``)."""


def _cells_of_nights(cells: Mapping[date, InventoryCell], nights: Iterable[date]) -> list[InventoryCell]:
    """The cells of the nights in night order; InvalidInput naming ``nights`` if none is given or one has no cell."""
    wanted = sorted(set(nights))
    if not wanted:
        raise InvalidInput("nights: no night given", details=[{"field": "nights", "message": "no night given"}])
    missing = [night for night in wanted if night not in cells]
    if missing:
        raise InvalidInput(
            "nights: no inventory on " + _list_nights(missing),
            details=[
                {"field": "nights", "night": night.isoformat(), "message": "no inventory for this night"}
                for night in missing
            ],
        )
    return [cells[night] for night in wanted]


def _require_counter(targets: list[InventoryCell], change: CounterChange, counter: str, rooms: int) -> None:
    """CounterUnderflow naming each night that holds fewer than ``rooms`` of ``counter`` (a reverse change)."""
    underflow = [cell for cell in targets if getattr(cell, counter) < rooms]
    if underflow:
        raise CounterUnderflow(
            f"Cannot {change.value} {rooms} room(s): too few {counter} on " + _list_nights(c.night for c in underflow),
            details=[
                {
                    "field": "rooms",
                    "night": cell.night.isoformat(),
                    "requested": rooms,
                    counter: getattr(cell, counter),
                    "message": f"only {getattr(cell, counter)} {counter}",
                }
                for cell in underflow
            ],
        )


def apply_counter_change(
    cells: Mapping[date, InventoryCell],
    change: CounterChange,
    nights: Iterable[date],
    rooms: int,
    *,
    allow_overbooking: bool = False,
) -> tuple[InventoryCell, ...]:
    """Apply ``change`` of ``rooms`` rooms to every night of ``nights``; return the new cells by night.

    ``cells`` are one room type's cells keyed by night. SELL, HOLD and BLOCK are refused with
    :class:`InsufficientInventory` if any night has fewer than ``rooms`` available, unless
    ``allow_overbooking`` (OTA bookings only: the OTA already sold it). The reverse changes are
    refused with :class:`CounterUnderflow` if a night holds fewer than ``rooms`` of that counter.
    """
    _require_positive_rooms(rooms)
    targets = _cells_of_nights(cells, nights)
    if change in _CONSUMES and not allow_overbooking:
        shortages = [
            Shortage(cell.room_type_id, cell.night, rooms, cell.available) for cell in targets if cell.available < rooms
        ]
        if shortages:
            raise InsufficientInventory(shortages)
    counter = _COUNTER_OF[change]
    if change not in _CONSUMES:
        _require_counter(targets, change, counter, rooms)
    sign = 1 if change in _CONSUMES else -1
    updated = []
    for cell in targets:
        fields = {counter: getattr(cell, counter) + sign * rooms}
        if change is CounterChange.CONFIRM_HOLD:
            fields["sold"] = cell.sold + rooms
        updated.append(bump(cell, **fields))
    return tuple(updated)


def sell(
    cells: Mapping[date, InventoryCell], nights: Iterable[date], rooms: int, *, allow_overbooking: bool = False
) -> tuple[InventoryCell, ...]:
    return apply_counter_change(cells, CounterChange.SELL, nights, rooms, allow_overbooking=allow_overbooking)


def hold(cells: Mapping[date, InventoryCell], nights: Iterable[date], rooms: int) -> tuple[InventoryCell, ...]:
    return apply_counter_change(cells, CounterChange.HOLD, nights, rooms)


def confirm_hold(cells: Mapping[date, InventoryCell], nights: Iterable[date], rooms: int) -> tuple[InventoryCell, ...]:
    return apply_counter_change(cells, CounterChange.CONFIRM_HOLD, nights, rooms)


def release_hold(cells: Mapping[date, InventoryCell], nights: Iterable[date], rooms: int) -> tuple[InventoryCell, ...]:
    return apply_counter_change(cells, CounterChange.RELEASE_HOLD, nights, rooms)


def cancel_sale(cells: Mapping[date, InventoryCell], nights: Iterable[date], rooms: int) -> tuple[InventoryCell, ...]:
    return apply_counter_change(cells, CounterChange.CANCEL_SALE, nights, rooms)


def block(cells: Mapping[date, InventoryCell], nights: Iterable[date], rooms: int) -> tuple[InventoryCell, ...]:
    return apply_counter_change(cells, CounterChange.BLOCK, nights, rooms)


def unblock(cells: Mapping[date, InventoryCell], nights: Iterable[date], rooms: int) -> tuple[InventoryCell, ...]:
    return apply_counter_change(cells, CounterChange.UNBLOCK, nights, rooms)


# --- physical total and buffer -------------------------------------------------------------------


def change_total(
    cells: Iterable[InventoryCell], new_total: int, *, from_night: date, field: str = "total_rooms"
) -> tuple[InventoryCell, ...]:
    """Set the physical total of every night from ``from_night`` on; return the cells that changed.

    ``from_night`` is today in the property's timezone: past nights keep the total they had.
    Refused with :class:`TotalBelowCommitted` naming every night where the new total is lower
    than the rooms already sold + held + blocked *and* lower than before (raising the total of a
    night an OTA overbooked is allowed even if it does not cure the overbooking).
    """
    if new_total < 0:
        raise InvalidInput(
            f"{field}: must not be negative", details=[{"field": field, "message": "must not be negative"}]
        )
    future = sorted((cell for cell in cells if cell.night >= from_night), key=lambda c: (c.room_type_id, c.night))
    below = [cell for cell in future if new_total < cell.committed and new_total < cell.total]
    if below:
        raise TotalBelowCommitted(
            f"{field} {new_total} is below the rooms already sold, held or blocked on "
            + _list_nights(c.night for c in below),
            details=[
                {
                    "field": field,
                    "room_type_id": cell.room_type_id,
                    "night": cell.night.isoformat(),
                    "committed": cell.committed,
                    "sold": cell.sold,
                    "held": cell.held,
                    "blocked": cell.blocked,
                    "message": f"{cell.committed} rooms already sold, held or blocked",
                }
                for cell in below
            ],
        )
    return _bump_each(future, total=new_total)


def resolve_buffer(global_default: int, property_buffer: int | None = None, room_type_buffer: int | None = None) -> int:
    """The buffer of a room type: its own if set, else its property's, else the global default."""
    for field, value in (("room_type.buffer", room_type_buffer), ("property.buffer", property_buffer)):
        if value is not None:
            _require_non_negative(value, field)
            return value
    _require_non_negative(global_default, "settings.buffer")
    return global_default


def apply_buffer_setting(cells: Iterable[InventoryCell], buffer: int, *, from_night: date) -> tuple[InventoryCell, ...]:
    """Give every night from ``from_night`` the (resolved) buffer ``buffer``; return the cells that changed.

    Nights whose availability staff fixed by hand (``manual_buffer``) keep their buffer. Never
    refused for lack of rooms: a buffer only withholds free rooms (see the module docstring).
    """
    _require_non_negative(buffer, "buffer")
    eligible = sorted(
        (cell for cell in cells if cell.night >= from_night and not cell.manual_buffer),
        key=lambda c: (c.room_type_id, c.night),
    )
    return _bump_each(eligible, buffer=buffer)


def override_availability(cell: InventoryCell, available: int, *, field: str = "availability") -> InventoryCell:
    """Make the night offer exactly ``available`` rooms now, by setting a manual buffer.

    The buffer becomes ``rooms_left - available``; later sales still count down from there
    ("sell only 3 more" becomes 2 after a sale). Refused if ``available`` exceeds the free rooms:
    the physical total is changed on the room type, not per night.
    """
    _require_non_negative(available, field)
    free = max(0, cell.rooms_left)
    if available > free:
        raise InvalidInput(
            f"{field} on {cell.night}: {available} exceeds the {free} room(s) left",
            details=[{"field": field, "night": cell.night.isoformat(), "message": f"only {free} room(s) left to sell"}],
        )
    return bump(cell, buffer=free - available, manual_buffer=True)


def reset_availability(cell: InventoryCell, setting_buffer: int) -> InventoryCell:
    """Undo :func:`override_availability`: the night follows the buffer setting again."""
    _require_non_negative(setting_buffer, "buffer")
    return bump(cell, buffer=setting_buffer, manual_buffer=False)


# --- helpers -----------------------------------------------------------------------------------


def _bump_each(cells: Iterable[InventoryCell], **changes: Any) -> tuple[InventoryCell, ...]:
    """The cells ``changes`` actually change, bumped; cells already in that state are left out."""
    updated = []
    for cell in cells:
        new = bump(cell, **changes)
        if new is not cell:
            updated.append(new)
    return tuple(updated)


def _require_positive_rooms(rooms: int) -> None:
    if rooms < 1:
        raise InvalidInput("rooms: must be at least 1", details=[{"field": "rooms", "message": "must be at least 1"}])


def _require_non_negative(value: int, field: str) -> None:
    if value < 0:
        raise InvalidInput(
            f"{field}: must not be negative", details=[{"field": field, "message": "must not be negative"}]
        )


def _list_nights(nights: Iterable[date]) -> str:
    ordered = sorted(set(nights))
    shown = ", ".join(night.isoformat() for night in ordered[:MAX_NIGHTS_LISTED])
    more = len(ordered) - MAX_NIGHTS_LISTED
    return shown + (f" and {more} more night(s)" if more > 0 else "")
