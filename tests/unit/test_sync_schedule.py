"""Sub-minute polling, the pure part: the pulls one dispatch plans for a connection."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.ota_accounts import effective_poll_interval
from chalicelib.domain.sync_schedule import OVERDUE_GRACE_SECONDS, plan_pulls

NOW = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)


def test_a_20_second_connection_gets_three_pulls_in_the_minute_at_its_own_seconds() -> None:
    plan = plan_pulls(NOW + timedelta(seconds=7), NOW, interval_seconds=20, horizon_seconds=60)
    assert plan.delays == (7, 27, 47)
    assert plan.next_poll_at == NOW + timedelta(seconds=67)


def test_a_150_second_connection_gets_one_pull_and_its_next_after_one_interval() -> None:
    plan = plan_pulls(NOW, NOW, interval_seconds=150, horizon_seconds=60)
    assert plan.delays == (0,)
    assert plan.next_poll_at == NOW + timedelta(seconds=150)


def test_jitter_shifts_only_an_overdue_connection() -> None:
    on_time = plan_pulls(
        NOW - timedelta(seconds=OVERDUE_GRACE_SECONDS), NOW, interval_seconds=20, horizon_seconds=60, jitter_seconds=3
    )
    overdue = plan_pulls(NOW - timedelta(minutes=5), NOW, interval_seconds=20, horizon_seconds=60, jitter_seconds=3)
    assert on_time.delays == (0, 20, 40) and on_time.next_poll_at == NOW + timedelta(seconds=60)
    assert overdue.delays == (3, 23, 43) and overdue.next_poll_at == NOW + timedelta(seconds=63)


def test_booking_com_defaults_to_20_seconds_but_an_override_wins() -> None:
    assert effective_poll_interval(None, 150, "booking_com") == 20
    assert effective_poll_interval(None, 150, "expedia") == 150
    assert effective_poll_interval(90, 150, "booking_com") == 90
    assert effective_poll_interval(None, 150) == 150


@given(
    interval=st.integers(min_value=20, max_value=3600),
    offset=st.integers(min_value=-600, max_value=59),
    jitter=st.integers(min_value=0, max_value=60),
    minutes=st.integers(min_value=1, max_value=15),
)
def test_consecutive_dispatches_plan_every_pull_once_one_interval_apart(
    interval: int, offset: int, jitter: int, minutes: int
) -> None:
    """Dispatch after dispatch (each carrying on from the next poll the last one set), the pulls
    are never closer than the interval, never planned twice, and none is skipped."""
    due = NOW + timedelta(seconds=offset)
    pulls: list[datetime] = []
    for minute in range(minutes):
        at = NOW + timedelta(minutes=minute)
        if due >= at + timedelta(seconds=60):
            continue  # not claimed by this dispatch
        plan = plan_pulls(due, at, interval_seconds=interval, horizon_seconds=60, jitter_seconds=jitter)
        pulls.extend(at + timedelta(seconds=delay) for delay in plan.delays)
        due = plan.next_poll_at
    gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(pulls)]
    assert all(gap == interval for gap in gaps)
    assert len(pulls) >= (minutes * 60 - 60 - jitter) // interval
