"""The permission bitmask, the preset roles, who may grant and administer what, country scope."""

from __future__ import annotations

import pytest

from chalicelib.domain.access import (
    Caller,
    CountryNotAllowed,
    CountryScope,
    MfaEnrollmentRequired,
    resolve_active_country,
)
from chalicelib.domain.errors import InvalidInput, NotFound, PermissionDenied
from chalicelib.domain.permissions import (
    ALL_PERMISSIONS,
    NO_PERMISSIONS,
    PRESET_ROLES,
    Permission,
    as_permission,
    has,
    has_any,
    mask_of,
    may_administer,
    may_grant,
    permission_names,
    requires_second_factor,
)

# Stored in the database: a bit must never change meaning. This snapshot fails on renumbering.
FROZEN_BITS = {
    "DASHBOARD_VIEW": 0, "PROPERTIES_READ": 1, "PROPERTIES_WRITE": 2, "INVENTORY_READ": 3, "INVENTORY_WRITE": 4,
    "RATES_WRITE": 5, "SUPPLIERS_READ": 6, "SUPPLIERS_WRITE": 7, "BOOKINGS_READ": 8, "BOOKINGS_CREATE": 9,
    "BOOKINGS_MANAGE": 10, "BOOKINGS_EXPORT": 11, "BOOKING_STATUS_CONFIG": 12, "ALERTS_READ": 13,
    "ALERTS_MANAGE": 14, "OTA_ACCOUNTS_READ": 15, "OTA_ACCOUNTS_WRITE": 16, "OTA_CONNECTIONS_WRITE": 17,
    "SYNC_TRIGGER": 18, "SYNC_STATUS_READ": 19, "FINANCE_VIEW": 20, "GUEST_DATA_VIEW": 21, "USERS_READ": 22,
    "USERS_WRITE": 23, "ROLES_WRITE": 24, "AUDIT_READ": 25, "SETTINGS_WRITE": 26, "COUNTRY_SWITCH": 27,
    "AGENCIES_READ": 28, "AGENCIES_WRITE": 29, "CONTRACTS_READ": 30, "CONTRACTS_WRITE": 31,
    "PARTNER_ADMIN": 32,
}  # fmt: skip

ROLES = {role.name: role.permissions for role in PRESET_ROLES}


def test_permission_bits_are_frozen_single_bits() -> None:
    assert {member.name: member.value.bit_length() - 1 for member in Permission} == FROZEN_BITS
    assert all(member.value.bit_count() == 1 for member in Permission)


def test_names_and_masks_round_trip() -> None:
    mask = mask_of(["BOOKINGS_READ", "ALERTS_READ"])
    assert mask == Permission.BOOKINGS_READ | Permission.ALERTS_READ
    assert permission_names(mask) == ["BOOKINGS_READ", "ALERTS_READ"]
    assert permission_names(NO_PERMISSIONS) == []
    assert len(permission_names(ALL_PERMISSIONS)) == len(FROZEN_BITS)


def test_unknown_permission_name_is_invalid_input_naming_it() -> None:
    with pytest.raises(InvalidInput) as caught:
        mask_of(["BOOKINGS_READ", "LAUNCH_MISSILES"])
    assert "LAUNCH_MISSILES" in caught.value.message
    assert caught.value.details == [{"field": "permissions", "message": "unknown permission 'LAUNCH_MISSILES'"}]


def test_a_stored_mask_with_bits_from_the_future_keeps_only_known_bits() -> None:
    stored = int(Permission.BOOKINGS_READ) | (1 << 40)
    assert as_permission(stored) == Permission.BOOKINGS_READ
    assert permission_names(stored) == ["BOOKINGS_READ"]


def test_has_needs_every_bit_and_has_any_needs_one() -> None:
    granted = Permission.BOOKINGS_READ | Permission.ALERTS_READ
    assert has(granted, Permission.BOOKINGS_READ)
    assert not has(granted, Permission.BOOKINGS_READ | Permission.BOOKINGS_MANAGE)
    assert has_any(granted, Permission.BOOKINGS_READ | Permission.BOOKINGS_MANAGE)
    assert not has_any(granted, Permission.USERS_WRITE)


def test_preset_roles_are_the_six_of_the_brief_plus_super_admin() -> None:
    assert list(ROLES) == [
        "Property Manager", "Reservations Staff", "Finance", "OTA Operator", "Customer Service", "Admin", "Super Admin",
    ]  # fmt: skip
    assert ROLES["Super Admin"] == ALL_PERMISSIONS
    assert ROLES["Admin"] == ALL_PERMISSIONS & ~Permission.ROLES_WRITE


def test_only_managers_and_admins_may_switch_country() -> None:
    switchers = {name for name, mask in ROLES.items() if has(mask, Permission.COUNTRY_SWITCH)}
    assert switchers == {"Property Manager", "Admin", "Super Admin"}


def test_a_second_factor_is_required_exactly_for_administrative_roles() -> None:
    required = {name for name, mask in ROLES.items() if requires_second_factor(mask)}
    assert required == {"Admin", "Super Admin"}


def test_nobody_grants_a_bit_they_lack() -> None:
    assert may_grant(ROLES["Admin"], ROLES["Reservations Staff"])
    assert not may_grant(ROLES["Admin"], ROLES["Super Admin"])
    assert not may_grant(ROLES["Property Manager"], ROLES["Finance"] | Permission.USERS_WRITE)


def test_only_super_admins_administer_administrators() -> None:
    admin, super_admin = ROLES["Admin"], ROLES["Super Admin"]
    assert may_administer(admin, ROLES["Reservations Staff"])
    assert not may_administer(admin, admin)  # an Admin does not manage other Admins
    assert not may_administer(admin, super_admin)
    assert may_administer(super_admin, admin)
    assert may_administer(super_admin, super_admin)
    assert not may_administer(ROLES["Property Manager"], ROLES["OTA Operator"])  # lacks OTA_ACCOUNTS_WRITE


def caller(**overrides: object) -> Caller:
    values: dict[str, object] = {
        "user_id": 1, "email": "a@example.com", "full_name": "A", "role_id": 1, "role_name": "R",
        "permissions": ROLES["Reservations Staff"], "home_country": "VN", "active_country": "VN",
        "may_switch_country": False, "session_id": "s",
    }  # fmt: skip
    values.update(overrides)
    return Caller(**values)  # type: ignore[arg-type]


def test_staff_see_exactly_their_country() -> None:
    scope = caller().scope
    assert scope == CountryScope.only("VN")
    assert scope.includes("VN") and not scope.includes("ID") and not scope.includes(None)
    with pytest.raises(NotFound):
        scope.require("ID")


def test_staff_without_a_country_see_nothing() -> None:
    assert caller(home_country=None, active_country=None).scope == CountryScope.nowhere()


def test_switchers_see_everything_until_they_pick_a_country() -> None:
    everywhere = caller(may_switch_country=True, active_country=None).scope
    assert everywhere.is_everywhere and everywhere.includes("MY") and everywhere.includes(None)
    assert caller(may_switch_country=True, active_country="ID").scope == CountryScope.only("ID")


def test_requiring_a_missing_permission_names_it() -> None:
    with pytest.raises(PermissionDenied) as caught:
        caller().require(Permission.USERS_WRITE | Permission.BOOKINGS_READ)
    assert caught.value.details == [{"missing_permissions": ["USERS_WRITE"]}]
    with pytest.raises(MfaEnrollmentRequired):
        caller(permissions=NO_PERMISSIONS, mfa_enrollment_required=True).require(Permission.USERS_READ)


KNOWN = ["ID", "MY", "VN"]


@pytest.mark.parametrize(
    ("requested", "session_country", "may_switch", "expected"),
    [
        (None, None, False, "VN"),  # staff: always home
        ("vn", None, False, "VN"),  # asking for home is fine (any case)
        (None, None, True, None),  # switcher, nothing chosen: all countries
        (None, "ID", True, "ID"),  # the session's choice
        ("MY", "ID", True, "MY"),  # the header wins for this request
    ],
)
def test_active_country_resolution(
    requested: str | None, session_country: str | None, may_switch: bool, expected: str | None
) -> None:
    resolved = resolve_active_country(
        requested=requested,
        session_country=session_country,
        home_country="VN",
        may_switch=may_switch,
        known_countries=KNOWN,
    )
    assert resolved == expected


@pytest.mark.parametrize(("requested", "may_switch"), [("ID", False), ("XX", True), ("XX", False)])
def test_a_country_the_caller_may_not_see_is_refused(requested: str, may_switch: bool) -> None:
    with pytest.raises(CountryNotAllowed):
        resolve_active_country(
            requested=requested, session_country=None, home_country="VN", may_switch=may_switch, known_countries=KNOWN
        )
