"""Discovery answers are scoped in every part, not only at their root (issue 12, point 3)."""

from __future__ import annotations

from local.simulators import demo_hotel
from tests.integration.ota.api_support import OtaApi
from tests.integration.ota.conftest import OtaHarness
from tests.ota_factories import make_connection, make_property

OTHER_COUNTRY_HOTEL = "TVK-ID-7001"


def test_discovery_shows_nothing_of_hotels_connected_to_another_country(ota_api: OtaApi, traveloka: OtaHarness) -> None:
    # Given a VN account whose connections serve a VN property and an ID property
    traveloka.simulator.add_hotel(demo_hotel(OTHER_COUNTRY_HOTEL, name="Bali Cliffside"))
    account = ota_api.create_account(traveloka)
    vn_hotel, id_hotel = make_property("VN"), make_property("ID")
    vn_connection = make_connection(vn_hotel, account["id"], traveloka.hotel_id)
    id_connection = make_connection(id_hotel, account["id"], OTHER_COUNTRY_HOTEL)

    # When a VN-only operator asks for the account's discovery (implicitly and by hotel id)
    implicit = ota_api.get(f"/ota-accounts/{account['id']}/discovery")
    explicit = ota_api.get(f"/ota-accounts/{account['id']}/discovery", hotel_id=[OTHER_COUNTRY_HOTEL])

    # Then only the VN hotel appears; the ID hotel, its connection and property appear nowhere
    assert implicit.status == 200, implicit.body
    assert [h["ota_hotel_id"] for h in implicit.body["hotels"]] == [traveloka.hotel_id]
    assert implicit.body["hotels"][0]["connection_id"] == vn_connection
    assert explicit.status == 200 and explicit.body["hotels"] == []
    for answer in (implicit, explicit):
        text = answer.raw.decode() if isinstance(answer.raw, bytes) else str(answer.raw)
        assert OTHER_COUNTRY_HOTEL not in text and "Bali Cliffside" not in text
        assert f'"property_id": {id_hotel.id}' not in text.replace('":', '": ')

    # Negative control: a caller who sees every country gets both, with the ID connection
    everywhere = ota_api.as_user(ota_api.identity.headers(role="Admin", country=None))
    both = everywhere.get(f"/ota-accounts/{account['id']}/discovery")
    assert both.status == 200, both.body
    by_hotel = {h["ota_hotel_id"]: h for h in both.body["hotels"]}
    assert by_hotel[OTHER_COUNTRY_HOTEL]["connection_id"] == id_connection
    assert by_hotel[OTHER_COUNTRY_HOTEL]["property_id"] == id_hotel.id
