"""Preview == apply, property-based, through the services on real PostgreSQL.

Random blocks (definite or tentative, two room types) and random amendment streams (overlays on
sub-ranges and some room types, releases, guarantee changes, cancels, reverts to a random version).
For each amendment the preview is taken, then the amendment applied; the checks:

* the preview's after-values (rooms, rate, released per room type and night) are exactly the
  block's nights after the apply, and every night it does not list is unchanged;
* the calendar's ``blocked`` moved by exactly the preview's change of what the block withholds,
  and each cell's pool after the apply is the preview's ``pool_after``;
* a preview that is refused (shortages) is an apply refused with 409 that writes nothing, and
  an amendment the preview rejects as invalid is rejected by the apply too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller
from chalicelib.domain.errors import DomainError
from chalicelib.domain.hardblocks import Amendment, AmendmentKind, BlockGuarantee, BlockRecord
from chalicelib.domain.inventory import InsufficientInventory
from chalicelib.domain.nights import NightRange
from chalicelib.domain.permissions import Permission
from chalicelib.services import hardblock_service
from tests.booking_factories import Hotel, make_caller, make_hotel, point_at_moto

NIGHTS = 8
ROOMS = 4


@pytest.fixture(autouse=True)
def _relays_go_to_moto(moto_server: object, monkeypatch: pytest.MonkeyPatch) -> None:
    point_at_moto(moto_server, monkeypatch)


Build = Callable[[Hotel], Amendment]
# Overlays most, a cancel rarely (after it only a revert changes anything).
KINDS = (
    [AmendmentKind.OVERLAY] * 4
    + [AmendmentKind.RELEASE, AmendmentKind.GUARANTEE] * 2
    + [
        AmendmentKind.REVERT,
        AmendmentKind.CANCEL,
    ]
)


@st.composite
def offsets(draw: st.DrawFn) -> tuple[int, int] | None:
    """A sub-range of the block's nights as (first, last) offsets from today, or None: every night."""
    if draw(st.booleans()):
        return None
    first = draw(st.integers(0, NIGHTS - 1))
    return first, draw(st.integers(first, NIGHTS - 1))


@st.composite
def amendments(draw: st.DrawFn) -> Build:
    kind = draw(st.sampled_from(KINDS))
    span = draw(offsets())
    choices = draw(st.sampled_from([None, (0,), (1,), (0, 1)]))
    rooms = draw(st.integers(0, ROOMS + 2) | st.none())
    rate = draw(st.none() | st.integers(100, 200).map(Decimal))
    guarantee = draw(st.sampled_from(list(BlockGuarantee)))
    to_version = draw(st.integers(1, 4))

    def build(hotel: Hotel) -> Amendment:
        nights = None if span is None else NightRange.through(hotel.night(span[0]), hotel.night(span[1]))
        types = None if choices is None else frozenset(hotel.room_type_ids[index] for index in choices)
        return Amendment(kind, nights, types, rooms, rate, guarantee, to_version)

    return build


def _nights(block: BlockRecord) -> dict[tuple[int, date], tuple[int, Decimal, int]]:
    return {(row.room_type_id, row.night): (row.rooms, row.rate, row.released) for row in block.nights}


def _cells(hotel: Hotel) -> dict[tuple[int, date], tuple[int, int]]:
    """(blocked, available) per (room type, night) of the calendar."""
    with unit_of_work() as work:
        cells = work.allotment_calendar.inventory_cells(hotel.room_type_ids, hotel.night(0), hotel.night(NIGHTS))
    return {key: (cell.blocked, cell.available) for key, cell in cells.items()}


def _check_one(caller: Caller, hotel: Hotel, block_id: int, amendment: Amendment) -> None:
    before = hardblock_service.get_block(caller, block_id)
    cells_before = _cells(hotel)
    try:
        _, plan = hardblock_service.change_block(caller, block_id, amendment, apply=False)
    except DomainError as refused:
        with pytest.raises(type(refused)):
            hardblock_service.change_block(caller, block_id, amendment, apply=True)
        assert hardblock_service.get_block(caller, block_id) == before
        return
    if plan.shortages:
        with pytest.raises(InsufficientInventory) as raised:
            hardblock_service.change_block(caller, block_id, amendment, apply=True)
        assert raised.value.shortages == tuple(plan.shortages)
        assert hardblock_service.get_block(caller, block_id) == before and _cells(hotel) == cells_before
        return
    after, applied = hardblock_service.change_block(caller, block_id, amendment, apply=True)
    assert applied.diff == plan.diff
    assert after.version == before.version + (1 if plan.changed else 0)
    expected = _nights(before)
    for row in plan.diff:
        key = (row.room_type_id, row.night)
        if row.rooms_after or row.released_after:
            assert row.rate_after is not None
            expected[key] = (row.rooms_after, row.rate_after, row.released_after)
        else:
            expected.pop(key, None)
    assert _nights(after) == expected
    assert (after.guarantee, after.status) == (plan.after.guarantee, plan.after.status)
    cells_after = _cells(hotel)
    for row in plan.diff:
        key = (row.room_type_id, row.night)
        moved = cells_after[key][0] - cells_before[key][0]
        assert moved == row.withheld_after - row.withheld_before, (key, row)
        assert cells_after[key][1] == row.pool_after, (key, row)
    touched = {(row.room_type_id, row.night) for row in plan.diff}
    assert {k: v for k, v in cells_after.items() if k not in touched} == {
        k: v for k, v in cells_before.items() if k not in touched
    }


def _take_rooms(caller: Caller, hotel: Hotel, taken: list[int]) -> None:
    """Another definite block holding ``taken[offset]`` rooms of the first room type each night, so
    amendments compete for the pool."""
    allocations = [
        Amendment(
            AmendmentKind.OVERLAY,
            NightRange.single(hotel.night(offset)),
            frozenset(hotel.room_type_ids[:1]),
            rooms,
            Decimal(1),
        )
        for offset, rooms in enumerate(taken)
        if rooms
    ]
    if allocations:
        fields = {"property_id": hotel.property_id, "group_name": "Other group", "guarantee": BlockGuarantee.DEFINITE}
        hardblock_service.create_block(caller, {**fields, "cut_off_date": hotel.night(0), "notes": ""}, allocations)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    guarantee=st.sampled_from([BlockGuarantee.DEFINITE, BlockGuarantee.DEFINITE, BlockGuarantee.TENTATIVE]),
    first_rooms=st.integers(1, ROOMS),
    taken=st.lists(st.integers(0, ROOMS), min_size=NIGHTS, max_size=NIGHTS),
    stream=st.lists(amendments(), min_size=2, max_size=6),
)
def test_the_preview_of_an_amendment_is_exactly_what_its_apply_does(
    database_url: str, guarantee: BlockGuarantee, first_rooms: int, taken: list[int], stream: list[Build]
) -> None:
    hotel = make_hotel(rooms=(ROOMS, ROOMS), nights=NIGHTS + 2)
    caller = make_caller(permissions=Permission.CONTRACTS_READ | Permission.CONTRACTS_WRITE)
    _take_rooms(caller, hotel, taken)
    allocation = Amendment(
        AmendmentKind.OVERLAY,
        NightRange.through(hotel.night(1), hotel.night(NIGHTS - 2)),
        frozenset(hotel.room_type_ids),
        first_rooms,
        Decimal(150),
    )
    fields = {
        "property_id": hotel.property_id,
        "group_name": "Property group",
        "guarantee": guarantee,
        "cut_off_date": hotel.night(0),
        "notes": "",
    }
    try:
        block = hardblock_service.create_block(caller, fields, [allocation])
    except InsufficientInventory:  # the other block took those rooms: this one starts as an option
        block = hardblock_service.create_block(caller, {**fields, "guarantee": "tentative"}, [allocation])
    for build in stream:
        _check_one(caller, hotel, block.id, build(hotel))
