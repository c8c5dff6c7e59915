"""Restrictions checked against a stay: stop-sell, CTA, CTD, min/max LOS (arrival), min stay through."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.errors import Conflict
from chalicelib.domain.inventory import InventoryCell
from chalicelib.domain.nights import NightRange
from chalicelib.domain.restrictions import Rule, StayNotAllowed, Violation, check_stay, require_stay_allowed
from tests.unit.calendar_strategies import PROPERTY, TODAY

ROOM_TYPE = 4


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


def cells_with(**by_offset: dict[str, Any]) -> dict[date, InventoryCell]:
    """Ten open nights, with restriction fields set on some (keyed ``d<offset>``)."""
    cells = {day(i): InventoryCell(ROOM_TYPE, day(i), total=5) for i in range(10)}
    for key, fields in by_offset.items():
        night = day(int(key[1:]))
        cells[night] = InventoryCell(ROOM_TYPE, night, total=5, **fields)
    return cells


def stay(first: int, nights: int) -> NightRange:
    return NightRange(day(first), day(first + nights))


def test_an_open_calendar_allows_any_stay() -> None:
    assert check_stay(cells_with(), stay(0, 9)) == ()


def test_stop_sell_on_any_night_of_the_stay_refuses_it_naming_each_closed_night() -> None:
    cells = cells_with(d2={"stop_sell": True}, d3={"stop_sell": True})
    assert check_stay(cells, stay(1, 3)) == (Violation(day(2), Rule.STOP_SELL), Violation(day(3), Rule.STOP_SELL))
    assert check_stay(cells, stay(4, 2)) == ()
    assert check_stay(cells, stay(0, 2)) == ()  # leaving on the closed day is fine: that night is not stayed


def test_closed_to_arrival_applies_to_the_arrival_night_only() -> None:
    cells = cells_with(d3={"closed_to_arrival": True})
    assert check_stay(cells, stay(3, 2)) == (Violation(day(3), Rule.CLOSED_TO_ARRIVAL),)
    assert check_stay(cells, stay(2, 3)) == ()  # staying through it is fine


def test_closed_to_departure_applies_to_the_departure_date_cell() -> None:
    cells = cells_with(d5={"closed_to_departure": True})
    assert check_stay(cells, stay(3, 2)) == (Violation(day(5), Rule.CLOSED_TO_DEPARTURE),)
    assert check_stay(cells, stay(4, 2)) == ()  # staying through the CTD night is fine
    assert check_stay(cells, stay(5, 1)) == ()  # arriving on it too


def test_min_los_is_read_on_the_arrival_night() -> None:
    cells = cells_with(d2={"min_los": 3})
    assert check_stay(cells, stay(2, 2)) == (Violation(day(2), Rule.MIN_LOS, 3),)
    assert check_stay(cells, stay(2, 3)) == ()
    assert check_stay(cells, stay(1, 2)) == ()  # arriving the day before: that night's min_los is 1


def test_max_los_is_read_on_the_arrival_night() -> None:
    cells = cells_with(d1={"max_los": 2})
    assert check_stay(cells, stay(1, 3)) == (Violation(day(1), Rule.MAX_LOS, 2),)
    assert check_stay(cells, stay(1, 2)) == ()
    assert check_stay(cells, stay(0, 5)) == ()


def test_min_stay_through_applies_to_every_stay_including_the_night() -> None:
    cells = cells_with(d4={"min_stay_through": 3})
    assert check_stay(cells, stay(3, 2)) == (Violation(day(4), Rule.MIN_STAY_THROUGH, 3),)
    assert check_stay(cells, stay(2, 3)) == ()
    assert check_stay(cells, stay(5, 1)) == ()


def test_nights_without_cells_are_left_to_the_availability_check() -> None:
    cells = cells_with(d9={"closed_to_departure": True})
    assert check_stay(cells, NightRange(day(8), day(12))) == ()


def test_a_refused_stay_is_a_conflict_listing_every_rule_with_its_night() -> None:
    cells = cells_with(d1={"closed_to_arrival": True, "min_los": 2}, d2={"stop_sell": True})
    with pytest.raises(StayNotAllowed) as caught:
        require_stay_allowed(ROOM_TYPE, cells, stay(1, 1))
    error = caught.value
    assert isinstance(error, Conflict)
    assert error.code == "stay_restricted"
    assert [(d["night"], d["rule"], d["limit"]) for d in error.details] == [
        (day(1).isoformat(), "closed_to_arrival", None),
        (day(1).isoformat(), "min_los", 2),
    ]
    assert "must be at least 2 nights (got 1)" in error.message
    require_stay_allowed(ROOM_TYPE, cells, stay(3, 2))


# --- property: the function agrees with a plain reading of the rules --------------------------


def reference_violations(cells: dict[date, InventoryCell], check_in: date, check_out: date) -> set[tuple[date, str]]:
    """The rules read cell by cell, as a hotelier would: a deliberately different formulation."""
    length = (check_out - check_in).days
    found = set()
    for night, cell in cells.items():
        stayed = check_in <= night < check_out
        if stayed and cell.stop_sell:
            found.add((night, "stop_sell"))
        if stayed and length < cell.min_stay_through:
            found.add((night, "min_stay_through"))
        if night == check_in and cell.closed_to_arrival:
            found.add((night, "closed_to_arrival"))
        if night == check_in and not cell.min_los <= length:
            found.add((night, "min_los"))
        if night == check_in and cell.max_los is not None and not length <= cell.max_los:
            found.add((night, "max_los"))
        if night == check_out and cell.closed_to_departure:
            found.add((night, "closed_to_departure"))
    return found


@st.composite
def restricted_calendars(draw: st.DrawFn) -> dict[date, InventoryCell]:
    cells = {}
    for offset in range(14):
        if draw(st.integers(0, 9)) == 0:
            continue  # a gap in the calendar now and then
        night = day(offset)
        cells[night] = InventoryCell(
            ROOM_TYPE,
            night,
            total=3,
            stop_sell=draw(st.integers(0, 7)) == 0,
            closed_to_arrival=draw(st.integers(0, 4)) == 0,
            closed_to_departure=draw(st.integers(0, 4)) == 0,
            min_los=draw(st.integers(1, 4)),
            min_stay_through=draw(st.sampled_from([1, 1, 1, 2, 3])),
            max_los=draw(st.none() | st.integers(1, 6)),
        )
    return cells


@PROPERTY
@given(restricted_calendars(), st.integers(0, 12), st.integers(1, 8))
def test_restriction_check_agrees_with_the_reference_reading(
    cells: dict[date, InventoryCell], first: int, nights: int
) -> None:
    requested = NightRange(day(first), day(first + nights))
    violations = check_stay(cells, requested)
    assert {(v.night, v.rule.value) for v in violations} == reference_violations(
        cells, requested.check_in, requested.check_out
    )
    assert list(violations) == sorted(violations)
    for violation in violations:
        limit = {
            Rule.MIN_LOS: cells[violation.night].min_los,
            Rule.MAX_LOS: cells[violation.night].max_los,
            Rule.MIN_STAY_THROUGH: cells[violation.night].min_stay_through,
        }.get(violation.rule)
        assert violation.limit == limit
