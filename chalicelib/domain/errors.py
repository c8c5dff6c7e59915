"""Errors the domain and services raise; the API layer maps each to an HTTP status.

They carry a stable machine-readable ``code`` and optional ``details`` (a list of dicts naming
fields or nights), never exception text from a library.
"""

from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T")


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, message: str, *, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class InvalidInput(DomainError):
    """Input that passed schema validation but breaks a business rule (→ 422)."""

    code = "invalid_input"


class NotFound(DomainError):
    """Absent, or outside the caller's country scope: the two look the same (→ 404)."""

    code = "not_found"


class Conflict(DomainError):
    """The request collides with the current state, e.g. the room is already gone (→ 409)."""

    code = "conflict"


class PermissionDenied(DomainError):
    """Authenticated, but the role lacks the permission (→ 403)."""

    code = "forbidden"


class AuthenticationFailed(DomainError):
    """No valid credentials (→ 401)."""

    code = "unauthorized"


class RateLimited(DomainError):
    """Too many attempts (→ 429 with Retry-After)."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class DependencyUnavailable(DomainError):
    """A dependency we cannot do without is down (→ 503)."""

    code = "service_unavailable"


def existing(value: T | None, message: str) -> T:
    """``value``, which must exist: :class:`NotFound` with ``message`` when it is None."""
    if value is None:
        raise NotFound(message)
    return value
