"""Records for OTA tests: properties with room types and rate plans, OTA accounts (credentials
sealed through the real vault against moto KMS), connections, mappings and proposals.

Written straight through the models (fast); the API tests create through the API what they test.
``RECORD_FACTORIES`` in tests/factories.py uses the ``*_record`` functions for the route walk.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from chalicelib.db.models import (
    MappingProposal,
    OtaAccount,
    OtaConnection,
    Property,
    RatePlan,
    RatePlanMapping,
    RoomType,
    RoomTypeMapping,
)
from chalicelib.db.repositories import ota as ota_repository
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.services import ota_access

CURRENCIES = {"VN": "VND", "ID": "IDR", "MY": "MYR"}
TIMEZONES = {"VN": "Asia/Ho_Chi_Minh", "ID": "Asia/Makassar", "MY": "Asia/Kuala_Lumpur"}


@dataclass
class TestHotel:
    """A property with room types (by code) and rate plans (by (room code, plan code))."""

    __test__ = False

    id: int
    country: str
    room_types: dict[str, int] = field(default_factory=dict)
    rate_plans: dict[tuple[str, str], int] = field(default_factory=dict)


def make_property(
    country: str = "VN",
    *,
    rooms: dict[str, str] | None = None,
    plans: dict[str, dict[str, str]] | None = None,
    name: str = "Test Hotel",
) -> TestHotel:
    """A property with ``rooms`` (code → name) and ``plans`` (room code → {plan code → name})."""
    rooms = rooms if rooms is not None else {"DLX": "Deluxe Double"}
    plans = plans if plans is not None else {}
    with unit_of_work() as uow:
        session = uow.session
        hotel = Property(
            code=f"T-{uuid.uuid4().hex[:10]}",
            name=name,
            country_code=country,
            timezone=TIMEZONES.get(country, "UTC"),
            currency=CURRENCIES.get(country, "USD"),
        )
        session.add(hotel)
        session.flush()
        made = TestHotel(hotel.id, country)
        for code, room_name in rooms.items():
            room_type = RoomType(property_id=hotel.id, code=code, name=room_name, total_rooms=10, base_rate=100)
            session.add(room_type)
            session.flush()
            made.room_types[code] = room_type.id
            for plan_code, plan_name in plans.get(code, {}).items():
                plan = RatePlan(
                    room_type_id=room_type.id,
                    code=plan_code,
                    name=plan_name,
                    currency=hotel.currency,
                    base_rate=Decimal("100"),
                )
                session.add(plan)
                session.flush()
                made.rate_plans[(code, plan_code)] = plan.id
        return made


def ensure_kms_key() -> None:
    """The app's KMS key on whatever moto the environment points at (idempotent)."""
    from local.aws_bootstrap import ensure_kms_key as ensure

    ensure()


def make_account(
    country: str = "VN",
    *,
    ota: str = "booking_com",
    credentials: dict[str, str] | None = None,
    base_url: str | None = "http://127.0.0.1:9",
    name: str | None = None,
) -> int:
    """An account whose credentials are sealed by the real vault (moto KMS must be up)."""
    ensure_kms_key()
    with unit_of_work() as uow:
        session = uow.session
        account = OtaAccount(
            id=ota_repository.reserve_account_id(session),
            ota_code=ota,
            name=name or f"Account {uuid.uuid4().hex[:8]}",
            country_code=country,
            base_url=base_url,
        )
        ota_access.seal_credentials(account, credentials or {"username": "walk-user", "password": "walk-pass-1"})
        session.add(account)
        session.flush()
        return account.id


def make_connection(
    hotel: TestHotel, account_id: int, ota_hotel_id: str | None = None, *, is_active: bool = True, **extra: Any
) -> int:
    with unit_of_work() as uow:
        connection = OtaConnection(
            property_id=hotel.id,
            ota_account_id=account_id,
            ota_hotel_id=ota_hotel_id or uuid.uuid4().hex[:10],
            is_active=is_active,
            **extra,
        )
        uow.session.add(connection)
        uow.session.flush()
        return connection.id


def map_room(connection_id: int, room_type_id: int, ota_room_id: str) -> int:
    with unit_of_work() as uow:
        mapping = RoomTypeMapping(connection_id=connection_id, room_type_id=room_type_id, ota_room_id=ota_room_id)
        uow.session.add(mapping)
        uow.session.flush()
        return mapping.id


def map_rate(connection_id: int, room_type_id: int, rate_plan_id: int, ota_room_id: str, ota_rate_plan_id: str) -> int:
    with unit_of_work() as uow:
        mapping = RatePlanMapping(
            connection_id=connection_id,
            room_type_id=room_type_id,
            rate_plan_id=rate_plan_id,
            ota_room_id=ota_room_id,
            ota_rate_plan_id=ota_rate_plan_id,
        )
        uow.session.add(mapping)
        uow.session.flush()
        return mapping.id


# --- the route walk: one record of each kind in a country ---------------------------------------------------
# Walk accounts hold incomplete Booking.com credentials (no password): every OTA call fails at once
# with a configuration error, so routes that call the OTA answer without touching the network.
WALK_CREDENTIALS = {"username": "walk-user"}


def ota_account_record(_identity: object, country: str) -> int:
    return make_account(country, credentials=WALK_CREDENTIALS)


def _walk_connection(country: str) -> tuple[TestHotel, int]:
    hotel = make_property(country, rooms={"DLX": "Deluxe Double"}, plans={"DLX": {"BAR": "Best Available Rate"}})
    account = make_account(country, credentials=WALK_CREDENTIALS)
    return hotel, make_connection(hotel, account, "1234567")


def ota_connection_record(_identity: object, country: str) -> int:
    return _walk_connection(country)[1]


def room_type_mapping_record(_identity: object, country: str) -> int:
    hotel, connection = _walk_connection(country)
    return map_room(connection, hotel.room_types["DLX"], "DLX")


def rate_plan_mapping_record(_identity: object, country: str) -> int:
    hotel, connection = _walk_connection(country)
    map_room(connection, hotel.room_types["DLX"], "DLX")
    return map_rate(connection, hotel.room_types["DLX"], hotel.rate_plans[("DLX", "BAR")], "DLX", "BAR")


def mapping_proposal_record(_identity: object, country: str) -> int:
    hotel, connection = _walk_connection(country)
    with unit_of_work() as uow:
        proposal = MappingProposal(
            connection_id=connection,
            kind="room_type",
            ota_room_id="DLX",
            ota_room_name="Deluxe Double",
            room_type_id=hotel.room_types["DLX"],
            match_reason="code",
        )
        uow.session.add(proposal)
        uow.session.flush()
        return proposal.id
