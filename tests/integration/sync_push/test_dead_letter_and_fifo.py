"""A push that keeps failing ends in the DLQ with a sync alert; the event runner keeps FIFO groups in order."""

from __future__ import annotations

import io
import json
import time
import uuid
from typing import Any

from sqlalchemy import select

from app import app
from chalicelib.aws import clients
from chalicelib.aws.queues import OutgoingMessage, queue_url, send_messages
from chalicelib.aws.resources import ARI_PUSH_QUEUE
from chalicelib.db.models import Alert
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.services import booking_service
from local.event_runner import EventRunner
from tests.booking_factories import ota_request
from tests.integration.sync_push.conftest import OTAS, PushWorld, queue_depth


def test_a_push_that_keeps_failing_is_dead_lettered_with_a_sync_alert(push_world: PushWorld) -> None:
    push_world.full_push_all()
    # Given Traveloka failing every ARI request from now on
    push_world.controls["traveloka"].add_fault("http_error", count=1000, operation="ari", status=500)
    booking_service.ingest_ota_reservation(ota_request(push_world.hotel, "D-1", "1", first=2, ota=OtaCode.AGODA))
    # When the worker runs until the queue is empty
    push_world.drain(timeout=90)
    # Then the Traveloka message was tried max_receive_count times and is in the DLQ
    sqs = clients.sqs()
    dlq = sqs.get_queue_url(QueueName=ARI_PUSH_QUEUE.dlq_name)["QueueUrl"]
    assert queue_depth(dlq) == 1
    runs = [run for run in push_world.sync_runs("traveloka") if run.kind == "push"]
    assert [run.status for run in runs] == ["failed"] * ARI_PUSH_QUEUE.max_receive_count
    # ...one sync-failure alert names the channel (raised once, on the last attempt)
    with unit_of_work() as uow:
        alerts = list(uow.session.scalars(select(Alert).where(Alert.type == "sync_failure")))
        assert [(a.channel, a.property_id) for a in alerts] == [("traveloka", push_world.hotel.property_id)]
        assert "Traveloka" in alerts[0].title
    # ...and the other channels were not held up by it (their own FIFO groups)
    calendar = push_world.calendar()
    for ota in OTAS:
        if ota != "traveloka":
            assert push_world.shown(ota) == calendar, ota


def test_event_runner_leaves_the_rest_of_a_failed_group_and_goes_on_with_other_groups(aws: object) -> None:
    # Given three messages of group A and one of group B on a FIFO queue
    sqs = clients.sqs()
    url = queue_url(ARI_PUSH_QUEUE)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "1"})
    bodies = [("A", "a1"), ("A", "a2"), ("B", "b1"), ("A", "a3")]
    send_messages(
        ARI_PUSH_QUEUE,
        [
            OutgoingMessage(body={"name": name}, group_id=group, deduplication_id=uuid.uuid4().hex)
            for group, name in bodies
        ],
    )
    handled: list[str] = []
    fail_once = {"a2"}

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        failures = []
        for record in event["Records"]:
            name = json.loads(record["body"])["name"]
            handled.append(name)
            if name in fail_once:
                fail_once.discard(name)
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}  # says nothing about a3: the runner must keep it

    runner = EventRunner(app, out=io.StringIO(), handlers={"ari_push_worker": handler})
    deadline = time.monotonic() + 30
    while queue_depth(url) and time.monotonic() < deadline:
        runner.poll_queue("ari_push_worker", wait_time_seconds=1)
    # Then a3, processed fine in the failed batch, was still left on the queue behind a2 and
    # offered again; a1 and b1 were handled once; everything was finally deleted
    assert queue_depth(url) == 0
    assert handled[:4] == ["a1", "a2", "b1", "a3"]
    assert handled.count("a1") == 1 and handled.count("b1") == 1
    assert handled.count("a2") == 2 and handled.count("a3") == 2
    # (moto may redeliver a3 before a2, which real SQS does not; the push worker does not rely on
    # delivery order: versions decide, see test_push_faults_and_ordering.py)
