"""The property sync worker behind the real moto queue: SQS redelivers every message 1-3 times and
nothing is doubled; a poison message is redriven to the DLQ and raises one sync alert."""

from __future__ import annotations

import io
import json
import time
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from app import app
from chalicelib.aws import clients
from chalicelib.aws.queues import queue_url
from chalicelib.aws.resources import SYNC_JOBS_QUEUE
from chalicelib.db.models import Alert
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.services import sync_alert_service, sync_jobs
from local.event_runner import EventRunner, LocalLambdaContext, sqs_event
from tests.integration.sync.conftest import OTAS, Sims, connect_property, revisions, sold, stored_reservations


def receive_all(url: str, expected: int) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    deadline = time.monotonic() + 20
    while len(messages) < expected and time.monotonic() < deadline:
        response = clients.sqs().receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageSystemAttributeNames=["All"]
        )
        messages.extend(response.get("Messages", []))
    return messages


def test_every_message_redelivered_one_to_three_times_stores_each_reservation_once(
    database_url: str, aws: object, sims: Sims
) -> None:
    # Given two reservations at each OTA and three jobs for the property on the real queue
    hotel = connect_property(sims)
    booked = {(ota, sims.book(ota, offset=12)) for ota in OTAS} | {(ota, sims.book(ota, offset=12)) for ota in OTAS}
    sync_jobs.enqueue_property_syncs([hotel.id], "schedule")
    sync_jobs.enqueue_property_syncs([hotel.id], "webhook", hint="announced")
    sync_jobs.enqueue_property_syncs([hotel.id], "manual")
    url = queue_url(SYNC_JOBS_QUEUE)
    messages = receive_all(url, 3)
    assert len(messages) == 3
    arn = clients.sqs().get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    handler = app.handler_map["property_sync_worker"]
    # When the deployed handler gets each message 1, 2 and 3 times (as SQS may deliver it)
    responses = []
    for times, message in zip((1, 2, 3), messages, strict=True):
        for _ in range(times):
            responses.append(
                handler(sqs_event([message], arn), LocalLambdaContext(function_name="property_sync_worker"))
            )
    # ...and once more all together in one batch
    responses.append(handler(sqs_event(messages, arn), LocalLambdaContext(function_name="property_sync_worker")))
    # Then no record failed, each reservation is stored once and acknowledged, and the rooms counted once
    assert all(response == {"batchItemFailures": []} for response in responses)
    assert sorted(stored_reservations(hotel.id)) == sorted(booked)
    assert all(count == 1 for count in stored_reservations(hotel.id).values())
    assert len(revisions(hotel.id)) == 8
    assert sold(hotel.hotel.room_types["DLX"], date.today() + timedelta(days=12)) == 8
    for ota, reservation_id in booked:
        assert sims.acknowledged(ota)[reservation_id] is True


def dlq_alerts() -> list[Alert]:
    with unit_of_work() as uow:
        rows = list(uow.session.scalars(select(Alert).where(Alert.type == "sync_failure").order_by(Alert.id)))
        uow.session.expunge_all()
        return rows


def test_a_poison_message_ends_in_the_dlq_and_raises_one_sync_alert(database_url: str, aws: object) -> None:
    sqs = clients.sqs()
    url = queue_url(SYNC_JOBS_QUEUE)
    dlq_url = queue_url(SYNC_JOBS_QUEUE.dlq_name)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "1"})
    # Given no dead letters: no alert (negative control)
    assert sync_alert_service.check_dead_letter_queues()[SYNC_JOBS_QUEUE.dlq_name] == 0
    assert dlq_alerts() == []
    # Given a message the worker can never parse
    poison = sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"kind": "property_sync", "property_id": "x"}))
    runner = EventRunner(app, out=io.StringIO())
    # When the event source mapping keeps offering it
    deliveries = 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        outcome = runner.poll_queue("property_sync_worker", wait_time_seconds=1)
        if outcome is not None:
            deliveries += 1
            assert outcome.failed_ids == [poison["MessageId"]]
        depth = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["ApproximateNumberOfMessages"])
        if int(depth["Attributes"]["ApproximateNumberOfMessages"]) == 1:
            break
    # Then after maxReceiveCount failures SQS moved it to the DLQ
    assert deliveries == SYNC_JOBS_QUEUE.max_receive_count
    # ...and the housekeeping check raises one critical sync alert, updated (not duplicated) on the next run
    assert sync_alert_service.check_dead_letter_queues()[SYNC_JOBS_QUEUE.dlq_name] == 1
    sync_alert_service.check_dead_letter_queues()
    alerts = dlq_alerts()
    assert len(alerts) == 1
    assert (alerts[0].severity, alerts[0].status, alerts[0].occurrences) == ("critical", "new", 2)
    assert alerts[0].details["dead_letter_queue"] == SYNC_JOBS_QUEUE.dlq_name
    # When the DLQ is drained, the alert is resolved
    sqs.purge_queue(QueueUrl=dlq_url)
    sync_alert_service.check_dead_letter_queues()
    assert [a.status for a in dlq_alerts()] == ["resolved"]


def test_jobs_for_one_property_in_one_batch_cost_one_pull(database_url: str, aws: object, sims: Sims) -> None:
    from chalicelib.db.models import OtaConnection, SyncRun

    hotel = connect_property(sims, ("traveloka",))
    reservation_id = sims.book("traveloka", offset=14)
    for trigger in ("webhook", "webhook", "manual"):
        sync_jobs.enqueue_property_syncs([hotel.id], trigger)  # type: ignore[arg-type]
    url = queue_url(SYNC_JOBS_QUEUE)
    messages = receive_all(url, 3)
    assert len(messages) == 3
    arn = clients.sqs().get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    handler = app.handler_map["property_sync_worker"]

    response = handler(sqs_event(messages, arn), LocalLambdaContext(function_name="property_sync_worker"))

    assert response == {"batchItemFailures": []}
    assert stored_reservations(hotel.id) == {("traveloka", reservation_id): 1}
    with unit_of_work() as uow:
        pulls = uow.session.scalars(
            select(SyncRun).where(SyncRun.property_id == hotel.id, SyncRun.kind == "pull")
        ).all()
    assert len(pulls) == 1, "the three jobs of the batch should have cost one pull"
    # Negative control: the same jobs in three separate invocations pull three times (empty
    # polls: counted on the connection, without a run row each)
    for message in messages:
        handler(sqs_event([message], arn), LocalLambdaContext(function_name="property_sync_worker"))
    with unit_of_work() as uow:
        pulls = uow.session.scalars(
            select(SyncRun).where(SyncRun.property_id == hotel.id, SyncRun.kind == "pull")
        ).all()
        empty = uow.session.scalars(select(OtaConnection.empty_polls).where(OtaConnection.property_id == hotel.id))
        assert len(pulls) + sum(empty) == 4
