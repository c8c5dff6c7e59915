"""Demo data for the local stack: a few hotels in each country. Idempotent (upserts by code).

Later features add their own demo rows here (staff accounts, OTA accounts and connections).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from chalicelib.db.engine import unit_of_work
from chalicelib.db.models import Property, RoomType

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
            if exists is None:
                session.add(
                    RoomType(
                        property_id=hotel.id,
                        code=rt_code,
                        name=rt_name,
                        total_rooms=rooms,
                        max_occupancy=occupancy,
                        base_rate=rates[currency],
                    )
                )
    return created


def seed() -> dict[str, int]:
    with unit_of_work() as uow:
        return {"properties_created": seed_properties(uow.session)}


if __name__ == "__main__":
    print(seed())
