"""Time-based one-time passwords (RFC 6238 over RFC 4226) and recovery codes.

SHA-1, 30-second steps, 6 digits: what every authenticator app speaks. A code is accepted one
step either side of now (clock drift) and only for a step later than the last one used, so an
observed code cannot be replayed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import struct
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1
SECRET_BYTES = 20  # 160 bits, RFC 4226's recommendation
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/i/l look-alikes
_TOTP_FORMAT = re.compile(r"^\d{6}$")


def generate_secret() -> str:
    """A new shared secret, base32 without padding (what authenticator apps expect)."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii").rstrip("=")


def _key(secret_b32: str) -> bytes:
    padded = secret_b32.upper() + "=" * (-len(secret_b32) % 8)
    return base64.b32decode(padded)


def step_at(unix_time: float) -> int:
    return int(unix_time // STEP_SECONDS)


def code_for_step(secret_b32: str, step: int) -> str:
    digest = hmac.new(_key(secret_b32), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**DIGITS).zfill(DIGITS)


def code_at(secret_b32: str, unix_time: float) -> str:
    return code_for_step(secret_b32, step_at(unix_time))


def looks_like_totp(code: str) -> bool:
    return bool(_TOTP_FORMAT.match(code.strip()))


def verify(secret_b32: str, code: str, *, unix_time: float, last_used_step: int | None) -> int | None:
    """The step ``code`` belongs to when it is valid now and newer than ``last_used_step``; else None."""
    code = code.strip()
    if not looks_like_totp(code):
        return None
    now = step_at(unix_time)
    matched: int | None = None
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        # Compare every candidate (no early exit) so timing says nothing about which matched.
        if hmac.compare_digest(code_for_step(secret_b32, step), code) and matched is None:
            matched = step
    if matched is None or (last_used_step is not None and matched <= last_used_step):
        return None
    return matched


def provisioning_uri(secret_b32: str, *, account: str, issuer: str) -> str:
    """The ``otpauth://`` URI an authenticator app imports (usually shown as a QR code)."""
    label = quote(f"{issuer}:{account}", safe="@:")
    query = urlencode(
        {"secret": secret_b32, "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS, "period": STEP_SECONDS}
    )
    return f"otpauth://totp/{label}?{query}"


def generate_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> list[str]:
    """Single-use codes shown once, ``xxxxx-xxxxx`` (about 49 bits each)."""
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def normalise_recovery_code(code: str) -> str:
    return re.sub(r"[\s\-]", "", code).lower()


def hash_recovery_code(code: str) -> str:
    """Recovery codes are random (not chosen by people), so a plain SHA-256 is enough to store them."""
    return hashlib.sha256(normalise_recovery_code(code).encode("utf-8")).hexdigest()
