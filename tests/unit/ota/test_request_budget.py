"""The real request-budget arithmetic, driven by a fake clock (nothing sleeps)."""

from __future__ import annotations

import threading

import pytest

from chalicelib.domain.ota_codes import OtaCode
from chalicelib.ota.budget import (
    POLL,
    PUSH,
    BudgetExceeded,
    CompositeBudget,
    ExclusivePerKey,
    FakeClock,
    MinimumInterval,
    SlidingWindow,
    TokenBucket,
    default_budget,
)


def test_booking_com_poll_for_a_hotel_is_refused_within_20_seconds_and_says_when_to_return() -> None:
    clock = FakeClock()
    budget = MinimumInterval(20, operations={POLL}, clock=clock)
    with budget.slot(POLL, "hotel-1"):
        pass
    clock.advance(7)
    with pytest.raises(BudgetExceeded) as refused, budget.slot(POLL, "hotel-1"):
        pass
    assert refused.value.retry_after == pytest.approx(13)
    clock.advance(13)
    with budget.slot(POLL, "hotel-1"):
        pass
    assert clock.slept == []


def test_poll_interval_is_per_hotel_and_only_for_polls() -> None:
    clock = FakeClock()
    budget = MinimumInterval(20, operations={POLL}, clock=clock)
    with budget.slot(POLL, "hotel-1"):
        pass
    with budget.slot(POLL, "hotel-2"), budget.slot(PUSH, "hotel-1"), budget.slot(PUSH, "hotel-1"):
        pass


def test_a_short_wait_within_max_wait_is_slept_rather_than_refused() -> None:
    clock = FakeClock()
    budget = MinimumInterval(20, operations={POLL}, clock=clock, max_wait=30)
    with budget.slot(POLL, "h"):
        pass
    clock.advance(5)
    with budget.slot(POLL, "h"):
        pass
    assert clock.slept == [pytest.approx(15)]


def test_agoda_bucket_allows_ten_requests_a_second_then_spaces_them_out() -> None:
    clock = FakeClock()
    bucket = TokenBucket(10, clock=clock)
    for _ in range(10):
        with bucket.slot(PUSH, "account"):
            pass
    assert clock.slept == []
    for _ in range(5):
        with bucket.slot(PUSH, "account"):
            pass
    assert clock.slept == [pytest.approx(0.1)] * 5
    assert clock.now == pytest.approx(0.5)  # 15 requests in 0.5 s after a full burst: never above 10/s on average


def test_bucket_refills_with_time_and_refuses_waits_beyond_max_wait() -> None:
    clock = FakeClock()
    bucket = TokenBucket(1, burst=1, clock=clock, max_wait=0.5)
    with bucket.slot(PUSH, "k"):
        pass
    with pytest.raises(BudgetExceeded), bucket.slot(PUSH, "k"):
        pass
    clock.advance(1)
    with bucket.slot(PUSH, "k"):
        pass


def test_expedia_allows_one_request_per_hotel_at_a_time() -> None:
    budget = ExclusivePerKey(timeout=0.05)
    with budget.slot(PUSH, "hotel-1"):
        assert budget.busy("hotel-1")
        refused: list[BudgetExceeded] = []

        def second() -> None:
            try:
                with budget.slot(PUSH, "hotel-1"):
                    pass
            except BudgetExceeded as exc:
                refused.append(exc)

        worker = threading.Thread(target=second)
        worker.start()
        worker.join()
        assert len(refused) == 1
        with budget.slot(PUSH, "hotel-2"):  # another hotel is not blocked
            pass
    assert not budget.busy("hotel-1")


def test_composite_budget_applies_every_part() -> None:
    clock = FakeClock()
    budget = CompositeBudget(MinimumInterval(20, operations={POLL}, clock=clock), ExclusivePerKey())
    with budget.slot(POLL, "h"):
        pass
    with pytest.raises(BudgetExceeded), budget.slot(POLL, "h"):
        pass


def test_each_ota_gets_the_budget_it_states() -> None:
    assert isinstance(default_budget(OtaCode.BOOKING_COM), MinimumInterval)
    assert default_budget(OtaCode.BOOKING_COM).seconds == 20  # type: ignore[attr-defined]
    assert isinstance(default_budget(OtaCode.EXPEDIA), ExclusivePerKey)
    agoda = default_budget(OtaCode.AGODA)
    assert isinstance(agoda, SlidingWindow) and agoda.max_requests == 10 and agoda.seconds >= 1


def test_sliding_window_never_lets_more_than_the_limit_start_within_any_window() -> None:
    clock = FakeClock()
    window = SlidingWindow(10, 1.0, clock=clock)
    starts: list[float] = []
    for _ in range(35):
        with window.slot(PUSH, "account"):
            starts.append(clock.now)
        clock.advance(0.01)  # each request takes 10 ms
    for index in range(len(starts) - 10):
        assert starts[index + 10] - starts[index] >= 1.0 - 1e-9
    assert starts[9] < 0.1, "the first ten go out at once"


def test_a_token_bucket_alone_would_let_twenty_through_in_the_first_second() -> None:
    # Why Agoda gets the sliding window: the bucket's refill adds to its initial burst.
    clock = FakeClock()
    bucket = TokenBucket(10, clock=clock)
    starts: list[float] = []
    for _ in range(20):
        with bucket.slot(PUSH, "account"):
            starts.append(clock.now)
    assert len([t for t in starts if t < 1.0]) > 10
