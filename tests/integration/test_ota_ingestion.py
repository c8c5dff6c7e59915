"""OTA reservations on a real PostgreSQL: exactly once, in revision order, never refused, alerts on overbooking."""

from __future__ import annotations

import itertools
import random
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from chalicelib.db.models import (
    Alert,
    BookingEvent,
    BookingGroup,
    BookingLine,
    OtaReservationRevision,
    OutboxMessage,
)
from chalicelib.db.repositories.bookings import counter_mismatches
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.alerts import ChannelFreshness
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.ota_booking import IngestOutcome, OtaBookingLine
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_reservation import ReservationAction
from chalicelib.services import booking_service
from chalicelib.services.booking_service import NewBooking, NewBookingLine
from tests.booking_factories import (
    Hotel,
    counters,
    group_status,
    make_caller,
    make_hotel,
    ota_request,
    point_at_moto,
)

NEW, MODIFY, CANCEL = ReservationAction.NEW, ReservationAction.MODIFY, ReservationAction.CANCEL


@pytest.fixture(autouse=True)
def _alerts_go_to_moto(database_url: str, moto_server: object, monkeypatch: pytest.MonkeyPatch) -> None:
    point_at_moto(moto_server, monkeypatch)


def _groups(reservation_id: str) -> list[BookingGroup]:
    with unit_of_work() as uow:
        return list(uow.session.scalars(select(BookingGroup).where(BookingGroup.ota_reservation_id == reservation_id)))


def _no_mismatch() -> None:
    with unit_of_work() as uow:
        assert counter_mismatches(uow.session) == []


def test_a_new_reservation_is_sold_and_stored_once(database_url: str) -> None:
    hotel = make_hotel(rooms=(3,))
    rt = hotel.room_type_ids[0]
    request = ota_request(hotel, "BDC-1", "0001", first=2, nights=2, rooms=2)

    result = booking_service.ingest_ota_reservation(request)
    again = booking_service.ingest_ota_reservation(request)

    assert result.outcome is IngestOutcome.CREATED and result.booking_group_id is not None
    assert again.outcome is IngestOutcome.DUPLICATE and again.first_outcome is IngestOutcome.CREATED
    assert (again.booking_group_id, again.revision_record_id, again.ack_token) == (
        result.booking_group_id,
        result.revision_record_id,
        request.ack_token,
    )
    assert [counters(rt)[hotel.night(n)] for n in (2, 3)] == [(3, 2, 0)] * 2
    assert group_status(result.booking_group_id) == "confirmed"
    with unit_of_work() as uow:
        assert uow.session.scalar(select(func.count(OtaReservationRevision.id))) == 1
        group = uow.session.get(BookingGroup, result.booking_group_id)
        assert group is not None
        assert (group.source, group.channel, group.guest_name) == ("ota", "booking_com", "Ota Guest")
    _no_mismatch()


def test_a_modification_moves_the_nights_and_a_cancellation_releases_them(database_url: str) -> None:
    hotel = make_hotel(rooms=(4, 4))
    first, second = hotel.room_type_ids
    booking_service.ingest_ota_reservation(ota_request(hotel, "BDC-2", "0001", first=1, nights=3))
    moved = booking_service.ingest_ota_reservation(
        ota_request(hotel, "BDC-2", "0002", MODIFY, room_type_id=second, first=5, nights=2, rooms=2)
    )

    assert moved.outcome is IngestOutcome.UPDATED
    assert all(sold == 0 for _, sold, _ in counters(first).values())
    assert {n: v for n, v in counters(second).items() if v[1]} == {hotel.night(5): (4, 2, 0), hotel.night(6): (4, 2, 0)}
    with unit_of_work() as uow:
        modified = uow.session.scalar(
            select(BookingEvent).where(BookingEvent.group_id == moved.booking_group_id, BookingEvent.kind == "modified")
        )
        assert modified is not None and modified.before and modified.after
        assert modified.before["lines"][0]["room_type_id"] == first
        assert modified.after["lines"][0]["room_type_id"] == second

    cancelled = booking_service.ingest_ota_reservation(ota_request(hotel, "BDC-2", "0003", CANCEL, lines=()))

    assert cancelled.outcome is IngestOutcome.CANCELLED
    assert group_status(cancelled.booking_group_id or 0) == "cancelled"
    assert all(sold == 0 for _, sold, _ in counters(second).values())
    assert len(_groups("BDC-2")) == 1
    _no_mismatch()


def test_an_older_revision_arriving_late_is_recorded_as_stale_and_ignored(database_url: str) -> None:
    hotel = make_hotel(rooms=(4,))
    rt = hotel.room_type_ids[0]
    booking_service.ingest_ota_reservation(ota_request(hotel, "BDC-3", "0002", MODIFY, first=5, nights=1))

    late_original = booking_service.ingest_ota_reservation(ota_request(hotel, "BDC-3", "0001", NEW, first=1, nights=1))

    assert late_original.outcome is IngestOutcome.STALE
    assert counters(rt)[hotel.night(1)] == (4, 0, 0)
    assert counters(rt)[hotel.night(5)] == (4, 1, 0)
    with unit_of_work() as uow:
        outcomes = dict(
            uow.session.execute(select(OtaReservationRevision.revision, OtaReservationRevision.outcome)).all()
        )
    assert outcomes == {"0002": "created", "0001": "stale"}


def test_a_cancellation_arriving_first_creates_a_cancelled_booking_that_takes_nothing(database_url: str) -> None:
    hotel = make_hotel(rooms=(2,))
    rt = hotel.room_type_ids[0]
    cancelled = booking_service.ingest_ota_reservation(ota_request(hotel, "AGD-4", "0003", CANCEL, ota=OtaCode.AGODA))
    original = booking_service.ingest_ota_reservation(ota_request(hotel, "AGD-4", "0001", NEW, ota=OtaCode.AGODA))

    assert cancelled.outcome is IngestOutcome.CANCELLED
    assert original.outcome is IngestOutcome.STALE
    assert original.booking_group_id == cancelled.booking_group_id
    assert all(sold == 0 for _, sold, _ in counters(rt).values())
    with unit_of_work() as uow:
        lines = uow.session.scalar(
            select(func.count(BookingLine.id)).where(BookingLine.group_id == cancelled.booking_group_id)
        )
    assert lines == 1  # the cancelled room is kept on record


def test_an_ota_booking_is_never_refused_and_raises_an_overbooking_alert_with_its_root_cause(database_url: str) -> None:
    hotel = make_hotel(rooms=(1,))
    rt = hotel.room_type_ids[0]
    direct = booking_service.create_booking(
        make_caller(),
        NewBooking(
            property_id=hotel.property_id,
            guest_name="Direct Guest",
            lines=(NewBookingLine(rt, hotel.night(3), hotel.night(4)),),
        ),
    )
    direct_time = datetime.now(UTC)
    freshness = {"agoda": ChannelFreshness("agoda", last_ari_ack_at=direct_time - timedelta(minutes=10))}

    result = booking_service.ingest_ota_reservation(
        ota_request(
            hotel,
            "AGD-5",
            "0001",
            first=2,
            nights=3,
            ota=OtaCode.AGODA,
            booked_at=direct_time + timedelta(seconds=30),
            channel_freshness=freshness,  # type: ignore[arg-type]
        )
    )

    assert result.outcome is IngestOutcome.CREATED
    assert result.overbooked_nights == ((rt, hotel.night(3)),)
    assert counters(rt)[hotel.night(3)] == (1, 1, 1)
    assert len(result.alert_ids) == 1
    with unit_of_work() as uow:
        alert = uow.session.get(Alert, result.alert_ids[0])
        assert alert is not None
        assert (alert.type, alert.status, alert.severity, alert.night) == (
            "overbooking",
            "new",
            "critical",
            hotel.night(3),
        )
        cause = alert.details
        assert cause["overbooked_by"] == 1
        assert {b["group_id"] for b in cause["bookings"]} == {direct.group_id, result.booking_group_id}
        assert cause["rooms_by_channel"] == {"agoda": 1, "direct": 1}
        assert cause["trigger_channel"] == "agoda"
        assert [s["channel"] for s in cause["stale_channels"]] == ["agoda"]
        assert uow.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.topic == "alerts")) == 1
    _no_mismatch()


def test_one_open_alert_per_night_is_updated_rather_than_duplicated(database_url: str) -> None:
    hotel = make_hotel(rooms=(1,))
    results = [
        booking_service.ingest_ota_reservation(ota_request(hotel, f"BDC-6{i}", "0001", first=2, nights=1))
        for i in range(3)
    ]
    assert results[0].alert_ids == ()
    assert results[1].alert_ids == results[2].alert_ids
    with unit_of_work() as uow:
        alerts = list(uow.session.scalars(select(Alert)))
        assert len(alerts) == 1
        assert alerts[0].occurrences == 2
        assert alerts[0].details["overbooked_by"] == 2
        assert alerts[0].details["channel_freshness_unknown"] == ["booking_com"]
        # Created, then worse (overbooked by 2): two notifications.
        assert uow.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.topic == "alerts")) == 2


def test_nights_the_calendar_lacks_are_created_for_an_ota_booking(database_url: str) -> None:
    hotel = make_hotel(rooms=(3,), nights=5)
    rt = hotel.room_type_ids[0]
    result = booking_service.ingest_ota_reservation(ota_request(hotel, "BDC-7", "0001", first=-1, nights=8))
    assert result.outcome is IngestOutcome.CREATED
    nights = counters(rt)
    assert nights[hotel.night(-1)] == (3, 1, 0)
    assert nights[hotel.night(6)] == (3, 1, 0)
    _no_mismatch()


def test_a_checked_in_guest_stays_checked_in_when_the_ota_extends_the_stay(database_url: str) -> None:
    hotel = make_hotel(rooms=(3,))
    created = booking_service.ingest_ota_reservation(ota_request(hotel, "BDC-8", "0001", first=0, nights=2))
    booking_service.transition(make_caller(), created.booking_group_id or 0, "checked_in")
    booking_service.ingest_ota_reservation(ota_request(hotel, "BDC-8", "0002", MODIFY, first=0, nights=4))
    assert group_status(created.booking_group_id or 0) == "checked_in"
    assert counters(hotel.room_type_ids[0])[hotel.night(3)] == (3, 1, 0)
    _no_mismatch()


def test_lines_are_matched_by_the_otas_reference_across_revisions(database_url: str) -> None:
    hotel = make_hotel(rooms=(5, 5))
    a, b = hotel.room_type_ids

    def line(ref: str, room_type_id: int, first: int) -> OtaBookingLine:
        return OtaBookingLine(room_type_id, None, hotel.night(first), hotel.night(first + 1), line_ref=ref)

    created = booking_service.ingest_ota_reservation(
        ota_request(hotel, "EXP-9", "0001", lines=(line("r1", a, 1), line("r2", b, 1)), ota=OtaCode.EXPEDIA)
    )
    booking_service.ingest_ota_reservation(
        ota_request(hotel, "EXP-9", "0002", MODIFY, lines=(line("r2", b, 2),), ota=OtaCode.EXPEDIA)
    )
    with unit_of_work() as uow:
        lines = {
            row.line_ref: row
            for row in uow.session.scalars(select(BookingLine).where(BookingLine.group_id == created.booking_group_id))
        }
    assert lines["r2"].check_in == hotel.night(2)
    assert lines["r1"].status_id != lines["r2"].status_id  # r1 was dropped: cancelled
    assert counters(a)[hotel.night(1)] == (5, 0, 0)
    assert counters(b)[hotel.night(1)] == (5, 0, 0) and counters(b)[hotel.night(2)] == (5, 1, 0)
    _no_mismatch()


def test_a_request_that_cannot_be_ours_is_refused_before_anything_is_written(database_url: str) -> None:
    hotel = make_hotel()
    other = make_hotel()
    with pytest.raises(InvalidInput) as refused:
        booking_service.ingest_ota_reservation(
            ota_request(hotel, "BDC-10", "0001", room_type_id=other.room_type_ids[0])
        )
    assert refused.value.details[0]["field"] == "lines[0].room_type_id"
    with unit_of_work() as uow:
        assert uow.session.scalar(select(func.count(OtaReservationRevision.id))) == 0


def test_acknowledgements_are_recorded_on_the_revision(database_url: str) -> None:
    hotel = make_hotel()
    result = booking_service.ingest_ota_reservation(ota_request(hotel, "BDC-11", "0001", ack_token="res-11"))
    booking_service.record_ota_acknowledgement(result.revision_record_id, acknowledged=False, error="timeout")
    booking_service.record_ota_acknowledgement(result.revision_record_id, acknowledged=True)
    with unit_of_work() as uow:
        row = uow.session.get(OtaReservationRevision, result.revision_record_id)
        assert row is not None
        assert (row.ack_state, row.ack_attempts, row.ack_token, row.ack_error) == ("acknowledged", 2, "res-11", None)


# --- redelivery: any order, any number of copies ---------------------------------------------------


def _revisions(hotel: Hotel, reservation_id: str, with_cancel: bool) -> list[object]:
    revisions = [
        ota_request(hotel, reservation_id, "0001", NEW, first=1, nights=2),
        ota_request(
            hotel, reservation_id, "0002", MODIFY, room_type_id=hotel.room_type_ids[1], first=4, nights=3, rooms=2
        ),
    ]
    if with_cancel:
        revisions.append(ota_request(hotel, reservation_id, "0003", CANCEL, lines=()))
    return revisions


def _assert_final_state(hotel: Hotel, reservation_id: str, with_cancel: bool) -> None:
    groups = _groups(reservation_id)
    assert len(groups) == 1
    first, second = hotel.room_type_ids
    assert all(sold == held == 0 for _, sold, held in counters(first).values())
    taken = {night: value for night, value in counters(second).items() if value[1] or value[2]}
    if with_cancel:
        assert group_status(groups[0].id) == "cancelled"
        assert taken == {}
    else:
        assert group_status(groups[0].id) == "confirmed"
        assert taken == {hotel.night(n): (5, 2, 0) for n in (4, 5, 6)}
    with unit_of_work() as uow:
        revisions = uow.session.scalar(
            select(func.count(OtaReservationRevision.id)).where(OtaReservationRevision.reservation_id == reservation_id)
        )
        assert revisions == (3 if with_cancel else 2)
        assert counter_mismatches(uow.session) == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_redelivery_in_any_order_gives_one_booking_in_the_final_state(database_url: str, data: st.DataObject) -> None:
    with_cancel = data.draw(st.booleans(), label="with_cancel")
    hotel = make_hotel(rooms=(5, 5), nights=10)
    reservation_id = f"R-{uuid.uuid4().hex[:12]}"
    revisions = _revisions(hotel, reservation_id, with_cancel)
    copies = data.draw(st.lists(st.integers(1, 5), min_size=len(revisions), max_size=len(revisions)), label="copies")
    deliveries = [revision for revision, count in zip(revisions, copies, strict=True) for _ in range(count)]
    order = data.draw(st.permutations(deliveries), label="order")

    for request in order:
        booking_service.ingest_ota_reservation(request)  # type: ignore[arg-type]

    _assert_final_state(hotel, reservation_id, with_cancel)


@pytest.mark.parametrize("with_cancel", [True, False])
def test_every_order_of_the_three_revisions_ends_the_same(database_url: str, with_cancel: bool) -> None:
    for attempt, order in enumerate(itertools.permutations(range(3 if with_cancel else 2))):
        hotel = make_hotel(rooms=(5, 5), nights=10)
        reservation_id = f"P-{with_cancel}-{attempt}"
        revisions = _revisions(hotel, reservation_id, with_cancel)
        for index in order:
            booking_service.ingest_ota_reservation(revisions[index])  # type: ignore[arg-type]
        _assert_final_state(hotel, reservation_id, with_cancel)


def test_concurrent_redeliveries_on_many_threads_apply_each_revision_once(database_url: str) -> None:
    hotel = make_hotel(rooms=(5, 5), nights=10)
    revisions = _revisions(hotel, "CONC-1", with_cancel=False)
    deliveries = [revision for revision in revisions for _ in range(6)]
    random.Random(7).shuffle(deliveries)
    outcomes: list[IngestOutcome] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(deliveries))

    def deliver(request: object) -> None:
        try:
            barrier.wait()
            outcomes.append(booking_service.ingest_ota_reservation(request).outcome)  # type: ignore[arg-type]
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=deliver, args=(request,)) for request in deliveries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    applied = [o for o in outcomes if o in (IngestOutcome.CREATED, IngestOutcome.UPDATED)]
    assert len(applied) + outcomes.count(IngestOutcome.STALE) <= 2
    assert outcomes.count(IngestOutcome.DUPLICATE) >= len(deliveries) - 2
    _assert_final_state(hotel, "CONC-1", with_cancel=False)
