"""Global settings: one ``app_settings`` row per key, read into the typed :class:`AppSettings`."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import ValidationError
from sqlalchemy import ScalarSelect, select
from sqlalchemy.orm import Session

from chalicelib.config import get_settings
from chalicelib.db.models import AppSetting
from chalicelib.db.repositories.base import SessionRepository
from chalicelib.domain.settings import SETTING_KEYS, AppSettings, SettingChange


def load_app_settings(session: Session) -> AppSettings:
    """The current settings, defaults filled in (read in the caller's transaction)."""
    stored = {row.key: row.value for row in session.scalars(select(AppSetting))}
    values = {key: value for key, value in stored.items() if _valid(key, value)}
    # Until staff set it, the hold period comes from the deployment (BOOKING_EXPIRY_MINUTES).
    values.setdefault("booking_expiry_minutes", get_settings().booking_expiry_minutes)
    return AppSettings.model_validate(values)


def _valid(key: str, value: Any) -> bool:
    if key not in SETTING_KEYS:
        return False
    try:
        AppSettings.model_validate({key: value})
    except ValidationError:
        return False  # a hand-edited row out of range must not take the product down: default it
    return True


def stored_setting(key: str) -> ScalarSelect[Any]:
    """One setting's stored value as a scalar subquery, to read it in the same statement as other rows."""
    return select(AppSetting.value).where(AppSetting.key == key).scalar_subquery()


def poll_interval_setting(stored: Any) -> int:
    """``sync_poll_interval_seconds`` from its stored value (None or out of range: the default)."""
    key = "sync_poll_interval_seconds"
    chosen = AppSettings.model_validate({key: stored}) if _valid(key, stored) else AppSettings()
    return chosen.sync_poll_interval_seconds


def booking_expiry_setting(stored: Any) -> int:
    """``booking_expiry_minutes`` from its stored value (None or out of range: the deployment's, as
    :func:`load_app_settings` reads it)."""
    if type(stored) is int:  # what the settings page stores: validated once per value, not per booking
        valid = _stored_expiry(stored)
        if valid is not None:
            return valid
    key = "booking_expiry_minutes"
    value = stored if _valid(key, stored) else get_settings().booking_expiry_minutes
    return AppSettings.model_validate({key: value}).booking_expiry_minutes


@lru_cache(maxsize=64)
def _stored_expiry(stored: int) -> int | None:
    key = "booking_expiry_minutes"
    return AppSettings.model_validate({key: stored}).booking_expiry_minutes if _valid(key, stored) else None


def latest_setting_row(session: Session) -> AppSetting | None:
    return session.scalar(select(AppSetting).order_by(AppSetting.updated_at.desc()).limit(1))


def upsert_setting(session: Session, key: str, value: Any, user_id: int | None) -> None:
    row = session.get(AppSetting, key, with_for_update=True)
    if row is None:
        session.add(AppSetting(key=key, value=value, updated_by_user_id=user_id))
    else:
        row.value = value
        row.updated_by_user_id = user_id


class SqlSettingsRepository(SessionRepository):
    """The settings of one unit of work (``uow.settings``)."""

    def load(self) -> AppSettings:
        return load_app_settings(self._session)

    def latest_change(self) -> SettingChange | None:
        row = latest_setting_row(self._session)
        return SettingChange(row.key, row.updated_at, row.updated_by_user_id) if row else None

    def save(self, key: str, value: Any, user_id: int | None) -> None:
        upsert_setting(self._session, key, value, user_id)
