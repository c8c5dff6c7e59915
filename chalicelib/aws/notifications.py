"""Publishing alert notifications to the SNS ``alerts`` topic (email subscriptions, the notify Lambda)."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.aws import clients
from chalicelib.aws.resources import ALERTS_TOPIC_NAME
from chalicelib.config import get_settings

SUBJECT_MAX = 100  # SNS limit for email subjects

_lock = threading.Lock()
_topic_arns: dict[tuple[str, str | None], str] = {}


class NotificationFailed(Exception):
    """SNS refused or could not be reached; the outbox row stays pending and is retried."""


def alerts_topic_arn() -> str:
    """``ALERTS_TOPIC_ARN`` when set (AWS), else the topic named ``ptx-cm-alerts`` (moto, LocalStack)."""
    settings = get_settings()
    if settings.alerts_topic_arn:
        return settings.alerts_topic_arn
    key = (settings.aws_region, settings.aws_endpoint_url)
    arn = _topic_arns.get(key)
    if arn is None:
        arn = _find_topic(ALERTS_TOPIC_NAME)
        with _lock:
            _topic_arns[key] = arn
    return arn


def _find_topic(name: str) -> str:
    try:
        for page in clients.sns().get_paginator("list_topics").paginate():
            for topic in page.get("Topics", []):
                if str(topic["TopicArn"]).rsplit(":", 1)[-1] == name:
                    return str(topic["TopicArn"])
    except (ClientError, BotoCoreError) as exc:
        raise NotificationFailed(f"cannot list SNS topics: {type(exc).__name__}") from exc
    raise NotificationFailed(f"SNS topic {name} does not exist")


def publish_alert(payload: Mapping[str, Any]) -> str:
    """Publish one alert notification; returns SNS's message id.

    The message is the JSON payload; ``alert_type`` and ``severity`` are message attributes so
    subscriptions can filter (e.g. only critical alerts by SMS).
    """
    subject = str(payload.get("title") or "PTX alert")
    # Email subjects are ASCII, single-line, at most 100 characters.
    subject = subject.encode("ascii", "replace").decode().replace("\n", " ")[:SUBJECT_MAX]
    try:
        response = clients.sns().publish(
            TopicArn=alerts_topic_arn(),
            Subject=subject,
            Message=json.dumps(payload, separators=(",", ":"), default=str),
            MessageAttributes={
                "alert_type": {"DataType": "String", "StringValue": str(payload.get("type", "unknown"))},
                "severity": {"DataType": "String", "StringValue": str(payload.get("severity", "info"))},
            },
        )
    except (ClientError, BotoCoreError) as exc:
        code = exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else ""
        raise NotificationFailed(f"SNS publish failed: {type(exc).__name__} {code}".strip()) from exc
    return str(response["MessageId"])
