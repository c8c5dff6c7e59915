"""Global settings: one ``app_settings`` row per key, read into the typed :class:`AppSettings`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from chalicelib.config import get_settings
from chalicelib.db.models import AppSetting


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


def load_app_settings(session: Session) -> AppSettings:
    """The current settings, defaults filled in (read in the caller's transaction)."""
    stored = {row.key: row.value for row in session.scalars(select(AppSetting))}
    values: dict[str, Any] = {}
    for key, value in stored.items():
        if key not in SETTING_KEYS:
            continue
        try:
            AppSettings.model_validate({key: value})
        except ValidationError:
            continue  # a hand-edited row out of range must not take the product down: default it
        values[key] = value
    # Until staff set it, the hold period comes from the deployment (BOOKING_EXPIRY_MINUTES).
    values.setdefault("booking_expiry_minutes", get_settings().booking_expiry_minutes)
    return AppSettings.model_validate(values)


def latest_setting_row(session: Session) -> AppSetting | None:
    return session.scalar(select(AppSetting).order_by(AppSetting.updated_at.desc()).limit(1))


def upsert_setting(session: Session, key: str, value: Any, user_id: int | None) -> None:
    row = session.get(AppSetting, key, with_for_update=True)
    if row is None:
        session.add(AppSetting(key=key, value=value, updated_by_user_id=user_id))
    else:
        row.value = value
        row.updated_by_user_id = user_id
