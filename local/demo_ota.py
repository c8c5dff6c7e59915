"""The OTA side of ``make run``: the four simulators with one hotel per demo property, and demo OTA
accounts, connections and mappings pointing at them.

LOCAL ONLY. The simulators' hotels mirror the demo properties (``local.demo_seed``): room types
STD / DLX / FAM as OTA rooms of the same ids, each with the rate plans BAR and NRF. The seed
makes one account per OTA (country VN: a regional account), one connection per demo property and
OTA (active, so the sync engine polls it), and the room type and rate plan mappings between them.

Credentials: each account gets its simulator's demo credentials (published in
``local/simulators/*``, never real), encrypted through the vault against moto's KMS. moto keeps
no state across runs — the KMS key is a new one on every ``make run`` — so the seed re-encrypts
the demo credentials at every start (and re-points each account at its simulator's URL) instead
of trusting envelopes sealed under a key that no longer exists. Idempotent otherwise: rows are
found by their natural keys and only what is missing is added.

The booking stream (issue 7): Agoda and Booking.com notify the local API (``/webhooks/{ota}``,
with the demo webhook secrets sealed in their accounts' credentials), Expedia pushes its bookings
there (Booking Notification, issue 16); every connection is also
polled, every ``PTX_DEMO_POLL_INTERVAL`` seconds (20) per demo connection. ``DemoBookingStream``
creates, modifies and cancels reservations across the four simulators, one every
``PTX_DEMO_BOOKING_INTERVAL`` seconds (5; 0 = off), and now and then sells the last rooms of a
room type for one night on one channel and one more on another: an overbooking.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from chalicelib.db.models import (
    InventoryDay,
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
from chalicelib.domain.ota_accounts import AccountStatus
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.services import ota_access
from local.demo_seed import DEMO_PROPERTIES, DEMO_ROOM_TYPES
from local.simulators import DEMO_HOTEL_IDS, SIMULATORS, Hotel, Room, Simulator
from local.simulators import RatePlan as SimulatorRatePlan
from local.simulators.core import ControlError, Guest, Stay, WebhookTarget

DEFAULT_SIMULATOR_BASE_PORT = 8100  # Booking.com 8101, Expedia 8102, Agoda 8103, Traveloka 8104
DEMO_ACCOUNT_COUNTRY = "VN"
DEFAULT_DEMO_POLL_INTERVAL_SECONDS = 20
DEFAULT_DEMO_BOOKING_INTERVAL_SECONDS = 5.0
# LOCAL ONLY: the webhook secrets of the demo accounts (sealed in their credentials, and given to
# the simulators so they authenticate their notifications).
DEMO_WEBHOOK_SECRETS: dict[str, str] = {
    "agoda": "demo-agoda-booking-hint-secret",
    "booking_com": "demo-booking-com-webhook-hmac-key",
    "expedia": "demo-expedia-booking-notification-secret",
}
# Expedia's Booking Notification push presents a user name with its secret.
DEMO_WEBHOOK_USERNAMES: dict[str, str] = {"expedia": "demo-expedia-bn"}

# The OTA's hotel id of each demo property, per OTA (SGN-RIV keeps the simulators' demo ids).
DEMO_OTA_HOTEL_IDS: dict[str, dict[str, str]] = {
    "booking_com": {
        "HAN-OLD": "1234501",
        "SGN-RIV": DEMO_HOTEL_IDS["booking_com"],
        "DPS-UBU": "1234502",
        "KUL-KLC": "1234503",
    },
    "expedia": {"HAN-OLD": "556601", "SGN-RIV": DEMO_HOTEL_IDS["expedia"], "DPS-UBU": "556602", "KUL-KLC": "556603"},
    "agoda": {"HAN-OLD": "10730201", "SGN-RIV": DEMO_HOTEL_IDS["agoda"], "DPS-UBU": "10730202", "KUL-KLC": "10730203"},
    "traveloka": {
        "HAN-OLD": "TVK-HAN-01",
        "SGN-RIV": DEMO_HOTEL_IDS["traveloka"],
        "DPS-UBU": "TVK-DPS-01",
        "KUL-KLC": "TVK-KUL-01",
    },
}

# Rate plans of every demo room type, as the simulators name them. BAR is a base plan at the
# room type's base rate; NRF is derived from it (10 % off).
DEMO_RATE_PLANS = (("BAR", "Best Available Rate"), ("NRF", "Non-refundable"))
NRF_DISCOUNT_PERCENT = Decimal("-10")


def demo_hotels(ota: str) -> list[Hotel]:
    """The simulator hotels of one OTA: one per demo property, rooms and rate plans mirrored."""
    hotels = []
    for code, name, _country, _tz, _currency, city in DEMO_PROPERTIES:
        rooms = [
            Room(room_code, room_name, [SimulatorRatePlan(plan, plan_name) for plan, plan_name in DEMO_RATE_PLANS])
            for room_code, room_name, *_ in DEMO_ROOM_TYPES
        ]
        hotels.append(Hotel(hotel_id=DEMO_OTA_HOTEL_IDS[ota][code], name=name, city=city, rooms=rooms))
    return hotels


def start_simulators(*, host: str = "127.0.0.1", base_port: int = DEFAULT_SIMULATOR_BASE_PORT) -> dict[str, Simulator]:
    """The four simulators on base_port+1..+4 (0: free ports), holding the demo hotels.

    Raises OSError when a port is taken (after stopping those already started).
    """
    started: dict[str, Simulator] = {}
    try:
        for offset, (code, simulator_class) in enumerate(SIMULATORS.items(), start=1):
            simulator = simulator_class(host=host, port=base_port + offset if base_port else 0).start()
            started[code] = simulator
            for hotel in demo_hotels(code):
                simulator.add_hotel(hotel)
    except OSError:
        for simulator in started.values():
            simulator.stop()
        raise
    return started


def seed_ota(
    simulator_urls: Mapping[str, str], *, poll_interval_seconds: int | None = DEFAULT_DEMO_POLL_INTERVAL_SECONDS
) -> dict[str, int]:
    """Demo accounts (credentials re-encrypted now), connections and mappings; see the module doc.

    ``poll_interval_seconds`` becomes the override of every demo connection that has none."""
    counts = {"accounts_created": 0, "connections_created": 0, "mappings_created": 0, "rate_plans_created": 0}
    with unit_of_work() as uow:
        session = uow.session
        counts["rate_plans_created"] = _ensure_rate_plans(session)
        properties = {p.code: p for p in session.scalars(select(Property).where(Property.code.in_(_demo_codes())))}
        for ota_value, url in simulator_urls.items():
            ota = OtaCode(ota_value)
            account, created = _ensure_account(session, ota, url)
            counts["accounts_created"] += created
            for property_code, hotel_id in DEMO_OTA_HOTEL_IDS[ota.value].items():
                hotel = properties.get(property_code)
                if hotel is None:
                    continue
                connection, created = _ensure_connection(session, hotel, account, hotel_id)
                counts["connections_created"] += created
                if poll_interval_seconds and connection.poll_interval_seconds is None:
                    connection.poll_interval_seconds = poll_interval_seconds
                counts["mappings_created"] += _ensure_mappings(session, connection, hotel)
    return counts


def _demo_codes() -> list[str]:
    return [code for code, *_ in DEMO_PROPERTIES]


def _ensure_rate_plans(session: Session) -> int:
    created = 0
    room_types = session.scalars(
        select(RoomType).join(Property, Property.id == RoomType.property_id).where(Property.code.in_(_demo_codes()))
    )
    for room_type in room_types:
        hotel = session.get(Property, room_type.property_id)
        assert hotel is not None
        plans = {p.code: p for p in session.scalars(select(RatePlan).where(RatePlan.room_type_id == room_type.id))}
        bar = plans.get("BAR")
        if bar is None:
            bar = RatePlan(
                room_type_id=room_type.id,
                code="BAR",
                name=DEMO_RATE_PLANS[0][1],
                currency=hotel.currency,
                base_rate=room_type.base_rate,
            )
            session.add(bar)
            session.flush()
            created += 1
        if "NRF" not in plans:
            session.add(
                RatePlan(
                    room_type_id=room_type.id,
                    code="NRF",
                    name=DEMO_RATE_PLANS[1][1],
                    currency=hotel.currency,
                    parent_id=bar.id,
                    derivation_kind="percent",
                    derivation_value=NRF_DISCOUNT_PERCENT,
                )
            )
            created += 1
    session.flush()
    return created


def _ensure_account(session: Session, ota: OtaCode, url: str) -> tuple[OtaAccount, int]:
    name = f"{ota.display_name} demo"
    account = session.scalar(
        select(OtaAccount).where(
            OtaAccount.country_code == DEMO_ACCOUNT_COUNTRY, OtaAccount.ota_code == ota.value, OtaAccount.name == name
        )
    )
    created = account is None
    if account is None:
        account = OtaAccount(
            id=ota_repository.reserve_account_id(session),
            ota_code=ota.value,
            name=name,
            country_code=DEMO_ACCOUNT_COUNTRY,
        )
    account.base_url = url
    account.status = AccountStatus.ACTIVE
    # Always: last run's envelope was sealed under a KMS key moto has forgotten.
    credentials = dict(SIMULATORS[ota.value].default_credentials)
    if ota.value in DEMO_WEBHOOK_SECRETS:
        credentials["webhook_secret"] = DEMO_WEBHOOK_SECRETS[ota.value]
    if ota.value in DEMO_WEBHOOK_USERNAMES:
        credentials["webhook_username"] = DEMO_WEBHOOK_USERNAMES[ota.value]
    ota_access.seal_credentials(account, credentials)
    if created:
        session.add(account)
    session.flush()
    return account, int(created)


def _ensure_connection(
    session: Session, hotel: Property, account: OtaAccount, hotel_id: str
) -> tuple[OtaConnection, int]:
    connection = ota_repository.connection_for_property(session, hotel.id, account.id)
    if connection is not None:
        return connection, 0
    connection = OtaConnection(
        property_id=hotel.id,
        ota_account_id=account.id,
        ota_hotel_id=hotel_id,
        is_active=True,
        next_poll_at=datetime.now(UTC),
    )
    session.add(connection)
    session.flush()
    return connection, 1


def _ensure_mappings(session: Session, connection: OtaConnection, hotel: Property) -> int:
    created = 0
    existing = ota_repository.existing_mappings(session, connection.id)
    rooms = dict(existing.room_types_by_ota_room)  # OTA room -> room type
    demo_plans = dict(DEMO_RATE_PLANS)
    for room_type in ota_repository.room_types_of(session, hotel.id):
        ota_room = next((room for room, mapped in rooms.items() if mapped == room_type.id), None)
        if ota_room is None:
            if room_type.code in rooms:
                continue  # that OTA room is taken by another room type: leave what staff set up
            ota_room = room_type.code
            session.add(RoomTypeMapping(connection_id=connection.id, room_type_id=room_type.id, ota_room_id=ota_room))
            session.flush()
            rooms[ota_room] = room_type.id
            created += 1
        for plan in session.scalars(select(RatePlan).where(RatePlan.room_type_id == room_type.id)):
            if plan.code not in demo_plans or plan.id in existing.rate_plans_by_ota_rate.values():
                continue
            if (ota_room, plan.code) in existing.rate_plans_by_ota_rate:
                continue
            session.add(
                RatePlanMapping(
                    connection_id=connection.id,
                    room_type_id=room_type.id,
                    rate_plan_id=plan.id,
                    ota_room_id=ota_room,
                    ota_rate_plan_id=plan.code,
                )
            )
            created += 1
    session.flush()
    return created


# --- the booking stream -----------------------------------------------------------------------------------------


def point_webhooks_at(simulators: Mapping[str, Simulator], api_url: str) -> list[str]:
    """Agoda and Booking.com notify ``api_url``/webhooks/{ota}, Expedia pushes its bookings there
    (Booking Notification), each retrying 3 times, 15 s apart."""
    configured = []
    for ota, secret in DEMO_WEBHOOK_SECRETS.items():
        simulator = simulators.get(ota)
        if simulator is None:
            continue
        simulator.webhook = WebhookTarget(
            url=f"{api_url.rstrip('/')}/webhooks/{ota}", secret=secret, username=DEMO_WEBHOOK_USERNAMES.get(ota)
        )
        configured.append(ota)
    return configured


def available_rooms(property_code: str, room_code: str, night: date) -> int | None:
    """What our calendar still has to sell of a demo room type on a night (None: no calendar row)."""
    with unit_of_work() as uow:
        row = uow.session.execute(
            select(InventoryDay)
            .join(RoomType, RoomType.id == InventoryDay.room_type_id)
            .join(Property, Property.id == RoomType.property_id)
            .where(Property.code == property_code, RoomType.code == room_code, InventoryDay.night == night)
        ).scalar_one_or_none()
        if row is None:
            return None
        return max(0, row.total - row.sold - row.held - row.blocked - row.buffer)


class DemoBookingStream:
    """A visible stream of OTA activity for ``make run``: every ``interval_seconds`` one random
    reservation created, modified or cancelled on a random simulator; every ``overbook_every``-th
    step, the last rooms of a room type for one night sold on one channel and one more on another
    at the same moment (the channel manager cannot refuse OTA bookings: an overbooking alert)."""

    def __init__(
        self,
        simulators: Mapping[str, Simulator],
        interval_seconds: float = DEFAULT_DEMO_BOOKING_INTERVAL_SECONDS,
        *,
        overbook_every: int = 24,
        available: Callable[[str, str, date], int | None] = available_rooms,
        rng: random.Random | None = None,
        say: Callable[[str], None] = print,
    ) -> None:
        self.simulators = dict(simulators)
        self.interval_seconds = interval_seconds
        self.overbook_every = max(1, overbook_every)
        self.available = available
        self.rng = rng or random.Random()
        self.say = say
        self.steps = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> DemoBookingStream:
        if self.interval_seconds <= 0 or not self.simulators:
            return self
        self._thread = threading.Thread(target=self._run, name="demo-booking-stream", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_seconds):
            try:
                self.step()
            except Exception as exc:  # noqa: BLE001 - a demo hiccup must not end the stream
                self.say(f"demo stream: {type(exc).__name__}: {exc}")

    def step(self) -> list[str]:
        """One step; returns the simulators' reservation ids it touched."""
        self.steps += 1
        if self.steps % self.overbook_every == 0:
            touched = self.overbook()
            if touched:
                return touched
        ota = self.rng.choice(sorted(self.simulators))
        try:
            return [self.simulators[ota].generate_one(self.rng).reservation_id]
        except ControlError:
            return []

    def overbook(self) -> list[str]:
        """Sell what is left of a room type for one night on one OTA, and one more on another."""
        if len(self.simulators) < 2:
            return []
        first, second = self.rng.sample(sorted(self.simulators), 2)
        property_code = self.rng.choice(list(DEMO_OTA_HOTEL_IDS[first]))
        room_code = DEMO_ROOM_TYPES[-1][0]  # the smallest room type: few rooms to sell out
        night = date.today() + timedelta(days=self.rng.randint(7, 60))
        left = self.available(property_code, room_code, night)
        if left is None or left > 6:
            return []
        stay = Stay(
            room_id=room_code,
            rate_plan_id="BAR",
            check_in=night,
            check_out=night + timedelta(days=1),
            adults=2,
            guest=Guest(first_name="Overbook", last_name="Demo"),
            nightly_rate=Decimal("200"),
        )
        touched = []
        for _ in range(left):
            touched.append(
                self.simulators[first].create_reservation(DEMO_OTA_HOTEL_IDS[first][property_code], stay).reservation_id
            )
        touched.append(
            self.simulators[second].create_reservation(DEMO_OTA_HOTEL_IDS[second][property_code], stay).reservation_id
        )
        self.say(
            f"{time.strftime('%H:%M:%S')} demo stream  overbooking: {left} x {property_code} {room_code} "
            f"{night.isoformat()} on {first}, and 1 more on {second} at the same moment"
        )
        return touched
