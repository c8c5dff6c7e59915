"""The one writer of booking plans, and the snapshots planners read.

:func:`persist_plan` writes a :class:`~chalicelib.domain.booking_plans.BookingPlan` in the
caller's transaction: the group (created or updated), its lines and their nights, lines moved
to another status, timeline events, the calendar counters that changed with their ARI outbox
rows (relayed after the commit), the audit row, and a live ``booking.created`` for a new group.
Direct and partner bookings, status transitions, hold expiry and OTA revisions all write through it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session, make_transient_to_detached

from chalicelib.db.models import BookingEvent, BookingGroup, BookingLine, BookingStatus
from chalicelib.db.repositories import booking_inserts, inventory_cells
from chalicelib.db.repositories import bookings as booking_repository
from chalicelib.db.repositories import calendar as calendar_repository
from chalicelib.db.repositories.bookings import StatusRow
from chalicelib.domain.access import Caller
from chalicelib.domain.ari_changes import ari_changes
from chalicelib.domain.booking_plans import (
    Actor,
    BookingPlan,
    EventPlan,
    GroupSnapshot,
    GroupValues,
    LineSnapshot,
    LineValues,
    LineWrite,
    StatusFacts,
)
from chalicelib.domain.bookings import ActorSource, BookingSource, CellKey, InventoryEffect
from chalicelib.domain.inventory import InventoryCell, InventoryCellChange, pair_changes
from chalicelib.services import ari_relay, live_events, outbox_service
from chalicelib.services.audit_service import AuditActor, audit_entry, record_audit

RowT = TypeVar("RowT", BookingGroup, BookingLine, BookingEvent)
_GROUP_FIELDS = tuple(field.name for field in fields(GroupValues))
_LINE_FIELDS = tuple(field.name for field in fields(LineValues))


@dataclass(frozen=True)
class PersistedBooking:
    """The rows a plan wrote (the group, the lines it wrote, its events), for the answer to build on."""

    group: BookingGroup
    lines: list[BookingLine]
    events: list[BookingEvent]


# --- snapshots ------------------------------------------------------------------------------------


def status_facts(status: BookingStatus | StatusRow) -> StatusFacts:
    return StatusFacts(status.id, status.code, InventoryEffect(status.inventory_effect))


def snapshot_group(group: BookingGroup, status: BookingStatus) -> GroupSnapshot:
    values = {name: getattr(group, name) for name in _GROUP_FIELDS}
    values["source"] = BookingSource(values["source"])
    return GroupSnapshot(group.id, GroupValues(**values), status_facts(status))


def snapshot_lines(lines: Iterable[BookingLine]) -> list[LineSnapshot]:
    return [LineSnapshot(line.id, LineValues(**{name: getattr(line, name) for name in _LINE_FIELDS})) for line in lines]


# --- writing ----------------------------------------------------------------------------------------


def persist_plan(session: Session, plan: BookingPlan, *, commit: bool = False) -> PersistedBooking:
    """Write ``plan`` in ``session``'s transaction (see the module's docstring).

    ``commit``: nothing follows in the transaction, so a new group's one statement may carry the
    COMMIT in the same round trip (the caller's commit then sends nothing); other plans commit with
    the caller's transaction as always.
    """
    if _creates_group_only(plan):
        return _create_group(session, plan, commit=commit)
    group = _write_group(session, plan)
    if plan.group_id is None:
        live_events.booking_created(session, group.id, group.property_id, group.country_code)
    lines = _write_lines(session, group.id, plan.lines, plan.moment)
    for restatus in plan.restatus:
        if restatus.effect is not None:
            booking_repository.set_night_effect(session, restatus.line_ids, restatus.effect)
        for line_id in restatus.line_ids:
            line = session.get(BookingLine, line_id)
            assert line is not None, "a line of the plan's group"
            line.status_id = restatus.status_id
            line.updated_at = plan.moment
    events = [add_event(session, group.id, plan.actor, event, plan.moment) for event in plan.events]
    write_cells(session, group.property_id, plan.cells_before, plan.cells_after, cause_ota=plan.cause_ota)
    record_audit(
        session,
        audit_actor(plan.actor),
        plan.audit.action,
        "booking",
        group.id,
        plan.audit.before,
        plan.audit.after,
        country_code=group.country_code,
    )
    return PersistedBooking(group, lines, events)


# --- a new group: one statement ---------------------------------------------------------------------


def _creates_group_only(plan: BookingPlan) -> bool:
    """A new group whose lines are all new, each at its own position (every new booking's plan)."""
    positions = {write.values.position for write in plan.lines}
    return (
        plan.group_id is None
        and not plan.restatus
        and all(write.line_id is None for write in plan.lines)
        and len(positions) == len(plan.lines)
    )


def _create_group(session: Session, plan: BookingPlan, *, commit: bool) -> PersistedBooking:
    """The group, its lines, nights, events, audit row and live row, the counters and their ARI
    outbox rows, in one statement (``booking_inserts``).

    The rows come back as ORM objects already in the session (persistent, no query): callers read
    them as they read flushed rows, and a change made to them later in the transaction is flushed.
    """
    moment, values = plan.moment, {name: getattr(plan.group, name) for name in _GROUP_FIELDS}
    stamps = {"created_at": moment, "updated_at": moment}
    writes = sorted(plan.lines, key=lambda write: write.values.position)
    lines = [{name: getattr(write.values, name) for name in _LINE_FIELDS} for write in writes]
    events = [_event_values(plan.actor, event, moment) for event in plan.events]
    counters, ari = _counters_and_ari(plan)
    entry = dict(  # shallow: the values are encoded to JSON at once (dataclasses.asdict copies them deeply)
        vars(
            audit_entry(
                audit_actor(plan.actor),
                plan.audit.action,
                "booking",
                "",  # the group's id, set by the statement
                plan.audit.before,
                plan.audit.after,
                country_code=plan.group.country_code,
            )
        )
    )
    del entry["entity_id"]
    inserted = booking_inserts.insert_group(
        session,
        {**values, **stamps},
        [{**line, **stamps} for line in lines],
        [_night(write, night) for write in writes for night in write.values.stay],
        events,
        entry,
        live_events.booking_created_message(plan.group.property_id, plan.group.country_code),
        counters,
        ari,
        commit=commit,
    )
    outbox_service.relay_after_commit(session, inserted.live_message_id)
    if ari:
        ari_relay.relay_after_commit(session, plan.group.property_id, inserted.ari_ids)
    group = _as_written(session, BookingGroup, {"id": inserted.group_id, **values, **stamps})
    line_rows = [
        _as_written(session, BookingLine, {"id": line_id, "group_id": group.id, **line, **stamps})
        for line_id, line in zip(inserted.line_ids, lines, strict=True)
    ]
    event_rows = [
        _as_written(session, BookingEvent, {"id": event_id, "group_id": group.id, **event})
        for event_id, event in zip(inserted.event_ids, events, strict=True)
    ]
    return PersistedBooking(group, line_rows, event_rows)


def _as_written(session: Session, model: type[RowT], values: dict[str, Any]) -> RowT:
    """A ``model`` row holding ``values`` (the columns just written), in ``session`` as if loaded
    (persistent, no query). Built without the constructor, whose per-attribute change events record
    a history that ``make_transient_to_detached`` discards at once (the same attributes are set)."""
    row: RowT = model.__mapper__.class_manager.new_instance()
    row.__dict__.update(values)
    make_transient_to_detached(row)
    session.add(row)
    return row


def _counters_and_ari(plan: BookingPlan) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """What :func:`write_cells` writes for ``plan``, as rows: the changed cells' counters and their ARI rows
    (relayed after the commit)."""
    changes = pair_changes(plan.cells_before.values(), plan.cells_after.values())
    counters = [
        {name: getattr(change.after, name) for name in booking_inserts.COUNTER_COLUMNS}
        for change in changes
        if change.before is not None
    ]
    property_id = plan.group.property_id
    ari = [
        {
            "property_id": property_id,
            "room_type_id": record.room_type_id,
            "rate_plan_id": record.rate_plan_id,
            "night": record.night,
            "version": record.version,
            "payload": calendar_repository.outbox_payload(record, plan.cause_ota),
        }
        for record in ari_changes(changes)
    ]
    return counters, ari


def _night(write: LineWrite, night: date) -> dict[str, Any]:
    line = write.values
    return {
        "position": line.position,
        "night": night,
        "room_type_id": line.room_type_id,
        "rooms": line.rooms,
        "effect": write.effect,
        "amount": write.nightly.get(night),
    }


def _write_group(session: Session, plan: BookingPlan) -> BookingGroup:
    values = {name: getattr(plan.group, name) for name in _GROUP_FIELDS}
    if plan.group_id is None:
        group = BookingGroup(**values, created_at=plan.moment, updated_at=plan.moment)
        session.add(group)
        session.flush()
        return group
    existing = session.get(BookingGroup, plan.group_id)
    assert existing is not None, "the planned group was loaded under its lock"
    for name, value in values.items():
        if getattr(existing, name) != value:
            setattr(existing, name, value)
    existing.updated_at = plan.moment
    return existing


def _write_lines(session: Session, group_id: int, writes: Sequence[LineWrite], moment: datetime) -> list[BookingLine]:
    if not writes:
        return []
    rows = []
    for write in writes:
        values = {name: getattr(write.values, name) for name in _LINE_FIELDS}
        if write.line_id is None:
            row = BookingLine(group_id=group_id, **values, created_at=moment, updated_at=moment)
            session.add(row)
        else:
            found = session.get(BookingLine, write.line_id)
            assert found is not None, "a line of the plan's group"
            row = found
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = moment
        rows.append(row)
    session.flush()
    rewritten = [write.line_id for write in writes if write.line_id is not None]
    if rewritten:
        booking_repository.delete_nights(session, rewritten)
    booking_repository.insert_nights(
        session,
        [
            {
                "line_id": row.id,
                "night": night,
                "room_type_id": row.room_type_id,
                "rooms": row.rooms,
                "effect": write.effect,
                "amount": write.nightly.get(night),
            }
            for row, write in zip(rows, writes, strict=True)
            for night in write.values.stay
        ],
    )
    return rows


def add_event(session: Session, group_id: int, actor: Actor, event: EventPlan, moment: datetime) -> BookingEvent:
    """Add one timeline event by ``actor`` at ``moment`` (flushed: its id orders the timeline)."""
    row = BookingEvent(group_id=group_id, **_event_values(actor, event, moment))
    session.add(row)
    session.flush()
    return row


def _event_values(actor: Actor, event: EventPlan, moment: datetime) -> dict[str, Any]:
    return {
        "kind": event.kind,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "before": dict(event.before) if event.before is not None else None,
        "after": dict(event.after) if event.after is not None else None,
        "reason": event.reason,
        "source": actor.source,
        "actor_user_id": actor.user_id,
        "actor_label": actor.label,
        "ota_revision": event.ota_revision,
        "occurred_at": moment,
    }


def audit_actor(actor: Actor) -> Caller | AuditActor | None:
    """The audit row's actor: the API caller, the OTA by its label, or (None) the system."""
    if actor.caller is not None:
        return actor.caller
    if actor.source is ActorSource.OTA:
        return AuditActor(user_id=None, email=actor.label)
    return None


def write_cells(
    session: Session,
    property_id: int,
    before: Mapping[CellKey, InventoryCell],
    after: Mapping[CellKey, InventoryCell],
    *,
    cause_ota: str | None = None,
) -> tuple[InventoryCellChange, ...]:
    """Write the counters that changed and their ARI change rows, in the caller's transaction.

    ``cause_ota``: the OTA whose own reservation this is (its push skips what it applied itself).
    """
    changes = pair_changes(before.values(), after.values())
    if not changes:
        return changes
    inventory_cells.save_counters(session, changes)
    if calendar_repository.add_ari_changes(session, property_id, ari_changes(changes), cause_ota=cause_ota):
        ari_relay.relay_after_commit(session, property_id)
    return changes
