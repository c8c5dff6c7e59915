"""The race between contracts and direct bookings for the last rooms, with the lock and without it.

16 clients (threads, each with its own connection through the services) at once: half sign
contracts that withhold one room on three nights, half book one room for the same nights, for
the 12 rooms of a room type. With the room types' advisory lock — taken by the bookings and by
``withhold_allotments`` alike — nothing is oversold, the calendar's ``blocked`` is exactly the rooms the contracts withhold, and
the counters equal the booking nights; the only refusals are clean 409s. The same run with both
lockers switched off (the negative control, only this test does it) must oversell or lose an
update, which shows the assertions can catch the race.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from chalicelib.db.models import Agency
from chalicelib.db.repositories.bookings import counter_mismatches
from chalicelib.db.unit_of_work import SqlUnitOfWork, unit_of_work
from chalicelib.domain.allotment_records import SeasonSpec
from chalicelib.domain.inventory import InsufficientInventory
from chalicelib.domain.permissions import Permission
from chalicelib.services import booking_service, contract_service
from chalicelib.services.booking_service import NewBooking, NewBookingLine
from chalicelib.services.booking_support import RoomTypeLocker, lock_room_types
from tests.booking_factories import Hotel, make_caller, make_hotel
from tests.support.races import run_at_once

CLIENTS = 16
ATTEMPTS_PER_CLIENT = 4
ROOMS = 12


@dataclass
class RaceResult:
    contracts: int = 0
    bookings: int = 0
    refused: int = 0
    errors: list[str] = field(default_factory=list)


class _RoomTypesWithoutLock:
    """The negative control's room-type repository: everything as usual, but ``lock`` takes nothing."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def lock(self, room_type_ids: Sequence[int]) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@contextmanager
def _unlocked_unit_of_work() -> Iterator[SqlUnitOfWork]:
    with unit_of_work() as work:
        work.__dict__["room_types"] = _RoomTypesWithoutLock(work.room_types)  # shadows the cached property
        yield work


def _no_lock(session: Session, room_type_ids: Iterable[int]) -> None:
    """The negative control's booking locker: takes no lock at all."""


def _agency() -> int:
    with unit_of_work() as uow:
        agency = Agency(code=f"RACE-{random.randrange(10**9)}", name="Race Travel", country_code="VN")
        uow.session.add(agency)
        uow.session.flush()
        return agency.id


def _race(hotel: Hotel, *, locked: bool) -> RaceResult:
    agency_id = _agency()
    callers = [make_caller(permissions=Permission.CONTRACTS_WRITE | Permission.BOOKINGS_CREATE) for _ in range(CLIENTS)]
    booking_locker: RoomTypeLocker = lock_room_types if locked else _no_lock
    contract_uow = unit_of_work if locked else _unlocked_unit_of_work
    season = SeasonSpec(hotel.room_type_ids[0], hotel.night(1), hotel.night(3), rooms=1, rate=Decimal(900000))
    stay = NewBookingLine(hotel.room_type_ids[0], hotel.night(1), hotel.night(4))
    result = RaceResult()
    guard = threading.Lock()

    def client(index: int) -> None:
        # Bookings are quicker than contracts: one try each, so the contracts get rooms too.
        for attempt in range(ATTEMPTS_PER_CLIENT if index % 2 == 0 else 1):
            try:
                if index % 2 == 0:
                    fields = {
                        "agency_id": agency_id,
                        "property_id": hotel.property_id,
                        "name": f"Race {index}/{attempt}",
                        "status": "active",
                        "mode": "allotment",
                        "currency": hotel.currency,
                    }
                    contract_service.create_contract(callers[index], fields, [season], [], uow=contract_uow)
                    outcome = "contracts"
                else:
                    request = NewBooking(property_id=hotel.property_id, guest_name="Racer", lines=(stay,))
                    booking_service.create_booking(callers[index], request, lock_room_types=booking_locker)
                    outcome = "bookings"
            except InsufficientInventory:
                outcome = "refused"
            except Exception as exc:
                with guard:
                    result.errors.append(f"{type(exc).__name__}: {exc}")
                continue
            with guard:
                setattr(result, outcome, getattr(result, outcome) + 1)

    run_at_once(CLIENTS, client)
    return result


def _broken_nights(hotel: Hotel) -> list[str]:
    """Nights oversold, or whose ``blocked`` differs from what the contracts withhold, or whose
    ``sold``/``held`` differ from the booking nights (a lost update)."""
    with unit_of_work() as uow:
        rows = uow.session.execute(
            text(
                "SELECT d.night, d.total, d.sold, d.held, d.blocked, COALESCE(w.withheld, 0) AS withheld"
                " FROM inventory_days d LEFT JOIN ("
                "   SELECT room_type_id, night, SUM(withheld) AS withheld FROM allotment_nights"
                "   GROUP BY room_type_id, night"
                " ) w ON w.room_type_id = d.room_type_id AND w.night = d.night"
                " WHERE d.room_type_id = :rt ORDER BY d.night"
            ),
            {"rt": hotel.room_type_ids[0]},
        ).all()
        lost = counter_mismatches(uow.session, hotel.room_type_ids)
        contracted = uow.session.execute(
            text("SELECT count(*) FROM agency_contracts WHERE property_id = :p"), {"p": hotel.property_id}
        ).scalar_one()
    broken = [f"lost booking update on {m.night}" for m in lost]
    for night, total, sold, held, blocked, withheld in rows:
        if sold + held + blocked > total:
            broken.append(f"{night}: oversold ({sold} sold + {held} held + {blocked} blocked > {total})")
        if blocked != withheld:
            broken.append(f"{night}: blocked {blocked} but contracts withhold {withheld}")
        if hotel.night(1) <= night <= hotel.night(3) and withheld != contracted:
            broken.append(f"{night}: {contracted} contracts of one room but {withheld} withheld")
    return broken


def test_contracts_and_bookings_racing_for_the_last_rooms_never_oversell_and_the_unlocked_control_does(
    database_url: str,
) -> None:
    hotel = make_hotel(rooms=(ROOMS,), nights=10)

    locked = _race(hotel, locked=True)

    assert locked.errors == [], locked.errors[:5]
    assert locked.contracts > 0 and locked.bookings > 0 and locked.refused > 0  # it really was contended
    assert locked.contracts + locked.bookings == ROOMS  # every room went to someone, none twice
    assert _broken_nights(hotel) == []

    # The negative control: the same race with the lock switched off must break something.
    broken: list[str] = []
    runs = 0
    while not broken and runs < 5:
        runs += 1
        unlocked_hotel = make_hotel(rooms=(ROOMS,), nights=10)
        unlocked = _race(unlocked_hotel, locked=False)
        broken = _broken_nights(unlocked_hotel)
    print(
        f"\nwith the lock: {locked.contracts} contracts, {locked.bookings} bookings, {locked.refused} refused;"
        f" without it (run {runs}): {unlocked.contracts} contracts, {unlocked.bookings} bookings,"
        f" {unlocked.refused} refused, {len(unlocked.errors)} errors; broken: {broken[:4]}"
    )
    assert broken, "without the lock the race should have oversold or lost an update; the test cannot see races"
