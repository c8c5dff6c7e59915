"""Counting and slicing a SELECT for page-based pagination."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


def paginate(
    session: Session, statement: Select[*tuple[Any, ...]], *, offset: int, limit: int
) -> tuple[list[Any], int]:
    """Rows of one page of ``statement`` and the total across all pages (two queries)."""
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0
    rows = list(session.execute(statement.offset(offset).limit(limit)).all()) if total else []
    return rows, int(total)


def paginate_entities(
    session: Session, statement: Select[*tuple[Any, ...]], *, offset: int, limit: int
) -> tuple[list[Any], int]:
    """:func:`paginate` of a statement that selects one entity: the entities of the page and the total."""
    rows, total = paginate(session, statement, offset=offset, limit=limit)
    return [row[0] for row in rows], total
