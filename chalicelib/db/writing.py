"""Writing one ORM row in a repository: inserted, or changed, then flushed and read back, so the
view built from it carries what the database filled in (ids, defaults, ``updated_at``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy.orm import Session

RowT = TypeVar("RowT")


def inserted(session: Session, row: RowT) -> RowT:
    """``row`` added, flushed and read back."""
    session.add(row)
    return flushed(session, row)


def updated(session: Session, model: type[RowT], row_id: object, changes: Mapping[str, Any]) -> RowT:
    """The ``model`` row ``row_id`` (it must exist) with ``changes`` set, flushed and read back."""
    row = session.get_one(model, row_id)
    for name, value in changes.items():
        setattr(row, name, value)
    return flushed(session, row)


def flushed(session: Session, row: RowT) -> RowT:
    """``row``'s pending changes flushed, and the row read back."""
    session.flush()
    session.refresh(row)
    return row
