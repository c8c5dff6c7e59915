"""The audit trail (changes, in the changing transaction) and the activity log (every request).

Every feature that changes something that matters calls :func:`record_audit` with the session
of its own unit of work, so the audit row commits or rolls back with the change::

    with unit_of_work() as uow:
        before = audit_snapshot(hotel, PROPERTY_FIELDS)
        hotel.name = body.name
        record_audit(uow.session, caller, "property.updated", "property", hotel.id,
                     before, audit_snapshot(hotel, PROPERTY_FIELDS), country_code=hotel.country_code)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, Protocol

from pydantic_core import to_jsonable_python
from sqlalchemy.orm import Session

from chalicelib.db.models import ActivityLog, AuditLog
from chalicelib.db.repositories.audit import SqlAuditRepository
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller
from chalicelib.domain.audit import ActivityFilters, ActivityRecord, AuditEntry, AuditFilters, AuditRecord
from chalicelib.observability import logger, redact
from chalicelib.services.ports import AuditRepository, UnitOfWorkFactory

__all__ = [
    "SYSTEM_ACTOR",
    "ActivityEntry",
    "ActivityFilters",
    "ActivityRecord",
    "AuditActor",
    "AuditFilters",
    "AuditRecord",
    "AuditedKind",
    "audit_change",
    "audit_entry",
    "audit_snapshot",
    "audit_update",
    "list_activity",
    "list_audit",
    "record_activity",
    "record_audit",
]

P = ParamSpec("P")


@dataclass(frozen=True)
class AuditActor:
    """Who made a change when it was not an API caller (a user resetting their password, the CLI)."""

    user_id: int | None
    email: str
    client_ip: str | None = None
    request_id: str | None = None


SYSTEM_ACTOR = AuditActor(user_id=None, email="system")


def audit_snapshot(record: object, fields: Iterable[str]) -> dict[str, Any]:
    """The named attributes of ``record`` as JSON-ready values (never pass secrets)."""
    return {name: to_jsonable_python(getattr(record, name), fallback=str) for name in fields}


def audit_entry(
    caller: Caller | AuditActor | None,
    action: str,
    entity_type: str,
    entity_id: str | int,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    *,
    country_code: str | None = None,
) -> AuditEntry:
    """One audit row, ready to store.

    ``action`` is ``<entity>.<verb>`` (``user.created``, ``role.updated``); ``country_code`` is the
    country of the changed record (None for global things such as roles) and decides who may
    read the row. Secret-looking keys in ``before``/``after`` are masked as a safety net.
    """
    actor = caller or SYSTEM_ACTOR
    return AuditEntry(
        actor_user_id=actor.user_id,
        actor_email=actor.email,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        country_code=country_code,
        before=redact(to_jsonable_python(dict(before), fallback=str)) if before is not None else None,
        after=redact(to_jsonable_python(dict(after), fallback=str)) if after is not None else None,
        request_id=actor.request_id or logger.get_correlation_id(),
        client_ip=actor.client_ip,
    )


def audit_change(
    audit: AuditRepository,
    caller: Caller | AuditActor | None,
    entity_type: str,
    entity_id: str | int,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    *,
    country_code: str | None,
) -> None:
    """Store the ``<entity_type>.created`` (no ``before``), ``.deleted`` (no ``after``) or
    ``.updated`` row of a change to a record; an update only when the audited fields changed."""
    if before is None:
        verb = "created"
    elif after is None:
        verb = "deleted"
    elif after != before:
        verb = "updated"
    else:
        return
    audit.add(
        audit_entry(caller, f"{entity_type}.{verb}", entity_type, entity_id, before, after, country_code=country_code)
    )


audit_update = audit_change  # the name where both sides exist


class _Identified(Protocol):
    @property
    def id(self) -> int: ...


Actor = Caller | AuditActor | None


@dataclass(frozen=True)
class AuditedKind:
    """One kind of audited record: the entity type its audit rows name and the fields they show.

    A service declares it once (``RATE_PLAN = AuditedKind("rate_plan", (...))``) and stores the
    rows of its changes with it: ``created`` / ``deleted`` snapshot the record, ``updated`` compares
    a ``snapshot`` taken before the change with the record after it (see :func:`audit_change`).
    """

    entity_type: str
    fields: tuple[str, ...]

    def snapshot(self, record: object) -> dict[str, Any]:
        return audit_snapshot(record, self.fields)

    def created(self, audit: AuditRepository, caller: Actor, record: _Identified, *, country_code: str | None) -> None:
        self._change(audit, caller, record.id, None, self.snapshot(record), country_code)

    def updated(
        self,
        audit: AuditRepository,
        caller: Actor,
        before: Mapping[str, Any],
        record: _Identified,
        *,
        country_code: str | None,
    ) -> None:
        self._change(audit, caller, record.id, before, self.snapshot(record), country_code)

    def deleted(self, audit: AuditRepository, caller: Actor, record: _Identified, *, country_code: str | None) -> None:
        self._change(audit, caller, record.id, self.snapshot(record), None, country_code)

    def _change(
        self,
        audit: AuditRepository,
        caller: Actor,
        entity_id: int,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
        country_code: str | None,
    ) -> None:
        audit_change(audit, caller, self.entity_type, entity_id, before, after, country_code=country_code)


def _on_session(build: Callable[P, AuditEntry]) -> Callable[Concatenate[Session, P], AuditLog]:
    def record(session: Session, /, *args: P.args, **kwargs: P.kwargs) -> AuditLog:
        return SqlAuditRepository(session).add(build(*args, **kwargs))

    record.__doc__ = """Add an audit row to ``session`` (the caller's unit of work commits it with the change).

    Takes the session, then :func:`audit_entry`'s arguments. Services on the repository
    interface call ``uow.audit.add(audit_entry(...))`` instead."""
    return record


record_audit = _on_session(audit_entry)


@dataclass(frozen=True)
class ActivityEntry:
    method: str
    path: str
    status_code: int
    duration_ms: float
    request_id: str | None
    client_ip: str | None
    user_agent: str | None
    user_id: int | None
    email: str | None
    country_code: str | None


def record_activity(entry: ActivityEntry) -> None:
    """Write one activity-log row in its own transaction. Raises on failure; the caller decides."""
    with unit_of_work() as uow:
        uow.session.add(
            ActivityLog(
                method=entry.method[:10],
                path=entry.path[:500],
                status_code=entry.status_code,
                duration_ms=entry.duration_ms,
                request_id=entry.request_id,
                client_ip=(entry.client_ip or "")[:45] or None,
                user_agent=(entry.user_agent or "")[:300] or None,
                user_id=entry.user_id,
                email=entry.email.lower() if entry.email else None,
                country_code=entry.country_code,
            )
        )


def list_audit(
    caller: Caller, filters: AuditFilters, *, offset: int, limit: int, uow: UnitOfWorkFactory = unit_of_work
) -> tuple[list[AuditRecord], int]:
    """Audit rows of the countries the caller sees (global rows only for an all-countries scope)."""
    with uow() as work:
        return work.audit_log.audit(caller.scope, filters, offset=offset, limit=limit)


def list_activity(
    caller: Caller, filters: ActivityFilters, *, offset: int, limit: int, uow: UnitOfWorkFactory = unit_of_work
) -> tuple[list[ActivityRecord], int]:
    """Activity rows of the countries the caller sees (anonymous requests only for all-countries)."""
    with uow() as work:
        return work.audit_log.activity(caller.scope, filters, offset=offset, limit=limit)
