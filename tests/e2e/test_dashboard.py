"""The dashboard in a real browser (Debian's Chromium through Playwright) against the local stack.

The stack serves the built app (``make dashboard-build``) and the API on one origin, as CloudFront
does in AWS. Each test saves screenshots of the screens it visits to docs/screenshots/ (shown in
the README) and runs axe-core on each: no serious or critical violation.

Logins from the browser all come from one client IP (127.0.0.1): the e2e stack raises the login and
refresh rate limits (``LOGIN_ATTEMPTS_PER_MINUTE``, ``REFRESHES_PER_MINUTE`` in tests/e2e/conftest.py),
so no test waits for a limit's window; the limits themselves are tested in
tests/integration/test_rate_limits.py and test_auth_sessions.py.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from urllib.parse import quote, urlparse
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Locator, Page, Response, expect, sync_playwright
from sqlalchemy import create_engine, text

from chalicelib.domain import totp
from local.dashboard_files import DEFAULT_BUILD_DIR, is_built
from local.demo_ota import DEMO_OTA_HOTEL_IDS
from local.demo_seed import DEMO_PASSWORD
from local.simulators.client import SimulatorClient
from tests.conftest import sent_emails
from tests.e2e.conftest import PROJECT_DIR, RunningStack
from tests.support import http

CHROMIUM = "/usr/bin/chromium"
AXE_SCRIPT = PROJECT_DIR / "dashboard" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = PROJECT_DIR / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
TABLET = {"width": 820, "height": 1180}  # iPad Air, portrait


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert is_built(), f"the dashboard is not built in {DEFAULT_BUILD_DIR}: run `make dashboard-build`"
    assert AXE_SCRIPT.is_file(), "axe-core is missing: run `npm ci` in dashboard/ (make does)"
    # A wait, not a speed check: on a loaded machine a password change (bcrypt) can take seconds.
    expect.set_options(timeout=30_000)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    context.close()


def origin(stack: RunningStack) -> str:
    # "localhost" (not 127.0.0.1): the origin our emailed links use, where Chromium keeps Secure cookies over http.
    return stack.base_url.replace("127.0.0.1", "localhost")


def shoot(page: Page, screen: str, *, full_page: bool = False) -> None:
    """Saves docs/screenshots/<screen>.png and checks the screen with axe-core."""
    page.wait_for_load_state("networkidle")
    # Transitions (a dialog fading in) finished: the picture and the contrast check see the screen at rest.
    page.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{screen}.png"), full_page=full_page)
    page.add_script_tag(path=str(AXE_SCRIPT))
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))"
    )
    assert violations == [], f"{screen}: {json.dumps(violations, indent=1)}"


def submit_login(page: Page, button: str, *, by_keyboard: bool = False) -> Response:
    """Clicks the form's button (or presses Enter in the focused field). The login's answer."""
    with page.expect_response(lambda r: r.url.endswith("/api/auth/login")) as answer:
        if by_keyboard:
            page.keyboard.press("Enter")
        else:
            page.get_by_role("button", name=button).click()
    return answer.value


def sign_in(
    page: Page,
    stack: RunningStack,
    email: str,
    password: str = DEMO_PASSWORD,
    *,
    next_path: str | None = "/bookings",
    heading: str = "Bookings",
) -> dict[str, str]:
    """Signs in with the keyboard alone: the email field has the focus, Tab, Enter. Lands on
    ``next_path`` (None: the landing page, Home for those who may see it). The test's own API
    headers: the access token the login gave the page (which keeps it in memory, out of reach)."""
    page.goto(f"{origin(stack)}/sign-in" + (f"?next={quote(next_path, safe='')}" if next_path else ""))
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(password)
    login = submit_login(page, "Sign in", by_keyboard=True)
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def field_error(page: Page, field: Locator) -> Locator:
    """The error message the page ties to ``field`` (its aria-describedby), waiting for it to appear."""
    expect(field).to_have_attribute("aria-describedby", re.compile(r"-error\b"))
    error_id = next(i for i in (field.get_attribute("aria-describedby") or "").split() if i.endswith("-error"))
    return page.locator(f"[id='{error_id}']")


def database_url(stack: RunningStack) -> str:
    return stack.wait_for_line("stack        database: ").split("database: ", 1)[1].split()[0]


def moto_of(stack: RunningStack) -> SimpleNamespace:
    line = stack.wait_for_line("stack        moto server: ")
    return SimpleNamespace(endpoint_url=line.split("moto server: ", 1)[1].split()[0])


def enroll_two_factor(stack: RunningStack, email: str) -> str:
    """Turns TOTP on for ``email`` over the API (as the person would in an authenticator app); the secret."""
    login = http.post(f"{stack.base_url}/auth/login", json={"email": email, "password": DEMO_PASSWORD}, timeout=30)
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    setup = http.post(f"{stack.base_url}/auth/2fa/setup", json={"password": DEMO_PASSWORD}, headers=headers, timeout=30)
    assert setup.status_code == 200, setup.text
    secret = setup.json()["secret"]
    code = totp.code_at(secret, time.time())
    enable = http.post(f"{stack.base_url}/auth/2fa/enable", json={"code": code}, headers=headers, timeout=30)
    assert enable.status_code == 200, enable.text
    return str(secret)


def test_sign_in_with_the_two_factor_step(local_stack: RunningStack, page: Page) -> None:
    # `make run` says, in one line, where the dashboard is and how to sign in.
    line = local_stack.wait_for_line("stack        dashboard: ")
    assert f"{origin(local_stack)}/" in line and f"manager.vn@demo.ptx-cm.local / {DEMO_PASSWORD}" in line
    secret = enroll_two_factor(local_stack, "superadmin@demo.ptx-cm.local")
    page.goto(f"{origin(local_stack)}/bookings")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=%2Fbookings$"))  # signed out: sent to sign in
    expect(page.get_by_text("Your session has ended")).to_have_count(0)  # never signed in: no such claim
    shoot(page, "sign-in")
    page.get_by_label("Email").fill("superadmin@demo.ptx-cm.local")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    submit_login(page, "Sign in")
    code_field = page.get_by_label("Authentication code")
    expect(code_field).to_be_visible()
    code_field.fill("000000" if totp.code_at(secret, time.time()) != "000000" else "111111")
    submit_login(page, "Verify")
    # The API's message sits under the field it concerns (aria-describedby ties them together).
    expect(field_error(page, code_field)).to_contain_text(re.compile(r"\w+"))
    shoot(page, "sign-in-2fa")
    # The next 30-second step's code is valid now (±30 s) and cannot have been used by the enrollment.
    code_field.fill(totp.code_for_step(secret, totp.step_at(time.time()) + 1))
    submit_login(page, "Verify")
    expect(page.get_by_role("heading", name="Bookings", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/bookings$"))
    expect(page.get_by_role("button", name=re.compile("Demo Super Admin"))).to_be_visible()


def test_forgot_and_reset_password_through_the_emailed_link_then_change_it(
    local_stack: RunningStack, page: Page
) -> None:
    email = "support.id@demo.ptx-cm.local"
    new_password = "Kettle-Harbour-Lantern-77"
    page.goto(f"{origin(local_stack)}/sign-in")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Forgot password")).to_be_visible()
    shoot(page, "forgot-password")
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_text(re.compile("we sent it a link"))).to_be_visible()

    deadline = time.monotonic() + 30
    while not (messages := sent_emails(moto_of(local_stack), to=email)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert messages, f"no reset email to {email}"
    link = re.search(r"https?://\S+/reset-password\?token=[\w\-%.~]+", str(messages[-1]["body"]))
    assert link, messages[-1]["body"]
    assert urlparse(link.group(0)).netloc == urlparse(origin(local_stack)).netloc  # the link opens this dashboard
    page.goto(link.group(0))
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    shoot(page, "reset-password")
    # A password the policy refuses: the API's message appears under the new-password field.
    field = page.get_by_label("New password", exact=False).first
    field.fill("password1234")
    page.get_by_label("Repeat the new password").fill("password1234")
    page.get_by_role("button", name="Set the new password").click()
    expect(field_error(page, field)).to_contain_text(re.compile(r"\w+"))
    field.fill(new_password)
    page.get_by_label("Repeat the new password").fill(new_password)
    page.get_by_role("button", name="Set the new password").click()
    expect(page.get_by_text("Your password is changed")).to_be_visible()

    sign_in(page, local_stack, email, new_password)
    page.get_by_role("button", name=re.compile("Account menu")).click()
    page.get_by_role("menuitem", name="Change password").click()
    expect(page.get_by_role("heading", name="Change password")).to_be_visible()
    shoot(page, "change-password")
    page.get_by_label("Current password").fill(new_password)
    # The demo password contains the account's name ("Demo ..."): the policy refuses it, beside the field.
    new_field = page.get_by_label("New password", exact=False).first
    new_field.fill(DEMO_PASSWORD)
    page.get_by_label("Repeat the new password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Save").click()
    expect(field_error(page, new_field)).to_contain_text("name or email")
    new_field.fill("Quiet-Meadow-Orchard-31")
    page.get_by_label("Repeat the new password").fill("Quiet-Meadow-Orchard-31")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Password changed")).to_be_visible()
    # The new session works: the app still reads the API after the change.
    page.get_by_role("link", name="Bookings").click()
    expect(page.locator("tbody tr").first).to_be_visible()


def test_find_a_booking_by_reference_open_it_and_change_its_status(local_stack: RunningStack, page: Page) -> None:
    with create_engine(database_url(local_stack)).connect() as db:
        booking_id, reference = db.execute(
            text(
                "SELECT g.id, g.reference FROM booking_groups g JOIN booking_statuses s ON s.id = g.status_id "
                "WHERE g.country_code = 'VN' AND s.code = 'confirmed' ORDER BY g.id LIMIT 1"
            )
        ).one()
    api_headers = sign_in(page, local_stack, "manager.vn@demo.ptx-cm.local")
    expect(page.locator("tbody tr").first).to_be_visible()
    page.get_by_label("Guest or reference").fill(reference)
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-reference", reference)
    expect(page.get_by_text("1 booking", exact=True)).to_be_visible()
    shoot(page, "bookings")

    page.get_by_role("link", name=reference).click()
    expect(page).to_have_url(re.compile(rf"/bookings/{booking_id}$"))
    expect(page.get_by_role("heading", name=f"Booking {reference}")).to_be_visible()
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    shoot(page, "booking-detail")

    transitions = f"{origin(local_stack)}/api/bookings/{booking_id}/transitions"
    allowed = page.request.get(transitions, headers=api_headers).json()["allowed"]
    assert allowed, "the demo manager may move a confirmed booking somewhere"
    # The dialog works from the keyboard: Enter opens it, Escape closes it and gives the focus back.
    page.get_by_role("button", name="Change status").focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="Change status")).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog.get_by_role("radio")).to_have_count(len(allowed))  # exactly what the API offers
    offered = [dialog.get_by_role("radio").nth(i).get_attribute("value") for i in range(len(allowed))]
    assert offered == [option["to_status"]["code"] for option in allowed]
    shoot(page, "booking-transition")
    target = allowed[0]["to_status"]
    dialog.get_by_role("radio", name=target["label"]).focus()
    page.keyboard.press("Space")
    expect(dialog.get_by_role("radio", name=target["label"])).to_be_checked()
    dialog.get_by_label("Reason").fill("guest called the front desk")
    dialog.get_by_role("button", name="Apply").focus()
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.locator(f"[data-status='{target['code']}']").first).to_be_visible()
    expect(page.get_by_text("guest called the front desk")).to_be_visible()  # the new timeline event
    with create_engine(database_url(local_stack)).connect() as db:
        status = db.execute(
            text("SELECT s.code FROM booking_groups g JOIN booking_statuses s ON s.id = g.status_id WHERE g.id = :id"),
            {"id": booking_id},
        ).scalar_one()
    assert status == target["code"]


def test_staff_of_one_country_never_see_another_countrys_bookings(local_stack: RunningStack, browser: Browser) -> None:
    with create_engine(database_url(local_stack)).connect() as db:
        other_id, other_reference = db.execute(
            text("SELECT id, reference FROM booking_groups WHERE country_code = 'ID' ORDER BY id LIMIT 1")
        ).one()
        vn_properties = set(db.scalars(text("SELECT name FROM properties WHERE country_code = 'VN'")))
        vn_alert_titles = set(db.scalars(text("SELECT title FROM alerts WHERE country_code = 'VN'")))
    context = browser.new_context(viewport=TABLET, locale="en-GB")
    page = context.new_page()
    try:
        sign_in(page, local_stack, "reservations.vn@demo.ptx-cm.local")
        expect(page.locator("tbody tr").first).to_be_visible()
        shown = set(page.locator("tbody tr td:nth-child(3)").all_inner_texts())
        assert shown and shown <= vn_properties, shown - vn_properties  # VN's bookings, and only VN's
        shoot(page, "bookings-tablet")
        page.get_by_label("Guest or reference").fill(other_reference)
        expect(page.get_by_text("No bookings match these filters.")).to_be_visible()
        shoot(page, "bookings-empty")
        page.goto(f"{origin(local_stack)}/bookings/{other_id}")
        expect(page.get_by_text("No such booking in the countries you can see.")).to_be_visible()  # 404, as if missing
        expect(page.get_by_text(other_reference)).to_have_count(0)
        shoot(page, "booking-not-found")
        # Alerts: the open ones of VN only, each with its title.
        page.get_by_role("button", name="Open navigation").click()  # a tablet: the navigation folds away
        page.get_by_role("link", name="Alerts").click()
        expect(page.get_by_role("heading", name="Alerts", exact=True)).to_be_visible()
        expect(page.get_by_role("radio", name="Open")).to_be_checked()
        expect(page.locator("tbody tr").first.or_(page.get_by_text("No alerts in this state."))).to_be_visible()
        titles = set(page.locator("tbody tr td:nth-child(2) a:first-child").all_inner_texts())
        assert titles <= vn_alert_titles, titles - vn_alert_titles
        shoot(page, "alerts")
        # Vietnamese, from the header.
        page.get_by_role("textbox", name="Language").click()
        page.get_by_role("option", name="Tiếng Việt").click()
        page.get_by_role("button", name="Mở điều hướng").click()
        page.get_by_role("link", name="Đặt phòng", exact=True).click()
        expect(page.get_by_role("heading", name="Đặt phòng", exact=True)).to_be_visible()
        shoot(page, "bookings-vi")
        # The choice is saved on the user: back to English, for the tests that sign in as them next.
        with page.expect_response(lambda r: r.url.endswith("/api/me") and r.request.method == "PATCH") as saved:
            page.get_by_role("textbox", name="Ngôn ngữ").click()
            page.get_by_role("option", name="English").click()
        assert saved.value.json()["user"]["language"] == "en"
    finally:
        context.close()


def summary_answer(response: Response) -> bool:
    return "/api/dashboard/summary" in response.url and response.request.method == "GET" and response.status == 200


def kpi_figure(page: Page, kpi: str) -> Locator:
    return page.locator(f"[data-kpi='{kpi}'] [data-kpi-figure]")


def offset_hours(moment: datetime) -> int:
    offset = moment.utcoffset()
    assert offset is not None
    return int(offset.total_seconds() // 3600)


def test_home_shows_the_summary_which_matches_the_database_in_the_propertys_time_zone(
    local_stack: RunningStack, browser: Browser
) -> None:
    # The browser sits in New York: the times shown must still be the hotels' own (UTC+7 or +8).
    context = browser.new_context(viewport=DESKTOP, locale="en-GB", timezone_id="America/New_York")
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        # The demo's bookings are stays to come: a window of the next 60 nights has rooms sold.
        first, last = date.today(), date.today() + timedelta(days=59)
        with page.expect_response(summary_answer) as answer:
            api_headers = sign_in(
                page,
                local_stack,
                "manager.vn@demo.ptx-cm.local",
                next_path=f"/?date_from={first}&date_to={last}",
                heading="Home",
            )
        summary = answer.value.json()
        assert (summary["date_from"], summary["date_to"]) == (first.isoformat(), last.isoformat())
        expect(page.locator("[data-live-status='live']")).to_be_visible()  # the live socket is open
        nights = summary["room_nights"]
        expect(kpi_figure(page, "room-nights-sold")).to_have_text(f"{nights['sold']:,}")
        assert float(page.locator("[data-kpi='occupancy']").get_attribute("data-value") or "nan") == nights["occupancy"]
        expect(kpi_figure(page, "occupancy")).to_contain_text("%")
        expect(page.locator("[data-kpi='occupancy']")).to_contain_text(
            f"{nights['sold']:,} of {nights['available']:,} room nights sold"
        )
        expect(kpi_figure(page, "bookings")).to_have_text(f"{summary['activity']['bookings']:,}")
        expect(kpi_figure(page, "cancellations")).to_have_text(f"{summary['activity']['cancellations']:,}")
        sync = summary["sync"]
        expect(page.locator("[data-kpi='sync-success']")).to_contain_text(
            f"{sync['succeeded_runs']} of {sync['finished_runs']} sync runs succeeded"
        )
        assert summary["revenue"], "a property manager sees revenue"
        for money in summary["revenue"]:
            expect(page.locator(f"[data-kpi='revenue-{money['currency']}']")).to_have_attribute(
                "data-value", money["revenue"]
            )
        expect(page.get_by_role("img", name=re.compile("Occupancy by night"))).to_have_attribute(
            "data-nights", str(len(summary["occupancy_by_night"]))
        )
        expect(page.locator("[data-channel]")).to_have_count(len(summary["channel_mix"]))
        expect(page.locator("[data-channel-trouble]")).to_have_count(1 if summary["channel_trouble"] else 0)

        me = page.request.get(f"{origin(local_stack)}/api/me", headers=api_headers).json()
        countries = [me["active_country"]] if me["active_country"] else me["visible_countries"]
        with create_engine(database_url(local_stack)).connect() as db:
            # Room nights on offer and sold, counted in SQL over the hotels of the manager's countries.
            available, sold = db.execute(
                text(
                    "SELECT COALESCE(SUM(d.total), 0), COALESCE(SUM(d.sold), 0) FROM inventory_days d "
                    "JOIN room_types rt ON rt.id = d.room_type_id JOIN properties p ON p.id = rt.property_id "
                    "WHERE p.country_code = ANY(:countries) AND p.archived_at IS NULL AND d.night BETWEEN :first AND :last"
                ),
                {"countries": countries, "first": first, "last": last},
            ).one()
            recent = summary["recent_bookings"][0]
            zone = db.execute(
                text("SELECT timezone FROM properties WHERE id = :id"), {"id": recent["property_id"]}
            ).scalar_one()
        assert sold > 0 and (nights["available"], nights["sold"]) == (available, sold)
        assert zone.startswith("Asia/")  # never the browser's New York
        local = datetime.fromisoformat(recent["booked_at"]).astimezone(ZoneInfo(zone))
        row = page.locator(f"tr[data-reference='{recent['reference']}'] [data-booked-at]")
        # The app's language is "en" (Intl writes it the US way); the clock is the hotel's.
        clock = f"{(local.hour % 12) or 12}:{local:%M} {local:%p}"
        expect(row).to_have_text(f"{local:%b} {local.day}, {local.year}, {clock} GMT+{offset_hours(local)}")
        shoot(page, "home", full_page=True)
    finally:
        context.close()


def test_without_finance_the_home_hides_revenue_and_polls_when_the_socket_is_down(
    local_stack: RunningStack, browser: Browser
) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    context.set_default_timeout(30_000)
    page = context.new_page()
    # No live ticket can be had: the socket stays down, the page says so and refreshes by polling.
    page.route("**/api/live/ticket", lambda route: route.abort())
    try:
        sign_in(page, local_stack, "reservations.vn@demo.ptx-cm.local", next_path=None, heading="Home")
        expect(page.get_by_text("Revenue, ADR and RevPAR are hidden")).to_be_visible()
        expect(page.locator("[data-kpi^='revenue-']")).to_have_count(0)
        expect(
            page.get_by_role("status").filter(has_text="Live updates paused — refreshing every 10 s")
        ).to_be_visible()
        with page.expect_response(summary_answer, timeout=60_000):  # the next poll, without a reload
            pass
        shoot(page, "home-no-finance-polling", full_page=True)
    finally:
        context.close()


def _calendar_nights(
    page: Page, stack: RunningStack, headers: dict[str, str], property_id: int, night: date
) -> dict[str, int]:
    grid = page.request.get(
        f"{origin(stack)}/api/properties/{property_id}/calendar",
        params={"date_from": night.isoformat(), "date_to": night.isoformat()},
        headers=headers,
    ).json()
    return {room["code"]: room["nights"][0]["available"] for room in grid["room_types"]}


def overbook_on_agoda(page: Page, stack: RunningStack, headers: dict[str, str], days_ahead: int) -> tuple[int, str]:
    """Sells one room more than is left at SGN-RIV ``days_ahead`` nights from now on the Agoda
    simulator, waits until the stack stored every reservation and raised the alert: its id and title."""
    with create_engine(database_url(stack)).connect() as db:
        property_id = db.execute(text("SELECT id FROM properties WHERE code = 'SGN-RIV'")).scalar_one()
    night = date.today() + timedelta(days=days_ahead)
    available = _calendar_nights(page, stack, headers, property_id, night)
    room, free = min(available.items(), key=lambda item: item[1])
    line = stack.wait_for_line("stack        simulators:")
    agoda = SimulatorClient(dict(re.findall(r"(agoda) (http://\S+)", line))["agoda"])
    reservation_ids: list[str] = []
    try:
        for number in range(max(free, 0) + 1):  # one more than the rooms left: an overbooking
            created = agoda.create_reservation(
                hotel_id=DEMO_OTA_HOTEL_IDS["agoda"]["SGN-RIV"],
                room_id=room,
                rate_plan_id="BAR",
                check_in=night.isoformat(),
                check_out=(night + timedelta(days=1)).isoformat(),
                guest={"first_name": "Live", "last_name": f"Test{number}", "email": f"live{number}@example.com"},
            )
            reservation_ids.append(created["reservation_id"])
    finally:
        agoda.close()

    query = text(
        "SELECT a.id, a.title FROM alerts a JOIN room_types rt ON rt.id = a.room_type_id WHERE a.type = 'overbooking' "
        "AND a.property_id = :property AND a.night = :night AND rt.code = :room AND a.status <> 'resolved'"
    )
    stored = text("SELECT count(*) FROM booking_groups WHERE ota_code = 'agoda' AND ota_reservation_id = ANY(:ids)")
    alert = None
    deadline = time.monotonic() + 240  # a wait, not a speed check: the stack shares the cores
    with create_engine(database_url(stack)).connect() as db:
        # Every reservation stored (so no later one reopens the alert after it is resolved), and the alert raised.
        while time.monotonic() < deadline and (
            alert is None or db.execute(stored, {"ids": reservation_ids}).scalar_one() < len(reservation_ids)
        ):
            alert = db.execute(query, {"property": property_id, "night": night, "room": room}).first()
            db.rollback()
            time.sleep(0.5)
    assert alert is not None, f"no overbooking alert for {room} on {night}:\n{stack.output()[-3000:]}"
    return int(alert[0]), str(alert[1])


def test_an_overbooking_on_a_simulator_appears_live_on_the_alerts_page_then_is_resolved_there(
    local_stack: RunningStack, page: Page
) -> None:
    api_headers = sign_in(page, local_stack, "manager.vn@demo.ptx-cm.local", next_path="/alerts", heading="Alerts")
    expect(page.locator("[data-live-status='live']")).to_be_visible()
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads
    alert_id, title = overbook_on_agoda(page, local_stack, api_headers, 150)
    row = page.locator(f"tr[data-alert-id='{alert_id}']")
    expect(row).to_be_visible(timeout=60_000)  # pushed to the open page: no reload
    assert page.evaluate("window.__sameDocument") is True
    shoot(page, "alerts-live")

    # Resolve it from the list, with the keyboard.
    row.get_by_role("button", name=f"Resolve: {title}").focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Resolve the alert")
    expect(dialog.get_by_label("What was done")).to_be_focused()
    page.keyboard.type("moved one guest to the sister hotel")
    shoot(page, "alert-resolve")
    dialog.get_by_role("button", name="Resolve", exact=True).click()
    expect(dialog).to_be_hidden()
    expect(row).to_have_count(0)  # it left the open list
    with create_engine(database_url(local_stack)).connect() as db:
        status, note = db.execute(
            text("SELECT status, resolution_note FROM alerts WHERE id = :id"), {"id": alert_id}
        ).one()
    assert (status, note) == ("resolved", "moved one guest to the sister hotel")
