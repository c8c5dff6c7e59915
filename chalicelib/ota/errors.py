"""Exceptions inside the OTA layer. They never leave an adapter's public methods: each method turns
them into a result (``PullResult.error``, ``PushResult.errors`` ...) via :meth:`OtaError.to_sync_error`.

Messages are written for staff ("authentication failed at Booking.com: ...") and never contain a
credential, a request body or a library's exception text that could echo one.
"""

from __future__ import annotations

from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_results import ErrorKind, SyncError
from chalicelib.domain.views import view_from


class OtaError(Exception):
    kind: ErrorKind = ErrorKind.REJECTED
    retryable: bool = False

    def __init__(
        self,
        ota: OtaCode,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        item_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.ota = ota
        self.message = message
        self.code = code
        self.field = field
        self.item_id = item_id
        self.retry_after = retry_after

    def to_sync_error(self) -> SyncError:
        return view_from(
            SyncError,
            self,
            retry_after_seconds=self.retry_after,
        )


class OtaAuthenticationFailed(OtaError):
    kind = ErrorKind.AUTHENTICATION

    def __init__(self, ota: OtaCode, detail: str = "", *, code: str | None = None) -> None:
        text = f"authentication failed at {ota.display_name}"
        super().__init__(ota, f"{text}: {detail}" if detail else text, code=code)


class OtaRateLimited(OtaError):
    kind = ErrorKind.RATE_LIMITED
    retryable = True


class OtaUnavailable(OtaError):
    kind = ErrorKind.UNAVAILABLE
    retryable = True


class OtaTimeout(OtaError):
    kind = ErrorKind.TIMEOUT
    retryable = True


class OtaRetryRequested(OtaError):
    """The OTA answered, with an error it classes as transient (e.g. Expedia 4000-4099)."""

    kind = ErrorKind.RETRYABLE
    retryable = True


class OtaMalformedResponse(OtaError):
    kind = ErrorKind.MALFORMED_RESPONSE


class OtaUnsafePayload(OtaError):
    kind = ErrorKind.UNSAFE_PAYLOAD


class OtaRejected(OtaError):
    """The OTA refused the request's content; sending it again unchanged will not help."""

    kind = ErrorKind.REJECTED


class OtaProtocolError(OtaError):
    """The OTA could not read what we sent: a bug on our side, so stop and alert."""

    kind = ErrorKind.PROTOCOL


class OtaConfigurationError(OtaError):
    kind = ErrorKind.CONFIGURATION


class MissingField(OtaError):
    """One item of a response lacks a required field (named as a path, e.g. ``Booking/@id``)."""

    kind = ErrorKind.MISSING_FIELD


class InvalidField(OtaError):
    kind = ErrorKind.INVALID_FIELD


class BudgetExhausted(OtaRateLimited):
    """Our own request budget says "not yet" (e.g. Booking.com's 20 s between polls). Not retried
    inside the call: the caller comes back after ``retry_after``."""

    retryable = False
