"""The pure hardblock rules: amendments (overlay, release, guarantee, cancel, revert) and the planner."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.hardblocks import (
    Amendment,
    AmendmentKind,
    BlockGuarantee,
    BlockNight,
    BlockState,
    BlockStatus,
    amend,
    plan_block_change,
)
from chalicelib.domain.inventory import InventoryCell
from chalicelib.domain.nights import NightRange

NIGHT = date(2026, 6, 1)
NEXT = NIGHT + timedelta(days=1)
RATE = Decimal(100)


def cell(night: date, room_type_id: int = 3, *, total: int = 5, sold: int = 0, blocked: int = 0) -> InventoryCell:
    return InventoryCell(room_type_id, night, total=total, sold=sold, blocked=blocked, version=4)


def block(guarantee: BlockGuarantee = BlockGuarantee.DEFINITE, rooms: int = 2) -> BlockState:
    return BlockState(
        guarantee, BlockStatus.ACTIVE, {(3, NIGHT): BlockNight(rooms, RATE), (3, NEXT): BlockNight(rooms, RATE)}
    )


def test_an_overlay_changes_only_its_sub_range_and_room_types_and_adds_nights_given_rooms_and_rate() -> None:
    state = block()
    one_night = Amendment(AmendmentKind.OVERLAY, NightRange.single(NEXT), frozenset({3, 4}), rooms=4, rate=Decimal(90))
    after = amend(state, one_night)
    assert after.nights == {
        (3, NIGHT): BlockNight(2, RATE),
        (3, NEXT): BlockNight(4, Decimal(90)),
        (4, NEXT): BlockNight(4, Decimal(90)),
    }
    with pytest.raises(InvalidInput) as missing:
        amend(state, Amendment(AmendmentKind.OVERLAY, NightRange.single(NEXT), frozenset({4}), rooms=1))
    assert missing.value.details == [{"field": "body.rate", "message": missing.value.details[0]["message"]}]
    rate_only = amend(state, Amendment(AmendmentKind.OVERLAY, rate=Decimal(80)))
    assert {night.rate for night in rate_only.nights.values()} == {Decimal(80)}


def test_releasing_gives_rooms_back_per_night_and_releasing_all_ends_the_block() -> None:
    part = amend(block(), Amendment(AmendmentKind.RELEASE, NightRange.single(NIGHT), rooms=1))
    assert part.nights[(3, NIGHT)] == BlockNight(1, RATE, released=1) and part.status is BlockStatus.ACTIVE
    whole = amend(part, Amendment(AmendmentKind.RELEASE))
    assert whole.status is BlockStatus.RELEASED
    assert whole.nights == {(3, NIGHT): BlockNight(0, RATE, 2), (3, NEXT): BlockNight(0, RATE, 2)}
    with pytest.raises(InvalidInput) as closed:
        amend(whole, Amendment(AmendmentKind.OVERLAY, rooms=1))
    assert closed.value.details[0]["field"] == "status"
    assert amend(whole, Amendment(AmendmentKind.REVERT, to_version=1), target=block()) == block()


def test_only_a_definite_active_block_withholds() -> None:
    assert block().withheld() == {(3, NIGHT): 2, (3, NEXT): 2}
    assert block(BlockGuarantee.TENTATIVE).withheld() == {}
    assert amend(block(), Amendment(AmendmentKind.CANCEL)).withheld() == {}
    assert BlockState.from_snapshot(block().snapshot()) == block()


def test_the_plan_moves_blocked_by_the_withholding_change_and_names_every_short_cell() -> None:
    cells = {(3, NIGHT): cell(NIGHT, sold=2), (3, NEXT): cell(NEXT, sold=3)}
    plan = plan_block_change(block(BlockGuarantee.TENTATIVE), block(), cells)
    assert [(s.night, s.requested, s.available) for s in plan.shortages] == []
    assert {key: c.blocked for key, c in plan.cells_after.items()} == {(3, NIGHT): 2, (3, NEXT): 2}
    assert [(row.pool_before, row.pool_after, row.pool_delta) for row in plan.diff] == [(3, 1, -2), (2, 0, -2)]

    short = plan_block_change(block(BlockGuarantee.TENTATIVE), block(rooms=3), cells)
    assert [(s.night, s.requested, s.available) for s in short.shortages] == [(NEXT, 3, 2)]
    beyond = plan_block_change(block(BlockGuarantee.TENTATIVE), block(), {(3, NIGHT): cell(NIGHT)})
    assert [(s.night, s.missing) for s in beyond.shortages] == [(NEXT, True)]


def test_giving_rooms_back_never_fails_and_a_rate_change_touches_no_cell() -> None:
    cells = {(3, NIGHT): cell(NIGHT, sold=3, blocked=2), (3, NEXT): cell(NEXT, sold=3, blocked=2)}
    plan = plan_block_change(block(), amend(block(), Amendment(AmendmentKind.CANCEL)), cells)
    assert plan.shortages == () and {key: c.blocked for key, c in plan.cells_after.items()} == {
        (3, NIGHT): 0,
        (3, NEXT): 0,
    }
    repriced = plan_block_change(block(), amend(block(), Amendment(AmendmentKind.OVERLAY, rate=Decimal(1))), cells)
    assert repriced.cells_after == {} and [row.delta for row in repriced.diff] == [0, 0]
    assert plan_block_change(block(), block(), cells).changed is False


def test_picked_up_rooms_are_neither_withheld_nor_released_nor_amended_away_nor_reverted_away() -> None:
    state = BlockState(BlockGuarantee.DEFINITE, BlockStatus.ACTIVE, {(3, NIGHT): BlockNight(3, RATE, picked_up=2)})
    assert state.withheld() == {(3, NIGHT): 1}
    released = amend(state, Amendment(AmendmentKind.RELEASE))
    assert released.nights[(3, NIGHT)] == BlockNight(2, RATE, released=1, picked_up=2)
    assert released.status is BlockStatus.RELEASED and released.withheld() == {}
    with pytest.raises(InvalidInput) as below:
        amend(state, Amendment(AmendmentKind.OVERLAY, rooms=1))
    assert below.value.details[0]["field"] == "body.rooms"
    version_one = BlockState(BlockGuarantee.DEFINITE, BlockStatus.ACTIVE, {(3, NIGHT): BlockNight(5, RATE)})
    reverted = amend(state, Amendment(AmendmentKind.REVERT, to_version=1), target=version_one)
    assert reverted.nights[(3, NIGHT)] == BlockNight(5, RATE, picked_up=2)
    too_small = BlockState(BlockGuarantee.DEFINITE, BlockStatus.ACTIVE, {(3, NIGHT): BlockNight(1, RATE)})
    with pytest.raises(InvalidInput) as stranded:
        amend(state, Amendment(AmendmentKind.REVERT, to_version=1), target=too_small)
    assert stranded.value.details[0]["field"] == "body.to_version"
    assert BlockState.from_snapshot(state.snapshot()) == state
