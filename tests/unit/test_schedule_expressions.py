from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from chalice.app import Cron, Rate

from local.event_runner import Schedule


def test_rate_fires_every_interval() -> None:
    schedule = Schedule.parse(Rate(5, unit=Rate.MINUTES))
    start = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
    assert schedule.next_after(start) == start + timedelta(minutes=5)
    assert Schedule.parse("rate(1 hour)").interval == timedelta(hours=1)


def test_cron_every_day_at_a_fixed_time() -> None:
    schedule = Schedule.parse(Cron(30, 17, "*", "*", "?", "*"))
    assert schedule.next_after(datetime(2026, 1, 1, 10, 0, tzinfo=UTC)) == datetime(2026, 1, 1, 17, 30, tzinfo=UTC)
    assert schedule.next_after(datetime(2026, 1, 1, 17, 30, tzinfo=UTC)) == datetime(2026, 1, 2, 17, 30, tzinfo=UTC)


def test_cron_steps_and_weekdays_follow_eventbridge_numbering() -> None:
    every_15 = Schedule.parse("cron(0/15 * * * ? *)")
    assert every_15.next_after(datetime(2026, 1, 1, 10, 7, tzinfo=UTC)) == datetime(2026, 1, 1, 10, 15, tzinfo=UTC)
    # 2026-01-01 is a Thursday; MON in EventBridge is 2.
    mondays = Schedule.parse("cron(0 8 ? * MON *)")
    assert mondays.next_after(datetime(2026, 1, 1, 0, 0, tzinfo=UTC)) == datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    assert Schedule.parse("cron(0 8 ? * 2 *)").next_after(datetime(2026, 1, 1, tzinfo=UTC)).weekday() == 0


@pytest.mark.parametrize("expression", ["rate(5 fortnights)", "cron(* * *)", "every minute"])
def test_unsupported_expressions_are_refused(expression: str) -> None:
    with pytest.raises(ValueError, match=r"cron|unsupported"):
        Schedule.parse(expression)
