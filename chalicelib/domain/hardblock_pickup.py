"""Pick-up: bookings that consume a block's rooms instead of the pool's, and their return on cancellation.

A room picked up from a definite active block was already withheld from every channel (counted
in the calendar's ``blocked``): picking it up moves it from ``blocked`` to ``sold`` (available to
the channels unchanged, so no ARI change) and the block night's ``picked_up`` grows. Cancelling
such a booking before the block's cut-off gives the room back to the block (``picked_up`` -1,
withheld again: ``sold`` → ``blocked``); on or after the cut-off, or once the block is no longer
active, the room goes to the pool (``picked_up`` -1, ``rooms`` -1, ``released`` +1: ``sold`` -1,
available +1, an ARI change).

The block side is planned as a change of :class:`~chalicelib.domain.hardblocks.BlockState`, and the
calendar's ``blocked`` follows what the block withholds before and after
(:func:`withholding_moves`), so the counters always equal what the definite blocks withhold.
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from chalicelib.domain.booking_plans import (
    Actor,
    BookingPlan,
    LineWrite,
    NewGroup,
    StatusFacts,
    new_line,
)
from chalicelib.domain.booking_requests import NewBooking, PropertyFacts
from chalicelib.domain.bookings import CellKey, CounterMove, InventoryEffect, apply_moves
from chalicelib.domain.errors import Conflict
from chalicelib.domain.hardblocks import BlockGuarantee, BlockKey, BlockNight, BlockState, BlockStatus
from chalicelib.domain.inventory import CounterChange, InventoryCell
from chalicelib.domain.nights import NightRange

Demand = Mapping[BlockKey, int]
"""Rooms asked of (or given back to) a block per (room type, night)."""


class BlockNotOpen(Conflict):
    """The block is tentative, released or cancelled: it holds no room to pick up (→ 409)."""

    code = "block_not_open"


class BlockExhausted(Conflict):
    """Some nights of the block have fewer free rooms than asked (→ 409), each one named."""

    code = "block_exhausted"


def demand_of(stays: Iterable[tuple[int, NightRange, int]]) -> dict[BlockKey, int]:
    """Rooms per (room type, night) of (room type, stay, rooms) lines, summed."""
    demand: dict[BlockKey, int] = {}
    for room_type_id, stay, rooms in stays:
        for night in stay:
            demand[(room_type_id, night)] = demand.get((room_type_id, night), 0) + rooms
    return demand


def take(state: BlockState, demand: Demand) -> BlockState:
    """The block with ``demand`` picked up, or a refusal naming every night short of free rooms."""
    if state.guarantee is not BlockGuarantee.DEFINITE or state.status is not BlockStatus.ACTIVE:
        what = "tentative" if state.status is BlockStatus.ACTIVE else str(state.status)
        raise BlockNotOpen(
            f"The block is {what}: it holds no rooms to pick up.",
            details=[{"field": "path.block_id", "message": f"the block is {what}"}],
        )
    nights = dict(state.nights)
    short: list[dict[str, Any]] = []
    for key, rooms in sorted(demand.items()):
        current = nights.get(key)
        free = 0 if current is None else current.free
        if current is None or free < rooms:
            short.append({"room_type_id": key[0], "night": key[1].isoformat(), "requested": rooms, "free": free})
            continue
        nights[key] = replace(current, picked_up=current.picked_up + rooms)
    if short:
        named = ", ".join(f"{row['night']} (room type {row['room_type_id']}: {row['free']} free)" for row in short)
        raise BlockExhausted(f"The block has no free room on {named}.", details=short)
    return replace(state, nights=nights)


def give_back(state: BlockState, returned: Demand, *, to_block: Callable[[date], bool]) -> BlockState:
    """The block after a cancelled booking's rooms came back: on a night ``to_block`` says yes to, to
    the block; on the others, to the pool.

    To the pool, the rooms also leave the block (``rooms`` -1, ``released`` +1) so what it
    withholds stays the same; a night the block no longer has (amended away) is skipped.
    """
    nights = dict(state.nights)
    for key, rooms in returned.items():
        current = nights.get(key)
        if current is None:
            continue
        back = min(rooms, current.picked_up)
        if to_block(key[1]):
            nights[key] = replace(current, picked_up=current.picked_up - back)
        else:
            nights[key] = BlockNight(
                current.rooms - back, current.rate, current.released + back, current.picked_up - back
            )
    return replace(state, nights=nights)


def returns_to_block(state: BlockState, release_date: Callable[[date], date], today: date) -> Callable[[date], bool]:
    """Which nights' cancelled rooms go back to the block: those of an active block whose rooms are
    not yet due for release (``release_date(night)``: the cut-off, or N days before the night for a
    rolling block, :func:`chalicelib.domain.hardblock_release.release_date`)."""
    return lambda night: state.status is BlockStatus.ACTIVE and today < release_date(night)


def withholding_moves(before: BlockState, after: BlockState) -> tuple[CounterMove, ...]:
    """The calendar's ``blocked`` moves that follow what the block withholds, per (room type, night)."""
    held_before, held_after = before.withheld(), after.withheld()
    moves = []
    for key in sorted(set(held_before) | set(held_after)):
        change = held_after.get(key, 0) - held_before.get(key, 0)
        if change:
            kind = CounterChange.BLOCK if change > 0 else CounterChange.UNBLOCK
            moves.append(CounterMove(key[0], (key[1],), abs(change), kind))
    return tuple(moves)


def changed_nights(before: BlockState, after: BlockState) -> dict[BlockKey, BlockNight]:
    """The block nights ``after`` changed (a pick-up or a return never adds or drops a night)."""
    return {key: night for key, night in after.nights.items() if before.nights.get(key) != night}


@dataclass(frozen=True)
class BlockBookingFacts:
    """A booking against a block, checked before the lock: its stays, the block, who takes it."""

    request: NewBooking
    stays: tuple[NightRange, ...]
    hotel: PropertyFacts
    block_id: int
    confirmed: StatusFacts
    actor: Actor


def _nightly(state: BlockState, room_type_id: int, stay: NightRange, rooms: int) -> dict[date, Decimal]:
    return {night: state.nights[(room_type_id, night)].rate * rooms for night in stay}


def plan_block_booking(
    facts: BlockBookingFacts,
    before: BlockState,
    after: BlockState,
    cells: Mapping[CellKey, InventoryCell],
    *,
    reference: str,
    moment: datetime,
) -> BookingPlan:
    """A confirmed booking of the block's rooms (``after`` = :func:`take` of ``before``) at the block's rates.

    The rooms were withheld for the block: ``blocked`` -n, ``sold`` +n on every night (the pool's
    availability does not move). Calendar restrictions do not apply: the rooms are the block's.
    """
    request = facts.request
    lines = []
    for position, (line, stay) in enumerate(zip(request.lines, facts.stays, strict=True)):
        nightly = _nightly(before, line.room_type_id, stay, line.rooms)
        amount = sum(nightly.values(), Decimal(0))  # at the block's rates: no rate plan
        values = new_line(position, line, stay, amount, facts.confirmed.id, rate_plan_id=None)
        lines.append(LineWrite(None, values, InventoryEffect.SELL, nightly))
    sells = tuple(
        CounterMove(line.room_type_id, tuple(stay), line.rooms, CounterChange.SELL)
        for line, stay in zip(request.lines, facts.stays, strict=True)
    )
    moves = withholding_moves(before, after) + sells
    cells_after = apply_moves(cells, moves, allow_overbooking=True)  # the block's free rooms decided
    block = {"hardblock_id": facts.block_id}
    created = NewGroup(reference, facts.hotel, request, facts.actor, moment)
    return created.plan(facts.confirmed, lines, moves, cells, cells_after, audit=block, confirmed_at=moment, **block)


def block_return_plan(
    plan: BookingPlan, before: BlockState, after: BlockState, cells: Mapping[CellKey, InventoryCell]
) -> BookingPlan:
    """A cancellation's plan whose counters also follow the block getting its rooms back (``after``)."""
    moves = plan.moves + withholding_moves(before, after)
    return replace(plan, moves=moves, cells_before=cells, cells_after=apply_moves(cells, moves, allow_overbooking=True))
