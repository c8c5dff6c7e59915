"""Response models derived from the frozen views services return, so each field is declared once.

A response model names the view it shows (a frozen dataclass, or a named tuple where a service
returns many small rows) and restates only what the API adds to it::

    class SupplierOut(ViewModel, view=SupplierRecord):
        bank_account_masked: str | None = Field(description="the last four characters only")

Its fields are the view's fields, in the view's order and with the view's types; a field the
class annotates itself keeps its place but takes the class's type and ``Field`` (a description, a
narrower type); a field a base response model declares is inherited as it is there; ``exclude``
leaves view fields out of the response. ``SupplierOut.of(record)``
builds the model from the view (nested views become their nested models).
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Iterable
from typing import Any, Self

from pydantic import BaseModel, ConfigDict


class ViewModel(BaseModel):
    """Base of response models: built from attributes (views), fields derived from ``view``."""

    model_config = ConfigDict(from_attributes=True)

    def __init_subclass__(cls, *, view: type | None = None, exclude: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if view is not None:
            # Runs before pydantic collects the fields: they are read from __annotations__ afterwards.
            cls.__annotations__ = _view_annotations(cls, view, frozenset(exclude))

    @classmethod
    def of(cls, view: Any) -> Self:
        """The response model of ``view`` (a frozen dataclass, or anything with these attributes)."""
        return cls.model_validate(view)


def _view_field_names(cls: type, view: type) -> list[str]:
    if dataclasses.is_dataclass(view):
        return [f.name for f in dataclasses.fields(view)]
    if issubclass(view, tuple) and hasattr(view, "_fields"):  # a NamedTuple
        return list(view._fields)
    raise TypeError(f"{cls.__name__}: view= takes a dataclass or a named tuple, not {view!r}")


def _view_annotations(cls: type, view: type, exclude: frozenset[str]) -> dict[str, Any]:
    all_names = _view_field_names(cls, view)
    view_hints = typing.get_type_hints(view)
    names = [name for name in all_names if name not in exclude]
    unknown = exclude - set(view_hints)
    if unknown:
        raise TypeError(f"{cls.__name__}: exclude names fields {view.__name__} does not have: {sorted(unknown)}")
    own: dict[str, Any] = inspect.get_annotations(cls)
    inherited = {name for base in cls.__mro__[1:] for name in getattr(base, "model_fields", {})}
    annotations = {name: own.pop(name, view_hints[name]) for name in names if name in own or name not in inherited}
    annotations.update(own)  # fields the response adds to the view
    return annotations
