"""Bookings in a real browser: a direct booking taken on the dashboard (hold, countdown, price,
confirm) is found in the list and in its CSV export; a hold left alone expires on screen.

Reuses the browser, sign-in and screenshot helpers of ``test_dashboard.py``.
"""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import date, timedelta
from typing import Any

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine, text

from tests.e2e import test_dashboard as dashboard
from tests.e2e.conftest import RunningStack
from tests.e2e.test_dashboard import DESKTOP, database_url, field_error, origin, shoot, sign_in

# The dashboard module's fixtures, used here by name: the browser and a page.
browser = dashboard.browser
page = dashboard.page


STAY_NIGHTS = 2


def bookable_stay(page: Page, stack: RunningStack, headers: dict[str, str], property_id: int) -> tuple[str, date]:
    """A room type (its code) and an arrival day at least 3 weeks ahead with a room on every night
    of the stay and no restriction in the way."""
    for offset in range(21, 56, 3):
        first = date.today() + timedelta(days=offset)
        grid = page.request.get(
            f"{origin(stack)}/api/properties/{property_id}/calendar",
            # the nights of the stay and the departure day (closed to departure or not)
            params={"date_from": first.isoformat(), "date_to": (first + timedelta(days=STAY_NIGHTS)).isoformat()},
            headers=headers,
        ).json()
        for room in grid["room_types"]:
            if _stay_allowed(room["nights"]):
                return str(room["code"]), first
    raise AssertionError(f"no bookable stay at property {property_id}")


def _stay_allowed(days: list[dict[str, Any]]) -> bool:
    if len(days) != STAY_NIGHTS + 1 or days[0]["closed_to_arrival"] or days[-1]["closed_to_departure"]:
        return False
    return all(
        n["available"] >= 1
        and not n["stop_sell"]
        and (n["min_los"] or 1) <= STAY_NIGHTS
        and (n["max_los"] or STAY_NIGHTS) >= STAY_NIGHTS
        for n in days[:STAY_NIGHTS]
    )


def pick_day(page: Page, day: date) -> None:
    """Clicks ``day`` in the open date picker, paging months forward until it shows."""
    button = page.get_by_role("button", name=f"{day.day} {day:%B} {day.year}", exact=True).and_(
        page.locator(":not([data-outside])")
    )
    next_month = page.get_by_role("button", name="Next month")
    expect(next_month).to_be_visible()  # the picker is drawn: count() below does not wait
    for _ in range(3):
        if button.count():
            break
        next_month.click()
    button.click()


def fill_booking_form(page: Page, *, property_label: str, room_code: str, arrival: date, guest: str) -> None:
    page.get_by_role("textbox", name="Property").click()
    page.get_by_role("option", name=property_label).click()
    page.get_by_role("textbox", name="Room type").click()
    page.get_by_role("option", name=re.compile(rf"\({room_code}\)$")).click()
    page.get_by_role("button", name="Check-in and check-out").click()
    pick_day(page, arrival)
    pick_day(page, arrival + timedelta(days=STAY_NIGHTS))
    page.keyboard.press("Escape")
    page.get_by_label("Guest name").fill(guest)
    page.get_by_label("Email").fill("direct.guest@example.com")


def status_of(stack: RunningStack, reference: str) -> tuple[str, str]:
    with create_engine(database_url(stack)).connect() as db:
        code, total = db.execute(
            text(
                "SELECT s.code, g.total_amount FROM booking_groups g JOIN booking_statuses s ON s.id = g.status_id "
                "WHERE g.reference = :reference"
            ),
            {"reference": reference},
        ).one()
    return str(code), str(total)


def a_vn_property(stack: RunningStack) -> tuple[int, str]:
    with create_engine(database_url(stack)).connect() as db:
        property_id, name, code = db.execute(
            text(
                "SELECT id, name, code FROM properties WHERE country_code = 'VN' AND archived_at IS NULL ORDER BY id LIMIT 1"
            )
        ).one()
    return int(property_id), f"{name} ({code})"


def test_a_direct_booking_taken_on_the_dashboard_is_in_the_list_and_its_csv_export(
    local_stack: RunningStack, page: Page
) -> None:
    property_id, property_label = a_vn_property(local_stack)
    headers = sign_in(page, local_stack, "manager.vn@demo.ptx-cm.local")
    room_code, arrival = bookable_stay(page, local_stack, headers, property_id)
    guest = f"Direct Guest {int(time.time())}"

    page.get_by_role("link", name="New booking").click()
    expect(page.get_by_role("heading", name="New direct booking")).to_be_visible()
    fill_booking_form(page, property_label=property_label, room_code=room_code, arrival=arrival, guest=guest)
    # The API's refusal sits under the field it names (the page itself does not check emails).
    email = page.get_by_label("Email")
    email.fill("not-an-email")
    page.get_by_role("button", name="Hold the rooms").click()
    expect(field_error(page, email)).to_contain_text(re.compile(r"\w+"))
    shoot(page, "booking-new-form")
    email.fill("direct.guest@example.com")
    with page.expect_response(lambda r: r.url.endswith("/api/bookings") and r.request.method == "POST") as answer:
        page.get_by_role("button", name="Hold the rooms").click()
    assert answer.value.status == 201, answer.value.text()
    held = answer.value.json()
    reference = held["reference"]
    panel = page.locator(f"section[data-reference='{reference}']")
    expect(panel.get_by_role("heading", name=f"{reference} is held")).to_be_visible()
    # The price is the API's, the countdown runs from the hold's own length.
    expect(panel.locator("[data-total]")).to_have_attribute("data-total", held["total_amount"])
    timer = panel.get_by_role("timer")
    first = timer.inner_text()
    assert re.fullmatch(r"1[45]:\d\d", first), first  # a 15-minute hold, a few seconds gone
    expect(timer).not_to_have_text(first, timeout=5_000)  # it counts down
    assert status_of(local_stack, reference) == ("pending", held["total_amount"])  # a hold: pending until confirmed
    shoot(page, "booking-new")

    panel.get_by_role("button", name="Confirm the booking").click()
    expect(panel.get_by_role("heading", name=f"{reference} is confirmed")).to_be_visible()
    assert status_of(local_stack, reference)[0] == "confirmed"

    # In the list, found by its reference...
    page.get_by_role("link", name="All bookings").click()
    page.get_by_label("Guest or reference").fill(reference)
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-reference", reference)
    expect(rows.first).to_contain_text(guest)
    # ...and in the CSV export of these filters (downloaded with the in-memory token).
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    assert download.value.suggested_filename == "bookings.csv"
    with open(download.value.path(), encoding="utf-8") as exported:
        records = list(csv.DictReader(io.StringIO(exported.read())))
    assert len(records) == 1, records
    assert reference in records[0].values() and guest in records[0].values(), records[0]


def test_a_hold_left_alone_expires_on_screen_and_cannot_be_confirmed(
    local_stack: RunningStack, browser: Browser
) -> None:
    property_id, property_label = a_vn_property(local_stack)
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        headers = sign_in(page, local_stack, "reservations.vn@demo.ptx-cm.local")
        room_code, arrival = bookable_stay(page, local_stack, headers, property_id)
        page.goto(f"{origin(local_stack)}/bookings/new")
        expect(page.get_by_role("heading", name="New direct booking")).to_be_visible()
        fill_booking_form(page, property_label=property_label, room_code=room_code, arrival=arrival, guest="Late Guest")
        page.clock.install()  # the page's clock from here on, moved on below instead of waiting 15 minutes
        page.get_by_role("button", name="Hold the rooms").click()
        expect(page.get_by_role("timer")).to_be_visible()
        page.clock.fast_forward("15:05")
        expect(page.get_by_role("alert").filter(has_text="The hold has expired")).to_be_visible()
        expect(page.get_by_role("button", name="Confirm the booking")).to_be_disabled()
        expect(page.get_by_role("timer")).to_have_count(0)
        page.get_by_role("button", name="Start again").click()
        expect(page.get_by_label("Guest name")).to_have_value("Late Guest")  # the form as it was
    finally:
        context.close()
