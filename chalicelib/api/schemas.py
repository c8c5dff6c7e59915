"""Input types shared by the routes (emails, passwords, country codes) and the config of a request body."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from chalicelib.domain.bookings import MAX_ROOMS_PER_LINE
from chalicelib.domain.passwords import password_bytes


def _valid_utf8(value: str) -> str:
    password_bytes(value)  # ValueError for lone surrogates ("\\ud800" in JSON): a 422, never a 500
    return value


def _upper_country(value: str) -> str:
    return value.upper()


Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
]
# What a client may send as a password: capped so a huge string cannot buy CPU time; the policy
# for new passwords (length, breached patterns) is checked by the service with the account's context.
Password = Annotated[str, Field(min_length=1, max_length=1024), AfterValidator(_valid_utf8)]
OtpCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=6, max_length=20)]
CountryCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=2, max_length=2, pattern=r"^[A-Za-z]{2}$"),
    AfterValidator(_upper_country),
]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


# --- the inventory calendar's records --------------------------------------------------------
RecordCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"),
]
RecordName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
ChannelName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")
]
Rooms = Annotated[int, Field(ge=0, le=100_000)]


class StayIn(BaseModel):
    """What every booking line asks for: rooms of a room type for a stay, and their guests. A line
    model adds its own fields and may restate ``room_type_id`` to describe it (it keeps its place)."""

    model_config = ConfigDict(extra="forbid")

    room_type_id: int = Field(ge=1)
    check_in: date
    check_out: date = Field(description="the day the guest leaves (the night before is the last night)")
    rooms: int = Field(default=1, ge=1, le=MAX_ROOMS_PER_LINE)
    adults: int = Field(default=2, ge=1, le=20)
    children: int = Field(default=0, ge=0, le=20)


def request_body_config(*examples: dict[str, Any]) -> ConfigDict:
    """A request body's ``model_config``: unknown fields are refused (422 naming them), and ``examples``
    are what the OpenAPI document shows for it."""
    return ConfigDict(extra="forbid", json_schema_extra={"examples": list(examples)})
