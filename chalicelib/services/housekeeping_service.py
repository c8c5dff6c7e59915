"""The housekeeping schedule (every minute): a list of small, idempotent tasks run one after another.

Each task opens its own transactions and returns counts for the log. A task that fails (the
database briefly unreachable) does not stop the ones after it; the run then raises the first
failure so the invocation is reported as failed and retried next minute.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from chalicelib.observability import logger
from chalicelib.services import alert_service, booking_service, outbox_service

Task = Callable[[], Mapping[str, int]]

TASKS: list[tuple[str, Task]] = [
    ("expire_holds", booking_service.expire_holds),
    ("relay_outbox", outbox_service.sweep),
    ("wake_snoozed_alerts", alert_service.wake_snoozed),
    ("purge_idempotency_keys", booking_service.purge_idempotency_keys),
]


def run_all(tasks: list[tuple[str, Task]] | None = None) -> dict[str, Any]:
    """Run every housekeeping task; returns each task's counts (or its error's class name)."""
    results: dict[str, Any] = {}
    failures: list[BaseException] = []
    for name, task in tasks if tasks is not None else TASKS:
        try:
            results[name] = dict(task())
        except (SQLAlchemyError, OSError) as exc:
            logger.exception("housekeeping task failed", extra={"task": name})
            results[name] = {"error": type(exc).__name__}
            failures.append(exc)
    logger.info("housekeeping", extra={"results": results})
    if failures:
        raise failures[0]
    return results
