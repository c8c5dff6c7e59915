"""The race between block amendments and direct and OTA bookings for the last rooms, with the lock and without.

24 clients (threads, each with its own connection through the services) at once, for the 10 rooms
of a room type on three nights: half amend their own tentative one-room block (make it definite,
then grow it to two rooms, then three: each step withholds one more room a night), the others
book one room for the same nights, direct or (3 of them) as OTA reservations. With the room
types' advisory lock — taken by the bookings, the OTA ingests and ``hardblock_service.change_block``
alike — nothing is oversold beyond what OTA reservations may overbook (an OTA is never refused),
the calendar's ``blocked`` is exactly what the definite blocks hold, the counters equal the
booking nights, every room went to someone, and the only refusals are clean 409s. The same run
with the block and direct lockers switched off (the negative control) must oversell or lose an
update, which shows the assertions can catch the race.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from sqlalchemy import text

from chalicelib.db.repositories.bookings import counter_mismatches
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.hardblocks import Amendment, AmendmentKind, BlockGuarantee
from chalicelib.domain.inventory import InsufficientInventory
from chalicelib.domain.nights import NightRange
from chalicelib.domain.permissions import Permission
from chalicelib.services import booking_service, hardblock_service
from chalicelib.services.booking_service import NewBooking, NewBookingLine
from chalicelib.services.booking_support import RoomTypeLocker, lock_room_types
from tests.booking_factories import Hotel, make_caller, make_hotel, ota_request, point_at_moto
from tests.integration.test_allotment_race import _no_lock, _unlocked_unit_of_work
from tests.support.races import run_at_once

CLIENTS = 24
ROOMS = 10


@pytest.fixture(autouse=True)
def _relays_go_to_moto(moto_server: object, monkeypatch: pytest.MonkeyPatch) -> None:
    point_at_moto(moto_server, monkeypatch)  # OTA overbooking alerts are published after their commit


@dataclass
class RaceResult:
    amended: int = 0
    bookings: int = 0
    ota: int = 0
    refused: int = 0
    errors: list[str] = field(default_factory=list)


def _steps() -> list[Amendment]:
    grow = [Amendment(AmendmentKind.OVERLAY, rooms=rooms) for rooms in (2, 3)]
    return [Amendment(AmendmentKind.GUARANTEE, guarantee=BlockGuarantee.DEFINITE), *grow]


def _race(hotel: Hotel, *, locked: bool) -> RaceResult:
    callers = [
        make_caller(permissions=Permission.CONTRACTS_READ | Permission.CONTRACTS_WRITE | Permission.BOOKINGS_CREATE)
        for _ in range(CLIENTS)
    ]
    nights = NightRange.through(hotel.night(1), hotel.night(3))
    room_type = frozenset(hotel.room_type_ids[:1])
    fields = {
        "property_id": hotel.property_id,
        "group_name": "Race group",
        "guarantee": BlockGuarantee.TENTATIVE,
        "cut_off_date": hotel.night(0),
        "notes": "",
    }
    opening = Amendment(AmendmentKind.OVERLAY, nights, room_type, 1, Decimal(100))
    blocks = {
        index: hardblock_service.create_block(callers[index], fields, [opening]).id for index in range(0, CLIENTS, 2)
    }
    booking_locker: RoomTypeLocker = lock_room_types if locked else _no_lock
    block_uow = unit_of_work if locked else _unlocked_unit_of_work
    stay = NewBookingLine(hotel.room_type_ids[0], hotel.night(1), hotel.night(4))
    result = RaceResult()
    guard = threading.Lock()

    def client(index: int) -> None:
        for step in _steps() if index % 2 == 0 else [None]:
            try:
                if step is not None:
                    hardblock_service.change_block(callers[index], blocks[index], step, apply=True, uow=block_uow)
                    outcome = "amended"
                elif index % 8 == 7:
                    ota = ota_request(hotel, f"RACE-{uuid.uuid4().hex}", "1", nights=3)
                    booking_service.ingest_ota_reservation(ota)
                    outcome = "ota"
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


def _broken_nights(hotel: Hotel, ota_rooms: int) -> list[str]:
    """Nights oversold (beyond what OTA reservations may overbook), whose ``blocked`` differs from what the definite blocks hold, or whose
    ``sold``/``held`` differ from the booking nights (a lost update)."""
    with unit_of_work() as uow:
        rows = uow.session.execute(
            text(
                "SELECT d.night, d.total, d.sold, d.held, d.blocked, COALESCE(b.rooms, 0) AS held_by_blocks"
                " FROM inventory_days d LEFT JOIN ("
                "   SELECT n.room_type_id, n.night, SUM(n.rooms) AS rooms FROM hardblock_nights n"
                "   JOIN hardblocks h ON h.id = n.block_id"
                "   WHERE h.guarantee = 'definite' AND h.status = 'active' GROUP BY n.room_type_id, n.night"
                " ) b ON b.room_type_id = d.room_type_id AND b.night = d.night"
                " WHERE d.room_type_id = :rt ORDER BY d.night"
            ),
            {"rt": hotel.room_type_ids[0]},
        ).all()
        lost = counter_mismatches(uow.session, hotel.room_type_ids)
    broken = [f"lost booking update on {m.night}" for m in lost]
    for night, total, sold, held, blocked, held_by_blocks in rows:
        if sold + held + blocked > total + ota_rooms:
            broken.append(f"{night}: oversold ({sold} sold + {held} held + {blocked} blocked > {total} + OTA)")
        if blocked != held_by_blocks:
            broken.append(f"{night}: blocked {blocked} but the definite blocks hold {held_by_blocks}")
        if hotel.night(1) <= night <= hotel.night(3) and sold + held + blocked < total:
            broken.append(f"{night}: {total - sold - held - blocked} rooms left although requests were refused")
    return broken


def test_block_amendments_and_bookings_racing_for_the_last_rooms_never_oversell_and_the_unlocked_control_does(
    database_url: str,
) -> None:
    hotel = make_hotel(rooms=(ROOMS,), nights=10)

    locked = _race(hotel, locked=True)

    assert locked.errors == [], locked.errors[:5]
    assert locked.amended > 0 and locked.bookings > 0 and locked.refused > 0  # it really was contended
    assert locked.ota == 3  # an OTA reservation is never refused
    assert _broken_nights(hotel, locked.ota) == []

    broken: list[str] = []
    runs = 0
    while not broken and runs < 5:
        runs += 1
        unlocked_hotel = make_hotel(rooms=(ROOMS,), nights=10)
        unlocked = _race(unlocked_hotel, locked=False)
        broken = _broken_nights(unlocked_hotel, unlocked.ota)
    print(
        f"\nwith the lock: {locked.amended} amendments, {locked.bookings} bookings, {locked.ota} OTA,"
        f" {locked.refused} refused;"
        f" without it (run {runs}): {unlocked.amended} amendments, {unlocked.bookings} bookings,"
        f" {unlocked.refused} refused, {len(unlocked.errors)} errors; broken: {broken[:4]}"
    )
    assert broken, "without the lock the race should have oversold or lost an update; the test cannot see races"
