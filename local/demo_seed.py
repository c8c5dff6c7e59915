"""Demo data for the local stack: a few hotels in each country and one staff account per preset
role. Idempotent (upserts by code / email).

LOCAL ONLY: the demo accounts share one published password (DEMO_PASSWORD, also in the README).
This module runs only from ``local.stack`` (``make run``); nothing deploys it.
Every demo room type gets a base rate plan (``BAR``) and a derived non-refundable plan (``NRF``,
10 % off), and every hotel its 24 months of calendar (``calendar_upkeep.sync_property``). The OTA
accounts, connections and mappings (which need the simulators and KMS) are seeded by
``local.demo_ota`` once those run.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from chalicelib.config import get_settings
from chalicelib.db.engine import unit_of_work
from chalicelib.db.models import Property, RatePlan, Role, RoomType, User
from chalicelib.domain.passwords import hash_password
from chalicelib.services import calendar_upkeep

DEMO_PROPERTIES = [
    # code, name, country, timezone, currency, city
    ("HAN-OLD", "Old Quarter Boutique Hanoi", "VN", "Asia/Ho_Chi_Minh", "VND", "Hanoi"),
    ("SGN-RIV", "Saigon Riverside Hotel", "VN", "Asia/Ho_Chi_Minh", "VND", "Ho Chi Minh City"),
    ("DPS-UBU", "Ubud Rice Terrace Resort", "ID", "Asia/Makassar", "IDR", "Ubud"),
    ("KUL-KLC", "KLCC Skyline Suites", "MY", "Asia/Kuala_Lumpur", "MYR", "Kuala Lumpur"),
]

DEMO_ROOM_TYPES = [
    # code, name, rooms, occupancy, base rate (in the property's currency)
    ("STD", "Standard Double", 20, 2, {"VND": Decimal("1200000"), "IDR": Decimal("950000"), "MYR": Decimal("320")}),
    ("DLX", "Deluxe King", 10, 2, {"VND": Decimal("1800000"), "IDR": Decimal("1450000"), "MYR": Decimal("480")}),
    ("FAM", "Family Suite", 4, 4, {"VND": Decimal("2900000"), "IDR": Decimal("2300000"), "MYR": Decimal("760")}),
]


def seed_rate_plans(session: Session, room_type: RoomType, currency: str) -> None:
    plans = {plan.code: plan for plan in session.scalars(select(RatePlan).where(RatePlan.room_type_id == room_type.id))}
    bar = plans.get("BAR")
    if bar is None:
        bar = RatePlan(
            room_type_id=room_type.id,
            code="BAR",
            name="Best available rate",
            currency=currency,
            base_rate=room_type.base_rate,
        )
        session.add(bar)
        session.flush()
    if "NRF" not in plans:
        session.add(
            RatePlan(
                room_type_id=room_type.id,
                code="NRF",
                name="Non-refundable (10% off)",
                currency=currency,
                parent_id=bar.id,
                derivation_kind="percent",
                derivation_value=Decimal(-10),
            )
        )


def seed_properties(session: Session) -> int:
    created = 0
    for code, name, country, timezone, currency, city in DEMO_PROPERTIES:
        hotel = session.scalar(select(Property).where(Property.code == code))
        if hotel is None:
            hotel = Property(
                code=code, name=name, country_code=country, timezone=timezone, currency=currency, city=city
            )
            session.add(hotel)
            session.flush()
            created += 1
        for rt_code, rt_name, rooms, occupancy, rates in DEMO_ROOM_TYPES:
            exists = session.scalar(
                select(RoomType.id).where(RoomType.property_id == hotel.id, RoomType.code == rt_code)
            )
            room_type = session.get(RoomType, exists) if exists is not None else None
            if room_type is None:
                room_type = RoomType(
                    property_id=hotel.id,
                    code=rt_code,
                    name=rt_name,
                    total_rooms=rooms,
                    max_occupancy=occupancy,
                    base_rate=rates[currency],
                )
                session.add(room_type)
                session.flush()
            seed_rate_plans(session, room_type, currency)
    return created


# Local demo only; never a real credential.
DEMO_PASSWORD = "Demo-Lagoon-Sunrise-2026"  # noqa: S105

DEMO_STAFF = [
    # email, full name, preset role, country (None: sees every country)
    ("superadmin@demo.ptx-cm.local", "Demo Super Admin", "Super Admin", None),
    ("admin@demo.ptx-cm.local", "Demo Admin", "Admin", None),
    ("manager.vn@demo.ptx-cm.local", "Demo Property Manager (VN)", "Property Manager", "VN"),
    ("reservations.vn@demo.ptx-cm.local", "Demo Reservations (VN)", "Reservations Staff", "VN"),
    ("reservations.id@demo.ptx-cm.local", "Demo Reservations (ID)", "Reservations Staff", "ID"),
    ("finance.my@demo.ptx-cm.local", "Demo Finance (MY)", "Finance", "MY"),
    ("ota.vn@demo.ptx-cm.local", "Demo OTA Operator (VN)", "OTA Operator", "VN"),
    ("support.id@demo.ptx-cm.local", "Demo Customer Service (ID)", "Customer Service", "ID"),
]


def seed_staff(session: Session) -> int:
    created = 0
    roles = {role.name: role.id for role in session.scalars(select(Role))}
    password_hash: str | None = None
    for email, full_name, role_name, country in DEMO_STAFF:
        if session.scalar(select(User.id).where(User.email == email)) is not None:
            continue
        password_hash = password_hash or hash_password(DEMO_PASSWORD, rounds=get_settings().bcrypt_rounds)
        session.add(
            User(
                email=email,
                full_name=full_name,
                password_hash=password_hash,
                role_id=roles[role_name],
                country_code=country,
            )
        )
        created += 1
    return created


def seed() -> dict[str, int]:
    with unit_of_work() as uow:
        counts = {"properties_created": seed_properties(uow.session), "staff_created": seed_staff(uow.session)}
        property_ids = list(
            uow.session.scalars(select(Property.id).where(Property.code.in_([p[0] for p in DEMO_PROPERTIES])))
        )
    # The calendars (24 months of nights and rates), each hotel in its own transaction; idempotent.
    counts["calendars_synced"] = sum(calendar_upkeep.sync_property(property_id) for property_id in property_ids)
    return counts


if __name__ == "__main__":
    print(seed())
