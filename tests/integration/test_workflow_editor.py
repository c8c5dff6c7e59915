"""The workflow editor's API refuses changes that strand a status, and leaves the workflow as it was."""

from __future__ import annotations

import json
from typing import Any

from tests.factories import Identity, body_of


def _workflow(identity: Identity, headers: dict[str, str]) -> dict[str, Any]:
    return dict(body_of(identity.client.http.get("/booking-statuses", headers=headers)))


def test_unmarking_a_terminal_status_nothing_leaves_is_refused(identity: Identity) -> None:
    admin = identity.headers("Admin", None)
    checked_out = next(s for s in _workflow(identity, admin)["statuses"] if s["code"] == "checked_out")
    path = f"/booking-statuses/{checked_out['id']}"
    refused = identity.client.http.patch(path, headers=admin, body=json.dumps({"is_terminal": False}))
    assert refused.status_code == 409, refused.body
    error = body_of(refused)["error"]
    assert error["code"] == "workflow_strands_status"
    assert "Checked out (no transition leaves it)" in error["message"]
    assert error["details"][0]["field"] == "body.is_terminal"
    assert next(s for s in _workflow(identity, admin)["statuses"] if s["code"] == "checked_out")["is_terminal"]
    # The control: a change of look alone is accepted.
    assert identity.client.http.patch(path, headers=admin, body=json.dumps({"icon": "flag"})).status_code == 200


def test_a_deleted_status_takes_its_transitions_and_a_loop_without_an_exit_is_refused(identity: Identity) -> None:
    admin = identity.headers("Admin", None)

    def post(path: str, body: dict[str, Any]) -> Any:
        return identity.client.http.post(path, headers=admin, body=json.dumps(body))

    # confirmed → vip → checked_in, a detour that finishes.
    vip = body_of(
        post("/booking-statuses", {"code": "vip", "label": "VIP", "colour": "#111111", "inventory_effect": "sell"})
    )
    for source, target in (("vip", "checked_in"), ("confirmed", "vip")):
        created = post(
            "/booking-status-transitions", {"from_status": source, "to_status": target, "permission": "BOOKINGS_MANAGE"}
        )
        assert created.status_code == 201, created.body
    # Deleting vip takes its transitions with it; nothing strands: allowed.
    assert identity.client.http.delete(f"/booking-statuses/{vip['id']}", headers=admin).status_code == 204
    # A loop with no exit: a ⇄ b reached from confirmed, never reaching an end.
    for code in ("loop_a", "loop_b"):
        assert (
            post(
                "/booking-statuses", {"code": code, "label": code, "colour": "#222222", "inventory_effect": "sell"}
            ).status_code
            == 201
        )
    assert (
        post(
            "/booking-status-transitions",
            {"from_status": "loop_a", "to_status": "loop_b", "permission": "BOOKINGS_MANAGE"},
        ).status_code
        == 201
    )
    assert (
        post(
            "/booking-status-transitions",
            {"from_status": "loop_b", "to_status": "loop_a", "permission": "BOOKINGS_MANAGE"},
        ).status_code
        == 201
    )
    looped = post(
        "/booking-status-transitions",
        {"from_status": "confirmed", "to_status": "loop_a", "permission": "BOOKINGS_MANAGE"},
    )
    assert looped.status_code == 409
    assert "its transitions never reach a terminal status" in body_of(looped)["error"]["message"]
    assert {d["status"] for d in body_of(looped)["error"]["details"]} == {"loop_a", "loop_b"}
