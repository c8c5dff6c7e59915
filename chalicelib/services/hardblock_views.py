"""Block views: the slot-level inventory grid and a cell's detail, the pick-up report, the blocks cutting off
soon, and the CSV exports of the grid and the report (aggregated by :mod:`chalicelib.domain.hardblock_views`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from chalicelib.db.repositories.hardblock_pickups import BlockBookingRow, SqlHardblockPickupRepository
from chalicelib.db.unit_of_work import SqlUnitOfWork, unit_of_work
from chalicelib.domain.access import Caller
from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.domain.hardblock_views import (
    AgencyPickUp,
    BlockPickUp,
    CuttingOff,
    GridCell,
    agency_pick_up,
    block_pick_up,
    cutting_off,
    grid_cells,
)
from chalicelib.domain.hardblocks import BlockRecord
from chalicelib.domain.timezones import today_in_timezone
from chalicelib.services.allotment_service import Clock
from chalicelib.services.hardblock_service import find_block
from chalicelib.services.property_service import csv_cell, find_property, property_of, utc_now

MAX_GRID_NIGHTS = 366
MAX_BLOCKS = 300  # blocks in one grid or report: narrow the nights (or the property) beyond


def _window(date_from: date, date_to: date) -> None:
    if date_to < date_from:
        raise InvalidInput(
            "query.date_to: on or after date_from", details=[{"field": "query.date_to", "message": "before date_from"}]
        )
    if (date_to - date_from).days >= MAX_GRID_NIGHTS:
        message = f"at most {MAX_GRID_NIGHTS} nights from date_from"
        raise InvalidInput(f"query.date_to: {message}", details=[{"field": "query.date_to", "message": message}])


def _blocks(
    work: SqlUnitOfWork, caller: Caller, property_id: int | None, agency_id: int | None, first: date, last: date
) -> list[BlockRecord]:
    """The blocks in scope with a night from ``first`` to ``last``, their nights narrowed to those."""
    ids = SqlHardblockPickupRepository(work.session).block_ids(caller.scope, property_id, agency_id, first, last)
    if len(ids) > MAX_BLOCKS:
        message = f"{len(ids)} blocks have nights there (at most {MAX_BLOCKS}): narrow the nights"
        raise InvalidInput(f"query.date_to: {message}", details=[{"field": "query.date_to", "message": message}])
    blocks = [find_block(work, caller, block_id) for block_id in ids]
    return [replace(block, nights=tuple(n for n in block.nights if first <= n.night <= last)) for block in blocks]


def inventory_grid(caller: Caller, property_id: int, date_from: date, date_to: date) -> list[GridCell]:
    """Every block x room type x night of the property's blocks from ``date_from`` to ``date_to``."""
    _window(date_from, date_to)
    with unit_of_work() as work:
        find_property(work, caller, property_id)
        return grid_cells(_blocks(work, caller, property_id, None, date_from, date_to), date_from, date_to)


@dataclass(frozen=True)
class CellDetail:
    """One cell of the grid with the bookings that picked up its rooms and its pricing."""

    cell: GridCell
    bookings: tuple[BlockBookingRow, ...]
    revenue: Decimal  # picked-up rooms x the block's rate that night
    unused_value: Decimal  # rooms still free x the rate: what the block pays for unless picked up


def cell_detail(caller: Caller, block_id: int, room_type_id: int | None, night: date | None) -> CellDetail:
    """The cell of the block's ``room_type_id`` on ``night`` (both required: 422 naming the missing one)."""
    with unit_of_work() as work:
        block = find_block(work, caller, block_id)  # first: another country's block is a 404 whatever the query
        missing = [name for name, value in (("room_type_id", room_type_id), ("night", night)) if value is None]
        if room_type_id is None or night is None:
            raise InvalidInput(
                f"query.{missing[0]}: required",
                details=[{"field": f"query.{name}", "message": "required"} for name in missing],
            )
        cells = [cell for cell in grid_cells([block], night, night) if cell.room_type_id == room_type_id]
        if not cells:
            raise NotFound(f"The block holds no rooms of room type {room_type_id} on {night}.")
        bookings = SqlHardblockPickupRepository(work.session).bookings([block.id], room_type_id, night)[block.id]
    cell = cells[0]
    return CellDetail(cell, tuple(bookings), cell.rate * cell.picked_up, cell.rate * cell.available)


def block_bookings(caller: Caller, block_id: int) -> list[BlockBookingRow]:
    """Every booking line that picked up rooms of the block (cancelled ones included, with their status)."""
    with unit_of_work() as work:
        block = find_block(work, caller, block_id)
        return SqlHardblockPickupRepository(work.session).bookings([block.id])[block.id]


@dataclass(frozen=True)
class PickUpReport:
    blocks: tuple[BlockPickUp, ...]
    agencies: tuple[AgencyPickUp, ...]


def pick_up_report(
    caller: Caller, property_id: int | None, agency_id: int | None, date_from: date, date_to: date
) -> PickUpReport:
    """Pick-up and wash per block (its nights from ``date_from`` to ``date_to``) and per agency."""
    _window(date_from, date_to)
    with unit_of_work() as work:
        if property_id is not None:
            find_property(work, caller, property_id)
        rows = [block_pick_up(block) for block in _blocks(work, caller, property_id, agency_id, date_from, date_to)]
    return PickUpReport(tuple(rows), tuple(agency_pick_up(rows)))


def cutting_off_soon(caller: Caller, days: int = 7, *, clock: Clock = utc_now) -> list[CuttingOff]:
    """Active blocks whose cut-off is from today to ``today + days`` (each in its property's time zone)."""
    moment = clock()
    with unit_of_work() as work:
        ids = SqlHardblockPickupRepository(work.session).cutting_off(
            caller.scope, moment.date() - timedelta(days=1), moment.date() + timedelta(days=days + 1)
        )
        found = []
        for block_id in ids:
            block = find_block(work, caller, block_id)
            today = today_in_timezone(moment, property_of(work, block).timezone)
            row = cutting_off(block, today, days)
            if row is not None:
                found.append(row)
    return sorted(found, key=lambda row: (row.cut_off_date, row.block_id))


# --- CSV ------------------------------------------------------------------------------------------


def _csv(rows: Iterable[Any], columns: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(getattr(row, name)) for name in columns])
    return buffer.getvalue()


GRID_COLUMNS = tuple(field.name for field in fields(GridCell))
REPORT_COLUMNS = tuple(field.name for field in fields(BlockPickUp))


def grid_csv(caller: Caller, property_id: int, date_from: date, date_to: date) -> str:
    return _csv(inventory_grid(caller, property_id, date_from, date_to), GRID_COLUMNS)


def report_csv(caller: Caller, property_id: int | None, agency_id: int | None, date_from: date, date_to: date) -> str:
    """One row per block (the per-agency sums are in the JSON report)."""
    return _csv(pick_up_report(caller, property_id, agency_id, date_from, date_to).blocks, REPORT_COLUMNS)
