"""Rules for OTA accounts and connections: which credentials each OTA takes, which endpoints an
account may point at, how often a connection may be polled, and how its health follows its polls.

Pure rules, no I/O. The services apply them; the API and the database repeat the simple bounds
(field lengths, the poll interval range) so bad input is refused at every layer.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_credentials import (
    API_KEY,
    CLIENT_ID,
    CLIENT_SECRET,
    PASSWORD,
    USERNAME,
    WEBHOOK_SECRET,
    WEBHOOK_USERNAME,
)
from chalicelib.domain.ota_results import ErrorKind


class AccountStatus(StrEnum):
    ACTIVE = "active"  # its connections are polled and pushed to
    DISABLED = "disabled"  # kept with its connections and mappings, but no sync runs through it


ACCOUNT_STATUSES = tuple(status.value for status in AccountStatus)

MAX_CREDENTIAL_VALUE_LENGTH = 1024
MAX_BASE_URL_LENGTH = 500


# --- credentials ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CredentialRule:
    """The credential fields an OTA's adapter reads: any of ``alternatives`` must be complete;
    ``optional`` fields may be added (the webhook secret of OTAs that notify us)."""

    alternatives: tuple[tuple[str, ...], ...]
    description: str
    optional: tuple[str, ...] = ()

    @property
    def allowed(self) -> frozenset[str]:
        return frozenset(name for fields in self.alternatives for name in fields) | frozenset(self.optional)


CREDENTIAL_RULES: Mapping[OtaCode, CredentialRule] = {
    OtaCode.BOOKING_COM: CredentialRule(
        alternatives=((USERNAME, PASSWORD), (CLIENT_ID, CLIENT_SECRET)),
        description="the machine account's username and password (Basic auth), "
        "or its client_id and client_secret (token exchange)",
        optional=(WEBHOOK_SECRET,),
    ),
    OtaCode.EXPEDIA: CredentialRule(
        alternatives=((USERNAME, PASSWORD),),
        description="the EQC username and password",
        optional=(WEBHOOK_USERNAME, WEBHOOK_SECRET),  # what Expedia's Booking Notification push presents
    ),
    OtaCode.AGODA: CredentialRule(
        alternatives=((API_KEY,),), description="the YCS api_key", optional=(WEBHOOK_SECRET,)
    ),
    OtaCode.TRAVELOKA: CredentialRule(alternatives=((API_KEY,),), description="the api_key"),
}


@dataclass(frozen=True)
class FieldProblem:
    """One problem with one input field; ``field`` is relative (the API prefixes ``body.``)."""

    field: str
    message: str


def credential_problems(ota: OtaCode, values: Mapping[str, str]) -> list[FieldProblem]:
    """What is wrong with ``values`` as credentials for ``ota`` (empty when they will do).

    Messages name fields, never values.
    """
    rule = CREDENTIAL_RULES[ota]
    problems = [
        FieldProblem(
            f"credentials.{name}",
            f"{ota.display_name} takes no {name!r}; it takes {', '.join(sorted(rule.allowed))}",
        )
        for name in sorted(values)
        if name not in rule.allowed
    ]
    for name, value in sorted(values.items()):
        if name in rule.allowed and not value:
            problems.append(FieldProblem(f"credentials.{name}", "must not be empty"))
        elif len(value) > MAX_CREDENTIAL_VALUE_LENGTH:
            problems.append(
                FieldProblem(f"credentials.{name}", f"longer than {MAX_CREDENTIAL_VALUE_LENGTH} characters")
            )
    if problems:
        return problems
    if not any(all(values.get(name) for name in fields) for fields in rule.alternatives):
        present = set(values)
        # Name the missing fields of the alternative the caller seems to have started.
        best = max(rule.alternatives, key=lambda fields: len(present & set(fields)))
        missing = [name for name in best if not values.get(name)]
        problems.extend(
            FieldProblem(f"credentials.{name}", f"required: {ota.display_name} needs {rule.description}")
            for name in missing
        )
    return problems


# --- endpoints ----------------------------------------------------------------------------------

_LOOPBACK_NAMES = frozenset({"localhost"})


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def base_url_problem(ota: OtaCode, base_url: str | None, *, has_default: bool) -> str | None:
    """Why ``base_url`` cannot be an account's endpoint override (None when it can).

    HTTPS only, except plain HTTP to this machine (the local simulators): credentials travel in
    these requests. No user info, query or fragment: credentials belong in the vault, not a URL.
    """
    if base_url is None:
        if not has_default:
            return f"{ota.display_name} has no public endpoint: give the base URL of its API"
        return None
    if len(base_url) > MAX_BASE_URL_LENGTH:
        return f"longer than {MAX_BASE_URL_LENGTH} characters"
    try:
        parts = urlsplit(base_url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return "not a valid URL"
    if parts.scheme not in ("https", "http") or not host:
        return "must be an https:// URL"
    if parts.scheme == "http" and not _is_loopback(host):
        return "must use https:// (plain http:// only for a simulator on this machine)"
    if parts.username is not None or parts.password is not None:
        return "must not carry user or password: credentials go in the credentials field"
    if parts.query or parts.fragment:
        return "must not carry a query string or fragment"
    return None


# --- connections: polling and health --------------------------------------------------------------

# Booking.com asks for at least 20 s between reservation polls, the strictest of the four; the
# product brief caps the interval at a few minutes, an hour is the outer bound of an override.
MIN_POLL_INTERVAL_SECONDS = 20
MAX_POLL_INTERVAL_SECONDS = 3600
# After failures the next poll backs off (doubling), but never further than this.
MAX_POLL_BACKOFF_SECONDS = 1800
# Consecutive failed polls after which a connection is "failing" (and not merely "degraded").
FAILING_AFTER_FAILURES = 3


class ConnectionHealth(StrEnum):
    OK = "ok"  # the last poll worked (or there was none yet)
    DEGRADED = "degraded"  # recent polls failed with something that usually passes (timeouts, 5xx, 429)
    FAILING = "failing"  # repeated failures, or one that will not pass by itself (credentials, configuration)


CONNECTION_HEALTHS = tuple(health.value for health in ConnectionHealth)

# Failures retrying cannot fix: a person must act, so the connection is failing at once.
_NEEDS_A_PERSON = frozenset({ErrorKind.AUTHENTICATION, ErrorKind.CONFIGURATION, ErrorKind.PROTOCOL})


def health_after_poll(consecutive_failures: int, error_kind: ErrorKind | None) -> ConnectionHealth:
    """A connection's health once a poll ended with ``error_kind`` (None: success) and the
    failure streak (this poll included) is ``consecutive_failures``."""
    if error_kind is None or consecutive_failures <= 0:
        return ConnectionHealth.OK
    if error_kind in _NEEDS_A_PERSON or consecutive_failures >= FAILING_AFTER_FAILURES:
        return ConnectionHealth.FAILING
    return ConnectionHealth.DEGRADED


def next_poll_delay_seconds(interval_seconds: int, consecutive_failures: int) -> int:
    """Seconds until the next poll: the interval, doubled per consecutive failure, capped."""
    if consecutive_failures <= 0:
        return interval_seconds
    doubled = interval_seconds * (1 << min(consecutive_failures, 10))
    return max(interval_seconds, min(doubled, MAX_POLL_BACKOFF_SECONDS))


# An OTA's own polling guidance, where it has one, wins over the global default (not over a
# connection's override): Booking.com tells connectivity partners to pull every 20 seconds.
OTA_DEFAULT_POLL_INTERVAL_SECONDS: Mapping[OtaCode, int] = {OtaCode.BOOKING_COM: 20}


def effective_poll_interval(override_seconds: int | None, default_seconds: int, ota: str | None = None) -> int:
    """The connection's own interval when it has one, else its OTA's default, else the global
    default, within bounds."""
    chosen = override_seconds
    if chosen is None and ota is not None and ota in OTA_DEFAULT_POLL_INTERVAL_SECONDS:
        chosen = OTA_DEFAULT_POLL_INTERVAL_SECONDS[OtaCode(ota)]
    if chosen is None:
        chosen = default_seconds
    return max(MIN_POLL_INTERVAL_SECONDS, min(MAX_POLL_INTERVAL_SECONDS, chosen))
