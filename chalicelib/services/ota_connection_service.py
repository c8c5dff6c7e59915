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

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from chalicelib.db.models import OtaAccount, OtaConnection, Property
from chalicelib.db.repositories import ota as ota_repository
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound
from chalicelib.domain.ota_accounts import (
    ConnectionHealth,
    effective_poll_interval,
    health_after_poll,
    next_poll_delay_seconds,
)
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_results import SyncError
from chalicelib.services import ota_access
from chalicelib.services.audit_service import audit_snapshot, record_audit

CONNECTION_AUDIT_FIELDS = ("property_id", "ota_account_id", "ota_hotel_id", "is_active", "poll_interval_seconds")
MAX_ERROR_TEXT = 2000


@dataclass(frozen=True)
class ConnectionRecord:
    id: int
    property_id: int
    property_code: str
    property_name: str
    country_code: str
    ota_account_id: int
    ota: str
    ota_name: str
    account_name: str
    ota_hotel_id: str
    is_active: bool
    poll_interval_seconds: int | None
    last_poll_at: datetime | None
    next_poll_at: datetime | None
    last_success_at: datetime | None
    health: str
    consecutive_failures: int
    last_error: str | None
    last_error_at: datetime | None
    created_at: datetime
    updated_at: datetime


def connection_record(connection: OtaConnection, hotel: Property, account: OtaAccount) -> ConnectionRecord:
    """What the API shows of a connection."""
    ota = OtaCode(account.ota_code)
    return ConnectionRecord(
        id=connection.id,
        property_id=hotel.id,
        property_code=hotel.code,
        property_name=hotel.name,
        country_code=hotel.country_code,
        ota_account_id=account.id,
        ota=ota.value,
        ota_name=ota.display_name,
        account_name=account.name,
        ota_hotel_id=connection.ota_hotel_id,
        is_active=connection.is_active,
        poll_interval_seconds=connection.poll_interval_seconds,
        last_poll_at=connection.last_poll_at,
        next_poll_at=connection.next_poll_at,
        last_success_at=connection.last_success_at,
        health=connection.health,
        consecutive_failures=connection.consecutive_failures,
        last_error=connection.last_error,
        last_error_at=connection.last_error_at,
        created_at=connection.created_at,
        updated_at=connection.updated_at,
    )


def scoped_connection(
    session: Session, caller: Caller, connection_id: int, *, for_update: bool = False
) -> tuple[OtaConnection, Property, OtaAccount]:
    """The connection, its property and account, if the property is in scope; NotFound otherwise."""
    found = ota_repository.scoped_connection(session, connection_id, caller.scope, for_update=for_update)
    if found is None:
        raise NotFound("No such OTA connection.")
    return found


def body_property(session: Session, caller: Caller, property_id: int, field: str = "body.property_id") -> Property:
    """A property named in a request body: absent or out of scope is a 422 naming the field."""
    hotel = ota_repository.scoped_property(session, property_id, caller.scope)
    if hotel is None:
        raise InvalidInput("No such property.", details=[{"field": field, "message": "no such property"}])
    if hotel.status == "archived":
        raise InvalidInput(
            "The property is archived: restore it before connecting it.",
            details=[{"field": field, "message": "archived"}],
        )
    return hotel


def body_account(session: Session, caller: Caller, account_id: int, field: str = "body.ota_account_id") -> OtaAccount:
    """An account named in a request body: absent or out of scope is a 422 naming the field."""
    account = ota_repository.scoped_account(session, account_id, caller.scope)
    if account is None:
        raise InvalidInput("No such OTA account.", details=[{"field": field, "message": "no such OTA account"}])
    return account


def check_connectable(
    session: Session,
    hotel: Property,
    account: OtaAccount,
    ota_hotel_id: str,
    *,
    except_connection_id: int | None = None,
    hotel_field: str = "body.ota_hotel_id",
) -> None:
    """Conflict unless ``hotel`` may be connected to ``account`` under ``ota_hotel_id``."""
    ota = OtaCode(account.ota_code)
    taken = ota_repository.connection_for_hotel(session, account.id, ota_hotel_id)
    if taken is not None and taken.id != except_connection_id:
        raise Conflict(
            f"{ota.display_name} hotel {ota_hotel_id} is already connected through this account "
            f"(connection {taken.id}).",
            details=[{"field": hotel_field, "message": "already connected"}],
        )
    other = ota_repository.property_connection_to_ota(
        session, hotel.id, ota.value, except_connection_id=except_connection_id
    )
    if other is not None:
        connection, other_account = other
        raise Conflict(
            f"The property is already connected to {ota.display_name} "
            f"(connection {connection.id}, account {other_account.name!r}).",
            details=[{"field": "body.property_id", "message": f"already connected to {ota.display_name}"}],
        )


def _audit_view(connection: OtaConnection) -> dict[str, Any]:
    return audit_snapshot(connection, CONNECTION_AUDIT_FIELDS)


def _verify_hotel(account: OtaAccount, ota_hotel_id: str) -> None:
    """InvalidInput naming body.ota_hotel_id unless the OTA confirms the hotel (a real call)."""
    found = ota_access.discover_hotels(ota_access.AccountEndpoint.of(account), [ota_hotel_id])
    if any(hotel.ota_hotel_id == ota_hotel_id for hotel in found.hotels):
        return
    reason = found.errors[0].message if found.errors else f"it does not report hotel {ota_hotel_id}"
    raise InvalidInput(
        f"{OtaCode(account.ota_code).display_name} did not confirm hotel {ota_hotel_id}: {reason}",
        details=[{"field": "body.ota_hotel_id", "message": reason}],
    )


# --- CRUD ---------------------------------------------------------------------------------------------------


def list_connections(
    caller: Caller, filters: ota_repository.ConnectionFilters, *, offset: int, limit: int
) -> tuple[list[ConnectionRecord], int]:
    """Connections of properties in the caller's scope matching ``filters``, one page."""
    with unit_of_work() as uow:
        rows, total = ota_repository.list_connections(uow.session, caller.scope, filters, offset=offset, limit=limit)
        return [connection_record(*row) for row in rows], total


def get_connection(caller: Caller, connection_id: int) -> ConnectionRecord:
    """One connection of a property in the caller's scope, with its sync health."""
    with unit_of_work() as uow:
        return connection_record(*scoped_connection(uow.session, caller, connection_id))


@dataclass(frozen=True)
class NewConnection:
    property_id: int
    ota_account_id: int
    ota_hotel_id: str
    is_active: bool = True
    poll_interval_seconds: int | None = None
    verify_with_ota: bool = False


def create_connection(caller: Caller, new: NewConnection) -> ConnectionRecord:
    """Connect a property to an OTA account under the OTA's hotel id.

    With ``verify_with_ota`` the OTA must first confirm the hotel (discovery, a real call).
    An active connection is due for its first poll at once.
    """
    if new.verify_with_ota:
        with unit_of_work() as uow:
            account = body_account(uow.session, caller, new.ota_account_id)
        _verify_hotel(account, new.ota_hotel_id)
    with unit_of_work() as uow:
        session = uow.session
        hotel = body_property(session, caller, new.property_id)
        account = body_account(session, caller, new.ota_account_id)
        check_connectable(session, hotel, account, new.ota_hotel_id)
        connection = add_connection(
            session,
            caller,
            hotel,
            account,
            new.ota_hotel_id,
            is_active=new.is_active,
            poll_interval_seconds=new.poll_interval_seconds,
        )
        return connection_record(connection, hotel, account)


def add_connection(
    session: Session,
    caller: Caller | None,
    hotel: Property,
    account: OtaAccount,
    ota_hotel_id: str,
    *,
    is_active: bool,
    poll_interval_seconds: int | None = None,
) -> OtaConnection:
    """Insert a connection (already validated) with its audit row."""
    connection = OtaConnection(
        property_id=hotel.id,
        ota_account_id=account.id,
        ota_hotel_id=ota_hotel_id,
        is_active=is_active,
        poll_interval_seconds=poll_interval_seconds,
        next_poll_at=datetime.now(UTC) if is_active else None,
    )
    session.add(connection)
    ota_repository.flush_or_conflict(session, "The property or the OTA hotel was connected meanwhile: reload.")
    session.refresh(connection)
    record_audit(
        session,
        caller,
        "ota_connection.created",
        "ota_connection",
        connection.id,
        None,
        _audit_view(connection),
        country_code=hotel.country_code,
    )
    return connection


def update_connection(caller: Caller, connection_id: int, changes: Mapping[str, Any]) -> ConnectionRecord:
    """Change the OTA hotel id, active flag or poll interval override (only the keys given).

    Activating makes the connection due at once; deactivating takes it off the schedule; a new
    hotel id or interval makes it due at once too (the next poll applies them).
    """
    if changes.get("verify_with_ota") and "ota_hotel_id" in changes:
        with unit_of_work() as uow:
            _, _, account = scoped_connection(uow.session, caller, connection_id)
        _verify_hotel(account, changes["ota_hotel_id"])
    with unit_of_work() as uow:
        session = uow.session
        connection, hotel, account = scoped_connection(session, caller, connection_id, for_update=True)
        before = _audit_view(connection)
        reschedule = False
        if "ota_hotel_id" in changes and changes["ota_hotel_id"] != connection.ota_hotel_id:
            check_connectable(session, hotel, account, changes["ota_hotel_id"], except_connection_id=connection.id)
            connection.ota_hotel_id = changes["ota_hotel_id"]
            reschedule = True
        if "poll_interval_seconds" in changes and changes["poll_interval_seconds"] != connection.poll_interval_seconds:
            connection.poll_interval_seconds = changes["poll_interval_seconds"]
            reschedule = True
        if "is_active" in changes and changes["is_active"] != connection.is_active:
            connection.is_active = changes["is_active"]
            reschedule = True
        if reschedule:
            connection.next_poll_at = datetime.now(UTC) if connection.is_active else None
        after = _audit_view(connection)
        if after != before:
            session.flush()
            record_audit(
                session,
                caller,
                "ota_connection.updated",
                "ota_connection",
                connection.id,
                before,
                after,
                country_code=hotel.country_code,
            )
            session.refresh(connection)
        return connection_record(connection, hotel, account)


def delete_connection(caller: Caller, connection_id: int) -> None:
    """Disconnect the property (its mappings and proposals go with the connection)."""
    with unit_of_work() as uow:
        session = uow.session
        connection, hotel, _ = scoped_connection(session, caller, connection_id, for_update=True)
        record_audit(
            session,
            caller,
            "ota_connection.deleted",
            "ota_connection",
            connection.id,
            _audit_view(connection),
            None,
            country_code=hotel.country_code,
        )
        session.delete(connection)


# --- the sync engine --------------------------------------------------------------------------------------------


def claim_due_connections(
    *, default_interval_seconds: int, now: datetime | None = None, limit: int = 200
) -> list[ota_access.ConnectionTarget]:
    """Active connections (of active accounts, not archived properties) due for a poll at ``now``.

    Each is locked (``FOR UPDATE SKIP LOCKED``) and its ``next_poll_at`` moved one interval ahead
    in the same transaction, so a second dispatcher running at the same time takes none of them;
    :func:`record_poll_result` then sets the real next poll. ``default_interval_seconds`` is the
    global ``sync_poll_interval_seconds`` setting (a connection's override wins).
    """
    moment = now or datetime.now(UTC)
    with unit_of_work() as uow:
        rows = ota_repository.claim_due_connections(uow.session, moment, limit=limit)
        targets = [ota_access.ConnectionTarget.of(*row) for row in rows]
        ota_repository.set_next_polls(
            uow.session,
            [
                (
                    connection.id,
                    moment
                    + timedelta(
                        seconds=effective_poll_interval(connection.poll_interval_seconds, default_interval_seconds)
                    ),
                )
                for connection, _, _ in rows
            ],
        )
        return targets


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
            connection.health = ConnectionHealth.OK.value
        else:
            connection.consecutive_failures += 1
            connection.last_error = error.message[:MAX_ERROR_TEXT]
            connection.last_error_at = polled_at
            connection.health = health_after_poll(connection.consecutive_failures, error.kind).value
        interval = effective_poll_interval(connection.poll_interval_seconds, default_interval_seconds)
        delay = next_poll_delay_seconds(interval, connection.consecutive_failures)
        connection.next_poll_at = polled_at + timedelta(seconds=delay) if connection.is_active else None
        uow.session.flush()
        uow.session.refresh(connection)
        return connection_record(connection, hotel, account)


def active_connections_for_property(property_id: int) -> list[ota_access.ConnectionTarget]:
    """The property's active connections through active accounts: where its ARI changes go."""
    with unit_of_work() as uow:
        rows = ota_repository.active_connections_of_property(uow.session, property_id)
        return [ota_access.ConnectionTarget.of(*row) for row in rows]
