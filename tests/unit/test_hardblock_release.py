"""The pure release rules: what is due at the cut-off or rolling, picked-up rooms kept, bulk selections and refusals."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.hardblock_release import (
    BlockSelection,
    BlockShortage,
    Extension,
    check_cut_off,
    due_release,
    for_block,
    release_date,
)
from chalicelib.domain.hardblocks import (
    Amendment,
    AmendmentKind,
    BlockGuarantee,
    BlockNightRow,
    BlockRecord,
    BlockStatus,
    amend,
)
from chalicelib.domain.inventory import InsufficientInventory, Shortage

FIRST = date(2026, 6, 10)
CUT_OFF = date(2026, 6, 1)
MOMENT = datetime(2026, 5, 1, tzinfo=UTC)


def record(*, rolling: int | None = None, picked_up: int = 0, status: BlockStatus = BlockStatus.ACTIVE) -> BlockRecord:
    nights = tuple(
        BlockNightRow(3, FIRST + timedelta(days=offset), 2, Decimal(100), 0, picked_up if offset == 0 else 0)
        for offset in range(4)
    )
    return BlockRecord(
        7,
        1,
        "VN",
        None,
        "Group",
        "VND",
        BlockGuarantee.DEFINITE,
        status,
        CUT_OFF,
        1,
        "",
        MOMENT,
        MOMENT,
        nights,
        rolling,
    )


def test_a_block_releases_everything_not_picked_up_from_its_cut_off_date() -> None:
    block = record(picked_up=1)
    assert due_release(block, CUT_OFF - timedelta(days=1)) is None
    amendment = due_release(block, CUT_OFF)
    assert amendment is not None and (amendment.kind, amendment.nights, amendment.rooms) == (
        AmendmentKind.RELEASE,
        None,
        None,
    )
    after = amend(block.state(), amendment)
    first = after.nights[(3, FIRST)]
    assert (first.rooms, first.released, first.picked_up) == (1, 1, 1)  # the picked-up room stays
    assert after.status is BlockStatus.RELEASED and after.withheld() == {}
    assert release_date(block, FIRST + timedelta(days=3)) == CUT_OFF


def test_a_rolling_block_releases_only_the_nights_within_its_days_and_ignores_the_cut_off() -> None:
    block = record(rolling=7)
    assert due_release(block, CUT_OFF) is None  # the cut-off plays no part
    assert due_release(block, FIRST - timedelta(days=8)) is None
    amendment = due_release(block, FIRST - timedelta(days=6))
    assert amendment is not None and amendment.nights is not None
    assert list(amendment.nights) == [FIRST, FIRST + timedelta(days=1)]
    after = amend(block.state(), amendment)
    assert after.status is BlockStatus.ACTIVE
    assert sorted(night for (_, night) in after.withheld()) == [FIRST + timedelta(days=2), FIRST + timedelta(days=3)]
    assert release_date(block, FIRST) == FIRST - timedelta(days=7)


def test_nothing_is_due_for_a_block_not_active_or_with_every_room_picked_up_or_released() -> None:
    assert due_release(record(status=BlockStatus.CANCELLED), CUT_OFF) is None
    assert due_release(record(status=BlockStatus.RELEASED), CUT_OFF) is None
    whole = record()
    released = amend(whole.state(), Amendment(AmendmentKind.RELEASE))
    rows = tuple(
        BlockNightRow(rt, night, cell.rooms, cell.rate, cell.released, cell.picked_up)
        for (rt, night), cell in released.nights.items()
    )
    assert due_release(replace(whole, nights=rows), CUT_OFF) is None  # running again changes nothing


def test_a_moved_cut_off_runs_from_today_to_the_first_night() -> None:
    state = record().state()
    check_cut_off(FIRST, state, CUT_OFF)
    with pytest.raises(InvalidInput, match="on or before the first night"):
        check_cut_off(FIRST + timedelta(days=1), state, CUT_OFF)
    with pytest.raises(InvalidInput, match="today"):
        check_cut_off(CUT_OFF - timedelta(days=1), state, CUT_OFF)


def test_a_selection_names_blocks_or_an_agency_and_its_fields() -> None:
    for bad in (
        BlockSelection,
        lambda: BlockSelection((1,), 2),
        lambda: BlockSelection(()),
        lambda: BlockSelection((1, 1)),
    ):
        with pytest.raises(InvalidInput) as refused:
            bad()
        assert refused.value.details[0]["field"] == "body.block_ids"
    chosen = BlockSelection((4, 9))
    assert chosen.field_of(9) == "body.block_ids.1"
    with pytest.raises(InvalidInput) as refused:
        chosen.missing({4})
    assert refused.value.details[0]["field"] == "body.block_ids.1"
    with pytest.raises(InvalidInput) as refused:
        BlockSelection(agency_id=3).missing(set())
    assert refused.value.details[0]["field"] == "body.agency_id"
    with pytest.raises(InvalidInput):
        Extension()


def test_a_refusal_of_one_block_names_the_block_and_its_cells() -> None:
    short = for_block(InsufficientInventory([Shortage(3, FIRST, 2, 1)]), 7, "body.block_ids.0")
    assert isinstance(short, BlockShortage) and short.code == "insufficient_inventory"
    assert [(d["block_id"], d["night"]) for d in short.details] == [(7, FIRST.isoformat())]
    assert str(short).startswith("block 7:")
    status = for_block(
        InvalidInput("status: ended", details=[{"field": "status", "message": "ended"}]), 7, "body.agency_id"
    )
    assert isinstance(status, InvalidInput)
    assert status.details == [{"field": "body.agency_id", "message": "ended", "block_id": 7}]
    body = for_block(
        InvalidInput("x", details=[{"field": "body.rate", "message": "give a rate"}]), 8, "body.block_ids.2"
    )
    assert body.details[0]["field"] == "body.rate" and body.details[0]["block_id"] == 8
