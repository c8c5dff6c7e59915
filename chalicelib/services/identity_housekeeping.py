"""Hourly purge of what authentication no longer needs, and re-sealing of TOTP secrets after a key rotation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.db.repositories import sessions as session_repository
from chalicelib.db.repositories.rate_limits import purge_idle_buckets
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.observability import logger
from chalicelib.services import mfa_service

# Longer than the longest rate-limit window (one hour), so no live window is forgotten.
RATE_LIMIT_IDLE = timedelta(hours=2)


def purge_expired() -> dict[str, int]:
    """Delete ended sessions and expired tokens (a day after they stopped working) and idle buckets."""
    with unit_of_work() as uow:
        counts = session_repository.purge_expired(uow.session, datetime.now(UTC))
        counts["rate_limit_buckets"] = purge_idle_buckets(uow.session, idle_for=RATE_LIMIT_IDLE)
    counts.update(mfa_service.reseal_under_current_key())
    logger.info("identity housekeeping", extra=counts)
    return counts
