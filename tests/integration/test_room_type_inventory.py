"""Room types and their calendar on the real database: totals, buffers, the horizon, locks, housekeeping."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from chalice.test import Client
from sqlalchemy import text

from app import app
from chalicelib.db.locks import lock_room_types
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller
from chalicelib.domain.nights import horizon_end
from chalicelib.domain.permissions import Permission
from chalicelib.services import calendar_service, calendar_upkeep, room_type_service
from tests.factories import Identity
from tests.support.calendar_api import (
    CALENDAR_STAFF,
    Api,
    book_rooms,
    cells,
    new_property,
    new_room_type,
    property_today,
    staff_api,
    table_count,
)

ADMIN = CALENDAR_STAFF | Permission.SETTINGS_WRITE


def _caller(identity: Identity, permissions: Permission = CALENDAR_STAFF) -> Caller:
    user = identity.user(permissions=permissions, country="VN")
    return Caller(
        user_id=user.id,
        email=user.email,
        full_name="Test Person",
        role_id=user.role_id,
        role_name=user.role_name,
        permissions=permissions,
        home_country="VN",
        active_country=None,
        may_switch_country=False,
        session_id="test",
    )


def test_a_new_total_rederives_every_night_from_today_and_leaves_the_past_alone(identity: Identity) -> None:
    api = staff_api(identity)
    hotel = new_property(api)
    caller = _caller(identity)
    start = datetime.now(UTC)
    created = room_type_service.create_room_type(
        caller, hotel["id"], room_type_service.NewRoomType(code="STD", name="Standard", total_rooms=10), now=start
    )
    later = start + timedelta(days=10)
    room_type_service.update_room_type(caller, created.id, {"total_rooms": 6}, now=later)

    first = property_today()
    rows = cells(created.id, first, first + timedelta(days=40))
    assert {row["total"] for row in rows[:10]} == {10}  # nights already past on the day of the change
    assert {row["total"] for row in rows[10:]} == {6}
    assert {row["version"] for row in rows[10:]} == {2}
    changed = table_count("ari_changes", "room_type_id = :rt AND version = 2", rt=created.id)
    assert changed == (horizon_end(first) - first).days - 10


def test_total_below_rooms_already_sold_is_a_409_naming_the_nights_and_changes_nothing(identity: Identity) -> None:
    api = staff_api(identity)
    hotel = new_property(api)
    room_type = new_room_type(api, hotel["id"], total_rooms=10)
    today = property_today()
    busy = [today + timedelta(days=5), today + timedelta(days=9)]
    book_rooms(room_type["id"], busy, sold=8)
    outbox = table_count("ari_changes")

    status, body = api.patch(f"/room-types/{room_type['id']}", {"total_rooms": 7, "name": "Renamed"})
    assert status == 409
    assert body["error"]["code"] == "total_below_committed"
    assert [detail["night"] for detail in body["error"]["details"]] == [str(night) for night in busy]
    assert all(detail["field"] == "body.total_rooms" for detail in body["error"]["details"])
    assert str(busy[0]) in body["error"]["message"]
    assert {row["total"] for row in cells(room_type["id"], today, today + timedelta(days=30))} == {10}
    assert api.ok("GET", f"/room-types/{room_type['id']}")["name"] == "Room DLX"
    assert table_count("ari_changes") == outbox

    assert api.patch(f"/room-types/{room_type['id']}", {"total_rooms": 8})[0] == 200


def test_total_below_supplier_allocations_is_refused(identity: Identity) -> None:
    api = staff_api(identity)
    hotel = new_property(api)
    room_type = new_room_type(api, hotel["id"], total_rooms=10)
    owner = api.ok("POST", "/suppliers", {"country_code": "VN", "name": "Owner"})
    today = property_today()
    api.ok(
        "POST",
        f"/suppliers/{owner['id']}/allocations",
        {"room_type_id": room_type["id"], "date_from": str(today), "date_to": str(today + timedelta(30)), "rooms": 6},
    )
    status, body = api.patch(f"/room-types/{room_type['id']}", {"total_rooms": 5})
    assert status == 409 and body["error"]["code"] == "allocation_exceeds_total"
    assert body["error"]["details"][0]["suppliers"] == [{"supplier_id": owner["id"], "rooms": 6}]


def test_buffer_comes_from_the_room_type_else_the_property_else_the_global_setting(identity: Identity) -> None:
    api = Api(identity, identity.headers(permissions=ADMIN, country="VN"))
    hotel = new_property(api)
    inherits = new_room_type(api, hotel["id"], "STD")
    own = new_room_type(api, hotel["id"], "DLX", buffer_rooms=0)
    today = property_today()

    def buffers(room_type: dict[str, Any]) -> set[int]:
        return {row["buffer"] for row in cells(room_type["id"], today, today + timedelta(days=800))}

    assert api.ok("PATCH", "/settings", {"inventory_buffer_rooms": 2})["calendars_updated"] == 1
    assert (buffers(inherits), buffers(own)) == ({2}, {0})
    api.ok("PATCH", f"/properties/{hotel['id']}", {"buffer_rooms": 1})
    assert (buffers(inherits), buffers(own)) == ({1}, {0})
    api.ok("PATCH", f"/room-types/{own['id']}", {"buffer_rooms": None})
    assert buffers(own) == {1}

    # A night whose availability staff fixed by hand keeps it when the setting changes.
    api.ok(
        "POST",
        f"/properties/{hotel['id']}/calendar/bulk-update",
        {"date_from": str(today), "date_to": str(today), "room_type_ids": [inherits["id"]], "availability": 4},
    )
    api.ok("PATCH", f"/properties/{hotel['id']}", {"buffer_rooms": None})
    [fixed] = cells(inherits["id"], today, today)
    assert (fixed["buffer"], fixed["manual_buffer"]) == (6, True)
    assert buffers(inherits) == {2, 6}


def test_settings_have_defaults_refuse_bad_values_and_are_audited(identity: Identity) -> None:
    admin = Api(identity, identity.headers(permissions=ADMIN, country="VN"))
    defaults = admin.ok("GET", "/settings")
    assert (defaults["inventory_buffer_rooms"], defaults["sync_poll_interval_seconds"]) == (0, 150)
    assert defaults["booking_expiry_minutes"] == 15 and defaults["updated_at"] is None

    status, body = admin.patch("/settings", {"booking_expiry_minutes": 0})
    assert status == 422 and body["error"]["details"][0]["field"] == "body.booking_expiry_minutes"
    status, _ = staff_api(identity).patch("/settings", {"booking_expiry_minutes": 20})
    assert status == 403

    changed = admin.ok("PATCH", "/settings", {"booking_expiry_minutes": 20})
    assert changed["booking_expiry_minutes"] == 20 and changed["updated_by_user_id"] is not None
    with unit_of_work() as uow:
        before, after = uow.session.execute(
            text("SELECT before, after FROM audit_log WHERE action = 'settings.updated'")
        ).one()
    assert (before, after) == ({"booking_expiry_minutes": 15}, {"booking_expiry_minutes": 20})

    assert defaults["stale_channel_intervals"] == 4
    status, body = admin.patch("/settings", {"stale_channel_intervals": 1})
    assert status == 422 and body["error"]["details"][0]["field"] == "body.stale_channel_intervals"
    assert admin.ok("PATCH", "/settings", {"stale_channel_intervals": 6})["stale_channel_intervals"] == 6


def test_housekeeping_tops_calendars_up_to_the_horizon_once_and_skips_archived_and_inactive(
    identity: Identity,
) -> None:
    api = staff_api(identity)
    hotel = new_property(api)
    room_type = new_room_type(api, hotel["id"])
    plan = api.ok("POST", f"/room-types/{room_type['id']}/rate-plans", {"code": "BAR", "name": "BAR"})
    idle = new_room_type(api, hotel["id"], "OLD")
    api.ok("PATCH", f"/room-types/{idle['id']}", {"is_active": False})
    closed = new_property(api, "HAN-2")
    archived_room_type = new_room_type(api, closed["id"])
    api.ok("DELETE", f"/properties/{closed['id']}")

    in_40_days = datetime.now(UTC) + timedelta(days=40)
    counts = calendar_upkeep.extend_calendars(now=in_40_days)
    today = property_today()
    added = (horizon_end(today + timedelta(days=40)) - horizon_end(today)).days
    assert counts["nights_created"] == added and counts["rate_cells_created"] == added
    assert counts["room_types_checked"] == 1
    last_night = horizon_end(today + timedelta(days=40)) - timedelta(days=1)
    assert cells(room_type["id"], last_night, last_night + timedelta(days=5))[0]["night"] == last_night
    assert table_count("rate_days", "rate_plan_id = :p AND night = :n", p=plan["id"], n=last_night) == 1
    for skipped in (idle, archived_room_type):
        assert not cells(skipped["id"], horizon_end(today), last_night)

    assert calendar_upkeep.extend_calendars(now=in_40_days)["room_types_synced"] == 0  # idempotent

    # Re-activating tops the idle room type up at once.
    api.ok("PATCH", f"/room-types/{idle['id']}", {"is_active": True})
    assert cells(idle["id"], horizon_end(today) - timedelta(days=1), horizon_end(today))


def test_the_housekeeping_schedule_runs_the_calendar_task(identity: Identity) -> None:
    api = staff_api(identity)
    hotel = new_property(api)
    new_room_type(api, hotel["id"])
    with Client(app) as client:
        event = client.events.generate_cw_event(
            source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
        )
        result = client.lambda_.invoke("hourly_upkeep", event)
    assert result.payload["extend_calendars"]["room_types_checked"] == 1
    assert result.payload["extend_calendars"]["room_types_synced"] == 0


def test_a_bulk_update_waits_for_the_room_type_lock_a_booking_holds(identity: Identity) -> None:
    api = staff_api(identity)
    hotel = new_property(api)
    room_type = new_room_type(api, hotel["id"])
    caller = _caller(identity)
    today = property_today()
    request = calendar_service.BulkUpdateInput(
        date_from=today, date_to=today, room_type_ids=[room_type["id"]], fields={"availability": 5}
    )
    done = threading.Event()
    errors: list[BaseException] = []

    def apply() -> None:
        try:
            calendar_service.apply_bulk_update(caller, hotel["id"], request)
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            done.set()

    with unit_of_work() as booking:
        lock_room_types(booking.session, [room_type["id"]])
        # a booking sells 4 rooms under the lock...
        booking.session.execute(
            text("UPDATE inventory_days SET sold = 4, version = version + 1 WHERE room_type_id = :rt AND night = :n"),
            {"rt": room_type["id"], "n": today},
        )
        worker = threading.Thread(target=apply)
        worker.start()
        _wait_until_blocked_on_advisory_lock()
        assert not done.is_set()
    worker.join(timeout=30)
    assert done.is_set() and not errors, errors
    # ...and the bulk update, run after it, saw the sale: 5 of the 6 rooms left are offered.
    [row] = cells(room_type["id"], today, today)
    assert (row["sold"], row["buffer"], row["version"]) == (4, 1, 3)


def _wait_until_blocked_on_advisory_lock() -> None:
    for _ in range(600):
        with unit_of_work() as uow:
            waiting = uow.session.execute(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            ).scalar_one()
        if waiting:
            return
        time.sleep(0.05)
    raise AssertionError("the bulk update never queued behind the lock")


def test_a_room_type_with_sold_nights_cannot_be_deleted_but_an_unsold_one_goes_with_its_calendar(
    identity: Identity,
) -> None:
    api = staff_api(identity)
    hotel = new_property(api)
    busy = new_room_type(api, hotel["id"], "BUSY")
    free = new_room_type(api, hotel["id"], "FREE")
    api.ok("POST", f"/room-types/{free['id']}/rate-plans", {"code": "BAR", "name": "BAR"})
    book_rooms(busy["id"], [property_today() + timedelta(days=3)], sold=1)
    status, body = api.delete(f"/room-types/{busy['id']}")
    assert status == 409 and body["error"]["details"][0]["night"] == str(property_today() + timedelta(days=3))
    api.ok("DELETE", f"/room-types/{free['id']}")
    assert table_count("inventory_days", "room_type_id = :rt", rt=free["id"]) == 0
    assert table_count("rate_days", "room_type_id = :rt", rt=free["id"]) == 0
