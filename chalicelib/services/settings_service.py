"""Global settings (``GET/PATCH /settings``): typed, with defaults, audited.

Later features read them with ``chalicelib.db.repositories.settings.load_app_settings(session)``
inside their own unit of work, or :func:`current_app_settings`. Changing
``inventory_buffer_rooms`` re-applies the buffer to the calendar of every room type that
inherits it (neither the room type nor its property overrides it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from chalicelib.db.engine import unit_of_work
from chalicelib.db.repositories import settings as settings_repository
from chalicelib.db.repositories.settings import SETTING_KEYS, AppSettings
from chalicelib.domain.access import Caller
from chalicelib.domain.errors import InvalidInput
from chalicelib.services import calendar_upkeep
from chalicelib.services.audit_service import record_audit

__all__ = ["AppSettings", "SettingsRecord", "current_app_settings", "get_settings", "update_settings"]


@dataclass(frozen=True)
class SettingsRecord:
    values: AppSettings
    updated_at: datetime | None
    updated_by_user_id: int | None
    calendars_updated: int = 0


def current_app_settings() -> AppSettings:
    """The current settings, in a transaction of their own."""
    with unit_of_work() as uow:
        return settings_repository.load_app_settings(uow.session)


def get_settings(caller: Caller) -> SettingsRecord:
    """Every setting with its current (or default) value, and who changed settings last."""
    with unit_of_work() as uow:
        latest = settings_repository.latest_setting_row(uow.session)
        return SettingsRecord(
            values=settings_repository.load_app_settings(uow.session),
            updated_at=latest.updated_at if latest else None,
            updated_by_user_id=latest.updated_by_user_id if latest else None,
        )


def update_settings(caller: Caller, changes: dict[str, Any], *, now: datetime | None = None) -> SettingsRecord:
    """Change some settings (one audit row with before/after of the keys that changed).

    A new ``inventory_buffer_rooms`` is then applied to the calendars that inherit it, property
    by property, each in its own transaction: a group-wide change must not hold every room
    type's lock at once. The hourly housekeeping re-applies it wherever a failure left a
    calendar behind.
    """
    unknown = sorted(set(changes) - set(SETTING_KEYS))
    if unknown:
        raise InvalidInput(
            f"Unknown setting(s): {', '.join(unknown)}",
            details=[{"field": f"body.{key}", "message": "unknown setting"} for key in unknown],
        )
    with unit_of_work() as uow:
        session = uow.session
        before = settings_repository.load_app_settings(session)
        try:
            after = AppSettings.model_validate({**before.model_dump(), **changes})
        except ValidationError as exc:
            details = [
                {"field": "body." + ".".join(str(part) for part in error["loc"]), "message": error["msg"]}
                for error in exc.errors()
            ]
            raise InvalidInput("Invalid settings: " + "; ".join(d["field"] for d in details), details=details) from None
        changed = {key: getattr(after, key) for key in SETTING_KEYS if getattr(before, key) != getattr(after, key)}
        for key, value in changed.items():
            settings_repository.upsert_setting(session, key, value, caller.user_id)
        if changed:
            before_values = {key: getattr(before, key) for key in changed}
            record_audit(session, caller, "settings.updated", "settings", "global", before_values, changed)
    calendars = 0
    if "inventory_buffer_rooms" in changed:
        calendars = calendar_upkeep.apply_global_buffer(now=now)
    record = get_settings(caller)
    return SettingsRecord(record.values, record.updated_at, record.updated_by_user_id, calendars)
