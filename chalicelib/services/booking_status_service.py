"""Configuring booking statuses and the transitions between them (BOOKING_STATUS_CONFIG holders).

Rules that keep counters true: a status's inventory effect cannot change while bookings are in
it (their nights were counted by the old effect); the system statuses (pending, confirmed,
cancelled) keep their code and effect and cannot be deleted; a status in use cannot be deleted.
Every change is audited (as global data: no country). A change that would strand a status (a
booking could get there and never reach a terminal status) is refused, naming it
(:mod:`chalicelib.domain.workflow_graph`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chalicelib.db.models import BookingStatus, BookingStatusTransition
from chalicelib.db.repositories import bookings as booking_repository
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.db.writing import flushed
from chalicelib.domain.access import Caller
from chalicelib.domain.bookings import CONFIRMED, PENDING, SYSTEM_STATUS_EFFECTS, InventoryEffect, check_colour
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound
from chalicelib.domain.permissions import Permission
from chalicelib.domain.views import view_from
from chalicelib.domain.workflow_graph import Node, check_not_stranding
from chalicelib.services.audit_service import audit_snapshot, record_audit
from chalicelib.services.booking_query_service import StatusView as StatusSummary

STATUS_FIELDS = ("code", "label", "colour", "icon", "inventory_effect", "is_terminal", "sort_order")
TRANSITION_FIELDS = ("from_status_id", "to_status_id", "permission")


def _snapshot(row: BookingStatus | BookingStatusTransition) -> dict[str, Any]:
    return audit_snapshot(row, STATUS_FIELDS if isinstance(row, BookingStatus) else TRANSITION_FIELDS)


def _audit(
    session: Session,
    caller: Caller,
    action: str,
    row: BookingStatus | BookingStatusTransition,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """Audit ``action`` (``<entity type>.<verb>``) on ``row``: global data, so no country."""
    record_audit(session, caller, action, action.split(".")[0], row.id, before, after)


@dataclass(frozen=True, slots=True)
class StatusView(StatusSummary):
    """A booking status as its configuration shows it: what a booking shows of it, and more."""

    inventory_effect: InventoryEffect
    is_system: bool
    sort_order: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, status: BookingStatus) -> StatusView:
        return view_from(cls, status, inventory_effect=InventoryEffect(status.inventory_effect))


@dataclass(frozen=True, slots=True)
class TransitionView:
    id: int
    from_status_id: int
    to_status_id: int
    permission: str

    @classmethod
    def of(cls, transition: BookingStatusTransition) -> TransitionView:
        return cls(transition.id, transition.from_status_id, transition.to_status_id, transition.permission)


@dataclass(frozen=True)
class Workflow:
    statuses: tuple[StatusView, ...]
    transitions: tuple[TransitionView, ...]


def workflow() -> Workflow:
    """Every status and transition (the state-machine editor's data)."""
    with unit_of_work() as uow:
        return Workflow(
            tuple(StatusView.of(status) for status in booking_repository.statuses(uow.session)),
            tuple(TransitionView.of(transition) for transition in booking_repository.transitions(uow.session)),
        )


def create_status(caller: Caller, values: dict[str, Any]) -> StatusView:
    """Add a status; its code must be new."""
    with unit_of_work() as uow:
        if booking_repository.status_by_code(uow.session, values["code"]) is not None:
            raise Conflict("A status with this code exists.", details=[{"field": "code", "message": "already used"}])
        status = BookingStatus(
            code=values["code"],
            label=values["label"],
            colour=check_colour(values["colour"]),
            icon=values.get("icon", ""),
            inventory_effect=InventoryEffect(values["inventory_effect"]),
            is_terminal=values.get("is_terminal", False),
            is_system=False,
            sort_order=values.get("sort_order", 100),
        )
        uow.session.add(status)
        uow.session.flush()
        _audit(uow.session, caller, "booking_status.created", status, None, _snapshot(status))
        uow.session.refresh(status)
        return StatusView.of(status)


def update_status(caller: Caller, status_id: int, changes: dict[str, Any]) -> StatusView:
    """Change a status's look, order, terminal flag or (if no booking is in it) inventory effect."""
    with unit_of_work() as uow:
        status = _status(uow.session, status_id, for_update=True)
        before = _snapshot(status)
        if "inventory_effect" in changes and changes["inventory_effect"] != status.inventory_effect:
            if status.is_system:
                raise Conflict(
                    f"The effect of the system status {status.code} is fixed "
                    f"({SYSTEM_STATUS_EFFECTS[status.code].value}).",
                    details=[{"field": "inventory_effect", "message": "fixed for a system status"}],
                )
            if booking_repository.status_in_use(uow.session, status.id):
                raise Conflict(
                    "Bookings are in this status; their nights were counted by its current effect.",
                    details=[{"field": "inventory_effect", "message": "status in use"}],
                )
            status.inventory_effect = InventoryEffect(changes["inventory_effect"])
        if "colour" in changes:
            status.colour = check_colour(changes["colour"])
        if changes.get("is_terminal") and booking_repository.transitions_from(uow.session, status.id):
            raise Conflict(
                "A terminal status has no way out: delete its outgoing transitions first.",
                details=[{"field": "is_terminal", "message": "status has outgoing transitions"}],
            )
        for name in ("label", "icon", "is_terminal", "sort_order"):
            if name in changes:
                setattr(status, name, changes[name])
        if "is_terminal" in changes:
            _check_workflow(uow.session, "is_terminal")
        _audit(uow.session, caller, "booking_status.updated", status, before, _snapshot(status))
        return StatusView.of(flushed(uow.session, status))


def delete_status(caller: Caller, status_id: int) -> None:
    """Delete a status no booking uses (its transitions go with it); system statuses stay."""
    with unit_of_work() as uow:
        status = _status(uow.session, status_id, for_update=True)
        if status.is_system:
            raise Conflict(f"The system status {status.code} cannot be deleted.")
        if booking_repository.status_in_use(uow.session, status.id):
            raise Conflict("Bookings are in this status; move them first.")
        _audit(uow.session, caller, "booking_status.deleted", status, _snapshot(status), None)
        uow.session.delete(status)
        _check_workflow(uow.session, "status")


def create_transition(caller: Caller, from_code: str, to_code: str, permission: str) -> TransitionView:
    """Allow ``from_code`` → ``to_code`` for holders of ``permission``."""
    _check_permission_name(permission)
    with unit_of_work() as uow:
        source = _status_by_code(uow.session, from_code, "from_status")
        target = _status_by_code(uow.session, to_code, "to_status")
        if source.id == target.id:
            raise InvalidInput(
                "A transition leads to another status.",
                details=[{"field": "to_status", "message": "same as from_status"}],
            )
        if source.is_terminal:
            raise InvalidInput(
                f"{source.label} is terminal: nothing leaves it.",
                details=[{"field": "from_status", "message": "terminal status"}],
            )
        if booking_repository.transition_between(uow.session, source.id, target.id) is not None:
            raise Conflict("This transition exists.", details=[{"field": "to_status", "message": "already allowed"}])
        transition = BookingStatusTransition(from_status_id=source.id, to_status_id=target.id, permission=permission)
        uow.session.add(transition)
        try:
            uow.session.flush()
        except IntegrityError:
            raise Conflict("This transition exists.") from None
        _check_workflow(uow.session, "to_status")
        _audit(uow.session, caller, "booking_transition.created", transition, None, _snapshot(transition))
        uow.session.refresh(transition)
        return TransitionView.of(transition)


def update_transition(caller: Caller, transition_id: int, permission: str) -> TransitionView:
    """Change the permission a transition needs."""
    _check_permission_name(permission)
    with unit_of_work() as uow:
        transition = _transition(uow.session, transition_id)
        before = _snapshot(transition)
        transition.permission = permission
        _audit(uow.session, caller, "booking_transition.updated", transition, before, _snapshot(transition))
        return TransitionView.of(flushed(uow.session, transition))


def delete_transition(caller: Caller, transition_id: int) -> None:
    with unit_of_work() as uow:
        transition = _transition(uow.session, transition_id)
        _audit(uow.session, caller, "booking_transition.deleted", transition, _snapshot(transition), None)
        uow.session.delete(transition)
        _check_workflow(uow.session, "transition")


def _check_workflow(session: Session, field: str) -> None:
    """Refuse (roll back) the change just made if the workflow now strands a status."""
    session.flush()
    statuses = booking_repository.statuses(session)
    codes = {status.id: status.code for status in statuses}
    nodes = [
        Node(
            status.code,
            status.label,
            status.is_terminal,
            status.code in (PENDING, CONFIRMED) or booking_repository.status_in_use(session, status.id),
        )
        for status in statuses
    ]
    edges = [(codes[t.from_status_id], codes[t.to_status_id]) for t in booking_repository.transitions(session)]
    check_not_stranding(nodes, edges, field)


def _check_permission_name(name: str) -> None:
    if name not in Permission.__members__:
        raise InvalidInput(
            f"Unknown permission {name[:60]!r}.",
            details=[{"field": "permission", "message": "unknown permission"}],
        )


def _status(session: Session, status_id: int, *, for_update: bool = False) -> BookingStatus:
    status = booking_repository.status_by_id(session, status_id, for_update=for_update)
    if status is None:
        raise NotFound("No such booking status.")
    return status


def _status_by_code(session: Session, code: str, field: str) -> BookingStatus:
    status = booking_repository.status_by_code(session, code)
    if status is None:
        raise InvalidInput(f"No booking status {code[:40]!r}.", details=[{"field": field, "message": "unknown status"}])
    return status


def _transition(session: Session, transition_id: int) -> BookingStatusTransition:
    transition = booking_repository.transition_by_id(session, transition_id)
    if transition is None:
        raise NotFound("No such transition.")
    return transition
