"""The team and audit screens in a real browser against the local stack.

A Super Admin (two-factor on, as the role requires) invites a user with a custom role in the
Users screen, ticks a permission in the roles editor, and the user's very next request (same
session, same token) is allowed; disabled there, the user's session ends; the audit screen shows
the role's write with its before and after. An
Admin adds a status and transitions in the workflow graph: the API first refuses a way into a
status nothing leaves (the editor says why), then the new transition is offered in a booking's
transition dialog. A reservations agent sees none of these screens (navigation and direct URL)
and gets 403 from the API. Each screen is checked with axe-core and saved to docs/screenshots/.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from playwright.sync_api import Browser, Locator, Page, expect
from sqlalchemy import create_engine, text

from local.demo_seed import DEMO_PASSWORD
from tests.e2e import test_dashboard as dash
from tests.e2e.conftest import RunningStack
from tests.e2e.test_dashboard import database_url, enroll_two_factor, origin, shoot, sign_in
from tests.e2e.test_dashboard_setup import _sign_in_with_code

browser = dash.browser
page = dash.page

AGENT = "reservations.vn@demo.ptx-cm.local"
NOT_ALLOWED = "Your role may not use this screen."


def _administrator(stack: RunningStack, like: str) -> tuple[str, str]:
    """A new account with the role of the demo account ``like`` and TOTP on: (email, secret)."""
    email = f"team-{uuid.uuid4().hex[:8]}@demo.ptx-cm.local"
    with create_engine(database_url(stack)).begin() as db:
        db.execute(
            text(
                "INSERT INTO users (email, full_name, password_hash, role_id, is_active, password_changed_at)"
                " SELECT :email, 'Team Admin', password_hash, role_id, true, now() FROM users WHERE email = :like"
            ),
            {"email": email, "like": like},
        )
    return email, enroll_two_factor(stack, email)


def _api(page: Page, stack: RunningStack, headers: dict[str, str], method: str, path: str, body: Any = None) -> Any:
    response = page.request.fetch(f"{origin(stack)}/api{path}", method=method, data=body, headers=headers)
    assert response.ok, f"{method} {path}: {response.status} {response.text()}"
    return response.json() if response.status != 204 else None


def test_a_role_edited_in_the_editor_takes_effect_on_the_users_next_request(
    local_stack: RunningStack, page: Page, browser: Browser
) -> None:
    email, secret = _administrator(local_stack, "superadmin@demo.ptx-cm.local")
    admin = _sign_in_with_code(page, local_stack, email, secret, "%2Fteam%2Froles")
    suffix = uuid.uuid4().hex[:6]
    role_name = f"Night Auditor {suffix}"
    role = _api(page, local_stack, admin, "POST", "/roles", {"name": role_name, "permissions": ["BOOKINGS_READ"]})

    # The Users screen invites the person with that role and a first password.
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()
    page.get_by_role("button", name="Invite user").click()
    dialog = page.get_by_role("dialog")
    person = f"auditor-{suffix}@demo.ptx-cm.local"
    dialog.get_by_role("textbox", name="Email", exact=True).fill(person)
    dialog.get_by_role("textbox", name="Full name").fill(f"Auditor {suffix}")
    dialog.get_by_role("textbox", name="Role").click()
    page.get_by_role("option", name=role_name).click()
    dialog.get_by_role("textbox", name="Country").click()
    page.get_by_role("option", name="VN", exact=True).click()
    dialog.get_by_label("Initial password").fill(DEMO_PASSWORD)
    dialog.get_by_role("button", name="Invite", exact=True).click()
    expect(dialog).to_be_hidden()
    page.get_by_label("Search name or email").fill(suffix)
    expect(page.locator("tbody tr")).to_have_count(1)  # the search applied
    row = page.locator(f"tr[data-user='{person}']")
    expect(row).to_contain_text(role_name)
    expect(row).to_contain_text("VN")
    shoot(page, "team-users")

    # The new user's session: bookings yes, alerts no (403), and no admin screen in the navigation.
    other = browser.new_page()
    try:
        user = sign_in(other, local_stack, person)
        expect(other.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Roles")).to_have_count(
            0
        )
        alerts = f"{origin(local_stack)}/api/alerts"
        assert other.request.get(alerts, headers=user).status == 403

        # The roles editor: tick "View alerts"; the bitmask underneath follows.
        page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Roles").click()
        page.get_by_role("button", name=f"Edit role {role_name}").click()
        dialog = page.get_by_role("dialog")
        expect(dialog.get_by_role("checkbox", name="View bookings")).to_be_checked()
        mask = dialog.get_by_test_id("role-mask")
        expect(mask).to_contain_text("0x100 · 256")
        dialog.get_by_role("checkbox", name="View alerts").check()
        expect(mask).to_contain_text(f"· {256 + 2**13}")
        dialog.get_by_role("textbox", name="Name").scroll_into_view_if_needed()
        shoot(page, "team-role-editor")
        dialog.get_by_role("button", name="Save").click()
        expect(dialog).to_be_hidden()
        expect(page.locator(f"tr[data-role='{role_name}']")).to_contain_text("2 permissions")
        shoot(page, "team-roles")

        # The same token, the very next request: allowed now.
        allowed = other.request.get(alerts, headers=user)
        assert allowed.status == 200, allowed.text()

        # Disabled in the Users screen: the session ends at once.
        page.goto(f"{origin(local_stack)}/team/users?search={suffix}")
        page.get_by_role("button", name=f"Disable {person}").click()
        expect(page.locator(f"tr[data-user='{person}']")).to_contain_text("Disabled")
        assert other.request.get(alerts, headers=user).status == 401
    finally:
        other.close()

    # The audit screen shows that write, field by field.
    page.goto(f"{origin(local_stack)}/audit?entity_type=role&entity_id={role['id']}&action=role.updated")
    expect(page.get_by_role("heading", name="Audit", exact=True)).to_be_visible()
    entry = page.locator("tr[data-audit='role.updated']")
    expect(entry).to_have_count(1)
    entry.get_by_role("button", name="Show changes").click()
    diff = page.get_by_test_id("audit-diff")
    permissions = diff.locator("tr[data-field='permissions']")
    expect(permissions).to_have_attribute("data-change", "changed")
    expect(permissions.locator("td").nth(1)).not_to_contain_text("ALERTS_READ")  # before
    expect(permissions.locator("td").nth(2)).to_contain_text("ALERTS_READ")  # after
    expect(permissions).to_contain_text("+ ALERTS_READ")
    shoot(page, "audit-trail")
    page.get_by_role("tab", name="Activity log").click()
    # Paths as the client sent them: behind the /api prefix (a stage name in AWS).
    page.get_by_label("Path starts with").fill("/api/roles")
    expect(page.get_by_role("cell", name=f"PATCH /api/roles/{role['id']}")).to_have_count(1)
    shoot(page, "audit-activity")


def _confirmed_booking(stack: RunningStack) -> tuple[int, str]:
    with create_engine(database_url(stack)).connect() as db:
        return tuple(  # type: ignore[return-value]
            db.execute(
                text(
                    "SELECT g.id, g.reference FROM booking_groups g JOIN booking_statuses s ON s.id = g.status_id "
                    "WHERE g.country_code = 'VN' AND s.code = 'confirmed' ORDER BY g.id DESC LIMIT 1"
                )
            ).one()
        )


def test_a_transition_added_in_the_graph_editor_appears_in_a_bookings_transition_dialog(
    local_stack: RunningStack, page: Page
) -> None:
    email, secret = _administrator(local_stack, "admin@demo.ptx-cm.local")
    admin = _sign_in_with_code(page, local_stack, email, secret, "%2Fteam%2Fworkflow")
    expect(page.get_by_role("heading", name="Booking workflow", exact=True)).to_be_visible()
    graph = page.get_by_test_id("workflow-graph")
    expect(graph.locator("[data-transition='pending->confirmed']")).to_have_count(1)
    suffix = uuid.uuid4().hex[:6]
    code, label = f"wait_{suffix}", f"Waitlist {suffix}"
    status_id = None
    try:
        page.get_by_role("button", name="New status").click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_role("textbox", name="Code").fill(code)
        dialog.get_by_role("textbox", name="Label").fill(label)
        dialog.get_by_role("textbox", name="Order").fill("900")
        dialog.get_by_role("button", name="Save").click()
        expect(dialog).to_be_hidden()
        expect(graph.locator(f"[data-status='{code}']")).to_be_visible()
        status_id = next(
            s["id"] for s in _api(page, local_stack, admin, "GET", "/booking-statuses")["statuses"] if s["code"] == code
        )

        def choose(field: Locator, status: str) -> None:
            # The option from this field's own list: a list still closing in the last dialog may
            # show the same option for a moment on a busy machine.
            field.fill(status)
            expect(field).to_have_attribute("aria-controls", re.compile(".+"))  # its list is open
            own_list = page.locator(f"[id='{field.get_attribute('aria-controls')}']")
            own_list.get_by_role("option", name=f"({status})").click()
            expect(field).to_have_value(re.compile(rf"\({re.escape(status)}\)$"))

        def add_transition(source: str, target: str) -> None:
            page.get_by_role("button", name="New transition").click()
            form = page.get_by_role("dialog")
            choose(form.get_by_role("textbox", name="From"), source)
            choose(form.get_by_role("textbox", name="To", exact=True), target)
            form.get_by_role("button", name="Save").click()

        # A way in before any way out: the API refuses, and the editor says which status and why.
        add_transition("confirmed", code)
        refusal = page.get_by_role("dialog").get_by_role("alert")
        expect(refusal).to_contain_text(f"{label} (no transition leaves it)")
        shoot(page, "team-workflow-refused")
        page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
        expect(graph.locator(f"[data-transition='confirmed->{code}']")).to_have_count(0)

        add_transition(code, "confirmed")
        expect(page.get_by_role("dialog")).to_be_hidden()
        add_transition("confirmed", code)
        expect(page.get_by_role("dialog")).to_be_hidden()
        expect(graph.locator(f"[data-transition='confirmed->{code}']")).to_have_count(1)
        row = page.get_by_test_id("transition-table").locator(f"tr[data-transition='confirmed->{code}']")
        expect(row).to_contain_text("Change booking status")
        expect(row).to_contain_text("Admin")  # a role holding BOOKINGS_MANAGE
        shoot(page, "team-workflow", full_page=True)

        # The booking's transition dialog offers the new status (to someone who may make it).
        booking_id, reference = _confirmed_booking(local_stack)
        page.goto(f"{origin(local_stack)}/bookings/{booking_id}")
        expect(page.get_by_role("heading", name=f"Booking {reference}")).to_be_visible()
        page.get_by_role("button", name="Change status").click()
        expect(page.get_by_role("dialog").get_by_role("radio", name=label)).to_be_visible()
    finally:
        # The status is global data: leave the workflow as the other tests found it.
        if status_id is not None:
            _api(page, local_stack, admin, "DELETE", f"/booking-statuses/{status_id}")


def test_a_reservations_agent_sees_no_team_or_audit_screen_and_the_api_refuses(
    local_stack: RunningStack, page: Page
) -> None:
    headers = sign_in(page, local_stack, AGENT)
    navigation = page.get_by_role("navigation", name="Main navigation")
    expect(navigation.get_by_role("link", name="Bookings")).to_be_visible()
    for name in ("Users", "Roles", "Booking workflow", "Audit"):
        expect(navigation.get_by_role("link", name=name)).to_have_count(0)
    for path in ("/team/users", "/team/roles", "/team/workflow", "/audit"):
        page.goto(f"{origin(local_stack)}{path}")
        expect(page.get_by_text(NOT_ALLOWED)).to_be_visible()
    expect(page.get_by_role("button", name="Show changes")).to_have_count(0)
    base = f"{origin(local_stack)}/api"
    refused = [
        page.request.get(f"{base}/users", headers=headers),
        page.request.get(f"{base}/roles", headers=headers),
        page.request.patch(f"{base}/roles/1", data={"permissions": ["BOOKINGS_READ"]}, headers=headers),
        page.request.post(
            f"{base}/booking-status-transitions",
            data={"from_status": "confirmed", "to_status": "cancelled", "permission": "BOOKINGS_READ"},
            headers=headers,
        ),
        page.request.get(f"{base}/audit-log", headers=headers),
        page.request.get(f"{base}/activity-log", headers=headers),
    ]
    assert [r.status for r in refused] == [403] * len(refused), [r.text() for r in refused]
    # The control: the same session reads what its role allows (the workflow, to move bookings).
    assert page.request.get(f"{base}/booking-statuses", headers=headers).ok
