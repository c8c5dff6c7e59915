"""Supplier allocations: who owns how many rooms on a night, never more than the room type has."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.allocations import (
    AllocationExceedsTotal,
    SupplierAllocation,
    find_overallocations,
    owners_on,
    validate_allocations,
)
from chalicelib.domain.errors import Conflict, InvalidInput
from chalicelib.domain.nights import NightRange
from tests.unit.calendar_strategies import PROPERTY, TODAY

DELUXE, SUITE = 1, 2


def days(first: int, last: int) -> NightRange:
    return NightRange.through(TODAY + timedelta(days=first), TODAY + timedelta(days=last))


def night(offset: int) -> date:
    return TODAY + timedelta(days=offset)


def test_owners_on_a_night_add_up_overlapping_allocations_of_a_supplier() -> None:
    allocations = [
        SupplierAllocation(supplier_id=7, room_type_id=DELUXE, nights=days(0, 9), rooms=3),
        SupplierAllocation(supplier_id=7, room_type_id=DELUXE, nights=days(5, 6), rooms=1),
        SupplierAllocation(supplier_id=8, room_type_id=DELUXE, nights=days(3, 4), rooms=2),
        SupplierAllocation(supplier_id=9, room_type_id=SUITE, nights=days(0, 9), rooms=1),
    ]
    assert owners_on(allocations, DELUXE, night(0)) == {7: 3}
    assert owners_on(allocations, DELUXE, night(3)) == {7: 3, 8: 2}
    assert owners_on(allocations, DELUXE, night(5)) == {7: 4}
    assert owners_on(allocations, DELUXE, night(10)) == {}
    validate_allocations(allocations, {DELUXE: 5, SUITE: 1})


def test_over_allocation_is_refused_naming_suppliers_and_nights() -> None:
    allocations = [
        SupplierAllocation(supplier_id=7, room_type_id=DELUXE, nights=days(0, 9), rooms=3),
        SupplierAllocation(supplier_id=8, room_type_id=DELUXE, nights=days(2, 4), rooms=2),
    ]
    with pytest.raises(AllocationExceedsTotal) as caught:
        validate_allocations(allocations, {DELUXE: 4})
    error = caught.value
    assert isinstance(error, Conflict)
    assert error.message == (
        f"room type {DELUXE} (total 4) is over-allocated on {night(2)} to {night(4)} by suppliers 7, 8"
    )
    assert [d["night"] for d in error.details] == [night(i).isoformat() for i in (2, 3, 4)]
    assert error.details[0]["suppliers"] == [{"supplier_id": 7, "rooms": 3}, {"supplier_id": 8, "rooms": 2}]
    assert error.details[0]["allocated"] == 5


def test_bad_allocations_are_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_allocations([SupplierAllocation(7, DELUXE, days(0, 1), rooms=0)], {DELUXE: 4})
    assert caught.value.details[0]["field"] == "rooms"
    with pytest.raises(InvalidInput) as caught:
        validate_allocations([SupplierAllocation(7, 99, days(0, 1), rooms=1)], {DELUXE: 4})
    assert caught.value.details[0]["field"] == "room_type_id"


allocation_lists = st.lists(
    st.builds(
        SupplierAllocation,
        supplier_id=st.integers(1, 4),
        room_type_id=st.sampled_from([DELUXE, SUITE]),
        nights=st.builds(lambda a, n: days(a, a + n), st.integers(0, 10), st.integers(0, 5)),
        rooms=st.integers(1, 4),
    ),
    max_size=8,
)


@PROPERTY
@given(allocation_lists, st.integers(0, 10), st.integers(0, 10))
def test_over_allocations_are_exactly_the_nights_where_owners_exceed_the_total(
    allocations: list[SupplierAllocation], deluxe_total: int, suite_total: int
) -> None:
    totals = {DELUXE: deluxe_total, SUITE: suite_total}
    found = {(o.room_type_id, o.night) for o in find_overallocations(allocations, totals)}
    expected = {
        (room_type, night(offset))
        for room_type in totals
        for offset in range(17)
        if sum(owners_on(allocations, room_type, night(offset)).values()) > totals[room_type]
    }
    assert found == expected
