"""Country scoping in SQL: every repository query over country-owned rows goes through here.

``scoped(select(Property), Property.country_code, caller.scope)`` adds the WHERE clause; a row
outside the scope is simply not found, so the service answers 404 exactly as for a missing id.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, false, true

from chalicelib.domain.access import CountryScope

SelectT = TypeVar("SelectT", bound=Select[*tuple[Any, ...]])


def in_scope(column: ColumnElement[Any] | Any, scope: CountryScope) -> ColumnElement[bool]:
    """The condition "``column`` is a country the scope includes" (NULL only when everywhere)."""
    if scope.countries is None:
        return true()
    if not scope.countries:
        return false()
    condition: ColumnElement[bool] = column.in_(sorted(scope.countries))
    return condition


def scoped(statement: SelectT, column: ColumnElement[Any] | Any, scope: CountryScope) -> SelectT:
    """``statement`` restricted to rows whose ``column`` is within ``scope``."""
    return statement.where(in_scope(column, scope))
