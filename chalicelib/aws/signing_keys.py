"""The JWT signing keyring: from ``JWT_SIGNING_KEYS`` or the Secrets Manager secret, cached.

Read on first use (never at import) and kept per container for ``JWT_KEYS_CACHE_SECONDS``.
After a rotation (a new kid added and made current in the secret), a container may meet a
token signed with a kid it has not seen yet: it re-reads the secret then, at most once per
:data:`MIN_REFETCH_SECONDS`, instead of rejecting the token until its cache expires.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.aws import clients
from chalicelib.aws.resources import JWT_SIGNING_KEYS_SECRET_NAME
from chalicelib.config import get_settings
from chalicelib.domain.errors import DependencyUnavailable
from chalicelib.domain.tokens import KeyringError, SigningKeyring, parse_keyring
from chalicelib.observability import logger

MIN_REFETCH_SECONDS = 10.0


@dataclass
class _Cached:
    keyring: SigningKeyring
    fetched_at: float


_lock = threading.Lock()
_cache: dict[str, _Cached] = {}
_last_refetch_for_unknown_kid: dict[str, float] = {}


def _source() -> tuple[str, str | None]:
    """(cache key, inline JSON or None when the secret must be read)."""
    settings = get_settings()
    if settings.jwt_signing_keys is not None:
        inline = settings.jwt_signing_keys.get_secret_value()
        return "env:" + hashlib.sha256(inline.encode()).hexdigest(), inline
    return f"secret:{settings.aws_region}:{settings.aws_endpoint_url}:{JWT_SIGNING_KEYS_SECRET_NAME}", None


def signing_keyring(*, needed_kid: str | None = None) -> SigningKeyring:
    """The current keyring; re-read early when ``needed_kid`` is missing from the cached one."""
    key, inline = _source()
    now = time.monotonic()
    cached = _cache.get(key)
    if cached is not None:
        fresh = now - cached.fetched_at < get_settings().jwt_keys_cache_seconds
        missing = needed_kid is not None and needed_kid not in cached.keyring.keys
        if fresh and not missing:
            return cached.keyring
        if fresh and (inline is not None or now - _last_refetch_for_unknown_kid.get(key, -1e9) < MIN_REFETCH_SECONDS):
            return cached.keyring  # a flood of made-up kids must not become a flood of secret reads
        if fresh:
            _last_refetch_for_unknown_kid[key] = now
    with _lock:
        keyring = _load(inline)
        _cache[key] = _Cached(keyring, time.monotonic())
    return keyring


def _load(inline: str | None) -> SigningKeyring:
    try:
        if inline is not None:
            return parse_keyring(inline)
        secret = clients.secrets_manager().get_secret_value(SecretId=JWT_SIGNING_KEYS_SECRET_NAME)
        return parse_keyring(secret["SecretString"])
    except KeyringError as exc:
        logger.error("JWT signing keys unusable", extra={"reason": str(exc)})
        raise DependencyUnavailable("Authentication is unavailable (signing keys misconfigured).") from None
    except (ClientError, BotoCoreError) as exc:
        logger.error("JWT signing keys unreadable", extra={"error": type(exc).__name__})
        raise DependencyUnavailable("Authentication is unavailable (signing keys unreadable).") from None


def reset_signing_keys() -> None:
    """Forget the cached keyring (tests; a container never needs to)."""
    with _lock:
        _cache.clear()
        _last_refetch_for_unknown_kid.clear()
