"""Dispatch: only due connections are claimed, their next poll moves in the same transaction, one
jittered job per property, and two dispatchers running at once never take the same connection."""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from chalicelib.aws import clients
from chalicelib.db.models import OtaConnection
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.services import ota_connection_service, sync_dispatch_service
from tests.ota_factories import make_account, make_connection, make_property


class SentBatches:
    """Every SendMessageBatch the app makes, as sent (a botocore event hook: no patching)."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []
        clients.sqs().meta.events.register("provide-client-params.sqs.SendMessageBatch", self._record)

    def _record(self, params: dict[str, Any], **_: Any) -> None:
        self.entries.extend(params["Entries"])

    def property_ids(self) -> list[int]:
        return sorted(json.loads(entry["MessageBody"])["property_id"] for entry in self.entries)


def next_polls() -> dict[int, datetime | None]:
    with unit_of_work() as uow:
        rows = uow.session.execute(select(OtaConnection.id, OtaConnection.next_poll_at)).all()
        return {row[0]: row[1] for row in rows}


def test_only_due_connections_are_dispatched_and_pushed_one_interval_ahead(database_url: str, aws: object) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    expedia, agoda = make_account(ota="expedia"), make_account(ota="agoda")
    due, overridden, later = make_property(), make_property(), make_property()
    # Given: a property with two due connections, one whose connection overrides the interval, one not due yet
    due_a = make_connection(due, expedia, next_poll_at=now - timedelta(seconds=5))
    due_b = make_connection(due, agoda, next_poll_at=now)
    override = make_connection(overridden, expedia, next_poll_at=now - timedelta(minutes=3), poll_interval_seconds=600)
    not_due = make_connection(later, expedia, next_poll_at=now + timedelta(seconds=90))  # after the next dispatch
    inactive = make_connection(later, agoda, next_poll_at=now - timedelta(minutes=1), is_active=False)
    sent = SentBatches()
    # When the dispatcher runs
    counts = sync_dispatch_service.dispatch_due(now)
    # Then one job per due property, and each claimed connection's next poll is one interval after
    # its (jittered: it was due) pull, the property's connections together
    assert (counts.connections, counts.properties, counts.enqueued, counts.failed) == (3, 2, 2, 0)
    assert sent.property_ids() == sorted([due.id, overridden.id])
    polls = next_polls()
    assert polls[due_a] == polls[due_b]
    assert now + timedelta(seconds=150) <= polls[due_a] <= now + timedelta(seconds=180)  # type: ignore[operator]
    assert now + timedelta(seconds=600) <= polls[override] <= now + timedelta(seconds=660)  # type: ignore[operator]
    assert polls[not_due] == now + timedelta(seconds=90)
    assert polls[inactive] == now - timedelta(minutes=1)
    # ...jittered within the documented spread (20 % of the property's interval, capped at 60 s)
    bound = {due.id: 30, overridden.id: 60}
    for entry in sent.entries:
        assert 0 <= entry.get("DelaySeconds", 0) <= bound[json.loads(entry["MessageBody"])["property_id"]]
    assert all(json.loads(e["MessageBody"])["trigger"] == "schedule" for e in sent.entries)
    # And a second run in the same minute finds nothing due
    assert sync_dispatch_service.dispatch_due(now).connections == 0
    # ...while the global setting drives the default interval (negative control for the override)
    assert sync_dispatch_service.dispatch_due(now + timedelta(seconds=181)).connections == 3  # not the override
    assert next_polls()[override] == polls[override]


def test_jitter_spread_is_a_capped_fraction_of_the_interval() -> None:
    assert sync_dispatch_service.jitter_spread_seconds(150) == 30
    assert sync_dispatch_service.jitter_spread_seconds(20) == 4
    assert sync_dispatch_service.jitter_spread_seconds(3600) == sync_dispatch_service.MAX_JITTER_SECONDS


def test_a_large_cycle_is_claimed_in_batches_and_spread(database_url: str, aws: object) -> None:
    now = datetime.now(UTC)
    account = make_account(ota="traveloka")
    hotels = [make_property() for _ in range(25)]
    for hotel in hotels:  # overdue (new connections, or a backlog): spread by the jitter
        make_connection(hotel, account, next_poll_at=now - timedelta(minutes=2))
    sent = SentBatches()
    counts = sync_dispatch_service.dispatch_due(now, limit=10)
    assert (counts.connections, counts.properties, counts.batches) == (25, 25, 3)
    assert sent.property_ids() == sorted(h.id for h in hotels)
    delays = [entry.get("DelaySeconds", 0) for entry in sent.entries]
    assert max(delays) <= 30 and len(set(delays)) > 1  # spread, not all at once


def test_two_dispatchers_at_once_claim_disjoint_sets(database_url: str, aws: object) -> None:
    now = datetime.now(UTC)
    accounts = [make_account(ota=ota) for ota in ("booking_com", "expedia")]
    for _ in range(40):
        hotel = make_property()
        for account in accounts:
            make_connection(hotel, account, uuid.uuid4().hex[:10], next_poll_at=now - timedelta(seconds=1))
    claimed: dict[str, list[int]] = {"a": [], "b": []}
    barrier = threading.Barrier(2)

    def dispatcher(name: str) -> None:
        barrier.wait()
        while True:
            batch = ota_connection_service.claim_due_connections(default_interval_seconds=150, now=now, limit=7)
            if not batch:
                return
            claimed[name].extend(target.connection_id for target in batch)
            time.sleep(0.05)  # let the other dispatcher in: on a loaded machine one could take every batch

    threads = [threading.Thread(target=dispatcher, args=(name,)) for name in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not set(claimed["a"]) & set(claimed["b"])
    assert len(claimed["a"]) + len(claimed["b"]) == 80
    assert claimed["a"] and claimed["b"]  # both took part


def test_negative_control_readers_without_the_claim_lock_overlap(database_url: str, aws: object) -> None:
    """Without SKIP LOCKED and the in-transaction move, two dispatchers see the same connections:
    the disjointness above is the claim's doing."""
    now = datetime.now(UTC)
    account = make_account(ota="agoda")
    for _ in range(10):
        make_connection(make_property(), account, next_poll_at=now - timedelta(seconds=1))
    seen: dict[str, set[int]] = {"a": set(), "b": set()}
    barrier = threading.Barrier(2)

    def naive(name: str) -> None:
        with unit_of_work() as uow:
            rows = uow.session.scalars(select(OtaConnection.id).where(OtaConnection.next_poll_at <= now)).all()
            barrier.wait()
            seen[name].update(rows)
            uow.session.execute(
                update(OtaConnection).where(OtaConnection.id.in_(rows)).values(next_poll_at=now + timedelta(minutes=3))
            )

    threads = [threading.Thread(target=naive, args=(name,)) for name in seen]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert seen["a"] & seen["b"]
