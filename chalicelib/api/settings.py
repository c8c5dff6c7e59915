"""Global settings: buffer rooms, OTA polling interval, booking expiry."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from chalicelib.api.patching import PatchBody
from chalicelib.api.resources import Resource
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.schemas import request_body_config
from chalicelib.domain.access import Caller
from chalicelib.domain.permissions import Permission
from chalicelib.services import settings_service
from chalicelib.services.settings_service import AppSettings

blueprint = ApiBlueprint(__name__, tag="settings")
settings = Resource(blueprint, read=Permission.PROPERTIES_READ, write=Permission.SETTINGS_WRITE)


class SettingsOut(AppSettings):
    updated_at: datetime | None = Field(description="when a setting last changed (null: all defaults)")
    updated_by_user_id: int | None
    calendars_updated: int = Field(default=0, description="room types whose calendar a new buffer changed")


class SettingsUpdate(PatchBody):
    model_config = request_body_config({"booking_expiry_minutes": 20})

    inventory_buffer_rooms: int | None = Field(default=None, ge=0, le=1000)
    sync_poll_interval_seconds: int | None = Field(default=None, ge=30, le=86400)
    booking_expiry_minutes: int | None = Field(default=None, ge=1, le=1440)
    stale_channel_intervals: int | None = Field(default=None, ge=2, le=100)


def settings_out(record: settings_service.SettingsRecord) -> SettingsOut:
    return SettingsOut(
        **record.values.model_dump(),
        updated_at=record.updated_at,
        updated_by_user_id=record.updated_by_user_id,
        calendars_updated=record.calendars_updated,
    )


@settings.get("/settings", "The global settings")
def get_settings(caller: Caller) -> SettingsOut:
    return settings_out(settings_service.get_settings(caller))


@settings.patch(
    "/settings",
    "Change global settings (audited; a new buffer applies to the calendars that inherit it)",
    error_statuses=(422,),
)
def update_settings(caller: Caller, body: SettingsUpdate) -> SettingsOut:
    return settings_out(settings_service.update_settings(caller, body.changes()))
