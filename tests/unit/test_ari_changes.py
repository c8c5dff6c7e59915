"""ARI change records from cell changes, and coalescing them for one connection's push."""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.ari_changes import (
    AriCellKey,
    AriChange,
    AriRange,
    InventoryValues,
    RateValues,
    acknowledge,
    ari_changes,
    coalesce,
    diff_inventory,
    diff_rates,
    full_snapshot,
    split_long_ranges,
)
from chalicelib.domain.inventory import InventoryCell, InventoryCellChange, confirm_hold, hold, new_cell, sell
from chalicelib.domain.nights import NightRange
from chalicelib.domain.rates import RateCell
from tests.unit.calendar_strategies import PROPERTY, TODAY

ROOM = 5
D = [TODAY + timedelta(days=i) for i in range(10)]


def cells(total: int = 3) -> dict[date, InventoryCell]:
    return {night: new_cell(ROOM, night, total=total) for night in D[:4]}


def values(availability: int, **fields: object) -> InventoryValues:
    base: dict[str, object] = {
        "availability": availability,
        "stop_sell": False,
        "closed_to_arrival": False,
        "closed_to_departure": False,
        "min_los": 1,
        "min_stay_through": 1,
        "max_los": None,
    }
    base.update(fields)
    return InventoryValues(**base)  # type: ignore[arg-type]


def change(
    night: date, version: int, value: InventoryValues | RateValues, rate_plan_id: int | None = None
) -> AriChange:
    return AriChange(ROOM, rate_plan_id, night, version, value, frozenset({"availability"}))


def test_a_sale_emits_the_new_availability_of_each_night_with_its_version() -> None:
    before = cells()
    after = sell(before, D[:2], 1)
    records = diff_inventory(before.values(), after)
    assert [(r.night, r.version, r.values.availability, r.changed) for r in records] == [  # type: ignore[union-attr]
        (D[0], 2, 2, frozenset({"availability"})),
        (D[1], 2, 2, frozenset({"availability"})),
    ]
    assert records[0].rate_plan_id is None


def test_confirming_a_hold_emits_nothing_because_channels_see_no_change() -> None:
    held = {c.night: c for c in hold(cells(), D[:2], 1)}
    confirmed = confirm_hold(held, D[:2], 1)
    assert confirmed[0].version == 3
    assert diff_inventory(held.values(), confirmed) == ()


def test_channels_are_told_zero_never_a_negative_availability() -> None:
    full = {c.night: c for c in sell(cells(total=1), [D[0]], 1)}
    overbooked = sell(full, [D[0]], 1, allow_overbooking=True)
    assert overbooked[0].available == -1
    assert diff_inventory(full.values(), overbooked) == ()  # 0 before, 0 after: nothing to push


def test_a_restriction_change_names_only_that_field_but_carries_every_value() -> None:
    before = cells()[D[0]]
    after = InventoryCell(ROOM, D[0], total=3, stop_sell=True, version=2)
    (record,) = ari_changes([InventoryCellChange(before, after)])
    assert record.changed == {"stop_sell"}
    assert record.values == values(3, stop_sell=True)


def test_a_new_cell_reports_every_field_as_changed() -> None:
    (record,) = full_snapshot([new_cell(ROOM, D[0], total=4, buffer=1)])
    assert record.values == values(3)
    assert record.changed == {
        "availability",
        "stop_sell",
        "closed_to_arrival",
        "closed_to_departure",
        "min_los",
        "min_stay_through",
        "max_los",
    }


def test_a_change_without_a_version_bump_is_a_bug_and_refused() -> None:
    before = cells()[D[0]]
    with pytest.raises(ValueError, match="without a version bump"):
        ari_changes([InventoryCellChange(before, InventoryCell(ROOM, D[0], total=2, version=before.version))])


def test_rate_changes_emit_rate_records_after_inventory_ones() -> None:
    before = [RateCell(9, ROOM, D[0], Decimal("100.00"), version=4)]
    after = [RateCell(9, ROOM, D[0], Decimal("90.00"), manual=True, version=5)]
    (record,) = diff_rates(before, after)
    assert (record.rate_plan_id, record.version, record.values, record.changed) == (
        9,
        5,
        RateValues(Decimal("90.00")),
        frozenset({"rate"}),
    )
    assert diff_rates(after, after) == ()


def test_records_survive_the_outbox_as_json() -> None:
    inventory = change(D[0], 7, values(2, max_los=5))
    rate = change(D[0], 3, RateValues(Decimal("1234.50")), rate_plan_id=9)
    for record in (inventory, rate):
        payload = record.to_payload()
        assert AriChange.from_payload(payload) == record
    assert rate.to_payload()["values"] == {"rate": "1234.50"}


def test_coalescing_keeps_the_newest_version_and_merges_equal_consecutive_nights() -> None:
    pending = [
        change(D[0], 2, values(3)),
        change(D[1], 2, values(3)),
        change(D[1], 4, values(2)),  # newer version of D1
        change(D[2], 3, values(2)),
        change(D[3], 2, values(2)),
        change(D[5], 2, values(2)),  # a gap before it: its own range
        change(D[0], 5, values(2)),  # newest for D0
    ]
    updates = coalesce(pending)
    assert updates == (
        AriRange(ROOM, None, NightRange(D[0], D[4]), values(2), (5, 4, 3, 2)),
        AriRange(ROOM, None, NightRange(D[5], D[6]), values(2), (2,)),
    )


def test_coalescing_drops_what_the_connection_already_acknowledged() -> None:
    pending = [change(D[0], 3, values(1)), change(D[1], 3, values(1)), change(D[1], 6, values(0))]
    acked = {AriCellKey(ROOM, None, D[0]): 4, AriCellKey(ROOM, None, D[1]): 5}
    assert coalesce(pending, acked) == (AriRange(ROOM, None, NightRange.single(D[1]), values(0), (6,)),)
    sent = coalesce(pending, acked)
    after = acknowledge(acked, sent)
    assert after[AriCellKey(ROOM, None, D[1])] == 6
    assert coalesce(pending, after) == ()


def test_rate_plans_and_room_types_never_merge_into_one_update() -> None:
    pending = [
        change(D[0], 2, RateValues(Decimal(100)), rate_plan_id=1),
        change(D[1], 2, RateValues(Decimal(100)), rate_plan_id=2),
        change(D[0], 2, values(1)),
    ]
    updates = coalesce(pending)
    assert [(u.rate_plan_id, u.nights) for u in updates] == [
        (None, NightRange.single(D[0])),
        (1, NightRange.single(D[0])),
        (2, NightRange.single(D[1])),
    ]


def test_long_ranges_are_split_for_otas_that_cap_a_message() -> None:
    update = AriRange(ROOM, None, NightRange(D[0], D[7]), values(1), (1, 2, 3, 4, 5, 6, 7))
    pieces = split_long_ranges([update], 3)
    assert [(p.nights, p.versions) for p in pieces] == [
        (NightRange(D[0], D[3]), (1, 2, 3)),
        (NightRange(D[3], D[6]), (4, 5, 6)),
        (NightRange(D[6], D[7]), (7,)),
    ]
    with pytest.raises(ValueError, match="at least 1"):
        split_long_ranges([update], 0)


# --- properties -------------------------------------------------------------------------------

small_values = st.builds(values, st.integers(0, 2), stop_sell=st.booleans())
pending_changes = st.lists(
    st.builds(
        lambda night, version, value, plan: AriChange(
            ROOM, plan, D[night], version, RateValues(Decimal(value.availability)) if plan else value, frozenset()
        ),
        st.integers(0, 9),
        st.integers(1, 8),
        small_values,
        st.sampled_from([None, None, 1]),
    ),
    max_size=40,
)
acknowledgements = st.dictionaries(
    st.builds(AriCellKey, st.just(ROOM), st.sampled_from([None, 1]), st.sampled_from(D)), st.integers(0, 8)
)


@PROPERTY
@given(pending_changes, acknowledgements, st.randoms(use_true_random=False))
def test_coalescing_sends_exactly_the_newest_unacknowledged_version_of_each_cell(
    pending: list[AriChange], acked: dict[AriCellKey, int], shuffler: random.Random
) -> None:
    updates = coalesce(pending, acked)
    sent: dict[AriCellKey, tuple[int, object]] = {}
    for update in updates:
        for night, version in zip(update.nights, update.versions, strict=True):
            key = AriCellKey(update.room_type_id, update.rate_plan_id, night)
            assert key not in sent, "a cell is sent once"
            sent[key] = (version, update.values)
    expected: dict[AriCellKey, AriChange] = {}
    for record in pending:
        if record.version > acked.get(record.key, 0) and (
            record.key not in expected or record.version > expected[record.key].version
        ):
            expected[record.key] = record
    assert set(sent) == set(expected)
    for key, (version, value) in sent.items():
        assert version > acked.get(key, 0), "never an acknowledged or older version"
        assert version == expected[key].version
        # equal versions of one cell carry equal values in real life; here the kept one is any of them
        assert value in {r.values for r in pending if r.key == key and r.version == version}
    for left, right in itertools.pairwise(updates):
        if (left.room_type_id, left.rate_plan_id) == (right.room_type_id, right.rate_plan_id):
            assert left.nights.check_out < right.nights.check_in or left.values != right.values, "ranges are maximal"
    if len({(r.key, r.version) for r in pending}) == len(pending):  # no duplicate versions: order cannot matter
        shuffled = list(pending)
        shuffler.shuffle(shuffled)
        assert coalesce(shuffled, acked) == updates


@PROPERTY
@given(st.lists(pending_changes, min_size=1, max_size=6))
def test_a_connection_never_receives_an_older_version_after_a_newer_one(batches: list[list[AriChange]]) -> None:
    """Outbox batches arrive in any order and overlap; each round pushes, then acknowledges."""
    acked: dict[AriCellKey, int] = {}
    last_sent: dict[AriCellKey, int] = {}
    for batch in batches:
        for update in coalesce(batch, acked):
            for key, version in update.cell_versions().items():
                assert version > last_sent.get(key, 0)
                last_sent[key] = version
            acked = acknowledge(acked, [update])


@st.composite
def cell_pairs(draw: st.DrawFn) -> tuple[InventoryCell, InventoryCell]:
    def a_cell(version: int) -> InventoryCell:
        total = draw(st.integers(0, 4))
        return InventoryCell(
            ROOM,
            D[0],
            total=total,
            sold=draw(st.integers(0, total + 2)),
            held=draw(st.integers(0, 1)),
            buffer=draw(st.integers(0, 2)),
            stop_sell=draw(st.booleans()),
            min_los=draw(st.integers(1, 2)),
            version=version,
        )

    before = a_cell(3)
    return before, a_cell(4)


@PROPERTY
@given(cell_pairs())
def test_a_record_is_emitted_exactly_when_what_channels_see_changes(pair: tuple[InventoryCell, InventoryCell]) -> None:
    before, after = pair
    records = ari_changes([InventoryCellChange(before, after)])
    visible_before = (max(0, before.available), before.stop_sell, before.min_los)
    visible_after = (max(0, after.available), after.stop_sell, after.min_los)
    assert bool(records) == (visible_before != visible_after)
    if records:
        (record,) = records
        assert record.version == 4
        assert ("availability" in record.changed) == (visible_before[0] != visible_after[0])
        assert record.values == InventoryValues.of(after)
