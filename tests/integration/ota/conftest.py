"""Fixtures for the OTA tests: each OTA's simulator on a free port, adapters built by the factory
against it over real HTTP, a fake clock so retries and budgets never sleep, and the published
schemas (compiled once per session)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from chalicelib.domain.ota_credentials import OtaCredentials
from chalicelib.ota.base import AdapterOptions, OtaAdapter
from chalicelib.ota.budget import FakeClock, RequestBudget, Unlimited
from chalicelib.ota.factory import build_adapter
from chalicelib.ota.transport import HttpSettings, RetryPolicy
from local.simulators import DEMO_HOTEL_IDS, SIMULATORS, Simulator, demo_hotel
from local.simulators.client import SimulatorClient
from tests.support.ota_schemas import SchemaSet, schema_set


@dataclass(frozen=True)
class OtaCase:
    """What differs between OTAs in the shared end-to-end tests."""

    code: str
    display_name: str
    credentials: dict[str, str]
    wrong_credentials: dict[str, str]
    missing_field: str  # part of the field path the adapter names when the simulator drops one
    # Agoda shows each booking's current state only: a modification pulled before its original
    # replaces it (there is no separate original revision to deliver later).
    current_state_only: bool = False
    hostile_xml_kind: str = "unsafe_payload"  # Traveloka speaks JSON: an XML bomb is just "not JSON"


CASES: dict[str, OtaCase] = {
    "booking_com": OtaCase(
        code="booking_com",
        display_name="Booking.com",
        credentials={"username": "ptx-machine", "password": "machine-pass-1"},
        wrong_credentials={"username": "ptx-machine", "password": "not-the-password"},
        missing_field="TimeSpan",
    ),
    "expedia": OtaCase(
        code="expedia",
        display_name="Expedia",
        credentials={"username": "ptx-eqc", "password": "eqc-pass-1"},
        wrong_credentials={"username": "ptx-eqc", "password": "wrong-pass-9"},
        missing_field="StayDate",
    ),
    "agoda": OtaCase(
        code="agoda",
        display_name="Agoda",
        credentials={"api_key": "agoda-key-0123456789"},
        wrong_credentials={"api_key": "agoda-key-stolen-or-old"},
        missing_field="room_id",
        current_state_only=True,
    ),
    "traveloka": OtaCase(
        code="traveloka",
        display_name="Traveloka",
        credentials={"api_key": "tvlk-key-0123456789"},
        wrong_credentials={"api_key": "tvlk-key-wrong"},
        missing_field="check_in",
        hostile_xml_kind="malformed_response",
    ),
}


@dataclass
class OtaHarness:
    case: OtaCase
    simulator: Simulator
    control: SimulatorClient
    clock: FakeClock = field(default_factory=FakeClock)
    hotel_id: str = ""

    def adapter(
        self,
        credentials: dict[str, str] | None = None,
        *,
        budget: RequestBudget | None = None,
        transport: httpx.BaseTransport | None = None,
        max_attempts: int = 4,
        read_timeout: float = 0.5,
    ) -> OtaAdapter:
        values = dict(credentials or self.case.credentials)
        options = AdapterOptions(
            http=HttpSettings(connect_timeout=2.0, read_timeout=read_timeout),
            retry=RetryPolicy(max_attempts=max_attempts, base_delay=0.2, max_delay=2.0, max_retry_after=30.0),
            budget=budget or Unlimited(),
            clock=self.clock,
            transport=transport,
        )
        return build_adapter(
            self.case.code, lambda: OtaCredentials(values), base_url=self.simulator.url, options=options
        )

    def book(self, *, nights: int = 2, offset: int = 10, **overrides: Any) -> str:
        """Create a reservation at the OTA (via the control API); returns its id."""
        check_in = date.today() + timedelta(days=offset)
        body: dict[str, Any] = {
            "hotel_id": self.hotel_id,
            "room_id": "DLX",
            "rate_plan_id": "BAR",
            "check_in": check_in.isoformat(),
            "check_out": (check_in + timedelta(days=nights)).isoformat(),
            "adults": 2,
            "children": 1,
            "guest": {"first_name": "Lan", "last_name": "Pham", "email": "lan@example.com", "phone": "+84 90 123 4567"},
            "nightly_rate": "1250000.50",
            "currency": "VND",
        }
        body.update(overrides)
        return str(self.control.create_reservation(**body)["reservation_id"])


def start_simulator(code: str) -> tuple[Simulator, SimulatorClient]:
    simulator = SIMULATORS[code]().start()
    simulator.add_hotel(demo_hotel(DEMO_HOTEL_IDS[code]))
    control = SimulatorClient(simulator.url)
    # The simulators' own request-rate limits are exercised by dedicated tests; elsewhere they
    # would only add retries.
    control.configure(requests_per_second=0, min_poll_interval_seconds=0)
    return simulator, control


@pytest.fixture(params=list(CASES), ids=list(CASES))
def ota(request: pytest.FixtureRequest) -> Iterator[OtaHarness]:
    """One harness per OTA: its simulator with the demo hotel, and a way to build adapters."""
    code = request.param
    simulator, control = start_simulator(code)
    try:
        yield OtaHarness(case=CASES[code], simulator=simulator, control=control, hotel_id=DEMO_HOTEL_IDS[code])
    finally:
        control.close()
        simulator.stop()


def harness_for(code: str) -> Iterator[OtaHarness]:
    simulator, control = start_simulator(code)
    try:
        yield OtaHarness(case=CASES[code], simulator=simulator, control=control, hotel_id=DEMO_HOTEL_IDS[code])
    finally:
        control.close()
        simulator.stop()


@pytest.fixture
def booking_com() -> Iterator[OtaHarness]:
    yield from harness_for("booking_com")


@pytest.fixture
def expedia() -> Iterator[OtaHarness]:
    yield from harness_for("expedia")


@pytest.fixture
def agoda() -> Iterator[OtaHarness]:
    yield from harness_for("agoda")


@pytest.fixture
def traveloka() -> Iterator[OtaHarness]:
    yield from harness_for("traveloka")


# --- published schemas --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def ota_schemas() -> SchemaSet:
    return schema_set()


class RecordingTransport(httpx.BaseTransport):
    """Real HTTP, plus a copy of every request and response body (for schema validation)."""

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()
        self.exchanges: list[tuple[httpx.Request, bytes, int, bytes]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        sent = request.read()
        response = self._inner.handle_request(request)
        received = response.read()
        response.close()
        self.exchanges.append((request, sent, response.status_code, received))
        return httpx.Response(response.status_code, headers=response.headers, content=received, request=request)

    def close(self) -> None:
        self._inner.close()


# --- the OTA accounts / connections API ----------------------------------------------------------------------


@pytest.fixture
def ota_api(identity: Any) -> Any:
    """An OTA Operator in Vietnam, logged in; the app's KMS key exists on the session's moto."""
    from tests.integration.ota.api_support import OtaApi
    from tests.ota_factories import ensure_kms_key

    ensure_kms_key()
    return OtaApi(identity, identity.headers(role="OTA Operator", country="VN"))
