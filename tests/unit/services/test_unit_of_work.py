"""The unit of work's contract, on the SQL class (no database needed for hooks) and on the fake."""

from __future__ import annotations

from typing import Any, cast

import pytest
from sqlalchemy.orm import Session

from chalicelib.db.unit_of_work import SqlUnitOfWork
from tests.unit.fakes import FakeStore


def test_batched_after_commit_work_runs_once_per_key_with_every_item_in_order() -> None:
    uow = SqlUnitOfWork(cast(Session, object()))
    runs: list[tuple[str, list[Any]]] = []
    for item in (3, 1, 3):
        uow.after_commit_batched("relay", item, lambda items: runs.append(("relay", items)))
    uow.after_commit_batched("emails", "a@example.com", lambda items: runs.append(("emails", items)))
    assert runs == []
    uow.run_after_commit_hooks()
    assert runs == [("relay", [3, 1, 3]), ("emails", ["a@example.com"])]
    uow.run_after_commit_hooks()
    assert len(runs) == 2, "hooks run once"


def test_the_fake_undoes_every_write_of_a_failed_block_and_skips_its_hooks(store: FakeStore) -> None:
    ran: list[str] = []
    with pytest.raises(RuntimeError), store.unit_of_work() as work:
        work.settings.save("booking_expiry_minutes", 30, user_id=1)
        work.after_commit(lambda: ran.append("hook"))
        raise RuntimeError("boom")
    assert store.setting_values == {} and ran == [] and store.commits == 0


def test_the_fake_keeps_the_writes_of_a_block_that_ends_normally_then_runs_its_hooks(store: FakeStore) -> None:
    ran: list[int] = []
    with store.unit_of_work() as work:
        work.settings.save("booking_expiry_minutes", 30, user_id=1)
        work.after_commit(lambda: ran.append(store.commits))
    assert store.setting_values == {"booking_expiry_minutes": 30} and ran == [1]
