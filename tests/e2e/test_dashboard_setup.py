"""The dashboard's setup screens in a real browser against the local stack.

A property manager creates a property, a room type, a base and a derived rate plan and a seasonal
rule in the screens and sees the rates the API computes from them; an administrator (with the
two-factor authentication the role requires) changes a setting (out of range first: the API's
message sits under the field) and opens the API reference at /api/docs, whose "try it" calls
GET /me with the session; a reservations agent sees none of these admin screens and gets 403 from
the API. Each screen is checked with axe-core (no serious or critical violation) and saved to
docs/screenshots/.
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import date, timedelta
from typing import Any

from playwright.sync_api import Locator, Page, expect
from sqlalchemy import create_engine, text

from chalicelib.domain import totp
from local.demo_seed import DEMO_PASSWORD
from tests.e2e import test_dashboard as dash
from tests.e2e.conftest import RunningStack
from tests.e2e.test_dashboard import (
    TABLET,
    database_url,
    enroll_two_factor,
    field_error,
    origin,
    shoot,
    sign_in,
    submit_login,
)

# The dashboard module's fixtures: its browser and a page per test.
browser = dash.browser
page = dash.page

MANAGER = "manager.vn@demo.ptx-cm.local"
AGENT = "reservations.vn@demo.ptx-cm.local"


def api(page: Page, stack: RunningStack, headers: dict[str, str], method: str, path: str, body: Any = None) -> Any:
    """The API with the session's access token (``sign_in``'s headers); asserts success."""
    response = page.request.fetch(f"{origin(stack)}/api{path}", method=method, data=body, headers=headers)
    assert response.ok, f"{method} {path}: {response.status} {response.text()}"
    return response.json()


def field(scope: Locator, name: str) -> Locator:
    """A text field by its exact label ("Code" is not "Postal code")."""
    return scope.get_by_role("textbox", name=name, exact=True)


def test_a_property_with_its_room_type_and_rate_plans_is_set_up_in_the_screens(
    local_stack: RunningStack, page: Page
) -> None:
    api_headers = sign_in(page, local_stack, MANAGER)
    suffix = uuid.uuid4().hex[:6].upper()
    name = f"Hue Riverside {suffix}"

    page.get_by_role("link", name="Properties").click()
    expect(page.get_by_role("heading", name="Properties", exact=True)).to_be_visible()
    page.get_by_role("button", name="New property").click()
    dialog = page.get_by_role("dialog")
    field(dialog, "Code").fill(f"HUE-{suffix}")
    field(dialog, "Name").fill(name)
    field(dialog, "Country").fill("VN")
    field(dialog, "Currency").fill("VND")
    # A time zone the IANA database does not know: the API names the field, the page puts it there.
    zone = dialog.get_by_label("Time zone")
    zone.fill("Asia/Nowhere")
    zone.press("Escape")
    dialog.get_by_role("button", name="Save").click()
    expect(field_error(page, zone)).to_contain_text(re.compile(r"\w+"))
    zone.fill("Asia/Ho_Chi_Minh")
    zone.press("Escape")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()

    page.get_by_label("Search name or code").fill(suffix)
    row = page.get_by_role("row").filter(has_text=name)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Asia/Ho_Chi_Minh")
    shoot(page, "properties")
    created = api(page, local_stack, api_headers, "GET", f"/properties?search={suffix}")["items"]
    assert [(p["name"], p["timezone"], p["currency"]) for p in created] == [(name, "Asia/Ho_Chi_Minh", "VND")]

    row.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
    expect(page.get_by_text("No room type yet")).to_be_visible()
    page.get_by_role("button", name="New room type").click()
    dialog = page.get_by_role("dialog")
    field(dialog, "Code").fill("DLX")
    field(dialog, "Name").fill("Deluxe River View")
    field(dialog, "Rooms").fill("8")
    field(dialog, "Base rate VND").fill("1000000")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("tr[data-room-type='DLX']")).to_contain_text("Deluxe River View")

    # A base plan of its own rate, and a plan derived from it at 10 % less.
    expect(page.get_by_role("heading", name="Rate plans of Deluxe River View")).to_be_visible()
    page.get_by_role("button", name="New rate plan").click()
    dialog = page.get_by_role("dialog")
    field(dialog, "Code").fill("BAR")
    field(dialog, "Name").fill("Best available")
    field(dialog, "Base rate").fill("1000000")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    page.get_by_role("button", name="New rate plan").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("Derived plan").click()
    field(dialog, "Code").fill("NRF")
    field(dialog, "Name").fill("Non-refundable")
    dialog.get_by_role("textbox", name="Follows plan").click()
    page.get_by_role("option", name="BAR · Best available").click()
    dialog.get_by_label("Value (signed)").fill("-10")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("tr[data-plan='NRF']").first).to_contain_text("BAR \u221210 %")

    # A seasonal rule on BAR for a week a month ahead: the rates the API computes follow it.
    first = date.today() + timedelta(days=30)
    page.get_by_role("button", name="Seasonal rules of Best available").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("No seasonal rule")).to_be_visible()
    field(dialog, "Name").fill("Festival week")
    dialog.get_by_label("First night").fill(first.isoformat())
    dialog.get_by_label("Last night").fill((first + timedelta(days=6)).isoformat())
    dialog.get_by_label("Rate VND").fill("1200000")
    dialog.get_by_role("button", name="Add rule").click()
    expect(dialog.get_by_role("row").filter(has_text="Festival week")).to_contain_text("1,200,000")
    dialog.get_by_role("button", name="Close").first.click()
    expect(dialog).to_be_hidden()

    page.get_by_label("From night").fill(first.isoformat())
    computed = page.get_by_test_id("computed-rates")
    night = first.isoformat()
    expect(computed.locator(f"tr[data-plan='BAR'] td[data-night='{night}']")).to_contain_text("1,200,000")
    expect(computed.locator(f"tr[data-plan='NRF'] td[data-night='{night}']")).to_contain_text("1,080,000")
    shoot(page, "property-detail", full_page=True)

    # What the screens show is what the API has.
    prop = created[0]
    room_type = api(page, local_stack, api_headers, "GET", f"/properties/{prop['id']}/room-types")[0]
    rate_plans = api(page, local_stack, api_headers, "GET", f"/room-types/{room_type['id']}/rate-plans")
    assert sorted((p["code"], p["derivation_kind"], p["derivation_value"]) for p in rate_plans) == [
        ("BAR", None, None),
        ("NRF", "percent", "-10"),
    ]

    # At tablet width the list still reads (the table scrolls inside its box).
    page.set_viewport_size(TABLET)
    page.goto(f"{origin(local_stack)}/properties?search={suffix}")
    expect(page.get_by_role("row").filter(has_text=name)).to_have_count(1)


def _a_second_administrator(stack: RunningStack) -> tuple[str, str]:
    """A new Admin (the demo password) with TOTP on: (email, secret). The demo administrators are
    the two-factor tests' own."""
    email = f"setup-admin-{uuid.uuid4().hex[:8]}@demo.ptx-cm.local"
    with create_engine(database_url(stack)).begin() as db:
        db.execute(
            text(
                "INSERT INTO users (email, full_name, password_hash, role_id, is_active, password_changed_at)"
                " SELECT :email, 'Setup Admin', password_hash, role_id, true, now() FROM users WHERE email = :admin"
            ),
            {"email": email, "admin": "admin@demo.ptx-cm.local"},
        )
    return email, enroll_two_factor(stack, email)


def _sign_in_with_code(page: Page, stack: RunningStack, email: str, secret: str, next_path: str) -> dict[str, str]:
    """Signs in with the password and the authenticator's code; the session's API headers."""
    page.goto(f"{origin(stack)}/sign-in?next={next_path}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    submit_login(page, "Sign in")
    code = page.get_by_label("Authentication code")
    # The next 30-second step's code: valid now (±30 s), never the one the enrollment used.
    code.fill(totp.code_for_step(secret, totp.step_at(time.time()) + 1))
    verified = submit_login(page, "Verify")
    assert verified.ok, verified.text()
    return {"Authorization": f"Bearer {verified.json()['access_token']}"}


def _poll_interval(stack: RunningStack) -> Any:
    with create_engine(database_url(stack)).connect() as db:
        return db.execute(text("SELECT value FROM app_settings WHERE key = 'sync_poll_interval_seconds'")).scalar()


def test_an_administrator_changes_a_setting_and_tries_the_api_reference(local_stack: RunningStack, page: Page) -> None:
    email, secret = _a_second_administrator(local_stack)
    api_headers = _sign_in_with_code(page, local_stack, email, secret, "%2Fsettings")
    expect(page.get_by_role("heading", name="Settings", exact=True)).to_be_visible()
    before = api(page, local_stack, api_headers, "GET", "/settings")["sync_poll_interval_seconds"]
    poll = page.get_by_label("OTA poll interval")
    expect(poll).to_have_value(str(before))
    try:
        poll.fill("10")  # below the 30 seconds the API accepts
        page.get_by_role("button", name="Save").click()
        expect(field_error(page, poll)).to_contain_text("30")
        assert _poll_interval(local_stack) in (None, before)  # nothing written
        shoot(page, "settings")
        poll.fill("600")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("Settings saved.")).to_be_visible()
        assert _poll_interval(local_stack) == 600
    finally:
        # The other tests' syncs poll at the interval they found.
        api(page, local_stack, api_headers, "PATCH", "/settings", {"sync_poll_interval_seconds": before})

    # /api/docs sends the browser to the reference, which tries GET /me with this session.
    page.goto(f"{origin(local_stack)}/api/docs")
    expect(page).to_have_url(re.compile(r"/api-reference$"))
    expect(page.get_by_role("heading", name="API reference", exact=True)).to_be_visible()
    page.locator("#operations-tag-auth").click()
    operation = (
        page.locator(".opblock.opblock-get").filter(has=page.locator(".opblock-summary-path[data-path='/me']")).first
    )
    operation.locator(".opblock-summary-control").click()
    operation.get_by_role("button", name="Try it out").click()
    with page.expect_response(lambda r: r.url.endswith("/api/me")) as answer:
        operation.get_by_role("button", name="Execute").click()
    assert answer.value.status == 200
    assert answer.value.json()["user"]["email"] == email
    expect(operation.locator(".live-responses-table tr.response .response-col_status").first).to_contain_text("200")
    shoot(page, "api-docs")


def test_a_reservations_agent_sees_no_admin_screens_and_the_api_refuses(local_stack: RunningStack, page: Page) -> None:
    api_headers = sign_in(page, local_stack, AGENT)
    navigation = page.get_by_role("navigation", name="Main navigation")
    expect(navigation.get_by_role("link", name="Bookings")).to_be_visible()
    expect(navigation.get_by_role("link", name="Properties")).to_have_count(0)
    expect(navigation.get_by_role("link", name="Settings")).to_have_count(0)
    page.goto(f"{origin(local_stack)}/settings")
    expect(page.get_by_text("Your role may not use this screen.")).to_be_visible()
    expect(page.get_by_label("OTA poll interval")).to_have_count(0)
    base = f"{origin(local_stack)}/api"
    refused = page.request.patch(f"{base}/settings", data={"sync_poll_interval_seconds": 600}, headers=api_headers)
    assert refused.status == 403, refused.text()
    body = {"code": "NOPE-1", "name": "Nope", "country_code": "VN", "timezone": "Asia/Ho_Chi_Minh", "currency": "VND"}
    refused = page.request.post(f"{base}/properties", data=body, headers=api_headers)
    assert refused.status == 403, refused.text()
    # The control: the same session may read what its role allows.
    assert page.request.get(f"{base}/me", headers=api_headers).ok
