"""Sync now, the sync status API and a property's sync runs: real PostgreSQL, moto SQS."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from chalicelib.aws import clients
from chalicelib.aws.queues import queue_url
from chalicelib.aws.resources import ARI_PUSH_QUEUE, SYNC_JOBS_QUEUE
from chalicelib.db.models import AuditLog, OtaConnection, SyncRun
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.permissions import Permission
from tests.factories import Identity, body_of
from tests.integration.test_webhooks import drain_sync_jobs
from tests.ota_factories import TestHotel, make_account, make_connection, make_property

SYNC_STAFF = Permission.SYNC_TRIGGER | Permission.SYNC_STATUS_READ


@pytest.fixture
def staff(aws: object, identity: Identity) -> dict[str, str]:
    return identity.login(identity.user(permissions=SYNC_STAFF, country="VN")).headers


def connected(country: str = "VN", otas: tuple[str, ...] = ("agoda", "booking_com")) -> tuple[TestHotel, list[int]]:
    hotel = make_property(country)
    connections = []
    for ota in otas:
        credentials = {"api_key": "k-1"} if ota in ("agoda", "traveloka") else {"username": "u", "password": "p"}
        connections.append(make_connection(hotel, make_account(country, ota=ota, credentials=credentials)))
    return hotel, connections


def add_runs(connection_id: int, property_id: int, statuses: list[str], start: datetime | None = None) -> None:
    """Runs one minute apart, the last in ``statuses`` the newest."""
    begin = start or datetime.now(UTC) - timedelta(hours=1)
    with unit_of_work() as uow:
        for index, status in enumerate(statuses):
            at = begin + timedelta(minutes=index)
            uow.session.add(
                SyncRun(
                    connection_id=connection_id,
                    property_id=property_id,
                    kind="pull",
                    trigger="schedule",
                    status=status,
                    started_at=at,
                    finished_at=None if status == "running" else at + timedelta(seconds=2),
                    duration_ms=None if status == "running" else 2000,
                    counts={"pulled": index},
                    error_kind="timeout" if status == "failed" else None,
                )
            )


# --- sync now ---------------------------------------------------------------------------------------------------


def test_sync_now_queues_a_manual_job_and_audits_it(identity: Identity, staff: dict[str, str]) -> None:
    hotel, connections = connected()
    response = identity.client.http.post(f"/properties/{hotel.id}/sync", headers=staff)
    assert response.status_code == 202, response.body
    body = body_of(response)
    assert body["property_id"] == hotel.id and body["trigger"] == "manual"
    assert sorted(body["connection_ids"]) == sorted(connections)
    assert [(j["property_id"], j["trigger"]) for j in drain_sync_jobs()] == [(hotel.id, "manual")]
    with unit_of_work() as uow:
        audit = uow.session.scalars(select(AuditLog).where(AuditLog.action == "property.sync_requested")).all()
    assert [(a.entity_id, a.country_code) for a in audit] == [(str(hotel.id), "VN")]


def test_sync_now_of_another_countrys_property_is_404_and_queues_nothing(
    identity: Identity, staff: dict[str, str]
) -> None:
    abroad, _ = connected("ID")
    response = identity.client.http.post(f"/properties/{abroad.id}/sync", headers=staff)
    assert response.status_code == 404
    assert drain_sync_jobs() == []


def test_sync_now_without_an_active_connection_is_409(identity: Identity, staff: dict[str, str]) -> None:
    hotel = make_property("VN")
    make_connection(hotel, make_account("VN", ota="agoda", credentials={"api_key": "k"}), is_active=False)
    response = identity.client.http.post(f"/properties/{hotel.id}/sync", headers=staff)
    assert response.status_code == 409
    assert body_of(response)["error"]["details"][0]["field"] == "path.property_id"
    assert drain_sync_jobs() == []


def test_sync_now_is_rate_limited_per_property(identity: Identity, staff: dict[str, str]) -> None:
    hotel, _ = connected()
    other, _ = connected()
    answers = [identity.client.http.post(f"/properties/{hotel.id}/sync", headers=staff) for _ in range(4)]
    assert [a.status_code for a in answers] == [202, 202, 202, 429]
    assert int(answers[-1].headers["Retry-After"]) >= 1
    assert len(drain_sync_jobs()) == 3
    # Control: the limit is per property, another one is not held back.
    assert identity.client.http.post(f"/properties/{other.id}/sync", headers=staff).status_code == 202


# --- sync status ----------------------------------------------------------------------------------------------


def status(identity: Identity, headers: dict[str, str], query: str = "") -> Any:
    response = identity.client.http.get(f"/sync/status{query}", headers=headers)
    assert response.status_code == 200, response.body
    return body_of(response)


def test_sync_status_reports_each_connection_with_failure_rate_and_recent_runs(
    identity: Identity, staff: dict[str, str]
) -> None:
    hotel, (agoda, bdc) = connected()
    now = datetime.now(UTC)
    with unit_of_work() as uow:
        row = uow.session.get(OtaConnection, agoda)
        assert row is not None
        row.last_poll_at, row.next_poll_at, row.last_success_at = now, now + timedelta(seconds=150), now
        row.health = "degraded"
        row.consecutive_failures = 1
    add_runs(agoda, hotel.id, ["ok", "failed", "ok", "partial", "failed", "ok", "running"])

    body = status(identity, staff, f"?property_id={hotel.id}")
    assert body["total"] == 1 and body["pages"] == 1
    [prop] = body["items"]
    assert (prop["property_id"], prop["country_code"]) == (hotel.id, "VN")
    by_id = {c["connection_id"]: c for c in prop["connections"]}
    a = by_id[agoda]
    assert (a["ota"], a["health"], a["consecutive_failures"], a["stale"]) == ("agoda", "degraded", 1, False)
    assert a["poll_interval_seconds"] == 150 and a["next_poll_at"] is not None
    assert (a["runs_considered"], a["failed_runs"], a["partial_runs"]) == (6, 2, 1)  # the running one not counted
    assert a["failure_rate"] == pytest.approx(2 / 6, abs=1e-4)
    assert [r["status"] for r in a["recent_runs"]] == ["running", "ok", "failed", "partial", "ok"]  # newest first
    assert a["recent_runs"][0]["ota"] == "agoda"
    b = by_id[bdc]
    assert (b["failure_rate"], b["recent_runs"], b["last_success_at"]) == (None, [], None)


def test_failure_rate_counts_only_the_latest_runs(identity: Identity, staff: dict[str, str]) -> None:
    hotel, (agoda,) = connected(otas=("agoda",))
    add_runs(agoda, hotel.id, ["failed"] * 10 + ["ok"] * 20)  # old failures fall out of the window
    [prop] = status(identity, staff, f"?property_id={hotel.id}")["items"]
    assert prop["connections"][0]["runs_considered"] == 20
    assert prop["connections"][0]["failure_rate"] == 0


def test_a_connection_without_success_for_three_intervals_is_stale(identity: Identity, staff: dict[str, str]) -> None:
    hotel, (agoda,) = connected(otas=("agoda",))
    with unit_of_work() as uow:
        row = uow.session.get(OtaConnection, agoda)
        assert row is not None
        row.poll_interval_seconds = 60
        row.last_success_at = datetime.now(UTC) - timedelta(seconds=181)
    [prop] = status(identity, staff, f"?property_id={hotel.id}")["items"]
    assert prop["connections"][0]["stale"] is True
    with unit_of_work() as uow:
        row = uow.session.get(OtaConnection, agoda)
        assert row is not None
        row.last_success_at = datetime.now(UTC) - timedelta(seconds=100)
    [prop] = status(identity, staff, f"?property_id={hotel.id}")["items"]
    assert prop["connections"][0]["stale"] is False


def test_sync_status_is_paginated_and_country_scoped(identity: Identity, staff: dict[str, str]) -> None:
    mine = [connected()[0].id for _ in range(3)]
    make_property("VN")  # no connection: not listed
    abroad, _ = connected("ID")
    first = status(identity, staff, "?page=1&page_size=2")
    second = status(identity, staff, "?page=2&page_size=2")
    assert (first["total"], first["pages"], second["total"]) == (3, 2, 3)
    listed = [p["property_id"] for p in first["items"] + second["items"]]
    assert listed == sorted(mine)
    assert abroad.id not in listed
    assert status(identity, staff, f"?property_id={abroad.id}")["items"] == []


def test_sync_status_reports_queue_depths_from_sqs(identity: Identity, staff: dict[str, str]) -> None:
    sqs = clients.sqs()
    for _ in range(3):
        sqs.send_message(QueueUrl=queue_url(SYNC_JOBS_QUEUE), MessageBody=json.dumps({"x": 1}))
    sqs.send_message(QueueUrl=queue_url(SYNC_JOBS_QUEUE.dlq_name), MessageBody="poison")
    sqs.send_message(
        QueueUrl=queue_url(ARI_PUSH_QUEUE), MessageBody="{}", MessageGroupId="c1", MessageDeduplicationId="d1"
    )
    in_flight = sqs.receive_message(QueueUrl=queue_url(SYNC_JOBS_QUEUE), MaxNumberOfMessages=1, VisibilityTimeout=60)
    assert len(in_flight.get("Messages", [])) == 1
    queues = {q["name"]: q for q in status(identity, staff)["queues"]}
    assert set(queues) == {
        SYNC_JOBS_QUEUE.name,
        SYNC_JOBS_QUEUE.dlq_name,
        ARI_PUSH_QUEUE.name,
        ARI_PUSH_QUEUE.dlq_name,
    }
    assert (queues[SYNC_JOBS_QUEUE.name]["visible"], queues[SYNC_JOBS_QUEUE.name]["in_flight"]) == (2, 1)
    assert queues[SYNC_JOBS_QUEUE.dlq_name]["visible"] == 1
    assert queues[ARI_PUSH_QUEUE.name]["visible"] == 1
    assert queues[ARI_PUSH_QUEUE.dlq_name]["visible"] == 0
    assert all(q["error"] is None for q in queues.values())


def test_sync_status_needs_its_permission(identity: Identity, staff: dict[str, str]) -> None:
    bookings_only = identity.login(identity.user(permissions=Permission.BOOKINGS_READ, country="VN")).headers
    assert identity.client.http.get("/sync/status", headers=bookings_only).status_code == 403


# --- sync runs ----------------------------------------------------------------------------------------------------


def test_property_sync_runs_are_paginated_newest_first_and_filterable(
    identity: Identity, staff: dict[str, str]
) -> None:
    hotel, (agoda, bdc) = connected()
    add_runs(agoda, hotel.id, ["ok", "failed", "ok"])
    add_runs(bdc, hotel.id, ["partial"])
    other, (elsewhere, _) = connected()
    add_runs(elsewhere, other.id, ["ok"])

    def runs(query: str = "") -> Any:
        response = identity.client.http.get(f"/properties/{hotel.id}/sync-runs{query}", headers=staff)
        assert response.status_code == 200, response.body
        return body_of(response)

    page = runs("?page_size=3")
    assert (page["total"], page["pages"], len(page["items"])) == (4, 2, 3)
    starts = [r["started_at"] for r in page["items"] + runs("?page=2&page_size=3")["items"]]
    assert starts == sorted(starts, reverse=True)
    assert {r["property_id"] for r in page["items"]} == {hotel.id}
    failed = runs("?status=failed")["items"]
    assert [(r["connection_id"], r["ota"], r["error_kind"]) for r in failed] == [(agoda, "agoda", "timeout")]
    assert runs(f"?connection_id={bdc}")["total"] == 1
    bad = identity.client.http.get(f"/properties/{hotel.id}/sync-runs?status=nope", headers=staff)
    assert bad.status_code == 422 and "query.status" in bad.body.decode()
