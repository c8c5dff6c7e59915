"""Expedia's own bookings are not decremented on Expedia; the nightly full resync repairs drift."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from chalicelib.domain.ota_codes import OtaCode
from chalicelib.services import ari_push_service, booking_service
from local.simulators import DEMO_HOTEL_IDS
from tests.booking_factories import ota_request
from tests.integration.sync_push.conftest import OTAS, PushWorld


def book_at_expedia(world: PushWorld, reservation_id: str, first: int, nights: int) -> None:
    """The reservation made on Expedia (which takes it off its own count), then stored by us."""
    check_in = world.hotel.night(first)
    world.controls["expedia"].create_reservation(
        hotel_id=DEMO_HOTEL_IDS["expedia"],
        room_id="DLX",
        rate_plan_id="BAR",
        check_in=check_in.isoformat(),
        check_out=(check_in + timedelta(days=nights)).isoformat(),
        adults=2,
        children=0,
        guest={"first_name": "Mai", "last_name": "Tran"},
        nightly_rate="1000000",
        currency="VND",
    )
    booking_service.ingest_ota_reservation(
        ota_request(world.hotel, reservation_id, "1", first=first, nights=nights, ota=OtaCode.EXPEDIA)
    )


def test_expedia_is_not_sent_the_decrement_of_its_own_booking(push_world: PushWorld) -> None:
    push_world.full_push_all()
    before = {ota: len(push_world.ari_messages(ota)) for ota in OTAS}
    # When Expedia sells two nights (and lowers its own count), and we store that booking
    book_at_expedia(push_world, "EX-1", first=3, nights=2)
    push_world.drain()
    calendar = push_world.calendar()
    assert calendar[push_world.hotel.night(3)] == 4
    # Then Expedia received nothing, and shows what we show
    assert len(push_world.ari_messages("expedia")) == before["expedia"]
    assert push_world.shown("expedia") == calendar
    runs = [run for run in push_world.sync_runs("expedia") if run.kind == "push"]
    assert runs[-1].counts["already_applied_by_ota"] == 2 and runs[-1].counts["updates"] == 0
    # ...while every other channel was sent the decrement (negative control: the rule is Expedia's only)
    for ota in ("booking_com", "agoda", "traveloka"):
        assert len(push_world.ari_messages(ota)) > before[ota], ota
        last_push = [run for run in push_world.sync_runs(ota) if run.kind == "push"][-1]
        assert last_push.counts["updates"] == 1, ota
        assert push_world.shown(ota) == calendar, ota
    # When a booking elsewhere takes the same night, Expedia is sent the absolute value: once decremented
    booking_service.ingest_ota_reservation(
        ota_request(push_world.hotel, "AG-9", "1", first=3, nights=1, ota=OtaCode.AGODA)
    )
    push_world.drain()
    calendar = push_world.calendar()
    assert calendar[push_world.hotel.night(3)] == 3
    assert len(push_world.ari_messages("expedia")) == before["expedia"] + 1
    for ota in OTAS:
        assert push_world.shown(ota) == calendar, ota
    # ...and a full resync agrees with the incremental path (nothing changes)
    push_world.full_push_all()
    for ota in OTAS:
        assert push_world.shown(ota) == calendar, ota


def test_expedia_cancellation_of_its_own_booking_is_not_sent_either(push_world: PushWorld) -> None:
    push_world.full_push_all()
    book_at_expedia(push_world, "EX-2", first=5, nights=1)
    push_world.drain()
    before = len(push_world.ari_messages("expedia"))
    # When Expedia cancels (and restores its own count) and we store the cancellation
    from chalicelib.domain.ota_reservation import ReservationAction

    reservations = push_world.controls["expedia"].reservations()
    reservation_id = str(reservations[0]["reservation_id"])
    push_world.controls["expedia"].cancel_reservation(reservation_id)
    booking_service.ingest_ota_reservation(
        ota_request(push_world.hotel, "EX-2", "2", ReservationAction.CANCEL, first=5, nights=1, ota=OtaCode.EXPEDIA)
    )
    push_world.drain()
    # Then Expedia was sent nothing and agrees with our calendar (back to 5)
    assert len(push_world.ari_messages("expedia")) == before
    assert push_world.calendar()[push_world.hotel.night(5)] == 5
    assert push_world.shown("expedia") == push_world.calendar()


def local_time(world: PushWorld, day_offset: int, hour: int, minute: int) -> datetime:
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    day = world.hotel.today + timedelta(days=day_offset)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)


def test_a_connection_that_never_had_a_full_push_gets_one_at_the_next_tick(push_world: PushWorld) -> None:
    # Given connections made after the calendar was written (nothing relayed was meant for them)
    assert all(push_world.shown(ota) == {} for ota in OTAS)
    # When the schedule fires at any time of day, they get their first full push, once
    noon = local_time(push_world, 0, 12, 0)
    assert ari_push_service.enqueue_nightly_full_pushes(noon) == {"full_pushes_enqueued": len(OTAS)}
    assert ari_push_service.enqueue_nightly_full_pushes(noon + timedelta(minutes=15)) == {"full_pushes_enqueued": 0}
    push_world.drain()
    for ota in OTAS:
        assert push_world.shown(ota) == push_world.calendar(), ota


def test_nightly_full_resync_runs_once_after_local_midnight_and_repairs_drift(push_world: PushWorld) -> None:
    # Given every simulator in step, then drifting (an OTA extranet edit, a lost message)
    push_world.full_push_all()
    for ota in OTAS:
        simulator = push_world.simulators[ota]
        night = push_world.hotel.night(10)
        simulator.record_ari(DEMO_HOTEL_IDS[ota], "DLX", None, night, night + timedelta(days=2), {"availability": 0})
        assert push_world.shown(ota) != push_world.calendar()
    # When the nightly schedule fires at noon: nothing (not just after the property's midnight)
    assert ari_push_service.enqueue_nightly_full_pushes(local_time(push_world, 1, 12, 0)) == {"full_pushes_enqueued": 0}
    # ...and 10 minutes after the property's local midnight: one full push per connection, once
    just_after = local_time(push_world, 1, 0, 10)
    assert ari_push_service.enqueue_nightly_full_pushes(just_after) == {"full_pushes_enqueued": len(OTAS)}
    assert ari_push_service.enqueue_nightly_full_pushes(just_after + timedelta(minutes=15)) == {
        "full_pushes_enqueued": 0
    }
    push_world.drain()
    # Then the drift is repaired: every simulator equals our calendar again
    calendar = push_world.calendar()
    for ota in OTAS:
        assert push_world.shown(ota) == calendar, ota
        runs = [run for run in push_world.sync_runs(ota) if run.trigger == "nightly"]
        assert [(run.kind, run.status) for run in runs] == [("full_push", "ok")], ota
    # ...and the next local night it runs again
    assert ari_push_service.enqueue_nightly_full_pushes(local_time(push_world, 2, 0, 5)) == {
        "full_pushes_enqueued": len(OTAS)
    }
