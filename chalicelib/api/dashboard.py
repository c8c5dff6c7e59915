"""GET /dashboard/summary: the home page's KPIs, chart, channel mix, recent bookings and alerts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.view_models import ViewModel
from chalicelib.domain.access import Caller
from chalicelib.domain.dashboard import (
    CHART_NIGHTS,
    DEFAULT_WINDOW_NIGHTS,
    MAX_WINDOW_NIGHTS,
    AlertCounts,
    ChannelRevenue,
    ChannelShare,
    ChannelTrouble,
    CurrencyRevenue,
    DashboardSummary,
    OpenAlert,
    RecentBooking,
    RoomNights,
    SummaryFilter,
    SummaryWindow,
)
from chalicelib.domain.permissions import Permission
from chalicelib.services import dashboard_service

blueprint = ApiBlueprint(__name__, tag="dashboard")


class SummaryQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date_from: date | None = Field(
        default=None, description=f"first night (inclusive); default: {DEFAULT_WINDOW_NIGHTS} nights up to date_to"
    )
    date_to: date | None = Field(
        default=None, description=f"last night (inclusive), at most {MAX_WINDOW_NIGHTS} nights; default today (UTC)"
    )
    property_id: int | None = Field(default=None, ge=1, description="one property; default every one in scope")


class RoomNightsOut(ViewModel, view=RoomNights):
    available: int = Field(description="room nights on offer (the calendar's total)")
    occupancy: float | None = Field(description="sold / available; null with nothing on offer")


class NightOccupancyOut(BaseModel):
    night: date
    available: int
    sold: int
    occupancy: float | None


class CurrencyRevenueOut(ViewModel, view=CurrencyRevenue):
    revenue: Decimal = Field(description="room revenue of the window's sold nights")
    room_nights_available: int = Field(description="at the hotels selling in this currency")
    adr: Decimal | None = Field(description="average daily rate: revenue / room nights sold")
    revpar: Decimal | None = Field(description="revenue per available room: revenue / room nights available")


class ChannelShareOut(ViewModel, view=ChannelShare):
    bookings: int = Field(description="bookings made in the window")


class ChannelRevenueOut(ViewModel, view=ChannelRevenue):
    revenue: Decimal = Field(description="amounts of the bookings made in the window, cancelled ones left out")


class BookingActivityOut(BaseModel):
    bookings: int = Field(description="bookings made in the window (each property's local date)")
    cancellations: int = Field(description="bookings cancelled in the window")


class SyncOut(BaseModel):
    finished_runs: int
    succeeded_runs: int
    success_rate: float | None = Field(description="succeeded / finished; null without runs")


class RecentBookingOut(ViewModel, view=RecentBooking):
    total_amount: Decimal | None = Field(description="null without FINANCE_VIEW")


class OpenAlertOut(ViewModel, view=OpenAlert):
    pass


class AlertCountsOut(ViewModel, view=AlertCounts):
    pass


class ChannelTroubleOut(ViewModel, view=ChannelTrouble):
    health: str = Field(description="ok, degraded or failing")
    stale: bool = Field(description="no success for 3 poll intervals")


class DashboardSummaryOut(BaseModel):
    date_from: date
    date_to: date
    room_nights: RoomNightsOut
    occupancy_by_night: list[NightOccupancyOut] = Field(description=f"the window's last {CHART_NIGHTS} nights")
    revenue: list[CurrencyRevenueOut] | None = Field(description="per currency; null without FINANCE_VIEW")
    channel_mix: list[ChannelShareOut]
    channel_revenue: list[ChannelRevenueOut] | None = Field(description="null without FINANCE_VIEW")
    activity: BookingActivityOut
    sync: SyncOut
    recent_bookings: list[RecentBookingOut] = Field(description="the latest 10, newest first")
    alert_counts: AlertCountsOut = Field(description="open alerts (new, acknowledged, snoozed) by severity")
    recent_alerts: list[OpenAlertOut] = Field(description="the latest 5 open alerts")
    channel_trouble: list[ChannelTroubleOut] = Field(description="active connections failing, degraded or stale")


def summary_out(found: DashboardSummary) -> DashboardSummaryOut:
    return DashboardSummaryOut(
        date_from=found.window.first_night,
        date_to=found.window.last_night,
        room_nights=RoomNightsOut.of(found.room_nights),
        occupancy_by_night=[
            NightOccupancyOut(
                night=point.night,
                available=point.room_nights.available,
                sold=point.room_nights.sold,
                occupancy=point.room_nights.occupancy,
            )
            for point in found.occupancy_by_night
        ],
        revenue=None if found.revenue is None else [CurrencyRevenueOut.of(revenue) for revenue in found.revenue],
        channel_mix=[ChannelShareOut.of(share) for share in found.channel_mix],
        channel_revenue=None
        if found.channel_revenue is None
        else [ChannelRevenueOut.of(row) for row in found.channel_revenue],
        activity=BookingActivityOut(bookings=found.activity.made, cancellations=found.activity.cancelled),
        sync=SyncOut(
            finished_runs=found.sync.finished,
            succeeded_runs=found.sync.succeeded,
            success_rate=found.sync.success_rate,
        ),
        recent_bookings=[RecentBookingOut.of(b) for b in found.recent_bookings],
        alert_counts=AlertCountsOut.of(found.alert_counts),
        recent_alerts=[OpenAlertOut.of(a) for a in found.recent_alerts],
        channel_trouble=[ChannelTroubleOut.of(t) for t in found.channel_trouble],
    )


@blueprint.endpoint(
    "/dashboard/summary",
    summary="The home page: KPIs over a window of nights, occupancy chart, channel mix, bookings, alerts",
    query=SummaryQuery,
    response=DashboardSummaryOut,
    permission=Permission.DASHBOARD_VIEW,
)
def get_dashboard_summary(caller: Caller, query: SummaryQuery) -> DashboardSummaryOut:
    """Figures over the caller's countries (or one property). Revenue, ADR, RevPAR and booking
    amounts need ``FINANCE_VIEW``: without it they are null. Occupancy = sold / available room
    nights; ADR = revenue / room nights sold; RevPAR = revenue / room nights available, each per
    currency."""
    window = SummaryWindow.of(query.date_from, query.date_to, today=datetime.now(UTC).date())
    found = dashboard_service.summary(caller, window, SummaryFilter(property_id=query.property_id))
    return summary_out(found)
