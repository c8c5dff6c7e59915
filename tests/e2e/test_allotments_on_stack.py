"""`make run` with allotments: a new contract withdraws its rooms from every OTA simulator, they come
back on every simulator once its release step is in force, and an agency's user and API key see
their agency only.

The release runs as the existing release tests drive it: the housekeeping task
(``allotment_service.apply_releases``) with a clock set past the release time, here against the
stack's own database; the stack's outbox sweeper and ARI push worker then carry the change to the
simulators (nothing in the test talks to them but to read what they show)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from chalicelib.db.unit_of_work import SqlUnitOfWork
from chalicelib.services import allotment_service
from local.demo_seed import DEMO_PASSWORD
from tests.e2e.conftest import RunningStack
from tests.e2e.test_ari_push_on_stack import shown, simulator_urls
from tests.support import http

ROOM = "STD"
NIGHTS = (16, 17)  # days from today: nights the demo bookings leave alone
OTHER_NIGHT = 19
RELEASE_DAYS = 10  # the contract's release step: 10 days before each night, keep no unsold room
WAIT_SECONDS = 240  # a wait, not a speed check: e2e stacks share the cores; housekeeping runs each minute


class Client:
    def __init__(self, base: str, headers: dict[str, str]) -> None:
        self.base, self.headers = base, headers

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> httpx.Response:
        return http.request(
            method, f"{self.base}{path}", headers=self.headers, json=body, params=params or None, timeout=30
        )

    def ok(self, method: str, path: str, body: Any = None, status: int = 200, **params: Any) -> Any:
        answer = self.call(method, path, body, **params)
        assert answer.status_code == status, f"{method} {path}: {answer.status_code} {answer.text}"
        return answer.json()


def login(base: str, email: str, password: str) -> Client:
    answer = http.post(f"{base}/auth/login", json={"email": email, "password": password}, timeout=30)
    assert answer.status_code == 200, answer.text
    return Client(base, {"Authorization": f"Bearer {answer.json()['access_token']}"})


def wait_until(check: Callable[[], list[str]], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    problems = check()
    while problems and time.monotonic() < deadline:
        time.sleep(2)
        problems = check()
    assert not problems, f"{what}: {problems}"


def database_url(stack: RunningStack) -> str:
    return stack.wait_for_line("stack        database: ").split("database: ", 1)[1].split()[0]


def stack_unit_of_work(url: str) -> Callable[[], Any]:
    """Units of work on the stack's database (after-commit relays are left to the stack's sweeper)."""
    sessions = sessionmaker(create_engine(url, pool_size=1), expire_on_commit=False)

    @contextmanager
    def factory() -> Iterator[SqlUnitOfWork]:
        session = sessions()
        try:
            with session.begin():
                yield SqlUnitOfWork(session)
        finally:
            session.close()

    return factory


def demo_hotel(stack: RunningStack, room: str) -> tuple[Client, dict[str, Any], dict[str, Any], dict[str, str]]:
    """The VN manager's client, the demo hotel SGN-RIV, its room type ``room`` and the simulators' URLs."""
    manager = login(stack.base_url, "manager.vn@demo.ptx-cm.local", DEMO_PASSWORD)
    hotel = next(p for p in manager.ok("GET", "/properties", page_size=50)["items"] if p["code"] == "SGN-RIV")
    room_type = next(rt for rt in manager.ok("GET", f"/properties/{hotel['id']}/room-types") if rt["code"] == room)
    return manager, hotel, room_type, simulator_urls(stack)


def available(client: Client, property_id: int, room: str, nights: list[str]) -> dict[str, int]:
    """Our calendar: night → rooms available (0 for an oversold night) of room type ``room``."""
    grid = client.ok("GET", f"/properties/{property_id}/calendar", date_from=nights[0], date_to=nights[-1])
    row = next(r for r in grid["room_types"] if r["code"] == room)
    return {night["night"]: max(0, night["available"]) for night in row["nights"]}


def simulators_showing(urls: dict[str, str], room: str, expected: dict[str, int]) -> Callable[[], list[str]]:
    """A check for :func:`wait_until`: the simulators whose availability of ``room`` differs from ``expected``."""

    def check() -> list[str]:
        return [
            f"{ota}: {got} != {expected}"
            for ota, url in urls.items()
            if (got := {n: v for n, v in shown(url, ota, room).items() if n in expected}) != expected
        ]

    return check


def season(room_type_id: int, first: date, last: date, rooms: int) -> dict[str, Any]:
    return {
        "room_type_id": room_type_id,
        "date_from": first.isoformat(),
        "date_to": last.isoformat(),
        "rooms": rooms,
        "rate": "1000000",
    }


def test_a_contract_takes_rooms_off_every_simulator_gives_them_back_at_release_and_agencies_see_their_own(
    local_stack: RunningStack,
) -> None:
    base = local_stack.base_url
    manager, hotel, room_type, urls = demo_hotel(local_stack, ROOM)
    today = datetime.now(UTC).date()
    nights = [(today + timedelta(days=offset)).isoformat() for offset in NIGHTS]

    def ours() -> dict[str, int]:
        return available(manager, hotel["id"], ROOM, nights)

    def simulators_show(expected: dict[str, int]) -> Callable[[], list[str]]:
        return simulators_showing(urls, ROOM, expected)

    before = ours()
    wait_until(simulators_show(before), "the simulators never showed our calendar")

    # Given an agency with an active contract of 3 rooms on those nights (and another agency's contract)
    agency = manager.ok("POST", "/agencies", {"code": "E2E-AG", "name": "E2E Travel", "country_code": "VN"}, 201)
    other = manager.ok("POST", "/agencies", {"code": "E2E-OTHER", "name": "Other Travel", "country_code": "VN"}, 201)
    first, last = today + timedelta(days=NIGHTS[0]), today + timedelta(days=NIGHTS[-1])
    contract = manager.ok(
        "POST",
        "/contracts",
        {
            "agency_id": agency["id"],
            "property_id": hotel["id"],
            "name": "E2E allotment",
            "status": "active",
            "currency": "VND",
            "seasons": [season(room_type["id"], first, last, 3)],
            "release_steps": [{"days_before": RELEASE_DAYS, "rooms_kept": 0}],
        },
        201,
    )
    other_night = today + timedelta(days=OTHER_NIGHT)
    other_contract = manager.ok(
        "POST",
        "/contracts",
        {
            "agency_id": other["id"],
            "property_id": hotel["id"],
            "name": "Other allotment",
            "status": "active",
            "currency": "VND",
            "seasons": [season(room_type["id"], other_night, other_night, 1)],
        },
        201,
    )

    # Then every simulator shows 3 rooms fewer on those nights
    withheld = {night: rooms - 3 for night, rooms in before.items()}
    assert ours() == withheld
    wait_until(simulators_show(withheld), "the contract did not withdraw its rooms from every simulator")

    # And the agency's user and its API key see their agency only
    manager.ok(
        "POST",
        f"/agencies/{agency['id']}/users",
        {"email": "admin@e2e-travel.example", "full_name": "E2E Admin", "admin": True, "password": "Agency-Pass-9981x"},
        201,
    )
    partner = login(base, "admin@e2e-travel.example", "Agency-Pass-9981x")
    key = partner.ok(
        "POST", f"/agencies/{agency['id']}/api-keys", {"name": "E2E system", "permissions": ["CONTRACTS_READ"]}, 201
    )["key"]
    system = Client(base, {"X-API-Key": key})
    for probe in (partner, system):
        assert [c["id"] for c in probe.ok("GET", "/contracts")["items"]] == [contract["id"]]
        assert probe.call("GET", f"/contracts/{other_contract['id']}").status_code == 404
        assert probe.call("GET", f"/properties/{hotel['id']}/allotments").status_code == 403
    assert [a["id"] for a in partner.ok("GET", "/agencies")["items"]] == [agency["id"]]
    assert partner.call("GET", "/bookings").status_code == 403
    assert system.call("GET", "/me").status_code == 403

    # When the release job runs a minute before the last night's release time: the first night (whose
    # release came a day earlier) is back in the pool, the last one still withheld
    local = ZoneInfo("Asia/Ho_Chi_Minh")  # SGN-RIV's time zone
    release_time = datetime.combine(last - timedelta(days=RELEASE_DAYS), clock_time(0, 0), tzinfo=local)
    work = stack_unit_of_work(database_url(local_stack))
    allotment_service.apply_releases(uow=work, clock=lambda: (release_time - timedelta(minutes=1)).astimezone(UTC))
    assert ours() == {nights[0]: before[nights[0]], nights[1]: withheld[nights[1]]}
    # ... and a minute after it: both nights are released
    after = (release_time + timedelta(minutes=1)).astimezone(UTC)
    assert allotment_service.apply_releases(uow=work, clock=lambda: after)["properties"] >= 1
    assert ours() == before
    # Then the rooms come back on every simulator (the stack relays and pushes them)
    wait_until(simulators_show(before), "the released rooms did not come back on every simulator")

    # Leave the shared stack as it was: the real clock would withhold the rooms again at the next run.
    for ended in (contract, other_contract):
        manager.ok("DELETE", f"/contracts/{ended['id']}")
