"""Discovery imported as proposals and staff deciding on them, on the in-memory unit of work:
the inactive connection created on import, suggestions by code and name, refresh keeping
decisions, accepting through the mapping rules, rejecting, and accept-all leaving the rest open."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import Conflict, InvalidInput, NotFound
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_results import ErrorKind, SyncError
from chalicelib.services import ota_proposal_service as service
from chalicelib.services.ota_proposal_service import ImportResult
from tests.unit.fakes import FIXED_NOW, FakeStore
from tests.unit.services.conftest import make_caller
from tests.unit.services.ota_support import (
    RecordingDiscovery,
    add_account,
    add_connection,
    add_property,
    add_rate_plan,
    add_room_type,
    fields_of,
    hotel,
)

VN = make_caller(country="VN")
DLX, SUI, STD = 10, 11, 12
DLX_BAR, DLX_NRF, SUI_FLEX = 20, 21, 22
# The OTA: DLX (BAR, NRF) and STE "Riverside Suite" (BAR "Best Available Rate", NRF).
OTA_HOTEL = hotel(
    "H1",
    {"DLX": ["BAR", "NRF"], "STE": ["BAR", "NRF"]},
    names={"DLX": "Deluxe Double", "STE": "Riverside Suite", "BAR": "Best Available Rate", "NRF": "Non refundable"},
)


@pytest.fixture
def seeded(store: FakeStore) -> FakeStore:
    add_property(store, 1)
    add_account(store, 5)
    add_room_type(store, DLX, 1, "DLX", "Deluxe Double")
    add_room_type(store, SUI, 1, "SUI", "Riverside Suite")
    add_room_type(store, STD, 1, "STD", "Standard Twin")
    add_rate_plan(store, DLX_BAR, DLX, "BAR", "Flexible")
    add_rate_plan(store, DLX_NRF, DLX, "NRF", "Non refundable")
    add_rate_plan(store, SUI_FLEX, SUI, "FLEX", "Best Available Rate")
    return store


def _import(store: FakeStore, discover: RecordingDiscovery | None = None, **kw: object) -> ImportResult:
    return service.import_discovery(
        VN,
        5,
        property_id=kw.pop("property_id", 1),  # type: ignore[arg-type]
        ota_hotel_id=kw.pop("ota_hotel_id", "H1"),  # type: ignore[arg-type]
        uow=store.unit_of_work,
        discover=discover or RecordingDiscovery(hotels=(OTA_HOTEL,)),
        now=lambda: FIXED_NOW,
    )


def _by_item(result: ImportResult) -> dict[tuple[str, str | None], int]:
    return {(p.ota_room_id, p.ota_rate_plan_id): p.id for p in result.proposals}


def test_an_import_creates_an_inactive_connection_and_proposes_by_code_and_name(seeded: FakeStore) -> None:
    result = _import(seeded)
    assert result.connection_created is True and result.already_mapped == 0
    assert (result.connection.is_active, result.connection.next_poll_at, result.connection.ota_hotel_id) == (
        False,
        None,
        "H1",
    )
    suggested = {
        (p.ota_room_id, p.ota_rate_plan_id): (p.room_type_id, p.rate_plan_id, p.match_reason) for p in result.proposals
    }
    assert suggested == {
        ("DLX", None): (DLX, None, "code"),
        ("STE", None): (SUI, None, "name"),
        ("DLX", "BAR"): (DLX, DLX_BAR, "code"),
        ("DLX", "NRF"): (DLX, DLX_NRF, "code"),
        ("STE", "BAR"): (SUI, SUI_FLEX, "name"),
        ("STE", "NRF"): (SUI, None, None),
    }
    assert {p.status for p in result.proposals} == {"proposed"}
    assert seeded.audit_actions() == ["ota_connection.created", "ota_connection.discovery_imported"]


@pytest.mark.parametrize(
    ("kind", "error"),
    [(ErrorKind.AUTHENTICATION, Conflict), (ErrorKind.REJECTED, InvalidInput)],
)
def test_an_import_the_ota_does_not_confirm_writes_nothing(
    seeded: FakeStore, kind: ErrorKind, error: type[Exception]
) -> None:
    failure = SyncError(ota=OtaCode.AGODA, kind=kind, message="refused")
    with pytest.raises(error):
        _import(seeded, RecordingDiscovery(errors=(failure,)))
    assert seeded.ota.connections == {} and seeded.ota.proposals == {} and seeded.audit == []


def test_an_import_for_a_property_outside_the_scope_names_property_id_and_asks_no_ota(seeded: FakeStore) -> None:
    add_property(seeded, 2, "ID")
    discover = RecordingDiscovery(hotels=(OTA_HOTEL,))
    with pytest.raises(InvalidInput) as refused:
        _import(seeded, discover, property_id=2)
    assert fields_of(refused.value.details) == ["property_id"] and discover.calls == []


def test_an_import_through_another_countrys_account_is_not_found(seeded: FakeStore) -> None:
    add_account(seeded, 6, country="ID")
    with pytest.raises(NotFound):
        service.import_discovery(VN, 6, property_id=1, ota_hotel_id="H1", uow=seeded.unit_of_work)


def test_an_import_of_another_hotel_for_a_connected_property_is_a_conflict(seeded: FakeStore) -> None:
    add_connection(seeded, seeded.ota.properties[1], seeded.ota.accounts[5], "H0")
    with pytest.raises(Conflict) as refused:
        _import(seeded)
    assert fields_of(refused.value.details) == ["ota_hotel_id"] and seeded.ota.proposals == {}


def _accept(store: FakeStore, proposal_id: int, **choice: int) -> service.AcceptedProposal:
    return service.accept_proposal(VN, proposal_id, uow=store.unit_of_work, now=lambda: FIXED_NOW, **choice)  # type: ignore[arg-type]


def test_a_rate_plan_proposal_waits_for_its_room(seeded: FakeStore) -> None:
    proposals = _by_item(_import(seeded))
    with pytest.raises(InvalidInput) as refused:
        _accept(seeded, proposals[("DLX", "BAR")])
    assert fields_of(refused.value.details) == ["rate_plan_id"]
    assert seeded.ota.proposals[proposals[("DLX", "BAR")]].status == "proposed"


def test_accepting_a_room_proposal_maps_it_once_and_is_audited(seeded: FakeStore) -> None:
    proposals = _by_item(_import(seeded))
    accepted = _accept(seeded, proposals[("DLX", None)])
    assert accepted.room_type_mapping is not None and accepted.room_type_mapping.ota_room_id == "DLX"
    assert (accepted.proposal.status, accepted.proposal.decided_by_user_id, accepted.proposal.decided_at) == (
        "accepted",
        7,
        FIXED_NOW,
    )
    assert seeded.audit_actions()[-2:] == ["room_type_mapping.created", "mapping_proposal.accepted"]
    with pytest.raises(Conflict):
        _accept(seeded, proposals[("DLX", None)])


def test_a_proposal_may_be_accepted_with_another_choice(seeded: FakeStore) -> None:
    proposals = _by_item(_import(seeded))
    chosen = _accept(seeded, proposals[("STE", None)], room_type_id=STD)
    assert chosen.room_type_mapping is not None and chosen.room_type_mapping.room_type_code == "STD"
    assert chosen.proposal.room_type_id == STD


def test_a_proposal_without_a_suggestion_needs_a_choice(seeded: FakeStore) -> None:
    proposals = _by_item(_import(seeded))
    _accept(seeded, proposals[("STE", None)])
    with pytest.raises(InvalidInput) as refused:
        _accept(seeded, proposals[("STE", "NRF")])
    assert fields_of(refused.value.details) == ["rate_plan_id"]
    assert "required" in refused.value.details[0]["message"]


def test_a_rejected_proposal_cannot_be_rejected_again_but_may_be_accepted(seeded: FakeStore) -> None:
    proposals = _by_item(_import(seeded))
    rejected = service.reject_proposal(VN, proposals[("DLX", None)], uow=seeded.unit_of_work)
    assert (rejected.status, rejected.decided_by_user_id) == ("rejected", 7)
    assert seeded.audit[-1].action == "mapping_proposal.rejected"
    with pytest.raises(Conflict):
        service.reject_proposal(VN, proposals[("DLX", None)], uow=seeded.unit_of_work)
    assert _accept(seeded, proposals[("DLX", None)]).proposal.status == "accepted"


def test_accept_all_takes_rooms_first_and_leaves_what_cannot_be_accepted_open(seeded: FakeStore) -> None:
    result = _import(seeded)
    accepted = service.accept_all_proposals(VN, result.connection.id, uow=seeded.unit_of_work)
    assert [(a.proposal.ota_room_id, a.proposal.ota_rate_plan_id) for a in accepted] == [
        ("DLX", None),
        ("STE", None),
        ("DLX", "BAR"),
        ("DLX", "NRF"),
        ("STE", "BAR"),
    ]
    still_open, total = service.list_proposals(
        VN, result.connection.id, status="proposed", offset=0, limit=50, uow=seeded.unit_of_work
    )
    assert [(p.ota_room_id, p.ota_rate_plan_id) for p in still_open] == [("STE", "NRF")] and total == 1


def test_accept_all_skips_a_proposal_that_collides_and_keeps_nothing_of_it(seeded: FakeStore) -> None:
    result = _import(seeded)
    proposals = _by_item(result)
    _accept(seeded, proposals[("STE", None)], room_type_id=DLX)  # DLX now maps to the OTA's STE
    accepted = service.accept_all_proposals(VN, result.connection.id, uow=seeded.unit_of_work)
    assert ("DLX", None) not in {(a.proposal.ota_room_id, a.proposal.ota_rate_plan_id) for a in accepted}
    assert seeded.ota.proposals[proposals[("DLX", None)]].status == "proposed"
    assert sorted(m.ota_room_id for m in seeded.ota.room_mappings.values()) == ["STE"]


def test_importing_again_proposes_nothing_mapped_and_keeps_decisions(seeded: FakeStore) -> None:
    first = _import(seeded)
    proposals = _by_item(first)
    service.accept_all_proposals(VN, first.connection.id, uow=seeded.unit_of_work)
    service.reject_proposal(VN, proposals[("STE", "NRF")], uow=seeded.unit_of_work)
    again = _import(seeded)
    assert again.connection_created is False and again.already_mapped == 5
    assert [(p.ota_room_id, p.ota_rate_plan_id, p.status) for p in again.proposals] == [("STE", "NRF", "rejected")]
    accepted, total = service.list_proposals(
        VN, first.connection.id, status="accepted", offset=0, limit=50, uow=seeded.unit_of_work
    )
    assert total == 5 and [p.ota_room_id for p in accepted][:2] == ["DLX", "DLX"]


def test_proposals_of_another_countrys_connection_are_not_found(seeded: FakeStore) -> None:
    proposals = _by_item(_import(seeded))
    indonesia = make_caller(country="ID")
    with pytest.raises(NotFound):
        service.get_proposal(indonesia, proposals[("DLX", None)], uow=seeded.unit_of_work)
    with pytest.raises(NotFound):
        service.accept_proposal(indonesia, proposals[("DLX", None)], uow=seeded.unit_of_work)
    assert seeded.ota.proposals[proposals[("DLX", None)]].status == "proposed"
