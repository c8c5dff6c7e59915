"""Leases in SQL: one worker at a time on a resource, with no lock held across an OTA call.

Every statement is one round trip and uses the database's clock, so workers' clocks need not
agree. Each call runs in the caller's (short) transaction, which commits before the OTA call.
Giving a lease up can carry the holder's last writes (``with_writes``: statements sent as
data-modifying CTEs of the same statement), so ending a pass costs one round trip, not several.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    String,
    UpdateBase,
    bindparam,
    case,
    cast,
    delete,
    func,
    null,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from chalicelib.db.models import Lease


@dataclass(frozen=True)
class ReleasedLease:
    """A lease that was still ours when we gave it up; ``rerun_requested``: somebody asked for another
    pass, of ``rerun_connection_ids`` (None: every connection)."""

    rerun_requested: bool
    rerun_connection_ids: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Rerun:
    """Another pass was asked for: of these connections (None: every connection)."""

    connection_ids: tuple[int, ...] | None


def _scope(ids: list[int] | None) -> tuple[int, ...] | None:
    return tuple(sorted(set(ids))) if ids is not None else None


def _take(resource: Any, holder: Any, seconds: int) -> ReturningInsert[str]:
    """The lease's upsert; ``resource`` and ``holder`` are values, or bound parameters."""
    expires_at = func.now() + timedelta(seconds=seconds)
    statement = insert(Lease).values(resource=resource, holder=holder, acquired_at=func.now(), expires_at=expires_at)
    return statement.on_conflict_do_update(
        index_elements=[Lease.resource],
        set_={"holder": holder, "acquired_at": func.now(), "expires_at": expires_at},
        where=or_(Lease.expires_at <= func.now(), Lease.holder == holder),
    ).returning(Lease.holder)


def take_lease(session: Session, resource: str, holder: str, seconds: int) -> bool:
    """Take ``resource``'s lease for ``seconds`` unless another holder has an unexpired one."""
    taken: str | None = session.scalar(_take(resource, holder, seconds))
    return taken == holder


_RESOURCE, _HOLDER = "lease_resource", "lease_holder"  # take_lease_and_read's bound parameters


@lru_cache(maxsize=16)
def _take_and_read(seconds: int, read: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
    """The statement of :func:`take_lease_and_read`, built once per (seconds, read) and container;
    the lease's resource and holder are its bound parameters."""
    lease = _take(bindparam(_RESOURCE, type_=String), bindparam(_HOLDER, type_=String), seconds).cte("lease")
    rows = read.subquery().lateral("read")
    return select(lease.c.holder, rows).select_from(lease.outerjoin(rows, true()))


def take_lease_and_read(
    session: Session,
    resource: str,
    holder: str,
    seconds: int,
    read: Select[*tuple[Any, ...]],
    params: Mapping[str, Any] | None = None,
) -> list[RowMapping] | None:
    """:func:`take_lease` and, only if the lease was taken, ``read`` (with its bound ``params``) —
    in one statement (the lease's upsert as a data-modifying CTE, ``read`` joined to it
    ``LATERAL``): the rows ``read`` returned ([] when none), or None when another holder has the
    lease (nothing was read). ``read`` should be built once (the combined statement is cached
    per ``read``)."""
    statement = _take_and_read(seconds, read)
    found = session.execute(statement, {_RESOURCE: resource, _HOLDER: holder, **(params or {})}).mappings().all()
    if not found or found[0]["holder"] != holder:
        return None
    names = [name for name in found[0] if name != "holder"]
    # The lease's row with no row of ``read`` joined is all NULL on read's side.
    return [row for row in found if any(row[name] is not None for name in names)]


_RELEASE = "release"  # the lease goes, whatever was asked for
_RELEASE_UNLESS_RERUN = "release unless rerun"  # the lease goes unless a rerun was asked for


@lru_cache(maxsize=16)
def _release(kind: str, with_writes: tuple[UpdateBase, ...]) -> Any:
    """The lease's DELETE (resource and holder bound), with ``with_writes`` as data-modifying CTEs of
    the same statement (PostgreSQL always executes them): built once per container."""
    ours = (Lease.resource == bindparam(_RESOURCE, type_=String), Lease.holder == bindparam(_HOLDER, type_=String))
    statement = (
        delete(Lease).where(*ours).returning(Lease.rerun_requested, Lease.rerun_connection_ids)
        if kind == _RELEASE
        else delete(Lease).where(*ours, Lease.rerun_requested.is_(False)).returning(Lease.resource)
    )
    if not with_writes:
        return statement
    lease = statement.cte("lease")
    combined = select(lease)
    for index, write in enumerate(with_writes):
        combined = combined.add_cte(write.cte(f"write_{index}"))
    return combined


def _first_row(
    session: Session,
    kind: str,
    resource: str,
    holder: str,
    with_writes: Sequence[UpdateBase],
    params: Mapping[str, Any] | None,
) -> Any:
    """The released lease's row (None: none); ``with_writes`` (bound by ``params``) run in the same
    statement and so in the same round trip. Each write should be built once (statements are
    cached per write)."""
    statement = _release(kind, tuple(with_writes))
    return session.execute(statement, {_RESOURCE: resource, _HOLDER: holder, **(params or {})}).first()


def release_lease(
    session: Session,
    resource: str,
    holder: str,
    *,
    with_writes: Sequence[UpdateBase] = (),
    params: Mapping[str, Any] | None = None,
) -> ReleasedLease | None:
    """Give the lease up; None when ``holder`` no longer held it (it expired and was taken over)."""
    row = _first_row(session, _RELEASE, resource, holder, with_writes, params)
    return ReleasedLease(bool(row[0]), _scope(row[1]) if row[0] else None) if row is not None else None


def request_rerun(session: Session, resource: str, connection_ids: Sequence[int] | None = None) -> bool:
    """Ask the live holder of ``resource``'s lease for one more pass, of ``connection_ids`` (None:
    every connection; requests add up); False when no lease is live."""
    wanted = sorted(set(connection_ids)) if connection_ids is not None else None
    scope = (
        case(
            (Lease.rerun_requested.is_(False), cast(wanted, ARRAY(Integer))),
            (Lease.rerun_connection_ids.is_(None), null()),
            else_=func.array_cat(Lease.rerun_connection_ids, cast(wanted, ARRAY(Integer))),
        )
        if wanted is not None
        else null()
    )
    flagged = session.scalar(
        update(Lease)
        .where(Lease.resource == resource, Lease.expires_at > func.now())
        .values(rerun_requested=True, rerun_connection_ids=scope)
        .returning(Lease.resource)
        .execution_options(synchronize_session=False)
    )
    return flagged is not None


def continue_or_release(session: Session, resource: str, holder: str, seconds: int) -> bool:
    """:func:`continue_or_rerun`, as a yes (another pass) or no (released)."""
    return continue_or_rerun(session, resource, holder, seconds) is not None


def continue_or_rerun(
    session: Session,
    resource: str,
    holder: str,
    seconds: int,
    *,
    with_writes: Sequence[UpdateBase] = (),
    params: Mapping[str, Any] | None = None,
) -> Rerun | None:
    """After a pass: keep the lease (renewed, flag cleared) if a rerun was asked for and say of which
    connections, else release it (None). ``with_writes`` go in the first statement.

    The lease row is locked first, so a job asking for a rerun either lands before this decision
    (and gets its pass) or finds no lease and takes it itself: no request is lost in between.
    """
    # The usual case in one statement: no rerun asked for, so the lease goes. A concurrent request
    # either committed first (PostgreSQL re-checks the condition on the row it waited for: not
    # deleted, handled below) or comes after and finds no lease.
    released = _first_row(session, _RELEASE_UNLESS_RERUN, resource, holder, with_writes, params)
    if released is not None:
        return None
    lease = session.scalar(select(Lease).where(Lease.resource == resource, Lease.holder == holder).with_for_update())
    if lease is None:
        return None
    if lease.rerun_requested:
        rerun = Rerun(_scope(lease.rerun_connection_ids))
        lease.rerun_requested = False
        lease.rerun_connection_ids = None
        lease.expires_at = func.now() + timedelta(seconds=seconds)  # SQL: the database clock, set on flush
        return rerun
    session.delete(lease)
    return None
