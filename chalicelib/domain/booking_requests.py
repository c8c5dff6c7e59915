"""A direct or partner booking request, and how it is checked and priced before any lock is taken.

The service loads the property, the room types, the rate plans and (per priced line) the
plan's nightly rates as plain facts; :func:`validate_request` and :func:`price_line` decide
from those alone. Errors name the fields of the ``POST /bookings`` body (``body.lines[0].check_in``)
as the API has always answered them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from chalicelib.domain.bookings import BookingSource, LineRequest, check_line_shape, request_fingerprint
from chalicelib.domain.catalog import PropertyStatus
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.money import check_amount
from chalicelib.domain.nights import NightRange, validate_night_range

CREATE_OPERATION = "POST /bookings"


@dataclass(frozen=True)
class NewBookingLine:
    """``rooms`` rooms of a room type from ``check_in`` to ``check_out``.

    ``amount`` (the line's total, e.g. a partner's contract price) overrides pricing; without it the
    line is priced from the rate plan's nightly rates, or the room type's base rate if no plan.
    """

    room_type_id: int
    check_in: date
    check_out: date
    rooms: int = 1
    adults: int = 2
    children: int = 0
    rate_plan_id: int | None = None
    amount: Decimal | None = None
    guest_name: str | None = None


@dataclass(frozen=True)
class NewBooking:
    """A direct or partner booking request (one group: one or more lines, one transaction)."""

    property_id: int
    lines: tuple[NewBookingLine, ...]
    guest_name: str
    guest_email: str = ""
    guest_phone: str = ""
    source: BookingSource = BookingSource.DIRECT
    partner_code: str | None = None
    notes: str = ""

    def fingerprint(self) -> str:
        """What an Idempotency-Key's request is compared by (the whole request, canonical JSON)."""
        payload = {
            "property_id": self.property_id,
            "source": self.source.value,
            "partner_code": self.partner_code,
            "guest": [self.guest_name, self.guest_email, self.guest_phone],
            "notes": self.notes,
            "lines": [
                [
                    line.room_type_id,
                    line.rate_plan_id,
                    line.check_in.isoformat(),
                    line.check_out.isoformat(),
                    line.rooms,
                    line.adults,
                    line.children,
                    None if line.amount is None else str(line.amount.normalize()),
                    line.guest_name,
                ]
                for line in self.lines
            ],
        }
        return request_fingerprint(CREATE_OPERATION, payload)

    @property
    def channel(self) -> str:
        """``direct``, or the partner's code for a partner booking."""
        return self.partner_code if self.source is BookingSource.PARTNER and self.partner_code else "direct"


@dataclass(frozen=True, slots=True)
class PropertyFacts:
    """What booking rules need to know of a property."""

    id: int
    name: str
    status: str
    country_code: str
    currency: str
    timezone: str


@dataclass(frozen=True, slots=True)
class RoomTypeFacts:
    id: int
    is_active: bool
    base_rate: Decimal


@dataclass(frozen=True, slots=True)
class RatePlanFacts:
    id: int
    room_type_id: int
    is_active: bool


@dataclass(frozen=True, slots=True)
class PricedLine:
    """A line of the request with its stay, its total and its price per night (all rooms)."""

    request: NewBookingLine
    stay: NightRange
    total: Decimal
    nightly: Mapping[date, Decimal]


def _invalid(problems: list[dict[str, Any]], limit: int = 5) -> InvalidInput:
    return InvalidInput("; ".join(f"{p['field']}: {p['message']}" for p in problems[:limit]), details=problems)


def validate_request(
    request: NewBooking,
    hotel: PropertyFacts | None,
    room_types: Mapping[int, RoomTypeFacts],
    plans: Mapping[int, RatePlanFacts],
    today: date,
) -> tuple[NightRange, ...]:
    """Each line's stay, or InvalidInput naming every field the calendar cannot serve."""
    if not request.lines:
        raise InvalidInput("lines: give at least one", details=[{"field": "lines", "message": "at least one line"}])
    _check_property(request, hotel)
    problems: list[dict[str, Any]] = []
    stays: list[NightRange] = []
    for index, line in enumerate(request.lines):
        where = f"lines[{index}]"
        room_type = room_types.get(line.room_type_id)
        if room_type is None or not room_type.is_active:
            problems.append({"field": f"{where}.room_type_id", "message": "no such active room type at this property"})
        plan = plans.get(line.rate_plan_id) if line.rate_plan_id is not None else None
        if line.rate_plan_id is not None and (
            plan is None or plan.room_type_id != line.room_type_id or not plan.is_active
        ):
            problems.append({"field": f"{where}.rate_plan_id", "message": "no such active rate plan of this room type"})
        try:
            stays.append(_stay_of(line, where, today))
        except InvalidInput as error:
            problems.extend(error.details)
    if problems:
        raise _invalid(problems)
    return tuple(stays)


def _check_property(request: NewBooking, hotel: PropertyFacts | None) -> None:
    if hotel is None:
        raise InvalidInput(
            "No such property.",
            details=[{"field": "property_id", "message": "no such property in your scope"}],
        )
    if hotel.status != PropertyStatus.ACTIVE:
        raise InvalidInput(
            f"{hotel.name} is not selling (status {hotel.status}).",
            details=[{"field": "property_id", "message": f"property is {hotel.status}"}],
        )
    if request.source is BookingSource.PARTNER and not request.partner_code:
        raise InvalidInput(
            "partner_code: required for partner bookings",
            details=[{"field": "partner_code", "message": "required for partner bookings"}],
        )


def _stay_of(line: NewBookingLine, where: str, today: date) -> NightRange:
    start, end = f"{where}.check_in", f"{where}.check_out"
    stay = NightRange.of(line.check_in, line.check_out, start_field=start, end_field=end)
    validate_night_range(stay, today=today, start_field=start, end_field=end)
    check_line_shape(
        LineRequest(line.room_type_id, line.rate_plan_id, stay, line.rooms, line.adults, line.children), where
    )
    return stay


def price_line(
    line: NewBookingLine,
    stay: NightRange,
    room_type: RoomTypeFacts,
    rates: Mapping[date, Decimal] | None,
    currency: str,
    index: int,
) -> PricedLine:
    """The line's total and price per night: its own ``amount``, else the plan's ``rates``, else the base rate.

    ``rates`` are the rate plan's nightly rates (None for a line without a plan); a night without
    a rate is refused, naming it.
    """
    where = f"lines[{index}]"
    if line.amount is not None:
        return PricedLine(line, stay, check_amount(line.amount, currency, field=f"{where}.amount"), {})
    if rates is not None:
        unpriced = [night for night in stay if night not in rates]
        if unpriced:
            raise InvalidInput(
                f"{where}.rate_plan_id: no rate on " + ", ".join(n.isoformat() for n in unpriced[:10]),
                details=[
                    {"field": f"{where}.rate_plan_id", "night": n.isoformat(), "message": "no rate for this night"}
                    for n in unpriced
                ],
            )
        nightly = {night: rates[night] * line.rooms for night in stay}
    else:
        nightly = {night: room_type.base_rate * line.rooms for night in stay}
    return PricedLine(line, stay, sum(nightly.values(), Decimal(0)), nightly)
