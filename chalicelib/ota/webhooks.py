"""OTA webhook notifications: their wire shapes, how they are authenticated, and their dedupe keys.

Two senders are understood (``WEBHOOK_OTAS``):

- **Agoda BookingHint** (YCS5 push): XML ``<request timestamp><property id><bookings><booking
  booking_id status last_action .../></bookings></property>...</request>`` (one notification per
  property it names), authenticated by a
  shared secret in the ``X-Webhook-Key`` header (a header, not Agoda's usual ``?apiKey=``: query
  strings end up in access logs — the local server prints them — headers do not). The
  secret is not bound to the body, so a timestamp window would add nothing: whoever holds the
  secret can forge any hint. A hint carries no id; its key is a digest of what it says (property,
  each booking's id, status and last action), so Agoda's three retries of one hint dedupe.
- **Booking.com / Channex-style JSON** (our documented shape, ``ChannelNotification``):
  ``{"id", "event", "hotel_id", "reservation_id"?, "revision_id"?}`` signed with
  HMAC-SHA256 over ``"<timestamp>.<raw body>"``: headers ``X-Webhook-Timestamp`` (Unix seconds)
  and ``X-Webhook-Signature: sha256=<hex>``. A timestamp outside ±``SIGNATURE_TOLERANCE_SECONDS``
  is refused, which bounds how long a captured request can be replayed; within the window the
  notification id dedupes it.

Pure: parsing (``defusedxml``, DTDs refused), signature checks in constant time, keys. No I/O.
Error messages name fields, never the secret or the signature.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chalicelib.domain.errors import AuthenticationFailed, DomainError
from chalicelib.domain.ota_codes import OtaCode

SIGNATURE_TOLERANCE_SECONDS = 300
MAX_WEBHOOK_BODY_BYTES = 64 * 1024
SIGNATURE_HEADER = "X-Webhook-Signature"
TIMESTAMP_HEADER = "X-Webhook-Timestamp"
SHARED_SECRET_HEADER = "X-Webhook-Key"  # noqa: S105 - a header name, not a secret
SIGNATURE_PREFIX = "sha256="
MAX_HINT_BOOKINGS = 100
MAX_HINT_PROPERTIES = 20
AGODA_STATUSES = frozenset({"ConfirmBooking", "AmendBooking", "CancelBooking"})

WebhookFormat = Literal["agoda_booking_hint", "signed_json"]
WEBHOOK_OTAS: Mapping[OtaCode, WebhookFormat] = {
    OtaCode.AGODA: "agoda_booking_hint",
    OtaCode.BOOKING_COM: "signed_json",
}


class MalformedNotification(DomainError):
    """The body is not a notification of the expected shape (→ 400 naming the field)."""

    code = "malformed_notification"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"Malformed notification: {field}: {message}", details=[{"field": field, "message": message}])
        self.field = field


class WebhookUnauthenticated(AuthenticationFailed):
    """Missing or wrong secret/signature, or a timestamp outside the window (→ 401)."""

    code = "webhook_unauthenticated"


@dataclass(frozen=True)
class Notification:
    """What a notification tells us, whichever OTA sent it."""

    ota: OtaCode
    hotel_id: str
    key: str  # the dedupe key (≤ 128 characters)
    reservation_ids: tuple[str, ...]
    event: str

    @property
    def hint(self) -> str:
        """For the job's log line: the event and the reservation ids announced (≤ 200 characters)."""
        ids = ",".join(self.reservation_ids)
        text = f"{self.ota.value}:{self.event}:{ids}" if ids else f"{self.ota.value}:{self.event}"
        return text if len(text) <= 200 else text[:197] + "..."


def webhook_ota(name: str) -> OtaCode | None:
    """The OTA a ``/webhooks/{ota}`` path names, if it is one that notifies."""
    try:
        ota = OtaCode(name)
    except ValueError:
        return None
    return ota if ota in WEBHOOK_OTAS else None


# --- Agoda BookingHint ----------------------------------------------------------------------------------


def _parse_xml(raw: bytes) -> Element:
    if not raw.strip():
        raise MalformedNotification("body", "empty; expected a BookingHint <request> document")
    try:
        root: Element = SafeElementTree.fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden):
        raise MalformedNotification("body", "declares a DTD or entities; refused") from None
    except SafeElementTree.ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise MalformedNotification("body", f"not well-formed XML (line {line}, column {column})") from None
    return root


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(parent: Element, name: str) -> Element | None:
    return next((child for child in parent if _local(child.tag) == name), None)


def parse_agoda_hint(raw: bytes) -> list[Notification]:
    """An Agoda BookingHint: one notification per ``<property>`` it names (a hint may carry
    several). MalformedNotification names the first missing or bad field."""
    root = _parse_xml(raw)
    if _local(root.tag) != "request":
        raise MalformedNotification("request", f"root element is <{_local(root.tag)}>, expected <request>")
    if not (root.get("timestamp") or "").strip().isdigit():
        raise MalformedNotification("request@timestamp", "required: epoch seconds or milliseconds")
    properties = [child for child in root if _local(child.tag) == "property"]
    if not properties:
        raise MalformedNotification("request/property", "required")
    if len(properties) > MAX_HINT_PROPERTIES:
        raise MalformedNotification("request/property", f"more than {MAX_HINT_PROPERTIES} properties")
    notifications: list[Notification] = []
    seen: set[str] = set()
    total = 0
    for position, prop in enumerate(properties):
        where = "request/property" if len(properties) == 1 else f"request/property[{position}]"
        notification = _hint_property(prop, where)
        total += len(notification.reservation_ids)
        if total > MAX_HINT_BOOKINGS:
            raise MalformedNotification("request", f"more than {MAX_HINT_BOOKINGS} bookings")
        if notification.hotel_id in seen:
            raise MalformedNotification(f"{where}@id", "the same property twice")
        seen.add(notification.hotel_id)
        notifications.append(notification)
    return notifications


def _hint_property(prop: Element, where: str) -> Notification:
    hotel_id = (prop.get("id") or "").strip()
    if not hotel_id or len(hotel_id) > 64:
        raise MalformedNotification(f"{where}@id", "required: the Agoda property id (1-64 characters)")
    bookings_element = _child(prop, "bookings")
    bookings = [b for b in bookings_element if _local(b.tag) == "booking"] if bookings_element is not None else []
    if not bookings:
        raise MalformedNotification(f"{where}/bookings/booking", "at least one booking is required")
    facts: list[tuple[str, str, str]] = []
    for index, booking in enumerate(bookings):
        at = f"{where}/bookings/booking[{index}]"
        booking_id = (booking.get("booking_id") or "").strip()
        if not booking_id.isdigit() or len(booking_id) > 15:
            raise MalformedNotification(f"{at}@booking_id", "required: Agoda's numeric booking id")
        status = (booking.get("status") or "").strip()
        if status not in AGODA_STATUSES:
            raise MalformedNotification(f"{at}@status", f"must be one of {', '.join(sorted(AGODA_STATUSES))}")
        facts.append((booking_id, status, (booking.get("last_action") or "").strip()))
    facts.sort()
    digest = hashlib.sha256(json.dumps([hotel_id, facts], separators=(",", ":")).encode()).hexdigest()
    events = sorted({status for _, status, _ in facts})
    return Notification(
        ota=OtaCode.AGODA,
        hotel_id=hotel_id,
        key=f"hint:{digest}",
        reservation_ids=tuple(booking_id for booking_id, _, _ in facts),
        event="+".join(events),
    )


def check_shared_secret(expected: str, presented: str | None) -> None:
    """Constant-time comparison of the shared secret the sender presented."""
    if not presented:
        raise WebhookUnauthenticated(f"Missing the {SHARED_SECRET_HEADER} header.")
    if not hmac.compare_digest(expected.encode(), presented.encode()):
        raise WebhookUnauthenticated("The webhook secret does not match.")


# --- signed JSON (Booking.com / Channex style) -------------------------------------------------------------


class ChannelNotification(BaseModel):
    """The JSON body of a signed notification."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {"id": "ntf_01", "event": "reservation.created", "hotel_id": "1234567", "reservation_id": "4105553"}
            ]
        },
    )

    id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")
    event: Literal["reservation.created", "reservation.modified", "reservation.cancelled"]
    hotel_id: str = Field(min_length=1, max_length=64)
    reservation_id: str | None = Field(default=None, max_length=64)
    revision_id: str | None = Field(default=None, max_length=100)


def parse_signed_notification(ota: OtaCode, raw: bytes) -> list[Notification]:
    if not raw.strip():
        raise MalformedNotification("body", "empty; expected a JSON notification")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise MalformedNotification("body", "not valid UTF-8 JSON") from None
    if not isinstance(data, dict):
        raise MalformedNotification("body", "expected a JSON object")
    try:
        body = ChannelNotification.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        field = ".".join(["body", *(str(part) for part in first["loc"])])
        raise MalformedNotification(field, first["msg"]) from None
    return [
        Notification(
            ota=ota,
            hotel_id=body.hotel_id.strip(),
            key=f"id:{body.id}",
            reservation_ids=(body.reservation_id,) if body.reservation_id else (),
            event=body.event,
        )
    ]


def signature_for(secret: str, timestamp: str, raw: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256(secret, ``"<timestamp>.<raw body>"``): what a sender sends."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + raw, hashlib.sha256)
    return SIGNATURE_PREFIX + mac.hexdigest()


def parse_timestamp(value: str | None, *, now: float, tolerance: int = SIGNATURE_TOLERANCE_SECONDS) -> str:
    """The timestamp header, if present, numeric and within ±tolerance of ``now``."""
    if not value:
        raise WebhookUnauthenticated(f"Missing the {TIMESTAMP_HEADER} header.")
    text = value.strip()
    if not text.isdigit() or len(text) > 12:
        raise WebhookUnauthenticated(f"The {TIMESTAMP_HEADER} header must be Unix seconds.")
    if abs(now - int(text)) > tolerance:
        raise WebhookUnauthenticated(
            f"The {TIMESTAMP_HEADER} is more than {tolerance} seconds away from now; refused as a possible replay."
        )
    return text


def check_signature(secret: str, timestamp: str, signature: str | None, raw: bytes) -> None:
    """Constant-time check of the signature header over ``"<timestamp>.<raw body>"``."""
    if not signature:
        raise WebhookUnauthenticated(f"Missing the {SIGNATURE_HEADER} header.")
    if not hmac.compare_digest(signature_for(secret, timestamp, raw).encode(), signature.strip().encode()):
        raise WebhookUnauthenticated("The webhook signature does not match.")


def signature_matches(secret: str, timestamp: str, signature: str | None, raw: bytes) -> bool:
    try:
        check_signature(secret, timestamp, signature, raw)
    except WebhookUnauthenticated:
        return False
    return True


def secret_matches(expected: str, presented: str | None) -> bool:
    try:
        check_shared_secret(expected, presented)
    except WebhookUnauthenticated:
        return False
    return True
