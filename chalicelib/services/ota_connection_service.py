"""Property ↔ OTA account connections: scoped CRUD, and what the sync engine needs of them.

A connection is country-scoped through its property; creating one needs both the property and
the account within the caller's scope. A property is listed once per OTA (one connection per
OTA, whichever account), and an OTA hotel id once per account.

For the sync engine (issue 7):

- :func:`claim_due_connections` — active connections whose ``next_poll_at`` has come, locked
  with ``SKIP LOCKED`` and pushed one interval ahead so no other dispatcher takes them;
- :func:`record_poll_result` — after a poll: last/next poll, last success, failure streak,
  health (``chalicelib.domain.ota_accounts.health_after_poll``) and the last error;
- :func:`active_connections_for_property` — where a property's ARI changes go;
- adapters: ``ota_access.build_account_adapter(target.endpoint)`` or
  ``ota_access.connection_adapter(connection_id)``; mappings: ``ota_mapping_service.mapping_index``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.db.repositories import ota as ota_repository
from chalicelib.db.repositories.ota_connections import connection_record
from chalicelib.db.repositories.settings import poll_interval_setting
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.db.writing import flushed
from chalicelib.domain.access import Caller
from chalicelib.domain.catalog import PropertyStatus
from chalicelib.domain.errors import Conflict, InvalidInput, existing
from chalicelib.domain.ota_accounts import (
    ConnectionHealth,
    effective_poll_interval,
    health_after_poll,
    next_poll_delay_seconds,
)
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_connections import (
    AccountRef,
    ConnectionFilters,
    ConnectionRecord,
    ConnectionSettings,
    NewConnectionRow,
    PropertyRef,
)
from chalicelib.domain.ota_results import SyncError
from chalicelib.domain.sync_schedule import plan_pulls
from chalicelib.services import ota_access
from chalicelib.services.audit_service import AuditedKind, audit_entry
from chalicelib.services.ports import UnitOfWork, UnitOfWorkFactory
from chalicelib.services.scoped_reads import page_reader, record_reader

__all__ = [
    "ConnectionFilters",
    "ConnectionRecord",
    "HotelDiscovery",
    "NewConnection",
    "add_connection",
    "create_connection",
    "delete_connection",
    "get_connection",
    "list_connections",
    "update_connection",
]

CONNECTION_AUDIT = AuditedKind(
    "ota_connection", ("property_id", "ota_account_id", "ota_hotel_id", "is_active", "poll_interval_seconds")
)
MAX_ERROR_TEXT = 2000

HotelDiscovery = Callable[[ota_access.AccountEndpoint, Sequence[str]], ota_access.HotelsFound]
"""Asks the OTA what it reports of some hotels (default: ``ota_access.discover_hotels``, a real call)."""


def scoped_connection(
    work: UnitOfWork, caller: Caller, connection_id: int, *, for_update: bool = False
) -> ConnectionRecord:
    """The connection (with its property and account) if the property is in scope; NotFound otherwise."""
    return existing(
        work.ota_connections.get(connection_id, caller.scope, for_update=for_update), "No such OTA connection."
    )


def body_property(work: UnitOfWork, caller: Caller, property_id: int, field: str = "property_id") -> PropertyRef:
    """A property named in a request body: absent or out of scope is a 422 naming the field."""
    hotel = work.ota_connections.property(property_id, caller.scope)
    if hotel is None:
        raise InvalidInput("No such property.", details=[{"field": field, "message": "no such property"}])
    if hotel.status == PropertyStatus.ARCHIVED:
        raise InvalidInput(
            "The property is archived: restore it before connecting it.",
            details=[{"field": field, "message": "archived"}],
        )
    return hotel


def body_account(work: UnitOfWork, caller: Caller, account_id: int, field: str = "ota_account_id") -> AccountRef:
    """An account named in a request body: absent or out of scope is a 422 naming the field."""
    account = work.ota_connections.account(account_id, caller.scope)
    if account is None:
        raise InvalidInput("No such OTA account.", details=[{"field": field, "message": "no such OTA account"}])
    return account


def check_connectable(
    work: UnitOfWork,
    property_id: int,
    account_id: int,
    ota_code: str,
    ota_hotel_id: str,
    *,
    except_connection_id: int | None = None,
) -> None:
    """Conflict unless the property may be connected to the account under ``ota_hotel_id``."""
    ota = OtaCode(ota_code)
    taken = work.ota_connections.connection_for_hotel(account_id, ota_hotel_id)
    if taken is not None and taken != except_connection_id:
        raise Conflict(
            f"{ota.display_name} hotel {ota_hotel_id} is already connected through this account (connection {taken}).",
            details=[{"field": "ota_hotel_id", "message": "already connected"}],
        )
    other = work.ota_connections.property_connection_to_ota(
        property_id, ota.value, except_connection_id=except_connection_id
    )
    if other is not None:
        connection_id, account_name = other
        raise Conflict(
            f"The property is already connected to {ota.display_name} "
            f"(connection {connection_id}, account {account_name!r}).",
            details=[{"field": "property_id", "message": f"already connected to {ota.display_name}"}],
        )


def _verify_hotel(endpoint: ota_access.AccountEndpoint, ota_hotel_id: str, discover: HotelDiscovery) -> None:
    """InvalidInput naming ota_hotel_id unless the OTA confirms the hotel (a real call)."""
    found = discover(endpoint, [ota_hotel_id])
    if any(hotel.ota_hotel_id == ota_hotel_id for hotel in found.hotels):
        return
    reason = found.errors[0].message if found.errors else f"it does not report hotel {ota_hotel_id}"
    raise InvalidInput(
        f"{endpoint.ota.display_name} did not confirm hotel {ota_hotel_id}: {reason}",
        details=[{"field": "ota_hotel_id", "message": reason}],
    )


# --- CRUD ---------------------------------------------------------------------------------------------------


list_connections = page_reader(lambda work: work.ota_connections.page)
get_connection = record_reader(scoped_connection)  # with its sync health


@dataclass(frozen=True)
class NewConnection:
    property_id: int
    ota_account_id: int
    ota_hotel_id: str
    is_active: bool = True
    poll_interval_seconds: int | None = None
    verify_with_ota: bool = False


def create_connection(
    caller: Caller,
    new: NewConnection,
    *,
    uow: UnitOfWorkFactory = unit_of_work,
    discover: HotelDiscovery = ota_access.discover_hotels,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> ConnectionRecord:
    """Connect a property to an OTA account under the OTA's hotel id.

    With ``verify_with_ota`` the OTA must first confirm the hotel (discovery, a real call).
    An active connection is due for its first poll at once.
    """
    if new.verify_with_ota:
        with uow() as work:
            account = body_account(work, caller, new.ota_account_id)
            endpoint = work.ota_connections.endpoint(account.id)
        _verify_hotel(endpoint, new.ota_hotel_id, discover)
    with uow() as work:
        hotel = body_property(work, caller, new.property_id)
        account = body_account(work, caller, new.ota_account_id)
        check_connectable(work, hotel.id, account.id, account.ota_code, new.ota_hotel_id)
        return add_connection(
            work,
            caller,
            hotel,
            account,
            new.ota_hotel_id,
            is_active=new.is_active,
            poll_interval_seconds=new.poll_interval_seconds,
            now=now(),
        )


def add_connection(
    work: UnitOfWork,
    caller: Caller | None,
    hotel: PropertyRef,
    account: AccountRef,
    ota_hotel_id: str,
    *,
    is_active: bool,
    now: datetime,
    poll_interval_seconds: int | None = None,
) -> ConnectionRecord:
    """Insert a connection (already validated) with its audit row."""
    connection = work.ota_connections.add(
        NewConnectionRow(
            property_id=hotel.id,
            ota_account_id=account.id,
            ota_hotel_id=ota_hotel_id,
            is_active=is_active,
            poll_interval_seconds=poll_interval_seconds,
            next_poll_at=now if is_active else None,
        ),
        conflict_message="The property or the OTA hotel was connected meanwhile: reload.",
    )
    CONNECTION_AUDIT.created(work.audit, caller, connection, country_code=hotel.country_code)
    return connection


def update_connection(
    caller: Caller,
    connection_id: int,
    changes: Mapping[str, Any],
    *,
    uow: UnitOfWorkFactory = unit_of_work,
    discover: HotelDiscovery = ota_access.discover_hotels,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> ConnectionRecord:
    """Change the OTA hotel id, active flag or poll interval override (only the keys given).

    Activating makes the connection due at once; deactivating takes it off the schedule; a new
    hotel id or interval makes it due at once too (the next poll applies them).
    """
    if changes.get("verify_with_ota") and "ota_hotel_id" in changes:
        with uow() as work:
            connection = scoped_connection(work, caller, connection_id)
            endpoint = work.ota_connections.endpoint(connection.ota_account_id)
        _verify_hotel(endpoint, changes["ota_hotel_id"], discover)
    with uow() as work:
        connection = scoped_connection(work, caller, connection_id, for_update=True)
        settings = _changed_settings(work, connection, changes, now)
        if settings is None:
            return connection
        updated = work.ota_connections.update(connection.id, settings)
        work.audit.add(
            audit_entry(
                caller,
                "ota_connection.updated",
                "ota_connection",
                connection.id,
                CONNECTION_AUDIT.snapshot(connection),
                CONNECTION_AUDIT.snapshot(updated),
                country_code=connection.country_code,
            )
        )
        return updated


def _changed_settings(
    work: UnitOfWork, connection: ConnectionRecord, changes: Mapping[str, Any], now: Callable[[], datetime]
) -> ConnectionSettings | None:
    """The connection's settings after ``changes`` (None: nothing changes)."""
    hotel_id, active, interval = connection.ota_hotel_id, connection.is_active, connection.poll_interval_seconds
    if "ota_hotel_id" in changes and changes["ota_hotel_id"] != hotel_id:
        check_connectable(
            work,
            connection.property_id,
            connection.ota_account_id,
            connection.ota,
            changes["ota_hotel_id"],
            except_connection_id=connection.id,
        )
        hotel_id = changes["ota_hotel_id"]
    if "poll_interval_seconds" in changes:
        interval = changes["poll_interval_seconds"]
    if "is_active" in changes:
        active = changes["is_active"]
    if (hotel_id, active, interval) == (
        connection.ota_hotel_id,
        connection.is_active,
        connection.poll_interval_seconds,
    ):
        return None
    return ConnectionSettings(
        ota_hotel_id=hotel_id,
        is_active=active,
        poll_interval_seconds=interval,
        next_poll_at=now() if active else None,
    )


def delete_connection(caller: Caller, connection_id: int, *, uow: UnitOfWorkFactory = unit_of_work) -> None:
    """Disconnect the property (its mappings and proposals go with the connection)."""
    with uow() as work:
        connection = scoped_connection(work, caller, connection_id, for_update=True)
        CONNECTION_AUDIT.deleted(work.audit, caller, connection, country_code=connection.country_code)
        work.ota_connections.delete(connection.id)


# --- the sync engine --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimedPulls:
    """A claimed connection and the pulls a dispatch planned for it (seconds after the dispatch)."""

    target: ota_access.ConnectionTarget
    delays: tuple[int, ...]


def claim_due_pulls(
    *,
    default_interval_seconds: int,
    now: datetime | None = None,
    limit: int = 200,
    horizon_seconds: int = 0,
    jitter: Callable[[ota_access.ConnectionTarget, int], int] = lambda target, interval: 0,
) -> list[ClaimedPulls]:
    """Active connections (of active accounts, not archived properties) due before ``now +
    horizon_seconds`` (at ``now`` when 0), each with its pulls in that window (``plan_pulls``).

    Each is locked (``FOR UPDATE SKIP LOCKED``) and its ``next_poll_at`` (and ``scheduled_until``)
    moved past the planned pulls in the same transaction, so a second dispatcher running at the
    same time takes none of them. ``jitter(target, interval)``: how late an overdue connection starts.
    """
    moment = now or datetime.now(UTC)
    with unit_of_work() as uow:
        rows = ota_repository.claim_due_connections(
            uow.session, moment, limit=limit, due_before=moment + timedelta(seconds=horizon_seconds)
        )
        claimed: list[ClaimedPulls] = []
        moves: list[tuple[int, datetime]] = []
        for connection, hotel, account in rows:
            interval = effective_poll_interval(
                connection.poll_interval_seconds, default_interval_seconds, account.ota_code
            )
            target = ota_access.ConnectionTarget.of(connection, hotel, account)
            plan = plan_pulls(
                connection.next_poll_at or moment,
                moment,
                interval_seconds=interval,
                horizon_seconds=horizon_seconds,
                jitter_seconds=jitter(target, interval),
            )
            claimed.append(ClaimedPulls(target, plan.delays))
            moves.append((connection.id, plan.next_poll_at))
        ota_repository.set_next_polls(uow.session, moves)
        return claimed


def claim_due_connections(
    *, default_interval_seconds: int, now: datetime | None = None, limit: int = 200
) -> list[ota_access.ConnectionTarget]:
    """The connections due at ``now``, claimed for one pull each (:func:`claim_due_pulls`)."""
    claimed = claim_due_pulls(default_interval_seconds=default_interval_seconds, now=now, limit=limit)
    return [item.target for item in claimed]


def property_sync_targets(property_id: int) -> tuple[list[ota_access.ConnectionTarget], int]:
    """The property's active connections (endpoints and sealed credentials included) and the global
    poll interval, read in one statement: what every pull of the property starts with."""
    with unit_of_work() as uow:
        rows = ota_repository.property_sync_rows(uow.session, property_id)
    return sync_targets_of(rows)


def sync_targets_of(rows: Sequence[Mapping[Any, Any]]) -> tuple[list[ota_access.ConnectionTarget], int]:
    """:func:`property_sync_targets` from ``ota_repository.property_sync_read``'s rows (the sync
    worker reads them with the lease it takes)."""
    stored_interval = rows[0]["stored_interval"] if rows else None
    targets = sorted((ota_access.target_of_row(row) for row in rows), key=lambda target: target.connection_id)
    return targets, poll_interval_setting(stored_interval)


def empty_poll(
    target: ota_access.ConnectionTarget, *, polled_at: datetime, default_interval_seconds: int
) -> ota_repository.EmptyPoll:
    """What to record of a pull that worked and brought nothing (``empty_polls`` + 1, the next poll
    one interval on): the sync worker writes its pass's empty polls in one statement."""
    interval = effective_poll_interval(target.poll_interval_seconds, default_interval_seconds, target.ota)
    return ota_repository.EmptyPoll(target.connection_id, polled_at, interval)


def record_empty_poll(
    target: ota_access.ConnectionTarget, *, polled_at: datetime, default_interval_seconds: int
) -> bool:
    """A pull that worked and brought nothing, on its own: one UPDATE, no read, no run row."""
    poll = empty_poll(target, polled_at=polled_at, default_interval_seconds=default_interval_seconds)
    with unit_of_work() as uow:
        return ota_repository.record_empty_poll(uow.session, poll.connection_id, poll.polled_at, poll.interval_seconds)


def record_poll_result(
    connection_id: int,
    *,
    polled_at: datetime,
    error: SyncError | None,
    default_interval_seconds: int,
) -> ConnectionRecord | None:
    """Store how a poll of the connection went (``error`` None: it worked) and schedule the next.

    Success clears the failure streak and sets health ``ok``; a failure extends the streak, keeps
    its message (already in words, no secret: adapters guarantee it) and backs the next poll off
    (``next_poll_delay_seconds``). Returns None when the connection no longer exists.
    """
    with unit_of_work() as uow:
        found = ota_repository.connection_with_account(uow.session, connection_id)
        if found is None:
            return None
        connection, hotel, account = found
        uow.session.refresh(connection, with_for_update=True)
        connection.last_poll_at = polled_at
        if error is None:
            connection.consecutive_failures = 0
            connection.last_success_at = polled_at
            connection.health = ConnectionHealth.OK
        else:
            connection.consecutive_failures += 1
            connection.last_error = error.message[:MAX_ERROR_TEXT]
            connection.last_error_at = polled_at
            connection.health = health_after_poll(connection.consecutive_failures, error.kind)
        interval = effective_poll_interval(connection.poll_interval_seconds, default_interval_seconds, account.ota_code)
        delay = next_poll_delay_seconds(interval, connection.consecutive_failures)
        # Never before the pulls a dispatch already scheduled: they would be scheduled twice.
        next_poll = max(polled_at + timedelta(seconds=delay), connection.scheduled_until or polled_at)
        connection.next_poll_at = next_poll if connection.is_active else None
        return connection_record(flushed(uow.session, connection), hotel, account)


def active_connections_for_property(property_id: int) -> list[ota_access.ConnectionTarget]:
    """The property's active connections through active accounts: where its ARI changes go."""
    with unit_of_work() as uow:
        rows = ota_repository.active_connections_of_property(uow.session, property_id)
        return [ota_access.ConnectionTarget.of(*row) for row in rows]
