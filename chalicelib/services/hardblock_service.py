"""Hardblocks: create, amend (previewed first), release, cancel and revert; versioned and audited.

Load → decide → persist: :func:`_decide` loads the block and the calendar cells of its nights and
calls the pure planner (:func:`chalicelib.domain.hardblocks.plan_block_change`); the preview
answers that plan, the apply writes exactly it under the room types' advisory locks (the booking
critical path's lock, ascending ids): the calendar's ``blocked`` moves by what the block withholds
(a definite block only) with its ARI outbox rows, the block's nights are replaced, a new version
stores the whole block and an audit row its before/after. A plan that would withhold rooms a
night does not have free is refused whole (409 naming every cell).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller
from chalicelib.domain.catalog import PropertyRecord
from chalicelib.domain.errors import InvalidInput, existing
from chalicelib.domain.hardblock_release import check_cut_off, check_release_days_before
from chalicelib.domain.hardblocks import (
    Amendment,
    AmendmentKind,
    BlockFilters,
    BlockGuarantee,
    BlockKey,
    BlockPlan,
    BlockRecord,
    BlockState,
    BlockStatus,
    amend,
    nights_span,
    plan_block_change,
)
from chalicelib.domain.inventory import InsufficientInventory, InventoryCell
from chalicelib.domain.timezones import today_in_timezone
from chalicelib.services.agency_service import find_agency
from chalicelib.services.allotment_service import Clock
from chalicelib.services.audit_service import audit_change, audit_entry
from chalicelib.services.ports import UnitOfWork, UnitOfWorkFactory
from chalicelib.services.property_service import find_property, property_of, utc_now

Cells = Mapping[BlockKey, InventoryCell]


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"{field}: {message}", details=[{"field": field, "message": message}])


def find_block(work: UnitOfWork, caller: Caller, block_id: int, *, for_update: bool = False) -> BlockRecord:
    return existing(work.hardblocks.get(caller.scope, block_id, for_update=for_update), "No such block.")


def _room_type_ids(work: UnitOfWork, prop: PropertyRecord) -> list[int]:
    return sorted(room_type.id for room_type in work.room_types.of_property(prop.id, prop.currency))


def _check_amendment(
    amendment: Amendment, room_type_ids: Sequence[int], today: date, prefix: str, room_types_field: str
) -> None:
    """Room types of the property only; nights given rooms or a rate from the property's today on."""
    unknown = sorted((amendment.room_type_ids or frozenset()) - set(room_type_ids))
    if unknown:
        raise _invalid(f"{prefix}{room_types_field}", f"room types {unknown} are not of the block's property")
    if amendment.kind is AmendmentKind.OVERLAY and amendment.nights and amendment.nights.first_night < today:
        raise _invalid(f"{prefix}date_from", f"nights before today ({today}) cannot change")


def _plan(
    work: UnitOfWork, prop: PropertyRecord, before: BlockState, after: BlockState, cells: Cells | None = None
) -> BlockPlan:
    """The plan against the calendar as stored, or as ``cells`` (a bulk change's, folded block by block)."""
    if cells is not None:
        return plan_block_change(before, after, cells)
    span = nights_span([before, after])
    cells = (
        {}
        if span is None
        else work.allotment_calendar.inventory_cells(
            sorted(before.room_type_ids() | after.room_type_ids()), span.first_night, span.last_night
        )
    )
    return plan_block_change(before, after, cells)


def _decide(
    work: UnitOfWork,
    block: BlockRecord,
    prop: PropertyRecord,
    amendment: Amendment,
    clock: Clock,
    cells: Cells | None = None,
) -> BlockPlan:
    """The plan of ``amendment`` on ``block``: the one code path of the preview and the apply."""
    room_type_ids = _room_type_ids(work, prop) if amendment.room_type_ids else []  # only to check those named
    _check_amendment(amendment, room_type_ids, today_in_timezone(clock(), prop.timezone), "body.", "room_type_ids")
    target = None
    if amendment.kind is AmendmentKind.REVERT:
        snapshots = dict(work.hardblocks.versions(block.id))
        if amendment.to_version not in snapshots:
            raise _invalid("body.to_version", f"the block has versions 1 to {block.version}")
        target = BlockState.from_snapshot(snapshots[amendment.to_version])
    return _plan(work, prop, block.state(), amend(block.state(), amendment, target=target), cells)


def _persist(
    work: UnitOfWork,
    caller: Caller | None,
    prop: PropertyRecord,
    block_id: int,
    plan: BlockPlan,
    changes: dict[str, Any],
    *,
    calendar: bool = True,
) -> BlockRecord:
    """Write ``plan`` (refused whole if any cell lacks the rooms): calendar + outbox (unless the caller
    writes them: ``calendar=False``), nights, a version."""
    if plan.shortages:
        raise InsufficientInventory(plan.shortages)
    if calendar:
        work.allotment_calendar.write_counters(prop.id, plan.cells_before, plan.cells_after)
    block = work.hardblocks.save(block_id, changes, plan.after)
    work.hardblocks.add_version(block, None if caller is None else caller.user_id)
    return block


def create_block(
    caller: Caller,
    fields: dict[str, Any],
    allocations: Sequence[Amendment],
    *,
    uow: UnitOfWorkFactory = unit_of_work,
    clock: Clock = utc_now,
) -> BlockRecord:
    """Create a block (version 1); a definite one withholds its rooms at once or is refused whole (409)."""
    if fields.get("agency_id") is None and not fields.get("group_name", "").strip():
        raise _invalid("body.group_name", "give an agency or a group name")
    if not allocations:
        raise _invalid("body.allocations", "give at least one allocation")
    check_release_days_before(fields.get("release_days_before"))
    with uow() as work:
        if fields.get("agency_id") is not None:
            find_agency(work, caller, fields["agency_id"])
        prop = find_property(work, caller, fields["property_id"])
        room_type_ids, today = _room_type_ids(work, prop), today_in_timezone(clock(), prop.timezone)
        empty = BlockState(BlockGuarantee(fields["guarantee"]))
        state = empty
        for index, allocation in enumerate(allocations):
            _check_amendment(allocation, room_type_ids, today, f"body.allocations.{index}.", "room_type_id")
            state = amend(state, allocation)
        first_night = min(night for _, night in state.nights) if state.nights else today
        if fields["cut_off_date"] > first_night:
            raise _invalid("body.cut_off_date", f"must be on or before the first night ({first_night})")
        work.room_types.lock(room_type_ids)
        block_id = work.hardblocks.add(
            {**fields, "country_code": prop.country_code, "currency": prop.currency, "status": BlockStatus.ACTIVE}
        )
        block = _persist(work, caller, prop, block_id, _plan(work, prop, empty, state), {})
        audit_change(work.audit, caller, "hardblock", block.id, None, block.snapshot(), country_code=prop.country_code)
        return block


def change_block(
    caller: Caller,
    block_id: int,
    amendment: Amendment,
    *,
    apply: bool,
    uow: UnitOfWorkFactory = unit_of_work,
    clock: Clock = utc_now,
) -> tuple[BlockRecord, BlockPlan]:
    """What ``amendment`` does to the block (diff grid, pool effect, refused cells), and the block.

    ``apply=False`` is the preview: nothing is written. ``apply=True`` takes the block's row and its
    room types' booking locks, plans again under them and writes exactly that plan (a new version,
    audited); a plan that changes nothing writes nothing. One path, so the preview is what apply does.
    """
    with uow() as work:
        block = find_block(work, caller, block_id, for_update=apply)
        prop = property_of(work, block)
        if apply:
            block, plan = apply_change(work, caller, block, prop, amendment, clock)
        else:
            plan = _decide(work, block, prop, amendment, clock)
        return block, replace(plan, channels=work.hardblocks.channels(prop.id))


def plan_change(
    work: UnitOfWork,
    block: BlockRecord,
    prop: PropertyRecord,
    amendment: Amendment | None,
    clock: Clock,
    terms: dict[str, Any] | None = None,
    cells: Cells | None = None,
) -> tuple[BlockPlan, dict[str, Any]]:
    """The plan of ``amendment`` (None: none) and, checked, the ``terms`` that really change: what a
    preview shows and what :func:`apply_change` writes (``cells``: against those, not the stored)."""
    state = block.state()
    no_change = plan_block_change(state, state, {})
    plan = no_change if amendment is None else _decide(work, block, prop, amendment, clock, cells)
    changed = {name: value for name, value in (terms or {}).items() if getattr(block, name) != value}
    if changed and block.status is not BlockStatus.ACTIVE:
        raise _invalid("status", f"the block is {block.status}: its terms no longer change")
    if "cut_off_date" in changed:
        check_cut_off(changed["cut_off_date"], plan.after, today_in_timezone(clock(), prop.timezone))
    return plan, changed


def apply_change(
    work: UnitOfWork,
    caller: Caller | None,
    block: BlockRecord,
    prop: PropertyRecord,
    amendment: Amendment | None,
    clock: Clock,
    *,
    terms: dict[str, Any] | None = None,
    action: str | None = None,
    locked: bool = False,
    cells: Cells | None = None,
) -> tuple[BlockRecord, BlockPlan]:
    """Apply ``amendment`` (None: none) and the new ``terms`` (cut-off, rolling release, notes) to
    ``block``, whose row the caller holds locked: takes its room types' booking locks, plans under
    them and writes exactly that plan (a new version, audited as ``action``, by default
    ``hardblock.<kind>``; ``caller`` None: the system; ``locked``: the caller holds the room types'
    locks already; ``cells``: plan against those and leave the calendar write to the caller, who folds
    the plans of several blocks into one). A change of nothing writes nothing."""
    if not locked:
        work.room_types.lock(_room_type_ids(work, prop))
    plan, terms = plan_change(work, block, prop, amendment, clock, terms, cells)
    if not plan.changed and not terms:
        return block, plan
    changes = {**terms, "version": block.version + 1}
    updated = _persist(work, caller, prop, block.id, plan, changes, calendar=cells is None)
    kind = "updated" if amendment is None else amendment.kind
    work.audit.add(
        audit_entry(
            caller,
            action or f"hardblock.{kind}",
            "hardblock",
            block.id,
            block.snapshot(),
            updated.snapshot(),
            country_code=block.country_code,
        )
    )
    return updated, plan


def cancel_block(caller: Caller, block_id: int, *, uow: UnitOfWorkFactory = unit_of_work) -> BlockRecord:
    """Cancel a block: it withholds nothing any more (its rooms go back to the pool); history stays."""
    return change_block(caller, block_id, Amendment(AmendmentKind.CANCEL), apply=True, uow=uow)[0]


def get_block(caller: Caller, block_id: int, *, uow: UnitOfWorkFactory = unit_of_work) -> BlockRecord:
    with uow() as work:
        return find_block(work, caller, block_id)


def list_blocks(
    caller: Caller, filters: BlockFilters, *, offset: int, limit: int, uow: UnitOfWorkFactory = unit_of_work
) -> tuple[list[BlockRecord], int]:
    with uow() as work:
        return work.hardblocks.page(caller.scope, filters, offset=offset, limit=limit)


def block_versions(
    caller: Caller, block_id: int, *, uow: UnitOfWorkFactory = unit_of_work
) -> list[tuple[int, dict[str, Any]]]:
    """Every version of the block, oldest first, as it was stored."""
    with uow() as work:
        return work.hardblocks.versions(find_block(work, caller, block_id).id)


def update_block(
    caller: Caller,
    block_id: int,
    changes: dict[str, Any],
    *,
    uow: UnitOfWorkFactory = unit_of_work,
    clock: Clock = utc_now,
) -> BlockRecord:
    """Edit an active block's terms (cut-off date, rolling release, notes): a new version, audited.

    A cut-off runs from the property's today to the block's first night; the next housekeeping
    run releases what the new terms make due."""
    check_release_days_before(changes.get("release_days_before"))
    with uow() as work:
        block = find_block(work, caller, block_id, for_update=True)
        return apply_change(work, caller, block, property_of(work, block), None, clock, terms=changes)[0]
