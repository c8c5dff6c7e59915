"""The alert detail, the per-user language and 2FA enrolment in a real browser against the local stack.

Fixtures and helpers are those of test_dashboard.py (same browser, same
axe-core check on every screenshot).
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine, text

from chalicelib.domain import totp
from local.demo_seed import DEMO_PASSWORD
from tests.e2e import test_dashboard
from tests.e2e.conftest import RunningStack
from tests.e2e.test_dashboard import DESKTOP, database_url, field_error, overbook_on_agoda, shoot, sign_in

# The same fixtures as test_dashboard.py, by name: its browser and pages.
browser = test_dashboard.browser
page = test_dashboard.page


def test_an_alert_opens_from_the_list_names_its_channels_links_what_is_involved_and_is_worked(
    local_stack: RunningStack, page: Page
) -> None:
    api_headers = sign_in(page, local_stack, "manager.vn@demo.ptx-cm.local", next_path="/alerts", heading="Alerts")
    alert_id, title = overbook_on_agoda(page, local_stack, api_headers, 170)
    with create_engine(database_url(local_stack)).connect() as db:
        property_id, room_type_id, night, details = db.execute(
            text("SELECT property_id, room_type_id, night, details FROM alerts WHERE id = :id"), {"id": alert_id}
        ).one()
    group_ids = sorted({b["group_id"] for b in details["bookings"]})

    page.locator(f"tr[data-alert-id='{alert_id}']").get_by_role("link", name=title).click()

    expect(page).to_have_url(re.compile(rf"/alerts/{alert_id}$"))
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    cause = page.get_by_role("region", name="Root cause")
    expect(cause).to_contain_text(re.compile(r"from Agoda, sold at"))
    expect(cause).to_contain_text("Agoda: ")
    main_text = page.locator("main").inner_text()
    assert "agoda" not in main_text and "booking_com" not in main_text, main_text  # channel codes never shown
    involved = page.get_by_role("region", name="Bookings involved")
    hrefs = sorted(involved.get_by_role("link").evaluate_all("links => links.map(a => a.getAttribute('href'))"))
    assert hrefs == sorted(f"/bookings/{group_id}" for group_id in group_ids)
    calendar = page.get_by_role("link", name=re.compile("Open the calendar"))
    expect(calendar).to_have_attribute(
        "href", f"/calendar?property_id={property_id}&start={night.isoformat()}&room_type_id={room_type_id}"
    )
    shoot(page, "alert-detail", full_page=True)

    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("Acknowledged: someone is on it.")).to_be_visible()
    expect(page.get_by_role("button", name="Acknowledge")).to_have_count(0)
    page.get_by_role("textbox", name="Snooze for").click()
    page.get_by_role("option", name="1 hour", exact=True).click()
    page.get_by_role("button", name="Snooze", exact=True).click()
    expect(page.get_by_text("Snoozed until")).to_be_visible()
    with create_engine(database_url(local_stack)).connect() as db:
        status, acknowledged_at, snoozed_until = db.execute(
            text("SELECT status, acknowledged_at, snoozed_until FROM alerts WHERE id = :id"), {"id": alert_id}
        ).one()
    assert status == "snoozed" and acknowledged_at is not None
    assert timedelta(minutes=55) < snoozed_until - datetime.now(UTC) <= timedelta(hours=1)


def test_the_language_chosen_in_the_header_is_the_users_after_a_reload_and_a_new_sign_in(
    local_stack: RunningStack, browser: Browser, page: Page
) -> None:
    email = "finance.my@demo.ptx-cm.local"
    try:
        sign_in(page, local_stack, email)
        with page.expect_response(lambda r: r.url.endswith("/api/me") and r.request.method == "PATCH") as saved:
            page.get_by_role("textbox", name="Language").click()
            page.get_by_role("option", name="Bahasa Indonesia").click()
        assert saved.value.status == 200 and saved.value.json()["user"]["language"] == "id"
        expect(page.get_by_role("heading", name="Pemesanan", exact=True)).to_be_visible()
        assert page.evaluate("document.documentElement.lang") == "id"

        page.reload()
        expect(page.get_by_role("heading", name="Pemesanan", exact=True)).to_be_visible()

        # Another browser (its own language English) signs in: the app switches to the user's language.
        context = browser.new_context(viewport=DESKTOP, locale="en-GB")
        try:
            other = context.new_page()
            sign_in(other, local_stack, email, heading="Pemesanan")
            expect(other.get_by_role("textbox", name="Bahasa")).to_have_value("Bahasa Indonesia")
        finally:
            context.close()
    finally:
        with create_engine(database_url(local_stack)).begin() as db:
            db.execute(text("UPDATE users SET language = 'en' WHERE email = :email"), {"email": email})


def test_an_administrator_enrols_in_two_factor_from_the_banner(local_stack: RunningStack, page: Page) -> None:
    email = "admin@demo.ptx-cm.local"  # its role requires 2FA, and no other test signs in with it
    sign_in(page, local_stack, email, next_path="/account/password", heading="Change password")
    page.get_by_role("link", name="Set it up now").click()
    expect(page.get_by_role("heading", name="Two-factor authentication", exact=True)).to_be_visible()
    page.get_by_label("Current password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Start").click()
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    expect(page.get_by_role("img", name="QR code to add this account to an authenticator app")).to_be_visible()
    code_field = page.get_by_label("Authentication code")
    code_field.fill("000000" if totp.code_at(secret, time.time()) != "000000" else "111111")
    page.get_by_role("button", name="Turn on").click()
    expect(field_error(page, code_field)).to_contain_text(re.compile(r"\w+"))  # the API's refusal, under the field
    shoot(page, "mfa-enrol")

    code_field.fill(totp.code_at(secret, time.time()))
    page.get_by_role("button", name="Turn on").click()

    codes = page.get_by_test_id("recovery-codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    expect(page.get_by_text("Your role requires two-factor authentication")).to_have_count(0)
    with create_engine(database_url(local_stack)).connect() as db:
        confirmed = db.execute(
            text("SELECT t.confirmed_at FROM user_totp t JOIN users u ON u.id = t.user_id WHERE u.email = :email"),
            {"email": email},
        ).scalar_one()
    assert confirmed is not None
    page.get_by_role("button", name="I have saved them").click()
    expect(page.get_by_role("heading", name="Home", exact=True)).to_be_visible()  # the role's permissions are back
