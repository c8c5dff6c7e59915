"""Sliding-window rate limits kept in PostgreSQL, so they hold across Lambda containers.

One row per bucket holds the times of its recent hits. A hit is a single
``INSERT ... ON CONFLICT DO UPDATE``: PostgreSQL locks the row, drops the hits older than the
window, and appends now only if fewer than ``limit`` remain. Concurrent requests from any
number of containers therefore serialise on the row and can never exceed the limit; a refused
hit is not recorded, so the row never holds more than ``limit`` timestamps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

_HIT = text(
    """
    INSERT INTO rate_limit_buckets AS b (bucket, hits, updated_at)
    VALUES (:bucket, ARRAY[now()], now())
    ON CONFLICT (bucket) DO UPDATE SET
        hits = (
            SELECT CASE
                WHEN count(*) >= :limit THEN coalesce(array_agg(h ORDER BY h), '{}')
                ELSE coalesce(array_agg(h ORDER BY h), '{}') || now()
            END
            FROM unnest(b.hits) AS h
            WHERE h > now() - make_interval(secs => :window_seconds)
        ),
        updated_at = now()
    RETURNING hits[cardinality(hits)] = now() AS allowed, hits[1] AS oldest, now() AS at
    """
)


@dataclass(frozen=True)
class HitOutcome:
    allowed: bool
    retry_after_seconds: int  # 0 when allowed


def record_hit(session: Session, bucket: str, *, limit: int, window_seconds: int) -> HitOutcome:
    """Count one attempt against ``bucket``; refused (and not counted) when the window is full."""
    window = timedelta(seconds=window_seconds)
    row = session.execute(_HIT, {"bucket": bucket, "window_seconds": window_seconds, "limit": limit}).one()
    if row.allowed:
        return HitOutcome(True, 0)
    oldest: datetime = row.oldest
    at: datetime = row.at
    wait = (oldest + window - at).total_seconds()
    return HitOutcome(False, max(1, math.ceil(wait)))


def purge_idle_buckets(session: Session, *, idle_for: timedelta) -> int:
    result = session.execute(
        text("DELETE FROM rate_limit_buckets WHERE updated_at < now() - make_interval(secs => :idle_seconds)"),
        {"idle_seconds": int(idle_for.total_seconds())},
    )
    return int(getattr(result, "rowcount", 0) or 0)
