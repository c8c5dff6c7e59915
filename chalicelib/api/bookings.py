"""Bookings: take one (direct or partner), confirm it, move it along the workflow, list, read, export."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from chalice.app import Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from chalicelib.api.pagination import Page, PageQuery, filters_from
from chalicelib.api.resources import Resource
from chalicelib.api.routing import ApiBlueprint, csv_download
from chalicelib.api.schemas import Email, PersonName, StayIn, request_body_config
from chalicelib.api.view_models import ViewModel
from chalicelib.domain.access import Caller
from chalicelib.domain.bookings import (
    MAX_LINES,
    BookingFilters,
    BookingSource,
    check_idempotency_key,
)
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.permissions import Permission
from chalicelib.domain.views import view_from
from chalicelib.services import booking_query_service, booking_service
from chalicelib.services.booking_query_service import (
    BookingDetail,
    BookingSummary,
    EventView,
    LineView,
    RevisionView,
    StatusView,
    TransitionOption,
)

blueprint = ApiBlueprint(__name__, tag="bookings")
bookings = Resource(
    blueprint, read=Permission.BOOKINGS_READ, write=Permission.BOOKINGS_CREATE, kinds={"group_id": "booking"}
)

IDEMPOTENCY_HEADER = "Idempotency-Key"
JSON = "application/json"

StatusCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


# --- responses -----------------------------------------------------------------------------------


class StatusOut(ViewModel, view=StatusView):
    inventory_effect: Literal["hold", "sell", "none"]


class LineOut(ViewModel, view=LineView):
    guest_name: str | None = Field(description="null without the GUEST_DATA_VIEW permission")


class EventOut(ViewModel, view=EventView):
    kind: str = Field(description="created, status_changed, modified, expired, ota_revision_ignored")
    source: str = Field(description="staff, partner, ota or system")


class RevisionOut(ViewModel, view=RevisionView):
    pass


class BookingSummaryOut(ViewModel, view=BookingSummary):
    source: Literal["direct", "partner", "ota"]
    status: StatusOut
    guest_name: str | None = Field(description="null without the GUEST_DATA_VIEW permission")
    lines: list[LineOut]


class BookingOut(BookingSummaryOut, view=BookingDetail):
    timeline: list[EventOut]
    ota_revisions: list[RevisionOut]


# --- requests ------------------------------------------------------------------------------------


class BookingLineIn(StayIn):
    rate_plan_id: int | None = Field(default=None, ge=1)
    amount: Decimal | None = Field(
        default=None, ge=0, description="the line's total (e.g. a partner's contract price); else priced from rates"
    )
    guest_name: PersonName | None = None


class BookingCreate(BaseModel):
    model_config = request_body_config(
        {
            "property_id": 1,
            "guest_name": "Nguyen Van A",
            "guest_email": "guest@example.com",
            "lines": [{"room_type_id": 1, "check_in": "2030-03-01", "check_out": "2030-03-03", "rooms": 1}],
        }
    )

    property_id: int = Field(ge=1)
    source: Literal["direct", "partner"] = "direct"
    partner_code: str | None = Field(
        default=None, min_length=1, max_length=60, pattern=r"^[A-Za-z0-9._-]+$", description="required for partner"
    )
    guest_name: PersonName
    guest_email: Email | None = None
    guest_phone: str | None = Field(default=None, max_length=40)
    notes: str = Field(default="", max_length=2000)
    lines: list[BookingLineIn] = Field(min_length=1, max_length=MAX_LINES)

    @model_validator(mode="after")
    def _partner_named(self) -> BookingCreate:
        if self.source == "partner" and not self.partner_code:
            raise ValueError("partner_code is required for a partner booking")
        return self

    def to_request(self) -> booking_service.NewBooking:
        return view_from(
            booking_service.NewBooking,
            self,
            source=BookingSource(self.source),
            guest_email=self.guest_email or "",
            guest_phone=self.guest_phone or "",
            lines=tuple(view_from(booking_service.NewBookingLine, line) for line in self.lines),
        )


class BookingFilterQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stay_from: date | None = Field(default=None, description="stays with a night on or after this date")
    stay_to: date | None = Field(default=None, description="stays with a night on or before this date")
    created_from: datetime | None = Field(default=None, description="created at or after (ISO 8601)")
    created_to: datetime | None = Field(default=None, description="created before (ISO 8601)")
    status: list[StatusCode] = Field(default_factory=list, description="status codes (repeat the parameter)")
    source: list[Literal["direct", "partner", "ota"]] = Field(default_factory=list)
    ota: OtaCode | None = None
    property_id: int | None = Field(default=None, ge=1)
    room_type_id: int | None = Field(default=None, ge=1)
    guest: str | None = Field(
        default=None, min_length=2, max_length=100, description="part of the guest's name, the reference or OTA id"
    )

    def filters(self) -> BookingFilters:
        return filters_from(
            self,
            BookingFilters,
            statuses=tuple(self.status),
            sources=tuple(self.source),
            ota=self.ota.value if self.ota else None,
        )


class BookingQuery(PageQuery, BookingFilterQuery):
    pass


class TransitionIn(BaseModel):
    model_config = request_body_config({"to_status": "cancelled", "reason": "guest called"})

    to_status: StatusCode
    reason: str = Field(default="", max_length=1000)


class TransitionOptionOut(ViewModel, view=TransitionOption):
    to_status: StatusOut


class TransitionDialogOut(BaseModel):
    current: StatusOut
    allowed: list[TransitionOptionOut] = Field(description="the statuses you may move this booking to")


# --- routes --------------------------------------------------------------------------------------


@bookings.create(
    "/bookings",
    "Take a direct or partner booking (a hold until confirmed)",
    response=BookingOut,
    error_statuses=(409,),
    headers={
        IDEMPOTENCY_HEADER: "a unique key per booking attempt: a retry with the same key returns the first result"
    },
)
def create_booking(caller: Caller, body: BookingCreate) -> Response:
    """One transaction under the room types' advisory locks: every night of every line is checked;
    409 ``insufficient_inventory`` names the short nights, 409 ``stay_restricted`` the restricted
    ones. The booking holds its rooms for ``booking_expiry_minutes`` (default 15) until
    ``PATCH /bookings/{id}/confirm``. A replay of an ``Idempotency-Key`` answers the first
    result with ``Idempotent-Replayed: true``; the same key with another body is 422."""
    raw_key = blueprint.current_request.headers.get(IDEMPOTENCY_HEADER.lower())
    key = check_idempotency_key(raw_key) if raw_key is not None else None
    created = booking_service.create_booking(caller, body.to_request(), key)
    headers: dict[str, str] = {"Content-Type": JSON, "Location": f"/bookings/{created.group_id}"}
    if created.replayed:
        headers["Idempotent-Replayed"] = "true"
    body_out = BookingOut.of(created.response).model_dump(mode="json")
    return Response(body=body_out, status_code=201, headers=headers)  # type: ignore[arg-type]


@bookings.get("/bookings", "Bookings in your country scope, newest first")
def list_bookings(caller: Caller, query: BookingQuery) -> Page[BookingSummaryOut]:
    """Filters combine: stay dates (overlap), creation time, status, source / OTA, property,
    room type, guest (name, reference or OTA reservation id; needs GUEST_DATA_VIEW)."""
    records, total = booking_query_service.list_bookings(
        caller, query.filters(), offset=query.offset, limit=query.page_size
    )
    return Page.of([BookingSummaryOut.of(record) for record in records], total, query)


@bookings.get(
    "/bookings/export",
    "Bookings as CSV (the same filters as the list)",
    permission=Permission.BOOKINGS_EXPORT,
    response_content_type="text/csv; charset=utf-8",
)
def export_bookings(caller: Caller, query: BookingFilterQuery) -> Response:
    """At most 10,000 bookings per export (422 asks to narrow the filters). Guest columns are empty
    without GUEST_DATA_VIEW."""
    content = booking_query_service.export_csv(caller, query.filters())
    return csv_download(content, "bookings.csv")


@bookings.get("/bookings/{group_id}", "One booking: lines, full timeline, OTA revisions")
def get_booking(caller: Caller, group_id: int) -> BookingOut:
    return BookingOut.of(booking_query_service.get_booking(caller, group_id))


@bookings.patch("/bookings/{group_id}/confirm", "Confirm a hold: it becomes a sale", error_statuses=(409,))
def confirm_booking(caller: Caller, group_id: int) -> BookingOut:
    """Held nights become sold. Confirming a confirmed booking answers it unchanged; an expired
    (released) hold is 409 ``booking_not_pending``."""
    return BookingOut.of(booking_service.confirm_group(caller, group_id))


@bookings.get("/bookings/{group_id}/transitions", "The transition dialog: statuses you may move this booking to")
def booking_transitions(caller: Caller, group_id: int) -> TransitionDialogOut:
    current, options = booking_query_service.transition_options(caller, group_id)
    return TransitionDialogOut(
        current=StatusOut.of(current),
        allowed=[TransitionOptionOut.of(option) for option in options],
    )


@bookings.post(
    "/bookings/{group_id}/transitions",
    "Move a booking to another status (check in, cancel, no-show, ...)",
    permission=Permission.BOOKINGS_READ,
    error_statuses=(409,),
)
def transition_booking(caller: Caller, group_id: int, body: TransitionIn) -> BookingOut:
    """Each transition names the permission it needs (403 without it); one that is not configured
    is 409 ``transition_not_allowed``. Inventory follows the statuses' effects; a timeline event
    records who, when and why."""
    return BookingOut.of(booking_service.transition(caller, group_id, body.to_status, body.reason))
