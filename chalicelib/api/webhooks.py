"""``POST /webhooks/{ota}``: OTAs notify us of new, modified and cancelled reservations.

Public (an OTA has no staff session): each notification is authenticated by the OTA account's
webhook secret instead (``chalicelib.services.webhook_service``). Answers within milliseconds:
the OTA is never called here, a sync job is queued.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal
from xml.etree import ElementTree

from chalice.app import Response
from pydantic import BaseModel, Field

from chalicelib.api.routing import ApiBlueprint
from chalicelib.services import expedia_push_service, webhook_service

blueprint = ApiBlueprint(__name__, tag="webhooks")

WEBHOOK_CONTENT_TYPES = ["application/json", "application/xml", "text/xml", "application/soap+xml"]


class WebhookAnswer(BaseModel):
    status: Literal["enqueued", "duplicate", "ignored"] = Field(
        description="enqueued: a sync of the property is queued; duplicate: this notification was "
        "already received (nothing queued); ignored: no active connection for that hotel id"
    )
    reason: str | None = None


@blueprint.endpoint(
    "/webhooks/{ota}",
    "POST",
    summary="Receive an OTA notification (Agoda BookingHint, Booking.com signed JSON, Expedia Booking Notification)",
    response=WebhookAnswer,
    status=202,
    public=True,
    scoped_resource={"ota": "ota_code"},
    content_types=WEBHOOK_CONTENT_TYPES,
    error_statuses=(400, 401, 404, 413, 503),
)
def receive_webhook(ota: str) -> Response:
    """Agoda (``/webhooks/agoda``): the BookingHint XML with the shared secret in ``X-Webhook-Key``.
    Booking.com (``/webhooks/booking_com``): JSON ``{"id", "event", "hotel_id", "reservation_id"}``
    with ``X-Webhook-Timestamp`` (Unix seconds, ±300 s) and ``X-Webhook-Signature:
    sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>``. The same notification twice queues
    one sync; an unknown hotel id is accepted and ignored (202) so the OTA stops retrying.
    Expedia (``/webhooks/expedia``): a Booking Notification (SOAP envelope with OTA_HotelResNotifRQ,
    OTA_HotelResModifyNotifRQ or OTA_CancelRQ; credentials in the header or HTTP Basic); the
    booking is stored before the answer, which is the matching RS (200) or a SOAP fault (400/401)."""
    request = blueprint.current_request
    raw = request.raw_body or b""
    if ota == "expedia":
        headers = {key.lower(): value for key, value in (request.headers or {}).items()}
        pushed = expedia_push_service.receive(
            raw if isinstance(raw, bytes) else raw.encode("utf-8"), authorization=headers.get("authorization")
        )
        return Response(
            body=pushed.body.decode("utf-8"),
            status_code=pushed.status_code,
            headers={"Content-Type": "text/xml; charset=utf-8"},
        )
    outcome = webhook_service.receive(
        ota,
        raw if isinstance(raw, bytes) else raw.encode("utf-8"),
        headers=dict(request.headers or {}),
    )
    if ota == "agoda":
        # Agoda reads an XML result, as its own API answers.
        result = ElementTree.Element("result", timestamp=str(int(datetime.now(UTC).timestamp() * 1000)))
        ElementTree.SubElement(result, "success").text = outcome.status
        body = ElementTree.tostring(result, encoding="unicode", xml_declaration=True)
        return Response(body=body, status_code=202, headers={"Content-Type": "application/xml"})
    answer = WebhookAnswer(status=outcome.status, reason=outcome.reason)
    return Response(body=answer.model_dump(mode="json"), status_code=202, headers={"Content-Type": "application/json"})
