"""Country scoping in SQL: every repository query over country-owned rows goes through here.

``scoped(select(Property), Property.country_code, caller.scope)`` adds the WHERE clause; a row
outside the scope is simply not found, so the service answers 404 exactly as for a missing id.
"""

from __future__ import annotations

from typing import Any, TypeVar, TypeVarTuple

from sqlalchemy import ColumnElement, Row, Select, false, select, true
from sqlalchemy.orm import Session

from chalicelib.db.base import Base
from chalicelib.domain.access import CountryScope

SelectT = TypeVar("SelectT", bound=Select[*tuple[Any, ...]])
RowT = TypeVar("RowT")
ModelT = TypeVar("ModelT", bound=Base)
Columns = TypeVarTuple("Columns")


def in_scope(column: ColumnElement[Any] | Any, scope: CountryScope) -> ColumnElement[bool]:
    """The condition "``column`` is a country the scope includes" (NULL only when everywhere).

    An agency's account sees no country's records: the queries of agency-owned records (contracts,
    sale orders, ...) scope those by the agency instead (``repositories.allotments.contract_scope``).
    """
    if scope.agency_id is not None:
        return false()
    if scope.countries is None:
        return true()
    if not scope.countries:
        return false()
    condition: ColumnElement[bool] = column.in_(sorted(scope.countries))
    return condition


def scoped(statement: SelectT, column: ColumnElement[Any] | Any, scope: CountryScope) -> SelectT:
    """``statement`` restricted to rows whose ``column`` is within ``scope``."""
    return statement.where(in_scope(column, scope))


def fetch_one(session: Session, statement: Select[RowT], *, for_update: bool = False) -> RowT | None:
    """The row ``statement`` selects (None when there is none), locked ``FOR UPDATE`` when ``for_update``."""
    return session.scalar(statement.with_for_update() if for_update else statement)


def first_row(session: Session, statement: Select[*Columns], *, lock: Any | None = None) -> Row[*Columns] | None:
    """The first row ``statement`` selects (None when there is none); with ``lock`` (a model the
    statement selects), that model's row is locked ``FOR UPDATE`` (not the joined ones)."""
    return session.execute(statement if lock is None else statement.with_for_update(of=lock)).first()


def scoped_row(
    session: Session, model: type[ModelT], row_id: int, scope: CountryScope, *, for_update: bool = False
) -> ModelT | None:
    """The ``model`` row ``row_id`` if its ``country_code`` is within ``scope``, else None (→ 404)."""
    columns = model.__table__.c
    return fetch_one(
        session, scoped(select(model).where(columns.id == row_id), columns.country_code, scope), for_update=for_update
    )
