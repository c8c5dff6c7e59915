"""The hardblock pick-up screens in a real browser against the local stack.

A property manager uploads a rooming list for a definite block: a list with a bad line is refused
with the line and column named and nothing booked; the corrected list books every line. The pick-up
report then shows the block's rooms picked up, and the block among those cutting off this week.
Each screen is checked with axe-core (no serious or critical violation) and saved to docs/screenshots/.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import Page, expect

from tests.e2e import test_dashboard as dash
from tests.e2e.conftest import RunningStack
from tests.e2e.test_dashboard import shoot, sign_in
from tests.e2e.test_dashboard_allotments import MANAGER, api, demo_hotel

browser = dash.browser
page = dash.page

HEADER = "guest_name,guest_email,guest_phone,room_type,check_in,check_out,rooms,adults,children,notes"


def test_a_rooming_list_with_a_bad_line_books_nothing_then_the_corrected_one_shows_in_the_pick_up_report(
    local_stack: RunningStack, page: Page
) -> None:
    headers = sign_in(page, local_stack, MANAGER)
    prop = demo_hotel(page, local_stack, headers)
    room_type = next(
        r for r in api(page, local_stack, headers, "GET", f"/properties/{prop['id']}/room-types") if r["is_active"]
    )
    first = date.today() + timedelta(days=4)
    block = api(
        page,
        local_stack,
        headers,
        "POST",
        "/hardblocks",
        {
            "property_id": prop["id"],
            "group_name": "Pham wedding",
            "guarantee": "definite",
            "cut_off_date": (first - timedelta(days=2)).isoformat(),
            "allocations": [
                {
                    "room_type_id": room_type["id"],
                    "date_from": first.isoformat(),
                    "date_to": (first + timedelta(days=1)).isoformat(),
                    "rooms": 2,
                    "rate": "1800000",
                }
            ],
        },
    )
    stay = f"{first.isoformat()},{(first + timedelta(days=2)).isoformat()}"
    good = [
        f"Pham Van An,an@example.com,,{room_type['code']},{stay},1,2,0,",
        f"Le Thi Hoa,,,{room_type['id']},{stay},1,2,0,",
    ]

    page.get_by_role("link", name="Rooming lists").click()
    expect(page.get_by_role("heading", name="Upload a rooming list")).to_be_visible()
    page.get_by_role("textbox", name=re.compile(r"^Block")).click()
    page.get_by_role("option", name=re.compile(rf"^#{block['id']} Pham wedding")).click()
    csv = page.get_by_role("textbox", name=re.compile(r"^Rooming list \(CSV\)"))
    csv.fill("\n".join([HEADER, good[0], f"Tran Minh,not-an-email,,{room_type['code']},{stay},0,2,0,"]))
    page.get_by_role("button", name="Book every line").click()
    problems = page.get_by_role("alert").filter(has_text="1 line has errors")
    expect(problems).to_be_visible()
    expect(problems.get_by_role("row", name=re.compile(r"^3 guest_email"))).to_be_visible()
    expect(problems.get_by_role("row", name=re.compile(r"^3 rooms"))).to_be_visible()
    shoot(page, "hardblock-rooming-list-errors", full_page=True)
    assert api(page, local_stack, headers, "GET", f"/hardblocks/{block['id']}/bookings") == []

    csv.fill("\n".join([HEADER, *good]))
    page.get_by_role("button", name="Book every line").click()
    done = page.get_by_role("alert").filter(has_text="2 bookings made (block version 2)")
    expect(done).to_be_visible()
    expect(done.get_by_role("link")).to_have_count(2)
    shoot(page, "hardblock-rooming-list", full_page=True)

    page.get_by_role("link", name="Block pick-up").click()
    expect(page.get_by_role("heading", name="Block pick-up report")).to_be_visible()
    row = page.locator(f"tr[data-block='{block['id']}']")
    expect(row).to_contain_text("Pham wedding")
    expect(row.get_by_role("cell").nth(3)).to_have_text("4")  # held: 2 rooms x 2 nights
    expect(row.get_by_role("cell").nth(4)).to_have_text("4")  # picked up: both guests, both nights
    cutting = page.get_by_role("region", name="Cutting off in the next 7 days")
    expect(cutting.get_by_role("row", name=re.compile(rf"^#{block['id']} Pham wedding"))).to_contain_text("2 days left")
    shoot(page, "hardblock-pick-up-report", full_page=True)
