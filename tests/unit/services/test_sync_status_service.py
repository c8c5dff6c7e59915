"""The sync status dashboard and "sync now" on the in-memory unit of work: intervals, staleness,
failure rates over the latest finished runs, recent runs newest first, scoping and pagination,
queue depths from the injected reader; sync now refused, rate limited, queued and audited."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.aws.queues import QueueDepth, SendResult
from chalicelib.domain.errors import Conflict, DependencyUnavailable, NotFound, RateLimited
from chalicelib.domain.sync_status import RunFilters, RunRecord
from chalicelib.services import sync_status_service as service
from tests.unit.fakes import FIXED_NOW, FakeStore
from tests.unit.services.conftest import make_caller
from tests.unit.services.ota_support import add_account, add_connection, add_property, fields_of

VN = make_caller(country="VN")
NOW = FIXED_NOW
DEPTHS = [QueueDepth("sync-jobs", 2, 1, 0)]


def _run(store: FakeStore, connection_id: int, status: str, minutes_ago: int, **changes: Any) -> RunRecord:
    connection = store.ota.connections[connection_id]
    run = RunRecord(
        id=store.ota.next_id(),
        connection_id=connection_id,
        property_id=connection.property_id,
        ota=connection.ota,
        kind="pull",
        trigger="schedule",
        status=status,
        started_at=NOW - timedelta(minutes=minutes_ago),
        finished_at=None,
        duration_ms=None,
        counts={},
        errors=[],
        warnings=[],
        error_kind="timeout" if status == "failed" else None,
        error_message=None,
        **changes,
    )
    store.ota.runs.append(run)
    return run


def _connected(store: FakeStore, property_id: int = 1, country: str = "VN", ota: str = "agoda") -> int:
    hotel = store.ota.properties.get(property_id) or add_property(store, property_id, country)
    return add_connection(store, hotel, add_account(store, 100 + property_id * 10 + len(ota), ota=ota), "H").id


def _status(store: FakeStore, **kw: Any) -> service.SyncStatus:
    return service.sync_status(
        VN,
        property_id=kw.pop("property_id", None),
        offset=kw.pop("offset", 0),
        limit=kw.pop("limit", 50),
        now=NOW,
        uow=store.unit_of_work,
        queue_depths=lambda: DEPTHS,
    )


def test_each_connection_shows_its_failure_rate_and_latest_runs_newest_first(store: FakeStore) -> None:
    agoda = _connected(store)
    _connected(store, ota="booking_com")
    for minutes_ago, status in ((60, "ok"), (59, "failed"), (58, "ok"), (57, "partial"), (56, "failed"), (55, "ok")):
        _run(store, agoda, status, minutes_ago)
    _run(store, agoda, "running", 1)
    [prop] = _status(store).properties
    a, b = prop.connections
    assert (a.runs_considered, a.failed_runs, a.partial_runs) == (6, 2, 1)  # the running one not counted
    assert a.failure_rate == pytest.approx(2 / 6, abs=1e-4)
    assert [r.status for r in a.recent_runs] == ["running", "ok", "failed", "partial", "ok"]
    assert (b.failure_rate, b.recent_runs, b.last_success_at) == (None, [], None)


def test_the_failure_rate_counts_only_the_latest_twenty_finished_runs(store: FakeStore) -> None:
    connection = _connected(store)
    for minutes_ago in range(40, 20, -1):
        _run(store, connection, "failed", minutes_ago + 100)
    for minutes_ago in range(20, 0, -1):
        _run(store, connection, "ok", minutes_ago)
    [line] = _status(store).properties[0].connections
    assert (line.runs_considered, line.failure_rate) == (20, 0)


def test_the_global_interval_applies_unless_the_connection_overrides_it(store: FakeStore) -> None:
    first = _connected(store)
    second = _connected(store, 2)
    store.ota.connections[second] = replace(store.ota.connections[second], poll_interval_seconds=45)
    store.setting_values["sync_poll_interval_seconds"] = 90
    lines = {c.connection_id: c for p in _status(store).properties for c in p.connections}
    assert (lines[first].poll_interval_seconds, lines[second].poll_interval_seconds) == (90, 45)


def test_an_active_connection_without_success_for_three_intervals_is_stale(store: FakeStore) -> None:
    connection = _connected(store)
    interval = 150
    store.ota.connections[connection] = replace(
        store.ota.connections[connection], last_success_at=NOW - timedelta(seconds=3 * interval + 1)
    )
    assert _status(store).properties[0].connections[0].stale is True
    store.ota.connections[connection] = replace(
        store.ota.connections[connection], last_success_at=NOW - timedelta(seconds=3 * interval - 1)
    )
    assert _status(store).properties[0].connections[0].stale is False


def test_a_connection_that_never_succeeded_is_stale_counted_from_its_creation(store: FakeStore) -> None:
    connection = _connected(store)
    store.ota.connections[connection] = replace(
        store.ota.connections[connection], created_at=NOW - timedelta(hours=1), last_success_at=None
    )
    assert _status(store).properties[0].connections[0].stale is True


def test_an_inactive_connection_is_never_stale(store: FakeStore) -> None:
    connection = _connected(store)
    store.ota.connections[connection] = replace(
        store.ota.connections[connection], is_active=False, created_at=NOW - timedelta(days=1)
    )
    assert _status(store).properties[0].connections[0].stale is False


def test_the_status_is_paginated_by_property_country_scoped_and_reports_the_queues(store: FakeStore) -> None:
    for property_id in (1, 2, 3):
        _connected(store, property_id)
    _connected(store, 4, "ID")
    add_property(store, 5)  # no connection: not on the dashboard
    first = _status(store, limit=2)
    second = _status(store, offset=2, limit=2)
    assert ([p.property_id for p in first.properties], first.total) == ([1, 2], 3)
    assert [p.property_id for p in second.properties] == [3]
    assert _status(store, property_id=4).properties == []
    assert first.queues == DEPTHS


def test_a_propertys_runs_are_newest_first_filtered_and_scoped(store: FakeStore) -> None:
    agoda = _connected(store)
    bdc = _connected(store, ota="booking_com")
    for minutes_ago, status in ((30, "ok"), (20, "failed"), (10, "ok")):
        _run(store, agoda, status, minutes_ago)
    _run(store, bdc, "ok", 5)
    runs, total = service.property_runs(VN, 1, RunFilters(), offset=0, limit=3, uow=store.unit_of_work)
    assert total == 4 and [r.started_at for r in runs] == sorted((r.started_at for r in runs), reverse=True)
    failed, _ = service.property_runs(VN, 1, RunFilters(status="failed"), offset=0, limit=50, uow=store.unit_of_work)
    assert [(r.connection_id, r.ota, r.error_kind) for r in failed] == [(agoda, "agoda", "timeout")]
    _, only_bdc = service.property_runs(
        VN, 1, RunFilters(connection_id=bdc), offset=0, limit=50, uow=store.unit_of_work
    )
    assert only_bdc == 1
    _connected(store, 9, "ID")
    with pytest.raises(NotFound):
        service.property_runs(VN, 9, RunFilters(), offset=0, limit=50, uow=store.unit_of_work)


class Recorder:
    def __init__(self, result: SendResult | Exception | None = None) -> None:
        self.result = result if result is not None else SendResult(sent=1)
        self.calls: list[Any] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls.append((args, kwargs))
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


def _sync_now(store: FakeStore, property_id: int, enqueue: Recorder, limit: Recorder | None = None) -> Any:
    return service.request_sync_now(
        VN, property_id, NOW, uow=store.unit_of_work, enforce_rate_limit=limit or Recorder(), enqueue=enqueue
    )


def test_sync_now_queues_one_manual_job_and_audits_it(store: FakeStore) -> None:
    first = _connected(store)
    second = _connected(store, ota="booking_com")
    enqueue, limit = Recorder(), Recorder()
    requested = _sync_now(store, 1, enqueue, limit)
    assert (requested.trigger, sorted(cid for cid, _ in requested.connections)) == ("manual", [first, second])
    assert enqueue.calls == [(([1], "manual"), {"now": NOW})]
    assert [args[0][1] for args, _ in limit.calls] == ["1"]  # counted per property
    [entry] = store.audit
    assert (entry.action, entry.entity_id, entry.country_code) == ("property.sync_requested", "1", "VN")
    assert entry.after == {"trigger": "manual", "connections": [first, second]}


def test_sync_now_without_an_active_connection_is_a_conflict_naming_property_id(store: FakeStore) -> None:
    connection = _connected(store)
    store.ota.connections[connection] = replace(store.ota.connections[connection], is_active=False)
    enqueue, limit = Recorder(), Recorder()
    with pytest.raises(Conflict) as refused:
        _sync_now(store, 1, enqueue, limit)
    assert fields_of(refused.value.details) == ["property_id"]
    assert enqueue.calls == [] and limit.calls == [] and store.audit == []


def test_sync_now_ignores_connections_of_disabled_accounts(store: FakeStore) -> None:
    connection = _connected(store)
    account_id = store.ota.connections[connection].ota_account_id
    store.ota.accounts[account_id] = replace(store.ota.accounts[account_id], status="disabled")
    with pytest.raises(Conflict):
        _sync_now(store, 1, Recorder())


def test_sync_now_of_another_countrys_property_is_not_found_and_queues_nothing(store: FakeStore) -> None:
    _connected(store, 1, "ID")
    enqueue = Recorder()
    with pytest.raises(NotFound):
        _sync_now(store, 1, enqueue)
    assert enqueue.calls == []


@pytest.mark.parametrize("outcome", [SendResult(sent=0, failed=["throttled"]), SendResult(sent=0)])
def test_a_job_sqs_did_not_take_is_a_dependency_error_and_is_not_audited(store: FakeStore, outcome: SendResult) -> None:
    _connected(store)
    with pytest.raises(DependencyUnavailable):
        _sync_now(store, 1, Recorder(outcome))
    assert store.audit == []


def test_a_rate_limited_sync_now_queues_nothing(store: FakeStore) -> None:
    _connected(store)
    enqueue = Recorder()
    with pytest.raises(RateLimited):
        _sync_now(store, 1, enqueue, Recorder(RateLimited("slow down", retry_after_seconds=30)))
    assert enqueue.calls == [] and store.audit == []
