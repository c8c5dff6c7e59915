"""POST /live/ticket: a one-time ticket to open the live-updates WebSocket (browsers cannot send
headers on a WebSocket, so the socket authenticates with ``?ticket=`` instead)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from chalicelib.api.routing import ApiBlueprint
from chalicelib.domain.access import Caller
from chalicelib.domain.live import TICKET_LIFETIME_SECONDS
from chalicelib.services import live_service

blueprint = ApiBlueprint(__name__, tag="live")


class LiveTicketOut(BaseModel):
    ticket: str = Field(description=f"open the socket with ?ticket=<this> within {TICKET_LIFETIME_SECONDS} s; once")
    expires_at: datetime
    url: str = Field(description="the WebSocket URL (wss:// in AWS)")


@blueprint.endpoint(
    "/live/ticket",
    "POST",
    summary="A one-time ticket for the live-updates WebSocket (any signed-in user)",
    body_required=False,
    status=201,
)
def issue_live_ticket(caller: Caller) -> LiveTicketOut:
    """The socket hears bookings, alerts and sync failures of the countries the caller sees now."""
    issued = live_service.issue_ticket(caller)
    return LiveTicketOut(ticket=issued.ticket, expires_at=issued.expires_at, url=issued.url)
