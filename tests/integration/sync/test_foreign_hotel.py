"""Issue 16.3: a reservation naming another hotel than the one polled is refused (never stored under
ours), recorded on the sync run and alerted, for every OTA whose message names its hotel. The OTA
simulators misroute on demand (fault ``foreign_hotel``): the next poll of our hotel also carries
the reservations of another hotel of the same account, each naming its own hotel."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from chalicelib.db.models import Alert, OtaConnection, SyncRun
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.services import property_sync_service
from chalicelib.services.sync_alert_service import foreign_hotel_key
from local.simulators import demo_hotel
from tests.integration.sync.conftest import Sims, adapter_source, connect_property, job, stored_reservations

OTHER_HOTEL = {"booking_com": "7654321", "expedia": "998877", "traveloka": "TVK-HAN-09"}


@pytest.mark.parametrize("ota", sorted(OTHER_HOTEL))
def test_a_reservation_of_another_hotel_is_refused_recorded_and_alerted(
    database_url: str, aws: object, sims: Sims, ota: str
) -> None:
    # Given our hotel's reservation and one of another hotel of the same OTA account
    hotel = connect_property(sims, (ota,))
    sims.simulators[ota].add_hotel(demo_hotel(OTHER_HOTEL[ota], name="Somebody Else's Hotel"))
    ours = sims.book(ota)
    theirs = sims.book(ota, hotel_id=OTHER_HOTEL[ota], offset=12)
    # When the OTA misroutes: the poll of our hotel carries both
    sims.controls[ota].add_fault("foreign_hotel", operation="reservations")
    outcome = property_sync_service.sync_property(job(hotel.id), adapter_source=adapter_source())

    # Then ours is stored and acknowledged; theirs is neither
    assert stored_reservations(hotel.id) == {(ota, ours): 1}
    acknowledged = sims.acknowledged(ota)
    assert acknowledged[ours] is True and acknowledged[theirs] is False
    # ...the sync run records the refusal, naming the reservation and both hotels
    (connection,) = outcome.connections
    assert connection.status == "partial" and connection.counts.item_errors == 1
    with unit_of_work() as uow:
        run = uow.session.scalars(select(SyncRun).where(SyncRun.property_id == hotel.id)).one()
        (error,) = run.errors
        assert error["kind"] == "foreign_hotel" and error["item_id"] == theirs
        assert OTHER_HOTEL[ota] in error["message"]
        # ...and a critical alert is open for it, on our property and channel
        alert = uow.session.scalars(
            select(Alert).where(Alert.dedupe_key == foreign_hotel_key(hotel.connections[ota], theirs))
        ).one()
        assert (alert.type, alert.severity, alert.status) == ("sync_failure", "critical", "new")
        assert (alert.property_id, alert.channel) == (hotel.id, ota)
        assert alert.details["named_hotel_id"] == OTHER_HOTEL[ota]

    # Negative control: polled again without the misrouting, nothing is refused or alerted anew
    again = property_sync_service.sync_property(job(hotel.id), adapter_source=adapter_source())
    assert stored_reservations(hotel.id) == {(ota, ours): 1}
    (polled,) = again.connections
    assert polled.status == "ok" and polled.error is None and polled.counts.item_errors == 0
    with unit_of_work() as uow:
        # ...an empty poll: counted on the connection, no second run row
        assert len(uow.session.scalars(select(SyncRun).where(SyncRun.property_id == hotel.id)).all()) == 1
        assert uow.session.get_one(OtaConnection, hotel.connections[ota]).empty_polls == 1
        alerts = uow.session.scalars(select(Alert).where(Alert.property_id == hotel.id)).all()
        assert [a.occurrences for a in alerts if a.dedupe_key.startswith("sync_failure:foreign_hotel")] == [1]
