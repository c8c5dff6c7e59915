"""The pure pick-up rules: taking a block's free rooms, giving them back, the counter moves; rooming lists; views."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from chalicelib.domain.bookings import apply_moves
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.hardblock_pickup import (
    BlockExhausted,
    BlockNotOpen,
    demand_of,
    give_back,
    returns_to_block,
    take,
    withholding_moves,
)
from chalicelib.domain.hardblock_views import agency_pick_up, block_pick_up, cutting_off, grid_cells
from chalicelib.domain.hardblocks import BlockGuarantee, BlockNight, BlockNightRow, BlockRecord, BlockState, BlockStatus
from chalicelib.domain.inventory import CounterChange, InventoryCell
from chalicelib.domain.nights import NightRange
from chalicelib.domain.rooming_lists import parse_rooming_list

NIGHT = date(2026, 6, 1)
NEXT = NIGHT + timedelta(days=1)
RATE = Decimal(100)


def block(rooms: int = 2, guarantee: BlockGuarantee = BlockGuarantee.DEFINITE) -> BlockState:
    return BlockState(
        guarantee, BlockStatus.ACTIVE, {(3, NIGHT): BlockNight(rooms, RATE), (3, NEXT): BlockNight(rooms, RATE)}
    )


def two_nights(rooms: int = 1) -> dict[tuple[int, date], int]:
    return demand_of([(3, NightRange(NIGHT, NEXT + timedelta(days=1)), rooms)])


def test_taking_rooms_moves_them_from_blocked_to_sold_and_the_pool_does_not_move() -> None:
    before = block()
    after = take(before, two_nights())
    assert [night.picked_up for night in after.nights.values()] == [1, 1]
    assert after.withheld() == {(3, NIGHT): 1, (3, NEXT): 1}
    moves = withholding_moves(before, after)
    assert [(m.nights, m.rooms, m.change) for m in moves] == [
        ((NIGHT,), 1, CounterChange.UNBLOCK),
        ((NEXT,), 1, CounterChange.UNBLOCK),
    ]
    cells = {(3, night): InventoryCell(3, night, total=5, blocked=2) for night in (NIGHT, NEXT)}
    sells = (replace(moves[0], nights=(NIGHT, NEXT), change=CounterChange.SELL),)
    moved = apply_moves(cells, moves + sells)
    assert [(c.sold, c.blocked, c.available) for c in moved.values()] == [(1, 1, 3), (1, 1, 3)]
    assert [c.available for c in cells.values()] == [3, 3]


def test_a_block_short_of_rooms_or_not_open_refuses_naming_every_night() -> None:
    state = take(block(), demand_of([(3, NightRange.single(NIGHT), 2)]))
    with pytest.raises(BlockExhausted) as refused:
        take(state, demand_of([(3, NightRange(NIGHT, NEXT + timedelta(days=2)), 1)]))
    assert [(d["night"], d["free"]) for d in refused.value.details] == [
        (NIGHT.isoformat(), 0),
        ((NEXT + timedelta(days=1)).isoformat(), 0),  # not a night of the block
    ]
    with pytest.raises(BlockNotOpen):
        take(block(guarantee=BlockGuarantee.TENTATIVE), two_nights())
    with pytest.raises(BlockNotOpen):
        take(replace(block(), status=BlockStatus.CANCELLED), two_nights())


def test_rooms_come_back_to_the_block_before_the_cut_off_and_to_the_pool_after() -> None:
    picked = take(block(), two_nights())
    to_block = give_back(picked, two_nights(), to_block=lambda night: True)
    assert to_block == block()
    assert [(m.rooms, m.change) for m in withholding_moves(picked, to_block)] == [(1, CounterChange.BLOCK)] * 2
    to_pool = give_back(picked, two_nights(), to_block=lambda night: False)
    assert list(to_pool.nights.values()) == [BlockNight(1, RATE, 1, 0), BlockNight(1, RATE, 1, 0)]
    assert withholding_moves(picked, to_pool) == ()  # the block withholds what it did; the sale's cancel frees a room
    cut_off = returns_to_block(picked, lambda night: NEXT, NIGHT)
    assert cut_off(NIGHT) and cut_off(NEXT)
    assert not returns_to_block(picked, lambda night: NIGHT, NIGHT)(NEXT)
    assert not returns_to_block(replace(picked, status=BlockStatus.CANCELLED), lambda night: NEXT, NIGHT)(NIGHT)
    rolling = returns_to_block(picked, lambda night: night - timedelta(days=1), NIGHT - timedelta(days=1))
    assert not rolling(NIGHT) and rolling(NEXT)
    mixed = give_back(picked, two_nights(), to_block=rolling)
    assert mixed.nights[(3, NIGHT)] == BlockNight(1, RATE, 1, 0) and mixed.nights[(3, NEXT)] == BlockNight(
        2, RATE, 0, 0
    )


HEADER = "guest_name,room_type,check_in,check_out,rooms,guest_email"


def test_a_rooming_list_names_every_bad_line_and_column() -> None:
    lines = parse_rooming_list(
        f"{HEADER}\nAn,DLX,2030-01-01,2030-01-03,2,an@example.com\n\nBinh,7,2030-01-02,2030-01-03,,\n"
    )
    assert [(line.line, line.guest_name, line.room_type, line.rooms) for line in lines] == [
        (2, "An", "DLX", 2),
        (4, "Binh", "7", 1),
    ]
    with pytest.raises(InvalidInput) as refused:
        parse_rooming_list(f"{HEADER}\nAn,DLX,2030-01-01,soon,x,an\n,DLX,2030-01-02,2030-01-01,1,\nC,D\n")
    assert [(d["line"], d["field"]) for d in refused.value.details] == [
        (2, "guest_email"),
        (2, "check_out"),
        (2, "rooms"),
        (3, "guest_name"),
        (3, "check_out"),
        (4, "line"),
    ]
    with pytest.raises(InvalidInput) as no_lines:
        parse_rooming_list(HEADER)
    assert no_lines.value.details[0]["line"] == 2


def record(status: BlockStatus = BlockStatus.ACTIVE, agency_id: int | None = 7, block_id: int = 1) -> BlockRecord:
    moment = datetime(2026, 5, 1, tzinfo=UTC)
    nights = (BlockNightRow(3, NIGHT, 4, RATE, 1, 3), BlockNightRow(3, NEXT, 4, RATE, 0, 1))
    return BlockRecord(
        block_id, 9, "VN", agency_id, "", "VND", BlockGuarantee.DEFINITE, status, NIGHT, 3, "", moment, moment, nights
    )


def test_the_grid_the_pick_up_report_and_the_cut_off_list() -> None:
    cells = grid_cells([record()], NEXT, NEXT)
    assert [(c.night, c.blocked, c.picked_up, c.available) for c in cells] == [(NEXT, 4, 1, 3)]
    assert grid_cells([record(BlockStatus.CANCELLED)], NIGHT, NEXT)[0].available == 0
    active = block_pick_up(record())
    assert (active.held, active.picked_up, active.washed, active.available) == (9, 4, 1, 4)
    assert (active.pick_up_percent, active.wash_percent) == (Decimal("44.4"), Decimal("11.1"))
    cancelled = block_pick_up(record(BlockStatus.CANCELLED, block_id=2))
    assert (cancelled.washed, cancelled.available) == (5, 0)
    group = block_pick_up(record(agency_id=None, block_id=3))
    totals = agency_pick_up([active, cancelled, group])
    assert [(a.agency_id, a.blocks, a.held, a.picked_up, a.washed) for a in totals] == [
        (7, 2, 18, 8, 6),
        (None, 1, 9, 4, 1),
    ]
    soon = cutting_off(record(), NIGHT - timedelta(days=7), 7)
    assert soon is not None and (soon.days_left, soon.free_rooms, soon.picked_up) == (7, 4, 4)
    assert cutting_off(record(), NIGHT - timedelta(days=8), 7) is None
    assert cutting_off(record(BlockStatus.RELEASED), NIGHT, 7) is None
