"""Create the app's AWS resources in moto server or LocalStack (idempotent).

The same names and settings as ``infra/`` (both read chalicelib.aws.resources): every queue with
its dead-letter queue and redrive policy, the SNS alerts topic, the KMS key behind its alias, and
the secrets, and the SES sender identity. Run against whatever ``AWS_ENDPOINT_URL`` points at:
``python -m local.aws_bootstrap``.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path

from botocore.exceptions import ClientError

from chalicelib.aws import clients
from chalicelib.aws.resources import (
    ALERTS_TOPIC_NAME,
    JWT_SIGNING_KEYS_SECRET_NAME,
    OTA_CREDENTIALS_KEY_ALIAS,
    QUEUES,
    QueueSpec,
)
from chalicelib.config import get_settings
from chalicelib.domain.tokens import parse_keyring


@dataclass
class BootstrapResult:
    queue_urls: dict[str, str] = field(default_factory=dict)
    topic_arn: str = ""
    kms_key_id: str = ""
    secret_arns: dict[str, str] = field(default_factory=dict)
    email_sender: str = ""


def ensure_queue(spec: QueueSpec) -> tuple[str, str]:
    """Create the queue and its DLQ (or leave them as they are); return (url, dlq_url)."""
    sqs = clients.sqs()
    fifo_attributes = {"FifoQueue": "true", "ContentBasedDeduplication": "false"} if spec.fifo else {}
    dlq_url = sqs.create_queue(
        QueueName=spec.dlq_name,
        Attributes={"MessageRetentionPeriod": str(14 * 24 * 3600), **fifo_attributes},
    )["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    attributes = {
        "VisibilityTimeout": str(spec.visibility_timeout_seconds),
        "MessageRetentionPeriod": str(spec.message_retention_seconds),
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(spec.max_receive_count)}),
        **fifo_attributes,
    }
    try:
        url = sqs.create_queue(QueueName=spec.name, Attributes=attributes)["QueueUrl"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in {"QueueAlreadyExists", "QueueNameExists"}:
            raise
        url = sqs.get_queue_url(QueueName=spec.name)["QueueUrl"]
        sqs.set_queue_attributes(QueueUrl=url, Attributes={k: v for k, v in attributes.items() if k != "FifoQueue"})
    return url, dlq_url


def ensure_kms_key() -> str:
    kms = clients.kms()
    try:
        return str(kms.describe_key(KeyId=OTA_CREDENTIALS_KEY_ALIAS)["KeyMetadata"]["KeyId"])
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NotFoundException":
            raise
    key_id = kms.create_key(
        Description="PTX Channel Manager: OTA credential envelope encryption",
        KeyUsage="ENCRYPT_DECRYPT",
        KeySpec="SYMMETRIC_DEFAULT",
    )["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=OTA_CREDENTIALS_KEY_ALIAS, TargetKeyId=key_id)
    return str(key_id)


def ensure_secret(name: str, initial_value: str) -> str:
    """Create the secret with ``initial_value`` unless it exists (never overwrite a real one)."""
    manager = clients.secrets_manager()
    try:
        return str(manager.describe_secret(SecretId=name)["ARN"])
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
    return str(manager.create_secret(Name=name, SecretString=initial_value)["ARN"])


def bootstrap(*, signing_keys_file: Path | None = None) -> BootstrapResult:
    if not get_settings().aws_endpoint_url:
        raise SystemExit(
            "refusing to bootstrap real AWS: set AWS_ENDPOINT_URL to moto server or LocalStack "
            "(infra/ deploys the real resources)"
        )
    result = BootstrapResult()
    for spec in QUEUES:
        url, dlq_url = ensure_queue(spec)
        result.queue_urls[spec.name] = url
        result.queue_urls[spec.dlq_name] = dlq_url
    result.topic_arn = clients.sns().create_topic(Name=ALERTS_TOPIC_NAME)["TopicArn"]
    result.kms_key_id = ensure_kms_key()
    result.secret_arns[JWT_SIGNING_KEYS_SECRET_NAME], result.email_sender = ensure_identity_resources(signing_keys_file)
    return result


def local_signing_keys(path: Path | None) -> str:
    """The local JWT keyring (JSON): read from ``path``, or made once and kept there (mode 0600).

    moto forgets everything when ``make run`` stops, but what the keys sealed (TOTP secrets)
    lives on in PostgreSQL: the keys must live as long as the data, so they sit beside it.
    Without ``path`` (tests), a fresh random keyring. In AWS the secret is created by infra/.
    """
    if path is not None and path.exists():
        text = path.read_text(encoding="utf-8")
        parse_keyring(text)  # unusable keys fail here, at start, not at the first login
        return text
    text = json.dumps({"current": "local-1", "keys": {"local-1": secrets.token_urlsafe(48)}})
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
    return text


def ensure_identity_resources(signing_keys_file: Path | None = None) -> tuple[str, str]:
    """The JWT signing-key secret and the verified SES sender; returns (secret ARN, sender)."""
    arn = ensure_secret(JWT_SIGNING_KEYS_SECRET_NAME, local_signing_keys(signing_keys_file))
    # SES refuses to send from an unverified address (moto too); in AWS the identity is verified once by hand.
    sender = get_settings().email_sender
    clients.ses().verify_email_identity(EmailAddress=sender)
    return arn, sender


def main() -> int:
    result = bootstrap()
    for name, url in sorted(result.queue_urls.items()):
        print(f"queue   {name:32} {url}")
    print(f"topic   {result.topic_arn}")
    print(f"kms key {OTA_CREDENTIALS_KEY_ALIAS} -> {result.kms_key_id}")
    for name, arn in result.secret_arns.items():
        print(f"secret  {name} -> {arn}")
    print(f"ses     sender {result.email_sender} verified")
    return 0


if __name__ == "__main__":
    sys.exit(main())
