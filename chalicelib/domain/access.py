"""Who is calling, and which countries (or, for an agency's account, which agency) they may see right now.

The API layer builds a :class:`Caller` for every authenticated request and hands it to views
that declare a ``caller`` parameter; services pass ``caller.scope`` to repositories, which
filter in SQL (``chalicelib.db.scoping``). A record outside the scope is :class:`NotFound`,
never "forbidden": the caller cannot tell it exists.

An agency's account (a user with an agency, or an agency's API key) has an *agency scope*:
``CountryScope.agency_id`` is set, and every query over agency-owned records (agencies,
contracts, allotments, agency bookings, sale orders) keeps that agency's rows only
(``chalicelib.db.repositories.allotments.contract_scope``). Such callers only reach the routes
declared ``partner=True`` (``chalicelib.api.routing``): everything else is 403 for them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from chalicelib.domain.errors import NotFound, PermissionDenied
from chalicelib.domain.permissions import NO_PERMISSIONS, Permission, has, permission_names


@dataclass(frozen=True)
class CountryScope:
    """The countries visible to a caller: a set of ISO codes, or every country (``countries=None``);
    for an agency's account also ``agency_id``, the one agency whose records it sees."""

    countries: frozenset[str] | None
    agency_id: int | None = None

    @classmethod
    def everywhere(cls) -> CountryScope:
        return cls(None)

    @classmethod
    def only(cls, *codes: str) -> CountryScope:
        return cls(frozenset(codes))

    @classmethod
    def nowhere(cls) -> CountryScope:
        return cls(frozenset())

    @classmethod
    def of_agency(cls, agency_id: int) -> CountryScope:
        """An agency's account: its agency's records, whatever their country."""
        return cls(None, agency_id)

    @property
    def is_everywhere(self) -> bool:
        return self.countries is None and self.agency_id is None

    def includes_agency(self, agency_id: int) -> bool:
        return self.agency_id is None or self.agency_id == agency_id

    def includes(self, country_code: str | None) -> bool:
        """Whether a record of ``country_code`` is visible (a country-less record only everywhere)."""
        if self.countries is None:
            return True
        return country_code is not None and country_code in self.countries

    def require(self, country_code: str | None, what: str = "record") -> None:
        """Raise NotFound unless a record of ``country_code`` is visible."""
        if not self.includes(country_code):
            raise NotFound(f"No such {what}.")

    def sorted_codes(self) -> list[str] | None:
        """The countries as a sorted list; None: every country; an agency's account: none."""
        if self.agency_id is not None:
            return []
        return None if self.countries is None else sorted(self.countries)


@dataclass(frozen=True)
class Caller:
    """An authenticated user, as the current request sees them.

    ``permissions`` are the role's bits as loaded for this request (a role edit applies at once).
    While an administrator has not enrolled the second factor that policy requires,
    ``mfa_enrollment_required`` is set and ``permissions`` is empty: only routes that need no
    permission (``/me``, 2FA enrollment, logout) answer.
    """

    user_id: int
    email: str
    full_name: str
    role_id: int
    role_name: str
    permissions: Permission
    home_country: str | None
    active_country: str | None
    may_switch_country: bool
    session_id: str
    mfa_enabled: bool = False
    mfa_enrollment_required: bool = False
    client_ip: str | None = None
    request_id: str | None = None
    # Set for an agency's account (a user of an agency, or an API key of one).
    agency_id: int | None = None
    api_key_id: int | None = None

    @property
    def scope(self) -> CountryScope:
        """Agency accounts: their agency. Staff: exactly their country. Country switchers: the
        selected country, else all."""
        if self.agency_id is not None:
            return CountryScope.of_agency(self.agency_id)
        if not self.may_switch_country:
            return CountryScope.only(self.home_country) if self.home_country else CountryScope.nowhere()
        if self.active_country:
            return CountryScope.only(self.active_country)
        return CountryScope.everywhere()

    def has(self, permission: Permission) -> bool:
        return has(self.permissions, permission)

    def require(self, permission: Permission) -> None:
        """Raise PermissionDenied (403) unless the caller holds every bit of ``permission``."""
        if self.has(permission):
            return
        if self.mfa_enrollment_required:
            raise MfaEnrollmentRequired(
                "Your role requires two-factor authentication: enroll at POST /auth/2fa/setup first."
            )
        missing = permission_names(permission & ~self.permissions)
        raise PermissionDenied("Your role lacks the permission this needs.", details=[{"missing_permissions": missing}])

    @property
    def permission_names(self) -> list[str]:
        return permission_names(self.permissions)


class MfaEnrollmentRequired(PermissionDenied):
    code = "mfa_enrollment_required"


def country_switch_allowed(permissions: int) -> bool:
    return has(permissions, Permission.COUNTRY_SWITCH)


def resolve_active_country(
    *,
    requested: str | None,
    session_country: str | None,
    home_country: str | None,
    may_switch: bool,
    known_countries: Iterable[str],
) -> str | None:
    """The country a request works in, from the ``X-Country`` header or the session's choice.

    Staff always work in their home country; asking for another is PermissionDenied (403,
    ``country_not_allowed``). Switchers may pick any known country, or none (= all countries).
    An unknown code is PermissionDenied too, so probing codes teaches nothing.
    """
    known = set(known_countries)
    if requested is not None:
        code = requested.strip().upper()
        if may_switch and code in known:
            return code
        if not may_switch and code == home_country:
            return code
        raise CountryNotAllowed(f"You may not work in country {code[:8]!r}.")
    if not may_switch:
        return home_country
    if session_country and session_country in known:
        return session_country
    return None


class CountryNotAllowed(PermissionDenied):
    code = "country_not_allowed"


__all__ = [
    "NO_PERMISSIONS",
    "Caller",
    "CountryNotAllowed",
    "CountryScope",
    "MfaEnrollmentRequired",
    "country_switch_allowed",
    "resolve_active_country",
]
