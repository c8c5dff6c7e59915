"""Time-based one-time passwords (RFC 6238 over RFC 4226, computed by pyotp) and recovery codes.

SHA-1, 30-second steps, 6 digits: what every authenticator app speaks. A code is accepted one
step either side of now (clock drift) and only for a step later than the last one used, so an
observed code cannot be replayed.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from urllib.parse import quote, urlencode

import pyotp

STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1
SECRET_BYTES = 20  # 160 bits, RFC 4226's recommendation
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/i/l look-alikes
_TOTP_FORMAT = re.compile(r"^\d{6}$")


def generate_secret() -> str:
    """A new shared secret, base32 without padding (what authenticator apps expect)."""
    return pyotp.random_base32(length=SECRET_BYTES * 8 // 5)


def _totp(secret_b32: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret_b32, digits=DIGITS, digest=hashlib.sha1, interval=STEP_SECONDS)


def step_at(unix_time: float) -> int:
    return int(unix_time // STEP_SECONDS)


def code_for_step(secret_b32: str, step: int) -> str:
    return _totp(secret_b32).generate_otp(step)


def code_at(secret_b32: str, unix_time: float) -> str:
    return code_for_step(secret_b32, step_at(unix_time))


def looks_like_totp(code: str) -> bool:
    return bool(_TOTP_FORMAT.match(code.strip()))


def verify(secret_b32: str, code: str, *, unix_time: float, last_used_step: int | None) -> int | None:
    """The step ``code`` belongs to when it is valid now and newer than ``last_used_step``; else None.

    pyotp's own ``verify`` says only yes or no; replay protection needs to know which step matched,
    so each step of the drift window is compared here (constant time, no early exit).
    """
    code = code.strip()
    if not looks_like_totp(code):
        return None
    totp = _totp(secret_b32)
    now = step_at(unix_time)
    matched: int | None = None
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if pyotp.utils.strings_equal(totp.generate_otp(step), code) and matched is None:
            matched = step
    if matched is None or (last_used_step is not None and matched <= last_used_step):
        return None
    return matched


def provisioning_uri(secret_b32: str, *, account: str, issuer: str) -> str:
    """The ``otpauth://`` URI an authenticator app imports (usually shown as a QR code).

    Built here rather than by pyotp, which leaves out the parameters equal to its defaults: some
    authenticator apps do not assume them, so the URI states algorithm, digits and period.
    """
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
