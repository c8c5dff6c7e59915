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
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from chalicelib.aws.signing_keys import signing_keyring
from chalicelib.db.locks import lock_room_types
from chalicelib.db.models import Country, Property, RoomType, Supplier
from chalicelib.db.models import SupplierAllocation as AllocationRow
from chalicelib.db.pagination import paginate
from chalicelib.db.scoping import scoped
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain import sealing
from chalicelib.domain.access import Caller
from chalicelib.domain.allocations import SupplierAllocation, validate_allocations
from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.domain.nights import NightRange, validate_night_range
from chalicelib.services import calendar_upkeep
from chalicelib.services.audit_service import audit_snapshot, record_audit
from chalicelib.services.room_type_service import scoped_room_type

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
ALLOCATION_AUDIT_FIELDS = ("supplier_id", "room_type_id", "date_from", "date_to", "rooms", "notes")
_ACCOUNT_NUMBER = re.compile(r"^[A-Za-z0-9]{4,34}$")


@dataclass(frozen=True)
class SupplierRecord:
    id: int
    country_code: str
    name: str
    contact_name: str
    email: str
    phone: str
    address: str
    bank_name: str
    bank_account_holder: str
    bank_swift: str
    bank_account_masked: str | None
    notes: str
    is_active: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class AllocationRecord:
    id: int
    supplier_id: int
    room_type_id: int
    property_id: int
    date_from: date
    date_to: date
    rooms: int
    notes: str
    created_at: datetime
    updated_at: datetime


def mask_account(last4: str | None) -> str | None:
    return None if last4 is None else "****" + last4


def supplier_record(supplier: Supplier) -> SupplierRecord:
    return SupplierRecord(
        id=supplier.id,
        country_code=supplier.country_code,
        name=supplier.name,
        contact_name=supplier.contact_name,
        email=supplier.email,
        phone=supplier.phone,
        address=supplier.address,
        bank_name=supplier.bank_name,
        bank_account_holder=supplier.bank_account_holder,
        bank_swift=supplier.bank_swift,
        bank_account_masked=mask_account(supplier.bank_account_last4),
        notes=supplier.notes,
        is_active=supplier.is_active,
        created_at=supplier.created_at,
        updated_at=supplier.updated_at,
    )


def _audit_view(supplier: Supplier) -> dict[str, Any]:
    return {
        **audit_snapshot(supplier, SUPPLIER_AUDIT_FIELDS),
        "bank_account": mask_account(supplier.bank_account_last4),
    }


def _associated_data(supplier_id: int) -> bytes:
    return f"supplier:{supplier_id}".encode()


def normalise_account_number(raw: str) -> str:
    """Spaces and dashes dropped (as printed on cheques); 4 to 34 letters and digits (IBAN length)."""
    number = re.sub(r"[\s-]", "", raw)
    if not _ACCOUNT_NUMBER.match(number):
        raise InvalidInput(
            "body.bank_account_number: 4 to 34 letters and digits (spaces and dashes are ignored)",
            details=[{"field": "body.bank_account_number", "message": "4 to 34 letters and digits"}],
        )
    return number


def _seal_account(supplier: Supplier, number: str | None) -> None:
    if number is None:
        supplier.bank_account_sealed = None
        supplier.bank_account_key_id = None
        supplier.bank_account_last4 = None
        return
    keyring = signing_keyring()
    key = sealing.derive_key(keyring.current_key, _PURPOSE)
    supplier.bank_account_sealed = sealing.seal(number.encode("ascii"), key, _associated_data(supplier.id))
    supplier.bank_account_key_id = keyring.current_kid
    supplier.bank_account_last4 = number[-4:]


def reveal_account_number(supplier: Supplier) -> str | None:
    """The plaintext account number, for a payout adapter (never for an API response)."""
    if supplier.bank_account_sealed is None or supplier.bank_account_key_id is None:
        return None
    master = signing_keyring(needed_kid=supplier.bank_account_key_id).keys.get(supplier.bank_account_key_id)
    if master is None:
        raise sealing.SealError("the key that sealed this account number is no longer in the keyring")
    plaintext = sealing.unseal(
        supplier.bank_account_sealed, sealing.derive_key(master, _PURPOSE), _associated_data(supplier.id)
    )
    return plaintext.decode("ascii")


def _scoped_supplier(session: Session, caller: Caller, supplier_id: int, *, for_update: bool = False) -> Supplier:
    statement = scoped(select(Supplier).where(Supplier.id == supplier_id), Supplier.country_code, caller.scope)
    if for_update:
        statement = statement.with_for_update()
    supplier = session.scalar(statement)
    if supplier is None:
        raise NotFound("No such supplier.")
    return supplier


def _check_country(session: Session, caller: Caller, code: str) -> str:
    country = session.get(Country, code.upper())
    if country is None or not country.is_active or not caller.scope.includes(country.code):
        raise InvalidInput(
            f"Country {code!r} is unknown or outside your scope.",
            details=[{"field": "body.country_code", "message": "unknown or outside your country scope"}],
        )
    return country.code


# --- suppliers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SupplierFilters:
    country_code: str | None = None
    search: str | None = None
    is_active: bool | None = None


def list_suppliers(
    caller: Caller, filters: SupplierFilters, *, offset: int, limit: int
) -> tuple[list[SupplierRecord], int]:
    with unit_of_work() as uow:
        statement = scoped(select(Supplier), Supplier.country_code, caller.scope)
        if filters.country_code is not None:
            statement = statement.where(Supplier.country_code == filters.country_code)
        if filters.is_active is not None:
            statement = statement.where(Supplier.is_active.is_(filters.is_active))
        if filters.search:
            pattern = "%" + filters.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            statement = statement.where(
                or_(Supplier.name.ilike(pattern), Supplier.contact_name.ilike(pattern), Supplier.email.ilike(pattern))
            )
        rows, total = paginate(
            uow.session, statement.order_by(func.lower(Supplier.name), Supplier.id), offset=offset, limit=limit
        )
        return [supplier_record(row[0]) for row in rows], total


def get_supplier(caller: Caller, supplier_id: int) -> SupplierRecord:
    with unit_of_work() as uow:
        return supplier_record(_scoped_supplier(uow.session, caller, supplier_id))


def create_supplier(caller: Caller, fields: dict[str, Any]) -> SupplierRecord:
    """Create a supplier; ``bank_account_number`` (optional) is sealed, never stored in clear."""
    fields = dict(fields)
    number = fields.pop("bank_account_number", None)
    if number is not None:
        number = normalise_account_number(number)
    with unit_of_work() as uow:
        session = uow.session
        fields["country_code"] = _check_country(session, caller, fields["country_code"])
        supplier = Supplier(**fields)
        session.add(supplier)
        session.flush()
        _seal_account(supplier, number)
        session.flush()
        session.refresh(supplier)
        record_audit(
            session,
            caller,
            "supplier.created",
            "supplier",
            supplier.id,
            None,
            _audit_view(supplier),
            country_code=supplier.country_code,
        )
        return supplier_record(supplier)


def update_supplier(caller: Caller, supplier_id: int, changes: dict[str, Any]) -> SupplierRecord:
    """Edit a supplier; ``bank_account_number`` replaces (or, with null, removes) the sealed number."""
    changes = dict(changes)
    with unit_of_work() as uow:
        session = uow.session
        supplier = _scoped_supplier(session, caller, supplier_id, for_update=True)
        before = _audit_view(supplier)
        if "bank_account_number" in changes:
            number = changes.pop("bank_account_number")
            _seal_account(supplier, None if number is None else normalise_account_number(number))
        if "country_code" in changes:
            changes["country_code"] = _check_country(session, caller, changes["country_code"])
        for name, value in changes.items():
            setattr(supplier, name, value)
        session.flush()
        session.refresh(supplier)
        after = _audit_view(supplier)
        if after != before or "bank_account_number" in changes:
            record_audit(
                session,
                caller,
                "supplier.updated",
                "supplier",
                supplier.id,
                before,
                after,
                country_code=supplier.country_code,
            )
        return supplier_record(supplier)


def delete_supplier(caller: Caller, supplier_id: int) -> None:
    """Delete a supplier with its allocations (audited; the audit keeps the masked account)."""
    with unit_of_work() as uow:
        session = uow.session
        supplier = _scoped_supplier(session, caller, supplier_id, for_update=True)
        before = _audit_view(supplier)
        session.delete(supplier)
        record_audit(
            session,
            caller,
            "supplier.deleted",
            "supplier",
            supplier_id,
            before,
            None,
            country_code=before["country_code"],
        )


# --- allocations ---------------------------------------------------------------------------------


def _allocation_record(row: AllocationRow, property_id: int) -> AllocationRecord:
    return AllocationRecord(
        id=row.id,
        supplier_id=row.supplier_id,
        room_type_id=row.room_type_id,
        property_id=property_id,
        date_from=row.date_from,
        date_to=row.date_to,
        rooms=row.rooms,
        notes=row.notes,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def list_allocations(caller: Caller, supplier_id: int) -> list[AllocationRecord]:
    with unit_of_work() as uow:
        supplier = _scoped_supplier(uow.session, caller, supplier_id)
        rows = uow.session.execute(
            select(AllocationRow, RoomType.property_id)
            .join(RoomType, RoomType.id == AllocationRow.room_type_id)
            .where(AllocationRow.supplier_id == supplier.id)
            .order_by(AllocationRow.room_type_id, AllocationRow.date_from, AllocationRow.id)
        ).all()
        return [_allocation_record(row, property_id) for row, property_id in rows]


def _scoped_allocation(
    session: Session, caller: Caller, allocation_id: int
) -> tuple[AllocationRow, Supplier, RoomType, Property]:
    row = session.execute(
        scoped(
            select(AllocationRow, Supplier, RoomType, Property)
            .join(Supplier, Supplier.id == AllocationRow.supplier_id)
            .join(RoomType, RoomType.id == AllocationRow.room_type_id)
            .join(Property, Property.id == RoomType.property_id)
            .where(AllocationRow.id == allocation_id),
            Supplier.country_code,
            caller.scope,
        )
    ).first()
    if row is None or not caller.scope.includes(row[3].country_code):
        raise NotFound("No such allocation.")
    return row[0], row[1], row[2], row[3]


def _check_dates(prop: Property, date_from: date, date_to: date, now: datetime | None) -> None:
    today = calendar_upkeep.property_today(prop, now)
    nights = NightRange.through(date_from, date_to, start_field="body.date_from", end_field="body.date_to")
    validate_night_range(nights, today=today, allow_past=True, start_field="body.date_from", end_field="body.date_to")


def _validate(session: Session, room_type: RoomType, prop: Property, now: datetime | None) -> None:
    """Every allocation of the room type (the one just written included) against its total."""
    today = calendar_upkeep.property_today(prop, now)
    others = session.scalars(
        select(AllocationRow).where(AllocationRow.room_type_id == room_type.id, AllocationRow.date_to >= today)
    )
    allocations = [
        SupplierAllocation(
            other.supplier_id,
            other.room_type_id,
            NightRange.through(max(other.date_from, today), other.date_to),
            other.rooms,
            other.id,
        )
        for other in others
        if other.date_to >= today
    ]
    # Past nights are history: only nights from today on must fit the current total.
    validate_allocations(allocations, {room_type.id: room_type.total_rooms})


def create_allocation(
    caller: Caller, supplier_id: int, fields: dict[str, Any], *, now: datetime | None = None
) -> AllocationRecord:
    """Allocate rooms of a room type (in the supplier's country) to the supplier for a date range."""
    with unit_of_work() as uow:
        session = uow.session
        supplier = _scoped_supplier(session, caller, supplier_id)
        room_type, prop = _room_type_for(session, caller, supplier, fields["room_type_id"])
        lock_room_types(session, [room_type.id])
        session.refresh(room_type)
        _check_dates(prop, fields["date_from"], fields["date_to"], now)
        row = AllocationRow(supplier_id=supplier.id, **fields)
        session.add(row)
        session.flush()
        _validate(session, room_type, prop, now)
        session.refresh(row)
        record_audit(
            session,
            caller,
            "supplier_allocation.created",
            "supplier_allocation",
            row.id,
            None,
            audit_snapshot(row, ALLOCATION_AUDIT_FIELDS),
            country_code=supplier.country_code,
        )
        return _allocation_record(row, prop.id)


def _room_type_for(
    session: Session, caller: Caller, supplier: Supplier, room_type_id: int
) -> tuple[RoomType, Property]:
    try:
        room_type, prop = scoped_room_type(session, caller, room_type_id)
    except NotFound:
        raise InvalidInput(
            f"No room type {room_type_id}.", details=[{"field": "body.room_type_id", "message": "no such room type"}]
        ) from None
    if prop.country_code != supplier.country_code:
        raise InvalidInput(
            "The room type's property is not in the supplier's country.",
            details=[{"field": "body.room_type_id", "message": f"must be a room type in {supplier.country_code}"}],
        )
    return room_type, prop


def update_allocation(
    caller: Caller, allocation_id: int, changes: dict[str, Any], *, now: datetime | None = None
) -> AllocationRecord:
    """Change an allocation's dates, rooms or notes (re-validated against the room type's total)."""
    with unit_of_work() as uow:
        session = uow.session
        row, supplier, room_type, prop = _scoped_allocation(session, caller, allocation_id)
        lock_room_types(session, [room_type.id])
        session.refresh(room_type)
        session.refresh(row, with_for_update=True)
        before = audit_snapshot(row, ALLOCATION_AUDIT_FIELDS)
        _check_dates(prop, changes.get("date_from", row.date_from), changes.get("date_to", row.date_to), now)
        for name, value in changes.items():
            setattr(row, name, value)
        session.flush()
        _validate(session, room_type, prop, now)
        session.refresh(row)
        after = audit_snapshot(row, ALLOCATION_AUDIT_FIELDS)
        if after != before:
            record_audit(
                session,
                caller,
                "supplier_allocation.updated",
                "supplier_allocation",
                row.id,
                before,
                after,
                country_code=supplier.country_code,
            )
        return _allocation_record(row, prop.id)


def delete_allocation(caller: Caller, allocation_id: int) -> None:
    with unit_of_work() as uow:
        session = uow.session
        row, supplier, room_type, _ = _scoped_allocation(session, caller, allocation_id)
        lock_room_types(session, [room_type.id])
        before = audit_snapshot(row, ALLOCATION_AUDIT_FIELDS)
        session.delete(row)
        record_audit(
            session,
            caller,
            "supplier_allocation.deleted",
            "supplier_allocation",
            allocation_id,
            before,
            None,
            country_code=supplier.country_code,
        )
