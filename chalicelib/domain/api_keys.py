"""API keys of agency systems: the secret's shape, its hash, and what a key may be given.

A key is ``ptx_<prefix>_<secret>``: the prefix (8 hex characters) names the key in lists and
logs, the secret is 256 random bits. Only the SHA-256 of the whole key is stored; a key is shown
once, when created. Unknown, malformed and revoked keys are refused alike (401), so a caller
learns nothing about which keys exist.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.permissions import API_KEY_PERMISSIONS, Permission, may_grant, permission_names

KEY_SCHEME = "ptx"
PREFIX_BYTES = 4
SECRET_BYTES = 32
MAX_KEY_LENGTH = 100
DEFAULT_RATE_LIMIT_PER_MINUTE = 120


@dataclass(frozen=True)
class IssuedKey:
    """A new key: ``plaintext`` goes to the client once; ``secret_hash`` is what is stored."""

    plaintext: str
    prefix: str
    secret_hash: str

    def __repr__(self) -> str:  # never the plaintext in a log line or a traceback
        return f"IssuedKey(prefix={self.prefix!r})"


@dataclass(frozen=True)
class ApiKeyRecord:
    id: int
    agency_id: int
    name: str
    prefix: str
    permissions: list[str]
    rate_limit_per_minute: int
    created_by_user_id: int
    last_used_at: datetime | None
    revoked_at: datetime | None
    created_at: datetime


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8", errors="surrogatepass")).hexdigest()


def issue_key() -> IssuedKey:
    prefix = secrets.token_hex(PREFIX_BYTES)
    plaintext = f"{KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
    return IssuedKey(plaintext, prefix, hash_key(plaintext))


def well_formed(plaintext: str) -> bool:
    """Whether ``plaintext`` could be a key at all (checked before any lookup)."""
    scheme, _, rest = plaintext.partition("_")
    prefix, _, secret = rest.partition("_")
    return (
        len(plaintext) <= MAX_KEY_LENGTH
        and scheme == KEY_SCHEME
        and len(prefix) == 2 * PREFIX_BYTES
        and len(secret) >= SECRET_BYTES
    )


def key_permissions(requested: Permission, creator: Permission, *, field: str = "permissions") -> Permission:
    """The permissions a new key gets: what was asked, if the creator holds it and agency systems may have it."""
    beyond_keys = requested & ~API_KEY_PERMISSIONS
    if beyond_keys:
        raise InvalidInput(
            f"{field}: an API key may hold only {', '.join(permission_names(API_KEY_PERMISSIONS))}",
            details=[
                {"field": field, "message": f"not for API keys: {name}"} for name in permission_names(beyond_keys)
            ],
        )
    if not may_grant(creator, requested):
        missing = permission_names(requested & ~creator)
        raise InvalidInput(
            f"{field}: you may not give a key permissions you do not hold",
            details=[{"field": field, "message": f"you do not hold {name}"} for name in missing],
        )
    if not requested:
        raise InvalidInput(f"{field}: give at least one permission", details=[{"field": field, "message": "empty"}])
    return requested
