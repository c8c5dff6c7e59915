"""The supplier service on the in-memory unit of work: sealed bank accounts, scoping, filters, audit,
and allocations checked against the room type's total."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain import sealing
from chalicelib.domain.allocations import AllocationExceedsTotal
from chalicelib.domain.catalog import SupplierFilters
from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.domain.tokens import SigningKeyring
from chalicelib.services import supplier_service
from tests.unit.fakes import FakeStore
from tests.unit.services.catalog_builders import add_property, add_room_type
from tests.unit.services.conftest import make_caller

VN_STAFF = make_caller(country="VN")
ID_STAFF = make_caller(country="ID")
EVERYWHERE = make_caller()
KEYRING = SigningKeyring(current_kid="k1", keys={"k1": b"k" * 32})
ACCOUNT = "0071 0012 3456 7890"
NOW = datetime(2026, 1, 15, 3, 0, tzinfo=UTC)
TODAY = date(2026, 1, 15)


def _keyring(**_: Any) -> SigningKeyring:
    return KEYRING


def _no_keyring(**_: Any) -> SigningKeyring:
    raise AssertionError("the keyring must not be read without an account number")


@dataclass(frozen=True)
class Holder:
    id: int
    bank_account_sealed: bytes | None
    bank_account_key_id: str | None


def _create(store: FakeStore, caller: Any = VN_STAFF, **fields: Any) -> supplier_service.SupplierRecord:
    values = {"country_code": "VN", "name": "Nguyen Family", **fields}
    return supplier_service.create_supplier(caller, values, uow=store.unit_of_work, keyring=_keyring)


def _update(store: FakeStore, supplier_id: int, caller: Any = VN_STAFF, **changes: Any) -> Any:
    return supplier_service.update_supplier(caller, supplier_id, changes, uow=store.unit_of_work, keyring=_keyring)


def _names(store: FakeStore, caller: Any = VN_STAFF, **filters: Any) -> list[str]:
    found, _ = supplier_service.list_suppliers(
        caller, SupplierFilters(**filters), offset=0, limit=50, uow=store.unit_of_work
    )
    return [supplier.name for supplier in found]


def _allocate(store: FakeStore, supplier_id: int, room_type_id: int, first: int, last: int, rooms: int) -> Any:
    fields = {
        "room_type_id": room_type_id,
        "date_from": TODAY + timedelta(first),
        "date_to": TODAY + timedelta(last),
        "rooms": rooms,
    }
    return supplier_service.create_allocation(VN_STAFF, supplier_id, fields, now=NOW, uow=store.unit_of_work)


# --- bank accounts --------------------------------------------------------------------------------


def test_a_bank_account_is_stored_sealed_and_only_shown_masked(store: FakeStore) -> None:
    created = _create(store, bank_account_number=ACCOUNT)
    assert created.bank_account_masked == "****7890"
    sealed = store.catalog.sealed_accounts[created.id]
    assert (sealed.key_id, sealed.last4) == ("k1", "7890") and b"00710012" not in sealed.sealed
    assert "0071" not in str(created) and "0071" not in str(store.audit)
    assert store.audit[-1].after is not None and store.audit[-1].after["bank_account"] == "****7890"


def test_the_sealed_number_opens_for_its_own_supplier_only(store: FakeStore) -> None:
    created = _create(store, bank_account_number=ACCOUNT)
    sealed = store.catalog.sealed_accounts[created.id]
    mine = Holder(created.id, sealed.sealed, sealed.key_id)
    assert supplier_service.reveal_account_number(mine, keyring=_keyring) == "0071001234567890"
    with pytest.raises(sealing.SealError):
        supplier_service.reveal_account_number(Holder(created.id + 1, sealed.sealed, sealed.key_id), keyring=_keyring)


def test_a_number_sealed_under_a_key_no_longer_in_the_keyring_cannot_be_revealed(store: FakeStore) -> None:
    created = _create(store, bank_account_number=ACCOUNT)
    sealed = store.catalog.sealed_accounts[created.id]
    with pytest.raises(sealing.SealError, match="no longer in the keyring"):
        supplier_service.reveal_account_number(Holder(created.id, sealed.sealed, "k0"), keyring=_keyring)
    assert supplier_service.reveal_account_number(Holder(created.id, None, None), keyring=_keyring) is None


@pytest.mark.parametrize("number", ["12", "ABC!1234", "1" * 35])
def test_bad_account_numbers_are_refused_naming_the_field_and_nothing_is_written(store: FakeStore, number: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        _create(store, bank_account_number=number)
    assert refused.value.details == [{"field": "bank_account_number", "message": "4 to 34 letters and digits"}]
    assert store.catalog.suppliers == {} and store.audit == []


def test_a_supplier_without_an_account_never_reads_the_keyring(store: FakeStore) -> None:
    created = supplier_service.create_supplier(
        VN_STAFF, {"country_code": "VN", "name": "Plain"}, uow=store.unit_of_work, keyring=_no_keyring
    )
    assert created.bank_account_masked is None and store.catalog.sealed_accounts == {}


def test_an_account_can_be_replaced_and_removed_and_each_change_is_audited(store: FakeStore) -> None:
    created = _create(store, bank_account_number=ACCOUNT)
    replaced = _update(store, created.id, bank_account_number="GB29-NWBK-6016-1331-9268-19")
    assert replaced.bank_account_masked == "****6819"
    removed = _update(store, created.id, bank_account_number=None)
    assert removed.bank_account_masked is None and created.id not in store.catalog.sealed_accounts
    assert store.audit_actions() == ["supplier.created", "supplier.updated", "supplier.updated"]
    assert store.audit[-1].before is not None and store.audit[-1].before["bank_account"] == "****6819"


def test_re_entering_the_same_account_is_still_audited(store: FakeStore) -> None:
    created = _create(store, bank_account_number=ACCOUNT)
    _update(store, created.id, bank_account_number=ACCOUNT)
    assert store.audit_actions() == ["supplier.created", "supplier.updated"]


# --- suppliers ------------------------------------------------------------------------------------


def test_a_country_unknown_or_outside_the_scope_is_refused_naming_it(store: FakeStore) -> None:
    for country in ("ZZ", "ID", "TH"):
        with pytest.raises(InvalidInput) as refused:
            _create(store, country_code=country)
        assert refused.value.details[0]["field"] == "country_code"
    assert store.catalog.suppliers == {}


def test_the_country_is_stored_in_upper_case(store: FakeStore) -> None:
    assert _create(store, country_code="vn").country_code == "VN"


def test_another_countrys_supplier_is_not_found(store: FakeStore) -> None:
    supplier = _create(store, ID_STAFF, country_code="ID")
    with pytest.raises(NotFound):
        supplier_service.get_supplier(VN_STAFF, supplier.id, uow=store.unit_of_work)
    with pytest.raises(NotFound):
        _update(store, supplier.id, name="mine")
    with pytest.raises(NotFound):
        supplier_service.delete_supplier(VN_STAFF, supplier.id, uow=store.unit_of_work)
    assert supplier_service.get_supplier(ID_STAFF, supplier.id, uow=store.unit_of_work) == supplier


def test_lists_are_scoped_sorted_by_name_in_any_case_and_paginated(store: FakeStore) -> None:
    _create(store, name="banyan owners")
    _create(store, name="Aurora Rooms")
    _create(store, name="Cassia Co")
    _create(store, ID_STAFF, country_code="ID", name="Bali Family")
    assert _names(store) == ["Aurora Rooms", "banyan owners", "Cassia Co"]
    page, total = supplier_service.list_suppliers(
        VN_STAFF, SupplierFilters(), offset=2, limit=2, uow=store.unit_of_work
    )
    assert total == 3 and [supplier.name for supplier in page] == ["Cassia Co"]
    assert _names(store, EVERYWHERE, country_code="ID") == ["Bali Family"]


def test_lists_search_name_contact_and_email_and_filter_by_activity(store: FakeStore) -> None:
    _create(store, name="Aurora Rooms", contact_name="Mai Tran")
    _create(store, name="Banyan", email="owner@banyan.example", is_active=False)
    _create(store, name="Cassia")
    assert _names(store, search="tran") == ["Aurora Rooms"]
    assert _names(store, search="BANYAN.EXAMPLE") == ["Banyan"]
    assert _names(store, is_active=False) == ["Banyan"]
    assert _names(store, is_active=True) == ["Aurora Rooms", "Cassia"]


def test_an_edit_is_audited_with_before_and_after_and_a_no_op_is_not(store: FakeStore) -> None:
    supplier = _create(store)
    _update(store, supplier.id, phone="+84 24 1234")
    entry = store.audit[-1]
    assert entry.action == "supplier.updated" and entry.before is not None and entry.after is not None
    assert (entry.before["phone"], entry.after["phone"]) == ("", "+84 24 1234")
    _update(store, supplier.id, phone="+84 24 1234")
    assert store.audit_actions() == ["supplier.created", "supplier.updated"]


def test_moving_a_supplier_out_of_the_scope_is_refused_and_nothing_changes(store: FakeStore) -> None:
    supplier = _create(store)
    with pytest.raises(InvalidInput):
        _update(store, supplier.id, country_code="ID", name="Half written")
    assert store.catalog.suppliers[supplier.id] == supplier


def test_deleting_a_supplier_removes_its_allocations_and_audits_the_masked_account(store: FakeStore) -> None:
    supplier = _create(store, bank_account_number=ACCOUNT)
    room_type = add_room_type(store, add_property(store).id)
    _allocate(store, supplier.id, room_type.id, 0, 3, 1)
    supplier_service.delete_supplier(VN_STAFF, supplier.id, uow=store.unit_of_work)
    assert store.catalog.suppliers == {} and store.catalog.allocations == {}
    entry = store.audit[-1]
    assert (entry.action, entry.after, entry.country_code) == ("supplier.deleted", None, "VN")
    assert entry.before is not None and entry.before["bank_account"] == "****7890"


# --- allocations ----------------------------------------------------------------------------------


def test_an_allocation_is_created_under_the_room_types_lock_and_audited(store: FakeStore) -> None:
    hotel = add_property(store)
    room_type = add_room_type(store, hotel.id, total_rooms=5)
    supplier = _create(store)
    store.catalog.locked.clear()
    allocation = _allocate(store, supplier.id, room_type.id, 0, 30, 3)
    assert (allocation.property_id, allocation.rooms, allocation.date_to) == (hotel.id, 3, TODAY + timedelta(30))
    assert store.catalog.locked == [room_type.id]
    entry = store.audit[-1]
    assert entry.action == "supplier_allocation.created" and entry.country_code == "VN"
    assert entry.after is not None and entry.after["date_from"] == str(TODAY)


def test_allocations_may_not_exceed_the_total_on_any_night_and_nothing_is_written(store: FakeStore) -> None:
    room_type = add_room_type(store, add_property(store).id, total_rooms=5)
    first, second = _create(store, name="First"), _create(store, name="Second")
    _allocate(store, first.id, room_type.id, 0, 30, 3)
    _allocate(store, second.id, room_type.id, 31, 60, 5)  # no overlap: fine
    with pytest.raises(AllocationExceedsTotal) as refused:
        _allocate(store, second.id, room_type.id, 25, 27, 3)
    assert refused.value.code == "allocation_exceeds_total"
    assert [detail["night"] for detail in refused.value.details] == [str(TODAY + timedelta(d)) for d in (25, 26, 27)]
    assert refused.value.details[0]["suppliers"] == [
        {"supplier_id": first.id, "rooms": 3},
        {"supplier_id": second.id, "rooms": 3},
    ]
    assert len(store.catalog.allocations) == 2


def test_overlapping_allocations_up_to_the_total_are_fine(store: FakeStore) -> None:
    room_type = add_room_type(store, add_property(store).id, total_rooms=5)
    supplier = _create(store)
    _allocate(store, supplier.id, room_type.id, 0, 10, 2)
    _allocate(store, supplier.id, room_type.id, 5, 15, 3)
    assert len(store.catalog.allocations) == 2


def test_nights_before_today_are_history_and_not_checked_against_the_total(store: FakeStore) -> None:
    room_type = add_room_type(store, add_property(store).id, total_rooms=5)
    supplier = _create(store)
    _allocate(store, supplier.id, room_type.id, -20, -10, 5)
    _allocate(store, supplier.id, room_type.id, -15, -1, 5)  # 10 rooms on past nights
    assert len(store.catalog.allocations) == 2


def test_an_allocation_ending_before_it_starts_is_refused_naming_date_to(store: FakeStore) -> None:
    room_type = add_room_type(store, add_property(store).id)
    supplier = _create(store)
    with pytest.raises(InvalidInput) as refused:
        _allocate(store, supplier.id, room_type.id, 3, 0, 1)
    assert refused.value.details[0]["field"] == "date_to"
    assert store.catalog.allocations == {}


def test_an_allocation_of_zero_rooms_is_refused_naming_rooms(store: FakeStore) -> None:
    room_type = add_room_type(store, add_property(store).id)
    supplier = _create(store)
    with pytest.raises(InvalidInput) as refused:
        _allocate(store, supplier.id, room_type.id, 0, 1, 0)
    assert refused.value.details[0]["field"] == "rooms"
    assert store.catalog.allocations == {}


def test_an_unknown_room_type_is_refused_naming_room_type_id(store: FakeStore) -> None:
    supplier = _create(store)
    with pytest.raises(InvalidInput) as refused:
        _allocate(store, supplier.id, 999_999, 0, 0, 1)
    assert refused.value.details == [{"field": "room_type_id", "message": "no such room type"}]


def test_a_room_type_of_another_country_than_the_suppliers_is_refused(store: FakeStore) -> None:
    room_type = add_room_type(store, add_property(store).id)
    supplier = _create(store, EVERYWHERE, country_code="ID")
    fields = {"room_type_id": room_type.id, "date_from": TODAY, "date_to": TODAY, "rooms": 1}
    with pytest.raises(InvalidInput) as refused:
        supplier_service.create_allocation(EVERYWHERE, supplier.id, fields, now=NOW, uow=store.unit_of_work)
    assert refused.value.details == [{"field": "room_type_id", "message": "must be a room type in ID"}]


def test_a_room_type_outside_the_callers_scope_does_not_exist_for_them(store: FakeStore) -> None:
    room_type = add_room_type(store, add_property(store).id)
    supplier = _create(store, ID_STAFF, country_code="ID")
    fields = {"room_type_id": room_type.id, "date_from": TODAY, "date_to": TODAY, "rooms": 1}
    with pytest.raises(InvalidInput) as refused:
        supplier_service.create_allocation(ID_STAFF, supplier.id, fields, now=NOW, uow=store.unit_of_work)
    assert refused.value.details[0]["message"] == "no such room type"


def test_a_suppliers_allocations_are_listed_by_room_type_then_first_night(store: FakeStore) -> None:
    hotel = add_property(store)
    standard = add_room_type(store, hotel.id, "STD")
    deluxe = add_room_type(store, hotel.id, "DLX")
    supplier = _create(store)
    _allocate(store, supplier.id, deluxe.id, 0, 1, 1)
    _allocate(store, supplier.id, standard.id, 5, 6, 1)
    _allocate(store, supplier.id, standard.id, 0, 1, 1)
    listed = supplier_service.list_allocations(VN_STAFF, supplier.id, uow=store.unit_of_work)
    assert [(a.room_type_id, a.date_from) for a in listed] == [
        (standard.id, TODAY),
        (standard.id, TODAY + timedelta(5)),
        (deluxe.id, TODAY),
    ]
    with pytest.raises(NotFound):
        supplier_service.list_allocations(ID_STAFF, supplier.id, uow=store.unit_of_work)


def test_an_allocation_change_is_checked_against_the_total_and_audited(store: FakeStore) -> None:
    room_type = add_room_type(store, add_property(store).id, total_rooms=5)
    supplier = _create(store)
    allocation = _allocate(store, supplier.id, room_type.id, 0, 30, 3)
    with pytest.raises(AllocationExceedsTotal):
        supplier_service.update_allocation(VN_STAFF, allocation.id, {"rooms": 6}, now=NOW, uow=store.unit_of_work)
    assert store.catalog.allocations[allocation.id].rooms == 3
    updated = supplier_service.update_allocation(VN_STAFF, allocation.id, {"rooms": 2}, now=NOW, uow=store.unit_of_work)
    assert updated.rooms == 2
    entry = store.audit[-1]
    assert entry.action == "supplier_allocation.updated" and entry.before is not None and entry.after is not None
    assert (entry.before["rooms"], entry.after["rooms"]) == (3, 2)


def test_an_allocation_change_that_changes_nothing_is_not_audited(store: FakeStore) -> None:
    room_type = add_room_type(store, add_property(store).id)
    allocation = _allocate(store, _create(store).id, room_type.id, 0, 3, 1)
    supplier_service.update_allocation(VN_STAFF, allocation.id, {"rooms": 1}, now=NOW, uow=store.unit_of_work)
    assert store.audit_actions()[-1] == "supplier_allocation.created"


def test_an_allocation_change_with_dates_the_wrong_way_round_is_refused(store: FakeStore) -> None:
    room_type = add_room_type(store, add_property(store).id)
    allocation = _allocate(store, _create(store).id, room_type.id, 2, 5, 1)
    with pytest.raises(InvalidInput) as refused:
        supplier_service.update_allocation(VN_STAFF, allocation.id, {"date_to": TODAY}, now=NOW, uow=store.unit_of_work)
    assert refused.value.details[0]["field"] == "date_to"


def test_an_allocation_is_deleted_with_an_audit_row_and_hidden_from_other_countries(store: FakeStore) -> None:
    room_type = add_room_type(store, add_property(store).id)
    allocation = _allocate(store, _create(store).id, room_type.id, 0, 3, 1)
    with pytest.raises(NotFound):
        supplier_service.delete_allocation(ID_STAFF, allocation.id, uow=store.unit_of_work)
    with pytest.raises(NotFound):
        supplier_service.update_allocation(ID_STAFF, allocation.id, {"rooms": 2}, now=NOW, uow=store.unit_of_work)
    supplier_service.delete_allocation(VN_STAFF, allocation.id, uow=store.unit_of_work)
    assert store.catalog.allocations == {}
    entry = store.audit[-1]
    assert (entry.action, entry.after) == ("supplier_allocation.deleted", None)
    assert entry.before is not None and entry.before["rooms"] == 1
