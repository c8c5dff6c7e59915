"""An OTA booking landing on a night whose pool the allotments emptied: the alert names the allotments."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from chalicelib.db.models import Alert
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.services import booking_service
from tests.booking_factories import make_hotel, ota_request, point_at_moto
from tests.factories import Identity
from tests.integration.test_allotments_api import contract_body, new_agency, staff


@pytest.fixture(autouse=True)
def _relays_go_to_moto(identity: Identity, moto_server: object, monkeypatch: pytest.MonkeyPatch) -> None:
    point_at_moto(moto_server, monkeypatch)


def test_the_overbooking_root_cause_names_the_contracts_and_agencies_withholding_the_night(identity: Identity) -> None:
    hotel = make_hotel(rooms=(4,))
    desk = staff(identity)
    big = new_agency(desk, "BIG-AG", name="Big Travel")
    small = new_agency(desk, "SMALL-AG", name="Small Travel")
    desk.ok("POST", "/contracts", contract_body(hotel, big["id"], first=3, last=3, rooms=2, name="Big summer"))
    desk.ok("POST", "/contracts", contract_body(hotel, small["id"], first=3, last=4, rooms=1, name="Small summer"))
    # Night 3: 4 rooms, 3 withheld by allotments, 1 left for the OTAs.
    first = booking_service.ingest_ota_reservation(ota_request(hotel, "BDC-1", "0001", first=3, nights=1))
    assert not first.alert_ids
    second = booking_service.ingest_ota_reservation(ota_request(hotel, "BDC-2", "0001", first=3, nights=1))
    assert len(second.alert_ids) == 1

    with unit_of_work() as uow:
        alert = uow.session.scalar(select(Alert).where(Alert.id == second.alert_ids[0]))
        assert alert is not None
        details, message = alert.details, alert.message
    assert details["allotments_withheld"] == 3
    assert [(a["agency_code"], a["contract_name"], a["withheld"]) for a in details["allotments"]] == [
        ("BIG-AG", "Big summer", 2),
        ("SMALL-AG", "Small summer", 1),
    ]
    assert "Withheld for agencies: BIG-AG (Big summer): 2, SMALL-AG (Small summer): 1." in message

    # Control: a night no allotment touches names none.
    booking_service.ingest_ota_reservation(ota_request(hotel, "BDC-3", "0001", first=8, nights=1, rooms=4))
    lone = booking_service.ingest_ota_reservation(ota_request(hotel, "BDC-4", "0001", first=8, nights=1))
    with unit_of_work() as uow:
        plain = uow.session.scalar(select(Alert).where(Alert.id == lone.alert_ids[0]))
        assert plain is not None
        assert plain.details["allotments"] == [] and "Withheld" not in plain.message
