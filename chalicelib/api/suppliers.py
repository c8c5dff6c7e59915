"""Suppliers (room owners), with masked bank details, and their allocations of room types."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import BaseModel, Field

from chalicelib.api.pagination import Page, PageQuery, filtered_page
from chalicelib.api.patching import PatchBody
from chalicelib.api.resources import Resource
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.schemas import CountryCode, Email, RecordName, ShortText, request_body_config
from chalicelib.api.view_models import ViewModel
from chalicelib.domain.access import Caller
from chalicelib.domain.catalog import AllocationRecord, SupplierRecord
from chalicelib.domain.permissions import Permission
from chalicelib.services import supplier_service

blueprint = ApiBlueprint(__name__, tag="suppliers")
suppliers = Resource(blueprint, read=Permission.SUPPLIERS_READ, write=Permission.SUPPLIERS_WRITE)

AccountNumber = str


class SupplierOut(ViewModel, view=SupplierRecord):
    bank_account_masked: str | None = Field(description="the last four characters only, e.g. ****1234")


class SupplierQuery(PageQuery):
    country_code: CountryCode | None = None
    search: str | None = Field(default=None, max_length=100, description="part of the name, contact or email")
    is_active: bool | None = None


class SupplierCreate(BaseModel):
    model_config = request_body_config(
        {
            "country_code": "VN",
            "name": "Nguyen Family Holdings",
            "contact_name": "Nguyen Van An",
            "email": "an@example.com",
            "bank_name": "Vietcombank",
            "bank_account_holder": "Nguyen Van An",
            "bank_account_number": "0071 0012 3456 7890",
        }
    )

    country_code: CountryCode
    name: RecordName
    contact_name: ShortText = ""
    email: Email | None = None
    phone: str = Field(default="", max_length=40)
    address: str = Field(default="", max_length=500)
    bank_name: ShortText = ""
    bank_account_holder: ShortText = ""
    bank_swift: str = Field(default="", max_length=11, pattern=r"^([A-Za-z0-9]{8}([A-Za-z0-9]{3})?)?$")
    bank_account_number: AccountNumber | None = Field(
        default=None, max_length=60, description="stored encrypted; only ever shown masked"
    )
    notes: str = Field(default="", max_length=2000)
    is_active: bool = True


class SupplierUpdate(PatchBody):
    model_config = request_body_config({"phone": "+84 24 1234 5678"})
    NULLABLE: ClassVar[frozenset[str]] = frozenset({"bank_account_number"})

    country_code: CountryCode | None = None
    name: RecordName | None = None
    contact_name: ShortText | None = None
    email: Email | None = None
    phone: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=500)
    bank_name: ShortText | None = None
    bank_account_holder: ShortText | None = None
    bank_swift: str | None = Field(default=None, max_length=11, pattern=r"^([A-Za-z0-9]{8}([A-Za-z0-9]{3})?)?$")
    bank_account_number: AccountNumber | None = Field(default=None, max_length=60, description="null removes it")
    notes: str | None = Field(default=None, max_length=2000)
    is_active: bool | None = None


@suppliers.get("/suppliers", "List suppliers (room owners) in your country scope")
def list_suppliers(caller: Caller, query: SupplierQuery) -> Page[SupplierOut]:
    return filtered_page(caller, query, supplier_service.SupplierFilters, supplier_service.list_suppliers, SupplierOut)


@suppliers.create("/suppliers", "Create a supplier", error_statuses=(422,))
def create_supplier(caller: Caller, body: SupplierCreate) -> SupplierOut:
    fields = body.model_dump()
    fields["email"] = fields["email"] or ""
    return SupplierOut.of(supplier_service.create_supplier(caller, fields))


supplier = suppliers.record("/suppliers/{supplier_id}", SupplierOut)
supplier.get(supplier_service.get_supplier, "One supplier")
supplier.update(
    supplier_service.update_supplier,
    SupplierUpdate,
    "Edit a supplier (a new bank account number replaces the stored one)",
    error_statuses=(422,),
)
supplier.delete(supplier_service.delete_supplier, "Delete a supplier and its allocations")


# --- allocations ---------------------------------------------------------------------------------


class AllocationOut(ViewModel, view=AllocationRecord):
    pass


class AllocationCreate(BaseModel):
    model_config = request_body_config(
        {"room_type_id": 1, "date_from": "2030-01-01", "date_to": "2030-12-31", "rooms": 3}
    )

    room_type_id: int = Field(ge=1)
    date_from: date = Field(description="first night (inclusive)")
    date_to: date = Field(description="last night (inclusive)")
    rooms: int = Field(ge=1, le=100_000)
    notes: str = Field(default="", max_length=2000)


class AllocationUpdate(PatchBody):
    model_config = request_body_config({"notes": "renewed for 2030"})

    date_from: date | None = None
    date_to: date | None = None
    rooms: int | None = Field(default=None, ge=1, le=100_000)
    notes: str | None = Field(default=None, max_length=2000)


allocations = suppliers.collection("/suppliers/{supplier_id}/allocations", AllocationOut, noun="allocation")
allocations.list(supplier_service.list_allocations, "The room-type allocations of a supplier")
allocations.create(
    supplier_service.create_allocation,
    AllocationCreate,
    "Allocate rooms of a room type to a supplier (409 if allocations would exceed the total)",
    build=dict,
    error_statuses=(409, 422),
)


allocation = suppliers.record("/allocations/{allocation_id}", AllocationOut)
allocation.update(
    supplier_service.update_allocation,
    AllocationUpdate,
    "Change an allocation (re-validated against the room type's total)",
    error_statuses=(409, 422),
)
allocation.delete(supplier_service.delete_allocation, "Remove an allocation")
