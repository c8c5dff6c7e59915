"""Per-account pacing, the arithmetic (``domain/ota_pacing.py``) and the transport's part: a 429
tells the budget, our own budget's "not yet" does not (nothing reached the OTA)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_pacing import (
    ACCOUNT_PACES,
    MAX_BLOCK_SECONDS,
    MAX_SLOWDOWN,
    OWN_BUDGET_CODE,
    AccountPace,
    PaceState,
    block,
    block_seconds,
    deferred_by_budget,
    most_starts_in_window,
    take_slot,
)
from chalicelib.domain.ota_results import ErrorKind, SyncError
from chalicelib.ota.budget import BudgetExceeded, FakeClock
from chalicelib.ota.errors import OtaError
from chalicelib.ota.transport import HttpReply, OtaHttp, RetryPolicy

requests = st.lists(
    st.tuples(st.floats(min_value=-0.5, max_value=2.0), st.sampled_from([0.0, 0.3, 5.0, 1e9])), max_size=80
)


@given(requests, st.sampled_from([1.0, 1.2, 1.5]), st.integers(min_value=1, max_value=12))
def test_granted_starts_never_exceed_the_limit_in_any_window(
    steps: list[tuple[float, float]], margin: float, limit: int
) -> None:
    pace = AccountPace(limit=limit, window_seconds=1.0, margin=margin)
    state: PaceState | None = None
    now, starts = 100.0, []
    for delta, max_wait in steps:
        now += delta  # callers' clocks go back and forth
        before = state
        state, decision = take_slot(state, now, pace, max_wait)
        if decision.start is None:
            assert state == before and decision.wait > max_wait  # a refusal takes nothing
        else:
            assert decision.start >= now and decision.wait <= max_wait
            starts.append(decision.start)
    assert most_starts_in_window(starts, 1.0) <= limit


def test_a_burst_lets_that_many_start_together_then_paces() -> None:
    pace = AccountPace(limit=4, window_seconds=1.0, margin=1.0, burst=3)
    state: PaceState | None = None
    starts = []
    for _ in range(5):
        state, decision = take_slot(state, 10.0, pace, 60)
        assert decision.start is not None
        starts.append(decision.start)
    assert starts == [10.0, 10.0, 10.0, 10.25, 10.5]


def test_a_429_blocks_every_slot_until_its_retry_after() -> None:
    pace = ACCOUNT_PACES[OtaCode.AGODA]
    state, _ = take_slot(None, 0.0, pace, 10)
    state = block(state, 1.0, 30)
    state, refused = take_slot(state, 2.0, pace, 10)
    assert refused.start is None and refused.wait == pytest.approx(29.0)
    state, granted = take_slot(state, 2.0, pace, 60)
    assert granted.start == pytest.approx(31.0)
    state = block(state, 3.0, 5)  # a shorter block does not shorten the longer one
    assert state.blocked_until == pytest.approx(31.0)


def test_429s_widen_the_spacing_and_granted_slots_narrow_it_again() -> None:
    pace = AccountPace(limit=10, margin=1.0)
    state = block(None, 0.0, 1)
    assert state.slowdown == 2.0
    state = block(block(block(state, 0.0, 1), 0.0, 1), 0.0, 1)
    assert state.slowdown == MAX_SLOWDOWN  # 2, 4, 8, still 8
    state, first = take_slot(state, 1.0, pace, 60)
    state, second = take_slot(state, 1.0, pace, 60)
    assert first.start == 1.0 and second.start == pytest.approx(1.0 + 0.1 * MAX_SLOWDOWN)
    for _ in range(200):
        state, _ = take_slot(state, 0.0, pace, 1e9)
    assert state.slowdown == 1.0  # back to the stated pace, never below it


def test_how_long_a_429_blocks() -> None:
    assert block_seconds(None) == 1.0 and block_seconds(0) == 1.0
    assert block_seconds(7.5) == 7.5
    assert block_seconds(86_400) == MAX_BLOCK_SECONDS


def test_the_window_count_is_half_open() -> None:
    assert most_starts_in_window([0.0, 0.5, 1.0, 1.2], 1.0) == 3  # 0.5, 1.0, 1.2
    assert most_starts_in_window([0.0, 0.1, 0.2], 1.0) == 3
    assert most_starts_in_window([], 1.0) == 0


def test_a_deferral_is_our_budget_not_the_otas_429() -> None:
    ours = SyncError(ota=OtaCode.AGODA, kind=ErrorKind.RATE_LIMITED, message="later", code=OWN_BUDGET_CODE)
    theirs = SyncError(ota=OtaCode.AGODA, kind=ErrorKind.RATE_LIMITED, message="429", code="429")
    assert deferred_by_budget(ours) and not deferred_by_budget(theirs) and not deferred_by_budget(None)


def test_pacing_values_are_checked() -> None:
    with pytest.raises(ValueError, match="limit"):
        AccountPace(limit=0)
    with pytest.raises(ValueError, match="margin"):
        AccountPace(limit=5, margin=0.9)


class RecordingBudget:
    """A budget that says "not yet" when told to and records the 429s it is told about."""

    def __init__(self, refuse: bool = False) -> None:
        self.refuse = refuse
        self.backed_off: list[tuple[str, str, float | None]] = []

    @contextmanager
    def slot(self, operation: str, key: str) -> Iterator[None]:
        if self.refuse:
            raise BudgetExceeded("taken", retry_after=4.0)
        yield

    def back_off(self, operation: str, key: str, retry_after: float | None) -> None:
        self.backed_off.append((operation, key, retry_after))


def http(budget: RecordingBudget, *answers: httpx.Response) -> tuple[OtaHttp, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    queue = list(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return queue.pop(0)

    transport = httpx.MockTransport(handle)
    retry = RetryPolicy(max_attempts=3, max_retry_after=10)
    return OtaHttp(
        OtaCode.AGODA, "https://ota.example", retry=retry, budget=budget, clock=FakeClock(), transport=transport
    ), seen


def content(reply: HttpReply) -> bytes:
    return reply.content


def test_a_429_tells_the_budget_with_its_retry_after() -> None:
    budget = RecordingBudget()
    client, seen = http(budget, httpx.Response(429, headers={"Retry-After": "3"}), httpx.Response(200, content=b"ok"))
    assert client.exchange("POST", "/api", operation="poll", budget_key="account", parse=content) == b"ok"
    assert budget.backed_off == [("poll", "account", 3.0)] and len(seen) == 2
    # Negative control: a 503 is not a rate limit
    other = RecordingBudget()
    client, _ = http(other, httpx.Response(503), httpx.Response(200, content=b"ok"))
    client.exchange("POST", "/api", operation="poll", budget_key="account", parse=content)
    assert other.backed_off == []


def test_our_own_not_yet_sends_nothing_and_blocks_nobody() -> None:
    budget = RecordingBudget(refuse=True)
    client, seen = http(budget, httpx.Response(200))
    with pytest.raises(OtaError) as failure:
        client.exchange("POST", "/api", operation="poll", budget_key="account", parse=content)
    error = failure.value.to_sync_error()
    assert deferred_by_budget(error) and error.retry_after_seconds == 4.0
    assert seen == [] and budget.backed_off == []
