"""Expedia's Booking Notification push (``POST /webhooks/expedia``): store the booking it carries,
exactly once, and answer with the RS that acknowledges it.

Unlike Agoda's and Booking.com's notifications (a hint: we queue a pull), an Expedia BN message
*is* the booking, and our answer is its acknowledgement: Expedia treats a ``<Success/>`` RS
carrying our confirmation number as delivered, and retries (then falls back to email) otherwise.
So the booking is stored before we answer, in the request:

1. read the message (``chalicelib.ota.expedia_push``; defusedxml, DTDs refused) → 400 SOAP fault
   naming the field when it is not a BN message;
2. authenticate: the hotel's connection(s) (``SupplierHotelCode``), and the account whose
   ``webhook_username`` (when set) and ``webhook_secret`` match the header's ``Authentication``
   or HTTP Basic → 401 SOAP fault otherwise (a hotel we do not connect is a 401 too: nothing to
   authenticate it against);
3. refuse, with an RS ``<Errors>`` (HTTP 200, as Expedia expects business errors), a booking for
   an inactive connection, one naming another hotel than the header's (alerted, as for a pull),
   or one whose room is not mapped;
4. store it through ``booking_service.ingest_ota_reservation`` (its dedupe key (OTA, booking id,
   revision) makes a redelivery a duplicate that changes nothing), record it acknowledged, keep a
   ``webhook_receipts`` row for the delivery, and answer ``<Success/>`` with Expedia's id and our
   booking reference — the same answer for a redelivery.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

from chalicelib.aws.credential_vault import CredentialVault
from chalicelib.db.repositories import webhooks as webhook_repository
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_credentials import WEBHOOK_SECRET, WEBHOOK_USERNAME, CredentialsUnavailable
from chalicelib.observability import logger
from chalicelib.ota import expedia_push
from chalicelib.ota.webhooks import MAX_WEBHOOK_BODY_BYTES, MalformedNotification
from chalicelib.services import booking_service, ota_mapping_service, sync_alert_service, webhook_service
from chalicelib.services.ota_booking_requests import booking_request, channel_freshness

# Expedia BN bodies are larger than a hint (a whole booking); still far below the API's limit.
MAX_BODY_BYTES = max(MAX_WEBHOOK_BODY_BYTES, 256 * 1024)


@dataclass(frozen=True)
class PushAnswer:
    status_code: int
    body: bytes
    outcome: str  # stored, duplicate, refused, unauthenticated, malformed
    property_id: int | None = None


def receive(
    raw_body: bytes,
    *,
    authorization: str | None,
    now: datetime | None = None,
    vault: CredentialVault | None = None,
) -> PushAnswer:
    """Handle one BN delivery (see the module docstring for every answer)."""
    moment = now or datetime.now(UTC)
    if len(raw_body) > MAX_BODY_BYTES:
        return PushAnswer(
            413, expedia_push.soap_fault("Client", f"body larger than {MAX_BODY_BYTES} bytes"), "malformed"
        )
    try:
        notification = expedia_push.read_notification(raw_body, authorization=authorization, received_at=moment)
    except MalformedNotification as exc:
        return PushAnswer(400, expedia_push.soap_fault("Client", exc.message), "malformed")
    sender = _authenticated_sender(notification, vault or CredentialVault())
    if sender is None:
        logger.info("expedia push refused: not authenticated", extra={"hotel_id": notification.hotel_id[:64]})
        return PushAnswer(401, expedia_push.soap_fault("Client", "authentication failed"), "unauthenticated")
    refusal = _refusal(notification, sender)
    if refusal is not None:
        code, text = refusal
        body = expedia_push.error_answer(notification.message, notification.echo_token, code, text, now=moment)
        return PushAnswer(200, body, "refused", sender.property_id)
    return _store(notification, sender, moment)


def _authenticated_sender(
    notification: expedia_push.BookingNotification, vault: CredentialVault
) -> webhook_service.Candidate | None:
    if not notification.password:
        return None
    for candidate in webhook_service.candidates(OtaCode.EXPEDIA, notification.hotel_id):
        try:
            credentials = vault.decrypt(candidate.account_id, candidate.envelope)
        except CredentialsUnavailable:
            continue
        secret = credentials.get(WEBHOOK_SECRET)
        expected_user = credentials.get(WEBHOOK_USERNAME)
        if not secret:
            continue
        user_ok = not expected_user or hmac.compare_digest(
            expected_user.encode(), (notification.username or "").encode()
        )
        if user_ok and hmac.compare_digest(secret.encode(), notification.password.encode()):
            return candidate
    return None


def _refusal(
    notification: expedia_push.BookingNotification, sender: webhook_service.Candidate
) -> tuple[str, str] | None:
    reservation = notification.reservation
    if not (sender.is_active and sender.account_active):
        return "3201", f"hotel {notification.hotel_id} is not active in the channel manager"
    if reservation.ota_hotel_id != notification.hotel_id:
        sync_alert_service.refuse_foreign_hotel_reservation(
            ota=OtaCode.EXPEDIA,
            connection_id=sender.connection_id,
            property_id=sender.property_id,
            polled_hotel_id=notification.hotel_id,
            named_hotel_id=reservation.ota_hotel_id,
            reservation_id=reservation.reservation_id,
        )
        return "3202", f"booking {reservation.reservation_id} names hotel {reservation.ota_hotel_id}"
    return None


def _store(
    notification: expedia_push.BookingNotification, sender: webhook_service.Candidate, moment: datetime
) -> PushAnswer:
    reservation = notification.reservation
    index = ota_mapping_service.mapping_index(sender.connection_id)
    freshness = channel_freshness(sender.property_id)
    try:
        request = booking_request(reservation, sender.property_id, index, received_at=moment, freshness=freshness)
        ingested = booking_service.ingest_ota_reservation(request)
    except InvalidInput as exc:
        body = expedia_push.error_answer(notification.message, notification.echo_token, "3203", exc.message, now=moment)
        return PushAnswer(200, body, "refused", sender.property_id)
    booking_service.record_ota_acknowledgement(ingested.revision_record_id, acknowledged=True)
    with unit_of_work() as uow:
        fresh = webhook_repository.claim_receipt(
            uow.session,
            OtaCode.EXPEDIA.value,
            notification.receipt_key,
            connection_id=sender.connection_id,
            property_id=sender.property_id,
        )
    outcome = "stored" if fresh else "duplicate"
    logger.info(
        "expedia push",
        extra={
            "outcome": outcome,
            "bn_message": notification.message,
            "reservation_id": reservation.reservation_id,
            "ingest": ingested.outcome.value,
            "property_id": sender.property_id,
        },
    )
    confirmation = ingested.booking_reference or f"PTX-{reservation.reservation_id}"
    return PushAnswer(
        200, expedia_push.success_answer(notification, confirmation, now=moment), outcome, sender.property_id
    )
