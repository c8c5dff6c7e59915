"""Sub-minute polling: the minutely dispatch plans every pull due before the next minute, each at
its own second (SQS DelaySeconds), one job per property and second, and two dispatchers running
at once never plan the same pull twice."""

from __future__ import annotations

import itertools
import json
import threading
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from chalicelib.aws import clients
from chalicelib.db.models import OtaConnection
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.sync_schedule import plan_pulls
from chalicelib.services import ota_connection_service, sync_dispatch_service
from tests.ota_factories import make_account, make_connection, make_property

Pulls = dict[int, list[datetime]]  # connection id → the moments its pulls were scheduled for


class ScheduledPulls:
    """Every pull the dispatcher sends (a botocore hook on SendMessageBatch: nothing patched)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.jobs: list[tuple[datetime, dict[str, Any]]] = []
        self.dispatched_at = datetime.now(UTC)
        clients.sqs().meta.events.register("provide-client-params.sqs.SendMessageBatch", self._record)

    def _record(self, params: dict[str, Any], **_: Any) -> None:
        with self.lock:
            for entry in params["Entries"]:
                at = self.dispatched_at + timedelta(seconds=entry.get("DelaySeconds", 0))
                self.jobs.append((at, json.loads(entry["MessageBody"])))

    def by_connection(self) -> Pulls:
        pulls: Pulls = defaultdict(list)
        for at, body in self.jobs:
            for connection_id in body["connection_ids"]:
                pulls[connection_id].append(at)
        return {connection_id: sorted(moments) for connection_id, moments in pulls.items()}


def test_each_connection_is_pulled_at_its_own_interval_across_several_minutes(database_url: str, aws: object) -> None:
    start = datetime.now(UTC).replace(microsecond=0)
    booking, expedia, agoda = (make_account(ota=ota) for ota in ("booking_com", "expedia", "agoda"))
    hotel, other = make_property(), make_property()
    # Given: Booking.com (its 20 s default), Expedia (the global 150 s), Agoda overridden to 45 s,
    # and on a second property a Booking.com connection overridden to 60 s, due at various seconds
    intervals = {
        make_connection(hotel, booking, next_poll_at=start + timedelta(seconds=3)): 20,
        make_connection(hotel, expedia, next_poll_at=start + timedelta(seconds=3)): 150,
        make_connection(hotel, agoda, next_poll_at=start + timedelta(seconds=10), poll_interval_seconds=45): 45,
        make_connection(other, booking, next_poll_at=start + timedelta(seconds=30), poll_interval_seconds=60): 60,
    }
    property_of = {cid: (hotel.id if n < 3 else other.id) for n, cid in enumerate(intervals)}
    sent = ScheduledPulls()
    # When the minutely dispatch runs ten simulated minutes
    minutes = 10
    for minute in range(minutes):
        sent.dispatched_at = start + timedelta(minutes=minute)
        sync_dispatch_service.dispatch_due(sent.dispatched_at)
    # Then each connection's pulls are exactly its interval apart, none skipped, none twice
    pulls = sent.by_connection()
    span = timedelta(minutes=minutes)
    for connection_id, interval in intervals.items():
        moments = pulls[connection_id]
        gaps = {(b - a).total_seconds() for a, b in itertools.pairwise(moments)}
        assert gaps == {interval}, (connection_id, interval, gaps)
        first = moments[0]
        assert len(moments) == len(range(0, int((start + span - first).total_seconds()), interval))
    assert len(pulls[next(iter(intervals))]) >= 29  # Booking.com: three pulls a minute, not one
    # ...each job names only its own property's connections due at its second: one job per property and second
    seconds: dict[tuple[int, datetime], int] = defaultdict(int)
    for at, body in sent.jobs:
        assert body["trigger"] == "schedule"
        assert {property_of[c] for c in body["connection_ids"]} == {body["property_id"]}
        seconds[(body["property_id"], at)] += 1
    assert set(seconds.values()) == {1}
    # ...so Booking.com and Expedia, due together at 3 s and 303 s, share those two jobs
    shared = [at - start for at, body in sent.jobs if len(body["connection_ids"]) == 2]
    assert shared == [timedelta(seconds=3), timedelta(seconds=303)]


def test_two_dispatchers_at_once_never_plan_a_pull_twice(database_url: str, aws: object) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    accounts = [make_account(ota=ota) for ota in ("booking_com", "expedia")]
    connections = [
        make_connection(hotel, account, uuid.uuid4().hex[:10], next_poll_at=now - timedelta(seconds=1))
        for hotel in (make_property() for _ in range(30))
        for account in accounts
    ]
    sent = ScheduledPulls()
    sent.dispatched_at = now
    barrier = threading.Barrier(2)
    counts: dict[str, int] = {}

    def dispatcher(name: str) -> None:
        barrier.wait()
        counts[name] = sync_dispatch_service.dispatch_due(now, limit=4).connections

    threads = [threading.Thread(target=dispatcher, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    # Then every connection was claimed by exactly one of them, and its pulls were planned once:
    # three for a Booking.com connection (20 s), one for Expedia (150 s)
    assert counts["a"] + counts["b"] == len(connections)
    assert counts["a"] and counts["b"]  # both took part
    pulls = sent.by_connection()
    assert sorted(pulls) == sorted(connections)
    assert sorted(len(moments) for moments in pulls.values()) == [1] * 30 + [3] * 30
    assert all(len(set(moments)) == len(moments) for moments in pulls.values())
    # ...and a third dispatch in the same minute finds nothing left to plan
    assert sync_dispatch_service.dispatch_due(now).connections == 0


def test_negative_control_planning_without_the_claim_plans_pulls_twice(database_url: str, aws: object) -> None:
    """Two dispatchers reading due connections without SKIP LOCKED and the in-transaction move
    plan the same pulls: the uniqueness above is the claim's doing."""
    now = datetime.now(UTC).replace(microsecond=0)
    account = make_account(ota="booking_com")
    for _ in range(5):
        make_connection(make_property(), account, next_poll_at=now)
    planned: dict[str, list[tuple[int, int]]] = {"a": [], "b": []}
    barrier = threading.Barrier(2)

    def naive(name: str) -> None:
        with unit_of_work() as uow:
            rows = uow.session.execute(
                select(OtaConnection.id, OtaConnection.next_poll_at).where(
                    OtaConnection.next_poll_at < now + timedelta(seconds=60)
                )
            ).all()
            barrier.wait()
            for connection_id, due in rows:
                plan = plan_pulls(due, now, interval_seconds=20, horizon_seconds=60)
                planned[name].extend((connection_id, delay) for delay in plan.delays)

    threads = [threading.Thread(target=naive, args=(name,)) for name in planned]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(planned["a"]) == 15
    assert set(planned["a"]) & set(planned["b"])


def test_a_pull_never_moves_the_next_poll_before_the_pulls_already_scheduled(database_url: str, aws: object) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    account = make_account(ota="booking_com")
    scheduled, unscheduled, empty = (make_connection(make_property(), account, next_poll_at=now) for _ in range(3))
    # Given a dispatch planned the pulls at 0, 20 and 40 s of the first two (next poll at 60 s)
    sync_dispatch_service.dispatch_due(now)
    with unit_of_work() as uow:
        uow.session.get_one(OtaConnection, unscheduled).scheduled_until = None  # the control: as if never scheduled
    # When the pull at 0 s is recorded, as a poll with something (a run) or an empty poll
    kept = ota_connection_service.record_poll_result(scheduled, polled_at=now, error=None, default_interval_seconds=150)
    moved = ota_connection_service.record_poll_result(
        unscheduled, polled_at=now, error=None, default_interval_seconds=150
    )
    (target,) = [t for t in ota_connection_service.active_connections_for_property(prop_of(empty))]
    ota_connection_service.record_empty_poll(target, polled_at=now, default_interval_seconds=150)
    # Then the next poll stays after the planned ones (another dispatch would plan them again),
    # while without a schedule it is one interval (20 s) on
    assert kept is not None and kept.next_poll_at == now + timedelta(seconds=60)
    assert moved is not None and moved.next_poll_at == now + timedelta(seconds=20)
    with unit_of_work() as uow:
        assert uow.session.get_one(OtaConnection, empty).next_poll_at == now + timedelta(seconds=60)


def prop_of(connection_id: int) -> int:
    with unit_of_work() as uow:
        return uow.session.get_one(OtaConnection, connection_id).property_id
