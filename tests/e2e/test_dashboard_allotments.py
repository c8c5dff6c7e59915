"""The dashboard's allotment screens in a real browser against the local stack.

A property manager creates an agency and, in the season editor, an active contract; the allotment
calendar shows its rooms withheld per night; an agency booking on it (made over the API with the
same session) shows as picked up and becomes a sale order in the list, which exports as CSV. Each
screen is checked with axe-core (no serious or critical violation) and saved to docs/screenshots/.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from playwright.sync_api import Locator, Page, expect

from local.demo_seed import DEMO_PROPERTIES
from tests.e2e import test_dashboard as dash
from tests.e2e.conftest import RunningStack
from tests.e2e.test_dashboard import TABLET, field_error, origin, shoot, sign_in

# The dashboard module's fixtures: its browser and a page per test.
browser = dash.browser
page = dash.page

MANAGER = "manager.vn@demo.ptx-cm.local"
DEMO_PROPERTY_CODES = {code for code, *_ in DEMO_PROPERTIES}
CONTRACTED = 2


def api(
    page: Page,
    stack: RunningStack,
    headers: dict[str, str],
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
) -> Any:
    """The API with the session's access token (``sign_in``'s headers), as the dashboard calls it."""
    response = page.request.fetch(f"{origin(stack)}/api{path}", method=method, data=body, headers=headers)
    assert response.ok, f"{method} {path}: {response.status} {response.text()}"
    return response.json()


def demo_hotel(page: Page, stack: RunningStack, headers: dict[str, str], country: str = "VN") -> Any:
    """The first demo hotel of ``country`` (``local.demo_seed``): its room types are mapped on every
    simulator. Not simply the first property of the country: other tests on a shared stack add
    properties (with no room types, or none that an OTA maps) whose names may sort first."""
    return next(
        p
        for p in api(page, stack, headers, "GET", "/properties?page_size=200")["items"]
        if p["country_code"] == country and p["code"] in DEMO_PROPERTY_CODES
    )


def cell_of(grid: Locator, row: str, night: date) -> Locator:
    """A calendar cell: the row (contracted, picked_up, remaining, ...) on one night."""
    return grid.locator(f"tr[data-row='{row}'] td[data-night='{night.isoformat()}']")


def choose(page: Page, label: str, option: str) -> None:
    """Picks an option of a Mantine Select by its label and the option's text."""
    page.get_by_role("textbox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()


def test_a_contract_made_in_the_season_editor_fills_the_calendar_and_its_sale_shows(
    local_stack: RunningStack, page: Page
) -> None:
    api_headers = sign_in(page, local_stack, MANAGER)
    prop = demo_hotel(page, local_stack, api_headers)
    room_type = next(
        r for r in api(page, local_stack, api_headers, "GET", f"/properties/{prop['id']}/room-types") if r["is_active"]
    )
    suffix = uuid.uuid4().hex[:6].upper()
    agency_name, contract_name = f"Saigon Travel {suffix}", f"Summer allotment {suffix}"

    # An agency, through its dialog.
    page.get_by_role("link", name="Agencies").click()
    expect(page.get_by_role("heading", name="Travel agencies")).to_be_visible()
    page.get_by_role("button", name="New agency").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Code").fill(f"SGT-{suffix}")
    dialog.get_by_label("Name").fill(agency_name)
    dialog.get_by_label("Country").fill("VN")
    dialog.get_by_label("Contact").fill("Tran Thi Binh")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    page.get_by_label("Search (code, name, contact, email)").fill(suffix)
    expect(page.get_by_role("cell", name=agency_name, exact=True)).to_be_visible()
    shoot(page, "agencies")

    # A contract, in the season editor: a missing rate is named under its field before anything is sent.
    first = date.today() + timedelta(days=3)
    last = first + timedelta(days=12)
    booked = first + timedelta(days=7)  # its release (7 days before) is still ahead, within the week
    page.get_by_role("link", name="Contracts", exact=True).click()
    page.get_by_role("link", name="New contract").click()
    choose(page, "Agency", f"{agency_name} (SGT-{suffix})")
    choose(page, "Property", f"{prop['name']} ({prop['code']})")
    expect(page.get_by_label("Currency")).to_have_value(prop["currency"])
    page.get_by_role("textbox", name="Name").fill(contract_name)
    page.get_by_label("Conditions (terms)").fill("Room only; no cancellation within 7 days")
    choose(page, "Status", "Active")
    season = page.locator("[data-season='0']")
    season.get_by_role("textbox", name="Room type").click()
    page.get_by_role("option", name=f"{room_type['name']} ({room_type['code']})").click()
    season.get_by_label("First night").fill(first.isoformat())
    season.get_by_label("Last night").fill(last.isoformat())
    season.get_by_label("Rooms per night").fill(str(CONTRACTED))
    page.get_by_role("button", name="Add step").click()
    page.get_by_label("Step 1: at days before").fill("7")
    page.get_by_label("Step 1: rooms kept").fill("0")
    page.get_by_role("button", name="Create contract").click()
    rate = season.get_by_label(re.compile(r"^Rate per night"))
    expect(field_error(page, rate)).to_have_text("An amount such as 1200000 or 85.50")
    rate.fill("1200000")
    page.get_by_role("heading", name="Seasons").scroll_into_view_if_needed()
    shoot(page, "contract-season-editor")
    page.get_by_role("button", name="Create contract").click()
    expect(page.get_by_role("heading", name=contract_name)).to_be_visible()
    contract_id = int(page.url.rsplit("/", 1)[1])
    contract = api(page, local_stack, api_headers, "GET", f"/contracts/{contract_id}")
    season_rate = contract["seasons"][0]["rate"]
    assert Decimal(season_rate) == Decimal("1200000")
    assert contract["status"] == "active" and contract["seasons"] == [
        {
            "room_type_id": room_type["id"],
            "date_from": first.isoformat(),
            "date_to": last.isoformat(),
            "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
            "rooms": CONTRACTED,
            "rate": season_rate,
            "min_stay": 1,
        }
    ]
    assert contract["release_steps"] == [{"days_before": 7, "rooms_kept": 0}]

    # A change of terms is a new version; the history says what it changed.
    page.get_by_label("Notes").fill("Breakfast included")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_text("Version 2", exact=True)).to_be_visible()
    page.get_by_role("tab", name="Versions").click()
    history = page.get_by_role("tabpanel").locator("tbody tr")
    expect(history).to_have_count(2)
    expect(history.first).to_contain_text("notes")
    # An allotment event: one room more on the night to be booked.
    page.get_by_role("tab", name="Events").click()
    choose(page, "Event", "Increase allotment")
    page.get_by_label("First night").fill(booked.isoformat())
    page.get_by_label("Last night").fill(booked.isoformat())
    page.get_by_label("Rooms per night").fill("1")
    page.get_by_role("button", name="Add event").click()
    events = page.get_by_role("region", name="Allotment events").locator("tbody tr")
    expect(events).to_have_count(1)
    expect(events.first).to_contain_text("Increase allotment")

    page.get_by_role("link", name="Contracts", exact=True).click()
    # The API's full-text search, over names, conditions and notes.
    page.get_by_label("Search contracts").fill(f"{suffix} breakfast")
    rows = page.locator("tbody tr[data-contract]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(contract_name)
    shoot(page, "contracts")

    # The property's calendar: the contract's rooms each night, withheld from the pool.
    page.get_by_role("link", name="Allotment calendar").click()
    choose(page, "Property", f"{prop['name']} ({prop['code']})")
    page.get_by_label("From night").fill(first.isoformat())
    grid = page.locator(f"table[data-contract='{contract_id}']")
    for night in (first, booked - timedelta(days=1), last):
        cell = cell_of(grid, "contracted", night)
        expect(cell).to_have_text(str(CONTRACTED))
    # The first night's release (7 days before, keep 0) is past: its rooms went back to the pool.
    expect(cell_of(grid, "remaining", first)).to_have_text("0")
    expect(cell_of(grid, "released", first)).to_have_text(str(CONTRACTED))
    expect(cell_of(grid, "contracted", booked)).to_have_text(str(CONTRACTED + 1))  # the event's room
    expect(cell_of(grid, "remaining", booked)).to_have_text(str(CONTRACTED + 1))
    # Nights outside the season hold nothing.
    expect(cell_of(grid, "contracted", last + timedelta(days=1))).to_have_text("·")

    # An agency booking of one room on a night not yet released, confirmed: picked up, and a sale order.
    booking = api(
        page,
        local_stack,
        api_headers,
        "POST",
        f"/contracts/{contract_id}/bookings",
        {
            "guest_name": "Nguyen Van An",
            "lines": [
                {
                    "room_type_id": room_type["id"],
                    "check_in": booked.isoformat(),
                    "check_out": (booked + timedelta(days=1)).isoformat(),
                }
            ],
        },
    )
    order = api(page, local_stack, api_headers, "POST", f"/agency-bookings/{booking['booking_id']}/confirm")
    page.reload()
    page.get_by_label("From night").fill(first.isoformat())
    expect(cell_of(grid, "picked_up", booked)).to_have_text("1")
    expect(cell_of(grid, "remaining", booked)).to_have_text(str(CONTRACTED))
    # Nights whose release (7 days before) falls within the week are in the panel, the booked one too.
    releasing = page.get_by_role("region", name="Releasing in the next 7 days")
    expect(releasing.get_by_role("link", name=contract_name).first).to_be_visible()
    shoot(page, "allotment-calendar", full_page=True)

    # The sale order in the list, its lines, and the CSV export through the app's authed fetch.
    page.get_by_role("link", name="Sale orders").click()
    choose(page, "Agency", f"{agency_name} (SGT-{suffix})")
    row = page.locator(f"tr[data-sale-order='{order['number']}']")
    expect(row).to_be_visible()
    expect(row).to_contain_text(order["booking_reference"])
    row.get_by_role("button", name="Show 1 line").click()
    expect(page.get_by_role("table", name=f"Lines of {order['number']}")).to_contain_text(room_type["name"])
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    assert download.value.suggested_filename == "sale-orders.csv"
    assert order["number"] in download.value.path().read_text(encoding="utf-8")
    shoot(page, "sale-orders")

    # At tablet width the calendar still fits: its grid scrolls inside its box, never the page.
    page.set_viewport_size(TABLET)
    page.goto(f"{origin(local_stack)}/allotments?property_id={prop['id']}")
    page.get_by_label("From night").fill(first.isoformat())
    expect(cell_of(grid, "contracted", last)).to_have_text(str(CONTRACTED))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
