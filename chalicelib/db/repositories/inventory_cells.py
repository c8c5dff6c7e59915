"""Reading and writing ``inventory_days`` cells as domain :class:`InventoryCell` values, and the ARI outbox rows.

Callers hold the room types' advisory locks (``chalicelib.db.locks.lock_room_types``) for every
write, so the values read here cannot change before the transaction writes them back.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import select, update
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


def save_counters(session: Session, changes: Iterable[InventoryCellChange]) -> int:
    """Write the counters (sold, held, blocked) and version of changed cells; returns how many."""
    rows = [
        {
            "room_type_id": change.after.room_type_id,
            "night": change.after.night,
            "sold": change.after.sold,
            "held": change.after.held,
            "blocked": change.after.blocked,
            "version": change.after.version,
        }
        for change in changes
        if change.before is not None
    ]
    if rows:
        session.execute(update(InventoryDay), rows)
    return len(rows)


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
        session.execute(insert(AriChangeRecord), rows)
    return len(rows)


def setting_value(session: Session, key: str, default: Any) -> Any:
    """A global setting's stored JSON value, or ``default`` when it was never set."""
    value = session.scalar(select(AppSetting.value).where(AppSetting.key == key))
    return default if value is None else value


def _row(cell: InventoryCell) -> dict[str, Any]:
    return {name: getattr(cell, name) for name in ("room_type_id", "night", *INVENTORY_FIELDS, "version")}
