"""The OTA account's shared request budget, as the adapters' :class:`RequestBudget`.

Every adapter built for an account (``ota_access.build_account_adapter``: pulls, acks, pushes,
tests, discovery) gets it when its options leave the budget to the default: before each HTTP
request, one committed statement takes a slot from the account's row
(``db/repositories/ota_budgets.py``; arithmetic in ``domain/ota_pacing.py``); the adapter sleeps
until the slot's start, or, when that is further away than the caller may wait (its
``retry.max_retry_after``: 10 s for the sync worker, 3 s for a person waiting), is refused with
:class:`BudgetExceeded` and nothing is taken. A 429 blocks the whole account until its
``Retry-After``: every worker's next slot starts after it.

Only OTAs with a per-account rate (``ACCOUNT_PACES``: Agoda, Traveloka) pay the statement; the
others keep their per-hotel budgets in the process (``chalicelib.ota.budget.local_budget``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta

from chalicelib.db.repositories import ota_budgets
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_pacing import ACCOUNT_PACES, AccountPace, SlotDecision, block_seconds
from chalicelib.observability import logger
from chalicelib.ota.base import AdapterOptions
from chalicelib.ota.budget import BudgetExceeded, Clock, SystemClock


def reserve(account_id: int, pace: AccountPace, *, max_wait: float, now: datetime | None = None) -> SlotDecision:
    """Take one slot of the account's budget (committed at once), or be told how long until one is free."""
    with unit_of_work() as uow:
        return ota_budgets.take_slot(uow.session, account_id, pace, max_wait=max_wait, now=now)


def block(account_id: int, retry_after: float | None, *, now: datetime | None = None) -> datetime:
    """The OTA answered 429: no request of the account starts before its Retry-After (default 1 s)."""
    with unit_of_work() as uow:
        return ota_budgets.block_account(uow.session, account_id, block_seconds(retry_after), now=now)


def defer_pull(connection_id: int, deferred_at: datetime, retry_after_seconds: float | None) -> bool:
    """The budget deferred a pull before anything reached the OTA: no failure is counted, the
    connection is due again when the budget has room (one UPDATE; never later than planned)."""
    until = deferred_at + timedelta(seconds=max(retry_after_seconds or 0.0, 1.0))
    with unit_of_work() as uow:
        return ota_budgets.defer_poll(uow.session, connection_id, deferred_at, until)


class AccountBudget:
    """The request budget of one OTA account, shared through PostgreSQL by every worker."""

    def __init__(self, account_id: int, pace: AccountPace, *, max_wait: float, clock: Clock | None = None) -> None:
        self.account_id = account_id
        self.pace = pace
        self.max_wait = max_wait
        self.clock = clock or SystemClock()

    @contextmanager
    def slot(self, operation: str, key: str) -> Iterator[None]:
        decision = reserve(self.account_id, self.pace, max_wait=self.max_wait)
        if not decision.granted:
            raise BudgetExceeded(
                f"the account's request budget is taken for the next {decision.wait:.1f} s", retry_after=decision.wait
            )
        if decision.wait > 0:
            self.clock.sleep(decision.wait)
        yield

    def back_off(self, operation: str, key: str, retry_after: float | None) -> None:
        until = block(self.account_id, retry_after)
        logger.warning(
            "OTA account rate limited: its requests wait",
            extra={"ota_account_id": self.account_id, "operation": operation, "blocked_until": until.isoformat()},
        )


def paced_options(ota: OtaCode, account_id: int, options: AdapterOptions) -> AdapterOptions:
    """``options`` with the account's shared budget, when the OTA has a per-account rate and the
    options leave the budget to the default (tests pass their own budget, e.g. ``Unlimited``)."""
    pace = ACCOUNT_PACES.get(ota)
    if pace is None or options.budget is not None:
        return options
    shared = AccountBudget(account_id, pace, max_wait=options.retry.max_retry_after, clock=options.clock)
    return replace(options, budget=shared)
