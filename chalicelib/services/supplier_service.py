"""Suppliers (room owners) and their allocations of room types.

A supplier belongs to one country (scoping). Its bank account number is sealed at rest
(AES-256-GCM under a key derived from the JWT keyring, bound to the supplier's id) and only ever
shown masked (``****1234``); the plaintext never enters a response, a log line or the audit
trail (the audit records ``bank_account`` as the masked form).

An allocation gives a supplier ``rooms`` rooms of a room type (of a property in the supplier's
country) on every night from ``date_from`` to ``date_to`` (inclusive). Every write re-validates
all allocations of the room type against its total (``validate_allocations``: 409 naming the
suppliers and nights), under the room type's lock so a concurrent total change cannot slip by.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Protocol

from chalicelib.aws.signing_keys import signing_keyring
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain import sealing
from chalicelib.domain.access import Caller
from chalicelib.domain.allocations import validate_allocations
from chalicelib.domain.catalog import (
    AllocationRecord,
    PropertyRecord,
    RoomTypeRecord,
    SealedAccount,
    SupplierFilters,
    SupplierRecord,
)
from chalicelib.domain.errors import InvalidInput, NotFound, existing
from chalicelib.domain.nights import NightRange, validate_night_range
from chalicelib.domain.tokens import SigningKeyring
from chalicelib.services.audit_service import AuditedKind, audit_change, audit_entry, audit_snapshot
from chalicelib.services.ports import UnitOfWork, UnitOfWorkFactory
from chalicelib.services.property_service import property_today
from chalicelib.services.room_type_service import find_room_type
from chalicelib.services.scoped_reads import page_reader, record_reader

__all__ = [
    "AllocationRecord",
    "SupplierFilters",
    "SupplierRecord",
    "create_allocation",
    "create_supplier",
    "delete_allocation",
    "delete_supplier",
    "get_supplier",
    "list_allocations",
    "list_suppliers",
    "normalise_account_number",
    "reveal_account_number",
    "update_allocation",
    "update_supplier",
]

_PURPOSE = "supplier-bank-account"
SUPPLIER_AUDIT_FIELDS = (
    "country_code",
    "name",
    "contact_name",
    "email",
    "phone",
    "address",
    "bank_name",
    "bank_account_holder",
    "bank_swift",
    "notes",
    "is_active",
)
ALLOCATION_AUDIT = AuditedKind(
    "supplier_allocation", ("supplier_id", "room_type_id", "date_from", "date_to", "rooms", "notes")
)
_ACCOUNT_NUMBER = re.compile(r"^[A-Za-z0-9]{4,34}$")

Keyring = Callable[[], SigningKeyring]


def _audit_view(supplier: SupplierRecord) -> dict[str, Any]:
    return {**audit_snapshot(supplier, SUPPLIER_AUDIT_FIELDS), "bank_account": supplier.bank_account_masked}


def _associated_data(supplier_id: int) -> bytes:
    return f"supplier:{supplier_id}".encode()


def normalise_account_number(raw: str) -> str:
    """Spaces and dashes dropped (as printed on cheques); 4 to 34 letters and digits (IBAN length)."""
    number = re.sub(r"[\s-]", "", raw)
    if not _ACCOUNT_NUMBER.match(number):
        raise InvalidInput(
            "bank_account_number: 4 to 34 letters and digits (spaces and dashes are ignored)",
            details=[{"field": "bank_account_number", "message": "4 to 34 letters and digits"}],
        )
    return number


def seal_account(supplier_id: int, number: str, keyring: SigningKeyring) -> SealedAccount:
    """``number`` sealed under the keyring's current key, bound to the supplier's id."""
    key = sealing.derive_key(keyring.current_key, _PURPOSE)
    sealed = sealing.seal(number.encode("ascii"), key, _associated_data(supplier_id))
    return SealedAccount(sealed=sealed, key_id=keyring.current_kid, last4=number[-4:])


class SealedAccountHolder(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def bank_account_sealed(self) -> bytes | None: ...

    @property
    def bank_account_key_id(self) -> str | None: ...


def reveal_account_number(
    supplier: SealedAccountHolder, *, keyring: Callable[..., SigningKeyring] = signing_keyring
) -> str | None:
    """The plaintext account number, for a payout adapter (never for an API response)."""
    if supplier.bank_account_sealed is None or supplier.bank_account_key_id is None:
        return None
    master = keyring(needed_kid=supplier.bank_account_key_id).keys.get(supplier.bank_account_key_id)
    if master is None:
        raise sealing.SealError("the key that sealed this account number is no longer in the keyring")
    plaintext = sealing.unseal(
        supplier.bank_account_sealed, sealing.derive_key(master, _PURPOSE), _associated_data(supplier.id)
    )
    return plaintext.decode("ascii")


def _find_supplier(work: UnitOfWork, caller: Caller, supplier_id: int, *, for_update: bool = False) -> SupplierRecord:
    return existing(work.suppliers.get(caller.scope, supplier_id, for_update=for_update), "No such supplier.")


get_supplier = record_reader(_find_supplier)


def _check_country(work: UnitOfWork, caller: Caller, code: str) -> str:
    country = work.properties.active_country(code)
    if country is None or not caller.scope.includes(country):
        raise InvalidInput(
            f"Country {code!r} is unknown or outside your scope.",
            details=[{"field": "country_code", "message": "unknown or outside your country scope"}],
        )
    return country


# --- suppliers -----------------------------------------------------------------------------------


list_suppliers = page_reader(lambda work: work.suppliers.page)  # by name


def create_supplier(
    caller: Caller, fields: dict[str, Any], *, uow: UnitOfWorkFactory = unit_of_work, keyring: Keyring = signing_keyring
) -> SupplierRecord:
    """Create a supplier; ``bank_account_number`` (optional) is sealed, never stored in clear."""
    fields = dict(fields)
    number = fields.pop("bank_account_number", None)
    if number is not None:
        number = normalise_account_number(number)
    with uow() as work:
        fields["country_code"] = _check_country(work, caller, fields["country_code"])
        supplier = work.suppliers.add(fields)
        if number is not None:  # sealed once the id it is bound to exists
            supplier = work.suppliers.set_bank_account(supplier.id, seal_account(supplier.id, number, keyring()))
        audit_change(
            work.audit, caller, "supplier", supplier.id, None, _audit_view(supplier), country_code=supplier.country_code
        )
        return supplier


def update_supplier(
    caller: Caller,
    supplier_id: int,
    changes: dict[str, Any],
    *,
    uow: UnitOfWorkFactory = unit_of_work,
    keyring: Keyring = signing_keyring,
) -> SupplierRecord:
    """Edit a supplier; ``bank_account_number`` replaces (or, with null, removes) the sealed number."""
    changes = dict(changes)
    with uow() as work:
        supplier = _find_supplier(work, caller, supplier_id, for_update=True)
        before = _audit_view(supplier)
        new_account = "bank_account_number" in changes
        if new_account:
            number = changes.pop("bank_account_number")
            sealed = None if number is None else seal_account(supplier.id, normalise_account_number(number), keyring())
            work.suppliers.set_bank_account(supplier.id, sealed)
        if "country_code" in changes:
            changes["country_code"] = _check_country(work, caller, changes["country_code"])
        supplier = work.suppliers.update(supplier.id, changes)
        after = _audit_view(supplier)
        if after != before or new_account:
            work.audit.add(
                audit_entry(
                    caller,
                    "supplier.updated",
                    "supplier",
                    supplier.id,
                    before,
                    after,
                    country_code=supplier.country_code,
                )
            )
        return supplier


def delete_supplier(caller: Caller, supplier_id: int, *, uow: UnitOfWorkFactory = unit_of_work) -> None:
    """Delete a supplier with its allocations (audited; the audit keeps the masked account)."""
    with uow() as work:
        supplier = _find_supplier(work, caller, supplier_id, for_update=True)
        before = _audit_view(supplier)
        work.suppliers.delete(supplier.id)
        audit_change(work.audit, caller, "supplier", supplier_id, before, None, country_code=supplier.country_code)


# --- allocations ---------------------------------------------------------------------------------


def list_allocations(
    caller: Caller, supplier_id: int, *, uow: UnitOfWorkFactory = unit_of_work
) -> list[AllocationRecord]:
    with uow() as work:
        supplier = _find_supplier(work, caller, supplier_id)
        return work.suppliers.allocations_of(supplier.id)


def _find_allocation(
    work: UnitOfWork, caller: Caller, allocation_id: int, *, for_update: bool = False
) -> tuple[AllocationRecord, SupplierRecord, RoomTypeRecord, PropertyRecord]:
    return existing(
        work.suppliers.get_allocation(caller.scope, allocation_id, for_update=for_update), "No such allocation."
    )


def _check_dates(prop: PropertyRecord, date_from: date, date_to: date, now: datetime | None) -> None:
    nights = NightRange.through(date_from, date_to, start_field="date_from", end_field="date_to")
    today = property_today(prop, now)
    validate_night_range(nights, today=today, allow_past=True, start_field="date_from", end_field="date_to")


def _validate(work: UnitOfWork, room_type: RoomTypeRecord, prop: PropertyRecord, now: datetime | None) -> None:
    """Every allocation of the room type (the one just written included) against its total."""
    # Past nights are history: only nights from today on must fit the current total.
    allocations = work.suppliers.allocations_of_room_type(room_type.id, property_today(prop, now))
    validate_allocations(allocations, {room_type.id: room_type.total_rooms})


def _room_type_for(
    work: UnitOfWork, caller: Caller, supplier: SupplierRecord, room_type_id: int
) -> tuple[RoomTypeRecord, PropertyRecord]:
    try:
        room_type, prop = find_room_type(work, caller, room_type_id)
    except NotFound:
        raise InvalidInput(
            f"No room type {room_type_id}.", details=[{"field": "room_type_id", "message": "no such room type"}]
        ) from None
    if prop.country_code != supplier.country_code:
        raise InvalidInput(
            "The room type's property is not in the supplier's country.",
            details=[{"field": "room_type_id", "message": f"must be a room type in {supplier.country_code}"}],
        )
    return room_type, prop


def create_allocation(
    caller: Caller,
    supplier_id: int,
    fields: dict[str, Any],
    *,
    now: datetime | None = None,
    uow: UnitOfWorkFactory = unit_of_work,
) -> AllocationRecord:
    """Allocate rooms of a room type (in the supplier's country) to the supplier for a date range."""
    with uow() as work:
        supplier = _find_supplier(work, caller, supplier_id)
        room_type, prop = _room_type_for(work, caller, supplier, fields["room_type_id"])
        work.room_types.lock([room_type.id])
        room_type, prop = find_room_type(work, caller, room_type.id, for_update=True)  # its total under the lock
        _check_dates(prop, fields["date_from"], fields["date_to"], now)
        allocation = work.suppliers.add_allocation(supplier.id, fields)
        _validate(work, room_type, prop, now)
        ALLOCATION_AUDIT.created(work.audit, caller, allocation, country_code=supplier.country_code)
        return allocation


def update_allocation(
    caller: Caller,
    allocation_id: int,
    changes: dict[str, Any],
    *,
    now: datetime | None = None,
    uow: UnitOfWorkFactory = unit_of_work,
) -> AllocationRecord:
    """Change an allocation's dates, rooms or notes (re-validated against the room type's total)."""
    with uow() as work:
        _, _, room_type, _ = _find_allocation(work, caller, allocation_id)
        work.room_types.lock([room_type.id])
        allocation, supplier, room_type, prop = _find_allocation(work, caller, allocation_id, for_update=True)
        before = ALLOCATION_AUDIT.snapshot(allocation)
        date_from = changes.get("date_from", allocation.date_from)
        _check_dates(prop, date_from, changes.get("date_to", allocation.date_to), now)
        updated = work.suppliers.update_allocation(allocation.id, changes)
        _validate(work, room_type, prop, now)
        ALLOCATION_AUDIT.updated(work.audit, caller, before, updated, country_code=supplier.country_code)
        return updated


def delete_allocation(caller: Caller, allocation_id: int, *, uow: UnitOfWorkFactory = unit_of_work) -> None:
    with uow() as work:
        allocation, supplier, room_type, _ = _find_allocation(work, caller, allocation_id)
        work.room_types.lock([room_type.id])
        work.suppliers.delete_allocation(allocation.id)
        ALLOCATION_AUDIT.deleted(work.audit, caller, allocation, country_code=supplier.country_code)
