"""Alerts in SQL: the open alert of a condition, scoped reads and lists."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from chalicelib.db.models import Alert
from chalicelib.db.pagination import paginate_entities
from chalicelib.db.repositories.base import SessionRepository
from chalicelib.db.scoping import scoped, scoped_row
from chalicelib.db.writing import flushed
from chalicelib.domain.access import CountryScope
from chalicelib.domain.alerts import AlertFilters, AlertRecord, AlertStatus
from chalicelib.domain.views import view_from


def insert_if_none_open(session: Session, values: dict[str, Any]) -> int | None:
    """Insert an alert unless one with the same ``dedupe_key`` is open; its id, or None if one is.

    The partial unique index (one open alert per key) decides, so two writers raising the same
    condition at once end with one alert, whichever commits first.
    """
    statement = (
        insert(Alert)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[Alert.dedupe_key], index_where=text("status <> 'resolved'"))
        .returning(Alert.id)
    )
    return session.scalar(statement)


def open_alert_for_update(session: Session, dedupe_key: str) -> Alert | None:
    return session.scalar(
        select(Alert)
        .where(Alert.dedupe_key == dedupe_key, Alert.status != AlertStatus.RESOLVED.value)
        .with_for_update()
    )


def scoped_alert(session: Session, alert_id: int, scope: CountryScope, *, for_update: bool = False) -> Alert | None:
    return scoped_row(session, Alert, alert_id, scope, for_update=for_update)


def list_alerts(
    session: Session, scope: CountryScope, filters: AlertFilters, *, offset: int, limit: int
) -> tuple[list[Alert], int]:
    statement = scoped(select(Alert), Alert.country_code, scope)
    conditions: list[ColumnElement[bool]] = []
    if filters.statuses:
        conditions.append(Alert.status.in_(filters.statuses))
    if filters.open_only:
        conditions.append(Alert.status != AlertStatus.RESOLVED.value)
    if filters.types:
        conditions.append(Alert.type.in_(filters.types))
    if filters.property_id is not None:
        conditions.append(Alert.property_id == filters.property_id)
    if filters.room_type_id is not None:
        conditions.append(Alert.room_type_id == filters.room_type_id)
    if filters.night_from is not None:
        conditions.append(Alert.night >= filters.night_from)
    if filters.night_to is not None:
        conditions.append(Alert.night <= filters.night_to)
    if filters.since is not None:
        conditions.append(Alert.created_at >= filters.since)
    if filters.until is not None:
        conditions.append(Alert.created_at < filters.until)
    if conditions:
        statement = statement.where(and_(*conditions))
    return paginate_entities(
        session, statement.order_by(Alert.created_at.desc(), Alert.id.desc()), offset=offset, limit=limit
    )


def wake_snoozed(session: Session, now: datetime) -> list[Alert]:
    """Snoozed alerts whose time has come are new again; returns them."""
    return list(
        session.scalars(
            update(Alert)
            .where(Alert.status == AlertStatus.SNOOZED.value, Alert.snoozed_until <= now)
            .values(status=AlertStatus.NEW.value, snoozed_until=None)
            .returning(Alert),
            execution_options={"synchronize_session": False},
        )
    )


# --- the staff workflow on frozen views (``uow.alerts``) -----------------------------------------

WORKFLOW_FIELDS = (
    "status",
    "acknowledged_at",
    "acknowledged_by_user_id",
    "snoozed_until",
    "resolved_at",
    "resolved_by_user_id",
    "resolution_note",
)


def alert_record(row: Alert) -> AlertRecord:
    return view_from(AlertRecord, row)


class SqlAlertRepository(SessionRepository):
    """Alerts of one unit of work, read and worked by staff (raising stays with ``alert_service``)."""

    def page(
        self, scope: CountryScope, filters: AlertFilters, *, offset: int, limit: int
    ) -> tuple[list[AlertRecord], int]:
        rows, total = list_alerts(self._session, scope, filters, offset=offset, limit=limit)
        return [alert_record(row) for row in rows], total

    def get(self, alert_id: int, scope: CountryScope, *, for_update: bool = False) -> AlertRecord | None:
        row = scoped_alert(self._session, alert_id, scope, for_update=for_update)
        return alert_record(row) if row is not None else None

    def save_workflow(self, alert: AlertRecord) -> AlertRecord:
        """Store the workflow fields of ``alert`` (status, who acknowledged / resolved it, snooze)."""
        row = self._session.get(Alert, alert.id)
        assert row is not None
        for name in WORKFLOW_FIELDS:
            setattr(row, name, getattr(alert, name))
        return alert_record(flushed(self._session, row))

    def wake_snoozed(self, now: datetime) -> list[AlertRecord]:
        return [alert_record(row) for row in wake_snoozed(self._session, now)]
