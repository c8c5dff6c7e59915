"""Factories for booking tests: hotels with room types and open calendars, callers, OTA requests.

Calendar cells are created directly (``missing_cells`` + the inventory-cell repository), not
through the calendar's API, so these tests depend only on the schema. Everything commits: the
services under test open their own transactions and connections.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from chalicelib.db.models import (
    BookingGroup,
    BookingNight,
    InventoryDay,
    Property,
    RateDay,
    RatePlan,
    Role,
    RoomType,
    User,
)
from chalicelib.db.repositories import inventory_cells
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller
from chalicelib.domain.inventory import missing_cells
from chalicelib.domain.nights import NightRange
from chalicelib.domain.ota_booking import OtaBookingLine, OtaBookingRequest
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_reservation import NightlyRate, OtaGuest, ReservationAction
from chalicelib.domain.permissions import Permission, as_permission
from chalicelib.domain.timezones import today_in_timezone

TIMEZONES = {"VN": ("Asia/Ho_Chi_Minh", "VND"), "ID": ("Asia/Jakarta", "IDR"), "MY": ("Asia/Kuala_Lumpur", "MYR")}


@dataclass
class Hotel:
    property_id: int
    country: str
    currency: str
    room_type_ids: list[int]
    today: date
    rate_plan_ids: dict[int, int] = field(default_factory=dict)

    def night(self, offset: int) -> date:
        return self.today + timedelta(days=offset)


def make_hotel(
    country: str = "VN",
    *,
    rooms: Sequence[int] = (5,),
    nights: int = 60,
    buffer: int = 0,
    base_rate: Decimal = Decimal("1000000"),
    with_rate_plans: bool = False,
) -> Hotel:
    """A property with one room type per entry of ``rooms`` (its total), each with ``nights`` open nights from today."""
    timezone, currency = TIMEZONES[country]
    today = today_in_timezone(datetime.now(UTC), timezone)
    suffix = uuid.uuid4().hex[:8].upper()
    with unit_of_work() as uow:
        hotel = Property(
            code=f"H-{suffix}", name=f"Hotel {suffix}", country_code=country, timezone=timezone, currency=currency
        )
        uow.session.add(hotel)
        uow.session.flush()
        room_type_ids = []
        for index, total in enumerate(rooms):
            room_type = RoomType(
                property_id=hotel.id,
                code=f"RT{index}",
                name=f"Room type {index}",
                total_rooms=total,
                max_occupancy=3,
                base_rate=base_rate,
            )
            uow.session.add(room_type)
            uow.session.flush()
            room_type_ids.append(room_type.id)
            inventory_cells.insert_cells(
                uow.session,
                missing_cells(
                    room_type.id, [], NightRange(today, today + timedelta(days=nights)), total=total, buffer=buffer
                ),
            )
        created = Hotel(hotel.id, country, currency, room_type_ids, today)
        if with_rate_plans:
            for room_type_id in room_type_ids:
                plan = RatePlan(
                    room_type_id=room_type_id, code="BAR", name="Best available", currency=currency, base_rate=base_rate
                )
                uow.session.add(plan)
                uow.session.flush()
                created.rate_plan_ids[room_type_id] = plan.id
                uow.session.add_all(
                    RateDay(
                        rate_plan_id=plan.id,
                        night=today + timedelta(days=d),
                        room_type_id=room_type_id,
                        amount=base_rate + d,
                    )
                    for d in range(nights)
                )
    return created


def make_caller(
    role: str = "Reservations Staff", country: str | None = "VN", *, permissions: Permission | None = None
) -> Caller:
    """A caller backed by a real user row (bookings and idempotency keys refer to users)."""
    with unit_of_work() as uow:
        if permissions is None:
            role_row = uow.session.scalar(select(Role).where(Role.name == role))
            assert role_row is not None
        else:
            role_row = Role(name=f"Custom {uuid.uuid4().hex[:8]}", description="", permissions=int(permissions))
            uow.session.add(role_row)
            uow.session.flush()
        user = User(
            email=f"caller-{uuid.uuid4().hex[:10]}@example.com",
            full_name="Booking Caller",
            password_hash="x",
            role_id=role_row.id,
            country_code=country,
        )
        uow.session.add(user)
        uow.session.flush()
        mask = as_permission(role_row.permissions)
        return Caller(
            user_id=user.id,
            email=user.email,
            full_name=user.full_name,
            role_id=role_row.id,
            role_name=role_row.name,
            permissions=mask,
            home_country=country,
            active_country=country,
            may_switch_country=bool(mask & Permission.COUNTRY_SWITCH),
            session_id="test-session",
        )


def counters(room_type_id: int) -> dict[date, tuple[int, int, int]]:
    """night → (total, sold, held) of a room type."""
    with unit_of_work() as uow:
        rows = uow.session.execute(
            select(InventoryDay.night, InventoryDay.total, InventoryDay.sold, InventoryDay.held).where(
                InventoryDay.room_type_id == room_type_id
            )
        ).all()
    return {row.night: (row.total, row.sold, row.held) for row in rows}


def booked_nights(room_type_id: int) -> dict[date, tuple[int, int]]:
    """night → (rooms sold, rooms held) summed over booking nights of a room type."""
    result: dict[date, tuple[int, int]] = {}
    with unit_of_work() as uow:
        rows = uow.session.execute(
            select(BookingNight.night, BookingNight.rooms, BookingNight.effect).where(
                BookingNight.room_type_id == room_type_id
            )
        ).all()
    for night, rooms, effect in rows:
        sold, held = result.get(night, (0, 0))
        if effect == "sell":
            sold += rooms
        elif effect == "hold":
            held += rooms
        result[night] = (sold, held)
    return result


def group_status(group_id: int) -> str:
    from chalicelib.db.models import BookingStatus

    with unit_of_work() as uow:
        code = uow.session.scalar(
            select(BookingStatus.code)
            .join(BookingGroup, BookingGroup.status_id == BookingStatus.id)
            .where(BookingGroup.id == group_id)
        )
    assert code is not None
    return code


def ota_request(
    hotel: Hotel,
    reservation_id: str,
    revision: str,
    action: ReservationAction = ReservationAction.NEW,
    *,
    room_type_id: int | None = None,
    first: int = 1,
    nights: int = 2,
    rooms: int = 1,
    ota: OtaCode = OtaCode.BOOKING_COM,
    lines: tuple[OtaBookingLine, ...] | None = None,
    guest: str = "Ota Guest",
    booked_at: datetime | None = None,
    ack_token: str = "",
    channel_freshness: dict[str, object] | None = None,
) -> OtaBookingRequest:
    """One OTA revision for ``rooms`` rooms from ``hotel.night(first)`` for ``nights`` nights."""
    check_in = hotel.night(first)
    if lines is None:
        check_out = check_in + timedelta(days=nights)
        lines = (
            OtaBookingLine(
                room_type_id=room_type_id or hotel.room_type_ids[0],
                rate_plan_id=None,
                check_in=check_in,
                check_out=check_out,
                rooms=rooms,
                adults=2,
                nightly_amounts=tuple(
                    NightlyRate(check_in + timedelta(days=d), Decimal(500000) * rooms) for d in range(nights)
                ),
            ),
        )
    first_name, _, last_name = guest.partition(" ")
    return OtaBookingRequest(
        ota=ota,
        reservation_id=reservation_id,
        revision=revision,
        action=action,
        property_id=hotel.property_id,
        lines=lines,
        guest=OtaGuest(first_name, last_name, email="guest@example.com"),
        total_amount=None,
        currency=hotel.currency,
        received_at=datetime.now(UTC),
        ack_token=ack_token or f"ack-{reservation_id}-{revision}",
        booked_at=booked_at,
        payload={"reservation_id": reservation_id, "revision": revision, "action": action.value},
        channel_freshness=channel_freshness or {},  # type: ignore[arg-type]
    )


def direct_booking_record(country: str) -> int:
    """A pending direct booking in ``country`` (for the route-walking scoping test)."""
    from chalicelib.services import booking_service

    hotel = make_hotel(country, rooms=(3,), nights=10)
    caller = make_caller("Reservations Staff", country)
    created = booking_service.create_booking(
        caller,
        booking_service.NewBooking(
            property_id=hotel.property_id,
            guest_name="Scoped Guest",
            lines=(booking_service.NewBookingLine(hotel.room_type_ids[0], hotel.night(1), hotel.night(3)),),
        ),
    )
    return created.group_id


def overbooking_alert_record(country: str) -> int:
    """An open overbooking alert in ``country`` (for the route-walking scoping test)."""
    from chalicelib.services import booking_service

    hotel = make_hotel(country, rooms=(1,), nights=10)
    booking_service.ingest_ota_reservation(ota_request(hotel, f"R-{uuid.uuid4().hex[:8]}", "1"))
    result = booking_service.ingest_ota_reservation(
        ota_request(hotel, f"R-{uuid.uuid4().hex[:8]}", "1", ota=OtaCode.AGODA)
    )
    assert result.alert_ids
    return result.alert_ids[0]


def point_at_moto(moto_server: object, monkeypatch: object) -> str:
    """Point the app's AWS clients at the session's moto server and make sure the alerts topic exists.

    Lighter than the ``aws`` fixture (no reset): for tests whose bookings may raise alerts, so the
    relay after commit talks to moto, never to a real endpoint. Returns the topic's ARN.
    """
    from chalicelib.aws import clients
    from chalicelib.aws.resources import ALERTS_TOPIC_NAME
    from chalicelib.config import reset_settings

    for name, value in moto_server.environment().items():  # type: ignore[attr-defined]
        monkeypatch.setenv(name, value)  # type: ignore[attr-defined]
    monkeypatch.setenv("AWS_REGION", "ap-southeast-1")  # type: ignore[attr-defined]
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-southeast-1")  # type: ignore[attr-defined]
    reset_settings()
    clients.reset_clients()
    return str(clients.sns().create_topic(Name=ALERTS_TOPIC_NAME)["TopicArn"])


def custom_booking_status(effect: str = "none") -> int:
    """A new, unused, non-system booking status."""
    from chalicelib.db.models import BookingStatus

    with unit_of_work() as uow:
        status = BookingStatus(
            code=f"custom_{uuid.uuid4().hex[:8]}", label="Custom", colour="#123456", inventory_effect=effect
        )
        uow.session.add(status)
        uow.session.flush()
        return status.id


def custom_booking_transition() -> int:
    """A transition between two new custom statuses."""
    from chalicelib.db.models import BookingStatusTransition

    source, target = custom_booking_status(), custom_booking_status()
    with unit_of_work() as uow:
        transition = BookingStatusTransition(from_status_id=source, to_status_id=target, permission="BOOKINGS_MANAGE")
        uow.session.add(transition)
        uow.session.flush()
        return transition.id
