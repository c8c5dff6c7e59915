"""Inventory cells: the availability formula, counters, physical total, buffer, shortages."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from chalicelib.domain.errors import Conflict, InvalidInput
from chalicelib.domain.inventory import (
    CounterUnderflow,
    InsufficientInventory,
    InventoryCell,
    InventoryCellChange,
    StayRequest,
    TotalBelowCommitted,
    apply_buffer_setting,
    block,
    cancel_sale,
    change_total,
    confirm_hold,
    find_shortages,
    hold,
    index_by_night,
    missing_cells,
    new_cell,
    override_availability,
    pair_changes,
    release_hold,
    require_available,
    reset_availability,
    resolve_buffer,
    sell,
    unblock,
)
from chalicelib.domain.nights import NightRange
from tests.unit.calendar_strategies import TODAY

ROOM_TYPE = 7
D1, D2, D3 = TODAY, TODAY + timedelta(days=1), TODAY + timedelta(days=2)


def calendar(total: int = 5, buffer: int = 0, nights: int = 5, **fields: int) -> dict[date, InventoryCell]:
    return {
        TODAY + timedelta(days=i): InventoryCell(
            ROOM_TYPE, TODAY + timedelta(days=i), total=total, buffer=buffer, version=1, **fields
        )
        for i in range(nights)
    }


def updated(cells: dict[date, InventoryCell], changed: tuple[InventoryCell, ...]) -> dict[date, InventoryCell]:
    return {**cells, **{cell.night: cell for cell in changed}}


def test_available_is_total_minus_sold_held_blocked_and_buffer() -> None:
    cell = InventoryCell(ROOM_TYPE, D1, total=10, sold=3, held=2, blocked=1, buffer=1)
    assert cell.committed == 6
    assert cell.rooms_left == 4
    assert cell.available == 3


def test_the_buffer_only_withholds_free_rooms_and_never_makes_a_night_negative() -> None:
    assert InventoryCell(ROOM_TYPE, D1, total=10, sold=9, buffer=2).available == 0
    assert InventoryCell(ROOM_TYPE, D1, total=10, sold=10, buffer=2).available == 0
    overbooked = InventoryCell(ROOM_TYPE, D1, total=10, sold=12, buffer=2)
    assert overbooked.available == -2  # negative only from overbooking: the buffer adds nothing to it
    assert overbooked.overbooked_by == 2


def test_cells_refuse_negative_counters() -> None:
    with pytest.raises(ValueError, match="sold"):
        InventoryCell(ROOM_TYPE, D1, total=1, sold=-1)
    with pytest.raises(ValueError, match="lengths of stay"):
        InventoryCell(ROOM_TYPE, D1, total=1, min_los=0)


def test_last_room_cannot_be_sold_twice() -> None:
    cells = calendar(total=1)
    first = sell(cells, NightRange(D1, D3), 1)
    assert [cell.available for cell in first] == [0, 0]
    with pytest.raises(InsufficientInventory) as caught:
        sell(updated(cells, first), NightRange(D1, D3), 1)
    assert [s.night for s in caught.value.shortages] == [D1, D2]
    assert caught.value.details[0] == {
        "field": "rooms",
        "room_type_id": ROOM_TYPE,
        "night": D1.isoformat(),
        "requested": 1,
        "available": 0,
        "message": "1 requested, 0 available",
    }
    assert isinstance(caught.value, Conflict)  # the API answers 409


def test_a_refused_sale_names_only_the_short_nights_and_changes_nothing() -> None:
    cells = calendar(total=3)
    cells[D2] = InventoryCell(ROOM_TYPE, D2, total=3, sold=2, version=4)
    before = dict(cells)
    with pytest.raises(InsufficientInventory) as caught:
        sell(cells, NightRange(D1, D3 + timedelta(days=1)), 2)
    assert [s.night for s in caught.value.shortages] == [D2]
    assert D2.isoformat() in caught.value.message
    assert cells == before


def test_every_change_bumps_the_version_of_each_night_once() -> None:
    cells = calendar(total=5)
    sold = sell(cells, [D1, D2, D2], 2)  # a night listed twice is one night
    assert [(c.night, c.sold, c.version) for c in sold] == [(D1, 2, 2), (D2, 2, 2)]


def test_ota_sales_may_overbook_and_our_sales_may_not() -> None:
    cells = calendar(total=1)
    cells = updated(cells, sell(cells, [D1], 1))
    with pytest.raises(InsufficientInventory):
        sell(cells, [D1], 1)
    (overbooked,) = sell(cells, [D1], 1, allow_overbooking=True)
    assert overbooked.available == -1
    assert overbooked.sold == 2


def test_confirming_a_hold_turns_it_into_a_sale_without_changing_availability() -> None:
    cells = calendar(total=2)
    cells = updated(cells, hold(cells, [D1, D2], 1))
    assert cells[D1].held == 1 and cells[D1].available == 1
    confirmed = confirm_hold(cells, [D1, D2], 1)
    assert [(c.held, c.sold, c.available, c.version) for c in confirmed] == [(0, 1, 1, 3), (0, 1, 1, 3)]


def test_confirming_more_than_is_held_is_refused_naming_the_nights() -> None:
    cells = calendar(total=2)
    cells = updated(cells, hold(cells, [D1], 1))
    with pytest.raises(CounterUnderflow) as caught:
        confirm_hold(cells, [D1, D2], 1)
    assert caught.value.details == [
        {"field": "rooms", "night": D2.isoformat(), "requested": 1, "held": 0, "message": "only 0 held"}
    ]


def test_releasing_a_hold_and_cancelling_a_sale_return_the_rooms() -> None:
    cells = calendar(total=2)
    cells = updated(cells, hold(cells, [D1], 1))
    cells = updated(cells, sell(cells, [D1], 1))
    assert cells[D1].available == 0
    cells = updated(cells, release_hold(cells, [D1], 1))
    cells = updated(cells, cancel_sale(cells, [D1], 1))
    assert (cells[D1].held, cells[D1].sold, cells[D1].available, cells[D1].version) == (0, 0, 2, 5)
    with pytest.raises(CounterUnderflow, match="too few sold"):
        cancel_sale(cells, [D1], 1)


def test_blocks_consume_availability_and_unblocks_return_it() -> None:
    cells = calendar(total=3, buffer=1)
    with pytest.raises(InsufficientInventory):
        block(cells, [D1], 3)  # the buffer keeps one back
    cells = updated(cells, block(cells, [D1], 2))
    assert cells[D1].available == 0
    cells = updated(cells, unblock(cells, [D1], 2))
    assert cells[D1].available == 2
    with pytest.raises(CounterUnderflow):
        unblock(cells, [D1], 1)


def test_counter_changes_refuse_zero_rooms_and_unknown_nights() -> None:
    cells = calendar(nights=2)
    with pytest.raises(InvalidInput) as caught:
        sell(cells, [D1], 0)
    assert caught.value.details[0]["field"] == "rooms"
    with pytest.raises(InvalidInput) as caught:
        sell(cells, [D1, D3], 1)
    assert caught.value.details == [
        {"field": "nights", "night": D3.isoformat(), "message": "no inventory for this night"}
    ]
    with pytest.raises(InvalidInput):
        hold(cells, [], 1)


def test_reducing_the_total_below_what_is_sold_is_refused_naming_the_nights() -> None:
    cells = calendar(total=5)
    cells = updated(cells, sell(cells, [D2, D3], 4))
    cells = updated(cells, hold(cells, [D3], 1))
    with pytest.raises(TotalBelowCommitted) as caught:
        change_total(cells.values(), 3, from_night=TODAY)
    assert [d["night"] for d in caught.value.details] == [D2.isoformat(), D3.isoformat()]
    assert caught.value.details[1]["committed"] == 5
    assert "total_rooms 3" in caught.value.message and D3.isoformat() in caught.value.message
    assert isinstance(caught.value, Conflict)


def test_changing_the_total_re_derives_future_nights_only() -> None:
    cells = calendar(total=5)
    changed = change_total(cells.values(), 8, from_night=D2)
    assert [c.night for c in changed] == sorted(cells)[1:]
    assert all(c.total == 8 and c.available == 8 and c.version == 2 for c in changed)
    assert change_total(cells.values(), 5, from_night=TODAY) == ()  # nothing changes, nothing bumps


def test_past_nights_do_not_block_a_total_reduction() -> None:
    cells = calendar(total=5)
    cells = updated(cells, sell(cells, [D1], 5))
    changed = change_total(cells.values(), 2, from_night=D2)
    assert D1 not in {c.night for c in changed}


def test_raising_the_total_of_an_overbooked_night_is_allowed() -> None:
    cells = calendar(total=2, nights=1)
    cells = updated(cells, sell(cells, [D1], 4, allow_overbooking=True))
    (raised,) = change_total(cells.values(), 3, from_night=TODAY)
    assert raised.available == -1
    with pytest.raises(TotalBelowCommitted):
        change_total(cells.values(), 1, from_night=TODAY)
    with pytest.raises(InvalidInput):
        change_total(cells.values(), -1, from_night=TODAY)


def test_the_most_specific_buffer_wins() -> None:
    assert resolve_buffer(2) == 2
    assert resolve_buffer(2, property_buffer=1) == 1
    assert resolve_buffer(2, property_buffer=1, room_type_buffer=0) == 0
    assert resolve_buffer(2, room_type_buffer=3) == 3
    with pytest.raises(InvalidInput) as caught:
        resolve_buffer(2, property_buffer=-1)
    assert caught.value.details[0]["field"] == "property.buffer"


def test_a_buffer_setting_change_skips_nights_with_a_manual_availability() -> None:
    cells = calendar(total=5)
    cells[D2] = override_availability(cells[D2], 2)
    changed = apply_buffer_setting(cells.values(), 1, from_night=TODAY)
    assert D2 not in {c.night for c in changed}
    assert all(c.buffer == 1 and c.available == 4 for c in changed)
    assert apply_buffer_setting(updated(cells, changed).values(), 1, from_night=TODAY) == ()


def test_an_availability_override_sets_a_manual_buffer_that_counts_down_with_sales() -> None:
    cells = calendar(total=10, nights=1)
    cells = updated(cells, sell(cells, [D1], 3))
    cells[D1] = override_availability(cells[D1], 4)
    assert (cells[D1].buffer, cells[D1].manual_buffer, cells[D1].available) == (3, True, 4)
    (after_sale,) = sell(cells, [D1], 1)
    assert after_sale.available == 3
    with pytest.raises(InvalidInput) as caught:
        override_availability(cells[D1], 8)
    assert caught.value.details == [
        {"field": "availability", "night": D1.isoformat(), "message": "only 7 room(s) left to sell"}
    ]
    reset = reset_availability(cells[D1], 1)
    assert (reset.buffer, reset.manual_buffer, reset.available) == (1, False, 6)


def test_shortages_add_up_the_lines_of_a_group_and_count_missing_nights() -> None:
    cells = calendar(total=3, nights=2)
    requests = [
        StayRequest(ROOM_TYPE, NightRange(D1, D2), 2),
        StayRequest(ROOM_TYPE, NightRange(D1, D3 + timedelta(days=1)), 1),  # D3 has no cell
        StayRequest(99, NightRange(D1, D2), 1),
    ]
    shortages = find_shortages(cells.values(), requests)
    assert [(s.room_type_id, s.night, s.requested, s.available, s.missing) for s in shortages] == [
        (ROOM_TYPE, D3, 1, 0, True),
        (99, D1, 1, 0, True),
    ]
    requests.append(StayRequest(ROOM_TYPE, NightRange(D1, D2), 1))
    with pytest.raises(InsufficientInventory) as caught:
        require_available(cells.values(), requests)
    assert (ROOM_TYPE, D1, 4, 3) in [
        (s.room_type_id, s.night, s.requested, s.available) for s in caught.value.shortages
    ]
    require_available(cells.values(), [StayRequest(ROOM_TYPE, NightRange(D1, D3), 3)])


def test_missing_cells_fill_the_window_with_fresh_version_one_cells() -> None:
    cells = calendar(nights=2)
    created = missing_cells(ROOM_TYPE, cells, NightRange(TODAY, TODAY + timedelta(days=4)), total=5, buffer=1)
    assert [c.night for c in created] == [D3, D3 + timedelta(days=1)]
    assert created[0] == new_cell(ROOM_TYPE, D3, total=5, buffer=1)
    assert created[0].version == 1


def test_pairing_changes_reports_changed_fields_with_availability() -> None:
    cells = calendar(total=4, nights=2)
    sold = sell(cells, [D1], 1)
    (change,) = pair_changes(cells.values(), [*sold, cells[D2]])
    assert change == InventoryCellChange(cells[D1], sold[0])
    assert change.changed_fields() == {"sold": (0, 1), "available": (4, 3)}
    assert change.preview()["changes"] == {"sold": {"before": 0, "after": 1}, "available": {"before": 4, "after": 3}}


def test_index_by_night_refuses_a_mix_of_room_types() -> None:
    with pytest.raises(ValueError, match="several room types"):
        index_by_night([InventoryCell(1, D1, total=1), InventoryCell(2, D1, total=1)])
