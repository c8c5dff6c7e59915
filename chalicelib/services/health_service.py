"""Liveness and readiness: can this deployment reach what it needs?"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from botocore.exceptions import BotoCoreError, ClientError
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from chalicelib.aws import clients
from chalicelib.aws.queues import queue_url
from chalicelib.aws.resources import OTA_CREDENTIALS_KEY_ALIAS, SYNC_JOBS_QUEUE
from chalicelib.config import SettingsError
from chalicelib.db.migrate import head_revision
from chalicelib.db.models import Heartbeat
from chalicelib.db.unit_of_work import unit_of_work


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    duration_ms: float
    detail: str


class _CheckFailed(Exception):
    pass


def _timed(name: str, check: Callable[[], str]) -> CheckResult:
    started = time.perf_counter()
    try:
        detail = check()
        ok = True
    except _CheckFailed as exc:
        detail, ok = str(exc), False
    except (SQLAlchemyError, SettingsError, OSError) as exc:
        detail, ok = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}", False
    except (BotoCoreError, ClientError) as exc:
        detail, ok = f"{type(exc).__name__}: {str(exc)[:200]}", False
    return CheckResult(name, ok, round((time.perf_counter() - started) * 1000, 2), detail)


def _check_postgres() -> str:
    with unit_of_work() as uow:
        uow.session.execute(text("SELECT 1"))
        revision = uow.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    expected = head_revision()
    if revision != expected:
        raise _CheckFailed(f"schema at revision {revision}, code expects {expected}: run migrations")
    return f"schema at {revision}"


def _check_sqs() -> str:
    url = queue_url(SYNC_JOBS_QUEUE)
    attributes = clients.sqs().get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"
    ]
    return f"{SYNC_JOBS_QUEUE.name}: {attributes.get('ApproximateNumberOfMessages', '?')} waiting"


def _check_kms() -> str:
    metadata = clients.kms().describe_key(KeyId=OTA_CREDENTIALS_KEY_ALIAS)["KeyMetadata"]
    if not metadata.get("Enabled", False):
        raise _CheckFailed(f"{OTA_CREDENTIALS_KEY_ALIAS} is disabled")
    return f"{OTA_CREDENTIALS_KEY_ALIAS} enabled"


READINESS_CHECKS: dict[str, Callable[[], str]] = {
    "postgres": _check_postgres,
    "sqs": _check_sqs,
    "kms": _check_kms,
}


def check_readiness() -> list[CheckResult]:
    """Run every readiness check concurrently (the slowest one bounds the latency)."""
    with ThreadPoolExecutor(max_workers=len(READINESS_CHECKS)) as pool:
        futures = [pool.submit(_timed, name, check) for name, check in READINESS_CHECKS.items()]
        return [future.result() for future in futures]


@dataclass(frozen=True)
class HeartbeatStatus:
    last_received_at: datetime | None
    age_seconds: float | None
    received_total: int


def heartbeat_status() -> HeartbeatStatus:
    """When the scheduled → SQS → worker heartbeat last arrived (informational)."""
    with unit_of_work() as uow:
        last, total = uow.session.execute(select(func.max(Heartbeat.received_at), func.count(Heartbeat.id))).one()
    age = (datetime.now(UTC) - last).total_seconds() if last else None
    return HeartbeatStatus(
        last_received_at=last, age_seconds=round(age, 1) if age is not None else None, received_total=total
    )
