"""The global settings: their names, types, allowed ranges and defaults (pure; stored by
``db/repositories/settings.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class AppSettings(BaseModel):
    """Every global setting with its default; unknown keys in the table are ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    inventory_buffer_rooms: int = Field(
        default=0, ge=0, le=1000, description="rooms kept back from sale on every night, unless overridden"
    )
    sync_poll_interval_seconds: int = Field(
        default=150, ge=30, le=86400, description="how often each OTA connection is polled for reservations"
    )
    booking_expiry_minutes: int = Field(
        default=15, ge=1, le=1440, description="how long an unconfirmed booking holds its rooms"
    )
    stale_channel_intervals: int = Field(
        default=4,
        ge=2,
        le=100,
        description="a connection whose last successful sync is older than this many poll intervals is stale",
    )


SETTING_KEYS = tuple(AppSettings.model_fields)


@dataclass(frozen=True)
class SettingChange:
    """The latest change to any setting: which key, when, by whom."""

    key: str
    updated_at: datetime
    updated_by_user_id: int | None
