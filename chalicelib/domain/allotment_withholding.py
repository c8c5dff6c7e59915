"""How the calendar withholds outstanding allotments from every other channel.

The calendar's ``blocked`` counter carries, besides hardblocks, the rooms each contract
withholds (``allotment_nights.withheld``). When the resolved allotments change — a new or
increased contract, an event, a release step coming into force, a pick-up — the withheld rooms
move to the new outstanding figures and ``blocked`` moves by the difference, night by night:

* taking more rooms is refused, naming every night short of free rooms (the buffer is not free:
  a contract cannot take the rooms kept back from sale) — or, for the housekeeping
  (``strict=False``), those nights are left as they are for a later run and reported;
* giving rooms back never fails.

The cells that change go through the ARI outbox like any calendar write, so the OTAs close when
a contract takes rooms and reopen when a release gives them back. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from chalicelib.domain.inventory import InsufficientInventory, InventoryCell, Shortage, bump

ContractCellKey = tuple[int, int, date]
"""(contract id, room type id, night)."""


@dataclass(frozen=True)
class WithholdingPlan:
    """The calendar cells that change (before → after) and the withheld rooms to record."""

    cells_before: dict[tuple[int, date], InventoryCell]
    cells_after: dict[tuple[int, date], InventoryCell]
    withheld: dict[ContractCellKey, int]
    shortages: tuple[Shortage, ...] = ()


def plan_withholding(
    cells: Mapping[tuple[int, date], InventoryCell],
    withheld_now: Mapping[ContractCellKey, int],
    outstanding: Mapping[ContractCellKey, int],
    *,
    strict: bool = True,
) -> WithholdingPlan:
    """Move every (contract, room type, night) of ``cells`` from ``withheld_now`` to ``outstanding``.

    Keys missing from ``outstanding`` withhold nothing any more. Nights without a calendar cell
    (beyond the horizon) are left for when the calendar reaches them. ``strict=False`` leaves
    short nights (and what their contracts withhold) unchanged instead of refusing the plan.
    """
    delta: dict[tuple[int, date], int] = {}
    withheld: dict[ContractCellKey, int] = {}
    for key in set(withheld_now) | set(outstanding):
        _, room_type_id, night = key
        if (room_type_id, night) not in cells:
            continue
        before, after = withheld_now.get(key, 0), outstanding.get(key, 0)
        if before != after:
            withheld[key] = after
            delta[(room_type_id, night)] = delta.get((room_type_id, night), 0) + after - before
    shortages = []
    before_cells, after_cells = {}, {}
    for cell_key, change in sorted(delta.items()):
        cell = cells[cell_key]
        if change > 0 and change > cell.available:
            shortages.append(Shortage(cell.room_type_id, cell.night, change, cell.available))
            continue
        if change:
            before_cells[cell_key] = cell
            after_cells[cell_key] = bump(cell, blocked=cell.blocked + change)
    if shortages and strict:
        raise InsufficientInventory(shortages)
    short = {(shortage.room_type_id, shortage.night) for shortage in shortages}
    kept = {key: rooms for key, rooms in withheld.items() if (key[1], key[2]) not in short}
    return WithholdingPlan(before_cells, after_cells, kept, tuple(shortages))
