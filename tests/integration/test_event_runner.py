"""The local event runner behaves like Lambda's SQS event source mapping and EventBridge."""

from __future__ import annotations

import io
import json
import time
from collections import Counter

from sqlalchemy import select

from app import app
from chalicelib.aws import clients
from chalicelib.aws.queues import queue_url
from chalicelib.aws.resources import HEARTBEAT_QUEUE
from chalicelib.db.models import Heartbeat
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.services.heartbeat_service import emit_heartbeat
from local.event_runner import EventRunner


def queue_depth(url: str) -> int:
    attributes = clients.sqs().get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_scheduled_heartbeat_reaches_the_worker_through_sqs(database_url: str, aws: object) -> None:
    # Given the real app's heartbeat schedule and worker
    out = io.StringIO()
    runner = EventRunner(app, out=out)
    # When the schedule fires and the runner polls the heartbeat queue
    assert runner.invoke_schedule("heartbeat").ok
    outcome = runner.poll_queue("heartbeat_worker", wait_time_seconds=2)
    # Then the worker stored exactly that message, and the runner said so in one line each
    assert outcome is not None and outcome.failed_ids == []
    with unit_of_work() as uow:
        rows = uow.session.scalars(select(Heartbeat)).all()
    assert [row.message_id for row in rows] == outcome.message_ids
    log = out.getvalue()
    assert "schedule heartbeat" in log and "sqs      heartbeat_worker" in log
    assert queue_depth(queue_url(HEARTBEAT_QUEUE)) == 0


def test_failed_record_is_redelivered_then_dead_lettered_and_successes_are_not_redelivered(
    database_url: str, aws: object
) -> None:
    sqs = clients.sqs()
    url = queue_url(HEARTBEAT_QUEUE)
    dlq_url = sqs.get_queue_url(QueueName=HEARTBEAT_QUEUE.dlq_name)["QueueUrl"]
    # A short visibility timeout so redelivery happens in seconds, not the deployed 30 s.
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "1"})
    # Given two good heartbeats and one poison message (no emitted_at: fails validation every time)
    emit_heartbeat(source="good-1")
    emit_heartbeat(source="good-2")
    poison_id = sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"kind": "heartbeat", "source": "poison"}))[
        "MessageId"
    ]
    runner = EventRunner(app, out=io.StringIO())

    # When the runner keeps polling until the queue is drained
    outcomes = []
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline:
        outcome = runner.poll_queue("heartbeat_worker", wait_time_seconds=1)
        if outcome is not None:
            outcomes.append(outcome)
        if queue_depth(url) == 0 and queue_depth(dlq_url) == 1:
            break

    # Then each good message was delivered and deleted exactly once
    deliveries = Counter(message_id for outcome in outcomes for message_id in outcome.message_ids)
    good_ids = [m for m in deliveries if m != poison_id]
    assert len(good_ids) == 2
    assert all(deliveries[m] == 1 for m in good_ids)
    with unit_of_work() as uow:
        stored = {row.message_id: row.receive_count for row in uow.session.scalars(select(Heartbeat))}
    assert stored == dict.fromkeys(good_ids, 1)
    # ...the poison one was offered maxReceiveCount times, failed every time, and is now in the DLQ
    assert deliveries[poison_id] == HEARTBEAT_QUEUE.max_receive_count
    assert all(poison_id in o.failed_ids for o in outcomes if poison_id in o.message_ids)
    dead = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]
    assert [m["MessageId"] for m in dead] == [poison_id]
    assert queue_depth(url) == 0
    # ...and the first batch was a partial failure: two deleted, one left for redelivery
    first = outcomes[0]
    assert sorted(first.message_ids) == sorted([*good_ids, poison_id])
    assert first.failed_ids == [poison_id]


def test_dead_letter_growth_is_reported(database_url: str, aws: object) -> None:
    sqs = clients.sqs()
    dlq_url = sqs.get_queue_url(QueueName=HEARTBEAT_QUEUE.dlq_name)["QueueUrl"]
    out = io.StringIO()
    runner = EventRunner(app, out=out)
    assert runner.check_dead_letter_queues()[HEARTBEAT_QUEUE.dlq_name] == 0
    sqs.send_message(QueueUrl=dlq_url, MessageBody="{}")
    assert runner.check_dead_letter_queues()[HEARTBEAT_QUEUE.dlq_name] == 1
    assert "now holds 1 dead-lettered message" in out.getvalue()


def test_a_delayed_message_is_handed_over_only_once_its_delay_has_passed(database_url: str, aws: object) -> None:
    """The runner honours DelaySeconds as SQS does (the sub-minute schedule relies on it)."""
    url = queue_url(HEARTBEAT_QUEUE)
    runner = EventRunner(app, out=io.StringIO())
    # Given one message sent with a 3 s delay and one without (the control)
    body = json.dumps({"kind": "heartbeat", "source": "delayed", "emitted_at": "2026-12-05T00:00:00Z"})
    delayed_id = clients.sqs().send_message(QueueUrl=url, MessageBody=body, DelaySeconds=3)["MessageId"]
    sent_at = time.monotonic()
    emit_heartbeat(source="at-once")
    # When the runner polls right away, it gets the undelayed one only
    first = runner.poll_queue("heartbeat_worker", wait_time_seconds=0)
    assert first is not None and delayed_id not in first.message_ids and len(first.message_ids) == 1
    if time.monotonic() - sent_at < 2.5:  # still inside the delay: nothing else to hand over
        assert runner.poll_queue("heartbeat_worker", wait_time_seconds=0) is None
    # Then, once the delay has passed, the delayed one is handed over and stored
    later = None
    deadline = time.monotonic() + 30
    while later is None and time.monotonic() < deadline:
        later = runner.poll_queue("heartbeat_worker", wait_time_seconds=1)
    assert later is not None and later.message_ids == [delayed_id] and later.failed_ids == []
    assert time.monotonic() - sent_at >= 3
    with unit_of_work() as uow:
        sources = set(uow.session.scalars(select(Heartbeat.source)))
    assert sources == {"delayed", "at-once"}
