"""The alert workflow on the in-memory unit of work: listing in scope, acknowledging, snoozing,
resolving (each audited with before/after), refusals that change nothing, waking snoozed alerts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from chalicelib.domain.alerts import AlertAction, AlertFilters, AlertRecord, AlertTransitionNotAllowed
from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.services import alert_service
from tests.unit.fakes import FIXED_NOW, FakeStore
from tests.unit.services.conftest import make_caller

NOW = FIXED_NOW


def _alert(store: FakeStore, alert_id: int, *, country: str | None = "VN", minutes: int = 0, **changes: object) -> None:
    values: dict[str, object] = {
        "id": alert_id,
        "type": "overbooking",
        "severity": "critical",
        "status": "new",
        "property_id": 1,
        "country_code": country,
        "room_type_id": 10,
        "night": date(2026, 2, 1),
        "channel": "agoda",
        "booking_group_id": None,
        "title": "Overbooked",
        "message": "two rooms for one",
        "details": {"overbooked_by": 1},
        "occurrences": 1,
        "first_seen_at": NOW,
        "last_seen_at": NOW,
        "acknowledged_at": None,
        "acknowledged_by_user_id": None,
        "snoozed_until": None,
        "resolved_at": None,
        "resolved_by_user_id": None,
        "resolution_note": "",
        "created_at": NOW + timedelta(minutes=minutes),
        "updated_at": NOW,
        **changes,
    }
    store.ota.alerts[alert_id] = AlertRecord(**values)  # type: ignore[arg-type]


def _act(store: FakeStore, alert_id: int, action: AlertAction, **kwargs: object) -> AlertRecord:
    return alert_service.act_on_alert(
        make_caller(country="VN"),
        alert_id,
        action,
        now=NOW,
        uow=store.unit_of_work,
        **kwargs,  # type: ignore[arg-type]
    )


def _ids(store: FakeStore, filters: AlertFilters, country: str | None = None) -> list[int]:
    rows, _ = alert_service.list_alerts(
        make_caller(country=country), filters, offset=0, limit=50, uow=store.unit_of_work
    )
    return [row.id for row in rows]


def test_alerts_are_listed_newest_first_within_the_callers_countries(store: FakeStore) -> None:
    _alert(store, 1, minutes=0)
    _alert(store, 2, minutes=5)
    _alert(store, 3, country="ID", minutes=10)
    _alert(store, 4, country=None, minutes=15)  # a system-wide alert (a dead-letter queue)
    assert _ids(store, AlertFilters(), "VN") == [2, 1]
    assert _ids(store, AlertFilters()) == [4, 3, 2, 1]


def test_alert_filters_narrow_by_status_type_open_only_room_type_and_nights(store: FakeStore) -> None:
    _alert(store, 1, status="resolved")
    _alert(store, 2, type="sync_failure", severity="warning", night=None, room_type_id=None)
    _alert(store, 3, night=date(2026, 3, 1))
    assert sorted(_ids(store, AlertFilters(open_only=True))) == [2, 3]
    assert _ids(store, AlertFilters(statuses=("resolved",))) == [1]
    assert _ids(store, AlertFilters(types=("sync_failure",))) == [2]
    assert sorted(_ids(store, AlertFilters(room_type_id=10))) == [1, 3]
    assert _ids(store, AlertFilters(night_from=date(2026, 2, 15), night_to=date(2026, 3, 1))) == [3]


def test_alert_lists_are_paginated_with_the_total(store: FakeStore) -> None:
    for alert_id in range(1, 6):
        _alert(store, alert_id, minutes=alert_id)
    rows, total = alert_service.list_alerts(make_caller(), AlertFilters(), offset=2, limit=2, uow=store.unit_of_work)
    assert ([row.id for row in rows], total) == ([3, 2], 5)


def test_another_countrys_alert_is_not_found_and_cannot_be_worked(store: FakeStore) -> None:
    _alert(store, 1, country="ID")
    with pytest.raises(NotFound):
        alert_service.get_alert(make_caller(country="VN"), 1, uow=store.unit_of_work)
    with pytest.raises(NotFound):
        _act(store, 1, AlertAction.ACKNOWLEDGE)
    assert store.ota.alerts[1].status == "new" and store.audit == []


def test_acknowledging_records_who_and_when_and_is_audited_with_before_and_after(store: FakeStore) -> None:
    _alert(store, 1)
    acknowledged = _act(store, 1, AlertAction.ACKNOWLEDGE)
    assert (acknowledged.status, acknowledged.acknowledged_at, acknowledged.acknowledged_by_user_id) == (
        "acknowledged",
        NOW,
        7,
    )
    [entry] = store.audit
    assert (entry.action, entry.entity_type, entry.entity_id, entry.country_code) == (
        "alert.acknowledged",
        "alert",
        "1",
        "VN",
    )
    assert entry.before is not None and entry.after is not None
    assert (entry.before["status"], entry.after["status"]) == ("new", "acknowledged")
    assert entry.after["acknowledged_by_user_id"] == 7


def test_acknowledging_a_snoozed_alert_clears_its_snooze(store: FakeStore) -> None:
    _alert(store, 1, status="snoozed", snoozed_until=NOW + timedelta(hours=1))
    assert _act(store, 1, AlertAction.ACKNOWLEDGE).snoozed_until is None


def test_snoozing_needs_a_time_in_the_future_naming_until_and_changes_nothing(store: FakeStore) -> None:
    _alert(store, 1)
    with pytest.raises(InvalidInput) as refused:
        _act(store, 1, AlertAction.SNOOZE, until=NOW - timedelta(minutes=1))
    assert [d["field"] for d in refused.value.details] == ["until"]
    assert store.ota.alerts[1].status == "new" and store.audit == []


def test_snoozing_keeps_the_alert_open_until_its_time(store: FakeStore) -> None:
    _alert(store, 1, status="acknowledged")
    snoozed = _act(store, 1, AlertAction.SNOOZE, until=NOW + timedelta(hours=2))
    assert (snoozed.status, snoozed.snoozed_until) == ("snoozed", NOW + timedelta(hours=2))
    assert store.audit_actions() == ["alert.snoozed"]


def test_resolving_keeps_the_note_and_who_resolved_it(store: FakeStore) -> None:
    _alert(store, 1, status="snoozed", snoozed_until=NOW + timedelta(hours=1))
    resolved = _act(store, 1, AlertAction.RESOLVE, note="guest moved to a sister hotel")
    assert (resolved.status, resolved.resolution_note, resolved.resolved_by_user_id) == (
        "resolved",
        "guest moved to a sister hotel",
        7,
    )
    assert resolved.resolved_at == NOW and resolved.snoozed_until is None
    assert _ids(store, AlertFilters(open_only=True)) == []


def test_a_resolved_alert_cannot_be_acknowledged_again_and_nothing_is_written(store: FakeStore) -> None:
    _alert(store, 1, status="resolved")
    with pytest.raises(AlertTransitionNotAllowed):
        _act(store, 1, AlertAction.ACKNOWLEDGE)
    assert store.ota.alerts[1].status == "resolved" and store.audit == []


def test_snoozed_alerts_whose_time_has_come_are_new_again_and_others_wait(store: FakeStore) -> None:
    _alert(store, 1, status="snoozed", snoozed_until=NOW - timedelta(minutes=1))
    _alert(store, 2, status="snoozed", snoozed_until=NOW + timedelta(minutes=1))
    assert alert_service.wake_snoozed(NOW, uow=store.unit_of_work) == {"alerts_woken": 1}
    assert (store.ota.alerts[1].status, store.ota.alerts[1].snoozed_until) == ("new", None)
    assert store.ota.alerts[2].status == "snoozed"
