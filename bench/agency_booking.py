"""An agency booking's time next to a direct booking's, in the same run (target: agency <= 1.5 x direct).

Starts a throwaway embedded PostgreSQL (fsync off, as the test harness runs it), migrates, and
builds one property of 10 room types x 365 nights with 20 active allotment contracts (4 room
types each, a year-long season, two release steps) and 100 allotment events, so the calendar
withholds rooms as in production. One client then alternates, N times each:

  direct: ``booking_service.create_booking`` exactly as ``POST /bookings`` calls it;
  agency: ``agency_booking_service.book`` exactly as ``POST /contracts/{id}/bookings`` calls it
          (the lock, the contract resolved under it, the pick-up, the hold, the agency nights).

Both book 1 room for 1-3 nights among the next 300 on the contract's room types. Prints p50,
p95 and mean per kind and the ratio of the medians. Never passes or fails on a time.

    .venv/bin/python bench/agency_booking.py [N]
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

ROOM_TYPES = 10
CONTRACTS = 20
EVENTS = 100
DAYS = 365
TOTAL_ROOMS = 100_000


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    base = Path(tempfile.mkdtemp(prefix="ptx-bench-agency-"))
    from local.postgres import EmbeddedPostgres, create_database

    postgres = EmbeddedPostgres(base / "data", max_connections=20)
    postgres.start()
    try:
        create_database(postgres.url(), "bench")
        os.environ.update({"DATABASE_URL": postgres.url("bench"), "DB_POOL_SIZE": "2", "DB_MAX_OVERFLOW": "2"})
        from chalicelib.config import reset_settings
        from chalicelib.db.migrate import upgrade

        reset_settings()
        upgrade(postgres.url("bench"))
        began = time.perf_counter()
        setup = _setup()
        print(
            f"{ROOM_TYPES} room types x {DAYS} nights, {CONTRACTS} contracts, {EVENTS} events"
            f" (set up in {time.perf_counter() - began:.1f} s); {count} bookings of each kind, alternating"
        )
        times = _run(setup, count)
        for kind, samples in times.items():
            p95 = statistics.quantiles(samples, n=20)[-1]
            print(
                f"  {kind:7s} p50 {statistics.median(samples):6.1f} ms   p95 {p95:6.1f} ms"
                f"   mean {statistics.fmean(samples):6.1f} ms"
            )
        ratio = statistics.median(times["agency"]) / statistics.median(times["direct"])
        print(f"  agency / direct (p50): {ratio:.2f}  (target <= 1.5)")
    finally:
        from chalicelib.db.engine import dispose_engines

        dispose_engines()
        postgres.stop()
        shutil.rmtree(base, ignore_errors=True)


def _setup() -> dict[str, Any]:
    from sqlalchemy import select

    from chalicelib.db.models import Agency, Property, Role, RoomType, User
    from chalicelib.db.repositories import inventory_cells
    from chalicelib.db.unit_of_work import unit_of_work
    from chalicelib.domain.access import Caller
    from chalicelib.domain.inventory import missing_cells
    from chalicelib.domain.nights import NightRange
    from chalicelib.domain.permissions import as_permission
    from chalicelib.domain.timezones import today_in_timezone

    today = today_in_timezone(datetime.now(UTC), "Asia/Ho_Chi_Minh")
    with unit_of_work() as uow:
        session = uow.session
        hotel = Property(code="BENCH", name="Bench", country_code="VN", timezone="Asia/Ho_Chi_Minh", currency="VND")
        session.add(hotel)
        session.flush()
        room_type_ids = []
        for index in range(ROOM_TYPES):
            room_type = RoomType(property_id=hotel.id, code=f"RT{index}", name=f"Room {index}",
                                 total_rooms=TOTAL_ROOMS, base_rate=1000000)  # fmt: skip
            session.add(room_type)
            session.flush()
            room_type_ids.append(room_type.id)
            window = NightRange(today, today + timedelta(days=DAYS))
            inventory_cells.insert_cells(session, missing_cells(room_type.id, [], window, total=TOTAL_ROOMS, buffer=0))
        agency = Agency(code="BENCH-TRAVEL", name="Bench Travel", country_code="VN")
        session.add(agency)
        role = session.scalar(select(Role).where(Role.name == "Admin"))
        assert role is not None
        user = User(email="bench@example.com", full_name="Bench", password_hash="!bench-cannot-log-in",  # noqa: S106
                    role_id=role.id, country_code="VN")  # fmt: skip
        session.add(user)
        session.flush()
        caller = Caller(
            user_id=user.id, email=user.email, full_name=user.full_name, role_id=role.id, role_name=role.name,
            permissions=as_permission(role.permissions), home_country="VN", active_country="VN",
            may_switch_country=False, session_id="bench",
        )  # fmt: skip
        ids = (hotel.id, agency.id)
    contract_ids = _contracts(caller, ids[0], ids[1], room_type_ids, today)
    return {"caller": caller, "property_id": ids[0], "room_type_ids": room_type_ids, "today": today,
            "contract_id": contract_ids[0]}  # fmt: skip


def _contracts(caller: Any, property_id: int, agency_id: int, room_type_ids: list[int], today: Any) -> list[int]:
    from chalicelib.domain.allotment_records import SeasonSpec
    from chalicelib.domain.allotments import AllotmentEvent, AllotmentEventKind, ReleaseStep
    from chalicelib.domain.nights import NightRange
    from chalicelib.services import allotment_service, contract_service

    rng = random.Random(0)
    ids = []
    for index in range(CONTRACTS):
        # The first contract, the one booked against, covers the first 4 room types with plenty of rooms.
        chosen = room_type_ids[:4] if index == 0 else rng.sample(room_type_ids, 4)
        rooms = 20_000 if index == 0 else rng.randint(1, 5)
        seasons = [
            SeasonSpec(rt, today, today + timedelta(days=DAYS - 1), rooms=rooms, rate=Decimal(900000)) for rt in chosen
        ]
        fields = {"agency_id": agency_id, "property_id": property_id, "name": f"Bench {index}", "status": "active",
                  "mode": "allotment", "currency": "VND"}  # fmt: skip
        steps = [ReleaseStep(30, 2), ReleaseStep(3, 0)] if index else []
        ids.append(contract_service.create_contract(caller, fields, seasons, steps).id)
    for sequence in range(EVENTS):
        contract_id = rng.choice(ids)
        start = today + timedelta(days=rng.randrange(DAYS - 30))
        kind = rng.choice([AllotmentEventKind.INCREASE_ALLOTMENT, AllotmentEventKind.RATE_CHANGE])
        event = AllotmentEvent(
            contract_id, kind, datetime.now(UTC) - timedelta(minutes=1), sequence,
            nights=NightRange(start, start + timedelta(days=rng.randint(1, 30))),
            rooms=1, rate=Decimal(rng.randint(800000, 1000000)),
        )  # fmt: skip
        allotment_service.post_event(caller, event)
    return ids


def _run(setup: dict[str, Any], count: int) -> dict[str, list[float]]:
    from chalicelib.services import agency_booking_service, booking_service
    from chalicelib.services.booking_service import NewBooking, NewBookingLine

    rng = random.Random(1)
    times: dict[str, list[float]] = {"direct": [], "agency": []}

    def request() -> NewBooking:
        first = setup["today"] + timedelta(days=1 + rng.randint(0, 299))
        line = NewBookingLine(rng.choice(setup["room_type_ids"][:4]), first, first + timedelta(days=rng.randint(1, 3)))
        return NewBooking(property_id=setup["property_id"], guest_name="Bench Guest", lines=(line,))

    booking_service.create_booking(setup["caller"], request())  # warm both paths: connection, caches
    agency_booking_service.book(setup["caller"], setup["contract_id"], request())
    for _ in range(count):
        for kind in ("direct", "agency"):
            wanted = request()
            began = time.perf_counter()
            if kind == "direct":
                booking_service.create_booking(setup["caller"], wanted)
            else:
                agency_booking_service.book(setup["caller"], setup["contract_id"], wanted)
            times[kind].append((time.perf_counter() - began) * 1000)
    return times


if __name__ == "__main__":
    main()
