"""The room type service on the in-memory unit of work: CRUD rules, total changes against the calendar
and supplier allocations, buffer re-sync, delete guard, scoping, audit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.domain.allocations import AllocationExceedsTotal
from chalicelib.domain.catalog import AllocationRecord, NewRoomType
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound
from chalicelib.domain.inventory import InventoryCell, TotalBelowCommitted
from chalicelib.services import property_service, room_type_service
from tests.unit.fakes import FakeStore
from tests.unit.services.catalog_builders import add_property, add_room_type
from tests.unit.services.conftest import make_caller

VN_STAFF = make_caller(country="VN")
NOW = datetime(2026, 1, 15, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam
TODAY = date(2026, 1, 15)


def _seed_cells(store: FakeStore, room_type_id: int, total: int, **per_night: dict[str, Any]) -> None:
    """Nights from yesterday to today + 4; ``per_night`` maps "d<offset>" to counters."""
    cells = []
    for offset in range(-1, 5):
        counters = per_night.get(f"d{offset}".replace("-", "m"), {})
        cells.append(InventoryCell(room_type_id, TODAY + timedelta(offset), total=total, **counters))
    store.catalog.cells[room_type_id] = cells


def _update(store: FakeStore, room_type_id: int, **changes: Any) -> room_type_service.RoomTypeRecord:
    return room_type_service.update_room_type(VN_STAFF, room_type_id, changes, now=NOW, uow=store.unit_of_work)


def _allocate(store: FakeStore, room_type_id: int, rooms: int, first: int, last: int, supplier_id: int = 50) -> None:
    allocation_id = store.catalog.new_id()
    store.catalog.allocations[allocation_id] = AllocationRecord(
        allocation_id,
        supplier_id,
        room_type_id,
        1,
        TODAY + timedelta(first),
        TODAY + timedelta(last),
        rooms,
        "",
        store.now,
        store.now,
    )


# --- create ---------------------------------------------------------------------------------------


def test_a_new_room_type_is_audited_and_gets_its_calendar_under_its_lock(store: FakeStore) -> None:
    hotel = add_property(store)
    new = NewRoomType(code="STD", name="Standard", total_rooms=12, base_rate=Decimal(900000))
    created = room_type_service.create_room_type(VN_STAFF, hotel.id, new, now=NOW, uow=store.unit_of_work)
    assert (created.property_id, created.total_rooms, created.is_active) == (hotel.id, 12, True)
    assert created.base_rate == Decimal(900000)
    assert store.catalog.calls("sync_room_type") == [(created.id, TODAY)]
    assert store.catalog.locked == [created.id]
    entry = store.audit[-1]
    assert (entry.action, entry.entity_id, entry.country_code) == ("room_type.created", str(created.id), "VN")
    assert entry.after is not None and entry.after["total_rooms"] == 12


def test_a_room_type_cannot_be_added_to_an_archived_property(store: FakeStore) -> None:
    hotel = add_property(store, status="archived")
    with pytest.raises(Conflict, match="archived"):
        add_room_type(store, hotel.id)
    assert store.catalog.room_types == {} and store.catalog.calendar_calls == []


def test_room_type_codes_are_unique_within_a_property_only(store: FakeStore) -> None:
    first = add_property(store, "HAN-1")
    second = add_property(store, "HAN-2")
    add_room_type(store, first.id, "STD")
    with pytest.raises(Conflict) as refused:
        add_room_type(store, first.id, "STD")
    assert refused.value.details == [{"field": "code", "message": "already used in this property"}]
    assert add_room_type(store, second.id, "STD").property_id == second.id
    assert len(store.catalog.room_types) == 2


def test_a_base_rate_finer_than_the_currency_allows_is_refused_naming_it(store: FakeStore) -> None:
    hotel = add_property(store)  # VND has no minor unit
    with pytest.raises(InvalidInput) as refused:
        add_room_type(store, hotel.id, base_rate=Decimal("9.5"))
    assert refused.value.details[0]["field"] == "base_rate"
    assert store.catalog.room_types == {}


def test_a_negative_base_rate_is_refused(store: FakeStore) -> None:
    hotel = add_property(store)
    with pytest.raises(InvalidInput):
        add_room_type(store, hotel.id, base_rate=Decimal(-1))


def test_room_types_cannot_be_added_to_another_countrys_property(store: FakeStore) -> None:
    hotel = add_property(store, "DPS-1", "ID")
    with pytest.raises(NotFound):
        room_type_service.create_room_type(
            VN_STAFF, hotel.id, NewRoomType("STD", "S", 1), now=NOW, uow=store.unit_of_work
        )


# --- read -----------------------------------------------------------------------------------------


def test_a_propertys_room_types_are_listed_by_code(store: FakeStore) -> None:
    hotel = add_property(store)
    add_room_type(store, hotel.id, "SUP")
    add_room_type(store, hotel.id, "DLX")
    add_room_type(store, add_property(store, "HAN-2").id, "ABC")
    listed = room_type_service.list_room_types(VN_STAFF, hotel.id, uow=store.unit_of_work)
    assert [room_type.code for room_type in listed] == ["DLX", "SUP"]


def test_another_countrys_room_types_are_not_found(store: FakeStore) -> None:
    hotel = add_property(store, "DPS-1", "ID")
    room_type = add_room_type(store, hotel.id)
    with pytest.raises(NotFound):
        room_type_service.list_room_types(VN_STAFF, hotel.id, uow=store.unit_of_work)
    with pytest.raises(NotFound):
        room_type_service.get_room_type(VN_STAFF, room_type.id, uow=store.unit_of_work)
    with pytest.raises(NotFound):
        _update(store, room_type.id, name="mine")
    with pytest.raises(NotFound):
        room_type_service.delete_room_type(VN_STAFF, room_type.id, now=NOW, uow=store.unit_of_work)
    assert store.catalog.room_types[room_type.id] == room_type


# --- update ---------------------------------------------------------------------------------------


def test_a_rename_is_audited_and_leaves_the_calendar_alone(store: FakeStore) -> None:
    room_type = add_room_type(store, add_property(store).id)
    store.catalog.calendar_calls.clear()
    renamed = _update(store, room_type.id, name="Superior")
    assert renamed.name == "Superior" and store.catalog.calendar_calls == []
    entry = store.audit[-1]
    assert entry.action == "room_type.updated" and entry.before is not None and entry.after is not None
    assert (entry.before["name"], entry.after["name"]) == ("Room STD", "Superior")


def test_an_update_changing_nothing_is_not_audited(store: FakeStore) -> None:
    room_type = add_room_type(store, add_property(store).id)
    _update(store, room_type.id, name=room_type.name)
    assert store.audit_actions() == ["property.created", "room_type.created"]


def test_an_update_takes_the_room_types_lock(store: FakeStore) -> None:
    room_type = add_room_type(store, add_property(store).id)
    store.catalog.locked.clear()
    _update(store, room_type.id, name="Locked")
    assert store.catalog.locked == [room_type.id]


def test_a_new_buffer_override_re_syncs_the_calendar(store: FakeStore) -> None:
    room_type = add_room_type(store, add_property(store).id)
    store.catalog.calendar_calls.clear()
    _update(store, room_type.id, buffer_rooms=2)
    assert store.catalog.calls("sync_room_type") == [(room_type.id, TODAY)]


def test_deactivating_keeps_the_calendar_and_reactivating_tops_it_up(store: FakeStore) -> None:
    room_type = add_room_type(store, add_property(store).id)
    store.catalog.calendar_calls.clear()
    _update(store, room_type.id, is_active=False)
    assert store.catalog.calendar_calls == []
    _update(store, room_type.id, is_active=True)
    assert store.catalog.calls("sync_room_type") == [(room_type.id, TODAY)]


def test_a_new_total_rewrites_every_night_from_today_and_keeps_the_past(store: FakeStore) -> None:
    hotel = add_property(store)
    room_type = add_room_type(store, hotel.id, total_rooms=5)
    _seed_cells(store, room_type.id, 5)
    updated = _update(store, room_type.id, total_rooms=8)
    assert updated.total_rooms == 8
    totals = {cell.night: cell.total for cell in store.catalog.cells[room_type.id]}
    assert totals[TODAY - timedelta(1)] == 5
    assert {totals[TODAY + timedelta(offset)] for offset in range(5)} == {8}
    assert store.catalog.calls("write_inventory") == [(hotel.id, 5)]


def test_a_total_below_the_rooms_already_committed_is_refused_naming_the_nights(store: FakeStore) -> None:
    room_type = add_room_type(store, add_property(store).id, total_rooms=5)
    _seed_cells(store, room_type.id, 5, d1={"sold": 3}, d3={"held": 2, "blocked": 2})
    before = list(store.catalog.cells[room_type.id])
    with pytest.raises(TotalBelowCommitted) as refused:
        _update(store, room_type.id, total_rooms=2, name="Half written")
    assert [(d["field"], d["night"], d["committed"]) for d in refused.value.details] == [
        ("total_rooms", str(TODAY + timedelta(1)), 3),
        ("total_rooms", str(TODAY + timedelta(3)), 4),
    ]
    assert store.catalog.cells[room_type.id] == before and store.catalog.room_types[room_type.id] == room_type


def test_past_nights_do_not_hold_back_a_lower_total(store: FakeStore) -> None:
    room_type = add_room_type(store, add_property(store).id, total_rooms=5)
    _seed_cells(store, room_type.id, 5, dm1={"sold": 5})
    assert _update(store, room_type.id, total_rooms=1).total_rooms == 1


def test_a_total_below_supplier_allocations_is_refused(store: FakeStore) -> None:
    room_type = add_room_type(store, add_property(store).id, total_rooms=5)
    _allocate(store, room_type.id, rooms=4, first=2, last=6)
    with pytest.raises(AllocationExceedsTotal) as refused:
        _update(store, room_type.id, total_rooms=3)
    assert refused.value.details[0]["night"] == str(TODAY + timedelta(2))
    assert store.catalog.room_types[room_type.id].total_rooms == 5


def test_allocations_that_ended_before_today_do_not_hold_back_a_lower_total(store: FakeStore) -> None:
    room_type = add_room_type(store, add_property(store).id, total_rooms=5)
    _allocate(store, room_type.id, rooms=5, first=-10, last=-1)
    _allocate(store, room_type.id, rooms=2, first=-3, last=3)
    assert _update(store, room_type.id, total_rooms=2).total_rooms == 2


def test_an_unchanged_total_does_not_touch_the_cells(store: FakeStore) -> None:
    room_type = add_room_type(store, add_property(store).id, total_rooms=5)
    _seed_cells(store, room_type.id, 5, d1={"sold": 5})
    _update(store, room_type.id, total_rooms=5, name="Same total")
    assert store.catalog.calls("write_inventory") == []


def test_an_update_may_keep_its_code_but_not_take_a_siblings(store: FakeStore) -> None:
    hotel = add_property(store)
    room_type = add_room_type(store, hotel.id, "STD")
    add_room_type(store, hotel.id, "DLX")
    assert _update(store, room_type.id, code="STD").code == "STD"
    with pytest.raises(Conflict) as refused:
        _update(store, room_type.id, code="DLX")
    assert refused.value.details[0]["field"] == "code"


def test_a_bad_base_rate_in_an_update_is_refused_naming_it(store: FakeStore) -> None:
    room_type = add_room_type(store, add_property(store).id)
    with pytest.raises(InvalidInput) as refused:
        _update(store, room_type.id, base_rate=Decimal("0.5"))
    assert refused.value.details[0]["field"] == "base_rate"


def test_room_types_of_an_archived_property_cannot_change(store: FakeStore) -> None:
    hotel = add_property(store)
    room_type = add_room_type(store, hotel.id)
    property_service.archive_property(VN_STAFF, hotel.id, uow=store.unit_of_work)
    with pytest.raises(Conflict, match="archived"):
        _update(store, room_type.id, name="Nope")
    assert store.catalog.room_types[room_type.id] == room_type


# --- delete ---------------------------------------------------------------------------------------


def test_a_room_type_without_commitments_is_deleted_and_audited(store: FakeStore) -> None:
    room_type = add_room_type(store, add_property(store).id)
    _seed_cells(store, room_type.id, 5, dm1={"sold": 2})  # the past does not count
    room_type_service.delete_room_type(VN_STAFF, room_type.id, now=NOW, uow=store.unit_of_work)
    assert store.catalog.room_types == {}
    entry = store.audit[-1]
    assert entry.action == "room_type.deleted" and entry.after is None
    assert entry.before is not None and entry.before["code"] == "STD"


def test_deleting_a_room_type_with_rooms_taken_from_today_is_refused_naming_the_nights(store: FakeStore) -> None:
    room_type = add_room_type(store, add_property(store).id)
    _seed_cells(store, room_type.id, 5, d0={"held": 1}, d4={"blocked": 2})
    with pytest.raises(Conflict, match="deactivate it instead") as refused:
        room_type_service.delete_room_type(VN_STAFF, room_type.id, now=NOW, uow=store.unit_of_work)
    assert refused.value.details == [
        {"field": "room_type_id", "night": str(TODAY), "committed": 1},
        {"field": "room_type_id", "night": str(TODAY + timedelta(4)), "committed": 2},
    ]
    assert room_type.id in store.catalog.room_types
    assert store.audit_actions()[-1] == "room_type.created"


def test_a_long_list_of_taken_nights_is_cut_to_ten_in_the_message(store: FakeStore) -> None:
    room_type = add_room_type(store, add_property(store).id)
    store.catalog.cells[room_type.id] = [
        InventoryCell(room_type.id, TODAY + timedelta(offset), total=5, sold=1) for offset in range(12)
    ]
    with pytest.raises(Conflict, match=r"and 2 more night\(s\)") as refused:
        room_type_service.delete_room_type(VN_STAFF, room_type.id, now=NOW, uow=store.unit_of_work)
    assert len(refused.value.details) == 12
