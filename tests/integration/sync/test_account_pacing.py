"""Per-account pacing: one budget row per OTA account in PostgreSQL, shared by every worker.

- the SQL statement grants exactly what the domain's arithmetic grants (replayed with ``now``);
- concurrent workers never get more starts in a window than the account's limit, negative
  control: the same workers each with a budget of their own (what adapters had before) do;
- every request of a pull takes a slot of its account;
- a 429 backs off the whole account (its other hotels are deferred, not failed, and nothing is
  sent), honouring Retry-After, while another account of the same OTA goes on.

No timings are asserted: the checks read the starts the budget granted (the database's arithmetic),
never when requests happened to arrive.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from chalicelib.db.models import OtaAccountBudget, OtaConnection, SyncRun
from chalicelib.db.repositories import ota_budgets
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.ota_pacing import AccountPace, PaceState, SlotDecision, block, most_starts_in_window, take_slot
from chalicelib.services import account_pacing, property_sync_service
from local.simulators import DEMO_HOTEL_IDS, demo_hotel
from tests.integration.ota.conftest import CASES
from tests.integration.sync.conftest import ConnectedHotel, Sims, adapter_source, fast_options, job
from tests.ota_factories import make_account, make_connection, make_property, map_rate, map_room

PACE = AccountPace(limit=10, window_seconds=1.0, margin=1.0)  # exactly the limit: the strictest check
WORKERS = 8
SLOTS_EACH = 12


def budget_row(account_id: int) -> OtaAccountBudget | None:
    with unit_of_work() as uow:
        row = uow.session.get(OtaAccountBudget, account_id)
        if row is not None:
            uow.session.expunge(row)
        return row


def test_the_statement_grants_what_the_domain_arithmetic_grants(database_url: str, aws: object) -> None:
    account_id = make_account(ota="agoda")
    pace = AccountPace(limit=4, window_seconds=1.0, margin=1.25, burst=2)
    rng = random.Random(17)
    origin = datetime(2026, 12, 5, 6, 0, tzinfo=UTC)
    state: PaceState | None = None
    moment = 0.0
    for step in range(200):
        moment += rng.choice([0.0, 0.01, 0.05, 0.1, 0.3, 1.0, -0.2])  # callers' clocks disagree
        at = origin + timedelta(seconds=moment)
        if step % 37 == 36:  # now and then a 429
            with unit_of_work() as uow:
                ota_budgets.block_account(uow.session, account_id, 0.7, now=at)
            state = block(state, at.timestamp(), 0.7)
            continue
        max_wait = rng.choice([0.0, 0.5, 2.0])
        state, expected = take_slot(state, at.timestamp(), pace, max_wait)
        got = account_pacing.reserve(account_id, pace, max_wait=max_wait, now=at)
        assert got.granted == expected.granted, step
        # PostgreSQL rounds each step to the microsecond, the domain keeps floats: equal to 0.1 ms
        assert got.wait == pytest.approx(expected.wait, abs=1e-4), step
        if expected.start is not None:
            assert got.start == pytest.approx(expected.start, abs=1e-4), step
    row = budget_row(account_id)
    assert row is not None and row.granted + row.refused == 200 - 5 and row.rate_limited == 5


Take = Callable[[], SlotDecision]


def reserve_concurrently(take: list[Take]) -> list[float]:
    """Each worker thread takes its slots; the starts granted, all workers together."""
    starts: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(take))

    def work(take_one: Take) -> None:
        barrier.wait()
        for _ in range(SLOTS_EACH):
            decision: SlotDecision = take_one()
            assert decision.start is not None
            with lock:
                starts.append(decision.start)

    threads = [threading.Thread(target=work, args=(take_one,)) for take_one in take]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return starts


def test_concurrent_workers_never_exceed_the_account_budget(database_url: str, aws: object) -> None:
    account_id = make_account(ota="agoda")
    # Given eight workers (each its own thread and database connection) taking slots of one account
    shared: list[Take] = [lambda: account_pacing.reserve(account_id, PACE, max_wait=3600) for _ in range(WORKERS)]
    starts = reserve_concurrently(shared)
    # Then every slot was granted, and no window of a second holds more than the account's ten starts
    assert len(starts) == WORKERS * SLOTS_EACH
    assert most_starts_in_window(starts, PACE.window_seconds) <= PACE.limit
    row = budget_row(account_id)
    assert row is not None and row.granted == WORKERS * SLOTS_EACH

    # Negative control: the same workers, each with a budget of its own (one per adapter or
    # container, as before), pace themselves correctly and together exceed the account's limit
    def own_budget() -> Take:
        state: list[PaceState | None] = [None]

        def take_one() -> SlotDecision:
            state[0], decision = take_slot(state[0], time.time(), PACE, 3600)
            return decision

        return take_one

    separate = reserve_concurrently([own_budget() for _ in range(WORKERS)])
    assert len(separate) == WORKERS * SLOTS_EACH
    assert most_starts_in_window(separate, PACE.window_seconds) > PACE.limit


def connect(sims: Sims, ota: str, account_id: int, ota_hotel_id: str) -> ConnectedHotel:
    hotel = make_property(rooms={"DLX": "Deluxe Double"}, plans={"DLX": {"BAR": "Best"}})
    connection = make_connection(hotel, account_id, ota_hotel_id, next_poll_at=datetime.now(UTC))
    map_room(connection, hotel.room_types["DLX"], "DLX")
    map_rate(connection, hotel.room_types["DLX"], hotel.rate_plans[("DLX", "BAR")], "DLX", "BAR")
    return ConnectedHotel(hotel, {ota: connection})


def account(sims: Sims, ota: str) -> int:
    return make_account(ota=ota, credentials=CASES[ota].credentials, base_url=sims.simulators[ota].url)


def paced_source() -> property_sync_service.AdapterSource:
    """The worker's adapters with the default budget (the account's shared one) and a fake clock."""
    return adapter_source(replace(fast_options(), budget=None))


def requests_to(sims: Sims, ota: str) -> int:
    return len([entry for entry in sims.controls[ota].requests() if entry["operation"] != "control"])


def test_every_request_of_a_pull_takes_a_slot_of_its_account(database_url: str, aws: object, sims: Sims) -> None:
    for ota in ("agoda", "traveloka"):
        account_id = account(sims, ota)
        hotel = connect(sims, ota, account_id, DEMO_HOTEL_IDS[ota])
        sims.book(ota, offset=15)
        before = requests_to(sims, ota)
        (pulled,) = property_sync_service.sync_property(job(hotel.id), adapter_source=paced_source()).connections
        assert pulled.status == "ok" and pulled.counts.created == 1
        row = budget_row(account_id)
        # pull + acknowledgement (and whatever else the adapter sent): each went through the budget
        assert row is not None and row.granted == requests_to(sims, ota) - before >= 2, ota
    # Negative control: with a budget of the caller's own (tests' Unlimited), no row is touched
    unpaced = account(sims, "agoda")
    other = connect(sims, "agoda", unpaced, "agoda-unpaced")
    sims.simulators["agoda"].add_hotel(demo_hotel("agoda-unpaced"))
    property_sync_service.sync_property(job(other.id), adapter_source=adapter_source())
    assert budget_row(unpaced) is None


def test_a_429_backs_off_the_whole_account(database_url: str, aws: object, sims: Sims) -> None:
    for hotel_id in ("agoda-a1", "agoda-a2"):
        sims.simulators["agoda"].add_hotel(demo_hotel(hotel_id))
    busy, calm = account(sims, "agoda"), account(sims, "agoda")
    first, second = connect(sims, "agoda", busy, "agoda-a1"), connect(sims, "agoda", busy, "agoda-a2")
    elsewhere = connect(sims, "agoda", calm, "agoda-a1")  # the same OTA, another account
    source = paced_source()
    # Given Agoda answers the first hotel's pull 429 with Retry-After: 120 (longer than a worker waits)
    sims.controls["agoda"].add_fault("rate_limit", operation="reservations", retry_after=120, count=1)
    asked_at = datetime.now(UTC)
    (failed,) = property_sync_service.sync_property(job(first.id), adapter_source=source).connections
    assert failed.status == "failed" and failed.error is not None and failed.error.kind.value == "rate_limited"
    row = budget_row(busy)
    assert row is not None and row.rate_limited == 1 and row.slowdown == 2.0
    assert row.blocked_until is not None and row.blocked_until >= asked_at + timedelta(seconds=119)

    # When the account's other hotel is due: nothing is sent, the pull is deferred to the
    # Retry-After (not a failure of that hotel: no streak, no run row)
    before = requests_to(sims, "agoda")
    (deferred,) = property_sync_service.sync_property(job(second.id), adapter_source=source).connections
    assert deferred.status == "deferred"
    assert requests_to(sims, "agoda") == before
    with unit_of_work() as uow:
        connection = uow.session.get_one(OtaConnection, second.connections["agoda"])
        assert connection.consecutive_failures == 0 and connection.health.value == "ok"
        assert connection.next_poll_at is not None and connection.next_poll_at >= asked_at + timedelta(seconds=110)
        assert uow.session.scalars(select(SyncRun).where(SyncRun.property_id == second.id)).all() == []
    assert budget_row(busy).refused == 1  # type: ignore[union-attr]

    # Negative control: another Agoda account is not held back by this one's 429
    (pulled,) = property_sync_service.sync_property(job(elsewhere.id), adapter_source=source).connections
    assert pulled.status == "ok"
    assert requests_to(sims, "agoda") == before + 1
