"""The bookings, workflow and alerts APIs through the real app (chalice test client, real PostgreSQL)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.db.models import BookingGroup
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_reservation import ReservationAction
from chalicelib.services import booking_service
from tests.booking_factories import Hotel, counters, make_hotel, ota_request, point_at_moto
from tests.factories import Identity, body_of


@pytest.fixture(autouse=True)
def _alerts_go_to_moto(identity: Identity, moto_server: object, monkeypatch: pytest.MonkeyPatch) -> None:
    point_at_moto(moto_server, monkeypatch)


def _body(
    hotel: Hotel, *, first: int = 1, nights: int = 2, rooms: int = 1, guest: str = "Tran Thi B"
) -> dict[str, Any]:
    return {
        "property_id": hotel.property_id,
        "guest_name": guest,
        "guest_email": "b@example.com",
        "lines": [
            {
                "room_type_id": hotel.room_type_ids[0],
                "check_in": hotel.night(first).isoformat(),
                "check_out": hotel.night(first + nights).isoformat(),
                "rooms": rooms,
            }
        ],
    }


def _post(identity: Identity, path: str, headers: dict[str, str], body: Any = None) -> Any:
    return identity.client.http.post(path, headers=headers, body=json.dumps(body) if body is not None else b"")


def test_booking_the_last_room_twice_answers_409_naming_the_night(identity: Identity) -> None:
    hotel = make_hotel(rooms=(1,))
    headers = identity.headers("Reservations Staff", "VN")

    first = _post(identity, "/bookings", headers, _body(hotel, first=2, nights=2))
    second = _post(identity, "/bookings", headers, _body(hotel, first=3, nights=2))

    assert first.status_code == 201, first.body
    created = body_of(first)
    assert created["status"]["code"] == "pending" and created["reference"].startswith("PTX-")
    assert first.headers["Location"] == f"/bookings/{created['id']}"
    assert second.status_code == 409
    error = body_of(second)["error"]
    assert error["code"] == "insufficient_inventory"
    assert [d["night"] for d in error["details"]] == [hotel.night(3).isoformat()]


def test_bad_input_is_422_naming_the_field(identity: Identity) -> None:
    hotel = make_hotel()
    headers = identity.headers()
    body = _body(hotel)
    body["lines"][0]["rooms"] = 0
    response = _post(identity, "/bookings", headers, body)
    assert response.status_code == 422
    assert body_of(response)["error"]["details"][0]["field"] == "body.lines.0.rooms"

    body = _body(hotel)
    body["lines"][0]["check_out"] = body["lines"][0]["check_in"]
    response = _post(identity, "/bookings", headers, body)
    assert response.status_code == 422
    assert body_of(response)["error"]["details"][0]["field"] == "body.lines[0].check_out"

    response = _post(identity, "/bookings", {**headers, "Idempotency-Key": "bad key with spaces"}, _body(hotel))
    assert response.status_code == 422
    assert body_of(response)["error"]["details"][0]["field"] == "header.Idempotency-Key"


def test_a_retried_post_with_the_same_idempotency_key_returns_the_first_booking(identity: Identity) -> None:
    hotel = make_hotel(rooms=(2,))
    headers = {**identity.headers(), "Idempotency-Key": "8d4c7a5e-0000-4000-8000-000000000001"}

    first = _post(identity, "/bookings", headers, _body(hotel))
    retry = _post(identity, "/bookings", headers, _body(hotel))
    changed = _post(identity, "/bookings", headers, _body(hotel, rooms=2))

    assert first.status_code == retry.status_code == 201
    assert body_of(retry) == body_of(first)
    assert retry.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert changed.status_code == 422
    assert body_of(changed)["error"]["code"] == "idempotency_key_reused"
    assert counters(hotel.room_type_ids[0])[hotel.night(1)] == (2, 0, 1)


def test_confirm_then_transition_through_the_api_with_the_dialog(identity: Identity) -> None:
    hotel = make_hotel(rooms=(3,))
    staff = identity.headers("Reservations Staff", "VN")
    finance = identity.headers("Finance", "VN")
    booking = body_of(_post(identity, "/bookings", staff, _body(hotel)))
    path = f"/bookings/{booking['id']}"

    dialog = body_of(identity.client.http.get(f"{path}/transitions", headers=staff))
    assert dialog["current"]["code"] == "pending"
    assert [o["to_status"]["code"] for o in dialog["allowed"]] == ["confirmed", "cancelled"]
    assert body_of(identity.client.http.get(f"{path}/transitions", headers=finance))["allowed"] == []

    confirmed = identity.client.http.patch(f"{path}/confirm", headers=staff)
    assert confirmed.status_code == 200
    assert body_of(confirmed)["status"]["code"] == "confirmed"
    assert counters(hotel.room_type_ids[0])[hotel.night(1)] == (3, 1, 0)

    refused = _post(identity, f"{path}/transitions", finance, {"to_status": "cancelled"})
    assert refused.status_code == 403
    wrong = _post(identity, f"{path}/transitions", staff, {"to_status": "checked_out"})
    assert wrong.status_code == 409
    assert body_of(wrong)["error"]["code"] == "transition_not_allowed"
    checked_in = _post(identity, f"{path}/transitions", staff, {"to_status": "checked_in", "reason": "arrived"})
    assert checked_in.status_code == 200

    detail = body_of(identity.client.http.get(path, headers=staff))
    history = [(e["kind"], e["from_status"], e["to_status"], e["reason"]) for e in detail["timeline"]]
    assert history == [
        ("created", None, "pending", ""),
        ("status_changed", "pending", "confirmed", ""),
        ("status_changed", "confirmed", "checked_in", "arrived"),
    ]
    assert all(e["actor_label"].endswith("@example.com") for e in detail["timeline"])


def test_the_list_filters_paginates_and_stays_in_the_country(identity: Identity) -> None:
    vn = make_hotel("VN", rooms=(5, 5))
    abroad = make_hotel("ID")
    staff = identity.headers("Reservations Staff", "VN")
    early = body_of(_post(identity, "/bookings", staff, _body(vn, first=1, nights=2, guest="Le Van Early")))
    late = body_of(_post(identity, "/bookings", staff, _body(vn, first=20, nights=3, guest="Pham Late")))
    identity.client.http.patch(f"/bookings/{late['id']}/confirm", headers=staff)
    booking_service.ingest_ota_reservation(ota_request(vn, "BDC-L1", "0001", room_type_id=vn.room_type_ids[1], first=5))
    booking_service.ingest_ota_reservation(ota_request(abroad, "BDC-L2", "0001"))

    def ids(query: str, headers: dict[str, str] = staff) -> list[int]:
        response = identity.client.http.get(f"/bookings?{query}", headers=headers)
        assert response.status_code == 200, response.body
        return [item["id"] for item in body_of(response)["items"]]

    assert len(ids("")) == 3  # the Indonesian booking is not visible
    assert ids(f"stay_from={vn.night(19).isoformat()}&stay_to={vn.night(30).isoformat()}") == [late["id"]]
    assert ids("status=pending") == [early["id"]]
    assert len(ids("status=pending&status=confirmed")) == 3
    assert len(ids("source=ota")) == 1 and ids("ota=booking_com") == ids("source=ota")
    assert ids(f"room_type_id={vn.room_type_ids[0]}") == [late["id"], early["id"]]
    assert ids("guest=early") == [early["id"]]
    assert ids(f"guest={late['reference']}") == [late["id"]]
    page = body_of(identity.client.http.get("/bookings?page=2&page_size=2", headers=staff))
    assert (page["total"], page["pages"], len(page["items"])) == (3, 2, 1)
    assert identity.client.http.get("/bookings?status=", headers=staff).status_code == 422

    finance = identity.headers("Finance", "VN")
    listed = body_of(identity.client.http.get("/bookings", headers=finance))["items"]
    assert {item["guest_name"] for item in listed} == {None}
    searched = identity.client.http.get("/bookings?guest=early", headers=finance)
    assert searched.status_code == 422
    assert body_of(searched)["error"]["details"][0]["field"] == "query.guest"


def test_the_detail_shows_ota_modifications_with_before_and_after(identity: Identity) -> None:
    hotel = make_hotel(rooms=(4,))
    created = booking_service.ingest_ota_reservation(ota_request(hotel, "AGD-D1", "0001", ota=OtaCode.AGODA))
    booking_service.ingest_ota_reservation(
        ota_request(hotel, "AGD-D1", "0002", ReservationAction.MODIFY, first=3, nights=3, ota=OtaCode.AGODA)
    )
    detail = body_of(identity.client.http.get(f"/bookings/{created.booking_group_id}", headers=identity.headers()))
    modified = [e for e in detail["timeline"] if e["kind"] == "modified"]
    assert len(modified) == 1
    assert modified[0]["before"]["lines"][0]["check_in"] == hotel.night(1).isoformat()
    assert modified[0]["after"]["lines"][0]["check_in"] == hotel.night(3).isoformat()
    assert modified[0]["source"] == "ota" and modified[0]["ota_revision"] == "0002"
    assert [r["revision"] for r in detail["ota_revisions"]] == ["0001", "0002"]
    assert detail["source"] == "ota" and detail["channel"] == "agoda"


def test_csv_export_has_a_row_per_booking_and_neutralises_formulas(identity: Identity) -> None:
    hotel = make_hotel(rooms=(3,))
    staff = identity.headers("Reservations Staff", "VN")
    _post(identity, "/bookings", staff, _body(hotel, guest='=HYPERLINK("http://x")'))
    _post(identity, "/bookings", staff, _body(hotel, first=4, guest="Plain Guest"))

    assert identity.client.http.get("/bookings/export", headers=staff).status_code == 403
    manager = identity.headers("Property Manager", "VN")
    response = identity.client.http.get("/bookings/export", headers=manager)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.body.decode())))
    assert len(rows) == 2
    assert {row["guest_name"] for row in rows} == {'\'=HYPERLINK("http://x")', "Plain Guest"}
    assert {row["status"] for row in rows} == {"pending"}
    assert rows[0]["room_types"] == "1x RT0"

    finance = identity.headers("Finance", "VN")
    rows = list(
        csv.DictReader(io.StringIO(identity.client.http.get("/bookings/export", headers=finance).body.decode()))
    )
    assert {row["guest_name"] for row in rows} == {""}


def test_the_workflow_editor_guards_statuses_in_use(identity: Identity) -> None:
    admin = identity.headers("Admin", None)
    staff = identity.headers("Reservations Staff", "VN")
    workflow = body_of(identity.client.http.get("/booking-statuses", headers=staff))
    by_code = {s["code"]: s for s in workflow["statuses"]}
    assert set(by_code) == {"pending", "confirmed", "checked_in", "checked_out", "cancelled", "no_show"}
    assert {s["code"] for s in workflow["statuses"] if s["is_system"]} == {"pending", "confirmed", "cancelled"}

    new = {"code": "waitlisted", "label": "Waitlisted", "colour": "#0EA5E9", "inventory_effect": "none"}
    assert _post(identity, "/booking-statuses", staff, new).status_code == 403
    created = _post(identity, "/booking-statuses", admin, new)
    assert created.status_code == 201, created.body
    status_id = body_of(created)["id"]
    into = {"from_status": "confirmed", "to_status": "waitlisted", "permission": "BOOKINGS_MANAGE"}
    # Nothing leaves the new status yet: a way into it would strand the bookings sent there.
    stranding = _post(identity, "/booking-status-transitions", admin, into)
    assert stranding.status_code == 409, stranding.body
    assert body_of(stranding)["error"]["code"] == "workflow_strands_status"
    assert "Waitlisted (no transition leaves it)" in body_of(stranding)["error"]["message"]
    way_out = _post(
        identity,
        "/booking-status-transitions",
        admin,
        {"from_status": "waitlisted", "to_status": "confirmed", "permission": "BOOKINGS_MANAGE"},
    )
    assert way_out.status_code == 201, way_out.body
    transition = _post(identity, "/booking-status-transitions", admin, into)
    assert transition.status_code == 201
    # Now removing the only way out would strand it: refused, and the workflow is as it was.
    removed = identity.client.http.delete(f"/booking-status-transitions/{body_of(way_out)['id']}", headers=admin)
    assert removed.status_code == 409 and body_of(removed)["error"]["details"][0]["status"] == "waitlisted"
    assert body_of(way_out)["id"] in {
        t["id"] for t in body_of(identity.client.http.get("/booking-statuses", headers=staff))["transitions"]
    }
    duplicate = _post(
        identity,
        "/booking-status-transitions",
        admin,
        {"from_status": "confirmed", "to_status": "waitlisted", "permission": "BOOKINGS_MANAGE"},
    )
    assert duplicate.status_code == 409

    system_effect = identity.client.http.patch(
        f"/booking-statuses/{by_code['confirmed']['id']}", headers=admin, body=json.dumps({"inventory_effect": "none"})
    )
    assert system_effect.status_code == 409
    hotel = make_hotel()
    booking = body_of(_post(identity, "/bookings", staff, _body(hotel)))
    identity.client.http.patch(f"/bookings/{booking['id']}/confirm", headers=staff)
    _post(identity, f"/bookings/{booking['id']}/transitions", staff, {"to_status": "waitlisted"})
    in_use = identity.client.http.patch(
        f"/booking-statuses/{status_id}", headers=admin, body=json.dumps({"inventory_effect": "sell"})
    )
    assert in_use.status_code == 409
    assert identity.client.http.delete(f"/booking-statuses/{status_id}", headers=admin).status_code == 409
    recoloured = identity.client.http.patch(
        f"/booking-statuses/{status_id}", headers=admin, body=json.dumps({"colour": "#000000", "label": "Wait list"})
    )
    assert recoloured.status_code == 200 and body_of(recoloured)["label"] == "Wait list"


def test_alerts_are_listed_read_and_worked_through_their_lifecycle(identity: Identity) -> None:
    hotel = make_hotel(rooms=(1,))
    booking_service.ingest_ota_reservation(ota_request(hotel, "BDC-A1", "0001", first=2, nights=1))
    raised = booking_service.ingest_ota_reservation(
        ota_request(hotel, "AGD-A1", "0001", first=2, nights=1, ota=OtaCode.AGODA)
    )
    staff = identity.headers("Reservations Staff", "VN")
    support = identity.headers("Customer Service", "VN")
    path = f"/alerts/{raised.alert_ids[0]}"

    listed = body_of(identity.client.http.get("/alerts?open_only=true&type=overbooking", headers=staff))
    assert [a["id"] for a in listed["items"]] == [raised.alert_ids[0]]
    detail = body_of(identity.client.http.get(path, headers=support))
    assert detail["details"]["rooms_by_channel"] == {"agoda": 1, "booking_com": 1}
    assert detail["night"] == hotel.night(2).isoformat()
    assert _post(identity, f"{path}/acknowledge", support).status_code == 403

    acknowledged = _post(identity, f"{path}/acknowledge", staff)
    assert body_of(acknowledged)["status"] == "acknowledged"
    past = _post(identity, f"{path}/snooze", staff, {"until": "2020-01-01T00:00:00Z"})
    assert past.status_code == 422
    until = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    assert body_of(_post(identity, f"{path}/snooze", staff, {"until": until}))["status"] == "snoozed"
    resolved = _post(identity, f"{path}/resolve", staff, {"note": "guest moved to a sister hotel"})
    assert body_of(resolved)["status"] == "resolved"
    assert body_of(resolved)["resolution_note"] == "guest moved to a sister hotel"
    again = _post(identity, f"{path}/acknowledge", staff)
    assert again.status_code == 409
    assert body_of(identity.client.http.get("/alerts?open_only=true", headers=staff))["total"] == 0
    assert body_of(identity.client.http.get("/alerts?status=resolved", headers=staff))["total"] == 1


def test_the_housekeeping_schedule_expires_holds(aws: object, identity: Identity) -> None:
    hotel = make_hotel(rooms=(2,))
    staff = identity.headers()
    booking = body_of(_post(identity, "/bookings", staff, _body(hotel)))
    with unit_of_work() as uow:
        group = uow.session.get(BookingGroup, booking["id"])
        assert group is not None
        group.hold_expires_at = datetime.now(UTC) - timedelta(minutes=1)

    event = identity.client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
    )
    result = identity.client.lambda_.invoke("housekeeping", event)

    assert result.payload["expire_holds"] == {"holds_expired": 1, "holds_skipped": 0}
    assert set(result.payload) == {
        "expire_holds",
        "return_agency_rooms",
        "release_hardblocks",
        "relay_outbox",
        "relay_ari_changes",
        "wake_snoozed_alerts",
        "dead_letter_alerts",
        "unacknowledged_booking_alerts",
        "stale_channel_alerts",
    }
    assert counters(hotel.room_type_ids[0])[hotel.night(1)] == (2, 0, 0)
    detail = body_of(identity.client.http.get(f"/bookings/{booking['id']}", headers=staff))
    assert detail["status"]["code"] == "cancelled"
    assert detail["timeline"][-1]["kind"] == "expired" and detail["timeline"][-1]["actor_label"] == "system"
