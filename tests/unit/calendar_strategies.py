"""Hypothesis strategies and settings shared by the calendar domain's property tests."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from chalicelib.domain.nights import NightRange, Weekday

# Properties must never pass or fail on timing: no deadline on a shared 2-core machine.
PROPERTY = settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
STATEFUL = settings(
    deadline=None, max_examples=60, stateful_step_count=40, suppress_health_check=[HealthCheck.too_slow]
)

TODAY = date(2026, 3, 1)  # a fixed "today in the property's timezone": tests never read the clock


def night_ranges(first: date = TODAY, span_days: int = 30, max_nights: int = 10) -> st.SearchStrategy[NightRange]:
    """Ranges starting within ``span_days`` of ``first`` and lasting 1..``max_nights`` nights."""
    return st.builds(
        lambda offset, length: NightRange(first + timedelta(days=offset), first + timedelta(days=offset + length)),
        st.integers(0, span_days - 1),
        st.integers(1, max_nights),
    )


weekday_sets = st.frozensets(st.sampled_from(list(Weekday)), min_size=1)


def amounts(decimals: int, max_value: int = 10_000_000) -> st.SearchStrategy[Decimal]:
    """Non-negative amounts with at most ``decimals`` decimals."""
    return st.integers(0, max_value * 10**decimals).map(lambda minor: Decimal(minor).scaleb(-decimals))
