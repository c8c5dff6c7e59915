"""Proposed mappings from discovery, and the two-way mapping lookup of a connection."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.ota_mappings import (
    ExistingMappings,
    LocalRatePlan,
    LocalRoomType,
    MappingIndex,
    MatchReason,
    ProposalKind,
    ProposedMapping,
    propose_mappings,
)
from chalicelib.domain.ota_results import DiscoveredHotel, DiscoveredRatePlan, DiscoveredRoom

PLANS = (DiscoveredRatePlan("BAR", "Best Available Rate"), DiscoveredRatePlan("NRF", "Non-refundable"))
HOTEL = DiscoveredHotel(
    "1234567",
    "PTX Saigon Riverside",
    (
        DiscoveredRoom("DLX", "Deluxe Double", PLANS),
        DiscoveredRoom("STE", "Riverside Suite", PLANS),
        DiscoveredRoom("1002", "Family Room with Garden View", ()),
    ),
)
ROOM_TYPES = [
    LocalRoomType(1, "DLX", "Deluxe King"),
    LocalRoomType(2, "SUI", "riverside-suite"),
    LocalRoomType(3, "FAM", "Family Garden View Room"),
    LocalRoomType(4, "STD", "Standard Twin"),
]
RATE_PLANS = [
    LocalRatePlan(10, 1, "BAR", "Flexible"),
    LocalRatePlan(11, 1, "NR", "Non Refundable"),
    LocalRatePlan(20, 2, "FLEX", "Best available rate"),
]


def suggestions(
    proposals: list[ProposedMapping],
) -> dict[tuple[str, str | None], tuple[int | None, int | None, str | None]]:
    return {
        (p.ota_room_id, p.ota_rate_plan_id): (
            p.room_type_id,
            p.rate_plan_id,
            p.match_reason.value if p.match_reason else None,
        )
        for p in proposals
    }


def test_rooms_match_by_code_then_name_then_similar_name_and_plans_within_their_room() -> None:
    assert suggestions(propose_mappings(HOTEL, ROOM_TYPES, RATE_PLANS)) == {
        ("DLX", None): (1, None, "code"),
        ("STE", None): (2, None, "name"),
        ("1002", None): (3, None, "similar_name"),
        ("DLX", "BAR"): (1, 10, "code"),
        ("DLX", "NRF"): (1, 11, "name"),
        ("STE", "BAR"): (2, 20, "name"),
        ("STE", "NRF"): (2, None, None),
    }


def test_what_is_already_mapped_is_not_proposed_and_not_suggested_again() -> None:
    existing = ExistingMappings(room_types_by_ota_room={"DLX": 4}, rate_plans_by_ota_rate={("STE", "BAR"): 20})
    proposed = suggestions(propose_mappings(HOTEL, ROOM_TYPES, RATE_PLANS, existing))
    assert ("DLX", None) not in proposed and ("STE", "BAR") not in proposed
    # DLX is mapped to our STD (4): its plans are proposed within STD, which has none.
    assert proposed[("DLX", "BAR")] == (4, None, None)
    # Room type 1 is still free, but no OTA room left matches it by code or name.
    assert proposed[("STE", None)] == (2, None, "name")
    assert proposed[("STE", "NRF")] == (2, None, None)


def test_a_room_of_ours_is_suggested_for_one_ota_room_only() -> None:
    twins = DiscoveredHotel("1", "", (DiscoveredRoom("A", "Deluxe King"), DiscoveredRoom("B", "Deluxe King")))
    proposed = propose_mappings(twins, [LocalRoomType(1, "X", "Deluxe King")], [])
    assert [(p.ota_room_id, p.room_type_id) for p in proposed] == [("A", 1), ("B", None)]


@given(
    st.lists(st.sampled_from(["DLX", "STE", "FAM", "STD", "Suite", "1001"]), unique=True, max_size=5),
    st.lists(st.sampled_from(["Deluxe", "Suite", "Family", "Standard", "Deluxe King"]), min_size=0, max_size=5),
)
def test_every_ota_item_gets_one_proposal_and_no_room_type_is_suggested_twice(
    ota_rooms: list[str], our_names: list[str]
) -> None:
    hotel = DiscoveredHotel("h", "", tuple(DiscoveredRoom(room, room, PLANS) for room in ota_rooms))
    ours = [LocalRoomType(i + 1, f"C{i}", name) for i, name in enumerate(our_names)]
    proposed = propose_mappings(hotel, ours, [])
    rooms = [p for p in proposed if p.kind is ProposalKind.ROOM_TYPE]
    assert [p.ota_room_id for p in rooms] == ota_rooms
    assert len([p for p in proposed if p.kind is ProposalKind.RATE_PLAN]) == 2 * len(ota_rooms)
    suggested = [p.room_type_id for p in rooms if p.room_type_id is not None]
    assert len(suggested) == len(set(suggested))
    assert all((p.match_reason is None) == (p.room_type_id is None) for p in rooms)
    assert all(isinstance(p.match_reason, MatchReason) for p in rooms if p.match_reason)


def test_the_mapping_index_resolves_both_ways() -> None:
    index = MappingIndex(
        connection_id=7,
        room_types_by_ota_room={"DLX": 1, "STE": 2},
        rate_plans_by_ota_rate={("DLX", "BAR"): (1, 10), ("STE", "BAR"): (2, 20)},
    )
    assert (index.room_type_for("STE"), index.room_type_for("NOPE")) == (2, None)
    assert (index.rate_plan_for("DLX", "BAR"), index.rate_plan_for("DLX", "NRF")) == (10, None)
    assert (index.ota_room_for(1), index.ota_room_for(3)) == ("DLX", None)
    assert (index.ota_rate_for(20), index.ota_rate_for(99)) == (("STE", "BAR"), None)
    assert not index.empty and MappingIndex(connection_id=8).empty
