"""Properties of the pure booking planners, against simple reference models.

* OTA revisions: whatever order (and however often) a reservation's revisions arrive, the group
  ends as the newest revision says — confirmed with exactly its lines, or cancelled with nothing
  counted — and after every step the calendar's ``sold`` equals the sum over the selling lines'
  nights (the counters never drift); the nights a plan reports overbooked are exactly those it
  took that ended with fewer rooms than committed.
* Direct bookings: refused exactly when, on some night, the lines together ask for more rooms
  than the night has available, naming exactly those nights; otherwise held grows by the demand.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.booking_plans import Actor, DirectBookingFacts, plan_direct_booking
from chalicelib.domain.booking_requests import NewBooking, NewBookingLine, PricedLine
from chalicelib.domain.bookings import ActorSource, CellKey, InventoryEffect
from chalicelib.domain.inventory import InsufficientInventory, InventoryCell
from chalicelib.domain.nights import NightRange
from chalicelib.domain.ota_booking import IngestOutcome, OtaBookingLine, OtaBookingRequest
from chalicelib.domain.ota_reservation import ReservationAction
from tests.unit.booking_plan_model import (
    CANCELLED,
    CONFIRMED,
    HOTEL,
    MOMENT,
    PENDING,
    D,
    Reservation,
    calendar,
    ota_line,
    revision,
)

lines_st = st.lists(
    st.builds(
        ota_line,
        room_type_id=st.sampled_from([1, 2]),
        first=st.integers(0, 6),
        nights=st.integers(1, 3),
        rooms=st.integers(1, 3),
        ref=st.sampled_from([None, "a", "b"]),
    ),
    min_size=1,
    max_size=3,
)


@st.composite
def revisions_st(draw: st.DrawFn) -> list[OtaBookingRequest]:
    """A reservation's history: revision 1 is new, later ones modify or cancel (a cancel may carry no lines)."""
    count = draw(st.integers(1, 5))
    history = []
    for number in range(1, count + 1):
        action = (
            ReservationAction.NEW
            if number == 1
            else draw(st.sampled_from([ReservationAction.MODIFY, ReservationAction.CANCEL]))
        )
        lines = draw(lines_st)
        if action is ReservationAction.CANCEL and draw(st.booleans()):
            lines = []
        history.append(revision(number, action, tuple(lines)))
    return history


def _shape(line: OtaBookingLine | object) -> tuple[int, object, object, int]:
    return (line.room_type_id, line.check_in, line.check_out, line.rooms)  # type: ignore[attr-defined]


def _sold_by_reference(reservation: Reservation) -> Counter[CellKey]:
    sold: Counter[CellKey] = Counter()
    for line in reservation.selling_lines():
        for night in line.values.stay:
            sold[(line.values.room_type_id, night)] += line.values.rooms
    return sold


def _assert_counters_match_the_lines(reservation: Reservation) -> None:
    expected = _sold_by_reference(reservation)
    for key, cell in reservation.cells.items():
        assert cell.sold == expected[key], key
        assert cell.held == 0


@settings(max_examples=200, deadline=None)
@given(
    history=revisions_st(),
    data=st.data(),
    totals=st.fixed_dictionaries({1: st.integers(0, 4), 2: st.integers(0, 4)}),
    blocked=st.integers(0, 1),
)
def test_any_delivery_order_ends_as_the_newest_revision_says(
    history: list[OtaBookingRequest], data: st.DataObject, totals: dict[int, int], blocked: int
) -> None:
    deliveries = data.draw(st.permutations(history))
    repeats = data.draw(st.lists(st.sampled_from(history), max_size=3))
    reservation = Reservation(cells=calendar(totals, blocked=blocked))

    for request in [*deliveries, *repeats]:
        before = dict(reservation.cells)
        plan = reservation.deliver(request)
        _assert_counters_match_the_lines(reservation)  # never drift, after every step
        if plan is None:
            assert reservation.cells == before  # a duplicate or a stale revision changes nothing
            continue
        cancel = request.action is ReservationAction.CANCEL
        created = len(reservation.plans) == 1
        assert plan.outcome is (
            IngestOutcome.CANCELLED if cancel else IngestOutcome.CREATED if created else IngestOutcome.UPDATED
        )
        taken = {(move.room_type_id, night) for move in plan.take for night in move.nights}
        went_below = {key for key in taken if reservation.cells[key].rooms_left < 0}
        assert set(plan.overbooked) == went_below
        assert list(plan.overbooked) == sorted(plan.overbooked)

    newest = max(history, key=lambda request: request.revision)
    group = reservation.group
    assert group is not None
    assert group.values.last_ota_revision == newest.revision
    if newest.action is ReservationAction.CANCEL:
        assert group.status == CANCELLED
        assert reservation.selling_lines() == []
        assert all(cell.sold == 0 for cell in reservation.cells.values())
    else:
        assert group.status == CONFIRMED
        assert Counter(_shape(line.values) for line in reservation.selling_lines()) == Counter(
            _shape(line) for line in newest.lines
        )
        assert group.values.total_amount == sum((line.amount for line in newest.lines), start=0)


# --- direct bookings ---------------------------------------------------------------------------


@st.composite
def cells_st(draw: st.DrawFn) -> dict[CellKey, InventoryCell]:
    cells = calendar({1: 0, 2: 0}, nights=9)
    for key, cell in cells.items():
        total = draw(st.integers(0, 4))
        sold = draw(st.integers(0, 3))
        cells[key] = InventoryCell(
            cell.room_type_id, cell.night, total=total, sold=sold, buffer=draw(st.integers(0, 1)), version=1
        )
    return cells


direct_lines_st = st.lists(
    st.tuples(st.sampled_from([1, 2]), st.integers(0, 5), st.integers(1, 3), st.integers(1, 3)),
    min_size=1,
    max_size=3,
)


def _facts(lines: list[tuple[int, int, int, int]]) -> DirectBookingFacts:
    priced = []
    for room_type_id, first, nights, rooms in lines:
        stay = NightRange(D + timedelta(days=first), D + timedelta(days=first + nights))
        request = NewBookingLine(room_type_id, stay.check_in, stay.check_out, rooms=rooms)
        priced.append(PricedLine(request, stay, sum((10 * rooms for _ in stay), start=0), {}))  # type: ignore[arg-type]
    request = NewBooking(HOTEL.id, tuple(line.request for line in priced), "Guest")
    actor = Actor(user_id=7, label="staff@example.com", source=ActorSource.STAFF)
    return DirectBookingFacts(request, HOTEL, tuple(priced), PENDING, timedelta(minutes=30), actor)


@settings(max_examples=200, deadline=None)
@given(cells=cells_st(), lines=direct_lines_st)
def test_a_direct_booking_is_refused_exactly_when_a_night_lacks_rooms(
    cells: dict[CellKey, InventoryCell], lines: list[tuple[int, int, int, int]]
) -> None:
    facts = _facts(lines)
    demand: Counter[CellKey] = Counter()
    for line in facts.lines:
        for night in line.stay:
            demand[(line.request.room_type_id, night)] += line.request.rooms
    short = sorted(key for key, rooms in demand.items() if rooms > cells[key].available)

    if short:
        with pytest.raises(InsufficientInventory) as refused:
            plan_direct_booking(facts, cells, reference="PTX-1", moment=MOMENT)
        assert sorted((s.room_type_id, s.night) for s in refused.value.shortages) == short
        return
    plan = plan_direct_booking(facts, cells, reference="PTX-1", moment=MOMENT)
    for key, cell in plan.cells_after.items():
        assert cell.held == cells[key].held + demand[key]
        assert cell.sold == cells[key].sold
        assert cell.available >= 0 or cells[key].available < 0
    assert all(line.effect is InventoryEffect.HOLD for line in plan.lines)
    assert [line.values.position for line in plan.lines] == list(range(len(lines)))
