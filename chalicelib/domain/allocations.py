"""Supplier allocations: which room owner owns how many rooms of a room type, and when.

A supplier (room owner, as in StaySync) owns ``rooms`` rooms of a room type for every night of a
date range. Several allocations of the same supplier may overlap; they add up. The hotel owns
what no supplier does. The allocations of a room type may never exceed its physical total on
any night — :func:`validate_allocations` refuses, naming the suppliers and the nights.

The physical total here is the room type's total rooms (the calendar's cells carry the same
number for every future night; see :func:`chalicelib.domain.inventory.change_total`, whose
callers should re-validate allocations against the new total).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from chalicelib.domain.errors import Conflict, InvalidInput
from chalicelib.domain.nights import NightRange, contiguous_runs


@dataclass(frozen=True, slots=True)
class SupplierAllocation:
    """``rooms`` rooms of ``room_type_id`` owned by ``supplier_id`` on every night of ``nights``."""

    supplier_id: int
    room_type_id: int
    nights: NightRange
    rooms: int
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Overallocation:
    """A night where suppliers together own more rooms than the room type has."""

    room_type_id: int
    night: date
    total: int
    owners: tuple[tuple[int, int], ...]  # (supplier_id, rooms), by supplier id

    @property
    def allocated(self) -> int:
        return sum(rooms for _, rooms in self.owners)


class AllocationExceedsTotal(Conflict):
    """Allocations would own more rooms than exist on some nights (→ 409)."""

    code = "allocation_exceeds_total"

    def __init__(self, overallocations: Iterable[Overallocation]) -> None:
        self.overallocations = tuple(overallocations)
        parts = []
        by_room_type: dict[int, list[Overallocation]] = {}
        for over in self.overallocations:
            by_room_type.setdefault(over.room_type_id, []).append(over)
        for room_type_id, overs in sorted(by_room_type.items()):
            suppliers = sorted({supplier for over in overs for supplier, _ in over.owners})
            ranges = ", ".join(
                f"{run.first_night}" if len(run) == 1 else f"{run.first_night} to {run.last_night}"
                for run in contiguous_runs(over.night for over in overs)
            )
            parts.append(
                f"room type {room_type_id} (total {overs[0].total}) is over-allocated on {ranges} "
                f"by suppliers {', '.join(str(s) for s in suppliers)}"
            )
        details: list[dict[str, Any]] = [
            {
                "field": "rooms",
                "room_type_id": over.room_type_id,
                "night": over.night.isoformat(),
                "total": over.total,
                "allocated": over.allocated,
                "suppliers": [{"supplier_id": s, "rooms": r} for s, r in over.owners],
                "message": f"{over.allocated} rooms allocated, {over.total} exist",
            }
            for over in self.overallocations
        ]
        super().__init__("; ".join(parts), details=details)


def owners_on(allocations: Iterable[SupplierAllocation], room_type_id: int, night: date) -> dict[int, int]:
    """Supplier id → rooms owned of ``room_type_id`` on ``night`` (suppliers owning none are absent)."""
    owned: dict[int, int] = {}
    for allocation in allocations:
        if allocation.room_type_id == room_type_id and night in allocation.nights:
            owned[allocation.supplier_id] = owned.get(allocation.supplier_id, 0) + allocation.rooms
    return dict(sorted(owned.items()))


def find_overallocations(
    allocations: Iterable[SupplierAllocation], total_rooms: Mapping[int, int]
) -> tuple[Overallocation, ...]:
    """Every (room type, night) where the allocations exceed the room type's total, by room type and night."""
    owned: dict[tuple[int, date], dict[int, int]] = {}
    for allocation in allocations:
        for night in allocation.nights:
            per_supplier = owned.setdefault((allocation.room_type_id, night), {})
            per_supplier[allocation.supplier_id] = per_supplier.get(allocation.supplier_id, 0) + allocation.rooms
    found = []
    for (room_type_id, night), per_supplier in sorted(owned.items()):
        total = total_rooms[room_type_id]
        if sum(per_supplier.values()) > total:
            found.append(Overallocation(room_type_id, night, total, tuple(sorted(per_supplier.items()))))
    return tuple(found)


def validate_allocations(allocations: Iterable[SupplierAllocation], total_rooms: Mapping[int, int]) -> None:
    """Refuse bad allocations (:class:`InvalidInput`) or over-allocation (:class:`AllocationExceedsTotal`).

    Pass every allocation of the room types concerned, including the one being created or
    changed, and ``total_rooms`` (room type → physical total).
    """
    allocations = list(allocations)
    problems: list[dict[str, Any]] = []
    for allocation in allocations:
        if allocation.rooms < 1:
            problems.append(
                {"field": "rooms", "supplier_id": allocation.supplier_id, "message": "must be at least 1 room"}
            )
        if allocation.room_type_id not in total_rooms:
            problems.append(
                {
                    "field": "room_type_id",
                    "supplier_id": allocation.supplier_id,
                    "message": f"unknown room type {allocation.room_type_id}",
                }
            )
    if problems:
        raise InvalidInput("Invalid allocation: " + "; ".join(p["message"] for p in problems), details=problems)
    overallocations = find_overallocations(allocations, total_rooms)
    if overallocations:
        raise AllocationExceedsTotal(overallocations)
