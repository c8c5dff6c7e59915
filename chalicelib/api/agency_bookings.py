"""Agency bookings against a contract's allotment, and the sale orders confirmed ones become."""

from __future__ import annotations

from chalice.app import Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.pagination import Page, PageQuery, filtered_page, filters_from
from chalicelib.api.resources import Resource
from chalicelib.api.routing import ApiBlueprint, csv_download
from chalicelib.api.schemas import Email, PersonName, StayIn, request_body_config
from chalicelib.api.view_models import ViewModel
from chalicelib.domain.access import Caller
from chalicelib.domain.agency_bookings import NightTake
from chalicelib.domain.booking_requests import NewBooking, NewBookingLine
from chalicelib.domain.bookings import MAX_LINES
from chalicelib.domain.permissions import Permission
from chalicelib.domain.sale_orders import SaleOrderFilters, SaleOrderLine, SaleOrderRecord, SaleOrderStatus
from chalicelib.services import agency_booking_service, sale_order_service
from chalicelib.services.agency_booking_service import AgencyBookingView

blueprint = ApiBlueprint(__name__, tag="agency bookings")
agency_bookings = Resource(
    blueprint, read=Permission.CONTRACTS_READ, write=Permission.BOOKINGS_MANAGE, kinds={"booking_id": "agency_booking"}
)


class AgencyBookingLineIn(StayIn):
    room_type_id: int = Field(ge=1, description="a room type of the contract")
    guest_name: PersonName | None = None


class AgencyBookingCreate(BaseModel):
    model_config = request_body_config(
        {
            "guest_name": "Tran Thi Binh",
            "lines": [{"room_type_id": 1, "check_in": "2030-07-01", "check_out": "2030-07-03", "rooms": 2}],
        }
    )

    guest_name: PersonName
    guest_email: Email | None = None
    guest_phone: str | None = Field(default=None, max_length=40)
    notes: str = Field(default="", max_length=2000)
    lines: list[AgencyBookingLineIn] = Field(min_length=1, max_length=MAX_LINES)

    def to_request(self) -> NewBooking:
        """The booking request (property, source and partner code come from the contract)."""
        lines = tuple(NewBookingLine(**line.model_dump()) for line in self.lines)
        return NewBooking(0, lines, self.guest_name, self.guest_email or "", self.guest_phone or "", notes=self.notes)


class AgencyBookingCancel(BaseModel):
    model_config = request_body_config({"reason": "the guest cancelled"})

    reason: str = Field(default="", max_length=500)


class NightTakeOut(ViewModel, view=NightTake):
    from_allotment: int = Field(description="rooms picked up from the contract's allotment")
    from_pool: int = Field(description="rooms taken from the pool (free-sale contracts only)")


class AgencyBookingOut(ViewModel, view=AgencyBookingView):
    booking_id: int = Field(description="the booking's id (GET /bookings/{booking_id} shows it in full)")
    nights: list[NightTakeOut]


class SaleOrderLineOut(ViewModel, view=SaleOrderLine):
    pass


class SaleOrderOut(ViewModel, view=SaleOrderRecord):
    status: SaleOrderStatus = Field(description="to_invoice (ready for invoicing) or cancelled")
    lines: list[SaleOrderLineOut]


class SaleOrderQuery(PageQuery):
    agency_id: int | None = Field(default=None, ge=1)
    contract_id: int | None = Field(default=None, ge=1)
    property_id: int | None = Field(default=None, ge=1)
    status: SaleOrderStatus | None = None


class SaleOrderExportQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agency_id: int | None = Field(default=None, ge=1)
    contract_id: int | None = Field(default=None, ge=1)
    property_id: int | None = Field(default=None, ge=1)
    status: SaleOrderStatus | None = None


@agency_bookings.create(
    "/contracts/{contract_id}/bookings",
    "Book rooms under a contract: a hold on its allotment (then the pool, for free sale)",
    permission=Permission.BOOKINGS_CREATE,
    error_statuses=(409, 422),
    partner=True,
)
def create_agency_booking(caller: Caller, contract_id: int, body: AgencyBookingCreate) -> AgencyBookingOut:
    """409 ``allotment_exhausted`` names each night the allotment cannot serve and the rooms that remain."""
    return AgencyBookingOut.of(agency_booking_service.book(caller, contract_id, body.to_request()))


@agency_bookings.post(
    "/agency-bookings/{booking_id}/confirm",
    "Confirm an agency booking's hold: it becomes a sale and its sale order",
    error_statuses=(409,),
    partner=True,
)
def confirm_agency_booking(caller: Caller, booking_id: int) -> SaleOrderOut:
    return SaleOrderOut.of(sale_order_service.confirm(caller, booking_id))


@agency_bookings.post(
    "/agency-bookings/{booking_id}/cancel",
    "Cancel an agency booking: its rooms go back to the allotment (or to the pool after the release)",
    partner=True,
)
def cancel_agency_booking(caller: Caller, booking_id: int, body: AgencyBookingCancel) -> AgencyBookingOut:
    return AgencyBookingOut.of(sale_order_service.cancel(caller, booking_id, body.reason))


@agency_bookings.get("/sale-orders", "Sale orders in your scope, newest first", partner=True)
def list_sale_orders(caller: Caller, query: SaleOrderQuery) -> Page[SaleOrderOut]:
    return filtered_page(caller, query, SaleOrderFilters, sale_order_service.list_sale_orders, SaleOrderOut)


@agency_bookings.get(
    "/sale-orders.csv",
    "Sale orders as CSV (the same filters as the list), at most 10,000",
    response_content_type="text/csv; charset=utf-8",
    error_statuses=(422,),
    partner=True,
)
def export_sale_orders(caller: Caller, query: SaleOrderExportQuery) -> Response:
    content = sale_order_service.export_csv(caller, filters_from(query, SaleOrderFilters))
    return csv_download(content, "sale-orders.csv")


sale_order = agency_bookings.record("/sale-orders/{sale_order_id}", SaleOrderOut)
sale_order.get(sale_order_service.get_sale_order, "One sale order with its lines", partner=True)
