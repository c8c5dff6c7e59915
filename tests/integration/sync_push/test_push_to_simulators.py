"""The push worker over real HTTP: every simulator ends up showing our calendar."""

from __future__ import annotations

from chalicelib.domain.ota_codes import OtaCode
from chalicelib.services import booking_service
from tests.booking_factories import ota_request
from tests.integration.sync_push.conftest import OTAS, PushWorld


def test_full_push_then_a_booking_reaches_every_simulator_with_our_numbers(push_world: PushWorld) -> None:
    # Given every simulator brought to our calendar by a full push
    push_world.full_push_all()
    for ota in OTAS:
        assert push_world.shown(ota) == push_world.calendar(), ota
    # When a 3-night Agoda booking is stored (its write relays right after commit)
    booking_service.ingest_ota_reservation(
        ota_request(push_world.hotel, "AG-1", "1", first=2, nights=3, ota=OtaCode.AGODA)
    )
    push_world.drain()
    # Then the reduced availability is what every simulator shows, equal to our calendar
    calendar = push_world.calendar()
    assert calendar[push_world.hotel.night(2)] == 4
    for ota in OTAS:
        assert push_world.shown(ota) == calendar, ota
    # ...and each connection recorded a push sync run that sent one coalesced range
    for ota in OTAS:
        pushes = [run for run in push_world.sync_runs(ota) if run.kind == "push"]
        assert [run.status for run in pushes] == ["ok"], ota
        assert pushes[0].trigger == "outbox"
        assert pushes[0].counts["ranges"] == 1 and pushes[0].counts["cells_pending"] == 3
