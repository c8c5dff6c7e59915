"""The unit of work every service opens: one database transaction, its repositories, and the work
that must happen only after it commits.

Services take a :data:`~chalicelib.services.ports.UnitOfWorkFactory` (default: :func:`unit_of_work`)
and use the repositories it exposes (``uow.settings``, ``uow.audit``, …), so the same service
runs on :class:`SqlUnitOfWork` in production and on the in-memory ``FakeUnitOfWork`` of
``tests/unit/fakes.py`` in unit tests. Code not yet moved onto repositories still reaches the
session through ``uow.session``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from chalicelib.db.engine import session_factory
from chalicelib.db.lean import committed_behind
from chalicelib.db.repositories.alerts import SqlAlertRepository
from chalicelib.db.repositories.allotment_calendar import SqlAllotmentCalendar
from chalicelib.db.repositories.allotments import SqlAllotmentRepository
from chalicelib.db.repositories.audit import SqlAuditLogRepository, SqlAuditRepository
from chalicelib.db.repositories.catalog_calendar import SqlCatalogCalendar
from chalicelib.db.repositories.dashboard import SqlDashboardRepository
from chalicelib.db.repositories.hardblocks import SqlHardblockRepository
from chalicelib.db.repositories.ota_connections import (
    SqlMappingProposalRepository,
    SqlOtaConnectionRepository,
    SqlOtaMappingRepository,
)
from chalicelib.db.repositories.properties import SqlPropertyRepository, SqlRoomTypeRepository
from chalicelib.db.repositories.rate_plans import SqlRatePlanRepository
from chalicelib.db.repositories.sale_orders import SqlSaleOrderRepository
from chalicelib.db.repositories.settings import SqlSettingsRepository
from chalicelib.db.repositories.suppliers import SqlSupplierRepository
from chalicelib.db.repositories.sync_status import SqlSyncStatusRepository
from chalicelib.observability import logger

AfterCommitHook = Callable[[], None]
InSessionHook = Callable[[Session, list[Any]], None]


class SqlUnitOfWork:
    """One PostgreSQL transaction.

    Leaving the ``with unit_of_work() as uow:`` block normally commits; an exception rolls back
    and re-raises. Hooks registered with :meth:`after_commit` run once the commit succeeded
    (outbox relays, OTA acknowledgements, emails), never after a rollback.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self._after_commit: list[AfterCommitHook] = []
        self._batches: dict[str, list[Any]] = {}
        self._together: dict[str, tuple[InSessionHook, list[Any]]] = {}

    def after_commit(self, hook: AfterCommitHook) -> None:
        self._after_commit.append(hook)

    def after_commit_batched(self, key: str, item: Any, run: Callable[[list[Any]], None]) -> None:
        """Collect ``item`` under ``key``; once committed, ``run`` is called once with every item
        collected under that key, in order (one outbox relay per transaction, however many writes)."""
        items = self._batches.get(key)
        if items is None:
            items = self._batches[key] = []
            self.after_commit(lambda: run(list(items)))
        items.append(item)

    def after_commit_together(self, key: str, item: Any, run: InSessionHook) -> None:
        """Like :meth:`after_commit_batched`, but every key registered this way runs in ONE new unit of
        work after the commit: ``run(session, items)`` per key, in the order the keys were first
        registered, then one commit (the outbox relays: one transaction, one connection checkout).

        A ``run`` must put back what it could not do rather than raise: an exception rolls back the
        work of every key (what they had claimed stays for the sweepers) and is not raised to the caller.
        """
        found = self._together.get(key)
        if found is None:
            if not self._together:
                self.after_commit(self._run_together)
            found = self._together[key] = (run, [])
        found[1].append(item)

    def _run_together(self) -> None:
        together, self._together = self._together, {}
        try:
            with unit_of_work() as uow:
                for run, items in together.values():
                    run(uow.session, list(items))
        except (SQLAlchemyError, OSError) as exc:
            # The business transaction has committed and its caller must get its answer; the sweepers
            # relay what is left.
            logger.warning("after-commit work failed; the sweepers will retry", extra={"error": type(exc).__name__})

    def run_after_commit_hooks(self) -> None:
        hooks, self._after_commit = self._after_commit, []
        for hook in hooks:
            hook()

    def flush(self) -> None:
        self.session.flush()

    @cached_property
    def audit(self) -> SqlAuditRepository:
        return SqlAuditRepository(self.session)

    @cached_property
    def settings(self) -> SqlSettingsRepository:
        return SqlSettingsRepository(self.session)

    # catalog

    @cached_property
    def properties(self) -> SqlPropertyRepository:
        return SqlPropertyRepository(self.session)

    @cached_property
    def room_types(self) -> SqlRoomTypeRepository:
        return SqlRoomTypeRepository(self.session)

    @cached_property
    def rate_plans(self) -> SqlRatePlanRepository:
        return SqlRatePlanRepository(self.session)

    @cached_property
    def suppliers(self) -> SqlSupplierRepository:
        return SqlSupplierRepository(self.session)

    @cached_property
    def catalog_calendar(self) -> SqlCatalogCalendar:
        return SqlCatalogCalendar(self.session)

    @cached_property
    def allotments(self) -> SqlAllotmentRepository:
        return SqlAllotmentRepository(self.session)

    @cached_property
    def allotment_calendar(self) -> SqlAllotmentCalendar:
        return SqlAllotmentCalendar(self.session)

    @cached_property
    def hardblocks(self) -> SqlHardblockRepository:
        return SqlHardblockRepository(self.session)

    @cached_property
    def agency_sales(self) -> SqlSaleOrderRepository:
        return SqlSaleOrderRepository(self.session)

    # --- OTA and sync ---------------------------------------------------------------------------

    @cached_property
    def audit_log(self) -> SqlAuditLogRepository:
        return SqlAuditLogRepository(self.session)

    @cached_property
    def alerts(self) -> SqlAlertRepository:
        return SqlAlertRepository(self.session)

    @cached_property
    def ota_connections(self) -> SqlOtaConnectionRepository:
        return SqlOtaConnectionRepository(self.session)

    @cached_property
    def ota_mappings(self) -> SqlOtaMappingRepository:
        return SqlOtaMappingRepository(self.session)

    @cached_property
    def mapping_proposals(self) -> SqlMappingProposalRepository:
        return SqlMappingProposalRepository(self.session)

    @cached_property
    def sync_status(self) -> SqlSyncStatusRepository:
        return SqlSyncStatusRepository(self.session)

    @cached_property
    def dashboard(self) -> SqlDashboardRepository:
        return SqlDashboardRepository(self.session)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        with self.session.begin_nested():
            yield


@contextmanager
def unit_of_work() -> Iterator[SqlUnitOfWork]:
    session = session_factory()()
    uow = SqlUnitOfWork(session)
    # lets code deep in a transaction (an outbox write) register work for after the commit
    session.info["unit_of_work"] = uow
    try:
        with session.begin():
            yield uow
    except BaseException:
        committed = committed_behind(session)
        session.close()
        if committed:
            # The last statement carried the COMMIT (db/lean.py): its writes stand whatever failed
            # after it, so what they registered for after the commit (the relays) runs, then the error.
            logger.error("a unit of work failed after its transaction had committed; its after-commit work runs")
            uow.run_after_commit_hooks()
        raise
    session.close()
    uow.run_after_commit_hooks()


def unit_of_work_of(session: Session) -> SqlUnitOfWork | None:
    """The unit of work ``session`` belongs to (None: a session opened some other way)."""
    found = session.info.get("unit_of_work")
    return found if isinstance(found, SqlUnitOfWork) else None
