"""Sending to the app's SQS queues."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.aws import clients
from chalicelib.aws.resources import QueueSpec
from chalicelib.config import get_settings

_url_lock = threading.Lock()
_queue_urls: dict[tuple[str, str | None], str] = {}

SQS_MAX_BATCH = 10


def queue_url(spec: QueueSpec | str) -> str:
    """Resolve (and cache per endpoint) the URL of a queue by name."""
    name = spec if isinstance(spec, str) else spec.name
    key = (name, get_settings().aws_endpoint_url)
    url = _queue_urls.get(key)
    if url is None:
        url = clients.sqs().get_queue_url(QueueName=name)["QueueUrl"]
        with _url_lock:
            _queue_urls[key] = url
    return url


def reset_queue_urls() -> None:
    with _url_lock:
        _queue_urls.clear()


@dataclass(frozen=True)
class OutgoingMessage:
    body: Mapping[str, Any]
    group_id: str | None = None  # FIFO queues only
    deduplication_id: str | None = None  # FIFO queues only
    delay_seconds: int = 0
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass
class SendResult:
    sent: int = 0
    failed: list[str] = field(default_factory=list)  # error messages, one per failed entry


def send_messages(spec: QueueSpec, messages: Iterable[OutgoingMessage]) -> SendResult:
    """Send messages in batches of ten; report entries SQS refused instead of raising."""
    url = queue_url(spec)
    result = SendResult()
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        if not batch:
            return
        response = clients.sqs().send_message_batch(QueueUrl=url, Entries=batch)
        result.sent += len(response.get("Successful", []))
        result.failed.extend(
            f"{item['Id']}: {item.get('Code')} {item.get('Message', '')}".strip() for item in response.get("Failed", [])
        )
        batch.clear()

    for message in messages:
        entry: dict[str, Any] = {
            "Id": uuid.uuid4().hex,
            "MessageBody": json.dumps(message.body, separators=(",", ":"), default=str),
        }
        if message.attributes:
            entry["MessageAttributes"] = {
                name: {"DataType": "String", "StringValue": value} for name, value in message.attributes.items()
            }
        if spec.fifo:
            if message.group_id is None:
                raise ValueError(f"{spec.name} is FIFO: every message needs a group_id")
            entry["MessageGroupId"] = message.group_id
            entry["MessageDeduplicationId"] = message.deduplication_id or uuid.uuid4().hex
        elif message.delay_seconds:
            entry["DelaySeconds"] = min(max(message.delay_seconds, 0), 900)
        batch.append(entry)
        if len(batch) == SQS_MAX_BATCH:
            flush()
    flush()
    return result


@dataclass(frozen=True)
class QueueDepth:
    """SQS's approximate counts for one queue (``error`` set when it could not be read)."""

    name: str
    visible: int | None
    in_flight: int | None
    delayed: int | None
    error: str | None = None


_DEPTH_ATTRIBUTES = {
    "visible": "ApproximateNumberOfMessages",
    "in_flight": "ApproximateNumberOfMessagesNotVisible",
    "delayed": "ApproximateNumberOfMessagesDelayed",
}


def queue_depth(name: str) -> QueueDepth:
    """Read the approximate message counts of the queue called ``name``."""
    try:
        attributes = clients.sqs().get_queue_attributes(
            QueueUrl=queue_url(name), AttributeNames=list(_DEPTH_ATTRIBUTES.values())
        )["Attributes"]
    except (BotoCoreError, ClientError) as exc:
        return QueueDepth(name, None, None, None, error=type(exc).__name__)
    counts = {key: int(attributes.get(attribute, 0)) for key, attribute in _DEPTH_ATTRIBUTES.items()}
    return QueueDepth(name, counts["visible"], counts["in_flight"], counts["delayed"])
