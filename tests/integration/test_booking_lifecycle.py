"""The booking lifecycle on a real PostgreSQL: holds, confirmation, refusals, expiry, transitions, idempotency."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from chalicelib.db.models import AriChangeRecord, AuditLog, BookingEvent, BookingGroup, InventoryDay
from chalicelib.db.repositories.bookings import counter_mismatches
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.bookings import BookingNotPending, IdempotencyKeyReused, TransitionNotAllowed
from chalicelib.domain.errors import InvalidInput, PermissionDenied
from chalicelib.domain.inventory import InsufficientInventory
from chalicelib.domain.restrictions import StayNotAllowed
from chalicelib.services import booking_service, booking_status_service
from chalicelib.services.booking_service import NewBooking, NewBookingLine
from tests.booking_factories import Hotel, booked_nights, counters, group_status, make_caller, make_hotel


def _booking(hotel: Hotel, *lines: tuple[int, int, int, int], guest: str = "Nguyen Van A") -> NewBooking:
    """lines: (room type index, first night offset, nights, rooms)."""
    return NewBooking(
        property_id=hotel.property_id,
        guest_name=guest,
        guest_email="guest@example.com",
        lines=tuple(
            NewBookingLine(
                room_type_id=hotel.room_type_ids[index],
                check_in=hotel.night(first),
                check_out=hotel.night(first + nights),
                rooms=rooms,
            )
            for index, first, nights, rooms in lines
        ),
    )


def _ari_rows(room_type_id: int) -> int:
    with unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).where(AriChangeRecord.room_type_id == room_type_id)) or 0


def test_a_new_booking_holds_its_rooms_until_confirmed(database_url: str) -> None:
    hotel = make_hotel(rooms=(5,))
    caller = make_caller()
    rt = hotel.room_type_ids[0]

    created = booking_service.create_booking(caller, _booking(hotel, (0, 2, 3, 2)))

    assert created.response["status"]["code"] == "pending"
    assert created.response["hold_expires_at"] is not None
    nights = [hotel.night(2 + d) for d in range(3)]
    assert [counters(rt)[n] for n in nights] == [(5, 0, 2)] * 3
    assert _ari_rows(rt) == 3  # availability 5 → 3 on three nights, each pushed to channels

    detail = booking_service.confirm_group(caller, created.group_id)

    assert detail.status.code == "confirmed"
    assert detail.hold_expires_at is None
    assert [counters(rt)[n] for n in nights] == [(5, 2, 0)] * 3
    assert _ari_rows(rt) == 3  # confirming moves held to sold: channels see no change
    assert [event.kind for event in detail.timeline] == ["created", "status_changed"]
    assert detail.timeline[1].from_status == "pending" and detail.timeline[1].to_status == "confirmed"
    with unit_of_work() as uow:
        versions = uow.session.scalars(
            select(InventoryDay.version).where(InventoryDay.room_type_id == rt, InventoryDay.night.in_(nights))
        )
        assert set(versions) == {3}  # created at 1, hold, confirm
    assert counter_mismatches_now() == []


def counter_mismatches_now() -> list[object]:
    with unit_of_work() as uow:
        return list(counter_mismatches(uow.session))


def test_confirming_twice_is_harmless(database_url: str) -> None:
    hotel = make_hotel()
    caller = make_caller()
    created = booking_service.create_booking(caller, _booking(hotel, (0, 1, 1, 1)))
    booking_service.confirm_group(caller, created.group_id)
    again = booking_service.confirm_group(caller, created.group_id)
    assert again.status.code == "confirmed"
    assert counters(hotel.room_type_ids[0])[hotel.night(1)] == (5, 1, 0)


def test_last_room_cannot_be_sold_twice(database_url: str) -> None:
    hotel = make_hotel(rooms=(1,))
    caller = make_caller()
    booking_service.create_booking(caller, _booking(hotel, (0, 3, 2, 1)))

    with pytest.raises(InsufficientInventory) as refused:
        booking_service.create_booking(caller, _booking(hotel, (0, 4, 2, 1)))

    assert [d["night"] for d in refused.value.details] == [hotel.night(4).isoformat()]
    assert refused.value.details[0]["available"] == 0
    assert counters(hotel.room_type_ids[0])[hotel.night(4)] == (1, 0, 1)


def test_a_refusal_names_every_short_night_and_writes_nothing(database_url: str) -> None:
    hotel = make_hotel(rooms=(2, 4))
    caller = make_caller()
    booking_service.create_booking(caller, _booking(hotel, (0, 2, 1, 2), (0, 4, 1, 1)))
    with unit_of_work() as uow:
        groups_before = uow.session.scalar(select(func.count(BookingGroup.id)))

    # A two-line group: the second room type is fine, the first is short on nights 2 and 4.
    with pytest.raises(InsufficientInventory) as refused:
        booking_service.create_booking(caller, _booking(hotel, (1, 1, 5, 2), (0, 1, 5, 2)))

    short = {(d["room_type_id"], d["night"]) for d in refused.value.details}
    assert short == {
        (hotel.room_type_ids[0], hotel.night(2).isoformat()),
        (hotel.room_type_ids[0], hotel.night(4).isoformat()),
    }
    with unit_of_work() as uow:
        assert uow.session.scalar(select(func.count(BookingGroup.id))) == groups_before
    assert all(held == 0 for _, _, held in counters(hotel.room_type_ids[1]).values())


def test_two_lines_of_the_same_room_type_add_up(database_url: str) -> None:
    hotel = make_hotel(rooms=(3,))
    caller = make_caller()
    with pytest.raises(InsufficientInventory):
        booking_service.create_booking(caller, _booking(hotel, (0, 1, 1, 2), (0, 1, 1, 2)))
    created = booking_service.create_booking(caller, _booking(hotel, (0, 1, 1, 2), (0, 1, 2, 1)))
    assert counters(hotel.room_type_ids[0])[hotel.night(1)] == (3, 0, 3)
    assert len(created.response["lines"]) == 2


def test_a_stop_sell_night_refuses_the_stay_with_409(database_url: str) -> None:
    hotel = make_hotel()
    with unit_of_work() as uow:
        uow.session.execute(
            update(InventoryDay)
            .where(InventoryDay.room_type_id == hotel.room_type_ids[0], InventoryDay.night == hotel.night(3))
            .values(stop_sell=True)
        )
    with pytest.raises(StayNotAllowed) as refused:
        booking_service.create_booking(make_caller(), _booking(hotel, (0, 2, 3, 1)))
    assert refused.value.details[0]["rule"] == "stop_sell"
    assert refused.value.details[0]["night"] == hotel.night(3).isoformat()


def test_past_dates_unknown_room_types_and_nights_without_inventory_are_refused(database_url: str) -> None:
    hotel = make_hotel(nights=10)
    other = make_hotel()
    caller = make_caller()
    with pytest.raises(InvalidInput) as past:
        booking_service.create_booking(caller, _booking(hotel, (0, -2, 3, 1)))
    assert past.value.details[0]["field"] == "lines[0].check_in"
    foreign = NewBooking(
        property_id=hotel.property_id,
        guest_name="X",
        lines=(NewBookingLine(other.room_type_ids[0], hotel.night(1), hotel.night(2)),),
    )
    with pytest.raises(InvalidInput) as unknown:
        booking_service.create_booking(caller, foreign)
    assert unknown.value.details[0]["field"] == "lines[0].room_type_id"
    with pytest.raises(InsufficientInventory) as beyond:
        booking_service.create_booking(caller, _booking(hotel, (0, 9, 3, 1)))
    assert {d["night"] for d in beyond.value.details} == {hotel.night(10).isoformat(), hotel.night(11).isoformat()}


def test_a_property_in_another_country_cannot_be_booked(database_url: str) -> None:
    hotel = make_hotel("ID")
    with pytest.raises(InvalidInput) as refused:
        booking_service.create_booking(make_caller(country="VN"), _booking(hotel, (0, 1, 1, 1)))
    assert refused.value.details[0]["field"] == "property_id"


def test_rates_price_the_booking_from_the_rate_plan(database_url: str) -> None:
    hotel = make_hotel(rooms=(4,), with_rate_plans=True, base_rate=Decimal(1000))
    rt = hotel.room_type_ids[0]
    request = NewBooking(
        property_id=hotel.property_id,
        guest_name="Priced",
        lines=(NewBookingLine(rt, hotel.night(2), hotel.night(4), rooms=2, rate_plan_id=hotel.rate_plan_ids[rt]),),
    )
    created = booking_service.create_booking(make_caller(), request)
    # Nightly rates are base + offset: 1002 and 1003, times two rooms.
    assert Decimal(created.response["total_amount"]) == Decimal(2 * (1002 + 1003))


def test_an_expired_hold_is_released_and_can_no_longer_be_confirmed(database_url: str) -> None:
    hotel = make_hotel(rooms=(2,))
    caller = make_caller()
    rt = hotel.room_type_ids[0]
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    old = booking_service.create_booking(caller, _booking(hotel, (0, 1, 2, 1)), now=an_hour_ago)
    fresh = booking_service.create_booking(caller, _booking(hotel, (0, 1, 2, 1)))

    report = booking_service.expire_holds()

    assert report == {"holds_expired": 1, "holds_skipped": 0}
    assert group_status(old.group_id) == "cancelled"
    assert group_status(fresh.group_id) == "pending"
    assert counters(rt)[hotel.night(1)] == (2, 0, 1)
    with pytest.raises(BookingNotPending):
        booking_service.confirm_group(caller, old.group_id)
    with unit_of_work() as uow:
        kinds = list(uow.session.scalars(select(BookingEvent.kind).where(BookingEvent.group_id == old.group_id)))
    assert kinds == ["created", "expired"]
    assert counter_mismatches_now() == []


def test_a_hold_past_its_expiry_may_still_be_confirmed_until_released(database_url: str) -> None:
    hotel = make_hotel()
    caller = make_caller()
    old = booking_service.create_booking(
        caller, _booking(hotel, (0, 1, 1, 1)), now=datetime.now(UTC) - timedelta(hours=1)
    )
    booking_service.confirm_group(caller, old.group_id)
    assert booking_service.expire_holds() == {"holds_expired": 0, "holds_skipped": 0}
    assert counters(hotel.room_type_ids[0])[hotel.night(1)] == (5, 1, 0)


def test_transitions_follow_the_configured_workflow_and_move_counters(database_url: str) -> None:
    hotel = make_hotel(rooms=(2,))
    staff = make_caller()
    rt = hotel.room_type_ids[0]
    created = booking_service.create_booking(staff, _booking(hotel, (0, 1, 2, 2)))
    booking_service.confirm_group(staff, created.group_id)

    with pytest.raises(TransitionNotAllowed):
        booking_service.transition(staff, created.group_id, "pending")
    with pytest.raises(PermissionDenied):
        booking_service.transition(make_caller("Finance"), created.group_id, "cancelled")

    cancelled = booking_service.transition(staff, created.group_id, "cancelled", "guest called")
    assert cancelled.status.code == "cancelled"
    assert counters(rt)[hotel.night(1)] == (2, 0, 0)
    assert cancelled.timeline[-1].reason == "guest called"

    # A custom workflow: confirmed → waitlisted (takes nothing) → confirmed again, which is
    # refused once the rooms went to someone else.
    booking_status_service.create_status(
        staff_admin := make_caller("Admin", None),
        {"code": "waitlisted", "label": "Waitlisted", "colour": "#123456", "inventory_effect": "none"},
    )
    # The way out first: a way in to a status nothing leaves would strand it (refused).
    booking_status_service.create_transition(staff_admin, "waitlisted", "confirmed", "BOOKINGS_MANAGE")
    booking_status_service.create_transition(staff_admin, "confirmed", "waitlisted", "BOOKINGS_MANAGE")
    other = booking_service.create_booking(staff, _booking(hotel, (0, 1, 2, 2)))
    booking_service.confirm_group(staff, other.group_id)
    booking_service.transition(staff, other.group_id, "waitlisted")
    third = booking_service.create_booking(staff, _booking(hotel, (0, 1, 2, 1)))
    booking_service.confirm_group(staff, third.group_id)
    with pytest.raises(InsufficientInventory):
        booking_service.transition(staff, other.group_id, "confirmed", "guest insists")
    assert counters(rt)[hotel.night(1)] == (2, 1, 0)
    with unit_of_work() as uow:
        actions = set(uow.session.scalars(select(AuditLog.action).where(AuditLog.entity_type == "booking")))
    assert {"booking.created", "booking.status_changed"} <= actions
    assert counter_mismatches_now() == []


def test_the_same_idempotency_key_returns_the_first_result(database_url: str) -> None:
    hotel = make_hotel(rooms=(3,))
    caller = make_caller()
    request = _booking(hotel, (0, 1, 2, 1))

    first = booking_service.create_booking(caller, request, "key-0001")
    again = booking_service.create_booking(caller, request, "key-0001")

    assert not first.replayed and again.replayed
    assert again.response == first.response
    with unit_of_work() as uow:
        assert uow.session.scalar(select(func.count(BookingGroup.id))) == 1
    assert counters(hotel.room_type_ids[0])[hotel.night(1)] == (3, 0, 1)
    with pytest.raises(IdempotencyKeyReused):
        booking_service.create_booking(caller, _booking(hotel, (0, 1, 2, 2)), "key-0001")
    # Keys are per caller: another caller's identical key is a different request.
    other = booking_service.create_booking(make_caller(), request, "key-0001")
    assert not other.replayed


def test_a_refused_request_leaves_its_idempotency_key_free_for_a_retry(database_url: str) -> None:
    hotel = make_hotel(rooms=(1,))
    caller = make_caller()
    blocker = booking_service.create_booking(caller, _booking(hotel, (0, 1, 1, 1)))
    with pytest.raises(InsufficientInventory):
        booking_service.create_booking(caller, _booking(hotel, (0, 1, 1, 1)), "retry-me")
    booking_service.transition(caller, blocker.group_id, "cancelled")
    retried = booking_service.create_booking(caller, _booking(hotel, (0, 1, 1, 1)), "retry-me")
    assert not retried.replayed
    assert booked_nights(hotel.room_type_ids[0])[hotel.night(1)] == (0, 1)


def test_concurrent_retries_with_one_idempotency_key_create_one_booking(database_url: str) -> None:
    hotel = make_hotel(rooms=(5,))
    caller = make_caller()
    request = _booking(hotel, (0, 1, 2, 1))
    results: list[booking_service.CreatedBooking] = []
    start = threading.Barrier(8)

    def retry() -> None:
        start.wait()
        results.append(booking_service.create_booking(caller, request, "same-key-everywhere"))

    threads = [threading.Thread(target=retry) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 8
    assert sum(not result.replayed for result in results) == 1
    assert {result.group_id for result in results} == {results[0].group_id}
    assert all(result.response == results[0].response for result in results)
    assert counters(hotel.room_type_ids[0])[hotel.night(1)] == (5, 0, 1)
