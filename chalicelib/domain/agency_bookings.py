"""Agency bookings against a contract's allotment: which rooms come from where, and the hold they take (pure).

An agency books rooms of its contract's room types. Night by night, the rooms come first from
the contract's *outstanding* allotment (withheld for it in the calendar's ``blocked`` counter:
they move from ``blocked`` to the booking's ``held``, whatever the pool has), then — only for a
``free_sale`` contract — from the pool every other channel sells (checked against the calendar's
``available``, the pool). Any other shortfall is refused whole: 409 ``allotment_exhausted``
naming each night and what remains. A stopped night (``STOP_SALE``) or a night the contract does
not cover is refused the same way. Every room is priced at the contract's rate of its night.

:func:`plan_agency_booking` reuses the direct booking planner for the group, lines, timeline
and audit of the hold, and plans the counters itself (unblock the allotted rooms, hold them all).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from chalicelib.domain.allotments import AllotmentNight, ContractMode, ContractTerms
from chalicelib.domain.booking_plans import BookingPlan, DirectBookingFacts, plan_direct_booking
from chalicelib.domain.bookings import CellKey, CounterMove, apply_moves
from chalicelib.domain.errors import Conflict, InvalidInput
from chalicelib.domain.inventory import CounterChange, InventoryCell, StayRequest, require_available
from chalicelib.domain.nights import NightRange

ContractNightKey = tuple[int, date]  # (room type, night) of one contract
BODY = "body."  # the details name fields of the agency booking's body (``body.lines[0].check_out``)


@dataclass(frozen=True, slots=True)
class AllotmentShortfall:
    """A night the contract cannot serve: ``requested`` rooms, ``remaining`` in the allotment."""

    room_type_id: int
    night: date
    requested: int
    remaining: int
    reason: str  # "exhausted", "stop_sale" or "not_contracted"

    def detail(self) -> dict[str, Any]:
        messages = {
            "exhausted": f"{self.requested} requested, {self.remaining} remaining in the allotment",
            "stop_sale": "sales stopped on this night by the contract",
            "not_contracted": "not a night of the contract for this room type",
        }
        return {
            "field": BODY + "lines",
            "room_type_id": self.room_type_id,
            "night": self.night.isoformat(),
            "requested": self.requested,
            "remaining": self.remaining,
            "reason": self.reason,
            "message": messages[self.reason],
        }


class AllotmentExhausted(Conflict):
    """The allotment cannot serve some nights (→ 409); ``shortfalls`` names every one."""

    code = "allotment_exhausted"

    def __init__(self, shortfalls: Iterable[AllotmentShortfall]) -> None:
        self.shortfalls = tuple(sorted(shortfalls, key=lambda s: (s.room_type_id, s.night)))
        named = ", ".join(f"{s.night.isoformat()} ({s.remaining} remaining)" for s in self.shortfalls[:10])
        super().__init__(
            "The allotment cannot serve " + named, details=[shortfall.detail() for shortfall in self.shortfalls]
        )


@dataclass(frozen=True, slots=True)
class NightTake:
    """What one (room type, night) of an agency booking takes: from the allotment, from the pool, at the rate."""

    room_type_id: int
    night: date
    from_allotment: int
    from_pool: int
    rate: Decimal

    @property
    def rooms(self) -> int:
        return self.from_allotment + self.from_pool

    @property
    def amount(self) -> Decimal:
        return self.rate * self.rooms


def demand_of(lines: Iterable[tuple[int, NightRange, int]]) -> dict[ContractNightKey, int]:
    """Rooms asked for per (room type, night), lines of the same room type added up."""
    demand: dict[ContractNightKey, int] = {}
    for room_type_id, stay, rooms in lines:
        for night in stay:
            demand[(room_type_id, night)] = demand.get((room_type_id, night), 0) + rooms
    return demand


def terms_within(terms: ContractTerms, window: NightRange) -> ContractTerms:
    """The contract's terms with its seasons cut to ``window``: the same resolution on those nights, for less.

    A season that misses the window keeps its first night only (outside the window), so every
    room type of the contract stays one (events for "every room type" still reach them).
    """
    seasons = tuple(
        dataclasses.replace(
            season, nights=_overlap(season.nights, window) or NightRange.single(season.nights.first_night)
        )
        for season in terms.seasons
    )
    return dataclasses.replace(terms, seasons=seasons)


def _overlap(nights: NightRange, window: NightRange) -> NightRange | None:
    first = max(nights.check_in, window.check_in)
    end = min(nights.check_out, window.check_out)
    return NightRange(first, end) if first < end else None


def plan_pick_up(
    mode: ContractMode, demand: Mapping[ContractNightKey, int], nights: Mapping[ContractNightKey, AllotmentNight]
) -> tuple[NightTake, ...]:
    """Night by night: the outstanding allotment first, then (free sale only) the pool; or AllotmentExhausted."""
    takes: list[NightTake] = []
    shortfalls: list[AllotmentShortfall] = []
    for key in sorted(demand):
        rooms, resolved = demand[key], nights.get(key)
        if resolved is None or resolved.rate is None or resolved.contracted == 0:
            shortfalls.append(AllotmentShortfall(*key, rooms, 0, "not_contracted"))
            continue
        if resolved.stop_sale:
            shortfalls.append(AllotmentShortfall(*key, rooms, resolved.outstanding, "stop_sale"))
            continue
        allotted = min(rooms, resolved.outstanding)
        beyond = rooms - allotted
        if beyond and mode is not ContractMode.FREE_SALE:
            shortfalls.append(AllotmentShortfall(*key, rooms, resolved.outstanding, "exhausted"))
            continue
        takes.append(NightTake(*key, allotted, beyond, resolved.rate))
    if shortfalls:
        raise AllotmentExhausted(shortfalls)
    return tuple(takes)


def check_min_stay(stays: Sequence[tuple[int, NightRange]], nights: Mapping[ContractNightKey, AllotmentNight]) -> None:
    """Each (room type, stay) lasts the longest minimum stay of its nights (422 naming its check_out)."""
    problems = []
    for index, (room_type_id, stay) in enumerate(stays):
        needed = max((nights[(room_type_id, n)].min_stay for n in stay if (room_type_id, n) in nights), default=1)
        if len(stay) < needed:
            field = f"{BODY}lines[{index}].check_out"
            problems.append({"field": field, "message": f"the contract's minimum stay is {needed} nights"})
    if problems:
        raise InvalidInput("; ".join(f"{p['field']}: {p['message']}" for p in problems), details=problems)


def plan_agency_booking(
    facts: DirectBookingFacts,
    takes: Sequence[NightTake],
    cells: Mapping[CellKey, InventoryCell],
    *,
    reference: str,
    moment: datetime,
) -> BookingPlan:
    """The hold of an agency booking whose ``takes`` were planned by :func:`plan_pick_up`.

    ``cells`` as loaded under the lock (every night and each departure day). The pool part must
    fit the pool (``available``: 409 ``insufficient_inventory`` naming the nights otherwise); the
    allotted part needs no check — those rooms are withheld for this contract. Calendar
    restrictions (stop-sell, closed to arrival, ...) apply as to any booking.
    """
    require_available(
        cells.values(),
        [
            StayRequest(take.room_type_id, NightRange.of(take.night, take.night + timedelta(days=1)), take.from_pool)
            for take in takes
            if take.from_pool
        ],
    )
    # The direct planner decides the group, lines, timeline and audit, and checks the restrictions;
    # it sees every night as able to take the whole request, the counters being planned below.
    rooms = sum(take.rooms for take in takes)
    open_cells = {
        key: dataclasses.replace(cell, total=rooms, sold=0, held=0, blocked=0, buffer=0) for key, cell in cells.items()
    }
    plan = plan_direct_booking(facts, open_cells, reference=reference, moment=moment)
    unblock = tuple(
        CounterMove(take.room_type_id, (take.night,), take.from_allotment, CounterChange.UNBLOCK)
        for take in takes
        if take.from_allotment
    )
    moves = unblock + plan.moves
    after = apply_moves(cells, moves, allow_overbooking=True)  # the checks above decided
    return dataclasses.replace(plan, moves=moves, cells_before=cells, cells_after=after)


def contract_rates(takes: Iterable[NightTake]) -> dict[ContractNightKey, Decimal]:
    """The contract rate of each (room type, night) taken, per room."""
    return {(take.room_type_id, take.night): take.rate for take in takes}
