"""Seeding the in-memory store with properties, accounts, room types, rate plans and connections,
and a recording stand-in for OTA discovery (no network)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_connections import (
    AccountRef,
    ConnectionRecord,
    NewConnectionRow,
    PropertyRef,
    RatePlanRef,
    RoomTypeRef,
)
from chalicelib.domain.ota_results import (
    DiscoveredHotel,
    DiscoveredRatePlan,
    DiscoveredRoom,
    SyncError,
)
from chalicelib.services.ota_access import AccountEndpoint, HotelsFound
from tests.unit.fakes import FakeStore
from tests.unit.fakes_ota import FakeOtaConnectionRepository


def add_property(store: FakeStore, property_id: int, country: str = "VN", *, status: str = "active") -> PropertyRef:
    hotel = PropertyRef(property_id, f"P{property_id}", f"Hotel {property_id}", country, status)
    store.ota.properties[property_id] = hotel
    return hotel


def add_account(
    store: FakeStore, account_id: int, ota: str = "agoda", country: str = "VN", name: str | None = None
) -> AccountRef:
    account = AccountRef(account_id, ota, name or f"{ota} account {account_id}", country, "active")
    store.ota.accounts[account_id] = account
    return account


def add_room_type(store: FakeStore, room_type_id: int, property_id: int, code: str, name: str = "") -> RoomTypeRef:
    room_type = RoomTypeRef(room_type_id, property_id, code, name or code.title())
    store.ota.room_types[room_type_id] = room_type
    return room_type


def add_rate_plan(store: FakeStore, rate_plan_id: int, room_type_id: int, code: str, name: str = "") -> RatePlanRef:
    property_id = store.ota.room_types[room_type_id].property_id
    plan = RatePlanRef(rate_plan_id, room_type_id, property_id, code, name or code.title())
    store.ota.rate_plans[rate_plan_id] = plan
    return plan


def add_connection(
    store: FakeStore, hotel: PropertyRef, account: AccountRef, ota_hotel_id: str = "H1", *, is_active: bool = True
) -> ConnectionRecord:
    row = NewConnectionRow(hotel.id, account.id, ota_hotel_id, is_active, None, store.now if is_active else None)
    return FakeOtaConnectionRepository(store).add(row, conflict_message="seeded twice")


def hotel(ota_hotel_id: str, rooms: dict[str, Sequence[str]], names: dict[str, str] | None = None) -> DiscoveredHotel:
    """A hotel as the OTA reports it: OTA room id → its OTA rate plan ids."""
    names = names or {}
    return DiscoveredHotel(
        ota_hotel_id,
        f"OTA hotel {ota_hotel_id}",
        tuple(
            DiscoveredRoom(
                room, names.get(room, room), tuple(DiscoveredRatePlan(plan, names.get(plan, plan)) for plan in plans)
            )
            for room, plans in rooms.items()
        ),
    )


@dataclass
class RecordingDiscovery:
    """Answers discovery with the hotels given (or the errors), and remembers every call."""

    hotels: tuple[DiscoveredHotel, ...] = ()
    errors: tuple[SyncError, ...] = ()
    calls: list[tuple[int, OtaCode, list[str]]] = field(default_factory=list)

    def __call__(self, endpoint: AccountEndpoint, hotel_ids: Sequence[str]) -> HotelsFound:
        self.calls.append((endpoint.account_id, endpoint.ota, list(hotel_ids)))
        return HotelsFound(tuple(h for h in self.hotels if h.ota_hotel_id in hotel_ids), self.errors)


def fields_of(details: list[dict[str, object]]) -> list[object]:
    return [detail.get("field") for detail in details]
