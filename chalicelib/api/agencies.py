"""Travel agencies (B2B partners): contacts, status and credit terms, scoped by country."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from pydantic import BaseModel, Field

from chalicelib.api.pagination import Page, PageQuery, filtered_page
from chalicelib.api.patching import PatchBody
from chalicelib.api.resources import Resource
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.schemas import CountryCode, Email, RecordCode, RecordName, ShortText, request_body_config
from chalicelib.api.view_models import ViewModel
from chalicelib.domain.access import Caller
from chalicelib.domain.allotment_records import AgencyFilters, AgencyRecord
from chalicelib.domain.allotments import AgencyStatus
from chalicelib.domain.permissions import Permission
from chalicelib.services import agency_service

blueprint = ApiBlueprint(__name__, tag="agencies")
agencies = Resource(blueprint, read=Permission.AGENCIES_READ, write=Permission.AGENCIES_WRITE)

CurrencyCode = str
PaymentTerms = int


class AgencyOut(ViewModel, view=AgencyRecord):
    pass


class AgencyQuery(PageQuery):
    country_code: CountryCode | None = None
    status: AgencyStatus | None = None
    search: str | None = Field(default=None, max_length=100, description="part of the code, name, contact or email")


class AgencyCreate(BaseModel):
    model_config = request_body_config(
        {
            "code": "SGN-TRAVEL",
            "name": "Saigon Travel Co.",
            "country_code": "VN",
            "contact_name": "Tran Thi Binh",
            "email": "contracts@saigontravel.example",
            "credit_limit": "500000000",
            "credit_currency": "VND",
            "payment_terms_days": 30,
        }
    )

    code: RecordCode
    name: RecordName
    country_code: CountryCode
    contact_name: ShortText = ""
    email: Email | None = None
    phone: str = Field(default="", max_length=40)
    address: str = Field(default="", max_length=500)
    status: AgencyStatus = AgencyStatus.ACTIVE
    credit_limit: Decimal | None = Field(default=None, description="in credit_currency; none: no limit")
    credit_currency: CurrencyCode | None = Field(default=None, min_length=3, max_length=3)
    payment_terms_days: PaymentTerms = Field(default=30, ge=0, le=365)
    notes: str = Field(default="", max_length=2000)


class AgencyUpdate(PatchBody):
    model_config = request_body_config({"status": "suspended"})
    NULLABLE: ClassVar[frozenset[str]] = frozenset({"credit_limit", "credit_currency"})

    name: RecordName | None = None
    country_code: CountryCode | None = None
    contact_name: ShortText | None = None
    email: Email | None = None
    phone: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=500)
    status: AgencyStatus | None = None
    credit_limit: Decimal | None = None
    credit_currency: CurrencyCode | None = Field(default=None, min_length=3, max_length=3)
    payment_terms_days: PaymentTerms | None = Field(default=None, ge=0, le=365)
    notes: str | None = Field(default=None, max_length=2000)


@agencies.get("/agencies", "List travel agencies in your country scope (an agency account: its own)", partner=True)
def list_agencies(caller: Caller, query: AgencyQuery) -> Page[AgencyOut]:
    return filtered_page(caller, query, AgencyFilters, agency_service.list_agencies, AgencyOut)


@agencies.create("/agencies", "Create a travel agency", error_statuses=(409, 422))
def create_agency(caller: Caller, body: AgencyCreate) -> AgencyOut:
    fields = body.model_dump()
    fields["email"] = fields["email"] or ""
    return AgencyOut.of(agency_service.create_agency(caller, fields))


agency = agencies.record("/agencies/{agency_id}", AgencyOut)
agency.get(agency_service.get_agency, "One travel agency", partner=True)
agency.update(
    agency_service.update_agency,
    AgencyUpdate,
    "Edit a travel agency (status suspended / closed to stop it)",
    error_statuses=(422,),
)
agency.delete(
    agency_service.delete_agency,
    "Delete an agency without contracts (409 otherwise: close it instead)",
    error_statuses=(409,),
)
