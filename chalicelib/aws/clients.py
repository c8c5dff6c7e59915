"""boto3 clients, built on first use and reused across warm invocations.

``AWS_ENDPOINT_URL`` (one setting) points every client at moto server or LocalStack; in AWS it is
unset and boto3 resolves the real endpoints. Clients are cached per (service, region, endpoint)
so a test that switches the endpoint gets a fresh client.
"""

from __future__ import annotations

import threading
from typing import Any

import boto3
from botocore.config import Config as BotoConfig

from chalicelib.config import get_settings

_CLIENT_CONFIG = BotoConfig(
    connect_timeout=3,
    read_timeout=25,  # above SQS long polling (20 s)
    retries={"max_attempts": 3, "mode": "standard"},
)

_lock = threading.Lock()
_clients: dict[tuple[str, str, str | None], Any] = {}
# One boto3 session per process: a new session re-reads and re-parses botocore's JSON models and
# endpoint data (tens of ms per client); clients are still cached per endpoint.
_session: boto3.session.Session | None = None


def aws_client(service: str, endpoint_url: str | None = None) -> Any:
    """The cached client of ``service``; ``endpoint_url`` overrides ``AWS_ENDPOINT_URL`` (a
    WebSocket API's management endpoint is per API)."""
    settings = get_settings()
    key = (service, settings.aws_region, endpoint_url or settings.aws_endpoint_url)
    client = _clients.get(key)
    if client is None:
        with _lock:
            client = _clients.get(key)
            if client is None:
                global _session
                if _session is None:
                    _session = boto3.session.Session()
                client = _session.client(
                    service,
                    region_name=settings.aws_region,
                    endpoint_url=key[2],
                    config=_CLIENT_CONFIG,
                )
                _clients[key] = client
    return client


def sqs() -> Any:
    return aws_client("sqs")


def sns() -> Any:
    return aws_client("sns")


def kms() -> Any:
    return aws_client("kms")


def secrets_manager() -> Any:
    return aws_client("secretsmanager")


def ses() -> Any:
    return aws_client("ses")


def reset_clients() -> None:
    """Drop cached clients (tests switch endpoints between moto servers)."""
    with _lock:
        _clients.clear()
