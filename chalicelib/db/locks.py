"""Taking the advisory locks of :mod:`chalicelib.domain.locks` inside the current transaction."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import TextClause, func, select, text
from sqlalchemy.orm import Session

from chalicelib.db import lean
from chalicelib.domain.locks import ota_reservation_lock_key, room_type_lock_keys

_LOCK = text("SELECT pg_advisory_xact_lock(CAST(:namespace AS integer), CAST(:key AS integer))")


def lock_room_types(session: Session, room_type_ids: Iterable[int]) -> None:
    """Take ``pg_advisory_xact_lock(2, id)`` for every room type, in ascending id order.

    Call it first in every transaction that writes ``inventory_days`` counters (calendar bulk
    updates, total changes, bookings, holds): the locks are held until the transaction ends, so
    two writers of the same room type's nights run one after the other and never lose an update.
    One statement per key keeps the acquisition order explicit (a single SELECT over a set would
    leave the order to the planner).
    """
    for namespace, key in room_type_lock_keys(room_type_ids):
        lean.fetch_all(session, _LOCK, {"namespace": namespace, "key": key})


def room_type_lock_statements(room_type_ids: Iterable[int]) -> list[tuple[TextClause, dict[str, int]]]:
    """The statements :func:`lock_room_types` runs, in order, for a caller that sends them together with
    the statement that needs them (``inventory_cells.lock_and_load_cells``)."""
    return [(_LOCK, {"namespace": namespace, "key": key}) for namespace, key in room_type_lock_keys(room_type_ids)]


def lock_ota_reservation(session: Session, ota: str, reservation_id: str) -> None:
    """Take the transaction lock of one OTA reservation, so its redeliveries apply one at a time.

    Take it before any room-type lock (:func:`lock_room_types`), never after one.
    """
    namespace, key = ota_reservation_lock_key(ota, reservation_id)
    session.execute(select(func.pg_advisory_xact_lock(namespace, key)))
