"""The booking planners' edge cases, by example (properties: test_booking_plan_properties.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from chalicelib.domain.booking_ota_plans import (
    LineChange,
    OtaStatuses,
    check_ota_lines,
    needs_confirmed,
    nights_to_take,
    target_status,
)
from chalicelib.domain.booking_plans import (
    SYSTEM,
    Actor,
    DirectBookingFacts,
    GroupSnapshot,
    GroupValues,
    LineSnapshot,
    LineValues,
    hold_is_due,
    plan_direct_booking,
    plan_transition,
)
from chalicelib.domain.booking_requests import (
    NewBooking,
    NewBookingLine,
    RatePlanFacts,
    RoomTypeFacts,
    price_line,
    validate_request,
)
from chalicelib.domain.bookings import ActorSource, BookingSource, EventKind, InventoryEffect
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.inventory import CounterChange, InsufficientInventory
from chalicelib.domain.nights import NightRange
from chalicelib.domain.ota_reservation import OtaGuest, ReservationAction
from chalicelib.domain.restrictions import StayNotAllowed
from tests.unit.booking_plan_model import (
    CANCELLED,
    CHECKED_IN,
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

NEW, MODIFY, CANCEL = ReservationAction.NEW, ReservationAction.MODIFY, ReservationAction.CANCEL
STAFF = Actor(user_id=7, label="staff@example.com", source=ActorSource.STAFF)


def night(offset: int) -> date:
    return D + timedelta(days=offset)


# --- OTA revisions -------------------------------------------------------------------------------


def test_a_new_reservation_creates_a_confirmed_group_selling_its_nights() -> None:
    reservation = Reservation(cells=calendar({1: 3}))
    plan = reservation.deliver(revision(1, NEW, (ota_line(1, first=1, nights=2, rooms=2),)))

    assert plan is not None
    booking = plan.booking
    assert booking.group_id is None
    assert plan.target == CONFIRMED
    assert booking.group.status_id == CONFIRMED.id
    assert (booking.group.check_in, booking.group.check_out) == (night(1), night(3))
    assert booking.group.total_amount == Decimal("200.00")
    assert booking.group.confirmed_at == MOMENT
    assert [match.change for match in plan.matches] == [LineChange.ADDED]
    assert [event.kind for event in booking.events] == [EventKind.CREATED]
    assert booking.audit.action == "booking.ota_created"
    assert booking.audit.before is None
    assert booking.cause_ota == "booking_com"
    assert booking.actor.label == "ota:booking_com"
    assert reservation.cells[(1, night(1))].sold == 2
    assert reservation.cells[(1, night(3))].sold == 0
    assert plan.overbooked == ()


def test_a_modification_rewrites_lines_matched_by_reference_and_cancels_the_rest() -> None:
    reservation = Reservation(cells=calendar({1: 5, 2: 5}))
    reservation.deliver(revision(1, NEW, (ota_line(1, 1, 2, ref="a"), ota_line(2, 1, 2, ref="b"))))
    plan = reservation.deliver(revision(2, MODIFY, (ota_line(2, 3, 1, ref="b"),)))

    assert plan is not None
    assert plan.outcome.value == "updated"
    changes = {match.line_id: match.change for match in plan.matches}
    assert changes == {2: LineChange.CHANGED, 1: LineChange.CANCELLED}
    (restatus,) = plan.booking.restatus
    assert restatus.line_ids == (1,)
    assert restatus.status_id == CANCELLED.id
    assert restatus.effect is InventoryEffect.NONE
    assert [event.kind for event in plan.booking.events] == [EventKind.MODIFIED]
    assert reservation.cells[(1, night(1))].sold == 0
    assert reservation.cells[(2, night(1))].sold == 0
    assert reservation.cells[(2, night(3))].sold == 1
    assert (plan.booking.group.check_in, plan.booking.group.check_out) == (night(3), night(4))


def test_an_unchanged_line_is_kept_and_records_no_modification() -> None:
    reservation = Reservation(cells=calendar({1: 5}))
    reservation.deliver(revision(1, NEW, (ota_line(1, 1, 2),)))
    plan = reservation.deliver(revision(2, MODIFY, (ota_line(1, 1, 2),)))

    assert plan is not None
    assert [match.change for match in plan.matches] == [LineChange.KEPT]
    assert plan.booking.events == ()
    assert reservation.cells[(1, night(1))].sold == 1


def test_a_cancellation_first_heard_of_records_its_lines_and_takes_nothing() -> None:
    reservation = Reservation(cells=calendar({1: 2}))
    plan = reservation.deliver(revision(3, CANCEL, (ota_line(1, 1, 2),)))

    assert plan is not None
    assert plan.outcome.value == "cancelled"
    assert plan.booking.moves == ()
    assert [write.effect for write in plan.booking.lines] == [InventoryEffect.NONE]
    assert plan.booking.group.status_id == CANCELLED.id
    assert plan.booking.group.cancelled_at == MOMENT
    assert [event.kind for event in plan.booking.events] == [EventKind.CREATED]
    assert reservation.deliver(revision(1, NEW, (ota_line(1, 1, 2),))) is None  # stale now
    assert all(cell.sold == 0 for cell in reservation.cells.values())


def test_a_cancellation_releases_the_nights_and_says_so_in_the_timeline() -> None:
    reservation = Reservation(cells=calendar({1: 2}))
    reservation.deliver(revision(1, NEW, (ota_line(1, 1, 2),)))
    plan = reservation.deliver(revision(2, CANCEL, ()))

    assert plan is not None
    assert [(e.kind, e.from_status, e.to_status, e.reason) for e in plan.booking.events] == [
        (EventKind.STATUS_CHANGED, "confirmed", "cancelled", "OTA cancel")
    ]
    assert plan.booking.audit.before is not None
    assert plan.booking.audit.before["status"] == "confirmed"
    assert {move.change for move in plan.booking.moves} == {CounterChange.CANCEL_SALE}
    assert reservation.cells[(1, night(1))].sold == 0


def test_a_checked_in_guest_stays_checked_in_when_the_ota_amends_the_stay() -> None:
    reservation = Reservation(cells=calendar({1: 5}))
    reservation.deliver(revision(1, NEW, (ota_line(1, 0, 2),)))
    assert reservation.group is not None
    reservation.group = replace(reservation.group, status=CHECKED_IN)
    reservation.lines = {
        key: LineSnapshot(key, replace(line.values, status_id=CHECKED_IN.id)) for key, line in reservation.lines.items()
    }
    plan = reservation.deliver(revision(2, MODIFY, (ota_line(1, 0, 4),)))

    assert plan is not None
    assert plan.target == CHECKED_IN
    assert reservation.cells[(1, night(3))].sold == 1
    assert reservation.cells[(1, night(0))].sold == 1


def test_nights_left_overbooked_are_listed_and_the_booking_is_never_refused() -> None:
    reservation = Reservation(cells=calendar({1: 1}))
    reservation.deliver(revision(1, NEW, (ota_line(1, 1, 1),), reservation="R-1"))
    other = Reservation(cells=reservation.cells)
    plan = other.deliver(revision(1, NEW, (ota_line(1, 0, 3),), reservation="R-2"))

    assert plan is not None
    assert plan.overbooked == ((1, night(1)),)
    assert other.cells[(1, night(1))].overbooked_by == 1


def test_guest_details_are_cut_to_their_columns_and_the_ota_currency_wins() -> None:
    guest = OtaGuest(first_name="A" * 150, last_name="B" * 150, email="e" * 300, phone="1" * 50)
    request = replace(revision(1, NEW, (ota_line(),)), guest=guest, currency="EUR", total_amount=Decimal("99"))
    plan = Reservation(cells=calendar({1: 2})).deliver(request)

    assert plan is not None
    group = plan.booking.group
    assert (len(group.guest_name), len(group.guest_email), len(group.guest_phone)) == (200, 254, 40)
    assert group.currency == "EUR"
    assert group.total_amount == Decimal("99")


def test_ota_lines_must_name_the_propertys_room_types_and_their_plans() -> None:
    lines = [replace(ota_line(1), rate_plan_id=10), replace(ota_line(3), rate_plan_id=11)]
    with pytest.raises(InvalidInput) as refused:
        check_ota_lines(lines, {1, 2}, {10: 1, 11: 2})
    assert [d["field"] for d in refused.value.details] == ["lines[1].room_type_id", "lines[1].rate_plan_id"]
    assert nights_to_take(revision(1, CANCEL, (ota_line(),))) == {}
    assert nights_to_take(revision(1, NEW, (ota_line(1, 1, 2),))) == {1: {night(1), night(2)}}


def test_only_a_revision_that_confirms_needs_the_confirmed_status() -> None:
    new, cancel = revision(1, NEW, (ota_line(),)), revision(2, CANCEL, ())
    assert needs_confirmed(new, None)
    assert needs_confirmed(new, CANCELLED)
    assert not needs_confirmed(new, CHECKED_IN)
    assert not needs_confirmed(cancel, None)
    without = OtaStatuses(confirmed=None, cancelled=CANCELLED)
    assert target_status(new, CHECKED_IN, without) == CHECKED_IN
    assert target_status(cancel, CONFIRMED, without) == CANCELLED
    with pytest.raises(ValueError, match="confirmed"):
        target_status(new, None, without)


# --- direct bookings -------------------------------------------------------------------------------


def _direct(*lines: NewBookingLine, source: BookingSource = BookingSource.DIRECT) -> DirectBookingFacts:
    partner = "ACME" if source is BookingSource.PARTNER else None
    request = NewBooking(HOTEL.id, tuple(lines), "Guest", source=source, partner_code=partner)
    room_type = RoomTypeFacts(1, True, Decimal("40"))
    priced = tuple(
        price_line(line, NightRange(line.check_in, line.check_out), room_type, None, "USD", index)
        for index, line in enumerate(lines)
    )
    return DirectBookingFacts(request, HOTEL, priced, PENDING, timedelta(minutes=30), STAFF)


def test_a_direct_booking_holds_its_nights_until_its_expiry() -> None:
    facts = _direct(NewBookingLine(1, night(1), night(3), rooms=2), source=BookingSource.PARTNER)
    plan = plan_direct_booking(facts, calendar({1: 3}), reference="PTX-ABCD", moment=MOMENT)

    assert plan.group.channel == "ACME"
    assert plan.group.hold_expires_at == MOMENT + timedelta(minutes=30)
    assert plan.group.total_amount == Decimal("160")
    assert plan.group.created_by_user_id == 7
    assert plan.lines[0].nightly == {night(1): Decimal("80"), night(2): Decimal("80")}
    assert plan.cells_after[(1, night(1))].held == 2
    assert plan.audit.after is not None
    assert plan.audit.after["reference"] == "PTX-ABCD"
    assert [event.kind for event in plan.events] == [EventKind.CREATED]


def test_a_restricted_stay_is_refused_before_availability_is_looked_at() -> None:
    cells = calendar({1: 0})
    cells[(1, night(1))] = replace(cells[(1, night(1))], closed_to_arrival=True)
    with pytest.raises(StayNotAllowed):
        plan_direct_booking(_direct(NewBookingLine(1, night(1), night(2))), cells, reference="P", moment=MOMENT)
    with pytest.raises(InsufficientInventory) as refused:
        plan_direct_booking(_direct(NewBookingLine(1, night(2), night(4))), cells, reference="P", moment=MOMENT)
    assert [s.night for s in refused.value.shortages] == [night(2), night(3)]


def test_two_lines_of_one_room_type_add_up_night_by_night() -> None:
    facts = _direct(NewBookingLine(1, night(1), night(3)), NewBookingLine(1, night(2), night(4)))
    with pytest.raises(InsufficientInventory) as refused:
        plan_direct_booking(facts, calendar({1: 1}), reference="P", moment=MOMENT)
    assert [s.night for s in refused.value.shortages] == [night(2)]


def test_requests_are_checked_naming_the_body_fields() -> None:
    room_types = {1: RoomTypeFacts(1, True, Decimal("40")), 2: RoomTypeFacts(2, False, Decimal("40"))}
    plans = {5: RatePlanFacts(5, 2, True)}
    request = NewBooking(
        HOTEL.id,
        (NewBookingLine(2, night(1), night(2)), NewBookingLine(1, night(3), night(2), rate_plan_id=5, rooms=0)),
        "Guest",
    )
    with pytest.raises(InvalidInput) as refused:
        validate_request(request, HOTEL, room_types, plans, today=D)
    fields = {d["field"] for d in refused.value.details}
    assert {"lines[0].room_type_id", "lines[1].rate_plan_id", "lines[1].check_out"} <= fields
    with pytest.raises(InvalidInput, match="partner_code"):
        validate_request(replace(request, source=BookingSource.PARTNER), HOTEL, room_types, plans, today=D)
    with pytest.raises(InvalidInput, match="not selling"):
        validate_request(request, replace(HOTEL, status="archived"), room_types, plans, today=D)
    with pytest.raises(InvalidInput, match="No such property"):
        validate_request(request, None, room_types, plans, today=D)


def test_prices_come_from_the_amount_else_the_plan_else_the_base_rate() -> None:
    room_type = RoomTypeFacts(1, True, Decimal("40"))
    stay = NightRange(night(1), night(3))
    line = NewBookingLine(1, stay.check_in, stay.check_out, rooms=2, rate_plan_id=5)
    assert price_line(replace(line, amount=Decimal("10")), stay, room_type, None, "USD", 0).total == Decimal("10")
    rates = {night(1): Decimal("30"), night(2): Decimal("35")}
    assert price_line(line, stay, room_type, rates, "USD", 0).total == Decimal("130")
    assert price_line(replace(line, rate_plan_id=None), stay, room_type, None, "USD", 0).total == Decimal("160")
    with pytest.raises(InvalidInput) as refused:
        price_line(line, stay, room_type, {night(1): Decimal("30")}, "USD", 3)
    assert refused.value.details == [
        {"field": "lines[3].rate_plan_id", "night": night(2).isoformat(), "message": "no rate for this night"}
    ]


# --- status transitions ------------------------------------------------------------------------------


def _held_group(rooms: int = 1) -> tuple[GroupSnapshot, list[LineSnapshot]]:
    values = GroupValues(
        reference="PTX-1",
        property_id=HOTEL.id,
        country_code="VN",
        source=BookingSource.DIRECT,
        channel="direct",
        status_id=PENDING.id,
        currency="USD",
        booked_at=MOMENT,
        hold_expires_at=MOMENT + timedelta(minutes=30),
    )
    line = LineValues(0, 1, None, night(1), night(3), rooms, 2, 0, Decimal("80"), PENDING.id)
    return GroupSnapshot(9, values, PENDING), [LineSnapshot(4, line)]


def test_confirming_a_hold_turns_held_into_sold() -> None:
    group, lines = _held_group(rooms=2)
    cells = {key: replace(cell, held=2) for key, cell in calendar({1: 2}).items() if key[1] in (night(1), night(2))}
    plan = plan_transition(group, lines, CONFIRMED, cells, actor=STAFF, reason="", moment=MOMENT)

    assert {move.change for move in plan.moves} == {CounterChange.CONFIRM_HOLD}
    assert (plan.cells_after[(1, night(1))].held, plan.cells_after[(1, night(1))].sold) == (0, 2)
    assert plan.group.confirmed_at == MOMENT
    assert plan.group.hold_expires_at is None
    assert plan.restatus[0].effect is InventoryEffect.SELL
    assert plan.audit.action == "booking.status_changed"


def test_an_expired_hold_is_released_by_the_system() -> None:
    group, lines = _held_group()
    assert not hold_is_due(group, MOMENT)
    assert hold_is_due(group, MOMENT + timedelta(hours=1))
    cells = {key: replace(cell, held=1) for key, cell in calendar({1: 2}).items() if key[1] in (night(1), night(2))}
    plan = plan_transition(
        group, lines, CANCELLED, cells, actor=SYSTEM, reason="hold expired", moment=MOMENT, kind=EventKind.EXPIRED
    )

    assert plan.audit.action == "booking.expired"
    assert plan.events[0].kind is EventKind.EXPIRED
    assert plan.group.cancelled_at == MOMENT
    assert plan.cells_after[(1, night(1))].held == 0
    assert not hold_is_due(replace(group, status=CONFIRMED), MOMENT + timedelta(hours=1))


def test_taking_rooms_back_is_refused_when_they_are_gone() -> None:
    group, lines = _held_group()
    cancelled = replace(group, status=CANCELLED, values=replace(group.values, status_id=CANCELLED.id))
    gone = [LineSnapshot(4, replace(lines[0].values, status_id=CANCELLED.id))]
    with pytest.raises(InsufficientInventory):
        plan_transition(cancelled, gone, CONFIRMED, calendar({1: 0}), actor=STAFF, reason="", moment=MOMENT)


def test_a_transition_between_statuses_of_the_same_effect_moves_no_counter() -> None:
    group, lines = _held_group()
    confirmed = replace(group, status=CONFIRMED)
    sold = [LineSnapshot(4, replace(lines[0].values, status_id=CONFIRMED.id))]
    plan = plan_transition(confirmed, sold, CHECKED_IN, {}, actor=STAFF, reason="arrived", moment=MOMENT)
    assert plan.moves == ()
    assert plan.restatus[0].effect is None
    assert plan.restatus[0].line_ids == (4,)
