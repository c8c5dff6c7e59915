"""The dashboard's sums in SQL: one aggregate query per figure, over the caller's countries.

Every query starts from the hotels the caller may see (not archived, in scope, optionally one
property) and adds up in PostgreSQL, so the page costs the same few round trips for one hotel or a
hundred (``bench/dashboard_summary.py``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, Integer, Numeric, Select, and_, cast, func, literal, or_, select
from sqlalchemy.sql.elements import ColumnElement

from chalicelib.db.models import (
    Alert,
    BookingGroup,
    BookingLine,
    BookingNight,
    BookingStatus,
    InventoryDay,
    OtaAccount,
    OtaConnection,
    Property,
    RoomType,
    SyncRun,
)
from chalicelib.db.repositories.base import SessionRepository
from chalicelib.db.scoping import in_scope
from chalicelib.domain.access import CountryScope
from chalicelib.domain.alerts import OPEN_STATUSES, AlertSeverity
from chalicelib.domain.bookings import InventoryEffect
from chalicelib.domain.dashboard import (
    AlertCounts,
    BookingActivity,
    ChannelRevenue,
    ChannelShare,
    ChannelTrouble,
    OpenAlert,
    RecentBooking,
    RoomNights,
    SummaryFilter,
    SummaryWindow,
    SyncTally,
)
from chalicelib.domain.ota_accounts import ConnectionHealth
from chalicelib.domain.sync_runs import SyncRunStatus
from chalicelib.domain.sync_status import STALE_AFTER_INTERVALS, is_stale
from chalicelib.domain.views import view_from

# A UTC timestamp's local date is within a day of its UTC date: this margin lets an index on the
# timestamp narrow the rows before the exact test in each property's time zone.
_ZONE_MARGIN = timedelta(days=1)


def _visible_properties(scope: CountryScope, wanted: SummaryFilter) -> ColumnElement[bool]:
    condition = and_(Property.archived_at.is_(None), in_scope(Property.country_code, scope))
    if wanted.property_id is not None:
        condition = and_(condition, Property.id == wanted.property_id)
    return condition


def _local_date(moment: Any) -> ColumnElement[date]:
    """``moment`` as a date in its property's time zone."""
    return cast(func.timezone(Property.timezone, moment), Date)


def _within(moment: Any, window: SummaryWindow) -> ColumnElement[bool]:
    start = datetime.combine(window.first_night - _ZONE_MARGIN, datetime.min.time())
    end = datetime.combine(window.last_night + _ZONE_MARGIN * 2, datetime.min.time())
    return and_(
        moment >= start,
        moment < end,
        _local_date(moment) >= window.first_night,
        _local_date(moment) <= window.last_night,
    )


class SqlDashboardRepository(SessionRepository):
    """What the home page adds up; see :mod:`chalicelib.domain.dashboard` for the definitions."""

    def room_nights_by_night(
        self, scope: CountryScope, wanted: SummaryFilter, window: SummaryWindow
    ) -> list[tuple[date, str, RoomNights]]:
        """Per night and property currency: rooms on offer, sold and held."""
        rows = self._session.execute(
            select(
                InventoryDay.night,
                Property.currency,
                func.sum(InventoryDay.total),
                func.sum(InventoryDay.sold),
                func.sum(InventoryDay.held),
            )
            .join(RoomType, RoomType.id == InventoryDay.room_type_id)
            .join(Property, Property.id == RoomType.property_id)
            .where(
                _visible_properties(scope, wanted),
                InventoryDay.night.between(window.first_night, window.last_night),
            )
            .group_by(InventoryDay.night, Property.currency)
        )
        return [(night, currency, RoomNights(int(t), int(s), int(h))) for night, currency, t, s, h in rows]

    def revenue_by_currency(
        self, scope: CountryScope, wanted: SummaryFilter, window: SummaryWindow
    ) -> list[tuple[str, Decimal, int]]:
        """Room revenue recognised on the window's sold nights, and those room nights, per currency."""
        stay_nights = BookingLine.check_out - BookingLine.check_in
        nightly = func.coalesce(BookingNight.amount, BookingLine.amount / cast(stay_nights, Numeric))
        rows = self._session.execute(
            select(BookingGroup.currency, func.sum(nightly), func.sum(BookingNight.rooms))
            .select_from(BookingNight)
            .join(BookingLine, BookingLine.id == BookingNight.line_id)
            .join(BookingGroup, BookingGroup.id == BookingLine.group_id)
            .join(Property, Property.id == BookingGroup.property_id)
            .where(
                _visible_properties(scope, wanted),
                BookingNight.night.between(window.first_night, window.last_night),
                BookingNight.effect == InventoryEffect.SELL,
            )
            .group_by(BookingGroup.currency)
            .order_by(BookingGroup.currency)
        )
        return [(currency, Decimal(total or 0), int(rooms or 0)) for currency, total, rooms in rows]

    def _groups(self, scope: CountryScope, wanted: SummaryFilter) -> Select[Any]:
        return (
            select(BookingGroup.id)
            .join(Property, Property.id == BookingGroup.property_id)
            .where(_visible_properties(scope, wanted))
        )

    def channel_mix(
        self, scope: CountryScope, wanted: SummaryFilter, window: SummaryWindow
    ) -> tuple[list[ChannelShare], list[ChannelRevenue], BookingActivity]:
        """Bookings made in the window by channel (count, room nights, amounts per currency, the
        cancelled ones left out of the amounts), and how many were made and cancelled."""
        made = self._groups(scope, wanted).where(_within(BookingGroup.booked_at, window)).subquery()
        room_nights = (
            select(
                BookingLine.group_id,
                func.sum(BookingLine.rooms * (BookingLine.check_out - BookingLine.check_in)).label("room_nights"),
            )
            .where(BookingLine.group_id.in_(select(made.c.id)))
            .group_by(BookingLine.group_id)
            .subquery()
        )
        rows = self._session.execute(
            select(
                BookingGroup.channel,
                BookingGroup.currency,
                func.count(),
                func.coalesce(func.sum(room_nights.c.room_nights), 0),
                func.coalesce(func.sum(BookingGroup.total_amount).filter(BookingGroup.cancelled_at.is_(None)), 0),
            )
            .join(room_nights, room_nights.c.group_id == BookingGroup.id, isouter=True)
            .where(BookingGroup.id.in_(select(made.c.id)))
            .group_by(BookingGroup.channel, BookingGroup.currency)
        ).all()
        shares: dict[str, ChannelShare] = {}
        revenue = []
        for channel, currency, count, nights, amount in rows:
            before = shares.get(channel, ChannelShare(channel, 0, 0))
            shares[channel] = ChannelShare(channel, before.bookings + int(count), before.room_nights + int(nights))
            revenue.append(ChannelRevenue(channel, currency, Decimal(amount)))
        cancelled = self._session.scalar(
            select(func.count()).select_from(
                self._groups(scope, wanted).where(_within(BookingGroup.cancelled_at, window)).subquery()
            )
        )
        activity = BookingActivity(made=sum(s.bookings for s in shares.values()), cancelled=int(cancelled or 0))
        ordered = sorted(shares.values(), key=lambda share: (-share.bookings, share.channel))
        return ordered, sorted(revenue, key=lambda r: (r.channel, r.currency)), activity

    def sync_tally(self, scope: CountryScope, wanted: SummaryFilter, window: SummaryWindow) -> SyncTally:
        finished, succeeded = self._session.execute(
            select(func.count(), func.count().filter(SyncRun.status == SyncRunStatus.OK))
            .select_from(SyncRun)
            .join(Property, Property.id == SyncRun.property_id)
            .where(
                _visible_properties(scope, wanted),
                SyncRun.status != SyncRunStatus.RUNNING,
                SyncRun.finished_at.is_not(None),
                _within(SyncRun.finished_at, window),
            )
        ).one()
        return SyncTally(int(finished), int(succeeded))

    def recent_bookings(self, scope: CountryScope, wanted: SummaryFilter, *, limit: int) -> list[RecentBooking]:
        rows = self._session.execute(
            select(BookingGroup, Property.name, BookingStatus.code)
            .join(Property, Property.id == BookingGroup.property_id)
            .join(BookingStatus, BookingStatus.id == BookingGroup.status_id)
            .where(_visible_properties(scope, wanted))
            .order_by(BookingGroup.booked_at.desc(), BookingGroup.id.desc())
            .limit(limit)
        )
        return [view_from(RecentBooking, group, property_name=name, status=status) for group, name, status in rows]

    def _open_alerts(self, scope: CountryScope, wanted: SummaryFilter) -> ColumnElement[bool]:
        condition = and_(Alert.status.in_(sorted(OPEN_STATUSES)), in_scope(Alert.country_code, scope))
        if wanted.property_id is not None:
            condition = and_(condition, Alert.property_id == wanted.property_id)
        return condition

    def open_alerts(
        self, scope: CountryScope, wanted: SummaryFilter, *, limit: int
    ) -> tuple[AlertCounts, list[OpenAlert]]:
        counts = dict(
            self._session.execute(
                select(Alert.severity, func.count()).where(self._open_alerts(scope, wanted)).group_by(Alert.severity)
            ).all()
        )
        latest = self._session.execute(
            select(
                Alert.id, Alert.type, Alert.severity, Alert.status, Alert.title, Alert.property_id, Alert.last_seen_at
            )
            .where(self._open_alerts(scope, wanted))
            .order_by(Alert.last_seen_at.desc(), Alert.id.desc())
            .limit(limit)
        )
        tally = AlertCounts(*(int(counts.get(severity, 0)) for severity in AlertSeverity))
        return tally, [OpenAlert(*row) for row in latest]

    def troubled_connections(
        self, scope: CountryScope, wanted: SummaryFilter, *, default_interval: int, now: datetime
    ) -> list[ChannelTrouble]:
        """Active connections that are failing or degraded, or stale (no success for
        ``STALE_AFTER_INTERVALS`` poll intervals): what the home page's banner names."""
        interval = func.coalesce(OtaConnection.poll_interval_seconds, literal(default_interval, Integer))
        overdue_since = now - func.make_interval(0, 0, 0, 0, 0, 0, interval * STALE_AFTER_INTERVALS)
        rows = self._session.execute(
            select(OtaConnection, Property.name, OtaAccount.ota_code, interval)
            .join(Property, Property.id == OtaConnection.property_id)
            .join(OtaAccount, OtaAccount.id == OtaConnection.ota_account_id)
            .where(
                _visible_properties(scope, wanted),
                OtaConnection.is_active.is_(True),
                or_(
                    OtaConnection.health != ConnectionHealth.OK,
                    func.coalesce(OtaConnection.last_success_at, OtaConnection.created_at) < overdue_since,
                ),
            )
            .order_by(Property.name, OtaConnection.id)
        )
        return [
            ChannelTrouble(
                connection_id=connection.id,
                property_id=connection.property_id,
                property_name=name,
                ota=str(ota),
                health=connection.health,
                stale=is_stale(connection.last_success_at, connection.created_at, int(seconds), now),
                last_success_at=connection.last_success_at,
            )
            for connection, name, ota, seconds in rows
        ]
