"""Counting attempts against the PostgreSQL rate limits and refusing with 429 + Retry-After."""

from __future__ import annotations

from chalicelib.db.repositories.rate_limits import record_hit
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.errors import RateLimited
from chalicelib.domain.rate_limits import RateLimit


def enforce(*checks: tuple[RateLimit, str]) -> None:
    """Count one attempt against each ``(limit, subject)``; RateLimited when any window is full.

    Runs in its own committed transaction, before the work it guards, so attempts that then
    fail (a wrong password) still count.
    """
    buckets = sorted((limit.bucket(subject), limit) for limit, subject in checks)  # one lock order
    with unit_of_work() as uow:
        outcomes = [
            record_hit(uow.session, bucket, limit=limit.limit, window_seconds=limit.window_seconds)
            for bucket, limit in buckets
        ]
    waits = [outcome.retry_after_seconds for outcome in outcomes if not outcome.allowed]
    if waits:
        wait = max(waits)
        raise RateLimited(f"Too many attempts; try again in {wait} seconds.", retry_after_seconds=wait)


def allow(limit: RateLimit, subject: str) -> bool:
    """Count one attempt; False (instead of an error) when the window is full."""
    with unit_of_work() as uow:
        outcome = record_hit(uow.session, limit.bucket(subject), limit=limit.limit, window_seconds=limit.window_seconds)
    return outcome.allowed
