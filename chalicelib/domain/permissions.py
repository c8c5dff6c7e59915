"""Permissions as a bitmask: one named bit per capability of the whole product.

Every feature's routes name the bit they need (``@blueprint.endpoint(..., permission=...)``); a
role is a mask of bits stored in ``roles.permissions``. The bits cover every product area now,
including ones built by later issues, so a value never changes meaning: **never renumber or reuse
a bit**. A new capability takes the next free bit, and its migration updates the preset roles
(the Super Admin role in particular, which holds every bit).

Pure rules only: which bits exist, the preset roles, who may grant what, and when a second
factor is required.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from chalicelib.domain.errors import InvalidInput


class Permission(enum.IntFlag):
    """One bit per capability. The value is stored; never renumber."""

    DASHBOARD_VIEW = 1 << 0
    PROPERTIES_READ = 1 << 1
    PROPERTIES_WRITE = 1 << 2
    INVENTORY_READ = 1 << 3
    INVENTORY_WRITE = 1 << 4
    RATES_WRITE = 1 << 5
    SUPPLIERS_READ = 1 << 6
    SUPPLIERS_WRITE = 1 << 7
    BOOKINGS_READ = 1 << 8
    BOOKINGS_CREATE = 1 << 9
    BOOKINGS_MANAGE = 1 << 10
    BOOKINGS_EXPORT = 1 << 11
    BOOKING_STATUS_CONFIG = 1 << 12
    ALERTS_READ = 1 << 13
    ALERTS_MANAGE = 1 << 14
    OTA_ACCOUNTS_READ = 1 << 15
    OTA_ACCOUNTS_WRITE = 1 << 16
    OTA_CONNECTIONS_WRITE = 1 << 17
    SYNC_TRIGGER = 1 << 18
    SYNC_STATUS_READ = 1 << 19
    FINANCE_VIEW = 1 << 20
    GUEST_DATA_VIEW = 1 << 21
    USERS_READ = 1 << 22
    USERS_WRITE = 1 << 23
    ROLES_WRITE = 1 << 24
    AUDIT_READ = 1 << 25
    SETTINGS_WRITE = 1 << 26
    COUNTRY_SWITCH = 1 << 27
    AGENCIES_READ = 1 << 28
    AGENCIES_WRITE = 1 << 29
    CONTRACTS_READ = 1 << 30
    CONTRACTS_WRITE = 1 << 31
    PARTNER_ADMIN = 1 << 32


NO_PERMISSIONS = Permission(0)
ALL_PERMISSIONS = Permission(sum(member.value for member in Permission))

DESCRIPTIONS: dict[Permission, str] = {
    Permission.DASHBOARD_VIEW: "See the dashboard: KPIs, sync health, recent bookings",
    Permission.PROPERTIES_READ: "List and view properties and room types",
    Permission.PROPERTIES_WRITE: "Create and edit properties and room types",
    Permission.INVENTORY_READ: "View availability, rates and restrictions",
    Permission.INVENTORY_WRITE: "Change availability and restrictions (stop-sell, min stay, ...)",
    Permission.RATES_WRITE: "Change rates",
    Permission.SUPPLIERS_READ: "View suppliers / room owners and their allocations",
    Permission.SUPPLIERS_WRITE: "Manage suppliers / room owners, bank details and allocations",
    Permission.BOOKINGS_READ: "List and view bookings and their timeline",
    Permission.BOOKINGS_CREATE: "Create direct and partner bookings",
    Permission.BOOKINGS_MANAGE: "Change booking status (confirm, check in, cancel, ...)",
    Permission.BOOKINGS_EXPORT: "Export bookings (CSV)",
    Permission.BOOKING_STATUS_CONFIG: "Configure booking statuses and the transition workflow",
    Permission.ALERTS_READ: "View alerts (overbooking, sync failures)",
    Permission.ALERTS_MANAGE: "Resolve, snooze and assign alerts",
    Permission.OTA_ACCOUNTS_READ: "View OTA accounts (never their credentials)",
    Permission.OTA_ACCOUNTS_WRITE: "Create OTA accounts and set their credentials",
    Permission.OTA_CONNECTIONS_WRITE: "Connect properties to OTAs, map room types and rate plans",
    Permission.SYNC_TRIGGER: "Trigger a sync or a full ARI push now",
    Permission.SYNC_STATUS_READ: "View sync runs and their errors",
    Permission.FINANCE_VIEW: "View revenue, rates paid and financial reports",
    Permission.GUEST_DATA_VIEW: "View guest personal data (names, contacts)",
    Permission.USERS_READ: "List and view staff accounts and roles",
    Permission.USERS_WRITE: "Create, edit, enable and disable staff accounts",
    Permission.ROLES_WRITE: "Create, edit and delete roles; administer administrators",
    Permission.AUDIT_READ: "Read the audit trail and the activity log",
    Permission.SETTINGS_WRITE: "Change global settings and reference data",
    Permission.COUNTRY_SWITCH: "See every country and switch between them",
    Permission.AGENCIES_READ: "View travel agencies (B2B partners)",
    Permission.AGENCIES_WRITE: "Create and edit travel agencies",
    Permission.CONTRACTS_READ: "View agency contracts, allotment events and allotment calendars",
    Permission.CONTRACTS_WRITE: "Create and amend agency contracts and post allotment events",
    Permission.PARTNER_ADMIN: "Invite agency users and manage agency API keys (an agency admin: its own agency only)",
}

# Holding any of these bits makes an account an administrator: a second factor is required
# and only a holder of ROLES_WRITE may administer it.
ADMINISTRATIVE_PERMISSIONS = Permission.USERS_WRITE | Permission.ROLES_WRITE | Permission.SETTINGS_WRITE


def has(granted: int, required: Permission) -> bool:
    """True when ``granted`` holds every bit of ``required``."""
    return int(granted) & int(required) == int(required)


def has_any(granted: int, wanted: Permission) -> bool:
    """True when ``granted`` holds at least one bit of ``wanted``."""
    return int(granted) & int(wanted) != 0


def permission_names(mask: int) -> list[str]:
    """The names of the known bits set in ``mask``, in bit order (unknown bits are ignored)."""
    return [member.name for member in Permission if member.name and int(mask) & member.value]


def mask_of(names: Iterable[str], *, field: str = "permissions") -> Permission:
    """The mask with the named bits; an unknown name is an InvalidInput naming it."""
    mask = NO_PERMISSIONS
    unknown: list[str] = []
    for name in names:
        member = Permission.__members__.get(name)
        if member is None:
            unknown.append(name)
        else:
            mask |= member
    if unknown:
        raise InvalidInput(
            f"Unknown permission(s): {', '.join(sorted(unknown))}",
            details=[{"field": field, "message": f"unknown permission {name!r}"} for name in unknown],
        )
    return mask


def as_permission(mask: int) -> Permission:
    """A stored mask as a Permission, keeping only the bits this code knows."""
    return Permission(int(mask) & ALL_PERMISSIONS.value)


def requires_second_factor(mask: int) -> bool:
    """Administrators must use TOTP (policy); everyone else may opt in."""
    return has_any(mask, ADMINISTRATIVE_PERMISSIONS)


def may_grant(granter: int, granted: int) -> bool:
    """Nobody hands out a bit they do not hold (assigning a role, editing a role's bits)."""
    return int(granted) & ~int(granter) == 0


def may_administer(administrator: int, target: int) -> bool:
    """May an account holding ``administrator`` edit, disable or delete one holding ``target``?

    The target's bits must be a subset of the administrator's, and administrators (accounts
    holding USERS_WRITE, ROLES_WRITE or SETTINGS_WRITE) are administered only by holders of
    ROLES_WRITE: an Admin manages staff; only a Super Admin manages Admins and Super Admins.
    """
    if not may_grant(administrator, target):
        return False
    return not has_any(target, ADMINISTRATIVE_PERMISSIONS) or has(administrator, Permission.ROLES_WRITE)


@dataclass(frozen=True)
class PresetRole:
    name: str
    description: str
    permissions: Permission


_P = Permission

_READ_MOST = _P.DASHBOARD_VIEW | _P.PROPERTIES_READ | _P.INVENTORY_READ | _P.ALERTS_READ | _P.SYNC_STATUS_READ

SUPER_ADMIN_ROLE = "Super Admin"
ADMIN_ROLE = "Admin"

# What an agency's own people and systems may ever do: read their agency, contracts and allotments,
# book against them and manage those bookings (confirm, cancel). Agency accounts and API keys only
# reach the routes declared ``partner=True`` (chalicelib.api.routing), scoped to their agency.
PARTNER_PERMISSIONS = _P.AGENCIES_READ | _P.CONTRACTS_READ | _P.BOOKINGS_CREATE | _P.BOOKINGS_MANAGE
API_KEY_PERMISSIONS = PARTNER_PERMISSIONS

# The six roles of the product brief, plus Super Admin above Admin. What separates the two:
# only Super Admin holds ROLES_WRITE, so only it edits roles and administers other
# administrators (Admins and Super Admins); Admin runs the business and manages staff accounts.
PRESET_ROLES: tuple[PresetRole, ...] = (
    PresetRole(
        "Property Manager",
        "Runs the properties of a country: occupancy, timeline, OTA connections; may switch country",
        _READ_MOST
        | _P.PROPERTIES_WRITE
        | _P.INVENTORY_WRITE
        | _P.RATES_WRITE
        | _P.SUPPLIERS_READ
        | _P.SUPPLIERS_WRITE
        | _P.BOOKINGS_READ
        | _P.BOOKINGS_CREATE
        | _P.BOOKINGS_MANAGE
        | _P.BOOKINGS_EXPORT
        | _P.ALERTS_MANAGE
        | _P.OTA_ACCOUNTS_READ
        | _P.OTA_CONNECTIONS_WRITE
        | _P.SYNC_TRIGGER
        | _P.FINANCE_VIEW
        | _P.GUEST_DATA_VIEW
        | _P.USERS_READ
        | _P.AUDIT_READ
        | _P.COUNTRY_SWITCH
        | _P.AGENCIES_READ
        | _P.AGENCIES_WRITE
        | _P.CONTRACTS_READ
        | _P.CONTRACTS_WRITE
        | _P.PARTNER_ADMIN,
    ),
    PresetRole(
        "Reservations Staff",
        "Checks availability, takes and confirms bookings, resolves overbooking alerts in their country",
        _READ_MOST
        | _P.BOOKINGS_READ
        | _P.BOOKINGS_CREATE
        | _P.BOOKINGS_MANAGE
        | _P.ALERTS_MANAGE
        | _P.GUEST_DATA_VIEW
        | _P.AGENCIES_READ
        | _P.CONTRACTS_READ,
    ),
    PresetRole(
        "Finance",
        "Revenue metrics and booking exports for accounting in their country",
        _P.DASHBOARD_VIEW
        | _P.PROPERTIES_READ
        | _P.INVENTORY_READ
        | _P.SUPPLIERS_READ
        | _P.BOOKINGS_READ
        | _P.BOOKINGS_EXPORT
        | _P.FINANCE_VIEW
        | _P.AGENCIES_READ
        | _P.CONTRACTS_READ,
    ),
    PresetRole(
        "OTA Operator",
        "Configures OTA accounts, tests connections, maps room types and rate plans",
        _READ_MOST
        | _P.RATES_WRITE
        | _P.OTA_ACCOUNTS_READ
        | _P.OTA_ACCOUNTS_WRITE
        | _P.OTA_CONNECTIONS_WRITE
        | _P.SYNC_TRIGGER,
    ),
    PresetRole(
        "Customer Service",
        "Reads booking history and guest details to handle complaints",
        _P.DASHBOARD_VIEW
        | _P.PROPERTIES_READ
        | _P.INVENTORY_READ
        | _P.ALERTS_READ
        | _P.BOOKINGS_READ
        | _P.GUEST_DATA_VIEW,
    ),
    PresetRole(
        ADMIN_ROLE,
        "Everything except editing roles and administering other administrators; 2FA required",
        ALL_PERMISSIONS & ~_P.ROLES_WRITE,
    ),
    PresetRole(
        SUPER_ADMIN_ROLE,
        "Every permission, including roles and administrators; 2FA required; cannot be edited",
        ALL_PERMISSIONS,
    ),
)

# The roles of agency accounts (users with an agency): seeded like the preset roles, but given only
# to users of an agency. The agency admin also invites its agency's users and manages its API keys.
PARTNER_ROLE = "Agency Partner"
PARTNER_ADMIN_ROLE = "Agency Admin"
PARTNER_ROLES: tuple[PresetRole, ...] = (
    PresetRole(
        PARTNER_ROLE,
        "An agency's staff: its own contracts, allotments, bookings and sale orders only",
        PARTNER_PERMISSIONS,
    ),
    PresetRole(
        PARTNER_ADMIN_ROLE,
        "An agency's administrator: as Agency Partner, and invites its agency's users and manages its API keys",
        PARTNER_PERMISSIONS | _P.PARTNER_ADMIN,
    ),
)


def is_partner_role(mask: int) -> bool:
    """Whether a role fits an agency account (nothing beyond the partner bits and PARTNER_ADMIN)."""
    return may_grant(PARTNER_PERMISSIONS | Permission.PARTNER_ADMIN, mask)
