"""PostgreSQL advisory-lock keys: ``pg_advisory_xact_lock(namespace, id)`` in the two-int form.

The namespace keeps the ids of different kinds of things from colliding (room type 1 and the
migration lock are different locks). Only transaction-level locks are used: they end with the
transaction, so a Lambda that dies mid-write or a pooled connection never leaks one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from enum import IntEnum


class LockNamespace(IntEnum):
    MIGRATIONS = 1
    """Schema migrations (one migrator at a time); the id is always 1."""
    ROOM_TYPE_INVENTORY = 2
    """The ``inventory_days`` counters of one room type; the id is the room type's id."""
    OTA_RESERVATION = 3
    """One OTA reservation's revisions (redeliveries serialise); the id is :func:`ota_reservation_lock_key`."""


MIGRATION_LOCK: tuple[int, int] = (int(LockNamespace.MIGRATIONS), 1)


def room_type_lock_keys(room_type_ids: Iterable[int]) -> tuple[tuple[int, int], ...]:
    """The lock keys of the room types' inventory, de-duplicated, in ascending id order.

    Every writer takes its locks in this order, so two writers needing overlapping room types
    queue behind each other instead of deadlocking.
    """
    return tuple((int(LockNamespace.ROOM_TYPE_INVENTORY), room_type_id) for room_type_id in sorted(set(room_type_ids)))


def ota_reservation_lock_key(ota: str, reservation_id: str) -> tuple[int, int]:
    """The lock of one OTA reservation: a stable signed 32-bit hash of ``ota`` and its reservation id.

    Two reservations may share a hash; they then merely queue behind each other, which is harmless.
    Taken before any room-type lock, never after one.
    """
    digest = hashlib.blake2b(f"{ota}\x1f{reservation_id}".encode(), digest_size=4).digest()
    return (int(LockNamespace.OTA_RESERVATION), int.from_bytes(digest, "big", signed=True))
