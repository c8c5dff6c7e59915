"""Bearer tokens an OTA issues in exchange for an account's credentials (Booking.com's hour-long
JWT), kept until shortly before they expire.

A token is derived and short-lived, not the stored secret: keeping it saves one token exchange
(an HTTP round trip, and the OTA's token endpoint budget) per pull or push. The container's cache
(:data:`SHARED_TOKENS`, what ``ota_access`` gives every account's adapter) keeps it for the
container's life, bounded; an adapter built without one keeps its tokens for its own life, as
before. Entries are keyed by endpoint, client id and a digest of the secret, so a rotated secret
never gets the old secret's token. A token the OTA refuses is dropped (:meth:`TokenCache.drop`)
and the adapter exchanges a new one once.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

from chalicelib.ota.budget import Clock, SystemClock


@dataclass(frozen=True)
class TokenKey:
    base_url: str
    client_id: str
    secret_digest: str

    @classmethod
    def of(cls, base_url: str, client_id: str, client_secret: str) -> TokenKey:
        return cls(base_url, client_id, hashlib.sha256(client_secret.encode()).hexdigest())


class TokenCache:
    """Tokens until their renewal time (by ``clock``), least recently used dropped beyond
    ``max_entries``; thread-safe."""

    def __init__(self, max_entries: int = 256, *, clock: Clock | None = None) -> None:
        self.max_entries = max_entries
        self.clock = clock or SystemClock()
        self._tokens: OrderedDict[TokenKey, tuple[str, float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: TokenKey) -> str | None:
        """The token, unless none is kept or it is due for renewal (then it is forgotten)."""
        with self._lock:
            found = self._tokens.get(key)
            if found is None:
                return None
            token, renew_at = found
            if self.clock.monotonic() >= renew_at:
                del self._tokens[key]
                return None
            self._tokens.move_to_end(key)
            return token

    def put(self, key: TokenKey, token: str, keep_seconds: float) -> None:
        """Keep ``token`` for ``keep_seconds`` (its lifetime less a renewal margin)."""
        with self._lock:
            self._tokens[key] = (token, self.clock.monotonic() + keep_seconds)
            self._tokens.move_to_end(key)
            while len(self._tokens) > self.max_entries:
                self._tokens.popitem(last=False)

    def drop(self, key: TokenKey, token: str) -> None:
        """Forget ``token`` (the OTA refused it), unless another caller already replaced it."""
        with self._lock:
            found = self._tokens.get(key)
            if found is not None and found[0] == token:
                del self._tokens[key]

    def __len__(self) -> int:
        return len(self._tokens)


# The container's tokens, shared by every adapter ``ota_access`` builds.
SHARED_TOKENS = TokenCache()
