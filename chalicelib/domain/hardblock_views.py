"""Views over blocks (pure): the slot-level inventory grid, the pick-up report, the blocks cutting off soon.

* :func:`grid_cells` — one cell per block x room type x night: the rooms the block holds there
  (``blocked``, picked-up ones included), ``picked_up``, ``released``, ``available`` (still to pick
  up: the free rooms of an active block) and the ``rate``.
* :func:`pick_up_report` — per block, and per agency: rooms held (every room the block ever held:
  ``rooms`` + ``released``), picked up, washed (released unused: ``released``, plus the free rooms of
  a cancelled block), the pick-up % (picked up / held) and the wash % (washed / held).
* :func:`cutting_off` — active blocks whose cut-off is from today to ``today + days``, with the rooms
  still free that would go back to the pool.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from chalicelib.domain.allotment_reports import _percent as percent
from chalicelib.domain.hardblocks import BlockGuarantee, BlockRecord, BlockStatus
from chalicelib.domain.views import attributes_of


@dataclass(frozen=True)
class GridCell:
    block_id: int
    agency_id: int | None
    group_name: str
    guarantee: BlockGuarantee
    status: BlockStatus
    room_type_id: int
    night: date
    blocked: int
    picked_up: int
    released: int
    available: int
    rate: Decimal
    currency: str


def grid_cells(blocks: Iterable[BlockRecord], first: date, last: date) -> list[GridCell]:
    """The cells of ``blocks`` from ``first`` to ``last`` (nights inclusive), by block, room type, night."""
    cells = []
    for block in blocks:
        active = block.status is BlockStatus.ACTIVE
        for row in block.nights:
            if not first <= row.night <= last:
                continue
            cells.append(
                GridCell(
                    block.id,
                    block.agency_id,
                    block.group_name,
                    block.guarantee,
                    block.status,
                    row.room_type_id,
                    row.night,
                    row.rooms,
                    row.picked_up,
                    row.released,
                    row.rooms - row.picked_up if active else 0,
                    row.rate,
                    block.currency,
                )
            )
    return sorted(cells, key=lambda cell: (cell.block_id, cell.room_type_id, cell.night))


@dataclass(frozen=True)
class PickUpFigures:
    held: int
    picked_up: int
    washed: int
    available: int
    pick_up_percent: Decimal
    wash_percent: Decimal


@dataclass(frozen=True)
class BlockPickUp(PickUpFigures):
    block_id: int
    agency_id: int | None
    group_name: str
    status: BlockStatus
    cut_off_date: date


@dataclass(frozen=True)
class AgencyPickUp(PickUpFigures):
    agency_id: int | None  # None: the blocks held for a group without an agency
    blocks: int


def _figures(held: int, picked: int, washed: int, available: int) -> tuple[int, int, int, int, Decimal, Decimal]:
    """:class:`PickUpFigures`' fields, in order."""
    return held, picked, washed, available, percent(picked, held), percent(washed, held)


def block_pick_up(block: BlockRecord) -> BlockPickUp:
    held = sum(row.rooms + row.released for row in block.nights)
    picked = sum(row.picked_up for row in block.nights)
    free = sum(row.rooms - row.picked_up for row in block.nights)
    cancelled = block.status is BlockStatus.CANCELLED
    washed = sum(row.released for row in block.nights) + (free if cancelled else 0)
    return BlockPickUp(
        *_figures(held, picked, washed, 0 if cancelled else free),
        block_id=block.id,
        **attributes_of(block, ("agency_id", "group_name", "status", "cut_off_date")),
    )


def agency_pick_up(rows: Iterable[BlockPickUp]) -> list[AgencyPickUp]:
    """The blocks' figures summed per agency (the percentages of the sums), agencies by id, groups last."""
    sums: dict[int | None, list[int]] = {}
    for row in rows:
        figures = sums.setdefault(row.agency_id, [0, 0, 0, 0, 0])
        for index, value in enumerate((row.held, row.picked_up, row.washed, row.available, 1)):
            figures[index] += value
    ordered = sorted(sums.items(), key=lambda item: (item[0] is None, item[0] or 0))
    return [
        AgencyPickUp(*_figures(held, picked, washed, free), agency_id=agency_id, blocks=count)
        for agency_id, (held, picked, washed, free, count) in ordered
    ]


@dataclass(frozen=True)
class CuttingOff:
    block_id: int
    property_id: int
    agency_id: int | None
    group_name: str
    cut_off_date: date
    days_left: int
    free_rooms: int
    picked_up: int


def cutting_off(block: BlockRecord, today: date, days: int) -> CuttingOff | None:
    """The block if it is active and cuts off from ``today`` (its property's) to ``today + days``."""
    if block.status is not BlockStatus.ACTIVE or not today <= block.cut_off_date <= today + timedelta(days=days):
        return None
    return CuttingOff(
        block.id,
        block.property_id,
        block.agency_id,
        block.group_name,
        block.cut_off_date,
        (block.cut_off_date - today).days,
        sum(row.rooms - row.picked_up for row in block.nights),
        sum(row.picked_up for row in block.nights),
    )
