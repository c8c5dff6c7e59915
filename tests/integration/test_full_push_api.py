"""``POST /ota-connections/{id}/full-push``: a person queues a connection's whole calendar to its
OTA (the wizard's last step, the connection screen's button). Real PostgreSQL, moto SQS."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from chalicelib.aws import clients
from chalicelib.aws.queues import queue_url
from chalicelib.aws.resources import ARI_PUSH_QUEUE
from chalicelib.db.models import AuditLog
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.permissions import Permission
from tests.factories import Identity, body_of
from tests.ota_factories import make_account, make_connection, make_property


@pytest.fixture
def staff(aws: object, identity: Identity) -> dict[str, str]:
    permissions = Permission.SYNC_TRIGGER | Permission.SYNC_STATUS_READ
    return identity.login(identity.user(permissions=permissions, country="VN")).headers


def full_pushes_of(connection_id: int) -> list[dict[str, Any]]:
    """The full_push messages for the connection on ari-push.fifo now (received and deleted)."""
    sqs = clients.sqs()
    url = queue_url(ARI_PUSH_QUEUE)
    bodies: list[dict[str, Any]] = []
    while found := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", []):
        for message in found:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return [b for b in bodies if b.get("connection_id") == connection_id and b.get("kind") == "full_push"]


def a_connection(country: str = "VN", *, is_active: bool = True) -> tuple[int, int]:
    hotel = make_property(country)
    account = make_account(country, ota="agoda", credentials={"api_key": "k-1"})
    return hotel.id, make_connection(hotel, account, is_active=is_active)


def test_a_full_push_is_queued_for_the_connection_and_audited(identity: Identity, staff: dict[str, str]) -> None:
    property_id, connection_id = a_connection()
    response = identity.client.http.post(f"/ota-connections/{connection_id}/full-push", headers=staff)
    assert response.status_code == 202, response.body
    body = body_of(response)
    assert (body["connection_id"], body["property_id"], body["ota"]) == (connection_id, property_id, "agoda")
    [message] = full_pushes_of(connection_id)
    assert (message["property_id"], message["trigger"]) == (property_id, "manual")
    with unit_of_work() as uow:
        audit = uow.session.scalars(
            select(AuditLog).where(AuditLog.action == "ota_connection.full_push_requested")
        ).all()
    assert [(a.entity_id, a.country_code) for a in audit if a.entity_id == str(connection_id)] == [
        (str(connection_id), "VN")
    ]


def test_an_inactive_connection_is_409_naming_it_and_queues_nothing(identity: Identity, staff: dict[str, str]) -> None:
    _, connection_id = a_connection(is_active=False)
    response = identity.client.http.post(f"/ota-connections/{connection_id}/full-push", headers=staff)
    assert response.status_code == 409, response.body
    assert body_of(response)["error"]["details"][0]["field"] == "path.connection_id"
    assert full_pushes_of(connection_id) == []


def test_another_countrys_connection_is_404_and_queues_nothing(identity: Identity, staff: dict[str, str]) -> None:
    _, abroad = a_connection("ID")
    response = identity.client.http.post(f"/ota-connections/{abroad}/full-push", headers=staff)
    assert response.status_code == 404
    assert full_pushes_of(abroad) == []


def test_a_full_push_needs_the_sync_trigger_permission(identity: Identity, aws: object) -> None:
    _, connection_id = a_connection()
    reader = identity.login(identity.user(permissions=Permission.SYNC_STATUS_READ, country="VN")).headers
    response = identity.client.http.post(f"/ota-connections/{connection_id}/full-push", headers=reader)
    assert response.status_code == 403
    assert full_pushes_of(connection_id) == []
