"""A property connected to all four OTA simulators (real HTTP), the app's queues on moto, and the
local event runner driving the ARI push worker exactly as Lambda's event source mapping would."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from app import app
from chalicelib.aws import clients
from chalicelib.aws.queues import queue_url
from chalicelib.aws.resources import ARI_PUSH_QUEUE
from chalicelib.db.models import InventoryDay, SyncRun
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.ota.base import AdapterOptions
from chalicelib.ota.budget import Unlimited
from chalicelib.ota.transport import HttpSettings, RetryPolicy
from chalicelib.services import ari_push_service
from local.event_runner import BatchOutcome, EventRunner
from local.simulators import DEMO_HOTEL_IDS, SIMULATORS, Simulator, demo_hotel
from local.simulators.client import SimulatorClient
from tests.booking_factories import Hotel, make_hotel
from tests.ota_factories import make_account, make_connection, map_rate, map_room

OTAS = ("booking_com", "expedia", "agoda", "traveloka")

# Short timeouts and one transport retry: a fault fails the push quickly, and SQS redelivers.
FAST = AdapterOptions(
    http=HttpSettings(connect_timeout=2.0, read_timeout=1.0, write_timeout=2.0, pool_timeout=2.0),
    retry=RetryPolicy(max_attempts=2, base_delay=0.05, max_delay=0.2, max_retry_after=1.0),
    budget=Unlimited(),
)


def queue_depth(url: str) -> int:
    attributes = clients.sqs().get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


@dataclass
class PushWorld:
    hotel: Hotel
    simulators: dict[str, Simulator]
    controls: dict[str, SimulatorClient]
    connections: dict[str, int]
    runner: EventRunner
    outcomes: list[BatchOutcome] = field(default_factory=list)

    @property
    def room_type_id(self) -> int:
        return self.hotel.room_type_ids[0]

    def drain(self, timeout: float = 60.0) -> list[BatchOutcome]:
        """Run the push worker until the ARI queue is empty (failed messages come back after 1 s)."""
        import time

        url = queue_url(ARI_PUSH_QUEUE)
        seen: list[BatchOutcome] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            outcome = self.runner.poll_queue("ari_push_worker", wait_time_seconds=1)
            if outcome is not None:
                seen.append(outcome)
            elif queue_depth(url) == 0:
                break
        else:
            raise AssertionError("the ARI push queue did not drain")
        self.outcomes.extend(seen)
        return seen

    def full_push_all(self) -> None:
        for connection_id in self.connections.values():
            ari_push_service.enqueue_full_push(connection_id, self.hotel.property_id)
        self.drain()

    def calendar(self) -> dict[date, int]:
        """What channels should show: max(0, available) per night of the room type."""
        with unit_of_work() as uow:
            cells = uow.session.scalars(
                select(InventoryDay).where(InventoryDay.room_type_id == self.room_type_id).order_by(InventoryDay.night)
            ).all()
            return {
                cell.night: max(0, cell.total - cell.sold - cell.held - cell.blocked - cell.buffer) for cell in cells
            }

    def shown(self, ota: str) -> dict[date, int]:
        """The availability the OTA now shows for the mapped room (room-level cells)."""
        found: dict[date, int] = {}
        for cell in self.simulators[ota].ari_view(DEMO_HOTEL_IDS[ota], "DLX", None):
            if "availability" in cell:
                found[date.fromisoformat(cell["date"])] = int(cell["availability"])
        return found

    def ari_messages(self, ota: str) -> list[dict[str, Any]]:
        return list(self.controls[ota].ari_messages())

    def sync_runs(self, ota: str | None = None) -> list[SyncRun]:
        with unit_of_work() as uow:
            statement = select(SyncRun).order_by(SyncRun.id)
            if ota is not None:
                statement = statement.where(SyncRun.connection_id == self.connections[ota])
            runs = list(uow.session.scalars(statement))
            uow.session.expunge_all()
            return runs


@pytest.fixture
def push_world(database_url: str, aws: object) -> Iterator[PushWorld]:
    sqs = clients.sqs()
    sqs.set_queue_attributes(QueueUrl=queue_url(ARI_PUSH_QUEUE), Attributes={"VisibilityTimeout": "1"})
    simulators: dict[str, Simulator] = {}
    controls: dict[str, SimulatorClient] = {}
    try:
        for code in OTAS:
            simulator = SIMULATORS[code]().start()
            simulator.add_hotel(demo_hotel(DEMO_HOTEL_IDS[code]))
            simulators[code] = simulator
            controls[code] = SimulatorClient(simulator.url)
            controls[code].configure(requests_per_second=0, min_poll_interval_seconds=0)
        hotel = make_hotel("VN", rooms=(5,), nights=30, with_rate_plans=True)
        room_type_id = hotel.room_type_ids[0]
        connections: dict[str, int] = {}
        from tests.ota_factories import TestHotel

        target = TestHotel(hotel.property_id, "VN")
        for code, simulator in simulators.items():
            account_id = make_account(ota=code, credentials=dict(simulator.default_credentials), base_url=simulator.url)
            connection_id = make_connection(target, account_id, DEMO_HOTEL_IDS[code])
            map_room(connection_id, room_type_id, "DLX")
            map_rate(connection_id, room_type_id, hotel.rate_plan_ids[room_type_id], "DLX", "BAR")
            connections[code] = connection_id
        runner = EventRunner(
            app,
            out=io.StringIO(),
            handlers={
                "ari_push_worker": lambda event, context: ari_push_service.handle_ari_push_batch(
                    event, context, options=FAST
                )
            },
        )
        yield PushWorld(hotel, simulators, controls, connections, runner)
    finally:
        for simulator in simulators.values():
            simulator.stop()
