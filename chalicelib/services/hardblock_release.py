"""Hardblock release: at the cut-off by housekeeping, and bulk release / extend, all or nothing.

:func:`release_due_blocks` (the minutely housekeeping task) finds the active blocks whose release
date has come in their property's local time (the whole block at its cut-off, or night by night
for a rolling block: :mod:`chalicelib.domain.hardblock_release`) and releases each in its own
transaction, through the amendment path (:func:`hardblock_service.apply_change`): a RELEASE
version audited as ``hardblock.auto_released`` by the system, the calendar's ``blocked`` and its
ARI outbox rows. Each block is claimed with ``FOR UPDATE SKIP LOCKED``: two overlapping runs never
release one block twice (the second skips it, or finds nothing left to release), and a block a
user is amending waits for the next run. Runs walk the due blocks in batches by ascending id, at
most ``most`` blocks a run.

:func:`bulk_release` and :func:`bulk_extend` change several blocks (ids, or every active block of
an agency) in ONE transaction: the blocks' rows and the room types of their properties are locked
first (ascending ids), then each block goes through the same planner as a single amendment; the
first refusal (a block not active, a night short of rooms, a bad cut-off) names the block and its
cells, and nothing is written. Each block is planned against the calendar as the blocks before it
left it (read once), so the preview (``apply=False``: the same plans, nothing written) shows what a
block sees after the others; the calendar is written once per property at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller
from chalicelib.domain.catalog import PropertyRecord
from chalicelib.domain.errors import DomainError
from chalicelib.domain.hardblock_release import BlockSelection, Extension, due_release, for_block
from chalicelib.domain.hardblocks import Amendment, BlockKey, BlockPlan, BlockRecord
from chalicelib.domain.inventory import InventoryCell
from chalicelib.domain.timezones import today_in_timezone
from chalicelib.services.allotment_service import Clock
from chalicelib.services.hardblock_service import apply_change, plan_change
from chalicelib.services.ports import UnitOfWork, UnitOfWorkFactory
from chalicelib.services.property_service import property_of, utc_now

RELEASE_BATCH = 100
MAX_RELEASES_PER_RUN = 2000

BlockOutcome = tuple[BlockRecord, BlockPlan]
Change = Callable[[BlockRecord], tuple[Amendment | None, dict[str, Any]]]


def release_due_blocks(
    *,
    uow: UnitOfWorkFactory = unit_of_work,
    clock: Clock = utc_now,
    batch: int = RELEASE_BATCH,
    most: int = MAX_RELEASES_PER_RUN,
) -> dict[str, int]:
    """Housekeeping: release what is due at ``clock()``; counts released / skipped (claimed by another
    run or a user) / unchanged (nothing left to release under the lock)."""
    now = clock()
    counts = {"released": 0, "skipped": 0, "unchanged": 0}
    after = seen = 0
    while seen < most:
        limit = min(batch, most - seen)
        with uow() as work:
            block_ids = work.hardblocks.due_for_release(now, after=after, limit=limit)
        for block_id in block_ids:
            counts[_release_one(block_id, now, uow)] += 1
        if len(block_ids) < limit:
            break
        after, seen = block_ids[-1], seen + len(block_ids)
    return counts


def _release_one(block_id: int, now: datetime, uow: UnitOfWorkFactory) -> str:
    with uow() as work:
        block = work.hardblocks.claim(block_id)
        if block is None:
            return "skipped"
        prop = property_of(work, block)
        amendment = due_release(block, today_in_timezone(now, prop.timezone))
        if amendment is None:
            return "unchanged"
        _, plan = apply_change(work, None, block, prop, amendment, lambda: now, action="hardblock.auto_released")
        return "released" if plan.changed else "unchanged"


def bulk_release(
    caller: Caller,
    selection: BlockSelection,
    amendment: Amendment,
    *,
    apply: bool,
    uow: UnitOfWorkFactory = unit_of_work,
    clock: Clock = utc_now,
) -> list[BlockOutcome]:
    """Release (a RELEASE ``amendment``: all, part, a sub-range) every selected block, or none."""
    return _bulk(caller, selection, lambda _block: (amendment, {}), apply=apply, uow=uow, clock=clock)


def bulk_extend(
    caller: Caller,
    selection: BlockSelection,
    extension: Extension,
    *,
    apply: bool,
    uow: UnitOfWorkFactory = unit_of_work,
    clock: Clock = utc_now,
) -> list[BlockOutcome]:
    """Move every selected block's cut-off and/or overlay nights on it (added or set), or none."""
    terms = {} if extension.cut_off_date is None else {"cut_off_date": extension.cut_off_date}
    return _bulk(caller, selection, lambda _block: (extension.overlay, terms), apply=apply, uow=uow, clock=clock)


def _bulk(
    caller: Caller, selection: BlockSelection, change: Change, *, apply: bool, uow: UnitOfWorkFactory, clock: Clock
) -> list[BlockOutcome]:
    """Plan the blocks one after the other against the calendar as the blocks before left it (one read),
    write each block, then the calendar once per property (its counters and ARI outbox rows)."""
    with uow() as work:
        blocks = work.hardblocks.selected(caller.scope, selection.block_ids, selection.agency_id, for_update=apply)
        selection.missing({block.id for block in blocks})
        properties = {block.property_id: property_of(work, block) for block in blocks}
        changes = {block.id: change(block) for block in blocks}
        room_types = _room_types(work, properties.values())
        if apply:
            work.room_types.lock(sorted(room_types))
        cells = _cells(work, blocks, changes, sorted(room_types))
        originals: dict[BlockKey, InventoryCell] = {}
        outcomes = []
        for block in blocks:
            (amendment, terms), prop = changes[block.id], properties[block.property_id]
            try:
                if apply:
                    outcome = apply_change(
                        work, caller, block, prop, amendment, clock, terms=terms, locked=True, cells=cells
                    )
                else:
                    outcome = (block, plan_change(work, block, prop, amendment, clock, terms, cells)[0])
            except DomainError as error:
                raise for_block(error, block.id, selection.field_of(block.id)) from error
            for key, before in outcome[1].cells_before.items():
                originals.setdefault(key, before)
            cells.update(outcome[1].cells_after)
            outcomes.append(outcome)
        if apply:
            for property_id in properties:
                keys = [key for key in originals if room_types[key[0]] == property_id]
                work.allotment_calendar.write_counters(
                    property_id, {key: originals[key] for key in keys}, {key: cells[key] for key in keys}
                )
        return outcomes


def _room_types(work: UnitOfWork, properties: Iterable[PropertyRecord]) -> dict[int, int]:
    """Room type id → property id, of every room type of ``properties``."""
    return {
        room_type.id: prop.id
        for prop in properties
        for room_type in work.room_types.of_property(prop.id, prop.currency)
    }


def _cells(
    work: UnitOfWork,
    blocks: list[BlockRecord],
    changes: dict[int, tuple[Amendment | None, dict[str, Any]]],
    room_type_ids: list[int],
) -> dict[BlockKey, InventoryCell]:
    """The calendar cells every block's change may touch: its nights and the amendment's."""
    nights = [row.night for block in blocks for row in block.nights]
    for amendment, _terms in changes.values():
        if amendment is not None and amendment.nights is not None:
            nights += [amendment.nights.first_night, amendment.nights.last_night]
    if not nights:
        return {}
    return dict(work.allotment_calendar.inventory_cells(room_type_ids, min(nights), max(nights)))
