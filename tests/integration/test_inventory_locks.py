"""Room-type inventory locks on a real PostgreSQL: held until the transaction ends, one per room type."""

from __future__ import annotations

from sqlalchemy import func, select

from chalicelib.db.locks import lock_room_types
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.locks import LockNamespace


def _can_take(room_type_id: int) -> bool:
    with unit_of_work() as other:
        taken = other.session.scalar(
            select(func.pg_try_advisory_xact_lock(int(LockNamespace.ROOM_TYPE_INVENTORY), room_type_id))
        )
    return bool(taken)


def test_a_room_type_locked_by_one_transaction_cannot_be_locked_by_another_until_it_ends(database_url: str) -> None:
    with unit_of_work() as uow:
        lock_room_types(uow.session, [7, 3, 7])
        assert not _can_take(3)
        assert not _can_take(7)
        assert _can_take(5)  # other room types stay free
    assert _can_take(3) and _can_take(7)  # released with the transaction, no session lock leaks


def test_room_type_locks_do_not_collide_with_the_migration_lock(database_url: str) -> None:
    with unit_of_work() as uow:
        lock_room_types(uow.session, [1])
        with unit_of_work() as other:
            migration_free = other.session.scalar(select(func.pg_try_advisory_xact_lock(1, 1)))
        assert migration_free
