from __future__ import annotations

from chalicelib.domain.locks import MIGRATION_LOCK, LockNamespace, room_type_lock_keys


def test_room_type_locks_are_taken_once_each_in_ascending_id_order() -> None:
    assert room_type_lock_keys([9, 2, 9, 5]) == ((2, 2), (2, 5), (2, 9))


def test_namespaces_keep_migrations_and_inventory_apart() -> None:
    assert MIGRATION_LOCK == (1, 1)
    assert LockNamespace.ROOM_TYPE_INVENTORY == 2
