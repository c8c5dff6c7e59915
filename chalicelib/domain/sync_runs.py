"""A sync run: what one pull or push did with one connection (stored as a ``sync_runs`` row).

The property sync worker (pulls) and the ARI push worker (pushes, nightly full pushes) both
describe their run as a :class:`SyncRunRecord` and store it through one repository function.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from chalicelib.domain.ota_results import PushWarning, SyncError

MAX_RUN_ERRORS = 50  # item errors and warnings kept per run


class SyncRunKind(StrEnum):
    PULL = "pull"
    PUSH = "push"
    FULL_PUSH = "full_push"


class SyncRunTrigger(StrEnum):
    SCHEDULE = "schedule"
    MANUAL = "manual"
    WEBHOOK = "webhook"
    OUTBOX = "outbox"
    NIGHTLY = "nightly"
    RETRY = "retry"


class SyncRunStatus(StrEnum):
    RUNNING = "running"
    OK = "ok"
    PARTIAL = "partial"
    FAILED = "failed"


@dataclass(frozen=True)
class SyncRunRecord:
    connection_id: int
    property_id: int
    kind: SyncRunKind
    trigger: SyncRunTrigger
    status: SyncRunStatus
    started_at: datetime
    finished_at: datetime
    duration_ms: int
    counts: dict[str, Any]
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    error_kind: str | None = None
    error_message: str | None = None
    message_id: str | None = None


def errors_json(errors: Iterable[SyncError]) -> list[dict[str, Any]]:
    """Item errors as stored on a run: capped in number and length."""
    return [
        {
            "kind": error.kind.value,
            "message": error.message[:500],
            "code": error.code,
            "field": error.field,
            "item_id": error.item_id,
        }
        for error in list(errors)[:MAX_RUN_ERRORS]
    ]


def warnings_json(warnings: Iterable[PushWarning]) -> list[dict[str, Any]]:
    """What an OTA accepted with a warning (a restriction it cannot express), as stored on a run."""
    return [
        {"kind": warning.kind.value, "message": warning.message[:500], "code": warning.code}
        for warning in list(warnings)[:MAX_RUN_ERRORS]
    ]
