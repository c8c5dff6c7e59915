"""Connection CRUD on the in-memory unit of work: what may be connected, scoping, scheduling on
(de)activation, verification with the OTA before any write, audit with before/after."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain.errors import Conflict, InvalidInput, NotFound
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_connections import ConnectionFilters
from chalicelib.domain.ota_results import ErrorKind, SyncError
from chalicelib.services import ota_connection_service as service
from chalicelib.services.ota_connection_service import NewConnection
from tests.unit.fakes import FIXED_NOW, FakeStore
from tests.unit.fakes_ota import FakeOtaMappingRepository
from tests.unit.services.conftest import make_caller
from tests.unit.services.ota_support import (
    RecordingDiscovery,
    add_account,
    add_connection,
    add_property,
    add_room_type,
    fields_of,
    hotel,
)

VN = make_caller(country="VN")
LATER = FIXED_NOW + timedelta(minutes=3)


def _create(store: FakeStore, new: NewConnection, discover: RecordingDiscovery | None = None) -> object:
    return service.create_connection(
        VN, new, uow=store.unit_of_work, discover=discover or RecordingDiscovery(), now=lambda: LATER
    )


def test_an_active_connection_is_created_due_at_once_and_audited(store: FakeStore) -> None:
    add_property(store, 1)
    add_account(store, 2)
    created = service.create_connection(
        VN, NewConnection(1, 2, "10730279", poll_interval_seconds=60), uow=store.unit_of_work, now=lambda: LATER
    )
    assert (created.is_active, created.next_poll_at, created.health, created.consecutive_failures) == (
        True,
        LATER,
        "ok",
        0,
    )
    assert (created.ota, created.country_code, created.poll_interval_seconds) == ("agoda", "VN", 60)
    [entry] = store.audit
    assert (entry.action, entry.entity_id, entry.country_code, entry.before) == (
        "ota_connection.created",
        str(created.id),
        "VN",
        None,
    )
    assert entry.after == {
        "property_id": 1,
        "ota_account_id": 2,
        "ota_hotel_id": "10730279",
        "is_active": True,
        "poll_interval_seconds": 60,
    }


def test_an_inactive_connection_is_not_scheduled(store: FakeStore) -> None:
    add_property(store, 1)
    add_account(store, 2)
    created = service.create_connection(VN, NewConnection(1, 2, "H", is_active=False), uow=store.unit_of_work)
    assert created.next_poll_at is None


@pytest.mark.parametrize(
    ("property_country", "property_status", "account_country", "field"),
    [
        ("ID", "active", "VN", "property_id"),  # another country's property
        ("VN", "archived", "VN", "property_id"),
        ("VN", "active", "ID", "ota_account_id"),  # another country's account
    ],
)
def test_a_property_or_account_the_caller_cannot_use_is_refused_by_attribute_and_nothing_is_written(
    store: FakeStore, property_country: str, property_status: str, account_country: str, field: str
) -> None:
    add_property(store, 1, property_country, status=property_status)
    add_account(store, 2, country=account_country)
    with pytest.raises(InvalidInput) as refused:
        _create(store, NewConnection(1, 2, "H1"))
    assert fields_of(refused.value.details) == [field]
    assert store.ota.connections == {} and store.audit == []


def test_an_unknown_property_is_refused_naming_property_id(store: FakeStore) -> None:
    add_account(store, 2)
    with pytest.raises(InvalidInput) as refused:
        _create(store, NewConnection(99, 2, "H1"))
    assert fields_of(refused.value.details) == ["property_id"]


def test_an_ota_hotel_is_connected_once_per_account(store: FakeStore) -> None:
    account = add_account(store, 2)
    add_connection(store, add_property(store, 1), account, "10730279")
    add_property(store, 3)
    with pytest.raises(Conflict) as refused:
        _create(store, NewConnection(3, 2, "10730279"))
    assert fields_of(refused.value.details) == ["ota_hotel_id"]
    assert len(store.ota.connections) == 1


def test_a_property_is_listed_once_per_ota_whichever_account(store: FakeStore) -> None:
    hotel_ = add_property(store, 1)
    add_connection(store, hotel_, add_account(store, 2, name="first agoda"), "H1")
    add_account(store, 3, name="second agoda")
    with pytest.raises(Conflict) as refused:
        _create(store, NewConnection(1, 3, "555"))
    assert fields_of(refused.value.details) == ["property_id"]
    assert "first agoda" in refused.value.message


def test_the_same_property_may_be_connected_to_another_ota(store: FakeStore) -> None:
    hotel_ = add_property(store, 1)
    add_connection(store, hotel_, add_account(store, 2, ota="agoda"), "H1")
    add_account(store, 3, ota="expedia")
    assert _create(store, NewConnection(1, 3, "H1")) is not None
    assert len(store.ota.connections) == 2


def test_verification_asks_the_ota_before_writing_and_refuses_an_unknown_hotel(store: FakeStore) -> None:
    add_property(store, 1)
    add_account(store, 2, ota="expedia")
    discover = RecordingDiscovery(hotels=(hotel("111", {}),))
    with pytest.raises(InvalidInput) as refused:
        _create(store, NewConnection(1, 2, "999999", verify_with_ota=True), discover)
    assert fields_of(refused.value.details) == ["ota_hotel_id"]
    assert discover.calls == [(2, OtaCode.EXPEDIA, ["999999"])]
    assert store.ota.connections == {}


def test_a_verified_hotel_is_connected(store: FakeStore) -> None:
    add_property(store, 1)
    add_account(store, 2)
    discover = RecordingDiscovery(hotels=(hotel("111", {}),))
    created = _create(store, NewConnection(1, 2, "111", verify_with_ota=True), discover)
    assert created is not None and len(discover.calls) == 1


def test_verification_failing_at_the_ota_says_why_in_the_message(store: FakeStore) -> None:
    add_property(store, 1)
    add_account(store, 2)
    error = SyncError(ota=OtaCode.AGODA, kind=ErrorKind.AUTHENTICATION, message="bad api key")
    with pytest.raises(InvalidInput) as refused:
        _create(store, NewConnection(1, 2, "111", verify_with_ota=True), RecordingDiscovery(errors=(error,)))
    assert refused.value.details == [{"field": "ota_hotel_id", "message": "bad api key"}]


def test_no_ota_call_without_verification(store: FakeStore) -> None:
    add_property(store, 1)
    add_account(store, 2)
    discover = RecordingDiscovery()
    _create(store, NewConnection(1, 2, "111"), discover)
    assert discover.calls == []


def _connected(store: FakeStore, country: str = "VN", *, is_active: bool = True) -> int:
    return add_connection(store, add_property(store, 1, country), add_account(store, 2), "H1", is_active=is_active).id


def _update(store: FakeStore, connection_id: int, **changes: object) -> object:
    return service.update_connection(
        VN, connection_id, changes, uow=store.unit_of_work, discover=RecordingDiscovery(), now=lambda: LATER
    )


def test_deactivating_takes_the_connection_off_the_schedule_and_is_audited(store: FakeStore) -> None:
    connection = _connected(store)
    off = _update(store, connection, is_active=False)
    assert (off.is_active, off.next_poll_at) == (False, None)  # type: ignore[attr-defined]
    [entry] = store.audit
    assert entry.action == "ota_connection.updated"
    assert (entry.before["is_active"], entry.after["is_active"]) == (True, False)  # type: ignore[index]


def test_activating_or_a_new_interval_makes_the_connection_due_at_once(store: FakeStore) -> None:
    connection = _connected(store, is_active=False)
    on = _update(store, connection, is_active=True, poll_interval_seconds=45)
    assert (on.next_poll_at, on.poll_interval_seconds) == (LATER, 45)  # type: ignore[attr-defined]
    cleared = _update(store, connection, poll_interval_seconds=None)
    assert cleared.poll_interval_seconds is None  # type: ignore[attr-defined]


def test_an_update_that_changes_nothing_writes_and_audits_nothing(store: FakeStore) -> None:
    connection = _connected(store)
    before = store.ota.connections[connection]
    same = _update(store, connection, is_active=True, ota_hotel_id="H1")
    assert same == before and store.audit == []


def test_a_new_hotel_id_taken_through_the_account_is_a_conflict(store: FakeStore) -> None:
    account = add_account(store, 2)
    add_connection(store, add_property(store, 1), account, "H1")
    other = add_connection(store, add_property(store, 3), account, "H3")
    with pytest.raises(Conflict) as refused:
        _update(store, other.id, ota_hotel_id="H1")
    assert fields_of(refused.value.details) == ["ota_hotel_id"]
    assert store.ota.connections[other.id].ota_hotel_id == "H3" and store.audit == []


def test_verifying_a_new_hotel_id_asks_the_ota_first(store: FakeStore) -> None:
    connection = _connected(store)
    discover = RecordingDiscovery()
    with pytest.raises(InvalidInput):
        service.update_connection(
            VN, connection, {"ota_hotel_id": "H9", "verify_with_ota": True}, uow=store.unit_of_work, discover=discover
        )
    assert [call[2] for call in discover.calls] == [["H9"]]
    assert store.ota.connections[connection].ota_hotel_id == "H1"


def test_another_countrys_connection_is_not_found_for_reading_changing_or_deleting(store: FakeStore) -> None:
    connection = _connected(store, "ID")
    with pytest.raises(NotFound):
        service.get_connection(VN, connection, uow=store.unit_of_work)
    with pytest.raises(NotFound):
        _update(store, connection, is_active=False)
    with pytest.raises(NotFound):
        service.delete_connection(VN, connection, uow=store.unit_of_work)
    assert connection in store.ota.connections and store.audit == []


def test_lists_show_only_the_callers_countries_and_filter(store: FakeStore) -> None:
    account = add_account(store, 2)
    home = add_connection(store, add_property(store, 1, "VN"), account, "A1")
    add_connection(store, add_property(store, 3, "ID"), account, "A2")
    off = add_connection(store, add_property(store, 4, "VN"), account, "A3", is_active=False)
    rows, total = service.list_connections(VN, ConnectionFilters(), offset=0, limit=50, uow=store.unit_of_work)
    assert ([r.id for r in rows], total) == ([home.id, off.id], 2)
    active, _ = service.list_connections(
        VN, ConnectionFilters(ota_code="agoda", is_active=True), offset=0, limit=50, uow=store.unit_of_work
    )
    assert [r.id for r in active] == [home.id]
    none, _ = service.list_connections(
        VN, ConnectionFilters(ota_code="expedia"), offset=0, limit=50, uow=store.unit_of_work
    )
    assert none == []


def test_deleting_a_connection_takes_its_mappings_and_is_audited_with_before(store: FakeStore) -> None:
    connection = _connected(store)
    add_room_type(store, 10, 1, "DLX")
    FakeOtaMappingRepository(store).add_room_mapping(connection, 10, "DLX", conflict_message="x")
    service.delete_connection(VN, connection, uow=store.unit_of_work)
    assert store.ota.connections == {} and store.ota.room_mappings == {}
    [entry] = store.audit
    assert (entry.action, entry.after) == ("ota_connection.deleted", None)
    assert entry.before is not None and entry.before["ota_hotel_id"] == "H1"
