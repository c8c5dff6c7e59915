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


_DISPLAY_NAMES: dict[OtaCode, str] = {
    OtaCode.BOOKING_COM: "Booking.com",
    OtaCode.EXPEDIA: "Expedia",
    OtaCode.AGODA: "Agoda",
    OtaCode.TRAVELOKA: "Traveloka",
}
