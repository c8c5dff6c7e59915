"""The rate limits of the sensitive endpoints, and how a bucket is named.

Counting happens in PostgreSQL (``chalicelib.db.repositories.rate_limits``) because Lambda
memory is per container: a limit kept in memory would multiply by the number of warm
containers. Buckets are keyed by a hash of the subject (account email, user id, client IP), so
the table holds no personal data.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimit:
    name: str
    limit: int
    window_seconds: int

    def bucket(self, subject: str) -> str:
        digest = hashlib.sha256(subject.strip().lower().encode("utf-8", errors="surrogatepass")).hexdigest()
        return f"{self.name}:{digest[:40]}"


# The product brief: login 5/min and refresh 10/min, per account and per client IP (the counts are
# settings: LOGIN_ATTEMPTS_PER_MINUTE, REFRESHES_PER_MINUTE).
LOGIN_PER_ACCOUNT = RateLimit("login:account", limit=5, window_seconds=60)
LOGIN_PER_IP = RateLimit("login:ip", limit=5, window_seconds=60)
REFRESH_PER_ACCOUNT = RateLimit("refresh:account", limit=10, window_seconds=60)
REFRESH_PER_IP = RateLimit("refresh:ip", limit=10, window_seconds=60)
# Forgot/reset password: per IP answered with 429; per account the extra emails are silently
# dropped (a 429 there would reveal that the account exists).
PASSWORD_RESET_PER_IP = RateLimit("password-reset:ip", limit=5, window_seconds=60)
PASSWORD_RESET_EMAILS_PER_ACCOUNT = RateLimit("password-reset:account", limit=3, window_seconds=3600)
# Re-authentication inside a session (change password, 2FA changes): a stolen session must not
# become a password-guessing oracle.
REAUTHENTICATION_PER_ACCOUNT = RateLimit("reauth:account", limit=5, window_seconds=60)
# "Sync now": a person waiting on a booking may press twice, not hammer the OTAs (each job pulls
# every connection of the property). Per property, whoever presses.
SYNC_NOW_PER_PROPERTY = RateLimit("sync-now:property", limit=3, window_seconds=60)


def api_key_limit(per_minute: int) -> RateLimit:
    """An agency API key's own limit (``api_keys.rate_limit_per_minute``), counted per key id."""
    return RateLimit("api-key", limit=per_minute, window_seconds=60)
