"""Hardblock pick-up and views: bookings from a block (one, or a rooming list), the inventory grid, a cell's
detail, the pick-up report, the blocks cutting off soon, and the CSV exports."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from chalice.app import Response
from pydantic import BaseModel, Field

from chalicelib.api.hardblocks import BlockOut
from chalicelib.api.resources import Resource
from chalicelib.api.routing import ApiBlueprint, csv_download
from chalicelib.api.schemas import Email, PersonName, StayIn, request_body_config
from chalicelib.api.view_models import ViewModel
from chalicelib.db.repositories.hardblock_pickups import BlockBookingRow
from chalicelib.domain.access import Caller
from chalicelib.domain.booking_requests import NewBooking, NewBookingLine
from chalicelib.domain.hardblock_views import AgencyPickUp, BlockPickUp, CuttingOff, GridCell
from chalicelib.domain.permissions import Permission
from chalicelib.domain.rooming_lists import COLUMNS, MAX_LINES, REQUIRED
from chalicelib.services import hardblock_pickup, hardblock_views, rooming_lists
from chalicelib.services.hardblock_pickup import PickedUp
from chalicelib.services.hardblock_views import CellDetail, PickUpReport

blueprint = ApiBlueprint(__name__, tag="hardblocks")
pickups = Resource(
    blueprint, read=Permission.CONTRACTS_READ, write=Permission.BOOKINGS_CREATE, kinds={"block_id": "hardblock"}
)

ROOMING_LIST_HEADER = ",".join(COLUMNS)
CSV = "text/csv; charset=utf-8"
MAX_CUT_OFF_DAYS = 60


class BlockBookingIn(StayIn):
    model_config = request_body_config(
        {
            "room_type_id": 1,
            "check_in": "2030-07-01",
            "check_out": "2030-07-03",
            "guest_name": "Tran Thi B",
            "guest_email": "b@example.com",
        }
    )

    room_type_id: int = Field(ge=1, description="a room type the block holds rooms of")
    guest_name: PersonName
    guest_email: Email | None = None
    guest_phone: str | None = Field(default=None, max_length=40)
    notes: str = Field(default="", max_length=2000)

    def to_request(self) -> NewBooking:
        line = NewBookingLine(
            self.room_type_id,
            self.check_in,
            self.check_out,
            rooms=self.rooms,
            adults=self.adults,
            children=self.children,
            guest_name=self.guest_name,
        )
        return NewBooking(
            property_id=0,  # the block's
            lines=(line,),
            guest_name=self.guest_name,
            guest_email=self.guest_email or "",
            guest_phone=self.guest_phone or "",
            notes=self.notes,
        )


class RoomingListIn(BaseModel):
    model_config = request_body_config(
        {"csv": f"{ROOMING_LIST_HEADER}\nTran Thi B,b@example.com,,DLX,2030-07-01,2030-07-03,1,2,0,\n"}
    )

    csv: str = Field(
        min_length=1,
        max_length=500_000,
        description=(
            f"The rooming list as CSV text (UTF-8), one booking per line after the header `{ROOMING_LIST_HEADER}`"
            f" (columns in any order; required: {', '.join(REQUIRED)}; room_type is the room type's code or id;"
            f" dates YYYY-MM-DD; rooms default 1, adults 2, children 0; at most {MAX_LINES} lines)."
        ),
    )


class PickedUpBookingOut(BaseModel):
    id: int
    reference: str


class BlockPickUpResultOut(BaseModel):
    block: BlockOut = Field(description="the block after the pick-up (a new version)")
    bookings: list[PickedUpBookingOut]


def _picked_up(result: PickedUp) -> BlockPickUpResultOut:
    return BlockPickUpResultOut(
        block=BlockOut.of(result.block),
        bookings=[
            PickedUpBookingOut(id=booking_id, reference=reference)
            for booking_id, reference in zip(result.booking_ids, result.references, strict=True)
        ],
    )


class BlockBookingOut(ViewModel, view=BlockBookingRow):
    status: str = Field(description="the booking line's status (cancelled ones stay listed)")
    amount: Decimal = Field(description="the line's total at the block's rates")


class BlockGridCellOut(ViewModel, view=GridCell):
    blocked: int = Field(description="rooms the block holds that night, picked-up ones included")
    available: int = Field(description="rooms of the block still to pick up (0 once released or cancelled)")


class BlockGridQuery(BaseModel):
    property_id: int = Field(ge=1)
    date_from: date = Field(description="first night (inclusive)")
    date_to: date = Field(description="last night (inclusive), at most 366 nights")


class BlockCellQuery(BaseModel):
    room_type_id: int | None = Field(default=None, ge=1, description="required: the cell's room type")
    night: date | None = Field(default=None, description="required: the cell's night")


class BlockCellDetailOut(ViewModel, view=CellDetail):
    cell: BlockGridCellOut
    bookings: list[BlockBookingOut]


class BlockReportQuery(BaseModel):
    property_id: int | None = Field(default=None, ge=1)
    agency_id: int | None = Field(default=None, ge=1)
    date_from: date = Field(description="first night (inclusive)")
    date_to: date = Field(description="last night (inclusive), at most 366 nights")


class BlockPickUpOut(ViewModel, view=BlockPickUp):
    held: int = Field(description="rooms the block held over the nights: rooms + released")
    washed: int = Field(description="rooms released unused (and a cancelled block's unpicked rooms)")
    wash_percent: Decimal = Field(description="washed / held, in percent")


class BlockAgencyPickUpOut(ViewModel, view=AgencyPickUp):
    agency_id: int | None = Field(description="null: the blocks held for a group without an agency")


class BlockPickUpReportOut(ViewModel, view=PickUpReport):
    blocks: list[BlockPickUpOut]
    agencies: list[BlockAgencyPickUpOut]


class BlockCuttingOffQuery(BaseModel):
    days: int = Field(default=7, ge=0, le=MAX_CUT_OFF_DAYS, description="from today to today + days")


class BlockCuttingOffOut(ViewModel, view=CuttingOff):
    free_rooms: int = Field(description="rooms not picked up that go back to the pool at the cut-off")


def _single(index: int, name: str) -> dict[str, Any]:
    return {"field": f"body.{name}"}


@pickups.create(
    "/hardblocks/{block_id}/bookings",
    "Book rooms of a block: confirmed at the block's rate; blocked → sold, the pool does not move (409 naming nights)",
    error_statuses=(409, 422),
)
def create_block_booking(caller: Caller, block_id: int, body: BlockBookingIn) -> BlockPickUpResultOut:
    """Cancelling the booking (``POST /bookings/{id}/transitions`` to ``cancelled``) gives the room back to
    the block before its cut-off date, to the pool on or after it."""
    return _picked_up(hardblock_pickup.pick_up(caller, block_id, [body.to_request()], _single))


@pickups.create(
    "/hardblocks/{block_id}/rooming-list",
    "Upload a rooming list (CSV): every line picked up in one transaction, or none (errors by line and column)",
    error_statuses=(409, 422),
    description=(
        f"The CSV's header line: `{ROOMING_LIST_HEADER}` (see the body's `csv`). A 422 lists every bad line as"
        ' `{"line": 3, "field": "check_in", "message": ...}` (the header is line 1); a 409 `block_exhausted`'
        " names the nights the block cannot serve. Nothing is written unless every line is booked."
    ),
)
def upload_rooming_list(caller: Caller, block_id: int, body: RoomingListIn) -> BlockPickUpResultOut:
    return _picked_up(rooming_lists.upload(caller, block_id, body.csv))


@pickups.get("/hardblocks/{block_id}/bookings", "The bookings that picked up rooms of a block")
def list_block_bookings(caller: Caller, block_id: int) -> list[BlockBookingOut]:
    return [BlockBookingOut.of(row) for row in hardblock_views.block_bookings(caller, block_id)]


@pickups.get("/hardblocks/grid", "The inventory grid: block x room type x night of a property's blocks")
def inventory_grid(caller: Caller, query: BlockGridQuery) -> list[BlockGridCellOut]:
    cells = hardblock_views.inventory_grid(caller, query.property_id, query.date_from, query.date_to)
    return [BlockGridCellOut.of(cell) for cell in cells]


@pickups.get("/hardblocks/grid/export", "The inventory grid as CSV", response_content_type=CSV)
def export_inventory_grid(caller: Caller, query: BlockGridQuery) -> Response:
    content = hardblock_views.grid_csv(caller, query.property_id, query.date_from, query.date_to)
    return csv_download(content, "hardblock-grid.csv")


@pickups.get("/hardblocks/{block_id}/cell", "One cell of the grid: its counters, bookings and pricing")
def block_cell(caller: Caller, block_id: int, query: BlockCellQuery) -> BlockCellDetailOut:
    return BlockCellDetailOut.of(hardblock_views.cell_detail(caller, block_id, query.room_type_id, query.night))


@pickups.get("/hardblocks/pick-up-report", "Pick-up % and wash per block and per agency over some nights")
def pick_up_report(caller: Caller, query: BlockReportQuery) -> BlockPickUpReportOut:
    report = hardblock_views.pick_up_report(caller, query.property_id, query.agency_id, query.date_from, query.date_to)
    return BlockPickUpReportOut.of(report)


@pickups.get(
    "/hardblocks/pick-up-report/export", "The pick-up report as CSV (one row per block)", response_content_type=CSV
)
def export_pick_up_report(caller: Caller, query: BlockReportQuery) -> Response:
    content = hardblock_views.report_csv(caller, query.property_id, query.agency_id, query.date_from, query.date_to)
    return csv_download(content, "hardblock-pick-up.csv")


@pickups.get("/hardblocks/cutting-off", "Active blocks reaching their cut-off from today to today + days (default 7)")
def blocks_cutting_off(caller: Caller, query: BlockCuttingOffQuery) -> list[BlockCuttingOffOut]:
    return [BlockCuttingOffOut.of(row) for row in hardblock_views.cutting_off_soon(caller, query.days)]
