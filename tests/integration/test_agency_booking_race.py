"""32 clients racing for the last rooms of a room type: agency bookings on its allotment, direct
bookings and OTA ingests on its pool.

A room type of 10 rooms, an active allotment contract of 4 of them on three nights: the pool
is 6. 32 clients (threads, each with its own connection through the services) start at once:
16 book one room for the three nights under the contract, 12 book the same as direct bookings,
4 deliver OTA reservations of the same. With the booking lock (the one every booking and ingest
takes) exactly 4 agency bookings succeed, direct bookings get what the pool has left and never
more, OTA reservations are all taken (an OTA is never refused: on an exhausted pool it overbooks,
which only OTA rooms may do), the allotment's picked-up rooms are the agency bookings' and
``blocked`` is what the contract still withholds. The same race with the lock switched off for
the agency and direct bookings (the negative control, only this test does it) must break one of
those, which shows the assertions can catch the race.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from chalicelib.db.repositories.bookings import counter_mismatches
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.agency_bookings import AllotmentExhausted
from chalicelib.domain.allotment_records import SeasonSpec
from chalicelib.domain.inventory import InsufficientInventory
from chalicelib.domain.permissions import Permission
from chalicelib.services import agency_booking_service, booking_service, contract_service
from chalicelib.services.booking_service import NewBooking, NewBookingLine
from chalicelib.services.booking_support import RoomTypeLocker, lock_room_types
from tests.booking_factories import Hotel, make_caller, make_hotel, ota_request, point_at_moto
from tests.integration.test_allotment_race import _agency
from tests.support.races import run_at_once

CLIENTS = 32
OTA_CLIENTS = 4  # clients 7, 15, 23, 31; the other odd ones book direct, the even ones under the contract
ROOMS = 10
ALLOTTED = 4
NIGHTS = (1, 2, 3)


@dataclass
class RaceResult:
    agency: int = 0
    direct: int = 0
    ota: int = 0
    refused: int = 0
    errors: list[str] = field(default_factory=list)


@pytest.fixture(autouse=True)
def _relays_go_to_moto(moto_server: object, monkeypatch: pytest.MonkeyPatch) -> None:
    point_at_moto(moto_server, monkeypatch)  # OTA overbooking alerts are published after their commit


def _no_lock(session: Session, room_type_ids: Iterable[int]) -> None:
    """The negative control's locker: takes no lock at all."""


def _contract(hotel: Hotel) -> int:
    caller = make_caller(permissions=Permission.CONTRACTS_WRITE)
    season = SeasonSpec(hotel.room_type_ids[0], hotel.night(1), hotel.night(3), rooms=ALLOTTED, rate=Decimal(900000))
    fields = {
        "agency_id": _agency(),
        "property_id": hotel.property_id,
        "name": "Race allotment",
        "status": "active",
        "mode": "allotment",
        "currency": hotel.currency,
    }
    return contract_service.create_contract(caller, fields, [season], []).id


def _race(hotel: Hotel, contract_id: int, *, locked: bool) -> RaceResult:
    permissions = Permission.CONTRACTS_READ | Permission.BOOKINGS_CREATE
    callers = [make_caller(permissions=permissions) for _ in range(CLIENTS)]
    locker: RoomTypeLocker = lock_room_types if locked else _no_lock
    stay = NewBookingLine(hotel.room_type_ids[0], hotel.night(1), hotel.night(4))
    result = RaceResult()
    guard = threading.Lock()

    def client(index: int) -> None:
        request = NewBooking(property_id=hotel.property_id, guest_name="Racer", lines=(stay,))
        try:
            if index % 2 == 0:
                agency_booking_service.book(callers[index], contract_id, request, lock_room_types=locker)
                outcome = "agency"
            elif index % 8 == 7:
                booking_service.ingest_ota_reservation(ota_request(hotel, f"RACE-{uuid.uuid4().hex}", "1", nights=3))
                outcome = "ota"
            else:
                booking_service.create_booking(callers[index], request, lock_room_types=locker)
                outcome = "direct"
        except (AllotmentExhausted, InsufficientInventory):
            outcome = "refused"
        except Exception as exc:
            with guard:
                result.errors.append(f"{type(exc).__name__}: {exc}")
            return
        with guard:
            setattr(result, outcome, getattr(result, outcome) + 1)

    run_at_once(CLIENTS, client)
    return result


def _broken_nights(hotel: Hotel, contract_id: int, ota_rooms: int) -> list[str]:
    """Nights oversold (beyond what OTA reservations may overbook); an allotment picked up beyond
    what was contracted or not matching the agency bookings; ``blocked`` differing from what the
    contract withholds; a lost booking update."""
    with unit_of_work() as uow:
        rows = uow.session.execute(
            text(
                "SELECT d.night, d.total, d.sold, d.held, d.blocked,"
                " COALESCE(a.picked_up, 0), COALESCE(a.withheld, 0), COALESCE(b.rooms, 0)"
                " FROM inventory_days d"
                " LEFT JOIN allotment_nights a ON a.room_type_id = d.room_type_id AND a.night = d.night"
                "   AND a.contract_id = :c"
                " LEFT JOIN (SELECT n.room_type_id, n.night, SUM(n.from_allotment) AS rooms"
                "   FROM agency_booking_nights n JOIN agency_bookings ab USING (booking_group_id)"
                "   WHERE ab.contract_id = :c GROUP BY n.room_type_id, n.night"
                " ) b ON b.room_type_id = d.room_type_id AND b.night = d.night"
                " WHERE d.room_type_id = :rt ORDER BY d.night"
            ),
            {"rt": hotel.room_type_ids[0], "c": contract_id},
        ).all()
        lost = counter_mismatches(uow.session, hotel.room_type_ids)
    broken = [f"lost booking update on {m.night}" for m in lost]
    for night, total, sold, held, blocked, picked, withheld, booked in rows:
        if sold + held + blocked > total + ota_rooms:
            broken.append(f"{night}: oversold ({sold} sold + {held} held + {blocked} blocked > {total} + OTA)")
        if picked > ALLOTTED or picked != booked:
            broken.append(f"{night}: {picked} picked up, {booked} booked from an allotment of {ALLOTTED}")
        if blocked != withheld:
            broken.append(f"{night}: blocked {blocked} but the contract withholds {withheld}")
        if (night - hotel.today).days in NIGHTS and picked + withheld != ALLOTTED:
            broken.append(f"{night}: {picked} picked up + {withheld} withheld != {ALLOTTED} contracted")
    return broken


def _overbooked(hotel: Hotel) -> int:
    """Rooms committed beyond the total on the race's first night (0 when within it)."""
    with unit_of_work() as uow:
        excess = uow.session.execute(
            text("SELECT sold + held + blocked - total FROM inventory_days WHERE room_type_id = :rt AND night = :n"),
            {"rt": hotel.room_type_ids[0], "n": hotel.night(NIGHTS[0])},
        ).scalar_one()
    return max(0, int(excess))


def test_agency_and_direct_bookings_racing_for_the_last_rooms_never_oversell_and_the_unlocked_control_does(
    database_url: str,
) -> None:
    hotel = make_hotel(rooms=(ROOMS,), nights=10)
    contract_id = _contract(hotel)

    locked = _race(hotel, contract_id, locked=True)

    assert locked.errors == [], locked.errors[:5]
    assert (locked.agency, locked.ota) == (ALLOTTED, OTA_CLIENTS)  # the allotment sold once; OTAs never refused
    assert 0 < locked.direct <= ROOMS - ALLOTTED  # direct bookings only ever get the pool
    assert locked.refused == CLIENTS - locked.agency - locked.direct - locked.ota
    # Every room of the pool is sold; only OTA reservations that came after it ran out overbook.
    assert _overbooked(hotel) == max(0, locked.direct + locked.ota - (ROOMS - ALLOTTED))
    assert _broken_nights(hotel, contract_id, OTA_CLIENTS) == []

    # The negative control: the same race with the lock switched off must break something.
    broken: list[str] = []
    runs = 0
    while not broken and runs < 5:
        runs += 1
        unlocked_hotel = make_hotel(rooms=(ROOMS,), nights=10)
        unlocked_contract = _contract(unlocked_hotel)
        unlocked = _race(unlocked_hotel, unlocked_contract, locked=False)
        broken = _broken_nights(unlocked_hotel, unlocked_contract, unlocked.ota)
        if unlocked.agency > ALLOTTED or unlocked.agency + unlocked.direct > ROOMS:
            broken.append(f"{unlocked.agency} agency and {unlocked.direct} direct bookings of {ROOMS} rooms")
    print(
        f"\nwith the lock: {locked.agency} agency, {locked.direct} direct, {locked.refused} refused;"
        f" without it (run {runs}): {unlocked.agency} agency, {unlocked.direct} direct,"
        f" {unlocked.refused} refused, {len(unlocked.errors)} errors; broken: {broken[:4]}"
    )
    assert broken, "without the lock the race should have oversold or lost an update; the test cannot see races"
