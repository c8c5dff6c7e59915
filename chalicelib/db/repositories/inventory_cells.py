"""The booking path's access to ``inventory_days``: cells keyed by (room type, night), counters saved in one statement.

Callers hold the room types' advisory locks (``chalicelib.db.locks.lock_room_types``) for every
write, so the values read here cannot change before the transaction writes them back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from chalicelib.db import lean, locks
from chalicelib.db.models import InventoryDay
from chalicelib.domain.inventory import INVENTORY_FIELDS, InventoryCell, InventoryCellChange

CellKey = tuple[int, date]


_CELL_FIELDS = (*INVENTORY_FIELDS, "version")
# Built once and run on the driver's cursor (``lean``): the booking path reads its cells under the
# room types' locks, where every microsecond of Python is a wait for the next booking of the room
# type. Nights come back as whole days after the first night (the driver parses an integer far
# faster than a date).
_LOAD_CELLS = text(
    "SELECT room_type_id, CAST(night - CAST(:first_night AS date) AS integer), "
    + ", ".join(_CELL_FIELDS)
    + " FROM inventory_days"
    " WHERE room_type_id = ANY(CAST(:room_type_ids AS integer[]))"
    " AND night >= CAST(:first_night AS date) AND night < CAST(:end_night AS date)"
    " ORDER BY room_type_id, night"
)


def load_cells(
    session: Session, room_type_ids: Iterable[int], first_night: date, last_night: date
) -> dict[CellKey, InventoryCell]:
    """The cells of the room types from ``first_night`` to ``last_night`` (both inclusive) that exist."""
    ids = sorted(set(room_type_ids))
    if not ids:
        return {}
    rows = lean.fetch_all(
        session,
        _LOAD_CELLS,
        {"room_type_ids": ids, "first_night": first_night, "end_night": last_night + timedelta(days=1)},
        autoflush=True,  # as the ORM select it replaced: pending changes are flushed before the read
    )
    return _cells(rows, first_night, last_night)


def lock_and_load_cells(
    session: Session, room_type_ids: Iterable[int], first_night: date, last_night: date
) -> dict[CellKey, InventoryCell]:
    """:func:`chalicelib.db.locks.lock_room_types`, then :func:`load_cells`, sent in one round trip: the
    server reads the cells once every lock is granted (each statement starts when the one before ends)."""
    ids = sorted(set(room_type_ids))
    if not ids:
        return {}
    read = (
        _LOAD_CELLS,
        {"room_type_ids": ids, "first_night": first_night, "end_night": last_night + timedelta(days=1)},
    )
    answers = lean.fetch_all_in_one_exchange(session, [*locks.room_type_lock_statements(ids), read], autoflush=True)
    return _cells(answers[-1], first_night, last_night)


def _cells(rows: Iterable[Sequence[Any]], first_night: date, last_night: date) -> dict[CellKey, InventoryCell]:
    nights = [first_night + timedelta(days=offset) for offset in range((last_night - first_night).days + 1)]
    cells = {}
    for row in rows:
        night = nights[row[1]]
        cells[(row[0], night)] = InventoryCell(row[0], night, **dict(zip(_CELL_FIELDS, row[2:], strict=True)))
    return cells


def insert_cells(session: Session, cells: Iterable[InventoryCell]) -> int:
    """Create cells that do not exist yet (a concurrent creator wins silently); returns how many were new."""
    rows = [_row(cell) for cell in cells]
    if not rows:
        return 0
    statement = insert(InventoryDay).on_conflict_do_nothing(index_elements=["room_type_id", "night"])
    result = session.execute(statement.returning(InventoryDay.night), rows)
    return len(result.all())


_SAVE_COUNTERS = text(
    "UPDATE inventory_days AS d"
    " SET sold = v.sold, held = v.held, blocked = v.blocked, version = v.version, updated_at = now()"
    " FROM unnest(CAST(:room_type_ids AS integer[]), CAST(:nights AS date[]), CAST(:sold AS integer[]),"
    "             CAST(:held AS integer[]), CAST(:blocked AS integer[]), CAST(:versions AS bigint[]))"
    "   AS v(room_type_id, night, sold, held, blocked, version)"
    " WHERE d.room_type_id = v.room_type_id AND d.night = v.night"
)


def save_counters(session: Session, changes: Iterable[InventoryCellChange]) -> int:
    """Write the counters (sold, held, blocked) and version of changed cells in one statement; returns how many.

    One round trip whatever the number of nights: the statement runs while the room types'
    locks are held, so every round trip saved shortens the wait of the next booking.
    """
    cells = [change.after for change in changes if change.before is not None]
    if cells:
        session.execute(
            _SAVE_COUNTERS,
            {
                "room_type_ids": [cell.room_type_id for cell in cells],
                "nights": [cell.night for cell in cells],
                "sold": [cell.sold for cell in cells],
                "held": [cell.held for cell in cells],
                "blocked": [cell.blocked for cell in cells],
                "versions": [cell.version for cell in cells],
            },
        )
    return len(cells)


def _row(cell: InventoryCell) -> dict[str, Any]:
    return {name: getattr(cell, name) for name in ("room_type_id", "night", *INVENTORY_FIELDS, "version")}
