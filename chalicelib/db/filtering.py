"""The optional filters of list queries, one way everywhere: a filter left out (None, or an empty
string) narrows nothing; text searches escape LIKE's wildcards so ``%`` and ``_`` match themselves."""

from __future__ import annotations

from typing import Any

from chalicelib.db.scoping import SelectT


def _given(value: object) -> bool:
    return value is not None and value != ""


def where_equal(statement: SelectT, *filters: tuple[Any, object]) -> SelectT:
    """``statement`` narrowed to rows whose column equals each given ``(column, value)``'s value."""
    for column, value in filters:
        if _given(value):
            statement = statement.where(column == value)
    return statement


def where_within(statement: SelectT, column: Any, start: object, end: object) -> SelectT:
    """``statement`` narrowed to rows whose ``column`` is in ``[start, end)`` (either bound may be left out)."""
    if _given(start):
        statement = statement.where(column >= start)
    if _given(end):
        statement = statement.where(column < end)
    return statement


def escape_like(text: str) -> str:
    """``text`` as a literal inside a LIKE pattern (the default escape character, backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def containing(text: str) -> str:
    """The LIKE pattern of values containing ``text``."""
    return "%" + escape_like(text) + "%"
