"""Suppliers (room owners) and their allocations, read through the caller's country scope
(``uow.suppliers``). A supplier is scoped by its own country; an allocation by its supplier's
country and by its room type's property's."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import Select, func, or_, select

from chalicelib.db.filtering import containing
from chalicelib.db.models import Property, RoomType, Supplier
from chalicelib.db.models import SupplierAllocation as AllocationRow
from chalicelib.db.pagination import paginate
from chalicelib.db.repositories.base import SessionRepository
from chalicelib.db.repositories.properties import property_record, room_type_record
from chalicelib.db.scoping import first_row, scoped, scoped_row
from chalicelib.db.writing import inserted, updated
from chalicelib.domain.access import CountryScope
from chalicelib.domain.allocations import SupplierAllocation
from chalicelib.domain.catalog import (
    AllocationRecord,
    PropertyRecord,
    RoomTypeRecord,
    SealedAccount,
    SupplierFilters,
    SupplierRecord,
)
from chalicelib.domain.nights import NightRange
from chalicelib.domain.views import view_from


def mask_account(last4: str | None) -> str | None:
    return None if last4 is None else "****" + last4


def supplier_record(supplier: Supplier) -> SupplierRecord:
    return view_from(
        SupplierRecord,
        supplier,
        bank_account_masked=mask_account(supplier.bank_account_last4),
    )


def allocation_record(row: AllocationRow, property_id: int) -> AllocationRecord:
    return view_from(
        AllocationRecord,
        row,
        property_id=property_id,
    )


def _supplier_query(scope: CountryScope, filters: SupplierFilters) -> Select[Any]:
    statement = scoped(select(Supplier), Supplier.country_code, scope)
    if filters.country_code is not None:
        statement = statement.where(Supplier.country_code == filters.country_code)
    if filters.is_active is not None:
        statement = statement.where(Supplier.is_active.is_(filters.is_active))
    if filters.search:
        pattern = containing(filters.search)
        statement = statement.where(
            or_(Supplier.name.ilike(pattern), Supplier.contact_name.ilike(pattern), Supplier.email.ilike(pattern))
        )
    return statement.order_by(func.lower(Supplier.name), Supplier.id)


class SqlSupplierRepository(SessionRepository):
    """Suppliers and allocations of one unit of work (``uow.suppliers``)."""

    def page(
        self, scope: CountryScope, filters: SupplierFilters, *, offset: int, limit: int
    ) -> tuple[list[SupplierRecord], int]:
        rows, total = paginate(self._session, _supplier_query(scope, filters), offset=offset, limit=limit)
        return [supplier_record(row[0]) for row in rows], total

    def _scoped(self, scope: CountryScope, supplier_id: int, *, for_update: bool = False) -> Supplier | None:
        return scoped_row(self._session, Supplier, supplier_id, scope, for_update=for_update)

    def get(self, scope: CountryScope, supplier_id: int, *, for_update: bool = False) -> SupplierRecord | None:
        supplier = self._scoped(scope, supplier_id, for_update=for_update)
        return None if supplier is None else supplier_record(supplier)

    def add(self, fields: Mapping[str, Any]) -> SupplierRecord:
        supplier = Supplier(**fields)
        inserted(self._session, supplier)
        return supplier_record(supplier)

    def update(self, supplier_id: int, changes: Mapping[str, Any]) -> SupplierRecord:
        supplier = updated(self._session, Supplier, supplier_id, changes)
        return supplier_record(supplier)

    def set_bank_account(self, supplier_id: int, account: SealedAccount | None) -> SupplierRecord:
        return self.update(
            supplier_id,
            {
                "bank_account_sealed": None if account is None else account.sealed,
                "bank_account_key_id": None if account is None else account.key_id,
                "bank_account_last4": None if account is None else account.last4,
            },
        )

    def delete(self, supplier_id: int) -> None:
        """Delete a supplier; its allocations go with it (ON DELETE CASCADE)."""
        self._session.delete(self._session.get_one(Supplier, supplier_id))
        self._session.flush()

    # --- allocations -----------------------------------------------------------------------------

    def allocations_of(self, supplier_id: int) -> list[AllocationRecord]:
        rows = self._session.execute(
            select(AllocationRow, RoomType.property_id)
            .join(RoomType, RoomType.id == AllocationRow.room_type_id)
            .where(AllocationRow.supplier_id == supplier_id)
            .order_by(AllocationRow.room_type_id, AllocationRow.date_from, AllocationRow.id)
        ).all()
        return [allocation_record(row, property_id) for row, property_id in rows]

    def get_allocation(
        self, scope: CountryScope, allocation_id: int, *, for_update: bool = False
    ) -> tuple[AllocationRecord, SupplierRecord, RoomTypeRecord, PropertyRecord] | None:
        """The allocation, its supplier, room type and property, if the scope includes both the
        supplier's country and the property's."""
        statement = scoped(
            select(AllocationRow, Supplier, RoomType, Property)
            .join(Supplier, Supplier.id == AllocationRow.supplier_id)
            .join(RoomType, RoomType.id == AllocationRow.room_type_id)
            .join(Property, Property.id == RoomType.property_id)
            .where(AllocationRow.id == allocation_id),
            Supplier.country_code,
            scope,
        )
        row = first_row(self._session, statement, lock=AllocationRow if for_update else None)
        if row is None or not scope.includes(row[3].country_code):
            return None
        allocation, supplier, room_type, prop = row[0], row[1], row[2], row[3]
        if for_update:
            self._session.refresh(allocation)
            self._session.refresh(room_type)
        return (
            allocation_record(allocation, prop.id),
            supplier_record(supplier),
            room_type_record(room_type, prop.currency),
            property_record(prop),
        )

    def add_allocation(self, supplier_id: int, fields: Mapping[str, Any]) -> AllocationRecord:
        row = AllocationRow(supplier_id=supplier_id, **fields)
        inserted(self._session, row)
        return allocation_record(row, self._session.get_one(RoomType, row.room_type_id).property_id)

    def update_allocation(self, allocation_id: int, changes: Mapping[str, Any]) -> AllocationRecord:
        row = updated(self._session, AllocationRow, allocation_id, changes)
        return allocation_record(row, self._session.get_one(RoomType, row.room_type_id).property_id)

    def delete_allocation(self, allocation_id: int) -> None:
        self._session.delete(self._session.get_one(AllocationRow, allocation_id))
        self._session.flush()

    def allocations_of_room_type(self, room_type_id: int, from_night: date) -> list[SupplierAllocation]:
        """The room type's allocations still running on ``from_night`` or later, cut to start there
        (past nights are history: only nights from today on must fit the current total)."""
        rows = self._session.scalars(
            select(AllocationRow).where(AllocationRow.room_type_id == room_type_id, AllocationRow.date_to >= from_night)
        )
        return [
            SupplierAllocation(
                row.supplier_id,
                row.room_type_id,
                NightRange.through(max(row.date_from, from_night), row.date_to),
                row.rooms,
                row.id,
            )
            for row in rows
        ]
