"""Unacknowledged-booking and stale-channel alerts: raised once per condition, resolved when it ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from chalicelib.db.models import Alert, OtaConnection, PendingOtaAck
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.services import property_sync_service, sync_alert_service
from tests.integration.sync.conftest import Sims, adapter_source, connect_property, job, stored_reservations
from tests.ota_factories import make_account, make_connection, make_property, map_rate, map_room


def alerts_of(kind: str) -> list[Alert]:
    with unit_of_work() as uow:
        rows = list(uow.session.scalars(select(Alert).where(Alert.type == kind).order_by(Alert.id)))
        uow.session.expunge_all()
        return rows


def test_a_reservation_not_stored_within_the_window_raises_one_alert(
    database_url: str, aws: object, sims: Sims
) -> None:
    # Given a reservation for a room the connection does not map (it cannot be stored)
    hotel = connect_property(sims, ("booking_com",), rooms=("DLX",))
    reservation_id = sims.book("booking_com", room_id="STE")
    outcome = property_sync_service.sync_property(job(hotel.id), adapter_source=adapter_source())
    assert outcome.connections[0].status == "partial" and outcome.connections[0].counts.item_errors == 1
    assert stored_reservations(hotel.id) == {}
    assert sims.acknowledged("booking_com")[reservation_id] is False
    with unit_of_work() as uow:
        pending = uow.session.scalars(select(PendingOtaAck)).one()
        first_seen = pending.first_seen_at
        assert (pending.reservation_id, pending.stored) == (reservation_id, False)
        assert "STE is not mapped" in (pending.last_error or "")
    # When the check runs before the threshold (half Booking.com's 30-minute window): nothing
    assert sync_alert_service.alert_unacknowledged_bookings(first_seen + timedelta(minutes=14))["alerted"] == 0
    assert alerts_of("unacknowledged_booking") == []
    # ...after it, one critical alert naming the reservation, updated (not duplicated) by the next runs
    later = first_seen + timedelta(minutes=16)
    assert sync_alert_service.alert_unacknowledged_bookings(later)["alerted"] == 1
    sync_alert_service.alert_unacknowledged_bookings(later + timedelta(minutes=1))
    alerts = alerts_of("unacknowledged_booking")
    assert len(alerts) == 1 and alerts[0].occurrences == 2
    assert (
        reservation_id in alerts[0].title and alerts[0].property_id == hotel.id and alerts[0].channel == "booking_com"
    )
    # When staff map the room and the next sync stores and acknowledges it
    map_room(hotel.connections["booking_com"], hotel.hotel.room_types["STE"], "STE")
    map_rate(
        hotel.connections["booking_com"],
        hotel.hotel.room_types["STE"],
        hotel.hotel.rate_plans[("STE", "BAR")],
        "STE",
        "BAR",
    )
    property_sync_service.sync_property(job(hotel.id), adapter_source=adapter_source())
    assert stored_reservations(hotel.id) == {("booking_com", reservation_id): 1}
    # Then the pending row is gone and the alert resolves itself
    with unit_of_work() as uow:
        assert uow.session.scalars(select(PendingOtaAck)).all() == []
    assert sync_alert_service.alert_unacknowledged_bookings(later + timedelta(minutes=2))["resolved"] == 1
    assert [a.status for a in alerts_of("unacknowledged_booking")] == ["resolved"]


def test_a_channel_without_success_for_four_intervals_is_stale(database_url: str, aws: object) -> None:
    now = datetime.now(UTC)
    account = make_account(ota="agoda")
    stale_hotel, fresh_hotel = make_property(), make_property()
    # Given one connection last synced 11 minutes ago (> 4 x 150 s) and one 5 minutes ago (< 4 x 150 s)
    stale = make_connection(stale_hotel, account, last_success_at=now - timedelta(minutes=11), last_error="HTTP 503")
    make_connection(fresh_hotel, account, last_success_at=now - timedelta(minutes=5))
    # When the check runs (twice)
    assert sync_alert_service.alert_stale_channels(now)["alerted"] == 1
    sync_alert_service.alert_stale_channels(now + timedelta(seconds=60))
    # Then one warning for the stale connection only, updated rather than repeated
    alerts = alerts_of("stale_channel")
    assert len(alerts) == 1
    assert (alerts[0].property_id, alerts[0].severity, alerts[0].occurrences) == (stale_hotel.id, "warning", 2)
    assert alerts[0].details["connection_id"] == stale and "HTTP 503" in alerts[0].message
    # When the connection syncs again, the alert resolves
    with unit_of_work() as uow:
        uow.session.execute(update(OtaConnection).where(OtaConnection.id == stale).values(last_success_at=now))
    assert sync_alert_service.alert_stale_channels(now + timedelta(seconds=120))["resolved"] == 1
    assert [a.status for a in alerts_of("stale_channel")] == ["resolved"]


def test_a_per_connection_interval_sets_its_own_staleness(database_url: str, aws: object) -> None:
    now = datetime.now(UTC)
    account = make_account(ota="expedia")
    # 11 minutes is stale at the default 150 s, but not for a connection polled every 600 s (4 x 600 s = 40 min)
    make_connection(make_property(), account, last_success_at=now - timedelta(minutes=11), poll_interval_seconds=600)
    assert sync_alert_service.alert_stale_channels(now)["alerted"] == 0
    assert sync_alert_service.alert_stale_channels(now + timedelta(minutes=30))["alerted"] == 1
