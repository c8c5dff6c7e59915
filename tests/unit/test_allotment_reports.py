"""The allotment reports over resolved nights: pick-up per contract and room type, nights releasing soon."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from chalicelib.domain.allotment_reports import PickUpTotal, pick_up_report, pick_up_total, releasing_soon
from chalicelib.domain.allotments import AllotmentNight

TODAY = date(2030, 6, 1)


def night(contract: int, room_type: int, offset: int, *, picked: int, out: int, released: int = 0) -> AllotmentNight:
    day = TODAY + timedelta(days=offset)
    contracted = picked + out + released
    return AllotmentNight(
        contract, room_type, day, contracted, picked, out, released, Decimal(1), 1, False, day - timedelta(days=3)
    )


def test_the_pick_up_adds_up_per_contract_and_room_type_with_its_percentage() -> None:
    rows = pick_up_report(
        [night(2, 5, 4, picked=1, out=2), night(1, 5, 4, picked=0, out=3), night(2, 5, 5, picked=1, out=0, released=2)]
    )
    assert [(r.contract_id, r.nights, r.contracted, r.picked_up, r.released, r.remaining) for r in rows] == [
        (1, 1, 3, 0, 0, 3),
        (2, 2, 6, 2, 2, 2),
    ]
    assert [r.pick_up_percent for r in rows] == [Decimal("0.0"), Decimal("33.3")]
    assert pick_up_report([night(1, 5, 4, picked=0, out=0)])[0].pick_up_percent == Decimal("0.0")


def test_the_total_of_an_agency_weighs_each_contract_by_its_rooms() -> None:
    rows = pick_up_report(
        [night(1, 5, 4, picked=1, out=0), night(2, 5, 4, picked=0, out=9), night(2, 6, 4, picked=0, out=0, released=1)]
    )
    total = pick_up_total(rows)
    assert (total.contracts, total.contracted, total.picked_up, total.released, total.remaining) == (2, 11, 1, 1, 9)
    assert total.pick_up_percent == Decimal("9.1")  # 1 of 11, not the mean of the rows' 100 %, 0 % and 0 %
    assert pick_up_total(()) == PickUpTotal(0, 0, 0, 0, Decimal("0.0"), contracts=0)


def test_releasing_soon_lists_nights_still_withholding_whose_release_date_is_within_the_days() -> None:
    nights = [
        night(1, 5, 2, picked=0, out=1),  # releases today - 1: already released
        night(1, 5, 3, picked=0, out=2),  # today
        night(1, 5, 6, picked=1, out=0),  # nothing left to release
        night(1, 5, 10, picked=0, out=1),  # today + 7
        night(1, 5, 11, picked=0, out=1),  # today + 8: not yet
    ]
    soon = releasing_soon(nights, TODAY, 7)
    assert [(r.night, r.remaining) for r in soon] == [(TODAY + timedelta(days=3), 2), (TODAY + timedelta(days=10), 1)]
