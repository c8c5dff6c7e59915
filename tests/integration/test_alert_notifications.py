"""Alert notifications: outbox row in the booking's transaction, SNS right after commit, the sweeper for leftovers.

An SQS queue subscribed to the alerts topic in moto stands in for the email and chat subscribers.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from chalicelib.aws import clients
from chalicelib.aws.notifications import alerts_topic_arn
from chalicelib.aws.resources import ALERTS_TOPIC_NAME
from chalicelib.db.models import OutboxMessage
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.services import booking_service, outbox_service
from tests.booking_factories import Hotel, make_hotel, ota_request


def _subscribed_queue() -> str:
    sqs = clients.sqs()
    url = sqs.create_queue(QueueName=f"alerts-inbox-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    clients.sns().subscribe(TopicArn=alerts_topic_arn(), Protocol="sqs", Endpoint=arn)
    return str(url)


def _messages(queue_url: str) -> list[dict[str, Any]]:
    received = clients.sqs().receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    return [json.loads(message["Body"]) for message in received.get("Messages", [])]


def _overbook(hotel: Hotel, suffix: str) -> Any:
    booking_service.ingest_ota_reservation(ota_request(hotel, f"BDC-{suffix}", "0001", first=2, nights=1))
    return booking_service.ingest_ota_reservation(
        ota_request(hotel, f"AGD-{suffix}", "0001", first=2, nights=1, ota=OtaCode.AGODA)
    )


def test_an_overbooking_alert_reaches_the_sns_topic_right_after_the_commit(database_url: str, aws: object) -> None:
    queue = _subscribed_queue()
    hotel = make_hotel(rooms=(1,))

    result = _overbook(hotel, "N1")

    notifications = _messages(queue)
    assert len(notifications) == 1
    envelope = notifications[0]
    assert envelope["TopicArn"].endswith(f":{ALERTS_TOPIC_NAME}")
    assert envelope["MessageAttributes"]["severity"]["Value"] == "critical"
    message = json.loads(envelope["Message"])
    assert message["alert_id"] == result.alert_ids[0]
    assert (message["type"], message["event"], message["night"]) == (
        "overbooking",
        "created",
        hotel.night(2).isoformat(),
    )
    assert message["summary"]["overbooked_by"] == 1
    with unit_of_work() as uow:
        row = uow.session.scalar(select(OutboxMessage).where(OutboxMessage.topic == outbox_service.ALERTS_TOPIC))
        assert row is not None and row.published_at is not None and row.attempts == 1


def test_what_the_relay_could_not_publish_is_sent_by_the_sweeper(database_url: str, aws: object) -> None:
    hotel = make_hotel(rooms=(1,))
    sns = clients.sns()
    sns.delete_topic(TopicArn=alerts_topic_arn())  # SNS unavailable when the booking commits

    result = _overbook(hotel, "N2")

    assert result.alert_ids  # the alert committed with the booking, notification or not
    with unit_of_work() as uow:
        row = uow.session.scalar(select(OutboxMessage).where(OutboxMessage.topic == outbox_service.ALERTS_TOPIC))
        assert row is not None
        assert (row.published_at, row.attempts) == (None, 1)
        assert row.last_error and "SNS" in row.last_error
    sns.create_topic(Name=ALERTS_TOPIC_NAME)
    queue = _subscribed_queue()

    assert outbox_service.sweep() == {"outbox_published": 0, "outbox_failed": 0}  # not due yet (backoff)
    with unit_of_work() as uow:
        uow.session.execute(update(OutboxMessage).values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert outbox_service.sweep() == {"outbox_published": 1, "outbox_failed": 0}

    [envelope] = _messages(queue)
    assert json.loads(envelope["Message"])["alert_id"] == result.alert_ids[0]
    assert outbox_service.sweep() == {"outbox_published": 0, "outbox_failed": 0}  # published exactly once here
