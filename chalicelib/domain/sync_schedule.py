"""Sub-minute polling: which pulls of a connection one dispatch schedules, and at which second.

EventBridge fires the dispatcher at most once a minute, but a connection may be pulled every 20 s
(Booking.com's guidance). So each dispatch plans every pull due before the next dispatch (its
``horizon``): the first at the connection's ``next_poll_at`` (or now, when that has passed), then
one interval after another, each sent as its own SQS message with ``DelaySeconds``. The
connection's ``next_poll_at`` moves to the pull after the last one planned, in the claiming
transaction, so a second dispatcher finds nothing to plan for it.

A connection found overdue by more than ``OVERDUE_GRACE_SECONDS`` (a new connection, a backlog
after an outage, a backoff that ended) starts after a random jitter, so thousands of them do not reach the OTAs in
the same second; its later pulls (and ``next_poll_at``) follow from that start, so it keeps its
own second from then on and is not jittered again while it stays on time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

OVERDUE_GRACE_SECONDS = 5  # EventBridge's own lateness: a connection due at the tick is on time
MAX_DELAY_SECONDS = 900  # SQS's cap on DelaySeconds


@dataclass(frozen=True)
class PullPlan:
    delays: tuple[int, ...]  # whole seconds after ``now``, one per pull, as SQS wants them
    next_poll_at: datetime  # the first pull not planned by this dispatch


def plan_pulls(
    next_poll_at: datetime, now: datetime, *, interval_seconds: int, horizon_seconds: int, jitter_seconds: int = 0
) -> PullPlan:
    """The pulls of one connection due within ``[now, now + horizon)`` (at least one: it was claimed
    as due), one interval apart; an overdue connection starts ``jitter_seconds`` after ``now``."""
    interval = timedelta(seconds=max(1, interval_seconds))
    end = now + timedelta(seconds=horizon_seconds)
    overdue = next_poll_at < now - timedelta(seconds=OVERDUE_GRACE_SECONDS)
    first = now + timedelta(seconds=jitter_seconds) if overdue else max(next_poll_at, now)
    planned = [first]
    while planned[-1] + interval < end:
        planned.append(planned[-1] + interval)
    delays = tuple(min(MAX_DELAY_SECONDS, max(0, math.ceil((moment - now).total_seconds()))) for moment in planned)
    return PullPlan(delays=delays, next_poll_at=planned[-1] + interval)
