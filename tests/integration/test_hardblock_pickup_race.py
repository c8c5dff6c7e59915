"""The race for the last block rooms and the last pool rooms, with the locks and without.

32 clients (threads, each with its own connection through the services) at once, for a room type
of 10 rooms on three nights of which a definite block withholds 4: half pick up one room of the
block, the others book one room of the pool (direct). With the block's row lock and the room
types' advisory lock, exactly 4 pick-ups and 6 bookings succeed, the others are clean 409s
(``block_exhausted`` / ``insufficient_inventory``), nothing is oversold, the calendar's ``blocked``
is what the block withholds (its rooms not picked up), the block's ``picked_up`` is the rooms of
its bookings, and the counters equal the booking nights. The same run without the locks (the
negative control) must oversell or lose an update, which shows the assertions can catch the race.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from sqlalchemy import text

from chalicelib.db.repositories.bookings import counter_mismatches
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.hardblock_pickup import BlockExhausted
from chalicelib.domain.hardblocks import Amendment, AmendmentKind, BlockGuarantee
from chalicelib.domain.inventory import InsufficientInventory
from chalicelib.domain.nights import NightRange
from chalicelib.domain.permissions import Permission
from chalicelib.services import booking_service, hardblock_pickup, hardblock_service
from chalicelib.services.booking_service import NewBooking, NewBookingLine
from chalicelib.services.booking_support import RoomTypeLocker, lock_room_types
from tests.booking_factories import Hotel, make_caller, make_hotel, point_at_moto
from tests.integration.test_allotment_race import _no_lock
from tests.support.races import run_at_once

CLIENTS = 32
ROOMS = 10
BLOCK_ROOMS = 4


@pytest.fixture(autouse=True)
def _relays_go_to_moto(moto_server: object, monkeypatch: pytest.MonkeyPatch) -> None:
    point_at_moto(moto_server, monkeypatch)


@dataclass
class RaceResult:
    picked_up: int = 0
    booked: int = 0
    refused: int = 0
    errors: list[str] = field(default_factory=list)


def _single(index: int, name: str) -> dict[str, object]:
    return {"field": f"body.{name}"}


def _race(hotel: Hotel, *, locked: bool) -> tuple[int, RaceResult]:
    callers = [
        make_caller(permissions=Permission.CONTRACTS_READ | Permission.CONTRACTS_WRITE | Permission.BOOKINGS_CREATE)
        for _ in range(CLIENTS)
    ]
    fields = {
        "property_id": hotel.property_id,
        "group_name": "Race group",
        "guarantee": BlockGuarantee.DEFINITE,
        "cut_off_date": hotel.night(0),
        "notes": "",
    }
    nights = NightRange.through(hotel.night(1), hotel.night(3))
    allocation = Amendment(AmendmentKind.OVERLAY, nights, frozenset(hotel.room_type_ids[:1]), BLOCK_ROOMS, Decimal(90))
    block_id = hardblock_service.create_block(callers[0], fields, [allocation]).id
    locker: RoomTypeLocker = lock_room_types if locked else _no_lock
    line = NewBookingLine(hotel.room_type_ids[0], hotel.night(1), hotel.night(4))
    result = RaceResult()
    guard = threading.Lock()

    def client(index: int) -> None:
        request = NewBooking(property_id=hotel.property_id, guest_name=f"Racer {index}", lines=(line,))
        try:
            if index % 2 == 0:
                hardblock_pickup.pick_up(
                    callers[index], block_id, [request], _single, lock_room_types=locker, lock_block=locked
                )
                outcome = "picked_up"
            else:
                booking_service.create_booking(callers[index], request, lock_room_types=locker)
                outcome = "booked"
        except (BlockExhausted, InsufficientInventory):
            outcome = "refused"
        except Exception as exc:
            with guard:
                result.errors.append(f"{type(exc).__name__}: {exc}")
            return
        with guard:
            setattr(result, outcome, getattr(result, outcome) + 1)

    run_at_once(CLIENTS, client)
    return block_id, result


def _broken_nights(hotel: Hotel, block_id: int) -> list[str]:
    """Nights oversold, whose ``blocked`` differs from what the block withholds, whose ``picked_up`` differs
    from its bookings' rooms, or whose ``sold``/``held`` differ from the booking nights (a lost update)."""
    with unit_of_work() as uow:
        rows = uow.session.execute(
            text(
                "SELECT d.night, d.total, d.sold, d.held, d.blocked, n.rooms, n.picked_up,"
                "  (SELECT COALESCE(SUM(bn.rooms), 0) FROM booking_nights bn"
                "   JOIN booking_lines l ON l.id = bn.line_id JOIN booking_groups g ON g.id = l.group_id"
                "   WHERE g.hardblock_id = :block AND bn.night = d.night AND bn.effect = 'sell') AS booked"
                " FROM inventory_days d JOIN hardblock_nights n"
                "   ON n.block_id = :block AND n.room_type_id = d.room_type_id AND n.night = d.night"
                " WHERE d.room_type_id = :rt ORDER BY d.night"
            ),
            {"rt": hotel.room_type_ids[0], "block": block_id},
        ).all()
        lost = counter_mismatches(uow.session, hotel.room_type_ids)
    broken = [f"lost booking update on {m.night}" for m in lost]
    for night, total, sold, held, blocked, rooms, picked_up, booked in rows:
        if sold + held + blocked > total:
            broken.append(f"{night}: oversold ({sold} sold + {held} held + {blocked} blocked > {total})")
        if blocked != rooms - picked_up:
            broken.append(f"{night}: blocked {blocked} but the block withholds {rooms - picked_up}")
        if picked_up != booked:
            broken.append(f"{night}: the block counts {picked_up} picked up but its bookings hold {booked}")
    return broken


def _rooms_left(hotel: Hotel, block_id: int) -> list[str]:
    """Nights of the race with a pool room or a block room left (every request was for all three)."""
    with unit_of_work() as uow:
        rows = uow.session.execute(
            text(
                "SELECT d.night, d.total - d.sold - d.held - d.blocked, n.rooms - n.picked_up FROM inventory_days d"
                " JOIN hardblock_nights n ON n.block_id = :block AND n.room_type_id = d.room_type_id"
                "  AND n.night = d.night WHERE d.room_type_id = :rt"
            ),
            {"rt": hotel.room_type_ids[0], "block": block_id},
        ).all()
    return [f"{night}: {pool} pool, {free} block rooms left" for night, pool, free in rows if pool or free]


def test_picking_up_the_last_block_rooms_while_booking_the_last_pool_rooms_never_oversells_either(
    database_url: str,
) -> None:
    hotel = make_hotel(rooms=(ROOMS,), nights=10)

    block_id, locked = _race(hotel, locked=True)

    assert locked.errors == [], locked.errors[:5]
    assert (locked.picked_up, locked.booked) == (BLOCK_ROOMS, ROOMS - BLOCK_ROOMS)
    assert locked.refused == CLIENTS - ROOMS  # it really was contended
    assert _broken_nights(hotel, block_id) == []
    assert _rooms_left(hotel, block_id) == []

    broken: list[str] = []
    runs = 0
    while not broken and runs < 5:
        runs += 1
        unlocked_hotel = make_hotel(rooms=(ROOMS,), nights=10)
        unlocked_block, unlocked = _race(unlocked_hotel, locked=False)
        broken = _broken_nights(unlocked_hotel, unlocked_block)
    print(
        f"\nwith the locks: {locked.picked_up} picked up, {locked.booked} booked, {locked.refused} refused;"
        f" without them (run {runs}): {unlocked.picked_up} picked up, {unlocked.booked} booked,"
        f" {unlocked.refused} refused, {len(unlocked.errors)} errors; broken: {broken[:4]}"
    )
    assert broken, "without the locks the race should have oversold or lost an update; the test cannot see races"
