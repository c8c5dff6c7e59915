"""Fixtures for the pull side of the sync engine: the four OTA simulators over real HTTP (started
once per module, reset per test), a property connected to all four through sealed accounts, and an
adapter source whose retries and budgets never sleep."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from chalicelib.db.models import BookingGroup, OtaReservationRevision
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.ota.base import AdapterOptions, OtaAdapter
from chalicelib.ota.budget import FakeClock, Unlimited
from chalicelib.ota.transport import HttpSettings, RetryPolicy
from chalicelib.services import ota_access
from chalicelib.services.sync_jobs import SyncJobMessage
from local.simulators import DEMO_HOTEL_IDS, Simulator
from local.simulators.client import SimulatorClient
from tests.integration.ota.conftest import CASES, start_simulator
from tests.ota_factories import TestHotel, make_account, make_connection, make_property, map_rate, map_room

OTAS = tuple(CASES)


@dataclass
class Sims:
    simulators: dict[str, Simulator]
    controls: dict[str, SimulatorClient]

    def book(self, ota: str, *, room_id: str = "DLX", offset: int = 10, nights: int = 2, **extra: Any) -> str:
        check_in = date.today() + timedelta(days=offset)
        body: dict[str, Any] = {
            "hotel_id": DEMO_HOTEL_IDS[ota],
            "room_id": room_id,
            "rate_plan_id": "BAR",
            "check_in": check_in.isoformat(),
            "check_out": (check_in + timedelta(days=nights)).isoformat(),
            "adults": 2,
            "children": 0,
            "guest": {"first_name": "Lan", "last_name": "Pham", "email": "lan@example.com"},
            "nightly_rate": "1250000",
            "currency": "VND",
        }
        body.update(extra)
        return str(self.controls[ota].create_reservation(**body)["reservation_id"])

    def acknowledged(self, ota: str) -> dict[str, bool]:
        """Reservation id → whether its latest revision is acknowledged at the OTA."""
        state: dict[str, bool] = {}
        for revision in self.controls[ota].reservations():
            state[str(revision["reservation_id"])] = bool(revision["acknowledged"])
        return state


@pytest.fixture(scope="module")
def sim_servers() -> Iterator[Sims]:
    started = {code: start_simulator(code) for code in OTAS}
    try:
        yield Sims({code: pair[0] for code, pair in started.items()}, {code: pair[1] for code, pair in started.items()})
    finally:
        for simulator, control in started.values():
            control.close()
            simulator.stop()


@pytest.fixture
def sims(sim_servers: Sims) -> Sims:
    for control in sim_servers.controls.values():
        control.reset()
        control.configure(requests_per_second=0, min_poll_interval_seconds=0)
    return sim_servers


@dataclass
class ConnectedHotel:
    hotel: TestHotel
    connections: dict[str, int] = field(default_factory=dict)  # OTA code → connection id

    @property
    def id(self) -> int:
        return self.hotel.id


def connect_property(
    sims: Sims, otas: tuple[str, ...] = OTAS, *, rooms: tuple[str, ...] = ("DLX", "STE")
) -> ConnectedHotel:
    """A property with DLX and STE (BAR, NRF each), connected to each simulator's demo hotel with
    ``rooms`` mapped; every connection due now."""
    hotel = make_property(
        rooms={"DLX": "Deluxe Double", "STE": "Riverside Suite"},
        plans={"DLX": {"BAR": "Best", "NRF": "Non-ref"}, "STE": {"BAR": "Best", "NRF": "Non-ref"}},
    )
    made = ConnectedHotel(hotel)
    for ota in otas:
        account = make_account(
            ota=ota,
            credentials=CASES[ota].credentials,
            base_url=sims.simulators[ota].url,
            name=f"{ota}-{uuid.uuid4().hex[:6]}",
        )
        connection = make_connection(hotel, account, DEMO_HOTEL_IDS[ota], next_poll_at=datetime.now(UTC))
        for room in rooms:
            map_room(connection, hotel.room_types[room], room)
            for plan in ("BAR", "NRF"):
                map_rate(connection, hotel.room_types[room], hotel.rate_plans[(room, plan)], room, plan)
        made.connections[ota] = connection
    return made


def fast_options(clock: FakeClock | None = None, *, read_timeout: float = 0.5, max_attempts: int = 2) -> AdapterOptions:
    return AdapterOptions(
        http=HttpSettings(connect_timeout=2.0, read_timeout=read_timeout),
        retry=RetryPolicy(max_attempts=max_attempts, base_delay=0.1, max_delay=0.5, max_retry_after=5.0),
        budget=Unlimited(),
        clock=clock or FakeClock(),
    )


AdapterPair = tuple[ota_access.ConnectionTarget, OtaAdapter]


def adapter_source(
    options: AdapterOptions | None = None, wrap: Callable[[OtaAdapter], OtaAdapter] | None = None
) -> Callable[[ota_access.ConnectionTarget], AbstractContextManager[AdapterPair]]:
    chosen = options or fast_options()

    @contextmanager
    def source(loaded: ota_access.ConnectionTarget) -> Iterator[AdapterPair]:
        with ota_access.target_adapter(loaded, options=chosen) as (target, adapter):
            yield target, (wrap(adapter) if wrap else adapter)

    return source


def job(property_id: int, trigger: str = "schedule") -> SyncJobMessage:
    return SyncJobMessage.model_validate(
        {"property_id": property_id, "trigger": trigger, "enqueued_at": datetime.now(UTC)}
    )


def stored_reservations(property_id: int) -> dict[tuple[str, str], int]:
    """(OTA, reservation id) → booking groups holding it (exactly one each when nothing doubled)."""
    with unit_of_work() as uow:
        rows = uow.session.execute(
            select(BookingGroup.ota_code, BookingGroup.ota_reservation_id).where(
                BookingGroup.property_id == property_id
            )
        ).all()
    counts: dict[tuple[str, str], int] = {}
    for ota, reservation_id in rows:
        counts[(str(ota), str(reservation_id))] = counts.get((str(ota), str(reservation_id)), 0) + 1
    return counts


def revisions(property_id: int) -> list[OtaReservationRevision]:
    with unit_of_work() as uow:
        rows = list(
            uow.session.scalars(
                select(OtaReservationRevision)
                .where(OtaReservationRevision.property_id == property_id)
                .order_by(OtaReservationRevision.id)
            )
        )
        uow.session.expunge_all()
        return rows


def sold(room_type_id: int, night: date) -> int:
    from chalicelib.db.models import InventoryDay

    with unit_of_work() as uow:
        cell = uow.session.get(InventoryDay, (room_type_id, night))
        return cell.sold if cell else 0
