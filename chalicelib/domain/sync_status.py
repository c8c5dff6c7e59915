"""What the sync status dashboard shows of connections and their runs, as frozen views, and the
staleness rule (no success within a few poll intervals)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

STALE_AFTER_INTERVALS = 3


@dataclass(frozen=True)
class RunFilters:
    connection_id: int | None = None
    kind: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class RunRecord:
    id: int
    connection_id: int
    property_id: int
    ota: str
    kind: str
    trigger: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    duration_ms: int | None
    counts: dict[str, Any]
    errors: list[Any]
    warnings: list[Any]
    error_kind: str | None
    error_message: str | None


@dataclass(frozen=True)
class RunTally:
    finished: int
    failed: int
    partial: int


@dataclass(frozen=True)
class SyncedConnection:
    """A connection as the dashboard sees it, with its account's OTA and status."""

    id: int
    property_id: int
    ota_code: str
    account_status: str
    ota_hotel_id: str
    is_active: bool
    poll_interval_seconds: int | None
    last_poll_at: datetime | None
    next_poll_at: datetime | None
    last_success_at: datetime | None
    health: str
    consecutive_failures: int
    last_error: str | None
    last_error_at: datetime | None
    created_at: datetime


def is_stale(last_success_at: datetime | None, since: datetime, interval_seconds: int, now: datetime) -> bool:
    """No success within STALE_AFTER_INTERVALS poll intervals (counted from creation if never)."""
    reference = last_success_at or since
    return now - reference > timedelta(seconds=interval_seconds * STALE_AFTER_INTERVALS)
