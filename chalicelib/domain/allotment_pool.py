"""The pool budget: what every other channel may sell once allotments are withheld, and the whole pipeline.

Per room type and night::

    pool = total - buffer - sold - held - blocked - outstanding allotments

where ``blocked`` counts everything but allotments (hardblocks and the like) and the buffer only
withholds rooms that are free (as in :mod:`chalicelib.domain.inventory`). :func:`resolve_calendar`
runs the pipeline end to end: contracts → event applier → outstanding allotments → pool budget.
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from chalicelib.domain.allotments import (
    AllotmentEvent,
    AllotmentNight,
    CellKey,
    ContractTerms,
    PickUps,
    resolve_allotment_nights,
)


@dataclass(frozen=True, slots=True)
class PoolInput:
    """A calendar cell's counters without the allotments: ``blocked`` counts hardblocks and the like only."""

    room_type_id: int
    night: date
    total: int
    buffer: int = 0
    sold: int = 0
    held: int = 0
    blocked: int = 0


class PoolNight(NamedTuple):
    """What every other channel may sell of a room type on a night, and what it is made of.

    ``buffer`` is the part of the buffer that applies (never more than the free rooms);
    ``pool`` is negative only when the night is overbooked.
    """

    room_type_id: int
    night: date
    total: int
    buffer: int
    sold: int
    held: int
    blocked: int
    allotted: int
    pool: int

    @property
    def sellable(self) -> int:
        return max(0, self.pool)


def pool_budget(cells: Iterable[PoolInput], allotments: Iterable[AllotmentNight]) -> tuple[PoolNight, ...]:
    """Per room type and night: ``total - buffer - sold - held - blocked - outstanding allotments``."""
    allotted: dict[CellKey, int] = {}
    for allotment in allotments:
        key = (allotment.room_type_id, allotment.night)
        allotted[key] = allotted.get(key, 0) + allotment.outstanding
    budget = []
    for cell in sorted(cells, key=lambda c: (c.room_type_id, c.night)):
        withheld = allotted.get((cell.room_type_id, cell.night), 0)
        free = cell.total - cell.sold - cell.held - cell.blocked - withheld
        buffer = min(cell.buffer, max(0, free))
        budget.append(
            PoolNight(
                cell.room_type_id,
                cell.night,
                cell.total,
                buffer,
                cell.sold,
                cell.held,
                cell.blocked,
                withheld,
                free - buffer,
            )
        )
    return tuple(budget)


@dataclass(frozen=True, slots=True)
class AllotmentCalendar:
    """The resolved allotments of a property and the pool they leave."""

    allotments: tuple[AllotmentNight, ...]
    pools: tuple[PoolNight, ...] = field(default=())

    def allotted(self) -> dict[CellKey, int]:
        """Outstanding rooms per (room type, night), summed over contracts."""
        totals: dict[CellKey, int] = {}
        for allotment in self.allotments:
            key = (allotment.room_type_id, allotment.night)
            totals[key] = totals.get(key, 0) + allotment.outstanding
        return totals


def resolve_calendar(
    contracts: Iterable[ContractTerms],
    events: Iterable[AllotmentEvent],
    cells: Iterable[PoolInput],
    *,
    picked_up: PickUps,
    as_of: datetime,
    today: date,
) -> AllotmentCalendar:
    """The whole pipeline: contracts → event applier → outstanding allotments → pool budget."""
    allotments = resolve_allotment_nights(contracts, events, picked_up=picked_up, as_of=as_of, today=today)
    return AllotmentCalendar(allotments, pool_budget(cells, allotments))
