"""Frozen views built from an object that carries the same attribute names (an ORM row, another view)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from functools import cache
from typing import Any, TypeVar

View = TypeVar("View")


def changed_fields(before: object | None, after: object, names: Iterable[str]) -> dict[str, tuple[Any, Any]]:
    """Name → (before, after) for each named attribute that differs (all of them, before None, when
    there was no ``before``)."""
    if before is None:
        return {name: (None, getattr(after, name)) for name in names}
    return {
        name: (getattr(before, name), getattr(after, name))
        for name in names
        if getattr(before, name) != getattr(after, name)
    }


def attributes_of(source: object, names: Iterable[str]) -> dict[str, Any]:
    """The named attributes of ``source`` by name, to pass on as keyword arguments."""
    return {name: getattr(source, name) for name in names}


def view_from(view: type[View], source: object, /, **values: Any) -> View:
    """An instance of the dataclass ``view``: the fields given in ``values`` as given, every other field
    copied from ``source``'s attribute of the same name (an attribute it lacks is an error, not a default)."""
    copied = {name: getattr(source, name) for name in _init_fields(view) if name not in values}  # type: ignore[arg-type]
    return view(**copied, **values)


@cache
def _init_fields(view: type) -> tuple[str, ...]:
    """The fields of the dataclass ``view`` its constructor takes (read once per class: views are built often)."""
    return tuple(item.name for item in fields(view) if item.init)
