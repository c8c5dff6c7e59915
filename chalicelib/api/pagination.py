"""Page-based pagination with totals, and list filters, shared by every list route."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.view_models import ViewModel
from chalicelib.domain.access import Caller

T = TypeVar("T")
FiltersT = TypeVar("FiltersT")
OutT = TypeVar("OutT", bound=ViewModel)

MAX_PAGE_SIZE = 200


class PageQuery(BaseModel):
    """``?page=1&page_size=50``; list routes extend this with their filters."""

    model_config = ConfigDict(extra="forbid")

    page: int = Field(default=1, ge=1, le=1_000_000, description="1-based page number")
    page_size: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE, description="items per page")

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="items matching the filters, across all pages")
    page: int
    page_size: int
    pages: int

    @classmethod
    def of(cls, items: Sequence[T], total: int, query: PageQuery) -> Page[T]:
        return cls(
            items=list(items),
            total=total,
            page=query.page,
            page_size=query.page_size,
            pages=math.ceil(total / query.page_size) if total else 0,
        )


def filters_from(query: BaseModel, filters: type[FiltersT], **given: Any) -> FiltersT:
    """A list's filters (a frozen dataclass) from its query: each field of ``filters`` the query has,
    by name, and ``given`` for the others (a value converted, e.g. an enum's, or a field named otherwise)."""
    names = {field.name for field in dataclasses.fields(filters)}  # type: ignore[arg-type]
    values = {name: getattr(query, name) for name in type(query).model_fields if name in names}
    return filters(**{**values, **given})


PageLister = Callable[..., tuple[Sequence[Any], int]]
"""A service's list function: ``(caller, filters, *, offset, limit) -> (records, total)``."""


def filtered_page(
    caller: Caller, query: PageQuery, filters: type[Any], lister: PageLister, out: type[OutT]
) -> Page[OutT]:
    """A list route's whole answer: the query's ``filters``, one page of records from ``lister``, each as ``out``."""
    records, total = lister(caller, filters_from(query, filters), offset=query.offset, limit=query.page_size)
    return Page.of([out.of(record) for record in records], total, query)
