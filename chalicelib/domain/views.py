"""Frozen views built from an object that carries the same attribute names (an ORM row, another view)."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, TypeVar

View = TypeVar("View")


def view_from(view: type[View], source: object, **values: Any) -> View:
    """An instance of the dataclass ``view``: the fields given in ``values`` as given, every other field
    copied from ``source``'s attribute of the same name (an attribute it lacks is an error, not a default)."""
    copied = {item.name: getattr(source, item.name) for item in fields(view) if item.init and item.name not in values}  # type: ignore[arg-type]
    return view(**copied, **values)
