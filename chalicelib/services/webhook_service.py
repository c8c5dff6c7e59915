"""Receiving OTA webhooks: authenticate, drop repeats, enqueue a sync of the property. Fast.

The receiver never calls the OTA: it turns a notification into one ``sync-jobs`` message
(``sync_jobs.enqueue_property_syncs``, trigger ``webhook``) and answers; the property sync worker
pulls the reservations as for a scheduled poll.

**Where the secret lives.** In the OTA account's credentials, sealed by the KMS vault like the
rest of them, as the optional field ``webhook_secret`` (Agoda: the shared secret it puts in
``X-Webhook-Key``; Booking.com-style senders: the HMAC key). One secret per account: it is what the OTA
is configured with for the channel manager, and it rotates with the account's credentials. The
hotel id in the notification names the connection(s); the account whose secret verifies the
notification is the one that sent it (one hotel id may exist under accounts of two countries).

**Answers.** 202 ``enqueued``; 202 ``duplicate`` (the same notification again: nothing
enqueued); 202 ``ignored`` for a hotel id we do not connect or a connection switched off (the
OTA must stop retrying; nothing to do); 401 for a missing/wrong secret or signature or a stale
timestamp; 400 naming the field for a malformed body; 404 for an OTA that does not notify;
503 when the queue refused the job (the receipt is rolled back, so the OTA's retry gets through).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.aws.credential_vault import CredentialVault, DataKeyCache, EncryptedCredentials
from chalicelib.db.repositories import webhooks as webhook_repository
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.errors import DependencyUnavailable, existing
from chalicelib.domain.ota_accounts import AccountStatus
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_credentials import WEBHOOK_SECRET, CredentialsUnavailable
from chalicelib.observability import logger, new_trace_id, trace
from chalicelib.ota import webhooks
from chalicelib.services import ota_access, sync_jobs

RECEIPT_RETENTION = timedelta(days=3)
# Unwrapped data keys for the container's life (bounded), as the sync worker keeps them: a webhook
# makes no KMS call once its account's key was opened.
RECEIVER_DATA_KEYS = DataKeyCache(max_entries=512)

Status = Literal["enqueued", "duplicate", "ignored"]


@dataclass(frozen=True)
class WebhookOutcome:
    status: Status
    reason: str | None = None
    property_id: int | None = None


@dataclass(frozen=True)
class Candidate:
    connection_id: int
    property_id: int
    is_active: bool
    account_id: int
    account_active: bool
    envelope: EncryptedCredentials


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def receive(
    ota_name: str,
    raw_body: bytes,
    *,
    headers: Mapping[str, str],
    now: float | None = None,
    vault: CredentialVault | None = None,
) -> WebhookOutcome:
    """Handle one notification (see the module docstring for every answer)."""
    ota = existing(webhooks.webhook_ota(ota_name), f"No webhook receiver for {ota_name[:40]!r}.")
    fmt = webhooks.WEBHOOK_OTAS[ota]
    if len(raw_body) > webhooks.MAX_WEBHOOK_BODY_BYTES:
        raise webhooks.MalformedNotification("body", f"larger than {webhooks.MAX_WEBHOOK_BODY_BYTES} bytes")
    moment = time.time() if now is None else now
    if fmt == "signed_json":
        # Refuse unsigned or stale requests before looking at the body.
        timestamp = webhooks.parse_timestamp(_header(headers, webhooks.TIMESTAMP_HEADER), now=moment)
        signature = _header(headers, webhooks.SIGNATURE_HEADER)
        if not signature:
            raise webhooks.WebhookUnauthenticated(f"Missing the {webhooks.SIGNATURE_HEADER} header.")
        notifications = webhooks.parse_signed_notification(ota, raw_body)

        def verifies(secret: str) -> bool:
            return webhooks.signature_matches(secret, timestamp, signature, raw_body)

    else:
        presented = _header(headers, webhooks.SHARED_SECRET_HEADER)
        if not presented:
            raise webhooks.WebhookUnauthenticated(f"Missing the {webhooks.SHARED_SECRET_HEADER} header.")
        notifications = webhooks.parse_agoda_hint(raw_body)

        def verifies(secret: str) -> bool:
            return webhooks.secret_matches(secret, presented)

    # Authenticate every notification first: a hint naming a hotel whose secret does not verify
    # is refused as a whole, before anything is queued.
    outcomes: list[WebhookOutcome] = []
    to_enqueue: list[tuple[webhooks.Notification, Candidate]] = []
    opened: dict[int, str | None] = {}  # account id → its webhook secret, decrypted once per request
    for notification in notifications:
        found = candidates(ota, notification.hotel_id)
        if not found:
            logger.info(
                "webhook for an unknown hotel ignored", extra={"ota": ota.value, "hotel_id": notification.hotel_id}
            )
            outcomes.append(WebhookOutcome("ignored", "unknown hotel"))
            continue
        sender = _verified_sender(found, verifies, vault or CredentialVault(data_keys=RECEIVER_DATA_KEYS), opened)
        if not (sender.is_active and sender.account_active):
            outcomes.append(WebhookOutcome("ignored", "connection inactive", sender.property_id))
            continue
        to_enqueue.append((notification, sender))
    outcomes.extend(_enqueue_once(ota, notification, sender, moment) for notification, sender in to_enqueue)
    return _overall(outcomes)


def _overall(outcomes: list[WebhookOutcome]) -> WebhookOutcome:
    """One answer for a notification that named several hotels: the most consequential outcome."""
    for status in ("enqueued", "duplicate"):
        found = next((o for o in outcomes if o.status == status), None)
        if found is not None:
            return found
    return outcomes[0]


def candidates(ota: OtaCode, hotel_id: str) -> list[Candidate]:
    """The connections (with their account's sealed credentials) an OTA hotel id names."""
    with unit_of_work() as uow:
        return [
            Candidate(
                connection_id=found.connection_id,
                property_id=found.property_id,
                is_active=found.is_active,
                account_id=found.account.id,
                account_active=found.account.status == AccountStatus.ACTIVE,
                envelope=ota_access.envelope_of(found.account),
            )
            for found in webhook_repository.connections_for_hotel(uow.session, ota.value, hotel_id)
        ]


def _webhook_secret(vault: CredentialVault, candidate: Candidate) -> str | None:
    try:
        credentials = vault.decrypt(candidate.account_id, candidate.envelope)
    except CredentialsUnavailable:
        return None  # logged by the vault; another account may still verify
    return credentials.get(WEBHOOK_SECRET) or None


def _verified_sender(
    candidates: list[Candidate], verifies: Any, vault: CredentialVault, opened: dict[int, str | None]
) -> Candidate:
    configured = False
    for candidate in candidates:
        if candidate.account_id not in opened:
            opened[candidate.account_id] = _webhook_secret(vault, candidate)
        secret = opened[candidate.account_id]
        if not secret:
            continue
        configured = True
        if verifies(secret):
            return candidate
    if not configured:
        raise webhooks.WebhookUnauthenticated("No webhook secret is configured for this hotel's account.")
    raise webhooks.WebhookUnauthenticated("The webhook secret or signature does not match.")


def _enqueue_once(
    ota: OtaCode, notification: webhooks.Notification, sender: Candidate, received_at: float
) -> WebhookOutcome:
    # The job is sent inside the transaction that records the receipt: if SQS refuses it, the
    # receipt rolls back and the OTA's retry gets through; if the commit fails after the send,
    # the retry enqueues a second (harmless, idempotent) sync.
    with unit_of_work() as uow:
        fresh = webhook_repository.claim_receipt(
            uow.session,
            ota.value,
            notification.key,
            connection_id=sender.connection_id,
            property_id=sender.property_id,
        )
        if not fresh:
            logger.info("webhook repeated", extra={"ota": ota.value, "property_id": sender.property_id})
            return WebhookOutcome("duplicate", None, sender.property_id)
        trace_id = new_trace_id()
        try:
            # Only the connection that notified: the others have nothing new because of this hint.
            result = sync_jobs.enqueue_property_syncs(
                [sender.property_id],
                "webhook",
                hint=notification.hint,
                connection_ids=[sender.connection_id],
                trace_id=trace_id,
            )
        except (BotoCoreError, ClientError) as exc:
            logger.warning("sync job not queued", extra={"error": type(exc).__name__})
            raise DependencyUnavailable("The sync job could not be queued; retry shortly.") from None
        if result.failed or result.sent != 1:
            raise DependencyUnavailable("The sync job could not be queued; retry shortly.")
    logger.info(
        "webhook enqueued a sync",
        extra={"ota": ota.value, "property_id": sender.property_id, "hint": notification.hint},
    )
    trace(
        "webhook.enqueued",
        trace_id=trace_id,
        ota=ota.value,
        property_id=sender.property_id,
        connection_id=sender.connection_id,
        reservation_ids=list(notification.reservation_ids)[:20],
        received_at=round(received_at, 4),
    )
    return WebhookOutcome("enqueued", None, sender.property_id)


def purge_receipts(now: datetime | None = None) -> dict[str, int]:
    """Hourly upkeep: forget receipts older than the retention window."""
    cutoff = (now or datetime.now(UTC)) - RECEIPT_RETENTION
    with unit_of_work() as uow:
        return {"purged": webhook_repository.purge_receipts(uow.session, received_before=cutoff)}
