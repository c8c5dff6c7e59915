"""Reads behind the sync status API: properties with connections, their runs, failure rates."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Integer, and_, case, func, select
from sqlalchemy.orm import Session

from chalicelib.db.filtering import where_equal
from chalicelib.db.models import OtaAccount, OtaConnection, Property, SyncRun
from chalicelib.db.pagination import paginate, paginate_entities
from chalicelib.db.repositories.base import SessionRepository
from chalicelib.db.scoping import scoped
from chalicelib.domain.access import CountryScope
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_connections import PropertyRef
from chalicelib.domain.sync_status import RunFilters, RunRecord, RunTally, SyncedConnection
from chalicelib.domain.views import view_from


def properties_with_connections(
    session: Session, scope: CountryScope, *, property_id: int | None, offset: int, limit: int
) -> tuple[list[Property], int]:
    """One page of in-scope properties that have at least one OTA connection, by id."""
    has_connection = select(OtaConnection.id).where(OtaConnection.property_id == Property.id).exists()
    statement = scoped(select(Property).where(has_connection), Property.country_code, scope)
    if property_id is not None:
        statement = statement.where(Property.id == property_id)
    return paginate_entities(session, statement.order_by(Property.id), offset=offset, limit=limit)


def connections_of(session: Session, property_ids: Sequence[int]) -> list[tuple[OtaConnection, OtaAccount]]:
    if not property_ids:
        return []
    rows = session.execute(
        select(OtaConnection, OtaAccount)
        .join(OtaAccount, OtaAccount.id == OtaConnection.ota_account_id)
        .where(OtaConnection.property_id.in_(property_ids))
        .order_by(OtaConnection.property_id, OtaConnection.id)
    )
    return [(row[0], row[1]) for row in rows]


def recent_runs(session: Session, connection_ids: Sequence[int], *, per_connection: int) -> list[SyncRun]:
    """The latest ``per_connection`` runs of each connection, newest first (one query)."""
    if not connection_ids:
        return []
    ranked = (
        select(
            SyncRun.id,
            func.row_number()
            .over(partition_by=SyncRun.connection_id, order_by=(SyncRun.started_at.desc(), SyncRun.id.desc()))
            .label("rank"),
        )
        .where(SyncRun.connection_id.in_(connection_ids))
        .subquery()
    )
    return list(
        session.scalars(
            select(SyncRun)
            .join(ranked, and_(ranked.c.id == SyncRun.id, ranked.c.rank <= per_connection))
            .order_by(SyncRun.connection_id, SyncRun.started_at.desc(), SyncRun.id.desc())
        )
    )


def run_tallies(session: Session, connection_ids: Sequence[int], *, window: int) -> dict[int, RunTally]:
    """Over each connection's latest ``window`` finished runs: how many failed or were partial."""
    if not connection_ids:
        return {}
    ranked = (
        select(
            SyncRun.connection_id,
            SyncRun.status,
            func.row_number()
            .over(partition_by=SyncRun.connection_id, order_by=(SyncRun.started_at.desc(), SyncRun.id.desc()))
            .label("rank"),
        )
        .where(SyncRun.connection_id.in_(connection_ids), SyncRun.status != "running")
        .subquery()
    )
    rows = session.execute(
        select(
            ranked.c.connection_id,
            func.count(),
            func.sum(case((ranked.c.status == "failed", 1), else_=0)).cast(Integer),
            func.sum(case((ranked.c.status == "partial", 1), else_=0)).cast(Integer),
        )
        .where(ranked.c.rank <= window)
        .group_by(ranked.c.connection_id)
    )
    return {cid: RunTally(int(total), int(failed or 0), int(partial or 0)) for cid, total, failed, partial in rows}


def property_runs(
    session: Session, property_id: int, filters: RunFilters, *, offset: int, limit: int
) -> tuple[list[tuple[SyncRun, str]], int]:
    """One page of a property's runs, newest first, each with its connection's OTA code."""
    statement = (
        select(SyncRun, OtaAccount.ota_code)
        .join(OtaConnection, OtaConnection.id == SyncRun.connection_id)
        .join(OtaAccount, OtaAccount.id == OtaConnection.ota_account_id)
        .where(SyncRun.property_id == property_id)
    )
    statement = where_equal(
        statement,
        (SyncRun.connection_id, filters.connection_id),
        (SyncRun.kind, filters.kind),
        (SyncRun.status, filters.status),
    )
    rows, total = paginate(
        session, statement.order_by(SyncRun.started_at.desc(), SyncRun.id.desc()), offset=offset, limit=limit
    )
    return [(row[0], str(row[1])) for row in rows], total


# --- frozen views for the sync status service (``uow.sync_status``) -----------------------------------------


def run_record(run: SyncRun, ota: str) -> RunRecord:
    return view_from(
        RunRecord,
        run,
        ota=ota,
        counts=dict(run.counts or {}),
        errors=list(run.errors or []),
        warnings=list(run.warnings or []),
    )


def synced_connection(connection: OtaConnection, account: OtaAccount) -> SyncedConnection:
    return view_from(
        SyncedConnection,
        connection,
        ota_code=OtaCode(account.ota_code).value,
        account_status=account.status,
    )


class SqlSyncStatusRepository(SessionRepository):
    """Properties with connections, their connections and runs, as the dashboard reads them."""

    def property(self, property_id: int, scope: CountryScope) -> PropertyRef | None:
        found = self._session.scalar(
            scoped(select(Property).where(Property.id == property_id), Property.country_code, scope)
        )
        return PropertyRef(found.id, found.code, found.name, found.country_code, found.status) if found else None

    def properties_with_connections(
        self, scope: CountryScope, *, property_id: int | None, offset: int, limit: int
    ) -> tuple[list[PropertyRef], int]:
        rows, total = properties_with_connections(
            self._session, scope, property_id=property_id, offset=offset, limit=limit
        )
        return [PropertyRef(p.id, p.code, p.name, p.country_code, p.status) for p in rows], total

    def connections_of(self, property_ids: Sequence[int]) -> list[SyncedConnection]:
        return [synced_connection(c, a) for c, a in connections_of(self._session, property_ids)]

    def recent_runs(self, connections: Sequence[SyncedConnection], *, per_connection: int) -> list[RunRecord]:
        """The latest runs of each connection, newest first, grouped by connection."""
        ota_of = {c.id: c.ota_code for c in connections}
        runs = recent_runs(self._session, list(ota_of), per_connection=per_connection)
        return [run_record(run, ota_of[run.connection_id]) for run in runs]

    def run_tallies(self, connection_ids: Sequence[int], *, window: int) -> dict[int, RunTally]:
        return run_tallies(self._session, connection_ids, window=window)

    def property_runs(
        self, property_id: int, filters: RunFilters, *, offset: int, limit: int
    ) -> tuple[list[RunRecord], int]:
        rows, total = property_runs(self._session, property_id, filters, offset=offset, limit=limit)
        return [run_record(run, ota) for run, ota in rows], total
