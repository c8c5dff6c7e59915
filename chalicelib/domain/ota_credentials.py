"""OTA account credentials in plaintext form, and how they are shown.

A decrypted ``OtaCredentials`` exists only for the length of one adapter call (the vault's
credentials provider builds it, the adapter reads it, nobody keeps it). Its ``repr``/``str`` show
masks only, so an accidental log line, exception message or debugger print leaks nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

MASK = "***"
_VISIBLE_PREFIX = 2

# Field names adapters read. Which ones an OTA needs is the adapter's business.
USERNAME = "username"
PASSWORD = "password"  # noqa: S105 - a field name, not a secret
API_KEY = "api_key"
CLIENT_ID = "client_id"
CLIENT_SECRET = "client_secret"  # noqa: S105 - a field name, not a secret
# Optional, for OTAs that notify us (chalicelib.ota.webhooks): the shared secret / HMAC key.
WEBHOOK_SECRET = "webhook_secret"  # noqa: S105 - a field name, not a secret
# Optional, Expedia's Booking Notification push: the user name it presents with webhook_secret.
WEBHOOK_USERNAME = "webhook_username"


def mask_secret(value: str | None) -> str:
    """``"abcdef"`` → ``"ab***"``; short values (≤ 4 characters) show nothing but the mask."""
    if not value:
        return MASK
    if len(value) <= 2 * _VISIBLE_PREFIX:
        return MASK
    return value[:_VISIBLE_PREFIX] + MASK


_SECRET_NAME_PARTS = ("pass", "secret", "key", "token")


def is_secret_field(name: str) -> bool:
    """Passwords, secrets, API keys and tokens show nothing at all, not even a prefix."""
    lowered = name.lower()
    return any(part in lowered for part in _SECRET_NAME_PARTS)


def mask_credentials(values: Mapping[str, str]) -> dict[str, str]:
    """Masked view of a credentials mapping, for API responses: ``{"username": "ab***",
    "password": "***"}`` (identifiers keep a two-character hint, secrets nothing)."""
    return {name: MASK if is_secret_field(name) else mask_secret(value) for name, value in sorted(values.items())}


def describe_masked(values: Mapping[str, str]) -> str:
    """``"password=se***, username=ab***"`` — a one-line masked description."""
    return ", ".join(f"{name}={masked}" for name, masked in mask_credentials(values).items())


class MissingCredential(LookupError):
    """The account's credentials lack a field the adapter needs (names the field, never a value)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"the credentials have no {name!r}")
        self.name = name


class OtaCredentials(Mapping[str, str]):
    """Read-only plaintext credentials whose printed forms are masked."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, str]) -> None:
        cleaned: dict[str, str] = {}
        for name, value in values.items():
            if not isinstance(name, str) or not isinstance(value, str):
                raise TypeError("credential names and values must be strings")
            cleaned[name] = value
        self._values = cleaned

    def __getitem__(self, name: str) -> str:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def require(self, name: str) -> str:
        value = self._values.get(name)
        if not value:
            raise MissingCredential(name)
        return value

    def masked(self) -> dict[str, str]:
        return mask_credentials(self._values)

    def __repr__(self) -> str:
        return f"OtaCredentials({describe_masked(self._values)})"

    __str__ = __repr__

    def __reduce__(self) -> tuple[object, ...]:
        # Pickling (multiprocessing, caches) would copy the plaintext somewhere we do not control.
        raise TypeError("OtaCredentials cannot be pickled")


class CredentialsUnavailable(RuntimeError):
    """The account's credentials could not be produced (not stored, or failed to decrypt).

    The message says which account and why in words; it never carries ciphertext or plaintext.
    """
