"""A pulled (or pushed) OTA reservation as the booking service's request, in our ids: the worker
that pulls (``property_sync_service``) and the Expedia push receiver (``expedia_push_service``) both
store reservations through these."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

from chalicelib.db.repositories import sync as sync_repository
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.alerts import ChannelFreshness
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.ota_booking import OtaBookingLine, OtaBookingRequest
from chalicelib.domain.ota_mappings import MappingIndex
from chalicelib.domain.ota_reservation import OtaReservation, ReservationAction
from chalicelib.domain.views import view_from


class Unmapped(InvalidInput):
    """A room or rate plan of the reservation is not mapped on the connection."""


def booking_request(
    reservation: OtaReservation,
    property_id: int,
    index: MappingIndex,
    *,
    received_at: datetime,
    freshness: dict[str, ChannelFreshness] | None = None,
) -> OtaBookingRequest:
    """The OTA-neutral reservation in our ids; :class:`Unmapped` names the unmapped room.

    A cancellation whose rooms are not mapped is still a cancellation (it carries no lines then).
    """
    lines: list[OtaBookingLine] = []
    problems: list[dict[str, Any]] = []
    for position, room in enumerate(reservation.rooms):
        room_type_id = index.room_type_for(room.ota_room_id)
        if room_type_id is None:
            problems.append({"field": f"rooms[{position}].ota_room_id", "message": f"{room.ota_room_id} is not mapped"})
            continue
        rate_plan_id = index.rate_plan_for(room.ota_room_id, room.ota_rate_plan_id) if room.ota_rate_plan_id else None
        # the stay and guests as the OTA sent them (it names no line of its own: line_ref None)
        line = view_from(
            OtaBookingLine,
            room,
            room_type_id=room_type_id,
            rate_plan_id=rate_plan_id,
            rooms=room.quantity,
            nightly_amounts=room.nightly_rates,
            line_ref=None,
        )
        lines.append(line)
    if problems:
        if reservation.action is not ReservationAction.CANCEL:
            raise Unmapped(
                f"{reservation.ota.display_name} reservation {reservation.reservation_id}: "
                + "; ".join(p["message"] for p in problems),
                details=problems,
            )
        lines = []
    return view_from(
        OtaBookingRequest,
        reservation,
        property_id=property_id,
        lines=tuple(lines),
        received_at=received_at,
        payload=reservation_payload(reservation),
        channel_freshness=freshness or {},
    )


def reservation_payload(reservation: OtaReservation) -> dict[str, Any]:
    """The revision as received, JSON-ready, for the revision's row (the adapter's ack token left out)."""
    data = asdict(reservation)
    data.pop("ack_token", None)
    loaded: dict[str, Any] = json.loads(json.dumps(data, default=str))
    return loaded


def channel_freshness(property_id: int) -> dict[str, ChannelFreshness]:
    """When each channel of the property last synced successfully (the overbooking alert's context)."""
    with unit_of_work() as uow:
        known = sync_repository.last_success_by_channel(uow.session, property_id)
    return {code: ChannelFreshness(channel=code, last_successful_sync_at=last) for code, last in known.items()}
