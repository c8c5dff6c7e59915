"""The property service on the in-memory unit of work: CRUD rules, scoping, filters, CSV, archive, audit."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from chalicelib.domain.catalog import PropertyFilters, RatePlanRecord, require_not_archived
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound
from chalicelib.services import property_service
from tests.unit.fakes import FakeStore
from tests.unit.services.catalog_builders import add_property, new_property
from tests.unit.services.conftest import make_caller

VN_STAFF = make_caller(country="VN")
ID_STAFF = make_caller(country="ID")
# 18:00 UTC on 14 January is already the 15th in Vietnam (UTC+7) but still the 14th in London.
EVENING = datetime(2026, 1, 14, 18, 0, tzinfo=UTC)


def _codes(records: list[property_service.PropertyRecord]) -> list[str]:
    return [record.code for record in records]


def _list(store: FakeStore, caller: object = VN_STAFF, **filters: object) -> list[str]:
    records, _ = property_service.list_properties(
        caller,  # type: ignore[arg-type]
        PropertyFilters(**filters),  # type: ignore[arg-type]
        offset=0,
        limit=50,
        uow=store.unit_of_work,
    )
    return _codes(records)


def _update(store: FakeStore, property_id: int, caller: object = VN_STAFF, **changes: object) -> object:
    return property_service.update_property(
        caller,  # type: ignore[arg-type]
        property_id,
        dict(changes),
        now=EVENING,
        uow=store.unit_of_work,
    )


def _add_rate_plan(store: FakeStore, property_id: int) -> None:
    store.catalog.rate_plans[999] = RatePlanRecord(
        999, 1, property_id, "BAR", "BAR", "VND", None, None, None, None, None, True, store.now, store.now
    )


# --- create ---------------------------------------------------------------------------------------


def test_a_new_property_is_active_without_a_buffer_and_audited_with_its_fields(store: FakeStore) -> None:
    created = property_service.create_property(VN_STAFF, new_property(postal_code="100000"), uow=store.unit_of_work)
    assert (created.status, created.buffer_rooms, created.archived_at) == ("active", None, None)
    assert property_service.get_property(VN_STAFF, created.id, uow=store.unit_of_work) == created
    [entry] = store.audit
    assert (entry.action, entry.entity_type, entry.entity_id, entry.country_code) == (
        "property.created",
        "property",
        str(created.id),
        "VN",
    )
    assert entry.before is None and entry.after is not None
    assert entry.after["postal_code"] == "100000" and entry.after["code"] == "HAN-1"


def test_the_country_code_is_stored_in_upper_case(store: FakeStore) -> None:
    created = property_service.create_property(VN_STAFF, new_property(country_code="vn"), uow=store.unit_of_work)
    assert created.country_code == "VN"


def test_a_property_created_archived_carries_its_archiving_time(store: FakeStore) -> None:
    created = add_property(store, status="archived")
    assert created.archived_at is not None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"timezone": "Asia/Atlantis"}, "timezone"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "vnd"}, "currency"),
        ({"country_code": "ZZ"}, "country_code"),
        ({"country_code": "TH", "timezone": "Asia/Bangkok", "currency": "THB"}, "country_code"),  # inactive
    ],
)
def test_bad_input_is_refused_naming_the_attribute_and_nothing_is_written(
    store: FakeStore, overrides: dict[str, str], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        property_service.create_property(make_caller(), new_property(**overrides), uow=store.unit_of_work)
    assert refused.value.details[0]["field"] == field
    assert store.catalog.properties == {} and store.audit == []


def test_a_lower_case_currency_is_refused_asking_for_upper_case(store: FakeStore) -> None:
    with pytest.raises(InvalidInput, match="upper case"):
        property_service.create_property(VN_STAFF, new_property(currency="vnd"), uow=store.unit_of_work)


def test_a_country_outside_the_callers_scope_is_refused(store: FakeStore) -> None:
    with pytest.raises(InvalidInput) as refused:
        property_service.create_property(VN_STAFF, new_property(country="MY"), uow=store.unit_of_work)
    assert refused.value.details == [{"field": "country_code", "message": "outside your scope"}]
    assert store.catalog.properties == {}


def test_a_code_already_used_in_any_case_is_a_conflict_and_nothing_is_written(store: FakeStore) -> None:
    add_property(store, "DUP")
    with pytest.raises(Conflict) as refused:
        property_service.create_property(VN_STAFF, new_property("dup"), uow=store.unit_of_work)
    assert refused.value.details == [{"field": "code", "message": "already used"}]
    assert len(store.catalog.properties) == 1 and store.audit_actions() == ["property.created"]


def test_codes_are_unique_across_countries(store: FakeStore) -> None:
    add_property(store, "SAME", "ID")
    with pytest.raises(Conflict):
        property_service.create_property(VN_STAFF, new_property("SAME"), uow=store.unit_of_work)


# --- read and list --------------------------------------------------------------------------------


def test_a_property_of_another_country_is_not_found(store: FakeStore) -> None:
    hotel = add_property(store, "DPS-1", "ID")
    with pytest.raises(NotFound):
        property_service.get_property(VN_STAFF, hotel.id, uow=store.unit_of_work)
    assert property_service.get_property(ID_STAFF, hotel.id, uow=store.unit_of_work).code == "DPS-1"


def test_lists_show_only_the_callers_countries(store: FakeStore) -> None:
    add_property(store, "HAN-1")
    add_property(store, "DPS-1", "ID")
    assert _list(store, ID_STAFF) == ["DPS-1"]
    assert _list(store, ID_STAFF, country_code="VN") == []
    assert sorted(_list(store, make_caller())) == ["DPS-1", "HAN-1"]


def test_lists_hide_archived_properties_unless_asked_for(store: FakeStore) -> None:
    add_property(store, "HAN-1")
    add_property(store, "HAN-2", status="archived")
    assert _list(store) == ["HAN-1"]
    assert _list(store, status="archived") == ["HAN-2"]


def test_lists_filter_by_status_city_in_any_case_and_search_name_or_code(store: FakeStore) -> None:
    add_property(store, "HAN-B", name="Bamboo House", city="Hanoi")
    add_property(store, "HAN-A", name="Aurora Hanoi", city="Hanoi")
    add_property(store, "SGN-C", name="Cyclo Inn", city="Ho Chi Minh City", status="inactive")
    assert _list(store, city="hanoi", sort="code") == ["HAN-A", "HAN-B"]
    assert _list(store, status="inactive") == ["SGN-C"]
    assert _list(store, search="bamb") == ["HAN-B"]
    assert _list(store, search="sgn") == ["SGN-C"]  # inactive is listed by default: only archived is hidden


def test_lists_sort_ascending_or_descending_and_paginate_with_the_total(store: FakeStore) -> None:
    add_property(store, "HAN-B", name="Bamboo House")
    add_property(store, "HAN-A", name="Aurora Hanoi")
    add_property(store, "SGN-C", name="Cyclo Inn")
    page, total = property_service.list_properties(
        VN_STAFF, PropertyFilters(sort="name"), offset=0, limit=2, uow=store.unit_of_work
    )
    assert total == 3 and [p.name for p in page] == ["Aurora Hanoi", "Bamboo House"]
    second, _ = property_service.list_properties(
        VN_STAFF, PropertyFilters(sort="name"), offset=2, limit=2, uow=store.unit_of_work
    )
    assert _codes(second) == ["SGN-C"]
    assert _list(store, sort="-code") == ["SGN-C", "HAN-B", "HAN-A"]


def test_the_csv_export_has_a_header_the_filtered_rows_and_defused_formulas(store: FakeStore) -> None:
    add_property(store, "HAN-1", name='=HYPERLINK("http://evil")')
    add_property(store, "HAN-2", name="Plain Hotel", status="inactive")
    inactive = property_service.export_properties_csv(
        VN_STAFF, PropertyFilters(status="inactive"), uow=store.unit_of_work
    )
    rows = list(csv.DictReader(io.StringIO(inactive)))
    assert [row["code"] for row in rows] == ["HAN-2"]
    assert tuple(rows[0]) == property_service.EXPORT_COLUMNS
    assert rows[0]["buffer_rooms"] == "" and rows[0]["created_at"] == store.now.isoformat()
    everything = property_service.export_properties_csv(VN_STAFF, PropertyFilters(), uow=store.unit_of_work)
    names = {row["code"]: row["name"] for row in csv.DictReader(io.StringIO(everything))}
    assert names == {"HAN-1": "'" + '=HYPERLINK("http://evil")', "HAN-2": "Plain Hotel"}


def test_the_csv_export_stays_in_the_callers_scope(store: FakeStore) -> None:
    add_property(store, "DPS-1", "ID")
    exported = property_service.export_properties_csv(VN_STAFF, PropertyFilters(), uow=store.unit_of_work)
    assert exported.splitlines()[1:] == []


# --- update ---------------------------------------------------------------------------------------


def test_an_edit_is_stored_and_audited_with_before_and_after(store: FakeStore) -> None:
    hotel = add_property(store)
    edited = _update(store, hotel.id, name="Lakeside Renamed", buffer_rooms=2)
    assert edited == property_service.get_property(VN_STAFF, hotel.id, uow=store.unit_of_work)
    entry = store.audit[-1]
    assert entry.action == "property.updated" and entry.country_code == "VN"
    assert entry.before is not None and entry.after is not None
    assert (entry.before["name"], entry.after["name"]) == ("Hotel HAN-1", "Lakeside Renamed")
    assert (entry.before["buffer_rooms"], entry.after["buffer_rooms"]) == (None, 2)


def test_an_edit_that_changes_nothing_is_not_audited_and_leaves_the_calendar_alone(store: FakeStore) -> None:
    hotel = add_property(store)
    _update(store, hotel.id, name=hotel.name, buffer_rooms=None)
    assert store.audit_actions() == ["property.created"] and store.catalog.calendar_calls == []


def test_a_new_buffer_re_syncs_the_calendars_from_today_in_the_propertys_timezone(store: FakeStore) -> None:
    hotel = add_property(store)
    _update(store, hotel.id, buffer_rooms=1)
    assert store.catalog.calls("sync_property") == [(hotel.id, date(2026, 1, 15))]


def test_a_new_timezone_re_syncs_with_today_in_the_new_timezone(store: FakeStore) -> None:
    hotel = add_property(store)
    _update(store, hotel.id, timezone="Europe/London")
    assert store.catalog.calls("sync_property") == [(hotel.id, date(2026, 1, 14))]


def test_a_name_change_does_not_touch_the_calendar(store: FakeStore) -> None:
    hotel = add_property(store)
    _update(store, hotel.id, name="Renamed", city="Hue")
    assert store.catalog.calendar_calls == []


def test_changing_an_archived_propertys_buffer_leaves_its_calendar_alone(store: FakeStore) -> None:
    hotel = add_property(store, status="archived")
    _update(store, hotel.id, buffer_rooms=3)
    assert store.catalog.calendar_calls == []


def test_archiving_through_status_stamps_the_time_and_restoring_clears_it_and_re_syncs(store: FakeStore) -> None:
    hotel = add_property(store)
    archived = _update(store, hotel.id, status="archived")
    assert archived.archived_at is not None and store.catalog.calendar_calls == []  # type: ignore[attr-defined]
    restored = _update(store, hotel.id, status="active")
    assert restored.archived_at is None  # type: ignore[attr-defined]
    assert store.catalog.calls("sync_property") == [(hotel.id, date(2026, 1, 15))]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"currency": "XYZ"}, "currency"),
        ({"country_code": "ZZ"}, "country_code"),
    ],
)
def test_a_bad_edit_is_refused_naming_the_attribute_and_nothing_changes(
    store: FakeStore, changes: dict[str, str], field: str
) -> None:
    hotel = add_property(store)
    with pytest.raises(InvalidInput) as refused:
        _update(store, hotel.id, name="Half written", **changes)
    assert refused.value.details[0]["field"] == field
    assert store.catalog.properties[hotel.id] == hotel and store.audit_actions() == ["property.created"]


def test_the_currency_cannot_change_under_existing_rate_plans(store: FakeStore) -> None:
    hotel = add_property(store)
    _add_rate_plan(store, hotel.id)
    with pytest.raises(Conflict) as refused:
        _update(store, hotel.id, currency="USD")
    assert refused.value.details == [{"field": "currency", "message": "rate plans exist in VND"}]
    assert store.catalog.properties[hotel.id].currency == "VND"


def test_the_currency_may_change_without_rate_plans_or_be_restated_with_them(store: FakeStore) -> None:
    bare = add_property(store, "HAN-1")
    assert _update(store, bare.id, currency="USD").currency == "USD"  # type: ignore[attr-defined]
    priced = add_property(store, "HAN-2")
    _add_rate_plan(store, priced.id)
    assert _update(store, priced.id, currency="VND", name="Same money").name == "Same money"  # type: ignore[attr-defined]


def test_a_code_may_stay_but_not_take_another_propertys(store: FakeStore) -> None:
    first = add_property(store, "HAN-1")
    add_property(store, "HAN-2")
    assert _update(store, first.id, code="han-1").code == "han-1"  # type: ignore[attr-defined]
    with pytest.raises(Conflict) as refused:
        _update(store, first.id, code="HAN-2")
    assert refused.value.details[0]["field"] == "code"


def test_moving_a_property_out_of_the_callers_scope_is_refused(store: FakeStore) -> None:
    hotel = add_property(store)
    with pytest.raises(InvalidInput) as refused:
        _update(store, hotel.id, country_code="ID")
    assert refused.value.details[0] == {"field": "country_code", "message": "outside your scope"}


def test_another_countrys_property_cannot_be_edited_or_archived(store: FakeStore) -> None:
    hotel = add_property(store, "DPS-1", "ID")
    with pytest.raises(NotFound):
        _update(store, hotel.id, name="mine now")
    with pytest.raises(NotFound):
        property_service.archive_property(VN_STAFF, hotel.id, uow=store.unit_of_work)
    assert store.catalog.properties[hotel.id] == hotel


def test_the_not_found_check_comes_before_input_checks(store: FakeStore) -> None:
    with pytest.raises(NotFound):
        _update(store, 404, timezone="Mars/Olympus")


# --- archive --------------------------------------------------------------------------------------


def test_archiving_keeps_the_row_stamps_it_and_audits_the_status_change(store: FakeStore) -> None:
    hotel = add_property(store)
    property_service.archive_property(VN_STAFF, hotel.id, uow=store.unit_of_work)
    archived = store.catalog.properties[hotel.id]
    assert archived.status == "archived" and archived.archived_at is not None
    entry = store.audit[-1]
    assert entry.action == "property.archived" and entry.before is not None and entry.after is not None
    assert (entry.before["status"], entry.after["status"]) == ("active", "archived")


def test_archiving_twice_is_idempotent_and_audited_once(store: FakeStore) -> None:
    hotel = add_property(store)
    property_service.archive_property(VN_STAFF, hotel.id, uow=store.unit_of_work)
    first = store.catalog.properties[hotel.id]
    property_service.archive_property(VN_STAFF, hotel.id, uow=store.unit_of_work)
    assert store.catalog.properties[hotel.id] == first
    assert store.audit_actions() == ["property.created", "property.archived"]


def test_an_archived_property_refuses_changes_naming_it(store: FakeStore) -> None:
    hotel = add_property(store, status="archived")
    with pytest.raises(Conflict, match="archived") as refused:
        require_not_archived(hotel)
    assert refused.value.details == [{"field": "property_id", "message": "archived"}]
    require_not_archived(add_property(store, "HAN-2"))
