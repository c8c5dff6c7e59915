"""Room type and rate plan mappings on the in-memory unit of work: our side's rules, uniqueness
both ways, rate plans under their room type's OTA room, moves and deletions that carry the rate
plans along, verification against what the OTA reports, and the mapping check."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import Conflict, DependencyUnavailable, InvalidInput, NotFound
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_results import ErrorKind, SyncError
from chalicelib.services import ota_mapping_service as service
from tests.unit.fakes import FakeStore
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
# Our property 1: room types DLX (10, plans BAR 20 / NRF 21) and STD (11); property 2 elsewhere.
DLX, STD, OTHER_DLX = 10, 11, 12
BAR, NRF, OTHER_BAR = 20, 21, 22
OTA_HOTEL = hotel("H1", {"DLX": ["BAR", "NRF"], "STE": ["BAR"]})


@pytest.fixture
def connection(store: FakeStore) -> int:
    home, other = add_property(store, 1), add_property(store, 2)
    add_room_type(store, DLX, home.id, "DLX")
    add_room_type(store, STD, home.id, "STD")
    add_room_type(store, OTHER_DLX, other.id, "DLX")
    add_rate_plan(store, BAR, DLX, "BAR")
    add_rate_plan(store, NRF, DLX, "NRF")
    add_rate_plan(store, OTHER_BAR, OTHER_DLX, "BAR")
    return add_connection(store, home, add_account(store, 5, ota="booking_com"), "H1").id


def _map_room(store: FakeStore, connection: int, room_type_id: int, ota_room_id: str, **kw: object) -> object:
    return service.create_room_type_mapping(
        VN,
        connection,
        room_type_id=room_type_id,
        ota_room_id=ota_room_id,
        uow=store.unit_of_work,
        **kw,  # type: ignore[arg-type]
    )


def _map_rate(store: FakeStore, connection: int, rate_plan_id: int, ota_rate_plan_id: str, **kw: object) -> object:
    return service.create_rate_plan_mapping(
        VN,
        connection,
        rate_plan_id=rate_plan_id,
        ota_rate_plan_id=ota_rate_plan_id,
        uow=store.unit_of_work,
        **kw,  # type: ignore[arg-type]
    )


def test_a_room_type_is_mapped_and_audited(store: FakeStore, connection: int) -> None:
    mapping = _map_room(store, connection, DLX, "DLX")
    assert (mapping.room_type_code, mapping.ota_room_id, mapping.connection_id) == ("DLX", "DLX", connection)  # type: ignore[attr-defined]
    [entry] = store.audit
    assert (entry.action, entry.country_code, entry.before) == ("room_type_mapping.created", "VN", None)
    assert entry.after == {"connection_id": connection, "room_type_id": DLX, "ota_room_id": "DLX"}


def test_a_room_type_of_another_property_is_refused_naming_room_type_id(store: FakeStore, connection: int) -> None:
    with pytest.raises(InvalidInput) as refused:
        _map_room(store, connection, OTHER_DLX, "DLX")
    assert fields_of(refused.value.details) == ["room_type_id"] and store.ota.room_mappings == {}


def test_a_room_type_maps_to_one_ota_room(store: FakeStore, connection: int) -> None:
    _map_room(store, connection, DLX, "DLX")
    with pytest.raises(Conflict) as refused:
        _map_room(store, connection, DLX, "X2")
    assert fields_of(refused.value.details) == ["room_type_id"]
    assert len(store.ota.room_mappings) == 1 and store.audit_actions() == ["room_type_mapping.created"]


def test_an_ota_room_maps_to_one_room_type(store: FakeStore, connection: int) -> None:
    _map_room(store, connection, DLX, "DLX")
    with pytest.raises(Conflict) as refused:
        _map_room(store, connection, STD, "DLX")
    assert fields_of(refused.value.details) == ["ota_room_id"]


def test_a_rate_plan_needs_its_room_type_mapped_first(store: FakeStore, connection: int) -> None:
    with pytest.raises(InvalidInput) as refused:
        _map_rate(store, connection, BAR, "BAR")
    assert fields_of(refused.value.details) == ["rate_plan_id"]
    assert "Map room type DLX" in refused.value.message and store.ota.rate_mappings == {}


def test_a_rate_plan_is_mapped_under_its_room_types_ota_room(store: FakeStore, connection: int) -> None:
    _map_room(store, connection, DLX, "DLX")
    mapping = _map_rate(store, connection, BAR, "BAR")
    assert (mapping.ota_room_id, mapping.room_type_id, mapping.rate_plan_code) == ("DLX", DLX, "BAR")  # type: ignore[attr-defined]
    assert store.audit_actions()[-1] == "rate_plan_mapping.created"


def test_a_rate_plan_under_another_ota_room_is_refused_naming_ota_room_id(store: FakeStore, connection: int) -> None:
    _map_room(store, connection, DLX, "DLX")
    with pytest.raises(InvalidInput) as refused:
        _map_rate(store, connection, BAR, "BAR", ota_room_id="STE")
    assert fields_of(refused.value.details) == ["ota_room_id"] and store.ota.rate_mappings == {}


def test_an_ota_rate_plan_of_a_room_maps_to_one_of_our_rate_plans(store: FakeStore, connection: int) -> None:
    _map_room(store, connection, DLX, "DLX")
    _map_rate(store, connection, BAR, "BAR")
    with pytest.raises(Conflict) as refused:
        _map_rate(store, connection, NRF, "BAR")
    assert fields_of(refused.value.details) == ["ota_rate_plan_id"]
    with pytest.raises(Conflict) as twice:
        _map_rate(store, connection, BAR, "NRF")
    assert fields_of(twice.value.details) == ["rate_plan_id"]


def test_a_rate_plan_of_another_property_is_refused_naming_rate_plan_id(store: FakeStore, connection: int) -> None:
    with pytest.raises(InvalidInput) as refused:
        _map_rate(store, connection, OTHER_BAR, "X")
    assert fields_of(refused.value.details) == ["rate_plan_id"]


def test_moving_a_room_type_moves_its_rate_plans_and_is_audited(store: FakeStore, connection: int) -> None:
    room = _map_room(store, connection, DLX, "DLX")
    rate = _map_rate(store, connection, BAR, "BAR")
    moved = service.update_room_type_mapping(VN, room.id, ota_room_id="DLX2", uow=store.unit_of_work)  # type: ignore[attr-defined]
    assert moved.ota_room_id == "DLX2"
    assert service.get_rate_plan_mapping(VN, rate.id, uow=store.unit_of_work).ota_room_id == "DLX2"  # type: ignore[attr-defined]
    entry = store.audit[-1]
    assert entry.action == "room_type_mapping.updated"
    assert (entry.before["ota_room_id"], entry.after["ota_room_id"]) == ("DLX", "DLX2")  # type: ignore[index]


def test_moving_to_the_same_ota_room_changes_and_audits_nothing(store: FakeStore, connection: int) -> None:
    room = _map_room(store, connection, DLX, "DLX")
    service.update_room_type_mapping(VN, room.id, ota_room_id="DLX", uow=store.unit_of_work)  # type: ignore[attr-defined]
    assert store.audit_actions() == ["room_type_mapping.created"]


def test_moving_onto_a_mapped_ota_room_is_a_conflict(store: FakeStore, connection: int) -> None:
    _map_room(store, connection, DLX, "DLX")
    std = _map_room(store, connection, STD, "STD")
    with pytest.raises(Conflict) as refused:
        service.update_room_type_mapping(VN, std.id, ota_room_id="DLX", uow=store.unit_of_work)  # type: ignore[attr-defined]
    assert fields_of(refused.value.details) == ["ota_room_id"]
    assert store.ota.room_mappings[std.id].ota_room_id == "STD"  # type: ignore[attr-defined]


def test_unmapping_a_room_type_removes_its_rate_plan_mappings(store: FakeStore, connection: int) -> None:
    room = _map_room(store, connection, DLX, "DLX")
    rate = _map_rate(store, connection, BAR, "BAR")
    service.delete_room_type_mapping(VN, room.id, uow=store.unit_of_work)  # type: ignore[attr-defined]
    with pytest.raises(NotFound):
        service.get_rate_plan_mapping(VN, rate.id, uow=store.unit_of_work)  # type: ignore[attr-defined]
    _, total = service.list_rate_plan_mappings(VN, connection, offset=0, limit=50, uow=store.unit_of_work)
    assert total == 0
    entry = store.audit[-1]
    assert (entry.action, entry.after) == ("room_type_mapping.deleted", None)


def test_a_rate_plan_mapping_is_moved_within_its_ota_room_and_deleted(store: FakeStore, connection: int) -> None:
    _map_room(store, connection, DLX, "DLX")
    rate = _map_rate(store, connection, BAR, "WKND")
    moved = service.update_rate_plan_mapping(VN, rate.id, ota_rate_plan_id="BAR", uow=store.unit_of_work)  # type: ignore[attr-defined]
    assert (moved.ota_room_id, moved.ota_rate_plan_id) == ("DLX", "BAR")
    service.delete_rate_plan_mapping(VN, rate.id, uow=store.unit_of_work)  # type: ignore[attr-defined]
    assert store.ota.rate_mappings == {}
    assert store.audit_actions()[-2:] == ["rate_plan_mapping.updated", "rate_plan_mapping.deleted"]


def test_moving_a_rate_plan_onto_a_mapped_ota_rate_plan_is_a_conflict(store: FakeStore, connection: int) -> None:
    _map_room(store, connection, DLX, "DLX")
    _map_rate(store, connection, BAR, "BAR")
    nrf = _map_rate(store, connection, NRF, "NRF")
    with pytest.raises(Conflict) as refused:
        service.update_rate_plan_mapping(VN, nrf.id, ota_rate_plan_id="BAR", uow=store.unit_of_work)  # type: ignore[attr-defined]
    assert fields_of(refused.value.details) == ["ota_rate_plan_id"]


def test_mappings_of_another_countrys_connection_are_not_found(store: FakeStore, connection: int) -> None:
    room = _map_room(store, connection, DLX, "DLX")
    indonesia = make_caller(country="ID")
    with pytest.raises(NotFound):
        service.get_room_type_mapping(indonesia, room.id, uow=store.unit_of_work)  # type: ignore[attr-defined]
    with pytest.raises(NotFound):
        service.delete_room_type_mapping(indonesia, room.id, uow=store.unit_of_work)  # type: ignore[attr-defined]
    with pytest.raises(NotFound):
        service.list_room_type_mappings(indonesia, connection, offset=0, limit=50, uow=store.unit_of_work)
    assert len(store.ota.room_mappings) == 1


def test_mapping_lists_are_paginated_in_id_order(store: FakeStore, connection: int) -> None:
    first = _map_room(store, connection, DLX, "DLX")
    second = _map_room(store, connection, STD, "STD")
    page, total = service.list_room_type_mappings(VN, connection, offset=1, limit=1, uow=store.unit_of_work)
    assert ([m.id for m in page], total) == ([second.id], 2)  # type: ignore[attr-defined]
    assert first.id < second.id  # type: ignore[attr-defined]


def test_verifying_a_room_with_the_ota_refuses_an_unknown_one_listing_what_it_has(
    store: FakeStore, connection: int
) -> None:
    discover = RecordingDiscovery(hotels=(OTA_HOTEL,))
    with pytest.raises(InvalidInput) as refused:
        _map_room(store, connection, DLX, "PENT", verify_with_ota=True, discover=discover)
    assert fields_of(refused.value.details) == ["ota_room_id"]
    assert "reports no room 'PENT'" in refused.value.message and "DLX, STE" in refused.value.message
    assert discover.calls == [(5, OtaCode.BOOKING_COM, ["H1"])] and store.ota.room_mappings == {}


def test_our_side_is_checked_before_asking_the_ota(store: FakeStore, connection: int) -> None:
    discover = RecordingDiscovery(hotels=(OTA_HOTEL,))
    with pytest.raises(InvalidInput):
        _map_room(store, connection, OTHER_DLX, "DLX", verify_with_ota=True, discover=discover)
    assert discover.calls == []


def test_verifying_a_rate_plan_refuses_one_the_ota_room_does_not_have(store: FakeStore, connection: int) -> None:
    discover = RecordingDiscovery(hotels=(OTA_HOTEL,))
    _map_room(store, connection, DLX, "DLX", verify_with_ota=True, discover=discover)
    with pytest.raises(InvalidInput) as refused:
        _map_rate(store, connection, BAR, "WKND", verify_with_ota=True, discover=discover)
    assert fields_of(refused.value.details) == ["ota_rate_plan_id"] and store.ota.rate_mappings == {}
    assert _map_rate(store, connection, BAR, "BAR", verify_with_ota=True, discover=discover) is not None


def test_a_rate_plan_without_a_room_mapping_is_refused_without_asking_the_ota(
    store: FakeStore, connection: int
) -> None:
    discover = RecordingDiscovery(hotels=(OTA_HOTEL,))
    with pytest.raises(InvalidInput):
        _map_rate(store, connection, BAR, "BAR", verify_with_ota=True, discover=discover)
    assert discover.calls == []


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        (ErrorKind.AUTHENTICATION, Conflict),
        (ErrorKind.UNAVAILABLE, DependencyUnavailable),
        (ErrorKind.REJECTED, InvalidInput),
    ],
)
def test_an_ota_that_does_not_report_the_hotel_answers_by_the_kind_of_failure(
    store: FakeStore, connection: int, kind: ErrorKind, error: type[Exception]
) -> None:
    failure = SyncError(ota=OtaCode.BOOKING_COM, kind=kind, message="no")
    with pytest.raises(error):
        _map_room(store, connection, DLX, "DLX", verify_with_ota=True, discover=RecordingDiscovery(errors=(failure,)))
    assert store.ota.room_mappings == {}


def test_the_check_names_mappings_the_ota_does_not_know_and_ota_items_nothing_maps(
    store: FakeStore, connection: int
) -> None:
    _map_room(store, connection, DLX, "DLX")
    unknown = _map_rate(store, connection, BAR, "WKND")
    check = service.verify_mappings(
        VN, connection, uow=store.unit_of_work, discover=RecordingDiscovery(hotels=(OTA_HOTEL,))
    )
    assert check.ok is False and (check.checked_room_types, check.checked_rate_plans) == (1, 1)
    assert [(p.mapping_id, p.ota_rate_plan_id) for p in check.problems] == [(unknown.id, "WKND")]  # type: ignore[attr-defined]
    assert [(u.ota_room_id, u.ota_rate_plan_id) for u in check.unmapped] == [
        ("STE", None),
        ("DLX", "BAR"),
        ("DLX", "NRF"),
        ("STE", "BAR"),
    ]


def test_the_check_says_why_when_the_ota_cannot_be_asked(store: FakeStore, connection: int) -> None:
    failure = SyncError(ota=OtaCode.BOOKING_COM, kind=ErrorKind.TIMEOUT, message="timed out")
    check = service.verify_mappings(
        VN, connection, uow=store.unit_of_work, discover=RecordingDiscovery(errors=(failure,))
    )
    assert (check.ok, check.error, check.checked_room_types) == (False, "timed out", 0)


def test_the_sync_engines_index_resolves_both_ways(store: FakeStore, connection: int) -> None:
    _map_room(store, connection, DLX, "DLX")
    _map_rate(store, connection, NRF, "NRF")
    index = service.mapping_index(connection, uow=store.unit_of_work)
    assert index.room_type_for("DLX") == DLX and index.rate_plan_for("DLX", "NRF") == NRF
    assert index.ota_rate_for(NRF) == ("DLX", "NRF") and index.ota_room_for(STD) is None
