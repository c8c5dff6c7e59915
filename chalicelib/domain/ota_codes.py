"""The OTAs we connect to, by a stable code (stored in the database, used in queue messages)."""

from __future__ import annotations

from enum import StrEnum


class OtaCode(StrEnum):
    BOOKING_COM = "booking_com"
    EXPEDIA = "expedia"
    AGODA = "agoda"
    TRAVELOKA = "traveloka"

    @property
    def display_name(self) -> str:
        """The OTA's name as staff read it in messages ("authentication failed at Booking.com")."""
        return _DISPLAY_NAMES[self]

    def view_fields(self) -> dict[str, str]:
        """``ota`` and ``ota_name``: how a view shows the OTA (its code and its display name)."""
        return {"ota": self.value, "ota_name": self.display_name}


_DISPLAY_NAMES: dict[OtaCode, str] = {
    OtaCode.BOOKING_COM: "Booking.com",
    OtaCode.EXPEDIA: "Expedia",
    OtaCode.AGODA: "Agoda",
    OtaCode.TRAVELOKA: "Traveloka",
}


# Booking channels that are not OTAs (``bookings.channel``), named as staff read them.
_OTHER_CHANNELS = {"direct": "Direct", "partner": "Partner"}


def channel_name(channel: str) -> str:
    """A booking channel as staff name it in messages: "Booking.com", "Direct" (an unknown code as given)."""
    if channel in OtaCode.__members__.values():
        return OtaCode(channel).display_name
    return _OTHER_CHANNELS.get(channel, channel)
