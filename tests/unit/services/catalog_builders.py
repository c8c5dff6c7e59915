"""Catalog records for service unit tests, created through the services on the fake unit of work."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from chalicelib.domain.catalog import NewProperty, NewRoomType, PropertyRecord, RoomTypeRecord
from chalicelib.services import property_service, room_type_service
from tests.unit.fakes import FakeStore
from tests.unit.services.conftest import make_caller

COUNTRY_DEFAULTS: dict[str, dict[str, str]] = {
    "VN": {"timezone": "Asia/Ho_Chi_Minh", "currency": "VND"},
    "ID": {"timezone": "Asia/Makassar", "currency": "IDR"},
    "MY": {"timezone": "Asia/Kuala_Lumpur", "currency": "MYR"},
}


def new_property(code: str = "HAN-1", country: str = "VN", **overrides: Any) -> NewProperty:
    values: dict[str, Any] = {"code": code, "name": f"Hotel {code}", "country_code": country}
    values.update(COUNTRY_DEFAULTS[country])
    values.update(overrides)
    return NewProperty(**values)


def add_property(store: FakeStore, code: str = "HAN-1", country: str = "VN", **overrides: Any) -> PropertyRecord:
    return property_service.create_property(
        make_caller(), new_property(code, country, **overrides), uow=store.unit_of_work
    )


def add_room_type(
    store: FakeStore, property_id: int, code: str = "STD", *, total_rooms: int = 5, **overrides: Any
) -> RoomTypeRecord:
    new = NewRoomType(code=code, name=f"Room {code}", total_rooms=total_rooms, **overrides)
    return room_type_service.create_room_type(make_caller(), property_id, new, uow=store.unit_of_work)


def decimal(value: str | int) -> Decimal:
    return Decimal(str(value))
