"""How the calendar's ``blocked`` follows the outstanding allotments (pure planner)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from chalicelib.domain.allotment_withholding import plan_withholding
from chalicelib.domain.inventory import InsufficientInventory, InventoryCell

NIGHT = date(2026, 6, 1)
NEXT = NIGHT + timedelta(days=1)


def cell(night: date, *, total: int = 5, sold: int = 0, blocked: int = 0, buffer: int = 0) -> InventoryCell:
    return InventoryCell(3, night, total=total, sold=sold, blocked=blocked, buffer=buffer, version=4)


def test_more_outstanding_blocks_rooms_and_less_gives_them_back() -> None:
    cells = {(3, NIGHT): cell(NIGHT, blocked=2), (3, NEXT): cell(NEXT, blocked=2)}
    plan = plan_withholding(cells, {(7, 3, NIGHT): 2, (7, 3, NEXT): 2}, {(7, 3, NIGHT): 3, (7, 3, NEXT): 0})

    assert {key: (c.blocked, c.version) for key, c in plan.cells_after.items()} == {
        (3, NIGHT): (3, 5),
        (3, NEXT): (0, 5),
    }
    assert plan.cells_before == cells
    assert plan.withheld == {(7, 3, NIGHT): 3, (7, 3, NEXT): 0}


def test_contracts_trading_rooms_on_a_night_leave_the_cell_alone() -> None:
    cells = {(3, NIGHT): cell(NIGHT, blocked=2)}
    plan = plan_withholding(cells, {(7, 3, NIGHT): 2}, {(7, 3, NIGHT): 0, (8, 3, NIGHT): 2})
    assert plan.cells_after == {}
    assert plan.withheld == {(7, 3, NIGHT): 0, (8, 3, NIGHT): 2}


def test_taking_rooms_that_are_not_free_is_refused_naming_every_short_night() -> None:
    cells = {(3, NIGHT): cell(NIGHT, sold=3, buffer=1), (3, NEXT): cell(NEXT, sold=5)}
    with pytest.raises(InsufficientInventory) as refused:
        plan_withholding(cells, {}, {(7, 3, NIGHT): 2, (7, 3, NEXT): 1})
    assert [(s.night, s.requested, s.available) for s in refused.value.shortages] == [(NIGHT, 2, 1), (NEXT, 1, 0)]


def test_giving_rooms_back_never_fails_even_on_an_overbooked_night() -> None:
    cells = {(3, NIGHT): cell(NIGHT, sold=6, blocked=2, total=5)}
    plan = plan_withholding(cells, {(7, 3, NIGHT): 2}, {})
    assert plan.cells_after[(3, NIGHT)].blocked == 0


def test_nights_beyond_the_calendar_wait_for_it() -> None:
    plan = plan_withholding({}, {}, {(7, 3, NIGHT): 2})
    assert (plan.cells_after, plan.withheld) == ({}, {})


def test_the_housekeeping_leaves_short_nights_for_later_and_applies_the_rest() -> None:
    cells = {(3, NIGHT): cell(NIGHT, sold=5), (3, NEXT): cell(NEXT, blocked=2)}
    plan = plan_withholding(cells, {(7, 3, NEXT): 2}, {(7, 3, NIGHT): 1, (7, 3, NEXT): 0}, strict=False)
    assert [(s.night, s.requested) for s in plan.shortages] == [(NIGHT, 1)]
    assert {key: c.blocked for key, c in plan.cells_after.items()} == {(3, NEXT): 0}
    assert plan.withheld == {(7, 3, NEXT): 0}  # the short night keeps what it withheld (nothing)
