"""OTA account budgets in PostgreSQL: one row per account, one statement per request.

A slot is one ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` (the arithmetic of
``chalicelib.domain.ota_pacing.take_slot``): PostgreSQL locks the account's row, so concurrent
workers in any number of Lambda containers are served one after another, each from the state the
previous one left, and the granted starts can never be closer than the pace allows. Times are the
database's clock (``clock_timestamp()``, read after the row lock), so the workers' clocks do not
matter; tests may pass ``now`` to replay a sequence exactly.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, text, update
from sqlalchemy.orm import Session

from chalicelib.db.models import OtaConnection
from chalicelib.domain.ota_pacing import MAX_SLOWDOWN, SLOWDOWN_DECAY, AccountPace, SlotDecision

_NOW = "coalesce(CAST(:now AS timestamptz), clock_timestamp())"

_TAKE_SLOT = text(
    f"""
    INSERT INTO ota_account_budgets AS b (ota_account_id, next_slot_at, last_start_at, granted, updated_at)
    SELECT :account_id, t.now + make_interval(secs => :spacing), t.now, 1, t.now FROM (SELECT {_NOW} AS now) AS t
    ON CONFLICT (ota_account_id) DO UPDATE SET
        (next_slot_at, last_start_at, slowdown, granted, refused, updated_at) = (
            SELECT
                CASE WHEN s.ok
                    THEN GREATEST(b.next_slot_at, s.now, b.blocked_until)
                        + make_interval(secs => :spacing * b.slowdown)
                    ELSE b.next_slot_at END,
                CASE WHEN s.ok THEN s.start_at END,
                CASE WHEN s.ok THEN GREATEST(1.0, b.slowdown * :decay) ELSE b.slowdown END,
                b.granted + CASE WHEN s.ok THEN 1 ELSE 0 END,
                b.refused + CASE WHEN s.ok THEN 0 ELSE 1 END,
                s.now
            FROM (
                SELECT c.now, c.start_at, c.start_at <= c.now + make_interval(secs => :max_wait) AS ok
                FROM (
                    SELECT n.now,
                        GREATEST(b.next_slot_at - make_interval(secs => :tolerance), n.now, b.blocked_until) AS start_at
                    FROM (SELECT {_NOW} AS now) AS n
                ) AS c
            ) AS s
        )
    RETURNING
        last_start_at,
        GREATEST(next_slot_at - make_interval(secs => :tolerance), blocked_until) AS earliest,
        updated_at AS decided_at
    """
)

_BLOCK = text(
    f"""
    INSERT INTO ota_account_budgets AS b
        (ota_account_id, next_slot_at, blocked_until, slowdown, rate_limited, updated_at)
    SELECT :account_id, t.now, t.now + make_interval(secs => :seconds), LEAST(:max_slowdown, 2.0), 1, t.now
    FROM (SELECT {_NOW} AS now) AS t
    ON CONFLICT (ota_account_id) DO UPDATE SET
        blocked_until = GREATEST(b.blocked_until, EXCLUDED.blocked_until),
        slowdown = LEAST(:max_slowdown, b.slowdown * 2),
        rate_limited = b.rate_limited + 1,
        updated_at = EXCLUDED.updated_at
    RETURNING blocked_until
    """
)


def take_slot(
    session: Session, account_id: int, pace: AccountPace, *, max_wait: float, now: datetime | None = None
) -> SlotDecision:
    """One request's slot (``start`` in epoch seconds) or a refusal saying how long until one is free."""
    row = session.execute(
        _TAKE_SLOT,
        {
            "account_id": account_id,
            "spacing": pace.spacing_seconds,
            "tolerance": pace.tolerance_seconds,
            "max_wait": max_wait,
            "decay": SLOWDOWN_DECAY,
            "now": now,
        },
    ).one()
    decided: datetime = row.decided_at
    # The wait counts from the decision; the caller's own clock never enters the arithmetic.
    if row.last_start_at is not None:
        start: datetime = row.last_start_at
        return SlotDecision(start.timestamp(), max(0.0, (start - decided).total_seconds()))
    earliest: datetime = row.earliest
    return SlotDecision(None, max(0.0, (earliest - decided).total_seconds()))


def block_account(session: Session, account_id: int, seconds: float, *, now: datetime | None = None) -> datetime:
    """After a 429: no request of the account starts before ``now + seconds`` (a later block stays)
    and its spacing doubles (up to ``MAX_SLOWDOWN``)."""
    parameters = {"account_id": account_id, "seconds": seconds, "max_slowdown": MAX_SLOWDOWN, "now": now}
    blocked: datetime = session.execute(_BLOCK, parameters).scalar_one()
    return blocked


def defer_poll(session: Session, connection_id: int, deferred_at: datetime, until: datetime) -> bool:
    """A pull the budget deferred at ``deferred_at``: the connection is due again at ``until``, or
    at its next planned pull if that comes first."""
    planned = OtaConnection.next_poll_at
    result = session.execute(
        update(OtaConnection)
        .where(OtaConnection.id == connection_id, OtaConnection.is_active.is_(True))
        .values(next_poll_at=case((planned > deferred_at, func.least(planned, until)), else_=until))
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))
