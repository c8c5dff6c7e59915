"""Request budgets: how often, how fast and how concurrently we may call an OTA.

Each adapter wraps every HTTP exchange in ``budget.slot(operation, key)`` and tells the budget
about a 429 (``budget.back_off``). The budgets here keep their bookkeeping in this process only
(per hotel: Booking.com's 20 s between polls, Expedia's one request at a time). An OTA's
per-account rate is shared by every worker: ``chalicelib.services.account_pacing`` (PostgreSQL),
composed with :func:`local_budget` whenever an adapter is built for an account;
:func:`default_budget` (in-process only) is what an adapter built without one uses.

The clock is injected, so tests exercise the real arithmetic without sleeping: a fake clock's
``sleep`` just advances its time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Protocol

from chalicelib.domain.ota_codes import OtaCode

# Operation names adapters pass to ``slot``.
POLL = "poll"  # fetch reservations
ACK = "ack"
PUSH = "push"  # ARI
READ = "read"  # test connection, discovery, booking detail


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


@dataclass(frozen=True)
class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


@dataclass
class FakeClock:
    """A clock whose ``sleep`` advances time instantly (tests and simulations)."""

    now: float = 0.0
    slept: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += max(seconds, 0.0)

    def advance(self, seconds: float) -> None:
        self.now += seconds


class BudgetExceeded(Exception):
    """Waiting for the budget would take longer than allowed; try again after ``retry_after``."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RequestBudget(Protocol):
    def slot(self, operation: str, key: str) -> AbstractContextManager[None]:
        """Hold while one request runs: may wait, or raise BudgetExceeded."""
        ...

    def back_off(self, operation: str, key: str, retry_after: float | None) -> None:
        """The OTA answered 429 (``retry_after``: its Retry-After in seconds, if any)."""
        ...


class InProcessBudget:
    """A budget kept in this process: a 429 is left to the transport's retry and the schedule."""

    def back_off(self, operation: str, key: str, retry_after: float | None) -> None:
        return None


class Unlimited(InProcessBudget):
    @contextmanager
    def slot(self, operation: str, key: str) -> Iterator[None]:
        yield


class MinimumInterval(InProcessBudget):
    """At least ``seconds`` between the starts of two ``operations`` for the same key.

    Booking.com: reservation polls no more often than every 20 seconds per hotel, never re-poll
    with zero delay. Rather than parking a Lambda for up to 20 s, a call that would have to wait
    longer than ``max_wait`` is refused with :class:`BudgetExceeded` saying when to come back.
    """

    def __init__(
        self, seconds: float, *, operations: Collection[str], clock: Clock | None = None, max_wait: float = 0.0
    ) -> None:
        self.seconds = seconds
        self.operations = frozenset(operations)
        self.clock = clock or SystemClock()
        self.max_wait = max_wait
        self._last_start: dict[str, float] = {}
        self._lock = threading.Lock()

    @contextmanager
    def slot(self, operation: str, key: str) -> Iterator[None]:
        if operation not in self.operations:
            yield
            return
        budget_key = f"{operation}:{key}"
        with self._lock:
            now = self.clock.monotonic()
            last = self._last_start.get(budget_key)
            wait = 0.0 if last is None else self.seconds - (now - last)
            if wait > self.max_wait:
                raise BudgetExceeded(
                    f"{operation} for {key} allowed again in {wait:.1f} s (at most one every {self.seconds:g} s)",
                    retry_after=wait,
                )
            # Claim the slot before sleeping so a concurrent caller sees it taken.
            self._last_start[budget_key] = now + max(wait, 0.0)
        if wait > 0:
            self.clock.sleep(wait)
        yield


class TokenBucket(InProcessBudget):
    """At most ``rate`` requests per second on average, bursts up to ``burst`` (Agoda: 10 req/s).

    Callers wait their turn; a wait longer than ``max_wait`` is refused with BudgetExceeded.
    """

    def __init__(
        self, rate: float, *, burst: int | None = None, clock: Clock | None = None, max_wait: float = 30.0
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.capacity = float(burst if burst is not None else max(1, int(rate)))
        self.clock = clock or SystemClock()
        self.max_wait = max_wait
        self._tokens: dict[str, float] = {}
        self._updated: dict[str, float] = {}
        self._lock = threading.Lock()

    @contextmanager
    def slot(self, operation: str, key: str) -> Iterator[None]:
        with self._lock:
            now = self.clock.monotonic()
            tokens = self._tokens.get(key, self.capacity)
            updated = self._updated.get(key, now)
            tokens = min(self.capacity, tokens + (now - updated) * self.rate)
            wait = 0.0 if tokens >= 1 else (1 - tokens) / self.rate
            if wait > self.max_wait:
                raise BudgetExceeded(f"request budget for {key} exhausted for {wait:.1f} s", retry_after=wait)
            # Take the token now (possibly going negative = a reservation), wait outside the lock.
            self._tokens[key] = tokens - 1
            self._updated[key] = now
        if wait > 0:
            self.clock.sleep(wait)
        yield


class SlidingWindow(InProcessBudget):
    """At most ``max_requests`` request starts in any window of ``seconds`` (Agoda: 10 per second).

    Stricter than a token bucket, whose refill lets up to twice the rate through in the first
    second; this is what an OTA counting requests per rolling second sees.
    """

    def __init__(
        self, max_requests: int, seconds: float = 1.0, *, clock: Clock | None = None, max_wait: float = 30.0
    ) -> None:
        if max_requests < 1 or seconds <= 0:
            raise ValueError("max_requests must be ≥ 1 and seconds > 0")
        self.max_requests = max_requests
        self.seconds = seconds
        self.clock = clock or SystemClock()
        self.max_wait = max_wait
        self._starts: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    @contextmanager
    def slot(self, operation: str, key: str) -> Iterator[None]:
        with self._lock:
            now = self.clock.monotonic()
            starts = [t for t in self._starts.get(key, []) if t > now - self.seconds]
            wait = 0.0
            if len(starts) >= self.max_requests:
                wait = starts[-self.max_requests] + self.seconds - now
            if wait > self.max_wait:
                raise BudgetExceeded(f"request budget for {key} exhausted for {wait:.1f} s", retry_after=wait)
            starts.append(now + max(wait, 0.0))  # claim the slot before sleeping
            self._starts[key] = starts
        if wait > 0:
            self.clock.sleep(wait)
        yield


class ExclusivePerKey(InProcessBudget):
    """One request at a time per key (Expedia: one connection per hotel, processed in order)."""

    def __init__(self, *, timeout: float = 60.0) -> None:
        self.timeout = timeout
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    @contextmanager
    def slot(self, operation: str, key: str) -> Iterator[None]:
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        if not lock.acquire(timeout=self.timeout):
            raise BudgetExceeded(f"another request for {key} is still running", retry_after=self.timeout)
        try:
            yield
        finally:
            lock.release()

    def busy(self, key: str) -> bool:
        with self._guard:
            lock = self._locks.get(key)
        return lock is not None and lock.locked()


class CompositeBudget:
    def __init__(self, *budgets: RequestBudget) -> None:
        self.budgets = budgets

    @contextmanager
    def slot(self, operation: str, key: str) -> Iterator[None]:
        with ExitStack() as stack:
            for budget in self.budgets:
                stack.enter_context(budget.slot(operation, key))
            yield

    def back_off(self, operation: str, key: str, retry_after: float | None) -> None:
        for budget in self.budgets:
            budget.back_off(operation, key, retry_after)


BOOKING_COM_POLL_INTERVAL_SECONDS = 20.0
AGODA_REQUESTS_PER_SECOND = 10
TRAVELOKA_REQUESTS_PER_SECOND = 5  # our assumption until Traveloka publishes a limit
# Requests leave us and reach the OTA with varying delays: a request held back by a busy CPU or
# network lands next to a later one, and the OTA counts arrivals. A window half as long again keeps
# the OTA's own count under its limit when arrivals bunch by up to ~500 ms (1.1 and 1.25 were not
# enough on a loaded 2-core machine); the price is pacing at two thirds of the stated rate.
WINDOW_MARGIN = 1.5


def local_budget(ota: OtaCode, *, clock: Clock | None = None) -> RequestBudget:
    """What stays in this process when the account's rate is paced across workers: Booking.com's
    20 s between a hotel's polls, Expedia's one request at a time per hotel."""
    if ota is OtaCode.BOOKING_COM:
        return MinimumInterval(BOOKING_COM_POLL_INTERVAL_SECONDS, operations={POLL}, clock=clock)
    if ota is OtaCode.EXPEDIA:
        return ExclusivePerKey()
    return Unlimited()


def default_budget(ota: OtaCode, *, clock: Clock | None = None) -> RequestBudget:
    """The budget each OTA states (Traveloka: ours), for one account in this process only."""
    if ota is OtaCode.AGODA:
        return SlidingWindow(AGODA_REQUESTS_PER_SECOND, WINDOW_MARGIN, clock=clock)
    if ota is OtaCode.TRAVELOKA:
        return SlidingWindow(TRAVELOKA_REQUESTS_PER_SECOND, WINDOW_MARGIN, clock=clock)
    return local_budget(ota, clock=clock)
