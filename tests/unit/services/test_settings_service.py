"""The settings service on the in-memory unit of work: defaults, validation, audit, buffer re-apply."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.errors import InvalidInput
from chalicelib.services import settings_service
from tests.unit.fakes import FakeStore
from tests.unit.services.conftest import make_caller


def _update(store: FakeStore, changes: dict[str, Any], reapplied: list[Any] | None = None) -> Any:
    def reapply_buffer(**kwargs: Any) -> int:
        if reapplied is not None:
            reapplied.append(kwargs)
        return 3

    return settings_service.update_settings(
        make_caller(), changes, uow=store.unit_of_work, reapply_buffer=reapply_buffer
    )


def test_defaults_come_from_the_model_and_the_deployments_hold_period(store: FakeStore) -> None:
    store.default_booking_expiry_minutes = 25
    record = settings_service.get_settings(make_caller(), uow=store.unit_of_work)
    assert (record.values.inventory_buffer_rooms, record.values.sync_poll_interval_seconds) == (0, 150)
    assert record.values.booking_expiry_minutes == 25 and record.values.stale_channel_intervals == 4
    assert record.updated_at is None and record.updated_by_user_id is None


def test_a_change_is_stored_audited_with_before_and_after_and_attributed(store: FakeStore) -> None:
    record = _update(store, {"booking_expiry_minutes": 20})
    assert record.values.booking_expiry_minutes == 20 and record.updated_by_user_id == 7
    [entry] = store.audit
    assert (entry.action, entry.entity_type, entry.entity_id) == ("settings.updated", "settings", "global")
    assert (entry.before, entry.after) == ({"booking_expiry_minutes": 15}, {"booking_expiry_minutes": 20})
    assert entry.actor_user_id == 7 and entry.request_id == "req-1"


def test_an_unchanged_value_writes_nothing_and_audits_nothing(store: FakeStore) -> None:
    _update(store, {"booking_expiry_minutes": 15, "sync_poll_interval_seconds": 150})
    assert store.setting_values == {} and store.audit == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"booking_expiry_minutes": 0}, "booking_expiry_minutes"),
        ({"stale_channel_intervals": 1}, "stale_channel_intervals"),
        ({"sync_poll_interval_seconds": 29}, "sync_poll_interval_seconds"),
        ({"inventory_buffer_rooms": -1}, "inventory_buffer_rooms"),
    ],
)
def test_out_of_range_values_are_refused_naming_the_setting_and_nothing_is_written(
    store: FakeStore, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        _update(store, {"booking_expiry_minutes": 30, **changes})
    assert [detail["field"] for detail in refused.value.details] == [field]
    assert store.setting_values == {} and store.audit == []


def test_unknown_settings_are_refused_by_name(store: FakeStore) -> None:
    with pytest.raises(InvalidInput) as refused:
        _update(store, {"poll_every": 3, "booking_expiry_minutes": 20})
    assert refused.value.details == [{"field": "poll_every", "message": "unknown setting"}]
    assert store.setting_values == {}


def test_a_new_buffer_is_reapplied_to_the_calendars_after_the_commit(store: FakeStore) -> None:
    reapplied: list[Any] = []
    record = _update(store, {"inventory_buffer_rooms": 2}, reapplied)
    assert reapplied == [{"now": None}] and record.calendars_updated == 3
    assert store.commits >= 1 and store.setting_values == {"inventory_buffer_rooms": 2}


def test_other_changes_do_not_touch_the_calendars(store: FakeStore) -> None:
    reapplied: list[Any] = []
    record = _update(store, {"stale_channel_intervals": 6}, reapplied)
    assert reapplied == [] and record.calendars_updated == 0
    assert settings_service.current_app_settings(uow=store.unit_of_work).stale_channel_intervals == 6
