"""Discovery against each OTA's simulator, import as proposed mappings, accepting / rejecting them,
and mapping validation (our side and, on request, against what the OTA reports)."""

from __future__ import annotations

from typing import Any

from chalicelib.services import ota_mapping_service
from tests.integration.ota.api_support import OtaApi, row_count
from tests.integration.ota.conftest import OtaHarness
from tests.ota_factories import TestHotel, make_connection, make_property

# The simulators' demo hotel: DLX "Deluxe Double" and STE "Riverside Suite", each with BAR "Best
# Available Rate" and NRF "Non-refundable". Our property matches DLX by code, the suite by name,
# DLX's plans by code and the suite's flexible plan by name; the suite has nothing for NRF and
# our STD room type matches nothing.
ROOMS = {"DLX": "Deluxe Double", "SUI": "Riverside Suite", "STD": "Standard Twin"}
PLANS = {
    "DLX": {"BAR": "Flexible", "NRF": "Non refundable"},
    "SUI": {"FLEX": "Best Available Rate"},
}


def hotel_for_matching(country: str = "VN") -> TestHotel:
    return make_property(country, rooms=ROOMS, plans=PLANS)


def by_item(proposals: list[dict[str, Any]]) -> dict[tuple[str, str | None], dict[str, Any]]:
    return {(p["ota_room_id"], p["ota_rate_plan_id"]): p for p in proposals}


def test_discovery_lists_the_hotel_rooms_and_rate_plans_of_each_ota(ota_api: OtaApi, ota: OtaHarness) -> None:
    account = ota_api.create_account(ota)
    found = ota_api.get(f"/ota-accounts/{account['id']}/discovery", hotel_id=[ota.hotel_id])
    assert found.status == 200, found.body
    (hotel,) = found.body["hotels"]
    assert hotel["ota_hotel_id"] == ota.hotel_id and hotel["connection_id"] is None
    assert {room["ota_room_id"]: [p["ota_rate_plan_id"] for p in room["rate_plans"]] for room in hotel["rooms"]} == {
        "DLX": ["BAR", "NRF"],
        "STE": ["BAR", "NRF"],
    }
    assert found.body["errors"] == []


def test_discovery_import_and_accept_for_each_ota(ota_api: OtaApi, ota: OtaHarness) -> None:
    hotel = hotel_for_matching()
    account = ota_api.create_account(ota)

    imported = ota_api.post(
        f"/ota-accounts/{account['id']}/discovery/import", {"property_id": hotel.id, "ota_hotel_id": ota.hotel_id}
    )
    assert imported.status == 200, imported.body
    connection = imported.body["connection"]
    assert imported.body["connection_created"] is True
    assert (connection["is_active"], connection["ota_hotel_id"], connection["next_poll_at"]) == (
        False,
        ota.hotel_id,
        None,
    )
    proposals = by_item(imported.body["proposals"])
    expected = {
        ("DLX", None): (hotel.room_types["DLX"], None, "code"),
        ("STE", None): (hotel.room_types["SUI"], None, "name"),
        ("DLX", "BAR"): (hotel.room_types["DLX"], hotel.rate_plans[("DLX", "BAR")], "code"),
        ("DLX", "NRF"): (hotel.room_types["DLX"], hotel.rate_plans[("DLX", "NRF")], "code"),
        ("STE", "BAR"): (hotel.room_types["SUI"], hotel.rate_plans[("SUI", "FLEX")], "name"),
        ("STE", "NRF"): (hotel.room_types["SUI"], None, None),
    }
    assert {k: (p["room_type_id"], p["rate_plan_id"], p["match_reason"]) for k, p in proposals.items()} == expected
    assert {p["status"] for p in proposals.values()} == {"proposed"}

    # A rate plan cannot be accepted before its room.
    early = ota_api.post(f"/mapping-proposals/{proposals[('DLX', 'BAR')]['id']}/accept")
    assert early.status == 422 and early.field_errors() == {"body.rate_plan_id"}
    room = ota_api.post(f"/mapping-proposals/{proposals[('DLX', None)]['id']}/accept")
    assert room.status == 200, room.body
    assert room.body["room_type_mapping"]["ota_room_id"] == "DLX" and room.body["proposal"]["status"] == "accepted"
    assert ota_api.post(f"/mapping-proposals/{proposals[('DLX', None)]['id']}/accept").status == 409

    everything = ota_api.post(f"/ota-connections/{connection['id']}/mapping-proposals/accept-all")
    assert everything.status == 200, everything.body
    assert [(a["proposal"]["ota_room_id"], a["proposal"]["ota_rate_plan_id"]) for a in everything.body] == [
        ("STE", None),  # rooms first
        ("DLX", "BAR"),
        ("DLX", "NRF"),
        ("STE", "BAR"),
    ]
    no_match = ota_api.post(f"/mapping-proposals/{proposals[('STE', 'NRF')]['id']}/accept")
    assert no_match.status == 422 and no_match.field_errors() == {"body.rate_plan_id"}
    assert ota_api.post(f"/mapping-proposals/{proposals[('STE', 'NRF')]['id']}/reject").body["status"] == "rejected"

    index = ota_mapping_service.mapping_index(connection["id"])
    assert index.room_type_for("STE") == hotel.room_types["SUI"]
    assert index.rate_plan_for("STE", "BAR") == hotel.rate_plans[("SUI", "FLEX")]
    assert index.ota_rate_for(hotel.rate_plans[("DLX", "NRF")]) == ("DLX", "NRF")
    assert index.ota_room_for(hotel.room_types["STD"]) is None and index.rate_plan_for("STE", "NRF") is None

    check = ota_api.post(f"/ota-connections/{connection['id']}/mapping-check")
    assert check.status == 200 and check.body["ok"] is True, check.body
    assert (check.body["checked_room_types"], check.body["checked_rate_plans"]) == (2, 3)
    assert [(u["ota_room_id"], u["ota_rate_plan_id"]) for u in check.body["unmapped"]] == [("STE", "NRF")]

    # Importing again proposes nothing already mapped and keeps the rejection.
    again = ota_api.post(
        f"/ota-accounts/{account['id']}/discovery/import", {"property_id": hotel.id, "ota_hotel_id": ota.hotel_id}
    )
    assert again.body["connection_created"] is False and again.body["already_mapped"] == 5
    assert [(p["ota_room_id"], p["ota_rate_plan_id"], p["status"]) for p in again.body["proposals"]] == [
        ("STE", "NRF", "rejected")
    ]
    listed = ota_api.get(f"/ota-connections/{connection['id']}/mapping-proposals", status="accepted")
    assert listed.body["total"] == 5


def test_discovery_without_hotel_ids_uses_the_connections_or_asks_for_ids(
    ota_api: OtaApi, booking_com: OtaHarness, traveloka: OtaHarness
) -> None:
    booking = ota_api.create_account(booking_com)
    refused = ota_api.get(f"/ota-accounts/{booking['id']}/discovery")
    assert refused.status == 422 and refused.field_errors() == {"query.hotel_id"}
    assert "give the hotel id" in refused.body["error"]["message"]
    hotel = make_property("VN")
    connection = make_connection(hotel, booking["id"], booking_com.hotel_id)
    listed = ota_api.get(f"/ota-accounts/{booking['id']}/discovery")
    assert [(h["ota_hotel_id"], h["connection_id"], h["property_id"]) for h in listed.body["hotels"]] == [
        (booking_com.hotel_id, connection, hotel.id)
    ]
    # Traveloka lists an account's hotels itself.
    tvlk = ota_api.create_account(traveloka)
    assert [h["ota_hotel_id"] for h in ota_api.get(f"/ota-accounts/{tvlk['id']}/discovery").body["hotels"]] == [
        traveloka.hotel_id
    ]


def test_an_unknown_hotel_is_an_error_in_words(ota_api: OtaApi, expedia: OtaHarness) -> None:
    account = ota_api.create_account(expedia)
    found = ota_api.get(f"/ota-accounts/{account['id']}/discovery", hotel_id=[expedia.hotel_id, "999999"])
    assert [h["ota_hotel_id"] for h in found.body["hotels"]] == [expedia.hotel_id]
    (error,) = found.body["errors"]
    assert error["kind"] == "rejected" and error["message"]

    hotel = make_property("VN")
    imported = ota_api.post(
        f"/ota-accounts/{account['id']}/discovery/import", {"property_id": hotel.id, "ota_hotel_id": "999999"}
    )
    assert imported.status == 422 and imported.field_errors() == {"body.ota_hotel_id"}
    assert row_count("ota_connections") == 0 and row_count("mapping_proposals") == 0


def test_an_import_with_refused_credentials_writes_nothing(ota_api: OtaApi, agoda: OtaHarness) -> None:
    account = ota_api.create_account(agoda, credentials=dict(agoda.case.wrong_credentials))
    hotel = make_property("VN")
    imported = ota_api.post(
        f"/ota-accounts/{account['id']}/discovery/import", {"property_id": hotel.id, "ota_hotel_id": agoda.hotel_id}
    )
    assert imported.status == 409 and "authentication failed at Agoda" in imported.body["error"]["message"]
    assert row_count("ota_connections") == 0 and row_count("mapping_proposals") == 0


def test_an_import_when_the_ota_is_down_writes_nothing(ota_api: OtaApi, traveloka: OtaHarness) -> None:
    account = ota_api.create_account(traveloka)
    traveloka.control.add_fault("http_error", status=503, count=5, operation="any")
    hotel = make_property("VN")
    imported = ota_api.post(
        f"/ota-accounts/{account['id']}/discovery/import", {"property_id": hotel.id, "ota_hotel_id": traveloka.hotel_id}
    )
    assert imported.status == 503 and "Traveloka" in imported.body["error"]["message"], imported.body
    assert row_count("ota_connections") == 0


def test_an_import_names_a_property_outside_the_scope(ota_api: OtaApi, agoda: OtaHarness) -> None:
    account = ota_api.create_account(agoda)
    abroad = make_property("ID")
    imported = ota_api.post(
        f"/ota-accounts/{account['id']}/discovery/import", {"property_id": abroad.id, "ota_hotel_id": agoda.hotel_id}
    )
    assert imported.status == 422 and imported.field_errors() == {"body.property_id"}


# --- mappings by hand -----------------------------------------------------------------------------------------


def test_mappings_are_validated_on_our_side(ota_api: OtaApi) -> None:
    hotel = hotel_for_matching()
    other = make_property("VN", rooms={"DLX": "Elsewhere"}, plans={"DLX": {"BAR": "Elsewhere"}})
    account = ota_api.create_account("agoda")
    connection = make_connection(hotel, account["id"], "10730279")
    rooms = f"/ota-connections/{connection}/room-type-mappings"
    rates = f"/ota-connections/{connection}/rate-plan-mappings"

    foreign = ota_api.post(rooms, {"room_type_id": other.room_types["DLX"], "ota_room_id": "DLX"})
    assert foreign.status == 422 and foreign.field_errors() == {"body.room_type_id"}
    premature = ota_api.post(rates, {"rate_plan_id": hotel.rate_plans[("DLX", "BAR")], "ota_rate_plan_id": "BAR"})
    assert premature.status == 422 and premature.field_errors() == {"body.rate_plan_id"}

    room = ota_api.post(rooms, {"room_type_id": hotel.room_types["DLX"], "ota_room_id": "DLX"})
    assert room.status == 201, room.body
    twice = ota_api.post(rooms, {"room_type_id": hotel.room_types["DLX"], "ota_room_id": "X2"})
    assert twice.status == 409 and twice.field_errors() == {"body.room_type_id"}
    same_ota_room = ota_api.post(rooms, {"room_type_id": hotel.room_types["STD"], "ota_room_id": "DLX"})
    assert same_ota_room.status == 409 and same_ota_room.field_errors() == {"body.ota_room_id"}

    wrong_room = ota_api.post(
        rates, {"rate_plan_id": hotel.rate_plans[("DLX", "BAR")], "ota_rate_plan_id": "BAR", "ota_room_id": "STE"}
    )
    assert wrong_room.status == 422 and wrong_room.field_errors() == {"body.ota_room_id"}
    rate = ota_api.post(rates, {"rate_plan_id": hotel.rate_plans[("DLX", "BAR")], "ota_rate_plan_id": "BAR"})
    assert rate.status == 201 and rate.body["ota_room_id"] == "DLX", rate.body
    clash = ota_api.post(rates, {"rate_plan_id": hotel.rate_plans[("DLX", "NRF")], "ota_rate_plan_id": "BAR"})
    assert clash.status == 409 and clash.field_errors() == {"body.ota_rate_plan_id"}
    foreign_plan = ota_api.post(rates, {"rate_plan_id": other.rate_plans[("DLX", "BAR")], "ota_rate_plan_id": "X"})
    assert foreign_plan.status == 422 and foreign_plan.field_errors() == {"body.rate_plan_id"}

    # Moving the room type to another OTA room moves its rate plans along; unmapping removes them.
    moved = ota_api.patch(f"/room-type-mappings/{room.body['id']}", {"ota_room_id": "DLX2"})
    assert moved.status == 200 and moved.body["ota_room_id"] == "DLX2"
    assert ota_api.get(f"/rate-plan-mappings/{rate.body['id']}").body["ota_room_id"] == "DLX2"
    assert ota_api.delete(f"/room-type-mappings/{room.body['id']}").status == 204
    assert ota_api.get(f"/rate-plan-mappings/{rate.body['id']}").status == 404
    assert ota_api.get(rates).body["total"] == 0


def test_mappings_can_be_checked_against_what_the_ota_reports(ota_api: OtaApi, booking_com: OtaHarness) -> None:
    hotel = hotel_for_matching()
    account = ota_api.create_account(booking_com)
    connection = make_connection(hotel, account["id"], booking_com.hotel_id)
    rooms = f"/ota-connections/{connection}/room-type-mappings"
    rates = f"/ota-connections/{connection}/rate-plan-mappings"

    invented = ota_api.post(
        rooms, {"room_type_id": hotel.room_types["DLX"], "ota_room_id": "PENT", "verify_with_ota": True}
    )
    assert invented.status == 422 and invented.field_errors() == {"body.ota_room_id"}
    assert (
        "reports no room 'PENT'" in invented.body["error"]["message"]
        and "DLX, STE" in invented.body["error"]["message"]
    )
    room = ota_api.post(rooms, {"room_type_id": hotel.room_types["DLX"], "ota_room_id": "DLX", "verify_with_ota": True})
    assert room.status == 201, room.body
    bad_rate = ota_api.post(
        rates, {"rate_plan_id": hotel.rate_plans[("DLX", "BAR")], "ota_rate_plan_id": "WKND", "verify_with_ota": True}
    )
    assert bad_rate.status == 422 and bad_rate.field_errors() == {"body.ota_rate_plan_id"}
    assert row_count("rate_plan_mappings") == 0

    # Mapped without checking, then checked: the check names the mapping the OTA does not know.
    unchecked = ota_api.post(rates, {"rate_plan_id": hotel.rate_plans[("DLX", "BAR")], "ota_rate_plan_id": "WKND"})
    assert unchecked.status == 201
    check = ota_api.post(f"/ota-connections/{connection}/mapping-check")
    assert check.body["ok"] is False
    assert [(p["mapping_id"], p["ota_rate_plan_id"]) for p in check.body["problems"]] == [
        (unchecked.body["id"], "WKND")
    ]
    fixed = ota_api.patch(
        f"/rate-plan-mappings/{unchecked.body['id']}", {"ota_rate_plan_id": "BAR", "verify_with_ota": True}
    )
    assert fixed.status == 200 and ota_api.post(f"/ota-connections/{connection}/mapping-check").body["ok"] is True


def test_a_proposal_can_be_accepted_with_another_choice(ota_api: OtaApi, traveloka: OtaHarness) -> None:
    hotel = hotel_for_matching()
    account = ota_api.create_account(traveloka)
    imported = ota_api.post(
        f"/ota-accounts/{account['id']}/discovery/import", {"property_id": hotel.id, "ota_hotel_id": traveloka.hotel_id}
    )
    proposals = by_item(imported.body["proposals"])
    chosen = ota_api.post(
        f"/mapping-proposals/{proposals[('STE', None)]['id']}/accept", {"room_type_id": hotel.room_types["STD"]}
    )
    assert chosen.status == 200 and chosen.body["room_type_mapping"]["room_type_code"] == "STD"
    assert chosen.body["proposal"]["room_type_id"] == hotel.room_types["STD"]
    plan = ota_api.post(
        f"/mapping-proposals/{proposals[('STE', 'NRF')]['id']}/accept",
        {"rate_plan_id": hotel.rate_plans[("DLX", "NRF")]},
    )
    # DLX's plan cannot sit under STE: its room type is mapped to DLX (or, here, not at all).
    assert plan.status == 422 and plan.field_errors() == {"body.rate_plan_id"}
    rejected = ota_api.post(f"/mapping-proposals/{proposals[('DLX', None)]['id']}/reject")
    assert rejected.body["status"] == "rejected" and rejected.body["decided_by_user_id"] is not None
    assert ota_api.post(f"/mapping-proposals/{proposals[('DLX', None)]['id']}/reject").status == 409
    # A change of mind: a rejected proposal may still be accepted.
    assert ota_api.post(f"/mapping-proposals/{proposals[('DLX', None)]['id']}/accept").status == 200
