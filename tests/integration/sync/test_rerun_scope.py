"""A rerun pulls what the jobs that handed over asked for (issue 17.2): a webhook names the
connection that notified, so a burst of one OTA's webhooks does not pull every OTA again."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from chalicelib.db.models import OtaConnection
from chalicelib.db.repositories import leases as lease_repository
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.leases import property_sync_lease
from chalicelib.services import property_sync_service
from chalicelib.services.sync_jobs import SyncJobMessage
from tests.integration.sync.conftest import Sims, adapter_source, connect_property, stored_reservations
from tests.integration.sync.test_property_sync import BookingArrivesDuringThePull


def scoped_job(property_id: int, trigger: str, connection_ids: list[int] | None) -> SyncJobMessage:
    return SyncJobMessage.model_validate(
        {
            "property_id": property_id,
            "trigger": trigger,
            "enqueued_at": datetime.now(UTC),
            "connection_ids": connection_ids,
        }
    )


def test_rerun_requests_add_up_and_one_for_everything_wins(database_url: str) -> None:
    lease = property_sync_lease(987654)
    cases = [([[3], [1, 3]], (1, 3)), ([[3], None], None), ([None, [2]], None)]
    for requests, expected in cases:
        with unit_of_work() as uow:
            assert lease_repository.take_lease(uow.session, lease, "holder", 60)
        for connection_ids in requests:
            with unit_of_work() as uow:
                assert lease_repository.request_rerun(uow.session, lease, connection_ids)
        with unit_of_work() as uow:
            rerun = lease_repository.continue_or_rerun(uow.session, lease, "holder", 60)
        assert rerun is not None and rerun.connection_ids == expected, requests
        # the flag and the scope were cleared with the rerun: the next pass lets go
        with unit_of_work() as uow:
            assert lease_repository.continue_or_rerun(uow.session, lease, "holder", 60) is None


def run_with_a_job_arriving_during_the_pull(hotel: Any, late_job_connections: list[int] | None) -> int:
    """The holder pulls Traveloka; during its pull a job asking for ``late_job_connections`` hands
    over. Returns the holder's number of passes."""
    made = hotel
    traveloka = made.connections["traveloka"]
    handed: list[property_sync_service.PropertySyncOutcome] = []

    def the_late_job() -> None:
        if not handed:
            handed.append(
                property_sync_service.sync_property(
                    scoped_job(made.id, "webhook", late_job_connections),
                    adapter_source=adapter_source(),
                    lease_wait_seconds=0,
                )
            )

    outcome = property_sync_service.sync_property(
        scoped_job(made.id, "webhook", [traveloka]),
        adapter_source=adapter_source(wrap=lambda a: BookingArrivesDuringThePull(a, the_late_job)),  # type: ignore[arg-type,return-value]
        lease_wait_seconds=0,
    )
    assert handed and handed[0].skipped
    assert all(c.connection_id == traveloka for c in outcome.connections[:1])
    return outcome.passes


def test_a_rerun_pulls_only_the_connections_the_handed_over_jobs_named(
    database_url: str, aws: object, sims: Sims
) -> None:
    # Given a property on Traveloka and Expedia, a reservation waiting at Expedia
    hotel = connect_property(sims, ("traveloka", "expedia"))
    expedia_reservation = sims.book("expedia")
    # When a Traveloka webhook job hands over to a Traveloka pull in progress
    passes = run_with_a_job_arriving_during_the_pull(hotel, [hotel.connections["traveloka"]])
    # Then the holder pulled again, Traveloka only: Expedia's reservation is still waiting there
    assert passes == 2
    assert ("expedia", expedia_reservation) not in stored_reservations(hotel.id)
    # Negative control: a job asking for every connection hands over, and the rerun pulls Expedia too
    passes = run_with_a_job_arriving_during_the_pull(hotel, None)
    assert passes == 2
    assert stored_reservations(hotel.id) == {("expedia", expedia_reservation): 1}


def test_each_passs_empty_polls_are_written_when_it_ends_a_rerun_included(
    database_url: str, aws: object, sims: Sims
) -> None:
    # Given a property on Traveloka and Expedia with nothing waiting at either
    hotel = connect_property(sims, ("traveloka", "expedia"))
    # When a Traveloka webhook job hands over to a Traveloka pull in progress (two passes)
    assert run_with_a_job_arriving_during_the_pull(hotel, [hotel.connections["traveloka"]]) == 2
    # Then both of Traveloka's empty polls were written (the first with the rerun's decision, the
    # second with the release), and Expedia, not pulled, has none
    with unit_of_work() as uow:
        rows = uow.session.execute(
            select(OtaConnection.id, OtaConnection.empty_polls).where(OtaConnection.property_id == hotel.id)
        )
        counted = {row[0]: row[1] for row in rows}
    assert counted == {hotel.connections["traveloka"]: 2, hotel.connections["expedia"]: 0}
