"""Demo data for the local stack: a few hotels in each country and one staff account per preset
role. Idempotent (upserts by code / email).

LOCAL ONLY: the demo accounts share one published password (DEMO_PASSWORD, also in the README).
This module runs only from ``local.stack`` (``make run``); nothing deploys it.
Every demo room type gets a base rate plan (``BAR``) and a derived non-refundable plan (``NRF``,
10 % off), and every hotel its 24 months of calendar (``calendar_upkeep.sync_property``). The OTA
accounts, connections and mappings (which need the simulators and KMS) are seeded by
``local.demo_ota`` once those run. Demo bookings (holds, confirmed direct and partner bookings,
OTA bookings, one overbooked night with its alert) are created once, through the booking service,
after the calendars exist.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from chalicelib.config import get_settings
from chalicelib.db.models import BookingGroup, Property, RatePlan, Role, RoomType, User
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller
from chalicelib.domain.passwords import hash_password
from chalicelib.domain.permissions import as_permission
from chalicelib.domain.timezones import today_in_timezone
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


DEMO_NOTE = "demo booking"


def seed_bookings() -> int:
    """A handful of bookings per demo hotel (once): returns how many groups were created."""
    from chalicelib.domain.ota_booking import OtaBookingLine, OtaBookingRequest
    from chalicelib.domain.ota_codes import OtaCode
    from chalicelib.domain.ota_reservation import OtaGuest, ReservationAction
    from chalicelib.services import booking_service

    codes = [code for code, *_ in DEMO_PROPERTIES]
    with unit_of_work() as uow:
        session = uow.session
        if session.scalar(select(BookingGroup.id).where(BookingGroup.notes == DEMO_NOTE).limit(1)) is not None:
            return 0
        hotels = list(session.scalars(select(Property).where(Property.code.in_(codes)).order_by(Property.id)))
        room_types = {
            hotel.id: {rt.code: rt for rt in session.scalars(select(RoomType).where(RoomType.property_id == hotel.id))}
            for hotel in hotels
        }
        todays = {hotel.id: today_in_timezone(datetime.now(UTC), hotel.timezone) for hotel in hotels}
        admin = session.scalar(select(User).where(User.email == "admin@demo.ptx-cm.local"))
        role = session.get(Role, admin.role_id) if admin else None
        if admin is None or role is None:
            return 0
        caller = Caller(
            user_id=admin.id,
            email=admin.email,
            full_name=admin.full_name,
            role_id=role.id,
            role_name=role.name,
            permissions=as_permission(role.permissions),
            home_country=None,
            active_country=None,
            may_switch_country=True,
            session_id="demo-seed",
        )

    created = 0
    for hotel in hotels:
        created += _seed_hotel_bookings(caller, hotel, todays[hotel.id], room_types[hotel.id])
    # One overbooked night, so the alerts page has something to show: the Family Suites of the
    # first hotel are sold out on Booking.com, then Agoda sells one more.
    hotel = hotels[0]
    family = room_types[hotel.id]["FAM"]
    night = todays[hotel.id] + timedelta(days=14)
    for index in range(family.total_rooms + 1):
        booking_service.ingest_ota_reservation(
            OtaBookingRequest(
                ota=OtaCode.AGODA if index == family.total_rooms else OtaCode.BOOKING_COM,
                reservation_id=f"DEMO-{hotel.code}-FULL-{index}",
                revision="0001",
                action=ReservationAction.NEW,
                property_id=hotel.id,
                lines=(OtaBookingLine(family.id, None, night, night + timedelta(days=1)),),
                guest=OtaGuest("Guest", f"Number {index + 1}"),
                total_amount=None,
                currency=hotel.currency,
                received_at=datetime.now(UTC),
                payload={"demo": True},
            )
        )
        created += 1
    return created


def _seed_hotel_bookings(caller: Caller, hotel: Property, today: date, rts: dict[str, RoomType]) -> int:
    from chalicelib.domain.bookings import BookingSource
    from chalicelib.domain.ota_booking import OtaBookingLine, OtaBookingRequest
    from chalicelib.domain.ota_codes import OtaCode
    from chalicelib.domain.ota_reservation import OtaGuest, ReservationAction
    from chalicelib.services import booking_service
    from chalicelib.services.booking_service import NewBooking, NewBookingLine

    def stay(first: int, nights: int, code: str, rooms: int = 1) -> NewBookingLine:
        check_in = today + timedelta(days=first)
        return NewBookingLine(rts[code].id, check_in, check_in + timedelta(days=nights), rooms=rooms)

    def book(guest: str, *lines: NewBookingLine, confirm: bool, partner: str | None = None) -> None:
        request = NewBooking(
            property_id=hotel.id,
            guest_name=guest,
            guest_email=f"{guest.split()[0].lower()}@guest.example.com",
            lines=lines,
            source=BookingSource.PARTNER if partner else BookingSource.DIRECT,
            partner_code=partner,
            notes=DEMO_NOTE,
        )
        group_id = booking_service.create_booking(caller, request).group_id
        if confirm:
            booking_service.confirm_group(caller, group_id)

    def ota(code: OtaCode, reservation: str, revision: str, action: ReservationAction, line: NewBookingLine | None,
            guest: str) -> None:  # fmt: skip
        first, last = guest.split(" ", 1)
        lines = () if line is None else (OtaBookingLine(line.room_type_id, None, line.check_in, line.check_out),)
        booking_service.ingest_ota_reservation(
            OtaBookingRequest(
                ota=code,
                reservation_id=f"DEMO-{hotel.code}-{reservation}",
                revision=revision,
                action=action,
                property_id=hotel.id,
                lines=lines,
                guest=OtaGuest(first, last),
                total_amount=None,
                currency=hotel.currency,
                received_at=datetime.now(UTC),
                payload={"demo": True},
            )
        )

    book("Linh Nguyen", stay(3, 2, "STD"), confirm=False)
    book("Budi Santoso", stay(7, 3, "DLX", rooms=2), confirm=True)
    book("Aisha Rahman", stay(10, 2, "FAM"), stay(10, 2, "STD", rooms=2), confirm=True, partner="VIETTRAVEL")
    ota(OtaCode.BOOKING_COM, "1", "0001", ReservationAction.NEW, stay(5, 2, "STD"), "Emma Laurent")
    ota(OtaCode.AGODA, "2", "0001", ReservationAction.NEW, stay(12, 2, "DLX"), "Kenji Sato")
    ota(OtaCode.AGODA, "2", "0002", ReservationAction.MODIFY, stay(13, 3, "DLX"), "Kenji Sato")
    ota(OtaCode.EXPEDIA, "3", "0001", ReservationAction.NEW, stay(20, 1, "STD"), "Maria Garcia")
    ota(OtaCode.EXPEDIA, "3", "0002", ReservationAction.CANCEL, None, "Maria Garcia")
    return 6


def seed() -> dict[str, int]:
    with unit_of_work() as uow:
        counts = {"properties_created": seed_properties(uow.session), "staff_created": seed_staff(uow.session)}
        property_ids = list(
            uow.session.scalars(select(Property.id).where(Property.code.in_([p[0] for p in DEMO_PROPERTIES])))
        )
    # The calendars (24 months of nights and rates), each hotel in its own transaction; idempotent.
    counts["calendars_synced"] = sum(calendar_upkeep.sync_property(property_id) for property_id in property_ids)
    counts["bookings_created"] = seed_bookings()
    return counts


if __name__ == "__main__":
    print(seed())
