"""The property sync worker against the four OTA simulators over real HTTP: reservations land once,
are acknowledged only after they are stored, and OTA faults lose nothing and double nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from chalicelib.db.models import OtaConnection, PendingOtaAck, SyncRun
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.ota_reservation import Acknowledgement
from chalicelib.domain.ota_results import AckResult
from chalicelib.ota.base import OtaAdapter
from chalicelib.services import property_sync_service
from tests.integration.sync.conftest import (
    OTAS,
    Sims,
    adapter_source,
    connect_property,
    job,
    revisions,
    sold,
    stored_reservations,
)


def runs(property_id: int) -> list[SyncRun]:
    with unit_of_work() as uow:
        rows = list(uow.session.scalars(select(SyncRun).where(SyncRun.property_id == property_id).order_by(SyncRun.id)))
        uow.session.expunge_all()
        return rows


def test_reservations_on_every_simulator_are_stored_once_and_acknowledged(
    database_url: str, aws: object, sims: Sims
) -> None:
    # Given a property connected to all four OTAs, and a new reservation waiting at each
    hotel = connect_property(sims)
    booked = {ota: sims.book(ota) for ota in OTAS}
    # When the worker syncs the property
    outcome = property_sync_service.sync_property(job(hotel.id), adapter_source=adapter_source())
    # Then each reservation is one booking group, acknowledged at the OTA and on its revision row
    assert sorted(stored_reservations(hotel.id)) == sorted((ota, rid) for ota, rid in booked.items())
    assert all(count == 1 for count in stored_reservations(hotel.id).values())
    for ota, reservation_id in booked.items():
        assert sims.acknowledged(ota)[reservation_id] is True, ota
    assert {row.ack_state for row in revisions(hotel.id)} == {"acknowledged"}
    # ...four rooms sold on the booked nights, one sync run per connection with its counts
    night = date.today() + timedelta(days=10)
    assert sold(hotel.hotel.room_types["DLX"], night) == 4
    assert [c.status for c in outcome.connections] == ["ok"] * 4
    recorded = runs(hotel.id)
    assert len(recorded) == 4
    for run in recorded:
        assert (run.kind, run.trigger, run.status) == ("pull", "schedule", "ok")
        assert (
            run.counts["pulled"] >= 1
            and run.counts["created"] == 1
            and run.counts["acknowledged"] == run.counts["pulled"]
        )
        assert run.duration_ms is not None and run.finished_at is not None
    with unit_of_work() as uow:
        connections = uow.session.scalars(select(OtaConnection).where(OtaConnection.property_id == hotel.id)).all()
        assert all(c.last_success_at is not None and c.health == "ok" for c in connections)
    # And a second sync finds nothing new and changes nothing
    property_sync_service.sync_property(job(hotel.id), adapter_source=adapter_source())
    assert sold(hotel.hotel.room_types["DLX"], night) == 4
    assert len(revisions(hotel.id)) == 4


FAULTS = {
    "5xx": {"kind": "http_error", "status": 503},
    "429": {"kind": "rate_limit", "retry_after": 0},
    "timeout": {"kind": "timeout", "delay_seconds": 1.0},
    "malformed": {"kind": "malformed"},
    "truncated": {"kind": "truncated"},
}
EXPECTED_KIND = {
    "5xx": "unavailable",
    "429": "rate_limited",
    "timeout": "timeout",
    "malformed": "malformed_response",
    "truncated": "malformed_response",
}


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("faulty", ["booking_com", "agoda"])
def test_a_fault_during_pull_loses_nothing_and_doubles_nothing(
    database_url: str, aws: object, sims: Sims, fault: str, faulty: str
) -> None:
    # Given a reservation at every OTA, and one OTA failing every reservation request
    hotel = connect_property(sims)
    booked = {ota: sims.book(ota) for ota in OTAS}
    sims.controls[faulty].add_fault(operation="reservations", count=20, **FAULTS[fault])
    # When the worker syncs (the job itself succeeds: the fault is the connection's result)
    outcome = property_sync_service.sync_property(job(hotel.id), adapter_source=adapter_source())
    # Then the faulty connection is recorded as failed, with the fault's kind, and nothing from it is stored
    by_ota = {c.ota: c for c in outcome.connections}
    assert by_ota[faulty].status == "failed"
    failed_run = next(r for r in runs(hotel.id) if r.connection_id == hotel.connections[faulty])
    assert (failed_run.status, failed_run.error_kind) == ("failed", EXPECTED_KIND[fault])
    assert (faulty, booked[faulty]) not in stored_reservations(hotel.id)
    assert sims.acknowledged(faulty)[booked[faulty]] is False
    with unit_of_work() as uow:
        connection = uow.session.get(OtaConnection, hotel.connections[faulty])
        assert connection is not None and connection.consecutive_failures == 1 and connection.last_error
    # ...while the other three went through
    for ota in OTAS:
        if ota != faulty:
            assert by_ota[ota].status == "ok" and sims.acknowledged(ota)[booked[ota]] is True
    # When the OTA recovers and the property is synced again (twice)
    sims.controls[faulty].clear_faults()
    property_sync_service.sync_property(job(hotel.id), adapter_source=adapter_source())
    property_sync_service.sync_property(job(hotel.id), adapter_source=adapter_source())
    # Then every reservation is stored exactly once and acknowledged
    assert sorted(stored_reservations(hotel.id)) == sorted(booked.items())
    assert sold(hotel.hotel.room_types["DLX"], date.today() + timedelta(days=10)) == 4
    assert all(sims.acknowledged(ota)[rid] for ota, rid in booked.items())


def test_duplicate_delivery_by_the_ota_is_stored_once(database_url: str, aws: object, sims: Sims) -> None:
    hotel = connect_property(sims)
    booked = {ota: sims.book(ota) for ota in OTAS}
    for ota in OTAS:
        sims.controls[ota].add_fault("duplicate", operation="reservations", count=3)
    property_sync_service.sync_property(job(hotel.id), adapter_source=adapter_source())
    assert sorted(stored_reservations(hotel.id)) == sorted(booked.items())
    assert sold(hotel.hotel.room_types["DLX"], date.today() + timedelta(days=10)) == 4


class WorkerKilled(BaseException):
    """The Lambda dies (timeout, OOM) — nothing after this line runs, no handler catches it."""


class DiesBeforeAcknowledging:
    def __init__(self, inner: OtaAdapter) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def acknowledge(self, ota_hotel_id: str, acknowledgements: list[Acknowledgement]) -> AckResult:
        raise WorkerKilled("killed between commit and acknowledgement")


@pytest.mark.parametrize("ota", OTAS)
def test_worker_killed_between_commit_and_acknowledgement(database_url: str, aws: object, sims: Sims, ota: str) -> None:
    # Given a reservation at the OTA, and a worker that dies right after the commit
    hotel = connect_property(sims, (ota,))
    reservation_id = sims.book(ota)
    with pytest.raises(WorkerKilled):
        property_sync_service.sync_property(
            job(hotel.id),
            adapter_source=adapter_source(wrap=DiesBeforeAcknowledging),  # type: ignore[arg-type]
        )
    # Then the reservation is stored, but not acknowledged anywhere
    assert stored_reservations(hotel.id) == {(ota, reservation_id): 1}
    assert [row.ack_state for row in revisions(hotel.id)] == ["pending"]
    assert sims.acknowledged(ota)[reservation_id] is False
    # When the next worker runs, the OTA resends it
    outcome = property_sync_service.sync_property(job(hotel.id, "retry"), adapter_source=adapter_source())
    # Then it is recognised as a duplicate, not stored twice, and acknowledged now
    assert outcome.connections[0].counts.duplicates >= 1 and outcome.connections[0].counts.created == 0
    assert stored_reservations(hotel.id) == {(ota, reservation_id): 1}
    assert sold(hotel.hotel.room_types["DLX"], date.today() + timedelta(days=10)) == 1
    assert sims.acknowledged(ota)[reservation_id] is True
    assert {row.ack_state for row in revisions(hotel.id)} == {"acknowledged"}


def test_a_failed_acknowledgement_is_retried_on_the_next_pull(database_url: str, aws: object, sims: Sims) -> None:
    hotel = connect_property(sims, ("expedia",))
    reservation_id = sims.book("expedia")
    sims.controls["expedia"].add_fault("http_error", status=503, operation="ack", count=10)
    first = property_sync_service.sync_property(job(hotel.id), adapter_source=adapter_source())
    assert first.connections[0].status == "partial" and first.connections[0].counts.ack_failures == 1
    assert [row.ack_state for row in revisions(hotel.id)] == ["failed"]
    with unit_of_work() as uow:
        pending = uow.session.scalars(select(PendingOtaAck)).all()
        assert [(p.reservation_id, p.stored) for p in pending] == [(reservation_id, True)]
    sims.controls["expedia"].clear_faults()
    property_sync_service.sync_property(job(hotel.id), adapter_source=adapter_source())
    assert stored_reservations(hotel.id) == {("expedia", reservation_id): 1}
    assert sims.acknowledged("expedia")[reservation_id] is True
    with unit_of_work() as uow:
        assert uow.session.scalars(select(PendingOtaAck)).all() == []


def test_a_job_for_a_property_being_synced_hands_over_to_the_holder(database_url: str, aws: object, sims: Sims) -> None:
    from chalicelib.db.models import Lease
    from chalicelib.db.repositories import leases as lease_repository
    from chalicelib.domain.leases import property_sync_lease

    hotel = connect_property(sims, ("traveloka",))
    sims.book("traveloka")
    with unit_of_work() as uow:
        assert lease_repository.take_lease(uow.session, property_sync_lease(hotel.id), "other-worker", 60)
    for trigger in ("schedule", "webhook"):
        handed = property_sync_service.sync_property(
            job(hotel.id, trigger), adapter_source=adapter_source(), lease_wait_seconds=0
        )
        assert handed.skipped and handed.passes == 0 and stored_reservations(hotel.id) == {}
    with unit_of_work() as uow:
        lease = uow.session.get(Lease, property_sync_lease(hotel.id))
        assert lease is not None and lease.holder == "other-worker" and lease.rerun_requested
    # The holder, done with its pass, is told to pull again instead of letting go.
    with unit_of_work() as uow:
        assert lease_repository.continue_or_release(uow.session, property_sync_lease(hotel.id), "other-worker", 60)
    with unit_of_work() as uow:
        assert not lease_repository.continue_or_release(uow.session, property_sync_lease(hotel.id), "other-worker", 60)
    # Negative control: with the lease free, the same job syncs itself.
    done = property_sync_service.sync_property(
        job(hotel.id, "webhook"), adapter_source=adapter_source(), lease_wait_seconds=0
    )
    assert not done.skipped and done.passes == 1 and len(stored_reservations(hotel.id)) == 1


class BookingArrivesDuringThePull:
    """After the holder's pull returns: a new reservation is made and its webhook job arrives."""

    def __init__(self, inner: OtaAdapter, on_pulled: Callable[[], None]) -> None:
        self.inner = inner
        self.on_pulled = on_pulled

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def pull_reservations(self, ota_hotel_id: str) -> object:
        pulled = self.inner.pull_reservations(ota_hotel_id)
        self.on_pulled()
        return pulled


def test_the_holder_pulls_again_for_a_job_that_arrived_during_its_pass(
    database_url: str, aws: object, sims: Sims
) -> None:
    hotel = connect_property(sims, ("traveloka",))
    first = sims.book("traveloka")
    late: list[str] = []
    handed: list[property_sync_service.PropertySyncOutcome] = []

    def booking_and_its_webhook() -> None:
        if late:
            return
        late.append(sims.book("traveloka", offset=20))
        handed.append(
            property_sync_service.sync_property(
                job(hotel.id, "webhook"), adapter_source=adapter_source(), lease_wait_seconds=0
            )
        )

    outcome = property_sync_service.sync_property(
        job(hotel.id, "schedule"),
        adapter_source=adapter_source(wrap=lambda a: BookingArrivesDuringThePull(a, booking_and_its_webhook)),  # type: ignore[arg-type,return-value]
        lease_wait_seconds=0,
    )
    assert handed and handed[0].skipped, "the webhook job should have handed over to the running sync"
    assert outcome.passes == 2
    assert stored_reservations(hotel.id) == {("traveloka", first): 1, ("traveloka", late[0]): 1}


def test_what_a_partly_failed_pull_returned_is_stored_and_the_rest_follows(
    database_url: str, aws: object, sims: Sims
) -> None:
    # Given Booking.com holding a new reservation and a modified one (two documents: new, modify)
    hotel = connect_property(sims, ("booking_com",))
    first = sims.book("booking_com")
    second = sims.book("booking_com", offset=11)
    sims.controls["booking_com"].modify_reservation(second, adults=3)
    # ...and the first document failing for both attempts, the second answering
    sims.controls["booking_com"].add_fault("http_error", status=503, operation="reservations", count=2)
    outcome = property_sync_service.sync_property(job(hotel.id), adapter_source=adapter_source())
    # Then the run is failed, yet the modification that did arrive is stored and acknowledged
    assert outcome.connections[0].status == "failed" and outcome.connections[0].error is not None
    assert stored_reservations(hotel.id) == {("booking_com", second): 1}
    # When the OTA recovers
    property_sync_service.sync_property(job(hotel.id), adapter_source=adapter_source())
    # Then both are stored once, the late original of the modified one changing nothing
    assert stored_reservations(hotel.id) == {("booking_com", first): 1, ("booking_com", second): 1}
    assert sold(hotel.hotel.room_types["DLX"], date.today() + timedelta(days=11)) == 2
    assert all(sims.acknowledged("booking_com").values())
