"""Live updates: one-time tickets, the WebSocket connections they open, and the fan-out.

A signed-in browser asks for a ticket (:func:`issue_ticket`: 60 s, single use, stored as its
SHA-256 with the caller's country scope at that moment) and opens the WebSocket with
``?ticket=``; the connect handler redeems it (:func:`connect`) and records the connection.
Services write ``live`` outbox rows in their transaction (``live_events``); the outbox relay
hands each to :func:`fan_out`, which posts the message to every connection whose scope includes
the event's country and forgets connections API Gateway says are gone (410).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from chalicelib.aws import live_sockets
from chalicelib.aws.notifications import NotificationFailed
from chalicelib.config import get_settings
from chalicelib.db.repositories import live as live_repository
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller
from chalicelib.domain.live import TICKET_LIFETIME_SECONDS, scope_countries
from chalicelib.domain.tokens import hash_opaque_token, new_opaque_token
from chalicelib.observability import logger

MAX_TICKET_LENGTH = 200
SEND_THREADS = 8
MAX_CONNECTION_AGE = timedelta(hours=2, minutes=5)  # API Gateway closes a WebSocket after 2 hours

Recipients = Callable[[str | None], list[str]]
Send = Callable[[str, bytes], None]
Forget = Callable[[list[str]], None]


@dataclass(frozen=True)
class IssuedTicket:
    ticket: str
    expires_at: datetime
    url: str


def issue_ticket(caller: Caller, *, now: datetime | None = None) -> IssuedTicket:
    """A ticket that opens one WebSocket for ``caller`` within 60 s, hearing the caller's current scope."""
    ticket = new_opaque_token()
    expires_at = (now or datetime.now(UTC)) + timedelta(seconds=TICKET_LIFETIME_SECONDS)
    with unit_of_work() as uow:
        live_repository.add_ticket(
            uow.session, hash_opaque_token(ticket), caller.user_id, scope_countries(caller.scope), expires_at
        )
    return IssuedTicket(ticket=ticket, expires_at=expires_at, url=get_settings().live_ws_url)


def connect(connection_id: str, ticket: str | None) -> bool:
    """Redeem ``ticket`` and record the connection; False (refuse the socket) for a missing,
    forged, expired or spent ticket, or a disabled user."""
    if not ticket or len(ticket) > MAX_TICKET_LENGTH:
        return False
    with unit_of_work() as uow:
        redeemed = live_repository.redeem_ticket(uow.session, hash_opaque_token(ticket))
        if redeemed is None:
            return False
        live_repository.add_connection(uow.session, connection_id, redeemed.user_id, scope_countries(redeemed.scope))
    return True


def disconnect(connection_id: str) -> None:
    forget_connections([connection_id])


def connections_hearing(country_code: str | None) -> list[str]:
    """The open connections whose scope includes ``country_code`` (None: all-country scopes only)."""
    with unit_of_work() as uow:
        return live_repository.connections_hearing(uow.session, country_code)


def forget_connections(connection_ids: list[str]) -> None:
    with unit_of_work() as uow:
        live_repository.delete_connections(uow.session, connection_ids)


def fan_out(
    payload: Mapping[str, Any],
    *,
    recipients: Recipients = connections_hearing,
    send: Send = live_sockets.post_to_connection,
    forget: Forget = forget_connections,
) -> str:
    """The outbox publisher of ``live`` rows: post ``payload`` to every connection hearing its country.

    Gone connections are deleted. Raises NotificationFailed (the row is retried) only when every
    send failed for another reason; one failing socket does not hold the others' messages back.
    """
    data = json.dumps(payload, separators=(",", ":")).encode()
    connection_ids = recipients(payload.get("country_code"))
    if not connection_ids:
        return "no connections"

    def deliver(connection_id: str) -> str:
        try:
            send(connection_id, data)
        except live_sockets.ConnectionGone:
            return "gone"
        except live_sockets.SocketSendFailed as exc:
            logger.warning("live message not delivered", extra={"error": str(exc)})
            return "failed"
        return "sent"

    with ThreadPoolExecutor(max_workers=min(SEND_THREADS, len(connection_ids))) as pool:
        outcomes = dict(zip(connection_ids, pool.map(deliver, connection_ids), strict=True))
    gone = [connection_id for connection_id, outcome in outcomes.items() if outcome == "gone"]
    if gone:
        forget(gone)
    counts = {outcome: list(outcomes.values()).count(outcome) for outcome in ("sent", "gone", "failed")}
    if counts["failed"] and not counts["sent"]:
        raise NotificationFailed(f"live message delivered to none of {len(connection_ids)} connections")
    return f"sent {counts['sent']}, gone {counts['gone']}, failed {counts['failed']}"


def fan_out_in_session(session: Session, payload: Mapping[str, Any], *, recipients: list[str] | None = None) -> str:
    """:func:`fan_out` reading the recipients (unless the relay's claim already read them: ``recipients``)
    and forgetting gone ones in ``session``: the outbox relay's own transaction, so relaying a live
    row needs no second database connection."""

    def forget(connection_ids: list[str]) -> None:
        live_repository.delete_connections(session, connection_ids)

    def hearing(country_code: str | None) -> list[str]:
        if recipients is not None:
            return recipients
        return live_repository.connections_hearing(session, country_code)

    return fan_out(payload, recipients=hearing, forget=forget)


def purge_spent(now: datetime | None = None) -> dict[str, int]:
    """The hourly housekeeping task: tickets expired over an hour ago, and connections older than
    API Gateway lets a WebSocket live (2 hours) whose disconnect never arrived."""
    moment = now or datetime.now(UTC)
    with unit_of_work() as uow:
        tickets = live_repository.purge_tickets(uow.session, moment - timedelta(hours=1))
        connections = live_repository.purge_connections(uow.session, moment - MAX_CONNECTION_AGE)
    return {"live_tickets_purged": tickets, "live_connections_purged": connections}
