"""Reading and writing ``inventory_days`` cells as domain :class:`InventoryCell` values, and the ARI outbox rows.

Callers hold the room types' advisory locks (``chalicelib.db.locks.lock_room_types``) for every
write, so the values read here cannot change before the transaction writes them back.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Table, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from chalicelib.db.models import AppSetting, AriChangeRecord, InventoryDay
from chalicelib.domain.ari_changes import AriChange
from chalicelib.domain.inventory import INVENTORY_FIELDS, InventoryCell, InventoryCellChange

CellKey = tuple[int, date]

_COLUMNS = [getattr(InventoryDay, name) for name in ("room_type_id", "night", *INVENTORY_FIELDS, "version")]


def load_cells(
    session: Session, room_type_ids: Iterable[int], first_night: date, last_night: date
) -> dict[CellKey, InventoryCell]:
    """The cells of the room types from ``first_night`` to ``last_night`` (both inclusive) that exist."""
    ids = sorted(set(room_type_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(*_COLUMNS).where(
            InventoryDay.room_type_id.in_(ids), InventoryDay.night >= first_night, InventoryDay.night <= last_night
        )
    ).all()
    cells = {}
    for row in rows:
        cell = InventoryCell(**row._asdict())
        cells[(cell.room_type_id, cell.night)] = cell
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


def record_ari_changes(session: Session, property_id: int, changes: Iterable[AriChange]) -> int:
    """Append ARI outbox rows for the property (the sync engine drains them by id)."""
    rows = [
        {
            "property_id": property_id,
            "room_type_id": change.room_type_id,
            "rate_plan_id": change.rate_plan_id,
            "night": change.night,
            "version": change.version,
            "payload": change.to_payload(),
        }
        for change in changes
    ]
    if rows:
        session.execute(insert(_table(AriChangeRecord)).values(rows))  # one multi-row statement
    return len(rows)


def setting_value(session: Session, key: str, default: Any) -> Any:
    """A global setting's stored JSON value, or ``default`` when it was never set."""
    value = session.scalar(select(AppSetting.value).where(AppSetting.key == key))
    return default if value is None else value


def _row(cell: InventoryCell) -> dict[str, Any]:
    return {name: getattr(cell, name) for name in ("room_type_id", "night", *INVENTORY_FIELDS, "version")}


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table
