"""The home page's figures (``GET /dashboard/summary``): KPIs over a window of nights, the
occupancy chart, channel mix, recent bookings, open alerts and the channels in trouble.

Scope is the caller's (their country, or the country a manager has switched to); money only for
callers holding ``FINANCE_VIEW`` — without it the revenue figures are ``None``, not zero.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal

from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller
from chalicelib.domain.dashboard import (
    RECENT_ALERTS,
    RECENT_BOOKINGS,
    CurrencyRevenue,
    DashboardSummary,
    RoomNights,
    SummaryFilter,
    SummaryWindow,
    nightly_series,
)
from chalicelib.domain.errors import NotFound
from chalicelib.domain.permissions import Permission
from chalicelib.services.ports import UnitOfWorkFactory


def summary(
    caller: Caller,
    window: SummaryWindow,
    wanted: SummaryFilter,
    *,
    now: datetime | None = None,
    uow: UnitOfWorkFactory = unit_of_work,
) -> DashboardSummary:
    moment = now or datetime.now(UTC)
    sees_money = Permission.FINANCE_VIEW in caller.permissions
    scope = caller.scope
    with uow() as work:
        if wanted.property_id is not None and work.sync_status.property(wanted.property_id, scope) is None:
            raise NotFound("No such property.")
        by_night = work.dashboard.room_nights_by_night(scope, wanted, window)
        revenue = work.dashboard.revenue_by_currency(scope, wanted, window) if sees_money else None
        shares, channel_revenue, activity = work.dashboard.channel_mix(scope, wanted, window)
        sync = work.dashboard.sync_tally(scope, wanted, window)
        recent = work.dashboard.recent_bookings(scope, wanted, limit=RECENT_BOOKINGS)
        alert_counts, alerts = work.dashboard.open_alerts(scope, wanted, limit=RECENT_ALERTS)
        default_interval = work.settings.load().sync_poll_interval_seconds
        trouble = work.dashboard.troubled_connections(scope, wanted, default_interval=default_interval, now=moment)
    nights = _add_currencies(by_night)
    return DashboardSummary(
        window=window,
        room_nights=_sum(nights.values()),
        occupancy_by_night=nightly_series(window.chart(), nights),
        revenue=_revenue(revenue, by_night) if revenue is not None else None,
        channel_mix=shares,
        channel_revenue=channel_revenue if sees_money else None,
        activity=activity,
        sync=sync,
        recent_bookings=[booking if sees_money else booking.without_amount() for booking in recent],
        alert_counts=alert_counts,
        recent_alerts=alerts,
        channel_trouble=trouble,
    )


def _sum(parts: Iterable[RoomNights]) -> RoomNights:
    available = sold = held = 0
    for part in parts:
        available, sold, held = available + part.available, sold + part.sold, held + part.held
    return RoomNights(available, sold, held)


def _add_currencies(rows: list[tuple[date, str, RoomNights]]) -> dict[date, RoomNights]:
    per_night: dict[date, list[RoomNights]] = defaultdict(list)
    for night, _currency, room_nights in rows:
        per_night[night].append(room_nights)
    return {night: _sum(parts) for night, parts in per_night.items()}


def _revenue(
    revenue: list[tuple[str, Decimal, int]], by_night: list[tuple[date, str, RoomNights]]
) -> list[CurrencyRevenue]:
    """Each currency's revenue over the room nights on offer at the hotels selling in it."""
    available: dict[str, int] = defaultdict(int)
    for _night, currency, room_nights in by_night:
        available[currency] += room_nights.available
    return [CurrencyRevenue(currency, total, sold, available.get(currency, 0)) for currency, total, sold in revenue]
