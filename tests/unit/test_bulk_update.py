"""Bulk updates: preview of only what changes, idempotence, errors naming field and night, all or nothing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from chalicelib.domain.bulk_update import KEEP, BulkUpdate, BulkUpdatePlan, Keep, plan_bulk_update
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.inventory import InventoryCell
from chalicelib.domain.nights import NightRange, Weekday, horizon_end
from chalicelib.domain.rates import Adjustment, AdjustmentKind, RateCatalog, RateCell, RatePlan
from tests.unit.calendar_strategies import PROPERTY, TODAY, weekday_sets

ROOMS_A, ROOMS_B = 1, 2
NIGHTS = [TODAY + timedelta(days=i) for i in range(14)]  # 1 March 2026 (a Sunday) onwards
CATALOG = RateCatalog.build(
    [
        RatePlan(10, ROOMS_A, "VND", base_rate=Decimal(1000000)),
        RatePlan(11, ROOMS_A, "VND", parent_id=10, derivation=Adjustment(AdjustmentKind.PERCENT, Decimal(10))),
        RatePlan(20, ROOMS_B, "VND", base_rate=Decimal(800000)),
    ]
)


def grid(total: int = 5, sold: int = 0) -> list[InventoryCell]:
    return [
        InventoryCell(room_type, night, total=total, sold=sold, buffer=1, version=3)
        for room_type in (ROOMS_A, ROOMS_B)
        for night in NIGHTS
    ]


def plan(request: BulkUpdate, cells: Iterable[InventoryCell], rate_cells: Iterable[RateCell] = ()) -> BulkUpdatePlan:
    return plan_bulk_update(
        request,
        today=TODAY,
        inventory=cells,
        rate_cells=rate_cells,
        catalog=CATALOG,
        setting_buffers={ROOMS_A: 1, ROOMS_B: 2},
    )


def apply(cells: Iterable[InventoryCell], result: BulkUpdatePlan) -> list[InventoryCell]:
    changed = {(c.room_type_id, c.night): c for c in result.inventory_cells}
    return [changed.get((c.room_type_id, c.night), c) for c in cells]


def apply_rates(cells: Iterable[RateCell], result: BulkUpdatePlan) -> list[RateCell]:
    merged = {(c.rate_plan_id, c.night): c for c in cells}
    merged.update({(c.rate_plan_id, c.night): c for c in result.rate_cells})
    return list(merged.values())


def first_week(**fields: object) -> BulkUpdate:
    return BulkUpdate(nights=NightRange.through(NIGHTS[0], NIGHTS[6]), **fields)  # type: ignore[arg-type]


def test_stop_sell_on_weekends_changes_only_weekend_cells_of_the_chosen_room_type() -> None:
    request = first_week(
        weekdays=frozenset({Weekday.SAT, Weekday.SUN}), room_type_ids=frozenset({ROOMS_A}), stop_sell=True
    )
    result = plan(request, grid())
    assert [(c.after.room_type_id, c.after.night) for c in result.inventory_changes] == [
        (ROOMS_A, date(2026, 3, 1)),
        (ROOMS_A, date(2026, 3, 7)),
    ]
    assert result.preview()[0] == {
        "kind": "inventory",
        "room_type_id": ROOMS_A,
        "night": "2026-03-01",
        "version": 4,
        "changes": {"stop_sell": {"before": False, "after": True}},
    }


def test_applying_the_same_bulk_update_twice_changes_nothing_the_second_time() -> None:
    request = first_week(
        room_type_ids=frozenset({ROOMS_A, ROOMS_B}), availability=2, min_los=2, rates={10: Decimal(900000)}
    )
    cells = grid()
    first = plan(request, cells)
    assert len(first.inventory_changes) == 14 and len(first.rate_changes) == 14
    second = plan(request, apply(cells, first), first.rate_cells)
    assert second.is_empty
    assert second.preview() == []


def test_an_availability_override_maps_onto_the_nights_buffer() -> None:
    cells = grid(total=10, sold=3)
    result = plan(first_week(room_type_ids=frozenset({ROOMS_A}), availability=4), cells)
    after = result.inventory_cells[0]
    assert (after.total, after.sold, after.buffer, after.manual_buffer, after.available) == (10, 3, 3, True, 4)
    assert result.inventory_changes[0].changed_fields() == {
        "buffer": (1, 3),
        "manual_buffer": (False, True),
        "available": (6, 4),
    }


def test_resetting_availability_returns_the_night_to_the_buffer_setting() -> None:
    cells = apply(grid(), plan(first_week(room_type_ids=frozenset({ROOMS_B}), availability=0), grid()))
    result = plan(first_week(room_type_ids=frozenset({ROOMS_B}), availability=None), cells)
    assert {(c.buffer, c.manual_buffer) for c in result.inventory_cells} == {(2, False)}


def test_availability_above_the_rooms_left_is_refused_naming_each_night_and_nothing_is_planned() -> None:
    cells = grid(total=5)
    cells = [
        InventoryCell(c.room_type_id, c.night, total=5, sold=4, version=3) if c.night == NIGHTS[2] else c for c in cells
    ]
    with pytest.raises(InvalidInput) as caught:
        plan(first_week(room_type_ids=frozenset({ROOMS_A, ROOMS_B}), availability=3, stop_sell=False), cells)
    assert [(d["field"], d["room_type_id"], d["night"]) for d in caught.value.details] == [
        ("availability", ROOMS_A, "2026-03-03"),
        ("availability", ROOMS_B, "2026-03-03"),
    ]
    assert "3 exceeds the 1 room(s) left on 2026-03-03" in caught.value.message


def test_min_los_above_max_los_is_refused_for_the_request_and_for_each_resulting_night() -> None:
    with pytest.raises(InvalidInput) as caught:
        plan(first_week(room_type_ids=frozenset({ROOMS_A}), min_los=4, max_los=2), grid())
    assert caught.value.details == [{"field": "min_los", "message": "must not exceed max_los (2)"}]
    cells = apply(grid(), plan(first_week(room_type_ids=frozenset({ROOMS_A}), max_los=3), grid()))
    with pytest.raises(InvalidInput) as caught:
        plan(BulkUpdate(nights=NightRange.single(NIGHTS[1]), room_type_ids=frozenset({ROOMS_A}), min_los=5), cells)
    assert caught.value.details[0]["field"] == "min_los"
    assert caught.value.details[0]["night"] == "2026-03-02"
    cleared = plan(first_week(room_type_ids=frozenset({ROOMS_A}), max_los=None), cells)
    assert {c.max_los for c in cleared.inventory_cells} == {None}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"availability": -1}, "availability"),
        ({"min_los": 0}, "min_los"),
        ({"min_stay_through": 0}, "min_stay_through"),
        ({"max_los": 0}, "max_los"),
    ],
)
def test_out_of_range_values_are_refused_naming_the_field(fields: dict[str, int], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        plan(first_week(room_type_ids=frozenset({ROOMS_A}), **fields), grid())
    assert caught.value.details[0]["field"] == field


def test_rates_reprice_derived_plans_on_the_same_nights() -> None:
    result = plan(
        BulkUpdate(nights=NightRange.single(NIGHTS[0]), rates={10: Decimal(900000)}),
        grid(),
    )
    assert result.inventory_changes == ()
    assert [(c.after.rate_plan_id, c.after.amount, c.after.manual) for c in result.rate_changes] == [
        (10, Decimal(900000), True),
        (11, Decimal(990000), False),
    ]


@pytest.mark.parametrize(
    ("rates", "field", "fragment"),
    [
        ({11: Decimal(5)}, "rates.11", "derived from plan 10"),
        ({99: Decimal(5)}, "rates.99", "unknown rate plan 99"),
        ({10: Decimal("900000.5")}, "rates.10", "more decimals than VND allows (0)"),
        ({10: Decimal(-5)}, "rates.10", "must not be negative"),
    ],
)
def test_bad_rates_are_refused_naming_the_rate_plan_field(rates: dict[int, Decimal], field: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        plan(first_week(rates=rates), grid())
    assert caught.value.details[0]["field"] == field
    assert fragment in caught.value.details[0]["message"]


def test_one_bad_field_refuses_the_whole_request() -> None:
    with pytest.raises(InvalidInput) as caught:
        plan(first_week(room_type_ids=frozenset({ROOMS_A}), stop_sell=True, rates={10: Decimal("1.5")}), grid())
    assert [d["field"] for d in caught.value.details] == ["rates.10"]


def test_past_and_beyond_horizon_dates_are_refused_naming_date_from_and_date_to() -> None:
    with pytest.raises(InvalidInput) as caught:
        plan(BulkUpdate(nights=NightRange.through(TODAY - timedelta(days=1), TODAY), stop_sell=True), grid())
    assert caught.value.details[0]["field"] == "date_from"
    end = horizon_end(TODAY)
    with pytest.raises(InvalidInput) as caught:
        plan(BulkUpdate(nights=NightRange.through(end - timedelta(days=1), end), stop_sell=True), grid())
    assert caught.value.details[0]["field"] == "date_to"


def test_requests_that_change_nothing_or_name_no_room_type_are_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        plan(first_week(), grid())
    assert caught.value.details[0]["field"] == "body"
    with pytest.raises(InvalidInput) as caught:
        plan(first_week(stop_sell=True), grid())
    assert caught.value.details[0]["field"] == "room_type_ids"
    with pytest.raises(InvalidInput) as caught:
        plan(first_week(weekdays=frozenset(), stop_sell=True, room_type_ids=frozenset({ROOMS_A})), grid())
    assert caught.value.details[0]["field"] == "weekdays"
    single_sunday = BulkUpdate(
        nights=NightRange.single(NIGHTS[0]),
        weekdays=frozenset({Weekday.MON}),
        stop_sell=True,
        room_type_ids=frozenset({ROOMS_A}),
    )
    with pytest.raises(InvalidInput, match="no night of"):
        plan(single_sunday, grid())


def test_a_room_type_without_calendar_cells_is_refused_naming_the_nights() -> None:
    with pytest.raises(InvalidInput) as caught:
        plan(BulkUpdate(nights=NightRange.single(NIGHTS[0]), room_type_ids=frozenset({77}), stop_sell=True), grid())
    assert caught.value.details[0]["field"] == "room_type_ids"
    assert caught.value.details[0]["night"] == "2026-03-01"


# --- property: idempotence --------------------------------------------------------------------


def keep_or(strategy: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return st.just(KEEP) | strategy


@st.composite
def requests(draw: st.DrawFn) -> BulkUpdate:
    first = draw(st.integers(0, 12))
    last = draw(st.integers(first, 13))
    return BulkUpdate(
        nights=NightRange.through(NIGHTS[first], NIGHTS[last]),
        weekdays=draw(weekday_sets),
        room_type_ids=draw(st.frozensets(st.sampled_from([ROOMS_A, ROOMS_B]), min_size=1)),
        availability=draw(keep_or(st.none() | st.integers(0, 6))),  # type: ignore[arg-type]
        stop_sell=draw(keep_or(st.booleans())),  # type: ignore[arg-type]
        closed_to_arrival=draw(keep_or(st.booleans())),  # type: ignore[arg-type]
        closed_to_departure=draw(keep_or(st.booleans())),  # type: ignore[arg-type]
        min_los=draw(keep_or(st.integers(1, 4))),  # type: ignore[arg-type]
        min_stay_through=draw(keep_or(st.integers(1, 3))),  # type: ignore[arg-type]
        max_los=draw(keep_or(st.none() | st.integers(1, 7))),  # type: ignore[arg-type]
        rates=draw(st.dictionaries(st.sampled_from([10, 20]), st.none() | st.integers(0, 2_000_000).map(Decimal))),
    )


@st.composite
def calendars(draw: st.DrawFn) -> list[InventoryCell]:
    cells = []
    for room_type in (ROOMS_A, ROOMS_B):
        for night in NIGHTS:
            total = draw(st.integers(0, 6))
            sold = draw(st.integers(0, total))
            cells.append(
                InventoryCell(
                    room_type,
                    night,
                    total=total,
                    sold=sold,
                    held=draw(st.integers(0, total - sold)),
                    buffer=draw(st.integers(0, 2)),
                    min_los=draw(st.integers(1, 2)),
                    max_los=draw(st.none() | st.integers(3, 5)),
                    version=draw(st.integers(0, 9)),
                )
            )
    return cells


@PROPERTY
@given(requests(), calendars(), requests())
def test_bulk_updates_are_idempotent_and_touch_only_the_chosen_cells(
    request: BulkUpdate, cells: list[InventoryCell], earlier: BulkUpdate
) -> None:
    rate_cells: list[RateCell] = []
    try:  # an earlier update leaves manual rates and buffers behind, as in real life
        before_plan = plan(earlier, cells)
        cells, rate_cells = apply(cells, before_plan), apply_rates([], before_plan)
    except InvalidInput:
        pass
    try:
        first = plan(request, cells, rate_cells)
    except InvalidInput:
        assume(False)
        return
    chosen = set(request.nights.nights(request.weekdays))
    for change in first.inventory_changes:
        assert change.before is not None
        assert change.after.version == change.before.version + 1
        assert change.after.night in chosen and change.after.room_type_id in request.room_type_ids
        assert change.changed_fields()
        assert (change.after.sold, change.after.held, change.after.total) == (
            change.before.sold,
            change.before.held,
            change.before.total,
        )
    for rate_change in first.rate_changes:
        assert rate_change.after.night in chosen
        assert rate_change.before is None or rate_change.after.version == rate_change.before.version + 1
    updated = apply(cells, first)
    if isinstance(request.availability, int) and not isinstance(request.availability, Keep):
        assert all(
            c.available == request.availability
            for c in updated
            if c.night in chosen and c.room_type_id in request.room_type_ids
        )
    second = plan(request, updated, apply_rates(rate_cells, first))
    assert second.is_empty
