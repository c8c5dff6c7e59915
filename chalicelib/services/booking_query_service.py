"""Reading bookings: the list with filters, one booking with its timeline, the CSV export, and the
transition dialog (which statuses the caller may move a booking to).

Everything is scoped to the caller's countries in SQL. Guest personal data (name, email, phone)
is shown only to callers holding GUEST_DATA_VIEW; others see ``null`` (and may not search by it).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from pydantic import TypeAdapter
from sqlalchemy.orm import Session

from chalicelib.db.models import (
    BookingEvent,
    BookingGroup,
    BookingLine,
    OtaReservationRevision,
    Property,
)
from chalicelib.db.repositories import bookings as booking_repository
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller
from chalicelib.domain.bookings import BookingFilters
from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.domain.permissions import Permission, as_permission, has
from chalicelib.domain.views import view_from

MAX_EXPORT_ROWS = 10_000


class NamedRow(Protocol):
    """What a booking shows of its property and of a line's room type (an ORM row or a plain one)."""

    @property
    def code(self) -> str: ...

    @property
    def name(self) -> str: ...


class StatusRow(Protocol):
    """What a booking shows of a status (:class:`StatusView`'s fields; an ORM row or a plain one)."""

    @property
    def id(self) -> int: ...

    @property
    def code(self) -> str: ...

    @property
    def label(self) -> str: ...

    @property
    def colour(self) -> str: ...

    @property
    def icon(self) -> str: ...

    @property
    def inventory_effect(self) -> str: ...

    @property
    def is_terminal(self) -> bool: ...


@dataclass(frozen=True)
class StatusView:
    """A booking status as a booking shows it (the configuration's view adds to it)."""

    id: int
    code: str
    label: str
    colour: str
    icon: str
    inventory_effect: str
    is_terminal: bool


@dataclass(frozen=True)
class LineView:
    id: int
    position: int
    room_type_id: int
    room_type_code: str
    room_type_name: str
    rate_plan_id: int | None
    check_in: date
    check_out: date
    nights: int
    rooms: int
    adults: int
    children: int
    amount: Decimal
    status: str
    line_ref: str | None
    guest_name: str | None


@dataclass(frozen=True)
class EventView:
    id: int
    kind: str
    from_status: str | None
    to_status: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str
    source: str
    actor_user_id: int | None
    actor_label: str
    ota_revision: str | None
    occurred_at: datetime


@dataclass(frozen=True)
class RevisionView:
    id: int
    revision: str
    action: str
    outcome: str
    received_at: datetime
    ack_state: str
    acknowledged_at: datetime | None


@dataclass(frozen=True)
class BookingSummary:
    id: int
    reference: str
    property_id: int
    property_code: str
    property_name: str
    country_code: str
    source: str
    channel: str
    hardblock_id: int | None  # the block whose rooms the booking picked up
    ota_code: str | None
    ota_reservation_id: str | None
    status: StatusView
    guest_name: str | None
    currency: str
    total_amount: Decimal
    check_in: date | None
    check_out: date | None
    rooms: int
    hold_expires_at: datetime | None
    booked_at: datetime
    confirmed_at: datetime | None
    cancelled_at: datetime | None
    created_at: datetime
    updated_at: datetime
    lines: list[LineView]


@dataclass(frozen=True)
class BookingDetail(BookingSummary):
    guest_email: str | None
    guest_phone: str | None
    notes: str
    created_by_user_id: int | None
    last_ota_revision: str | None
    timeline: list[EventView]
    ota_revisions: list[RevisionView]


_DETAIL_JSON = TypeAdapter(BookingDetail)


def detail_json(detail: BookingDetail) -> dict[str, Any]:
    """The JSON the API answers with for a booking (also what an Idempotency-Key replay returns)."""
    result: dict[str, Any] = _DETAIL_JSON.dump_python(detail, mode="json")
    return result


# --- building views ------------------------------------------------------------------------------


def sees_guests(viewer: Caller | None) -> bool:
    return viewer is None or has(as_permission(viewer.permissions), Permission.GUEST_DATA_VIEW)


def status_view(status: StatusRow) -> StatusView:
    return view_from(StatusView, status)


def line_view(line: BookingLine, room_type: NamedRow, status: StatusRow, *, guests: bool) -> LineView:
    return view_from(
        LineView,
        line,
        room_type_code=room_type.code,
        room_type_name=room_type.name,
        nights=(line.check_out - line.check_in).days,
        status=status.code,
        guest_name=line.guest_name if guests else None,
    )


def _summary_fields(
    group: BookingGroup, status: StatusRow, hotel: NamedRow, lines: Sequence[LineView], *, guests: bool
) -> dict[str, Any]:
    return {
        "id": group.id,
        "reference": group.reference,
        "property_id": group.property_id,
        "property_code": hotel.code,
        "property_name": hotel.name,
        "country_code": group.country_code,
        "source": group.source,
        "channel": group.channel,
        "hardblock_id": group.hardblock_id,
        "ota_code": group.ota_code,
        "ota_reservation_id": group.ota_reservation_id,
        "status": status_view(status),
        "guest_name": group.guest_name if guests else None,
        "currency": group.currency,
        "total_amount": group.total_amount,
        "check_in": group.check_in,
        "check_out": group.check_out,
        "rooms": sum(line.rooms for line in lines if line.status == status.code),
        "hold_expires_at": group.hold_expires_at,
        "booked_at": group.booked_at,
        "confirmed_at": group.confirmed_at,
        "cancelled_at": group.cancelled_at,
        "created_at": group.created_at,
        "updated_at": group.updated_at,
        "lines": list(lines),
    }


def event_view(event: BookingEvent) -> EventView:
    return view_from(EventView, event)


def revision_view(revision: OtaReservationRevision) -> RevisionView:
    return view_from(RevisionView, revision)


def build_detail(
    group: BookingGroup,
    status: StatusRow,
    hotel: NamedRow,
    lines: Iterable[tuple[BookingLine, NamedRow, StatusRow]],
    events: Iterable[BookingEvent],
    revisions: Iterable[OtaReservationRevision],
    viewer: Caller | None,
) -> BookingDetail:
    """A booking as the API shows it, from rows already loaded (no queries)."""
    guests = sees_guests(viewer)
    line_views = [line_view(line, room_type, line_status, guests=guests) for line, room_type, line_status in lines]
    return BookingDetail(
        **_summary_fields(group, status, hotel, line_views, guests=guests),
        guest_email=group.guest_email if guests else None,
        guest_phone=group.guest_phone if guests else None,
        notes=group.notes,
        created_by_user_id=group.created_by_user_id,
        last_ota_revision=group.last_ota_revision,
        timeline=[event_view(event) for event in events],
        ota_revisions=[revision_view(revision) for revision in revisions],
    )


def load_detail(session: Session, group: BookingGroup, viewer: Caller | None) -> BookingDetail:
    status = booking_repository.status_by_id(session, group.status_id)
    hotel = session.get(Property, group.property_id)
    assert status is not None, "foreign key"
    assert hotel is not None, "foreign key"
    return build_detail(
        group,
        status,
        hotel,
        booking_repository.lines_with_room_types(session, [group.id]),
        booking_repository.events_of(session, group.id),
        booking_repository.revisions_of_group(session, group.id),
        viewer,
    )


# --- use cases -----------------------------------------------------------------------------------


def _check_filters(caller: Caller, filters: BookingFilters) -> None:
    if filters.guest and not sees_guests(caller):
        raise InvalidInput(
            "Searching by guest needs the GUEST_DATA_VIEW permission.",
            details=[{"field": "guest", "message": "your role may not search guest data"}],
        )


def list_bookings(
    caller: Caller, filters: BookingFilters, *, offset: int, limit: int
) -> tuple[list[BookingSummary], int]:
    """One page of bookings in the caller's scope matching ``filters``, newest first."""
    _check_filters(caller, filters)
    guests = sees_guests(caller)
    with unit_of_work() as uow:
        rows, total = booking_repository.list_groups(uow.session, caller.scope, filters, offset=offset, limit=limit)
        lines = _lines_by_group(uow.session, [group.id for group, _, _ in rows], guests=guests)
        summaries = [
            BookingSummary(**_summary_fields(group, status, hotel, lines.get(group.id, []), guests=guests))
            for group, status, hotel in rows
        ]
    return summaries, total


def _lines_by_group(session: Session, group_ids: list[int], *, guests: bool) -> dict[int, list[LineView]]:
    grouped: dict[int, list[LineView]] = {}
    for line, room_type, status in booking_repository.lines_with_room_types(session, group_ids):
        grouped.setdefault(line.group_id, []).append(line_view(line, room_type, status, guests=guests))
    return grouped


def get_booking(caller: Caller, group_id: int) -> BookingDetail:
    """One booking with its lines, full timeline and OTA revisions (NotFound outside the scope)."""
    with unit_of_work() as uow:
        group = booking_repository.scoped_group(uow.session, group_id, caller.scope)
        if group is None:
            raise NotFound("No such booking.")
        return load_detail(uow.session, group, caller)


CSV_COLUMNS = (
    "reference",
    "status",
    "source",
    "channel",
    "ota_reservation_id",
    "property_code",
    "property_name",
    "guest_name",
    "guest_email",
    "check_in",
    "check_out",
    "nights",
    "rooms",
    "room_types",
    "currency",
    "total_amount",
    "booked_at",
    "created_at",
    "confirmed_at",
    "cancelled_at",
)


def export_csv(caller: Caller, filters: BookingFilters) -> str:
    """The bookings matching ``filters`` as CSV (UTF-8, header row), at most MAX_EXPORT_ROWS of them."""
    _check_filters(caller, filters)
    guests = sees_guests(caller)
    with unit_of_work() as uow:
        total = booking_repository.count_groups(uow.session, caller.scope, filters)
        if total > MAX_EXPORT_ROWS:
            raise InvalidInput(
                f"{total} bookings match; narrow the filters to at most {MAX_EXPORT_ROWS}.",
                details=[{"field": "query", "message": f"{total} bookings match (at most {MAX_EXPORT_ROWS})"}],
            )
        rows = booking_repository.all_groups(uow.session, caller.scope, filters, limit=MAX_EXPORT_ROWS)
        lines = _lines_by_group(uow.session, [group.id for group, _, _ in rows], guests=guests)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for group, status, hotel in rows:
        active = [line for line in lines.get(group.id, []) if line.status == status.code] or lines.get(group.id, [])
        nights = (group.check_out - group.check_in).days if group.check_in and group.check_out else 0
        writer.writerow(
            [
                _cell(value)
                for value in (
                    group.reference,
                    status.code,
                    group.source,
                    group.channel,
                    group.ota_reservation_id or "",
                    hotel.code,
                    hotel.name,
                    group.guest_name if guests else "",
                    group.guest_email if guests else "",
                    group.check_in.isoformat() if group.check_in else "",
                    group.check_out.isoformat() if group.check_out else "",
                    nights,
                    sum(line.rooms for line in active),
                    "; ".join(f"{line.rooms}x {line.room_type_code}" for line in active),
                    group.currency,
                    group.total_amount,
                    group.booked_at.isoformat(),
                    group.created_at.isoformat(),
                    group.confirmed_at.isoformat() if group.confirmed_at else "",
                    group.cancelled_at.isoformat() if group.cancelled_at else "",
                )
            ]
        )
    return buffer.getvalue()


def _cell(value: object) -> str:
    text = str(value)
    # A spreadsheet would run a cell starting like a formula (CSV injection): make it text.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


@dataclass(frozen=True)
class TransitionOption:
    """A status the booking may move to, and the permission that allows it."""

    transition_id: int
    to_status: StatusView
    permission: str


def transition_options(caller: Caller, group_id: int) -> tuple[StatusView, list[TransitionOption]]:
    """The transition dialog: the booking's status and the statuses this caller may move it to."""
    with unit_of_work() as uow:
        group = booking_repository.scoped_group(uow.session, group_id, caller.scope)
        if group is None:
            raise NotFound("No such booking.")
        current = booking_repository.status_by_id(uow.session, group.status_id)
        assert current is not None
        options = [
            TransitionOption(
                transition_id=transition.id,
                to_status=status_view(target),
                permission=transition.permission,
            )
            for transition, target in booking_repository.transitions_from(uow.session, current.id)
            if transition.permission in Permission.__members__ and caller.has(Permission[transition.permission])
        ]
        return status_view(current), options
