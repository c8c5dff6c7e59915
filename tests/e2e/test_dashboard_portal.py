"""The agency's portal: an agency's user signs in to the dashboard and sees only their agency.

Staff (over the API, with a property manager's session) set up two agencies with a contract each
and a confirmed agency booking on A's (a sale order), and invite a user of agency A with an
initial password. That user lands on the contracts, titled with the agency's name and without a
country switcher; the navigation holds only what the partner routes allow; B's contract is "not
found" even by its URL, a staff screen typed in says it is not for agency accounts, and the sale
orders and the agency's own page (its users, a new API key shown once) work. Each screen passes
axe-core; docs/screenshots/agency-portal.png is the contracts list.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e import test_dashboard as dash
from tests.e2e.conftest import RunningStack
from tests.e2e.test_dashboard import TABLET, origin, shoot, sign_in
from tests.e2e.test_dashboard_allotments import MANAGER, api, demo_hotel

# The dashboard module's fixtures: its browser and a page per test.
browser = dash.browser
page = dash.page

AGENCY_PASSWORD = "Portal-Harbour-Lantern-2031"


def agency_with_contract(
    page: Page, stack: RunningStack, headers: dict[str, str], name: str, room: dict[str, Any], prop: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """An agency and an active one-room contract for it, nights 40 to 45 from today (staff, over the API)."""
    code = name.upper().replace(" ", "-")[:20]
    agency = api(page, stack, headers, "POST", "/agencies", {"code": code, "name": name, "country_code": "VN"})
    first = date.today() + timedelta(days=40)
    season = {
        "room_type_id": room["id"],
        "date_from": first.isoformat(),
        "date_to": (first + timedelta(days=5)).isoformat(),
        "rooms": 1,
        "rate": "950000",
    }
    body = {
        "agency_id": agency["id"],
        "property_id": prop["id"],
        "name": f"{name} contract",
        "status": "active",
        "currency": prop["currency"],
        "seasons": [season],
    }
    return agency, api(page, stack, headers, "POST", "/contracts", body)


def test_an_agency_user_lands_on_its_portal_and_sees_only_its_agency(local_stack: RunningStack, page: Page) -> None:
    staff = sign_in(page, local_stack, MANAGER)
    prop = demo_hotel(page, local_stack, staff)
    room = next(
        r for r in api(page, local_stack, staff, "GET", f"/properties/{prop['id']}/room-types") if r["is_active"]
    )
    suffix = uuid.uuid4().hex[:6].upper()
    agency_a, contract_a = agency_with_contract(page, local_stack, staff, f"Hanoi Tours {suffix}", room, prop)
    _, contract_b = agency_with_contract(page, local_stack, staff, f"Mekong Trips {suffix}", room, prop)
    night = date.fromisoformat(contract_a["seasons"][0]["date_from"])
    booking = api(
        page,
        local_stack,
        staff,
        "POST",
        f"/contracts/{contract_a['id']}/bookings",
        {
            "guest_name": "Pham Thi Lan",
            "lines": [
                {
                    "room_type_id": room["id"],
                    "check_in": night.isoformat(),
                    "check_out": (night + timedelta(days=1)).isoformat(),
                }
            ],
        },
    )
    order = api(page, local_stack, staff, "POST", f"/agency-bookings/{booking['booking_id']}/confirm")
    email = f"agent.{suffix.lower()}@hanoitours.example"
    invited = api(
        page,
        local_stack,
        staff,
        "POST",
        f"/agencies/{agency_a['id']}/users",
        {"email": email, "full_name": "Do Minh Chau", "admin": True, "password": AGENCY_PASSWORD},
    )
    assert invited["agency_id"] == agency_a["id"] and invited["role_name"] == "Agency Admin"
    page.get_by_role("button", name="Account menu for").click()
    page.get_by_role("menuitem", name="Sign out").click()
    expect(page.get_by_label("Email")).to_be_visible()

    # The agency's user lands on its contracts, in a portal titled with the agency's name.
    sign_in(page, local_stack, email, AGENCY_PASSWORD, next_path=None, heading="Contracts")
    assert page.url.endswith("/contracts")
    expect(page.get_by_text(f"Agency: {agency_a['name']}")).to_be_visible()
    expect(page.get_by_role("textbox", name="Country")).to_have_count(0)
    nav = page.get_by_role("navigation", name="Main navigation")
    expect(nav.get_by_role("link")).to_have_text(["Contracts", "Sale orders", "My agency"])
    rows = page.locator("tbody tr[data-contract]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(contract_a["name"])
    expect(rows.first).to_contain_text(prop["name"])  # named, though the property routes are staff-only
    expect(page.get_by_text(contract_b["name"])).to_have_count(0)
    expect(page.get_by_role("textbox", name="Agency")).to_have_count(0)  # one agency: no filter for it
    shoot(page, "agency-portal")

    # Its contract opens, with its allotment; B's, even typed in, is not found.
    rows.first.get_by_role("link", name=contract_a["name"]).click()
    expect(page.get_by_role("heading", name=contract_a["name"])).to_be_visible()
    expect(page.get_by_role("textbox", name="Property")).to_have_value(f"{prop['name']} ({prop['code']})")
    page.get_by_role("tab", name="Allotments").click()
    expect(page.get_by_role("heading", name="Pick-up report")).to_be_visible()
    page.goto(f"{origin(local_stack)}/contracts/{contract_b['id']}")
    expect(page.get_by_text("There is no such contract, or it is outside your scope.")).to_be_visible()
    expect(page.get_by_role("heading", name=contract_b["name"])).to_have_count(0)

    # A staff screen, typed in, says it is not for agency accounts (not the API's raw 403).
    for path in ("/bookings", "/allotments", "/contracts/new"):
        page.goto(f"{origin(local_stack)}{path}")
        expect(page.get_by_role("heading", name="Not available for agency accounts")).to_be_visible()
    page.get_by_role("link", name="Go to your contracts").click()
    expect(page.get_by_role("heading", name="Contracts", exact=True)).to_be_visible()

    # Its sale order, without a link to the staff booking screen.
    nav.get_by_role("link", name="Sale orders").click()
    row = page.locator(f"tr[data-sale-order='{order['number']}']")
    expect(row).to_be_visible()
    expect(row).to_contain_text(order["booking_reference"])
    expect(row.get_by_role("link")).to_have_count(0)
    row.get_by_role("button", name="Show 1 line").click()
    expect(page.get_by_role("table", name=f"Lines of {order['number']}")).to_contain_text(room["name"])
    expect(page.locator("tbody tr[data-sale-order]")).to_have_count(1)
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    exported = download.value.path().read_text(encoding="utf-8")
    assert order["number"] in exported and len(exported.strip().splitlines()) == 2  # the header and A's order
    shoot(page, "agency-portal-sale-orders")

    # Its own page: the agency, its users, and an API key shown once.
    nav.get_by_role("link", name="My agency").click()
    expect(page.get_by_role("heading", name=agency_a["name"])).to_be_visible()
    users = page.get_by_role("region", name="Users of your agency")
    expect(users.get_by_role("cell", name=email)).to_be_visible()
    page.get_by_label("Key name").fill("Booking engine")
    page.get_by_role("button", name="Create key").click()
    dialog = page.get_by_role("dialog", name="Your new API key")
    key = dialog.locator("[data-api-key]").inner_text().strip()
    assert key.startswith("ptx_")
    dialog.get_by_role("button", name="Close").last.click()
    prefix = key.split("_")[1]
    expect(page.locator(f"tr[data-api-key-row='{prefix}']")).to_contain_text("Booking engine")
    shoot(page, "agency-portal-access")
    # The key works for the agency's system, on its contract only.
    answer = page.request.get(f"{origin(local_stack)}/api/contracts", headers={"X-API-Key": key})
    assert answer.ok and [c["id"] for c in answer.json()["items"]] == [contract_a["id"]]
    # Revoked from the page, it is refused at once.
    page.get_by_role("button", name="Revoke Booking engine").click()
    page.get_by_role("dialog", name="Revoke Booking engine").get_by_role("button", name="Revoke", exact=True).click()
    expect(page.locator(f"tr[data-api-key-row='{prefix}'] [data-revoked]")).to_be_visible()
    assert page.request.get(f"{origin(local_stack)}/api/contracts", headers={"X-API-Key": key}).status == 401

    # At tablet width the portal fits the screen.
    page.set_viewport_size(TABLET)
    page.goto(f"{origin(local_stack)}/contracts")
    expect(page.locator("tbody tr[data-contract]")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
