"""Factories for tests that need users, sessions and country-owned records.

Use the ``identity`` fixture (tests/conftest.py): it gives an :class:`Identity` bound to a
``chalice.test.Client`` of the real app, on a fresh database and a clean moto server::

    def test_reservations_staff_can_list_bookings(identity: Identity) -> None:
        headers = identity.headers(role="Reservations Staff", country="VN")
        response = identity.client.http.get("/bookings", headers=headers)

Users are inserted directly (fast); logging in always goes through ``POST /auth/login``. Users
whose role requires 2FA (administrators) are enrolled through the real 2FA endpoints, so their
sessions carry full permissions.

**Country scoping of new routes.** ``RECORD_FACTORIES`` maps each kind of record named by
``scoped_resource=...`` on an endpoint to a function creating one such record in a given country.
``tests/integration/test_country_scoping.py`` walks every route of the app and fails for a path
id whose kind has no factory here: when you add a route with a new kind of record, add its
factory (or, for global data, an entry in ``UNSCOPED_RESOURCES`` saying why).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from chalice.app import Chalice
from chalice.local import LambdaContext, LambdaEventConverter, RouteMatcher
from chalice.test import Client, HTTPResponse
from sqlalchemy import select

from chalicelib.config import get_settings
from chalicelib.db.models import (
    Agency,
    AgencyBooking,
    AgencyContract,
    ApiKey,
    Property,
    RatePlan,
    RatePlanRule,
    Role,
    RoomType,
    SaleOrder,
    Supplier,
    SupplierAllocation,
    User,
)
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain import passwords, totp
from chalicelib.domain.permissions import Permission, requires_second_factor

DEFAULT_PASSWORD = "Tropical-Mango-Lagoon-42"
JSON_HEADERS = {"Content-Type": "application/json"}


@dataclass
class TestUser:
    __test__ = False  # not a pytest test class

    id: int
    email: str
    password: str
    role_id: int
    role_name: str
    country: str | None
    totp_secret: str | None = None
    recovery_codes: list[str] = field(default_factory=list)
    last_step: int | None = None

    def otp(self) -> str:
        """A second-factor code the server will accept now: the next unused TOTP step, else a recovery code."""
        assert self.totp_secret, f"{self.email} has no 2FA"
        now = totp.step_at(time.time())
        step = now if self.last_step is None else max(self.last_step + 1, now)
        if step <= now + 1:
            self.last_step = step
            return totp.code_for_step(self.totp_secret, step)
        assert self.recovery_codes, "out of TOTP steps and recovery codes"
        return self.recovery_codes.pop()


@dataclass
class LoggedIn:
    user: TestUser
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}", **JSON_HEADERS}


@dataclass
class CookieSession:
    """A browser-like session: the access token the page keeps in memory, the cookies the login
    set (refresh and CSRF), and the CSRF token to echo when the refresh cookie is used."""

    user: TestUser
    access_token: str
    cookies: dict[str, str]

    @property
    def csrf_token(self) -> str:
        return self.cookies["ptx_csrf"]

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}", **JSON_HEADERS}

    def headers(self, *, csrf: bool = True) -> dict[str, str]:
        """The cookies (and the CSRF header), as the browser sends them to /auth/refresh or /auth/logout."""
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        headers = {"Cookie": cookie, **JSON_HEADERS}
        if csrf:
            headers["X-CSRF-Token"] = self.csrf_token
        return headers


def set_cookies(response: Any) -> dict[str, str]:
    """name -> value of every Set-Cookie of a chalice test response (expired ones removed)."""
    raw = response.headers.get("Set-Cookie") or response.headers.get("set-cookie") or []
    if isinstance(raw, str):
        raw = [raw]
    cookies: dict[str, str] = {}
    for line in raw:
        name, _, rest = line.partition("=")
        value = rest.split(";", 1)[0]
        cookies[name] = value
    return {name: value for name, value in cookies.items() if value}


def body_of(response: Any) -> Any:
    return json.loads(response.body) if response.body else None


def request_from_ip(
    app: Chalice, source_ip: str, method: str, path: str, *, headers: dict[str, str] | None = None, body: str = ""
) -> HTTPResponse:
    """One request as API Gateway delivers it from ``source_ip`` (chalice's test client always says
    127.0.0.1): the same event converter, with the client address a real caller would have."""
    converter = LambdaEventConverter(RouteMatcher(list(app.routes)), app.api.binary_types)
    event = converter.create_lambda_event(
        method=method, path=path, headers=headers or dict(JSON_HEADERS), body=body.encode()
    )
    event["requestContext"]["identity"]["sourceIp"] = source_ip
    return HTTPResponse.create_from_dict(app(event, LambdaContext("api_handler", 512)))


class Identity:
    """Users, roles and logins for one test (a fresh database, the real app)."""

    def __init__(self, client: Client) -> None:
        self.client = client

    # --- records --------------------------------------------------------------------------
    def role_id(self, name: str) -> int:
        with unit_of_work() as uow:
            role_id = uow.session.scalar(select(Role.id).where(Role.name == name))
        assert role_id is not None, f"no role named {name!r}"
        return role_id

    def custom_role(self, permissions: Permission, name: str | None = None) -> int:
        with unit_of_work() as uow:
            role = Role(name=name or f"Test role {uuid.uuid4().hex[:8]}", description="", permissions=int(permissions))
            uow.session.add(role)
            uow.session.flush()
            return role.id

    def user(
        self,
        role: str = "Reservations Staff",
        country: str | None = "VN",
        *,
        permissions: Permission | None = None,
        email: str | None = None,
        password: str = DEFAULT_PASSWORD,
        active: bool = True,
        full_name: str = "Test Person",
        enroll_totp: bool | None = None,
    ) -> TestUser:
        """A user of a preset role (by name) or, with ``permissions``, of a new custom role.

        ``enroll_totp`` defaults to "when the role requires it" (administrators), so their sessions
        carry full permissions; pass False to get an administrator who has not enrolled yet.
        """
        role_id = self.custom_role(permissions) if permissions is not None else self.role_id(role)
        email = email or f"user-{uuid.uuid4().hex[:10]}@example.com"
        with unit_of_work() as uow:
            role_row = uow.session.get(Role, role_id)
            assert role_row is not None
            user = User(
                email=email,
                full_name=full_name,
                password_hash=passwords.hash_password(password, rounds=get_settings().bcrypt_rounds),
                role_id=role_id,
                country_code=country,
                is_active=active,
            )
            uow.session.add(user)
            uow.session.flush()
            created = TestUser(user.id, email, password, role_id, role_row.name, country)
            needs_totp = requires_second_factor(role_row.permissions)
        if (needs_totp if enroll_totp is None else enroll_totp) and active:
            self.enroll_totp(created)
        return created

    # --- sessions -------------------------------------------------------------------------
    def login_response(self, user: TestUser, *, otp: str | None = None, use_cookies: bool = False) -> Any:
        body: dict[str, Any] = {"email": user.email, "password": user.password, "use_cookies": use_cookies}
        if otp is None and user.totp_secret:
            otp = user.otp()
        if otp is not None:
            body["otp_code"] = otp
        return self.client.http.post("/auth/login", headers=JSON_HEADERS, body=json.dumps(body))

    def login(self, user: TestUser) -> LoggedIn:
        """Log in through POST /auth/login (Bearer tokens in the body)."""
        response = self.login_response(user)
        assert response.status_code == 200, response.body
        body = body_of(response)
        return LoggedIn(user=user, access_token=body["access_token"], refresh_token=body["refresh_token"])

    def cookie_login(self, user: TestUser) -> CookieSession:
        """Log in as a browser does (the access token in the body, the refresh token in an HttpOnly
        cookie, the CSRF token to echo)."""
        response = self.login_response(user, use_cookies=True)
        assert response.status_code == 200, response.body
        return CookieSession(user=user, access_token=body_of(response)["access_token"], cookies=set_cookies(response))

    def headers(
        self, role: str = "Reservations Staff", country: str | None = "VN", **user_options: Any
    ) -> dict[str, str]:
        """Authorization headers of a new, logged-in user of ``role`` in ``country``."""
        return self.login(self.user(role, country, **user_options)).headers

    def enroll_totp(self, user: TestUser) -> None:
        """Turn 2FA on through POST /auth/2fa/setup and /auth/2fa/enable."""
        session = self.login(user)
        setup = self.client.http.post(
            "/auth/2fa/setup", headers=session.headers, body=json.dumps({"password": user.password})
        )
        assert setup.status_code == 200, setup.body
        user.totp_secret = body_of(setup)["secret"]
        enable = self.client.http.post(
            "/auth/2fa/enable", headers=session.headers, body=json.dumps({"code": user.otp()})
        )
        assert enable.status_code == 200, enable.body
        user.recovery_codes = body_of(enable)["recovery_codes"]


# --- country-owned records, for the route-walking scoping test ---------------------------------
@dataclass(frozen=True)
class RecordFactory:
    """Creates one record of a kind in a given country; ``table`` lets the test check it is unchanged."""

    table: str
    create: Callable[[Identity, str], int | str]


def _user_record(identity: Identity, country: str) -> int:
    return identity.user("Reservations Staff", country).id


_TIMEZONES = {"VN": ("Asia/Ho_Chi_Minh", "VND"), "ID": ("Asia/Jakarta", "IDR"), "MY": ("Asia/Kuala_Lumpur", "MYR")}


def _property_record(identity: Identity, country: str) -> int:
    timezone, currency = _TIMEZONES[country]
    with unit_of_work() as uow:
        hotel = Property(
            code=f"P-{uuid.uuid4().hex[:10]}",
            name=f"Factory hotel {country}",
            country_code=country,
            timezone=timezone,
            currency=currency,
            city="Factory City",
        )
        uow.session.add(hotel)
        uow.session.flush()
        return hotel.id


def _room_type_record(identity: Identity, country: str) -> int:
    property_id = _property_record(identity, country)
    with unit_of_work() as uow:
        room_type = RoomType(
            property_id=property_id, code="STD", name="Standard", total_rooms=10, base_rate=Decimal(100)
        )
        uow.session.add(room_type)
        uow.session.flush()
        return room_type.id


def _rate_plan_record(identity: Identity, country: str) -> int:
    room_type_id = _room_type_record(identity, country)
    with unit_of_work() as uow:
        currency = _TIMEZONES[country][1]
        plan = RatePlan(room_type_id=room_type_id, code="BAR", name="Best rate", currency=currency, base_rate=100)
        uow.session.add(plan)
        uow.session.flush()
        return plan.id


def _rate_plan_rule_record(identity: Identity, country: str) -> int:
    plan_id = _rate_plan_record(identity, country)
    with unit_of_work() as uow:
        today = date.today()
        rule = RatePlanRule(rate_plan_id=plan_id, date_from=today, date_to=today + timedelta(days=30), rate=120)
        uow.session.add(rule)
        uow.session.flush()
        return rule.id


def _supplier_record(identity: Identity, country: str) -> int:
    with unit_of_work() as uow:
        supplier = Supplier(country_code=country, name=f"Factory owner {country}")
        uow.session.add(supplier)
        uow.session.flush()
        return supplier.id


def _allocation_record(identity: Identity, country: str) -> int:
    supplier_id = _supplier_record(identity, country)
    room_type_id = _room_type_record(identity, country)
    with unit_of_work() as uow:
        today = date.today()
        allocation = SupplierAllocation(
            supplier_id=supplier_id,
            room_type_id=room_type_id,
            date_from=today,
            date_to=today + timedelta(days=60),
            rooms=2,
        )
        uow.session.add(allocation)
        uow.session.flush()
        return allocation.id


def _agency_record(identity: Identity, country: str) -> int:
    with unit_of_work() as uow:
        agency = Agency(code=f"AG-{uuid.uuid4().hex[:10]}", name=f"Factory agency {country}", country_code=country)
        uow.session.add(agency)
        uow.session.flush()
        return agency.id


def _contract_record(identity: Identity, country: str) -> int:
    agency_id = _agency_record(identity, country)
    property_id = _property_record(identity, country)
    with unit_of_work() as uow:
        contract = AgencyContract(
            agency_id=agency_id,
            property_id=property_id,
            country_code=country,
            name="Factory contract",
            mode="allotment",
            currency=_TIMEZONES[country][1],
        )
        uow.session.add(contract)
        uow.session.flush()
        return contract.id


def _hardblock_record(identity: Identity, country: str) -> int:
    """A tentative block (nothing withheld) of a property of ``country`` for a group."""
    from chalicelib.db.models import Hardblock

    property_id = _property_record(identity, country)
    with unit_of_work() as uow:
        block = Hardblock(
            property_id=property_id,
            country_code=country,
            group_name="Factory group",
            currency=_TIMEZONES[country][1],
            guarantee="tentative",
            cut_off_date=date(2030, 1, 1),
        )
        uow.session.add(block)
        uow.session.flush()
        return block.id


def _ota_records() -> dict[str, RecordFactory]:
    from tests import ota_factories as ota

    return {
        "ota_account": RecordFactory(table="ota_accounts", create=ota.ota_account_record),
        "ota_connection": RecordFactory(table="ota_connections", create=ota.ota_connection_record),
        "room_type_mapping": RecordFactory(table="room_type_mappings", create=ota.room_type_mapping_record),
        "rate_plan_mapping": RecordFactory(table="rate_plan_mappings", create=ota.rate_plan_mapping_record),
        "mapping_proposal": RecordFactory(table="mapping_proposals", create=ota.mapping_proposal_record),
    }


def _booking_record(identity: Identity, country: str) -> int:
    from tests.booking_factories import direct_booking_record

    return direct_booking_record(country)


def _agency_booking_record(identity: Identity, country: str) -> int:
    """A pending booking of ``country`` taken under a contract of ``country`` (no nights picked up)."""
    booking_id = _booking_record(identity, country)
    contract_id = _contract_record(identity, country)
    with unit_of_work() as uow:
        contract = uow.session.get(AgencyContract, contract_id)
        assert contract is not None
        uow.session.add(
            AgencyBooking(booking_group_id=booking_id, contract_id=contract_id, agency_id=contract.agency_id)
        )
    return booking_id


def _sale_order_record(identity: Identity, country: str) -> int:
    booking_id = _agency_booking_record(identity, country)
    with unit_of_work() as uow:
        link = uow.session.get(AgencyBooking, booking_id)
        contract = uow.session.get(AgencyContract, link.contract_id) if link else None
        assert link is not None and contract is not None
        order = SaleOrder(
            number=f"SO-F-{uuid.uuid4().hex[:10]}",
            booking_group_id=booking_id,
            agency_id=link.agency_id,
            contract_id=link.contract_id,
            property_id=contract.property_id,
            currency=contract.currency,
            total=0,
            confirmed_at=datetime.now(UTC),
        )
        uow.session.add(order)
        uow.session.flush()
        return order.id


def _api_key_record(identity: Identity, country: str) -> int:
    """An API key of an agency of ``country`` (made by a user of that country)."""
    agency_id = _agency_record(identity, country)
    creator = identity.user("Property Manager", country)
    with unit_of_work() as uow:
        key = ApiKey(
            agency_id=agency_id,
            name="Factory key",
            prefix=uuid.uuid4().hex[:8],
            secret_hash=uuid.uuid4().hex * 2,
            permissions=int(Permission.CONTRACTS_READ),
            created_by_user_id=creator.id,
        )
        uow.session.add(key)
        uow.session.flush()
        return key.id


def _alert_record(identity: Identity, country: str) -> int:
    from tests.booking_factories import overbooking_alert_record

    return overbooking_alert_record(country)


RECORD_FACTORIES: dict[str, RecordFactory] = {
    "user": RecordFactory(table="users", create=_user_record),
    "property": RecordFactory(table="properties", create=_property_record),
    "room_type": RecordFactory(table="room_types", create=_room_type_record),
    "rate_plan": RecordFactory(table="rate_plans", create=_rate_plan_record),
    "rate_plan_rule": RecordFactory(table="rate_plan_rules", create=_rate_plan_rule_record),
    "supplier": RecordFactory(table="suppliers", create=_supplier_record),
    "allocation": RecordFactory(table="supplier_allocations", create=_allocation_record),
    **_ota_records(),
    "booking": RecordFactory(table="booking_groups", create=_booking_record),
    "alert": RecordFactory(table="alerts", create=_alert_record),
    "agency": RecordFactory(table="agencies", create=_agency_record),
    "contract": RecordFactory(table="agency_contracts", create=_contract_record),
    "hardblock": RecordFactory(table="hardblocks", create=_hardblock_record),
    "agency_booking": RecordFactory(table="booking_groups", create=_agency_booking_record),
    "sale_order": RecordFactory(table="sale_orders", create=_sale_order_record),
    "api_key": RecordFactory(table="api_keys", create=_api_key_record),
}


@dataclass(frozen=True)
class UnscopedResource:
    """A kind of record that belongs to no country: why, and how to make one (to fill its path id)."""

    reason: str
    create: Callable[[Identity], int | str]


def _booking_status(identity: Identity) -> int:
    from tests.booking_factories import custom_booking_status

    return custom_booking_status()


def _booking_transition(identity: Identity) -> int:
    from tests.booking_factories import custom_booking_transition

    return custom_booking_transition()


UNSCOPED_RESOURCES: dict[str, UnscopedResource] = {
    "role": UnscopedResource(
        reason="roles are global: one set of roles for every country",
        create=lambda identity: identity.custom_role(Permission.BOOKINGS_READ),
    ),
    "booking_status": UnscopedResource(
        reason="the booking workflow (statuses) is one for every country", create=_booking_status
    ),
    "booking_transition": UnscopedResource(
        reason="the booking workflow (transitions) is one for every country", create=_booking_transition
    ),
    "ota_code": UnscopedResource(
        reason="an OTA code names a webhook receiver, the same for every country", create=lambda identity: "agoda"
    ),
}
