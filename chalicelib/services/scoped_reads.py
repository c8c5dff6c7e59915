"""The two reads every scoped resource has, declared once: a page of records matching filters in the
caller's country scope, and one record by id (NotFound outside the scope, as if absent).

A service declares them from its repository's page method and its own finder::

    list_alerts = page_reader(lambda work: work.alerts.page)
    get_alert = record_reader(_scoped)

and the API and the unit tests call them as any service function (``uow=`` a fake unit of work).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller, CountryScope
from chalicelib.services.ports import UnitOfWork, UnitOfWorkFactory

Filters = TypeVar("Filters", contravariant=True)
Record = TypeVar("Record")
Found = TypeVar("Found", covariant=True)


class ScopedPage(Protocol[Filters, Record]):
    """A repository's page method: records in ``scope`` matching ``filters``, and how many in all."""

    def __call__(self, scope: CountryScope, filters: Filters, *, offset: int, limit: int) -> tuple[list[Record], int]:
        """One page of the records."""


class PageRead(Protocol[Filters, Record]):
    def __call__(
        self, caller: Caller, filters: Filters, *, offset: int, limit: int, uow: UnitOfWorkFactory = unit_of_work
    ) -> tuple[list[Record], int]:
        """One page of the records in the caller's scope matching ``filters``, and how many match."""


class RecordRead(Protocol[Found]):
    def __call__(self, caller: Caller, record_id: int, *, uow: UnitOfWorkFactory = unit_of_work) -> Found:
        """One record in the caller's scope (NotFound otherwise)."""


def page_reader(page_of: Callable[[UnitOfWork], ScopedPage[Filters, Record]]) -> PageRead[Filters, Record]:
    """The service's list read over ``page_of(unit of work)``."""

    def read(
        caller: Caller, filters: Filters, *, offset: int, limit: int, uow: UnitOfWorkFactory = unit_of_work
    ) -> tuple[list[Record], int]:
        with uow() as work:
            return page_of(work)(caller.scope, filters, offset=offset, limit=limit)

    return read


def record_reader(find: Callable[[UnitOfWork, Caller, int], Found]) -> RecordRead[Found]:
    """The service's one-record read through its finder ``find(work, caller, id)``."""

    def read(caller: Caller, record_id: int, *, uow: UnitOfWorkFactory = unit_of_work) -> Found:
        with uow() as work:
            return find(work, caller, record_id)

    return read
