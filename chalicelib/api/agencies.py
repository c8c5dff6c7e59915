"""Travel agencies (B2B partners): contacts, status and credit terms, scoped by country."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.pagination import Page, PageQuery
from chalicelib.api.patching import PatchBody
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.schemas import CountryCode, Email, RecordCode, RecordName, ShortText
from chalicelib.domain.access import Caller
from chalicelib.domain.allotment_records import AgencyFilters, AgencyRecord
from chalicelib.domain.allotments import AgencyStatus
from chalicelib.domain.permissions import Permission
from chalicelib.services import agency_service

blueprint = ApiBlueprint(__name__, tag="agencies")

CurrencyCode = str
PaymentTerms = int


class AgencyOut(BaseModel):
    id: int
    code: str
    name: str
    country_code: str
    contact_name: str
    email: str
    phone: str
    address: str
    status: AgencyStatus
    credit_limit: Decimal | None
    credit_currency: str | None
    payment_terms_days: int
    notes: str
    created_at: datetime
    updated_at: datetime


class AgencyQuery(PageQuery):
    country_code: CountryCode | None = None
    status: AgencyStatus | None = None
    search: str | None = Field(default=None, max_length=100, description="part of the code, name, contact or email")


class AgencyCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
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
            ]
        },
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
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"status": "suspended"}]})
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


def agency_out(record: AgencyRecord) -> AgencyOut:
    return AgencyOut(**record.__dict__)


@blueprint.endpoint(
    "/agencies",
    summary="List travel agencies in your country scope",
    query=AgencyQuery,
    response=Page[AgencyOut],
    permission=Permission.AGENCIES_READ,
)
def list_agencies(caller: Caller, query: AgencyQuery) -> Page[AgencyOut]:
    filters = AgencyFilters(country_code=query.country_code, status=query.status, search=query.search)
    records, total = agency_service.list_agencies(caller, filters, offset=query.offset, limit=query.page_size)
    return Page.of([agency_out(record) for record in records], total, query)


@blueprint.endpoint(
    "/agencies",
    "POST",
    summary="Create a travel agency",
    body=AgencyCreate,
    response=AgencyOut,
    status=201,
    permission=Permission.AGENCIES_WRITE,
    error_statuses=(409, 422),
)
def create_agency(caller: Caller, body: AgencyCreate) -> AgencyOut:
    fields = body.model_dump()
    fields["email"] = fields["email"] or ""
    return agency_out(agency_service.create_agency(caller, fields))


@blueprint.endpoint(
    "/agencies/{agency_id}",
    summary="One travel agency",
    response=AgencyOut,
    permission=Permission.AGENCIES_READ,
    scoped_resource="agency",
)
def get_agency(caller: Caller, agency_id: int) -> AgencyOut:
    return agency_out(agency_service.get_agency(caller, agency_id))


@blueprint.endpoint(
    "/agencies/{agency_id}",
    "PATCH",
    summary="Edit a travel agency (status suspended / closed to stop it)",
    body=AgencyUpdate,
    response=AgencyOut,
    permission=Permission.AGENCIES_WRITE,
    scoped_resource="agency",
    error_statuses=(422,),
)
def update_agency(caller: Caller, agency_id: int, body: AgencyUpdate) -> AgencyOut:
    return agency_out(agency_service.update_agency(caller, agency_id, body.changes()))


@blueprint.endpoint(
    "/agencies/{agency_id}",
    "DELETE",
    summary="Delete an agency without contracts (409 otherwise: close it instead)",
    status=204,
    permission=Permission.AGENCIES_WRITE,
    scoped_resource="agency",
    error_statuses=(409,),
)
def delete_agency(caller: Caller, agency_id: int) -> None:
    agency_service.delete_agency(caller, agency_id)
