"""The ``housekeeping`` schedule: an ordered list of idempotent tasks, run one after the other.

Later features append their task to :data:`HOUSEKEEPING_TASKS` (expire holds, sweep the outbox,
auto-release blocks). A task that fails is logged and does not stop the others; the run then
fails as a whole so the Lambda error metric and its alarm see it, and the next run retries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.observability import logger
from chalicelib.services import calendar_upkeep

HousekeepingTask = Callable[[], dict[str, Any]]

HOUSEKEEPING_TASKS: list[tuple[str, HousekeepingTask]] = [
    ("extend_calendars", calendar_upkeep.extend_calendars),
]


class HousekeepingFailed(RuntimeError):
    """One or more tasks failed (each is logged with its stack)."""


def run_housekeeping(tasks: list[tuple[str, HousekeepingTask]] | None = None) -> dict[str, dict[str, Any]]:
    """Run every task; returns task name → its counts (or ``{"error": ...}``)."""
    results: dict[str, dict[str, Any]] = {}
    failed: list[str] = []
    for name, task in tasks if tasks is not None else HOUSEKEEPING_TASKS:
        try:
            results[name] = task()
        except Exception as error:  # noqa: BLE001 - isolate tasks; re-raised below as one failure
            logger.exception("housekeeping task failed", extra={"task": name})
            results[name] = {"error": type(error).__name__}
            failed.append(name)
    if failed:
        raise HousekeepingFailed(f"housekeeping tasks failed: {', '.join(failed)}")
    return results
