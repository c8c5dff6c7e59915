"""Reading the audit trail and the activity log on the in-memory unit of work: country scope,
filters, newest first, pagination, frozen views; and what an audit entry keeps of a change."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from chalicelib.domain.audit import ActivityRecord, AuditRecord
from chalicelib.services import audit_service
from chalicelib.services.audit_service import ActivityFilters, AuditActor, AuditFilters
from tests.unit.fakes import FIXED_NOW, FakeStore
from tests.unit.services.conftest import make_caller


def _audit(
    store: FakeStore, record_id: int, *, country: str | None = "VN", minutes: int = 0, **changes: object
) -> None:
    values: dict[str, object] = {
        "id": record_id,
        "occurred_at": FIXED_NOW + timedelta(minutes=minutes),
        "actor_user_id": 1,
        "actor_email": "admin@example.com",
        "action": "user.updated",
        "entity_type": "user",
        "entity_id": "5",
        "country_code": country,
        "before": {"full_name": "A"},
        "after": {"full_name": "B"},
        "request_id": None,
        "client_ip": None,
        **changes,
    }
    store.ota.audit_records.append(AuditRecord(**values))  # type: ignore[arg-type]


def _activity(store: FakeStore, record_id: int, *, country: str | None = "VN", **changes: object) -> None:
    values: dict[str, object] = {
        "id": record_id,
        "occurred_at": FIXED_NOW,
        "user_id": 3,
        "email": "staff@example.com",
        "country_code": country,
        "method": "GET",
        "path": "/me",
        "status_code": 200,
        "request_id": None,
        "client_ip": "127.0.0.1",
        "user_agent": None,
        "duration_ms": 1.5,
        **changes,
    }
    store.ota.activity_records.append(ActivityRecord(**values))  # type: ignore[arg-type]


def _list_audit(
    store: FakeStore,
    filters: AuditFilters | None = None,
    *,
    country: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[AuditRecord], int]:
    caller = make_caller(country=country)
    wanted = filters or AuditFilters()
    return audit_service.list_audit(caller, wanted, offset=offset, limit=limit, uow=store.unit_of_work)


def test_a_country_caller_sees_only_its_countrys_audit_rows(store: FakeStore) -> None:
    # Given changes in VN, ID and a global one (a role)
    _audit(store, 1, country="VN")
    _audit(store, 2, country="ID")
    _audit(store, 3, country=None, entity_type="role")
    # When a VN caller lists the trail
    rows, total = _list_audit(store, country="VN")
    # Then only the VN row shows, and the global row needs an all-countries view
    assert [row.id for row in rows] == [1] and total == 1
    assert sorted(row.id for row in _list_audit(store)[0]) == [1, 2, 3]


def test_the_audit_trail_is_newest_first_and_paginated_with_the_total(store: FakeStore) -> None:
    for record_id, minutes in ((1, 0), (2, 5), (3, 10)):
        _audit(store, record_id, minutes=minutes)
    first, total = _list_audit(store, limit=2)
    second, _ = _list_audit(store, offset=2, limit=2)
    assert ([row.id for row in first], [row.id for row in second], total) == ([3, 2], [1], 3)


def test_audit_filters_narrow_by_entity_action_actor_and_time(store: FakeStore) -> None:
    _audit(store, 1, minutes=0)
    _audit(store, 2, minutes=5, action="user.disabled")
    _audit(store, 3, minutes=10, entity_id="6", actor_user_id=2)
    assert [r.id for r in _list_audit(store, AuditFilters(action="user.disabled"))[0]] == [2]
    assert [r.id for r in _list_audit(store, AuditFilters(entity_type="user", entity_id="6"))[0]] == [3]
    assert [r.id for r in _list_audit(store, AuditFilters(actor_user_id=2))[0]] == [3]
    window = AuditFilters(since=FIXED_NOW + timedelta(minutes=5), until=FIXED_NOW + timedelta(minutes=10))
    assert [r.id for r in _list_audit(store, window)[0]] == [2]  # since inclusive, until exclusive


def test_audit_rows_come_back_as_frozen_views(store: FakeStore) -> None:
    _audit(store, 1)
    [row], _ = _list_audit(store)
    assert isinstance(row, AuditRecord)
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.action = "changed"  # type: ignore[misc]


def test_a_country_caller_sees_only_its_countrys_requests_and_no_anonymous_ones(store: FakeStore) -> None:
    _activity(store, 1, country="VN")
    _activity(store, 2, country="ID")
    _activity(store, 3, country=None, user_id=None, email=None, path="/auth/login", method="POST", status_code=401)
    seen, total = audit_service.list_activity(
        make_caller(country="VN"), ActivityFilters(), offset=0, limit=50, uow=store.unit_of_work
    )
    assert [row.id for row in seen] == [1] and total == 1
    everything, _ = audit_service.list_activity(
        make_caller(), ActivityFilters(), offset=0, limit=50, uow=store.unit_of_work
    )
    assert sorted(row.id for row in everything) == [1, 2, 3]


def test_activity_filters_match_email_and_method_in_any_case_and_paths_by_prefix(store: FakeStore) -> None:
    _activity(store, 1, path="/me")
    _activity(store, 2, path="/auth/login", method="POST", email="other@example.com")
    _activity(store, 3, path="/properties/1", status_code=404)

    def ids(filters: ActivityFilters) -> list[int]:
        rows, _ = audit_service.list_activity(make_caller(), filters, offset=0, limit=50, uow=store.unit_of_work)
        return sorted(row.id for row in rows)

    assert ids(ActivityFilters(email="OTHER@Example.com")) == [2]
    assert ids(ActivityFilters(method="post")) == [2]
    assert ids(ActivityFilters(path_prefix="/auth")) == [2]
    assert ids(ActivityFilters(status_code=404)) == [3]
    assert ids(ActivityFilters(user_id=3)) == [1, 2, 3]


def test_an_audit_entry_masks_a_secret_that_slipped_into_its_after_values() -> None:
    actor = AuditActor(user_id=None, email="tester@example.com")
    entry = audit_service.audit_entry(actor, "thing.changed", "thing", 2, {"a": 1}, {"a": 2, "password": "x"})
    assert entry.after == {"a": 2, "password": "***"} and entry.before == {"a": 1}
    assert (entry.entity_id, entry.actor_email, entry.actor_user_id) == ("2", "tester@example.com", None)


def test_an_audit_entry_of_an_api_caller_carries_its_request_id_and_the_records_country() -> None:
    entry = audit_service.audit_entry(make_caller(), "x.updated", "x", 1, None, {"b": 1}, country_code="ID")
    assert (entry.request_id, entry.country_code, entry.actor_user_id) == ("req-1", "ID", 7)
    assert entry.before is None
