"""The dashboard's home page figures: what a window of nights asks for, and the KPI arithmetic.

The database adds up (rooms, room nights, amounts); this module turns the sums into the figures the
reservations team reads, with the hotel industry's definitions:

- *occupancy* = room nights sold ÷ room nights available (the rooms the calendar offers, ``total``);
- *ADR* (average daily rate) = room revenue ÷ room nights sold;
- *RevPAR* (revenue per available room) = room revenue ÷ room nights available = ADR * occupancy.

Revenue is the nights' own amounts (a booking's amount spread over its nights where the OTA gave
no nightly breakdown), recognised on the night stayed, per currency: a group's hotels may sell in
several currencies and the figures are never added across them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from chalicelib.domain.errors import InvalidInput

MAX_WINDOW_NIGHTS = 366
DEFAULT_WINDOW_NIGHTS = 30
CHART_NIGHTS = 30
RECENT_BOOKINGS = 10
RECENT_ALERTS = 5


@dataclass(frozen=True)
class SummaryWindow:
    """The nights the figures cover, first and last inclusive."""

    first_night: date
    last_night: date

    @classmethod
    def of(cls, date_from: date | None, date_to: date | None, *, today: date) -> SummaryWindow:
        """Default: the 30 nights ending today; a lone ``date_from`` runs 30 nights from it."""
        span = timedelta(days=DEFAULT_WINDOW_NIGHTS - 1)
        if date_from is None and date_to is None:
            first, last = today - span, today
        elif date_from is None:
            assert date_to is not None
            first, last = date_to - span, date_to
        else:
            first, last = date_from, date_to if date_to is not None else date_from + span
        if last < first:
            raise InvalidInput(
                "date_to is before date_from.",
                details=[{"field": "date_to", "message": "must be on or after date_from"}],
            )
        if (last - first).days + 1 > MAX_WINDOW_NIGHTS:
            raise InvalidInput(
                f"At most {MAX_WINDOW_NIGHTS} nights per summary.",
                details=[{"field": "date_to", "message": f"at most {MAX_WINDOW_NIGHTS} nights after date_from"}],
            )
        return cls(first, last)

    @property
    def nights(self) -> int:
        return (self.last_night - self.first_night).days + 1

    def chart(self) -> SummaryWindow:
        """The occupancy chart's nights: the window's last 30 (all of it when shorter)."""
        return SummaryWindow(max(self.first_night, self.last_night - timedelta(days=CHART_NIGHTS - 1)), self.last_night)


@dataclass(frozen=True)
class SummaryFilter:
    """Which hotels count: every one the caller may see, or one property of them."""

    property_id: int | None = None


@dataclass(frozen=True)
class RoomNights:
    """Room nights of the calendar over some nights: what was on offer and what sold."""

    available: int
    sold: int
    held: int = 0

    @property
    def occupancy(self) -> float | None:
        return round(self.sold / self.available, 4) if self.available else None


@dataclass(frozen=True)
class NightOccupancy:
    night: date
    room_nights: RoomNights


@dataclass(frozen=True)
class CurrencyRevenue:
    """Room revenue of the window's nights in one currency, with the room nights that earned it and
    the room nights on offer at the hotels that sell in that currency."""

    currency: str
    revenue: Decimal
    room_nights_sold: int
    room_nights_available: int

    @property
    def adr(self) -> Decimal | None:
        return money(self.revenue / self.room_nights_sold) if self.room_nights_sold else None

    @property
    def revpar(self) -> Decimal | None:
        return money(self.revenue / self.room_nights_available) if self.room_nights_available else None


@dataclass(frozen=True)
class ChannelShare:
    """Bookings made in the window through one channel."""

    channel: str
    bookings: int
    room_nights: int


@dataclass(frozen=True)
class ChannelRevenue:
    channel: str
    currency: str
    revenue: Decimal


@dataclass(frozen=True)
class BookingActivity:
    """Bookings made and bookings cancelled during the window (in each property's time zone)."""

    made: int
    cancelled: int


@dataclass(frozen=True)
class SyncTally:
    """Sync runs finished during the window."""

    finished: int
    succeeded: int

    @property
    def success_rate(self) -> float | None:
        return round(self.succeeded / self.finished, 4) if self.finished else None


@dataclass(frozen=True)
class RecentBooking:
    id: int
    reference: str
    property_id: int
    property_name: str
    channel: str
    status: str
    guest_name: str
    check_in: date | None
    check_out: date | None
    currency: str
    total_amount: Decimal | None  # None: the caller may not see money
    booked_at: datetime

    def without_amount(self) -> RecentBooking:
        return replace(self, total_amount=None)


@dataclass(frozen=True)
class OpenAlert:
    id: int
    type: str
    severity: str
    status: str
    title: str
    property_id: int | None
    last_seen_at: datetime


@dataclass(frozen=True)
class AlertCounts:
    critical: int
    warning: int
    info: int


@dataclass(frozen=True)
class ChannelTrouble:
    """A connection the banner names: failing, or stale (no success for several poll intervals)."""

    connection_id: int
    property_id: int
    property_name: str
    ota: str
    health: str
    stale: bool
    last_success_at: datetime | None


@dataclass(frozen=True)
class DashboardSummary:
    window: SummaryWindow
    room_nights: RoomNights
    occupancy_by_night: list[NightOccupancy]
    revenue: list[CurrencyRevenue] | None  # None: the caller may not see money
    channel_mix: list[ChannelShare]
    channel_revenue: list[ChannelRevenue] | None
    activity: BookingActivity
    sync: SyncTally
    recent_bookings: list[RecentBooking]
    alert_counts: AlertCounts
    recent_alerts: list[OpenAlert]
    channel_trouble: list[ChannelTrouble]


def money(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def nightly_series(window: SummaryWindow, rows: dict[date, RoomNights]) -> list[NightOccupancy]:
    """One point per night of ``window``, nights without calendar rows at zero."""
    empty = RoomNights(0, 0, 0)
    return [
        NightOccupancy(night, rows.get(night, empty))
        for night in (window.first_night + timedelta(days=offset) for offset in range(window.nights))
    ]
