"""Per-account pacing: how fast we may call an OTA account, shared by every worker.

OTA rate limits are per account (Agoda: 10 requests a second per API key), not per adapter
instance or Lambda container, so the budget is one row per OTA account in PostgreSQL
(``db/repositories/ota_budgets.py``), taken with one atomic statement before every request.
This module is the arithmetic that statement mirrors, with no I/O, so it can be tested alone.

The budget is a virtual scheduler (GCRA, the "generic cell rate algorithm"): the row keeps the
earliest moment the next request may start (``next_slot_at``). A request asks for a slot at
``now``: it may start at ``max(next_slot_at - tolerance, now, blocked_until)``, and
``next_slot_at`` moves to ``max(next_slot_at, now, blocked_until) + spacing``. With a tolerance of
0 the granted starts, in the order they were granted, are at least ``spacing`` apart whatever the
callers' clocks said, so no window of ``window_seconds`` ever holds more than ``limit`` starts. A
caller that would have to wait longer than it may (``max_wait``) is refused and takes nothing: it
comes back when the budget says (the sync worker moves the connection's next poll there).

A 429 from the OTA blocks the whole account until its ``Retry-After`` (every hotel of it waits),
instead of each hotel finding out for itself, and doubles the account's spacing (``slowdown``,
at most ``MAX_SLOWDOWN``): the OTA counts arrivals, and a 429 despite the pacing says ours reach
it bunched (requests held up after their slot). Each granted slot brings the slowdown back
towards 1 (``SLOWDOWN_DECAY``). Spacing only ever grows, so the bound above still holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_results import ErrorKind, SyncError


@dataclass(frozen=True)
class AccountPace:
    """At most ``limit`` request starts in any ``window_seconds`` for one OTA account.

    ``margin`` > 1 paces below the stated rate: the OTA counts arrivals, and a request held back
    after its slot (a busy CPU, a slow connect) lands closer to the next one; a margin of 1.2
    absorbs arrival delays differing by up to 0.2 of the window.
    """

    limit: int
    window_seconds: float = 1.0
    margin: float = 1.2
    burst: int = 1  # starts allowed back to back; 1 = strictly paced (what a rolling window needs)

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window_seconds <= 0 or self.margin < 1 or self.burst < 1:
            raise ValueError("limit and burst must be ≥ 1, window_seconds > 0, margin ≥ 1")

    @property
    def spacing_seconds(self) -> float:
        return self.window_seconds * self.margin / self.limit

    @property
    def tolerance_seconds(self) -> float:
        return (self.burst - 1) * self.spacing_seconds


# The limits the OTAs state per account (Traveloka: our assumption until it publishes one).
# Booking.com's 20 s is per hotel and Expedia's one-connection-at-a-time per hotel: those stay in
# the adapters' in-process budgets (chalicelib.ota.budget.local_budget) and the schedule.
ACCOUNT_PACES: Mapping[OtaCode, AccountPace] = {
    OtaCode.AGODA: AccountPace(limit=10),
    OtaCode.TRAVELOKA: AccountPace(limit=5),
}

# The code of the error an adapter returns when our own budget said "not yet" (nothing was sent).
OWN_BUDGET_CODE = "budget"
DEFAULT_RETRY_AFTER_SECONDS = 1.0  # a 429 without a usable Retry-After
MAX_BLOCK_SECONDS = 900.0  # a Retry-After longer than this is capped (and the pulls come back then)
MAX_SLOWDOWN = 8.0  # a 429 doubles the spacing, up to this factor
SLOWDOWN_DECAY = 0.95  # each granted slot: the factor x 0.95, never below 1 (2 → 1 in 14 slots)


@dataclass(frozen=True)
class PaceState:
    """The account's row: times in seconds on one clock (the database's)."""

    next_slot_at: float
    blocked_until: float | None = None
    slowdown: float = 1.0  # the spacing's factor after 429s


@dataclass(frozen=True)
class SlotDecision:
    """``start``: when the request may start (None: refused, nothing taken); ``wait``: seconds from
    now until then (refused: until a slot is free)."""

    start: float | None
    wait: float

    @property
    def granted(self) -> bool:
        return self.start is not None


def take_slot(
    state: PaceState | None, now: float, pace: AccountPace, max_wait: float
) -> tuple[PaceState, SlotDecision]:
    """One request asks for a slot at ``now``: the new state and the decision (see the module)."""
    if state is None:  # the account's first request
        return PaceState(now + pace.spacing_seconds), SlotDecision(now, 0.0)
    blocked = state.blocked_until if state.blocked_until is not None else now
    start = max(state.next_slot_at - pace.tolerance_seconds, now, blocked)
    if start - now > max_wait:
        return state, SlotDecision(None, start - now)
    next_slot = max(state.next_slot_at, now, blocked) + pace.spacing_seconds * state.slowdown
    slowdown = max(1.0, state.slowdown * SLOWDOWN_DECAY)
    return PaceState(next_slot, state.blocked_until, slowdown), SlotDecision(start, start - now)


def block_seconds(retry_after: float | None) -> float:
    """How long a 429 blocks the account: the OTA's ``Retry-After`` (default 1 s), capped."""
    if retry_after is None or retry_after <= 0:
        return DEFAULT_RETRY_AFTER_SECONDS
    return min(retry_after, MAX_BLOCK_SECONDS)


def block(state: PaceState | None, now: float, retry_after: float | None) -> PaceState:
    """The account after a 429: nothing starts before ``now + block_seconds`` (a longer block
    stays), and the spacing doubles (up to ``MAX_SLOWDOWN``)."""
    until = now + block_seconds(retry_after)
    if state is None:
        return PaceState(now, until, min(MAX_SLOWDOWN, 2.0))
    current = state.blocked_until if state.blocked_until is not None else until
    return PaceState(state.next_slot_at, max(current, until), min(MAX_SLOWDOWN, state.slowdown * 2))


RESOLUTION_SECONDS = 1e-6  # PostgreSQL keeps microseconds; float sums of spacings drift below that


def most_starts_in_window(starts: list[float], window_seconds: float) -> int:
    """The largest number of ``starts`` inside any half-open window ``[t, t + window_seconds)``
    (what an OTA counting requests per rolling window sees), to the microsecond."""
    ordered = sorted(starts)
    most = first = 0
    for last, moment in enumerate(ordered):
        while moment - ordered[first] > window_seconds - RESOLUTION_SECONDS:
            first += 1
        most = max(most, last - first + 1)
    return most


def deferred_by_budget(error: SyncError | None) -> bool:
    """True when a call failed only because our own budget said "not yet": nothing reached the OTA,
    so it is not the connection's failure; it comes back after ``retry_after_seconds``."""
    return error is not None and error.kind is ErrorKind.RATE_LIMITED and error.code == OWN_BUDGET_CODE
