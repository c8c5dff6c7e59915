"""Sale orders: what a confirmed agency booking owes, per night at the contract's rates, ready for invoicing.

A sale order is its own record (not a view of the booking): its number, the agency and contract,
one line per room type and night (rooms, contract rate, amount), the total in the contract's
currency and a status: ``to_invoice`` from the booking's confirmation, ``cancelled`` when the
booking is cancelled afterwards. Invoicing itself is a later phase.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from chalicelib.domain.agency_bookings import NightTake


class SaleOrderStatus(StrEnum):
    TO_INVOICE = "to_invoice"
    CANCELLED = "cancelled"


class AgencyBookingState(StrEnum):
    """``active``: its allotted rooms are picked up; ``returned``: cancelled or expired, given back."""

    ACTIVE = "active"
    RETURNED = "returned"


@dataclass(frozen=True)
class SaleOrderLine:
    room_type_id: int
    night: date
    rooms: int
    rate: Decimal
    amount: Decimal


@dataclass(frozen=True)
class SaleOrderRecord:
    id: int
    number: str
    agency_id: int
    contract_id: int
    property_id: int
    booking_id: int
    booking_reference: str
    currency: str
    total: Decimal
    status: SaleOrderStatus
    confirmed_at: datetime
    cancelled_at: datetime | None
    lines: tuple[SaleOrderLine, ...]


@dataclass(frozen=True)
class SaleOrderFilters:
    agency_id: int | None = None
    contract_id: int | None = None
    property_id: int | None = None
    status: SaleOrderStatus | None = None


def sale_order_lines(takes: Iterable[NightTake]) -> tuple[SaleOrderLine, ...]:
    """One line per room type and night, at the contract's rate of that night."""
    return tuple(
        SaleOrderLine(take.room_type_id, take.night, take.rooms, take.rate, take.amount)
        for take in sorted(takes, key=lambda take: (take.room_type_id, take.night))
    )


def sale_order_number(sale_order_id: int, confirmed_on: date) -> str:
    """``SO-2030-000042``: the year it was confirmed and its id (unique)."""
    return f"SO-{confirmed_on.year}-{sale_order_id:06d}"
