"""Hardblocks: guaranteed room blocks for an agency or a group, their amendments and what they withhold.

A block holds, per (room type, night), ``rooms`` at a ``rate``, the rooms ``released`` from it so
far and, of its ``rooms``, those ``picked_up`` by bookings (those are ``sold`` in the calendar). A
*definite* active block withholds its rooms not picked up from every other channel in the calendar's
``blocked`` counter (next to what contracts withhold, never counted twice: allotments record their
own share in ``allotment_nights.withheld``); a *tentative*, released or cancelled block withholds
nothing.

Every change is an :class:`Amendment` turned into the block's next state by :func:`amend`, and
:func:`plan_block_change` (before state → after state, against the calendar cells) is the one
planner both the preview and the apply use: the diff grid per (room type, night), the effect on
the pool, the cells short of rooms (an apply refuses them), and the calendar cells to write.
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, NamedTuple

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.inventory import InventoryCell, Shortage, bump
from chalicelib.domain.nights import NightRange

BlockKey = tuple[int, date]
"""(room type id, night)."""


class BlockGuarantee(StrEnum):
    DEFINITE = "definite"  # paid for whether used or not: withholds its rooms from the pool
    TENTATIVE = "tentative"  # an option: reserves nothing


class BlockStatus(StrEnum):
    ACTIVE = "active"
    RELEASED = "released"  # every room given back to the pool
    CANCELLED = "cancelled"


class AmendmentKind(StrEnum):
    OVERLAY = "overlay"  # set rooms and/or rate on a sub-range and some room types
    RELEASE = "release"  # give rooms back (all, or some per night) on a sub-range
    GUARANTEE = "guarantee"  # definite <-> tentative
    CANCEL = "cancel"
    REVERT = "revert"  # back to a chosen version


@dataclass(frozen=True, slots=True)
class BlockNight:
    rooms: int
    rate: Decimal
    released: int = 0
    picked_up: int = 0  # of ``rooms``: taken by bookings, so never released nor withheld

    @property
    def free(self) -> int:
        """Rooms of the block still to be picked up (or released)."""
        return self.rooms - self.picked_up


@dataclass(frozen=True)
class BlockState:
    guarantee: BlockGuarantee
    status: BlockStatus = BlockStatus.ACTIVE
    nights: Mapping[BlockKey, BlockNight] = field(default_factory=dict)

    def withheld(self) -> dict[BlockKey, int]:
        """Rooms the block withholds from the pool per (room type, night)."""
        if self.guarantee is not BlockGuarantee.DEFINITE or self.status is not BlockStatus.ACTIVE:
            return {}
        return {key: night.free for key, night in self.nights.items() if night.free}

    def room_type_ids(self) -> frozenset[int]:
        return frozenset(room_type_id for room_type_id, _ in self.nights)

    def snapshot(self) -> dict[str, Any]:
        return {
            "guarantee": str(self.guarantee),
            "status": str(self.status),
            "nights": [
                {
                    "room_type_id": room_type_id,
                    "night": night.isoformat(),
                    "rooms": cell.rooms,
                    "rate": str(cell.rate),
                    "released": cell.released,
                    "picked_up": cell.picked_up,
                }
                for (room_type_id, night), cell in sorted(self.nights.items())
            ],
        }

    @classmethod
    def from_snapshot(cls, snapshot: Mapping[str, Any]) -> BlockState:
        nights = {
            (int(row["room_type_id"]), date.fromisoformat(row["night"])): BlockNight(
                int(row["rooms"]), Decimal(row["rate"]), int(row["released"]), int(row.get("picked_up", 0))
            )
            for row in snapshot["nights"]
        }
        return cls(BlockGuarantee(snapshot["guarantee"]), BlockStatus(snapshot["status"]), nights)


@dataclass(frozen=True)
class Amendment:
    """One change of a block. ``nights`` / ``room_type_ids`` ``None``: every night / room type of the block.

    OVERLAY sets ``rooms`` and/or ``rate`` on every (room type, night) of the overlay (a night the
    block lacks is added, so it needs both); RELEASE gives back ``rooms`` per night (``None``: all);
    GUARANTEE sets ``guarantee``; REVERT goes back to version ``to_version``.
    """

    kind: AmendmentKind
    nights: NightRange | None = None
    room_type_ids: frozenset[int] | None = None
    rooms: int | None = None
    rate: Decimal | None = None
    guarantee: BlockGuarantee | None = None
    to_version: int | None = None


def _invalid(field_name: str, message: str) -> InvalidInput:
    return InvalidInput(f"{field_name}: {message}", details=[{"field": field_name, "message": message}])


def _overlay_keys(state: BlockState, amendment: Amendment) -> list[BlockKey]:
    room_types = amendment.room_type_ids if amendment.room_type_ids is not None else state.room_type_ids()
    if amendment.nights is None:
        return sorted(key for key in state.nights if key[0] in room_types)
    return [(room_type_id, night) for room_type_id in sorted(room_types) for night in amendment.nights]


def _overlay(state: BlockState, amendment: Amendment) -> dict[BlockKey, BlockNight]:
    if amendment.rooms is None and amendment.rate is None:
        raise _invalid("body.rooms", "give rooms, rate or both")
    nights = dict(state.nights)
    for key in _overlay_keys(state, amendment):
        current = nights.get(key)
        if current is None:
            if amendment.rooms is None or amendment.rate is None:
                missing = "body.rooms" if amendment.rooms is None else "body.rate"
                raise _invalid(missing, f"room type {key[0]} has no rooms on {key[1]}: give rooms and rate")
            current = BlockNight(0, amendment.rate)
        if amendment.rooms is not None and amendment.rooms < current.picked_up:
            raise _invalid("body.rooms", f"room type {key[0]} has {current.picked_up} rooms picked up on {key[1]}")
        nights[key] = replace(
            current,
            rooms=current.rooms if amendment.rooms is None else amendment.rooms,
            rate=current.rate if amendment.rate is None else amendment.rate,
        )
    return {key: night for key, night in nights.items() if night.rooms or night.released}


def _release(state: BlockState, amendment: Amendment) -> BlockState:
    nights = dict(state.nights)
    room_types = amendment.room_type_ids if amendment.room_type_ids is not None else state.room_type_ids()
    for key, current in state.nights.items():
        if key[0] not in room_types or (amendment.nights is not None and key[1] not in amendment.nights):
            continue
        given = current.free if amendment.rooms is None else min(amendment.rooms, current.free)
        nights[key] = replace(current, rooms=current.rooms - given, released=current.released + given)
    all_released = not any(night.free for night in nights.values())
    return BlockState(state.guarantee, BlockStatus.RELEASED if all_released else state.status, nights)


def _keep_picked_up(state: BlockState, target: BlockState) -> BlockState:
    """``target`` with today's picked-up rooms: bookings stay whatever version the block goes back to."""
    nights = dict(target.nights)
    for key, current in state.nights.items():
        if not current.picked_up:
            continue
        was = nights.get(key, BlockNight(0, current.rate))
        if was.rooms < current.picked_up:
            raise _invalid("body.to_version", f"room type {key[0]} has {current.picked_up} rooms picked up on {key[1]}")
        nights[key] = replace(was, picked_up=current.picked_up)
    return replace(target, nights=nights)


def amend(state: BlockState, amendment: Amendment, *, target: BlockState | None = None) -> BlockState:
    """The block's state after ``amendment`` (REVERT: ``target``, the chosen version's state)."""
    if amendment.kind is AmendmentKind.REVERT:
        if target is None:
            raise _invalid("body.to_version", "give the version to go back to")
        return _keep_picked_up(state, target)
    if state.status is not BlockStatus.ACTIVE:
        raise _invalid("status", f"the block is {state.status}: only a revert can change it")
    if amendment.kind is AmendmentKind.OVERLAY:
        return BlockState(state.guarantee, state.status, _overlay(state, amendment))
    if amendment.kind is AmendmentKind.RELEASE:
        return _release(state, amendment)
    if amendment.kind is AmendmentKind.GUARANTEE:
        if amendment.guarantee is None:
            raise _invalid("body.guarantee", "give definite or tentative")
        return replace(state, guarantee=amendment.guarantee)
    return replace(state, status=BlockStatus.CANCELLED)


class BlockDiff(NamedTuple):
    """One (room type, night) a change touches: the block before and after, and the pool's side of it.

    ``pool_before`` / ``pool_after`` are the rooms every other channel may sell (``None``: the
    calendar has no such night); ``pool_delta`` is minus the change of what the block withholds.
    """

    room_type_id: int
    night: date
    rooms_before: int
    rooms_after: int
    delta: int
    rate_before: Decimal | None
    rate_after: Decimal | None
    released_before: int
    released_after: int
    withheld_before: int
    withheld_after: int
    pool_delta: int
    pool_before: int | None
    pool_after: int | None


@dataclass(frozen=True)
class BlockPlan:
    """What a change does: the diff grid, the cells short of rooms, the calendar cells to write."""

    before: BlockState
    after: BlockState
    diff: tuple[BlockDiff, ...]
    shortages: tuple[Shortage, ...]
    cells_before: dict[BlockKey, InventoryCell]
    cells_after: dict[BlockKey, InventoryCell]
    channels: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    """Per room type, the OTAs an active connection sends its availability to."""

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def otas_told(self, row: BlockDiff) -> tuple[str, ...]:
        """The OTAs whose availability ``row`` changes (none when the pool does not move)."""
        return self.channels.get(row.room_type_id, ()) if row.pool_delta else ()


_NO_NIGHT = BlockNight(0, Decimal(0))


def _diff_row(
    key: BlockKey, before: BlockState, after: BlockState, withheld: tuple[int, int], cell: InventoryCell | None
) -> BlockDiff:
    old, new = before.nights.get(key), after.nights.get(key)
    was, now = old or _NO_NIGHT, new or _NO_NIGHT
    change = withheld[1] - withheld[0]
    pool_before = None if cell is None else cell.available
    return BlockDiff(
        key[0],
        key[1],
        was.rooms,
        now.rooms,
        now.rooms - was.rooms,
        None if old is None else old.rate,
        None if new is None else new.rate,
        was.released,
        now.released,
        withheld[0],
        withheld[1],
        -change,
        pool_before,
        None if pool_before is None else pool_before - change,
    )


def plan_block_change(before: BlockState, after: BlockState, cells: Mapping[BlockKey, InventoryCell]) -> BlockPlan:
    """Every (room type, night) whose block night or withholding differs, and the calendar moves.

    Withholding more rooms than a night has free (the buffer is not free) is a shortage, as is a
    night without a calendar cell; giving rooms back never is.
    """
    held_before, held_after = before.withheld(), after.withheld()
    diff, shortages = [], []
    cells_before: dict[BlockKey, InventoryCell] = {}
    cells_after: dict[BlockKey, InventoryCell] = {}
    for key in sorted(set(before.nights) | set(after.nights)):
        withheld = (held_before.get(key, 0), held_after.get(key, 0))
        cell = cells.get(key)
        if before.nights.get(key) == after.nights.get(key) and withheld[0] == withheld[1]:
            continue
        diff.append(_diff_row(key, before, after, withheld, cell))
        change = withheld[1] - withheld[0]
        if change > 0 and (cell is None or change > cell.available):
            available = 0 if cell is None else max(0, cell.available)
            shortages.append(Shortage(key[0], key[1], change, available, missing=cell is None))
        elif change and cell is not None:
            cells_before[key] = cell
            cells_after[key] = bump(cell, blocked=max(0, cell.blocked + change))
    return BlockPlan(before, after, tuple(diff), tuple(shortages), cells_before, cells_after)


def nights_span(states: Iterable[BlockState]) -> NightRange | None:
    """The nights from the first to the last any of ``states`` holds (None: none)."""
    nights = [night for state in states for _, night in state.nights]
    if not nights:
        return None
    return NightRange.through(min(nights), max(nights))


class BlockNightRow(NamedTuple):
    room_type_id: int
    night: date
    rooms: int
    rate: Decimal
    released: int
    picked_up: int = 0


@dataclass(frozen=True)
class BlockRecord:
    """A block as stored: its terms and its nights (by room type, then night)."""

    id: int
    property_id: int
    country_code: str
    agency_id: int | None
    group_name: str
    currency: str
    guarantee: BlockGuarantee
    status: BlockStatus
    cut_off_date: date
    version: int
    notes: str
    created_at: datetime
    updated_at: datetime
    nights: tuple[BlockNightRow, ...] = ()
    release_days_before: int | None = None  # rolling release (see domain/hardblock_release.py)

    def state(self) -> BlockState:
        return BlockState(
            self.guarantee,
            self.status,
            {
                (row.room_type_id, row.night): BlockNight(row.rooms, row.rate, row.released, row.picked_up)
                for row in self.nights
            },
        )

    def snapshot(self) -> dict[str, Any]:
        """The whole block as JSON (stored per version, and the audit's before/after)."""
        return {
            "agency_id": self.agency_id,
            "group_name": self.group_name,
            "currency": self.currency,
            "cut_off_date": self.cut_off_date.isoformat(),
            "notes": self.notes,
            "version": self.version,
            "release_days_before": self.release_days_before,
            **self.state().snapshot(),
        }


@dataclass(frozen=True)
class BlockFilters:
    property_id: int | None = None
    agency_id: int | None = None
    status: BlockStatus | None = None
