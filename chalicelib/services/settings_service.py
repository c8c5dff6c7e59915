"""Global settings (``GET/PATCH /settings``): typed, with defaults, audited.

Later features read them with ``uow.settings.load()`` (or, on a bare session,
``chalicelib.db.repositories.settings.load_app_settings(session)``) inside their own unit of work.
Changing ``inventory_buffer_rooms`` re-applies the buffer to the calendar of every room type that
inherits it (neither the room type nor its property overrides it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.settings import SETTING_KEYS, AppSettings
from chalicelib.services import calendar_upkeep
from chalicelib.services.audit_service import audit_entry
from chalicelib.services.ports import UnitOfWorkFactory

__all__ = ["AppSettings", "SettingsRecord", "current_app_settings", "get_settings", "update_settings"]

BufferReapplier = Callable[..., int]


@dataclass(frozen=True)
class SettingsRecord:
    values: AppSettings
    updated_at: datetime | None
    updated_by_user_id: int | None
    calendars_updated: int = 0


def current_app_settings(*, uow: UnitOfWorkFactory = unit_of_work) -> AppSettings:
    """The current settings, in a transaction of their own."""
    with uow() as work:
        return work.settings.load()


def get_settings(caller: Caller, *, uow: UnitOfWorkFactory = unit_of_work) -> SettingsRecord:
    """Every setting with its current (or default) value, and who changed settings last."""
    with uow() as work:
        latest = work.settings.latest_change()
        return SettingsRecord(
            values=work.settings.load(),
            updated_at=latest.updated_at if latest else None,
            updated_by_user_id=latest.updated_by_user_id if latest else None,
        )


def update_settings(
    caller: Caller,
    changes: dict[str, Any],
    *,
    now: datetime | None = None,
    uow: UnitOfWorkFactory = unit_of_work,
    reapply_buffer: BufferReapplier = calendar_upkeep.apply_global_buffer,
) -> SettingsRecord:
    """Change some settings (one audit row with before/after of the keys that changed).

    A new ``inventory_buffer_rooms`` is then applied to the calendars that inherit it
    (``reapply_buffer``), property by property, each in its own transaction: a group-wide change
    must not hold every room type's lock at once. The hourly housekeeping re-applies it wherever
    a failure left a calendar behind.
    """
    unknown = sorted(set(changes) - set(SETTING_KEYS))
    if unknown:
        raise InvalidInput(
            f"Unknown setting(s): {', '.join(unknown)}",
            details=[{"field": key, "message": "unknown setting"} for key in unknown],
        )
    with uow() as work:
        before = work.settings.load()
        after = _validated(before, changes)
        changed = {key: getattr(after, key) for key in SETTING_KEYS if getattr(before, key) != getattr(after, key)}
        for key, value in changed.items():
            work.settings.save(key, value, caller.user_id)
        if changed:
            before_values = {key: getattr(before, key) for key in changed}
            work.audit.add(audit_entry(caller, "settings.updated", "settings", "global", before_values, changed))
    calendars = reapply_buffer(now=now) if "inventory_buffer_rooms" in changed else 0
    record = get_settings(caller, uow=uow)
    return SettingsRecord(record.values, record.updated_at, record.updated_by_user_id, calendars)


def _validated(before: AppSettings, changes: dict[str, Any]) -> AppSettings:
    try:
        return AppSettings.model_validate({**before.model_dump(), **changes})
    except ValidationError as exc:
        details = [
            {"field": ".".join(str(part) for part in error["loc"]), "message": error["msg"]} for error in exc.errors()
        ]
        raise InvalidInput("Invalid settings: " + "; ".join(d["field"] for d in details), details=details) from None
