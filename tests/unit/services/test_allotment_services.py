"""Agency, contract and allotment services on the in-memory unit of work: validation naming fields,
scoping, versions, audit, and the calendar withholding exactly the outstanding allotments."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.domain.allotment_records import AgencyFilters, SeasonSpec
from chalicelib.domain.allotments import AllotmentEvent, AllotmentEventKind, ContractStatus, ReleaseStep
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound
from chalicelib.domain.inventory import InsufficientInventory, new_cell
from chalicelib.domain.nights import NightRange
from chalicelib.services import agency_service, allotment_service, contract_service
from tests.unit.fakes import FakeStore
from tests.unit.services.catalog_builders import add_property, add_room_type
from tests.unit.services.conftest import make_caller

VN_STAFF = make_caller(country="VN")
MY_STAFF = make_caller(country="MY")
NOW = datetime(2026, 1, 15, 3, 0, tzinfo=UTC)  # 10:00 in Ho Chi Minh City
TODAY = date(2026, 1, 15)


def clock() -> datetime:
    return NOW


def night(offset: int) -> date:
    return TODAY + timedelta(days=offset)


def hotel(store: FakeStore, *, rooms: int = 5, code: str = "HAN-1") -> tuple[int, int]:
    """A VN property with one room type and 20 nights of calendar from today."""
    prop = add_property(store, code)
    room_type = add_room_type(store, prop.id, total_rooms=rooms)
    store.catalog.cells[room_type.id] = [new_cell(room_type.id, night(i), total=rooms) for i in range(20)]
    return prop.id, room_type.id


def agency(store: FakeStore, code: str = "SGN", **fields: Any) -> int:
    values = {"code": code, "name": "Saigon Travel", "country_code": "VN", **fields}
    return agency_service.create_agency(VN_STAFF, values, uow=store.unit_of_work).id


def contract(
    store: FakeStore,
    property_id: int,
    room_type_id: int,
    *,
    rooms: int = 2,
    first: int = 1,
    last: int = 3,
    **fields: Any,
) -> Any:
    values = {
        "agency_id": fields.pop("agency_id", None) or agency(store),
        "property_id": property_id,
        "name": "Summer",
        "status": ContractStatus.ACTIVE,
        "currency": "VND",
        **fields,
    }
    seasons = [SeasonSpec(room_type_id, night(first), night(last), rooms, Decimal(900000))]
    steps = fields.pop("release_steps", [])
    return contract_service.create_contract(VN_STAFF, values, seasons, steps, uow=store.unit_of_work, clock=clock)


def blocked(store: FakeStore, room_type_id: int) -> dict[int, int]:
    return {(c.night - TODAY).days: c.blocked for c in store.catalog.cells[room_type_id] if c.blocked}


def test_agencies_check_credit_terms_and_stay_in_their_country(store: FakeStore) -> None:
    agency_id = agency(store, credit_limit=Decimal(500), credit_currency="VND")

    with pytest.raises(InvalidInput) as refused:
        agency(store, "X", credit_limit=Decimal(5))
    assert refused.value.details[0]["field"] == "credit_currency"
    with pytest.raises(InvalidInput) as refused:
        agency(store, "Y", credit_limit=Decimal("5.5"), credit_currency="VND")
    assert refused.value.details[0]["field"] == "credit_limit"
    with pytest.raises(NotFound):
        agency_service.get_agency(MY_STAFF, agency_id, uow=store.unit_of_work)
    found, total = agency_service.list_agencies(MY_STAFF, AgencyFilters(), offset=0, limit=10, uow=store.unit_of_work)
    assert (found, total) == ([], 0)

    agency_service.update_agency(VN_STAFF, agency_id, {"name": "Saigon Travel"}, uow=store.unit_of_work)
    agency_service.update_agency(VN_STAFF, agency_id, {"status": "suspended"}, uow=store.unit_of_work)
    assert store.audit_actions() == ["agency.created", "agency.updated"]


def test_an_active_contract_withholds_its_rooms_and_keeps_version_one(store: FakeStore) -> None:
    property_id, room_type_id = hotel(store)

    created = contract(store, property_id, room_type_id)

    assert blocked(store, room_type_id) == {1: 2, 2: 2, 3: 2}
    assert {key: rooms for key, rooms in store.allotments.withheld.items()} == {
        (created.id, room_type_id, night(i)): 2 for i in (1, 2, 3)
    }
    assert store.allotments.versions[created.id][0][0] == 1
    assert store.audit_actions()[-1] == "contract.created"
    assert store.catalog.locked[-1:] == [room_type_id]


def test_a_contract_that_does_not_fit_is_refused_whole(store: FakeStore) -> None:
    property_id, room_type_id = hotel(store, rooms=3)
    contract(store, property_id, room_type_id, rooms=2)
    contracts_before = dict(store.allotments.contracts)

    with pytest.raises(InsufficientInventory) as refused:
        contract(store, property_id, room_type_id, rooms=2, first=3, last=4)

    assert [s.night for s in refused.value.shortages] == [night(3)]
    assert store.allotments.contracts == contracts_before
    assert blocked(store, room_type_id) == {1: 2, 2: 2, 3: 2}


def test_contract_input_is_refused_naming_the_field(store: FakeStore) -> None:
    property_id, room_type_id = hotel(store)
    other_property, other_room_type = hotel(store, code="HAN-2")
    agency_id = agency(store)

    cases = [
        ({"room_type_id": other_room_type}, "seasons.0.room_type_id"),
        ({"rate": Decimal("10.5")}, "seasons.0.rate"),
        ({"date_to": night(0)}, "seasons.0.date_to"),
    ]
    for override, field in cases:
        season = SeasonSpec(
            **{
                "room_type_id": room_type_id,
                "date_from": night(1),
                "date_to": night(2),
                "rooms": 1,
                "rate": Decimal(1000),
                **override,
            }
        )
        fields = {"agency_id": agency_id, "property_id": property_id, "name": "X", "currency": "VND"}
        with pytest.raises(InvalidInput) as refused:
            contract_service.create_contract(VN_STAFF, fields, [season], [], uow=store.unit_of_work, clock=clock)
        assert refused.value.details[0]["field"] == field
    steps = [ReleaseStep(7, 1), ReleaseStep(7, 0)]
    with pytest.raises(InvalidInput) as refused:
        contract(store, property_id, room_type_id, agency_id=agency_id, release_steps=steps)
    assert refused.value.details[0]["field"] == "release_steps.1.days_before"
    assert other_property != property_id


def test_changes_make_versions_and_ending_gives_the_rooms_back(store: FakeStore) -> None:
    property_id, room_type_id = hotel(store)
    created = contract(store, property_id, room_type_id)

    unchanged = contract_service.update_contract(
        VN_STAFF, created.id, {"name": "Summer"}, uow=store.unit_of_work, clock=clock
    )
    assert unchanged.version == 1
    amended = contract_service.update_contract(
        VN_STAFF, created.id, {}, None, [ReleaseStep(2, 1)], uow=store.unit_of_work, clock=clock
    )
    assert amended.version == 2
    assert blocked(store, room_type_id) == {1: 1, 2: 1, 3: 2}  # nights 1 and 2 are within 2 days

    ended = contract_service.end_contract(VN_STAFF, created.id, uow=store.unit_of_work, clock=clock)
    assert (ended.status, ended.version) == (ContractStatus.ENDED, 3)
    assert blocked(store, room_type_id) == {}
    assert [version for version, _ in store.allotments.versions[created.id]] == [1, 2, 3]
    with pytest.raises(InvalidInput):
        contract_service.update_contract(VN_STAFF, created.id, {"notes": "x"}, uow=store.unit_of_work, clock=clock)
    with pytest.raises(Conflict):
        agency_service.delete_agency(VN_STAFF, created.agency_id, uow=store.unit_of_work)


def test_events_move_the_calendar_and_future_ones_wait(store: FakeStore) -> None:
    property_id, room_type_id = hotel(store)
    created = contract(store, property_id, room_type_id)

    def post(kind: AllotmentEventKind, effective_at: datetime = NOW, **values: Any) -> None:
        event = AllotmentEvent(created.id, kind, effective_at, 0, **values)
        allotment_service.post_event(VN_STAFF, event, uow=store.unit_of_work, clock=clock)

    post(AllotmentEventKind.INCREASE_ALLOTMENT, rooms=1, nights=NightRange.single(night(2)))
    post(AllotmentEventKind.RELEASE, NOW + timedelta(days=1))
    assert blocked(store, room_type_id) == {1: 2, 2: 3, 3: 2}
    with pytest.raises(InvalidInput) as refused:
        post(AllotmentEventKind.RATE_CHANGE)
    assert refused.value.details[0]["field"] == "rate"
    with pytest.raises(InsufficientInventory):
        post(AllotmentEventKind.INCREASE_ALLOTMENT, rooms=3)
    assert len(store.allotments.events) == 2

    allotment_service.apply_releases(uow=store.unit_of_work, clock=lambda: NOW + timedelta(days=1))
    assert blocked(store, room_type_id) == {}


def test_the_property_calendar_shows_the_pool(store: FakeStore) -> None:
    property_id, room_type_id = hotel(store)
    contract(store, property_id, room_type_id, rooms=2)

    resolved = allotment_service.property_calendar(
        VN_STAFF, property_id, night(1), night(4), uow=store.unit_of_work, clock=clock
    )

    assert [(p.night, p.allotted, p.blocked, p.pool) for p in resolved.calendar.pools] == [
        (night(1), 2, 0, 3),
        (night(2), 2, 0, 3),
        (night(3), 2, 0, 3),
        (night(4), 0, 0, 5),
    ]
    with pytest.raises(NotFound):
        allotment_service.property_calendar(MY_STAFF, property_id, uow=store.unit_of_work, clock=clock)
    with pytest.raises(InvalidInput) as refused:
        allotment_service.property_calendar(
            VN_STAFF, property_id, night(0), night(400), uow=store.unit_of_work, clock=clock
        )
    assert refused.value.details[0]["field"] == "query.date_to"
