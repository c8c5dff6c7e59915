"""Status changes of bookings: confirming holds, configured transitions, releasing expired holds.

:func:`confirm_group` makes a hold a sale (``held`` → ``sold``); :func:`transition` follows the
configured transitions, each gated by its permission; :func:`expire_holds` (housekeeping)
releases holds whose time ran out, re-checking the status under the same locks and the group's
row lock, so a hold confirmed a moment earlier is never released. Each loads the group under
its locks, plans the change (:func:`~chalicelib.domain.booking_plans.plan_transition`: counters
move by the inventory effects of the two statuses) and persists it through the booking writer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from chalicelib.db.models import BookingGroup, BookingLine, BookingStatus
from chalicelib.db.repositories import bookings as booking_repository
from chalicelib.db.unit_of_work import SqlUnitOfWork, unit_of_work
from chalicelib.domain.access import Caller
from chalicelib.domain.booking_plans import (
    SYSTEM,
    Actor,
    active_lines,
    hold_is_due,
    line_moves,
    plan_transition,
)
from chalicelib.domain.bookings import (
    CANCELLED,
    CONFIRMED,
    PENDING,
    BookingNotPending,
    EventKind,
    TransitionNotAllowed,
)
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.permissions import Permission
from chalicelib.services import hardblock_pickup
from chalicelib.services.booking_query_service import BookingDetail, load_detail
from chalicelib.services.booking_support import (
    load_cells_between,
    lock_group,
    status_by_code,
    status_by_id,
)
from chalicelib.services.booking_writer import persist_plan, snapshot_group, snapshot_lines, status_facts

EXPIRY_BATCH = 200


def confirm_group(caller: Caller, group_id: int, *, now: datetime | None = None) -> BookingDetail:
    """Promote a hold to a sale (``pending`` → ``confirmed``: held → sold); confirming twice is a no-op.

    A hold past its expiry that the housekeeping has not released yet may still be confirmed (the
    rooms are still held for it); once released (cancelled) it cannot: 409 ``booking_not_pending``.
    """
    moment = now or datetime.now(UTC)
    with unit_of_work() as uow:
        group, lines = lock_group(uow.session, group_id, caller.scope)
        current = status_by_id(uow.session, group.status_id)
        if current.code == CONFIRMED:
            return load_detail(uow.session, group, caller)
        if current.code != PENDING:
            raise BookingNotPending(f"Booking {group.reference} is {current.label.lower()}, not a pending hold.")
        confirmed = status_by_code(uow.session, CONFIRMED)
        transition_locked(uow, group, lines, current, confirmed, Actor.of(caller), "", moment)
        return load_detail(uow.session, group, caller)


def transition(
    caller: Caller, group_id: int, to_status: str, reason: str = "", *, now: datetime | None = None
) -> BookingDetail:
    """Move a booking to ``to_status`` along a configured transition the caller holds the permission of.

    Counters follow the inventory effects of the two statuses (e.g. confirmed → cancelled
    releases the sold nights; cancelled → confirmed takes them again, refused if they are gone).
    """
    moment = now or datetime.now(UTC)
    with unit_of_work() as uow:
        session = uow.session
        target = booking_repository.status_by_code(session, to_status)
        if target is None:
            raise InvalidInput(
                f"No booking status {to_status!r}.", details=[{"field": "to_status", "message": "unknown status"}]
            )
        hardblock_pickup.lock_block_of_group(uow, group_id)  # a block's booking: its row lock first
        group, lines = lock_group(session, group_id, caller.scope)
        current = status_by_id(session, group.status_id)
        rule = booking_repository.transition_between(session, current.id, target.id)
        if rule is None:
            raise TransitionNotAllowed(f"A {current.label.lower()} booking cannot become {target.label.lower()}.")
        permission = Permission.__members__.get(rule.permission)
        if permission is None:
            raise TransitionNotAllowed(f"The transition to {target.label.lower()} names an unknown permission.")
        caller.require(permission)
        transition_locked(uow, group, lines, current, target, Actor.of(caller), reason, moment)
        return load_detail(session, group, caller)


def expire_holds(now: datetime | None = None, *, limit: int = EXPIRY_BATCH) -> dict[str, int]:
    """The housekeeping task: release holds whose expiry passed (each its own short transaction).

    Each candidate is re-read under its room types' locks and its own row lock; one confirmed
    (or otherwise changed) in the meantime is left alone.
    """
    moment = now or datetime.now(UTC)
    with unit_of_work() as uow:
        candidates = booking_repository.expired_hold_ids(uow.session, moment, limit)
    expired = skipped = 0
    for group_id in candidates:
        if _expire_one(group_id, moment):
            expired += 1
        else:
            skipped += 1
    return {"holds_expired": expired, "holds_skipped": skipped}


def _expire_one(group_id: int, moment: datetime) -> bool:
    with unit_of_work() as uow:
        group, lines = lock_group(uow.session, group_id, None)
        current = status_by_id(uow.session, group.status_id)
        if not hold_is_due(snapshot_group(group, current), moment):
            return False
        cancelled = status_by_code(uow.session, CANCELLED)
        transition_locked(uow, group, lines, current, cancelled, SYSTEM, "hold expired", moment, kind=EventKind.EXPIRED)
        return True


def transition_locked(
    uow: SqlUnitOfWork,
    group: BookingGroup,
    lines: Sequence[BookingLine],
    current: BookingStatus,
    target: BookingStatus,
    actor: Actor,
    reason: str,
    moment: datetime,
    *,
    kind: EventKind = EventKind.STATUS_CHANGED,
) -> None:
    """Move a group locked by :func:`~chalicelib.services.booking_support.lock_group` from ``current`` to ``target``."""
    session = uow.session
    snapshot = snapshot_group(group, current)
    line_snapshots = snapshot_lines(lines)
    facts = status_facts(target)
    active = [line.values for line in active_lines(snapshot, line_snapshots)]
    moves = line_moves(active, snapshot.status.effect, facts.effect)
    cells = (
        load_cells_between(
            session, {move.room_type_id for move in moves}, [night for move in moves for night in move.nights]
        )
        if moves
        else {}
    )
    plan = plan_transition(
        snapshot, line_snapshots, facts, cells, actor=actor, reason=reason, moment=moment, kind=EventKind(kind)
    )
    if group.hardblock_id is not None and facts.code == CANCELLED:  # the rooms go back to the block or the pool
        plan = hardblock_pickup.follow_cancellation(uow, group, plan, cells, actor.caller)
    persist_plan(session, plan)
