"""Expiring holds while they are being confirmed, on real concurrent connections.

The sweeper must never release a hold that was confirmed in the meantime: it re-reads the
booking under the room types' locks and the booking's row lock, and leaves it alone if it is no
longer a due hold. The two deterministic tests pause one side inside its locked transaction
while the other waits (seen in pg_locks); the stress test lets them collide freely.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from chalicelib.db.models import BookingNight
from chalicelib.db.repositories.bookings import counter_mismatches
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.bookings import CANCELLED, CONFIRMED, BookingNotPending, EventKind
from chalicelib.services import booking_service
from chalicelib.services.booking_service import Actor, NewBooking, NewBookingLine
from chalicelib.services.booking_support import lock_group, status_by_code, status_by_id
from chalicelib.services.booking_workflow import transition_locked
from tests.booking_factories import Hotel, counters, group_status, make_caller, make_hotel


def _expired_hold(hotel: Hotel, caller: object, *, first: int = 1) -> int:
    created = booking_service.create_booking(
        caller,  # type: ignore[arg-type]
        NewBooking(
            property_id=hotel.property_id,
            guest_name="Hold",
            lines=(NewBookingLine(hotel.room_type_ids[0], hotel.night(first), hotel.night(first + 2)),),
        ),
        now=datetime.now(UTC) - timedelta(hours=1),
    )
    return created.group_id


def _wait_until_someone_waits_for_a_lock(timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with unit_of_work() as uow:
            waiting = uow.session.scalar(text("SELECT count(*) FROM pg_locks WHERE NOT granted"))
        if waiting:
            return
        time.sleep(0.02)
    raise AssertionError("the other transaction never started waiting")


def test_a_hold_confirmed_while_the_sweeper_waits_is_not_released(database_url: str) -> None:
    hotel = make_hotel(rooms=(2,))
    caller = make_caller()
    group_id = _expired_hold(hotel, caller)
    reports: list[dict[str, int]] = []

    with unit_of_work() as uow:
        # The confirmation is under way: it holds the room type's lock and the booking's row.
        group, lines = lock_group(uow.session, group_id, caller.scope)
        sweeper = threading.Thread(target=lambda: reports.append(booking_service.expire_holds()))
        sweeper.start()
        _wait_until_someone_waits_for_a_lock()
        current = status_by_id(uow.session, group.status_id)
        confirmed = status_by_code(uow.session, CONFIRMED)
        transition_locked(uow, group, lines, current, confirmed, Actor.of(caller), "", datetime.now(UTC))
    sweeper.join(timeout=30)

    assert reports == [{"holds_expired": 0, "holds_skipped": 1}]
    assert group_status(group_id) == "confirmed"
    assert counters(hotel.room_type_ids[0])[hotel.night(1)] == (2, 1, 0)


def test_a_hold_the_sweeper_released_first_cannot_then_be_confirmed(database_url: str) -> None:
    hotel = make_hotel(rooms=(2,))
    caller = make_caller()
    group_id = _expired_hold(hotel, caller)
    outcome: list[BaseException | str] = []

    def confirm() -> None:
        try:
            booking_service.confirm_group(caller, group_id)
            outcome.append("confirmed")
        except BookingNotPending as exc:
            outcome.append(exc)

    with unit_of_work() as uow:
        group, lines = lock_group(uow.session, group_id, None)
        confirmer = threading.Thread(target=confirm)
        confirmer.start()
        _wait_until_someone_waits_for_a_lock()
        current = status_by_id(uow.session, group.status_id)
        cancelled = status_by_code(uow.session, CANCELLED)
        transition_locked(
            uow,
            group,
            lines,
            current,
            cancelled,
            booking_service.SYSTEM,
            "hold expired",
            datetime.now(UTC),
            kind=EventKind.EXPIRED,
        )
    confirmer.join(timeout=30)

    assert len(outcome) == 1 and isinstance(outcome[0], BookingNotPending)
    assert group_status(group_id) == "cancelled"
    assert counters(hotel.room_type_ids[0])[hotel.night(1)] == (2, 0, 0)


@pytest.mark.parametrize("seed", [1, 2])
def test_confirmations_racing_the_sweeper_never_lose_a_confirmed_booking(database_url: str, seed: int) -> None:
    hotel = make_hotel(rooms=(30,))
    caller = make_caller()
    holds = [_expired_hold(hotel, caller, first=1 + i % 5) for i in range(24)]
    confirmed: set[int] = set()
    errors: list[str] = []
    guard = threading.Lock()
    start = threading.Barrier(len(holds) + 2)

    def confirm(group_id: int) -> None:
        start.wait()
        time.sleep((group_id * seed % 7) / 1000)
        try:
            booking_service.confirm_group(caller, group_id)
            with guard:
                confirmed.add(group_id)
        except BookingNotPending:
            pass
        except Exception as exc:
            errors.append(repr(exc))

    def sweep() -> None:
        start.wait()
        for _ in range(3):
            booking_service.expire_holds()

    threads = [threading.Thread(target=confirm, args=(g,)) for g in holds]
    threads += [threading.Thread(target=sweep), threading.Thread(target=sweep)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    statuses = {group_id: group_status(group_id) for group_id in holds}
    print(f"\nconfirmed {len(confirmed)}, released {sum(s == 'cancelled' for s in statuses.values())}")
    assert {g for g, status in statuses.items() if status == "confirmed"} == confirmed
    assert {status for g, status in statuses.items() if g not in confirmed} <= {"cancelled", "pending"}
    with unit_of_work() as uow:
        assert counter_mismatches(uow.session, hotel.room_type_ids) == []
        sold_nights = uow.session.scalar(select(func.count()).where(BookingNight.effect == "sell"))
    assert sold_nights == 2 * len(confirmed)
