"""The suppliers screen and rate plan edit/delete in a real browser against the local stack.

A property manager creates a supplier (room owner) with bank details: a bad SWIFT code is named
under its field by the API; the account number is shown masked only, never back in the page;
edits keep it; an allocation of rooms is added, changed and removed. On a property's screen a rate
plan is edited (the API re-prices it) and deleted: a plan with a derived plan is refused, saying
why, until the derived one is deleted first. Screens are checked with axe-core and saved to
docs/screenshots/.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from playwright.sync_api import Page, expect

from tests.e2e import test_dashboard as dash
from tests.e2e.conftest import RunningStack
from tests.e2e.test_dashboard import field_error, origin, shoot, sign_in
from tests.e2e.test_dashboard_allotments import MANAGER, api, choose, demo_hotel

browser = dash.browser
page = dash.page

ACCOUNT = "0071 0012 3456 7890"


def test_a_supplier_with_masked_bank_details_and_an_allocation(local_stack: RunningStack, page: Page) -> None:
    headers = sign_in(page, local_stack, MANAGER)
    suffix = uuid.uuid4().hex[:6].upper()
    name = f"Binh An Holdings {suffix}"
    prop = demo_hotel(page, local_stack, headers)
    room_type = api(page, local_stack, headers, "GET", f"/properties/{prop['id']}/room-types")[0]

    page.get_by_role("link", name="Suppliers").click()
    expect(page.get_by_role("heading", name="Suppliers (room owners)")).to_be_visible()
    page.get_by_role("button", name="New supplier").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("textbox", name="Name", exact=True).fill(name)
    dialog.get_by_label("Country").fill("VN")
    dialog.get_by_label("Contact").fill("Tran Van Binh")
    dialog.get_by_label("Bank", exact=True).fill("Vietcombank")
    dialog.get_by_label("Account holder").fill("Tran Van Binh")
    dialog.get_by_label("Account number").fill(ACCOUNT)
    swift = dialog.get_by_label("SWIFT/BIC")
    swift.fill("BAD")
    dialog.get_by_role("button", name="Save").click()
    expect(field_error(page, swift)).to_contain_text("pattern")
    swift.fill("BFTVVNVX")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    page.get_by_label("Search (name, contact, email)").fill(suffix)
    row = page.locator("tr[data-supplier]").filter(has_text=name)
    expect(row).to_have_count(1)
    expect(row.locator("[data-bank]")).to_have_text("Vietcombank · ****7890")
    assert ACCOUNT not in page.content() and ACCOUNT.replace(" ", "") not in page.content()
    shoot(page, "suppliers")
    supplier = api(page, local_stack, headers, "GET", f"/suppliers?search={suffix}")["items"][0]
    assert supplier["bank_swift"] == "BFTVVNVX" and supplier["bank_account_masked"] == "****7890"

    # An edit leaves the stored number as it is (the field starts empty, the masked one described).
    row.get_by_role("button", name=f"Edit {name}").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("textbox", name="Account number")).to_have_value("")
    expect(dialog.get_by_text("Stored: ****7890.")).to_be_visible()
    dialog.get_by_label("Phone").fill("+84 24 3825 1234")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    edited = api(page, local_stack, headers, "GET", f"/suppliers/{supplier['id']}")
    assert edited["phone"] == "+84 24 3825 1234" and edited["bank_account_masked"] == "****7890"

    # An allocation: added, its rooms changed, removed.
    row.get_by_role("button", name=f"Allocations of {name}").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("No allocation yet.")).to_be_visible()
    dialog.get_by_role("button", name="Add allocation").click()
    choose(page, "Property", f"{prop['name']} ({prop['code']})")
    choose(page, "Room type", f"{room_type['name']} ({room_type['code']})")
    first = date.today() + timedelta(days=400)
    dialog.get_by_label("First night").fill(first.isoformat())
    dialog.get_by_label("Last night").fill((first + timedelta(days=30)).isoformat())
    dialog.get_by_role("textbox", name="Rooms", exact=True).fill("1")
    dialog.get_by_role("button", name="Save").click()
    allocation = dialog.locator("tr[data-allocation]")
    expect(allocation).to_have_count(1)
    expect(allocation).to_contain_text(room_type["name"])
    shoot(page, "supplier-allocations")
    allocation.get_by_role("button", name="Edit allocation").click()
    dialog.get_by_role("textbox", name="Rooms", exact=True).fill("2")
    dialog.get_by_role("button", name="Save").click()
    expect(allocation.locator("td").nth(3)).to_have_text("2")
    stored = api(page, local_stack, headers, "GET", f"/suppliers/{supplier['id']}/allocations")
    assert [(a["room_type_id"], a["rooms"], a["date_from"]) for a in stored] == [
        (room_type["id"], 2, first.isoformat())
    ]
    allocation.get_by_role("button", name="Remove allocation").click()
    expect(dialog.get_by_text("No allocation yet.")).to_be_visible()
    assert api(page, local_stack, headers, "GET", f"/suppliers/{supplier['id']}/allocations") == []


def test_a_rate_plan_is_edited_and_deleted_on_the_property_screen(local_stack: RunningStack, page: Page) -> None:
    headers = sign_in(page, local_stack, MANAGER)
    suffix = uuid.uuid4().hex[:4].upper()
    prop = demo_hotel(page, local_stack, headers)
    room_type = api(page, local_stack, headers, "GET", f"/properties/{prop['id']}/room-types")[0]
    plans = f"/room-types/{room_type['id']}/rate-plans"
    base = api(
        page,
        local_stack,
        headers,
        "POST",
        plans,
        {"code": f"E2E{suffix}", "name": f"Promo {suffix}", "base_rate": "900000"},
    )
    child = api(
        page,
        local_stack,
        headers,
        "POST",
        plans,
        {
            "code": f"E2N{suffix}",
            "name": f"Promo NRF {suffix}",
            "parent_id": base["id"],
            "derivation_kind": "percent",
            "derivation_value": "-10",
        },
    )

    page.goto(f"{origin(local_stack)}/properties/{prop['id']}")
    expect(page.get_by_role("heading", name=f"Rate plans of {room_type['name']}")).to_be_visible()
    page.get_by_role("button", name=f"Edit Promo {suffix}", exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("textbox", name="Code", exact=True)).to_have_value(f"E2E{suffix}")
    dialog.get_by_role("textbox", name="Name", exact=True).fill(f"Promo flex {suffix}")
    dialog.get_by_role("textbox", name="Base rate").fill("950000")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(page.locator(f"tr[data-plan='E2E{suffix}']").first).to_contain_text(f"Promo flex {suffix}")
    edited = api(page, local_stack, headers, "GET", f"/rate-plans/{base['id']}")
    assert edited["name"] == f"Promo flex {suffix}" and Decimal(edited["base_rate"]) == Decimal("950000")

    # The parent first: refused while a plan derives from it, the dialog says why; nothing deleted.
    page.get_by_role("button", name=f"Delete Promo flex {suffix}").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Delete").click()
    expect(dialog.get_by_role("alert")).to_contain_text("derived from this plan")
    shoot(page, "rate-plan-delete")
    dialog.get_by_role("button", name="Cancel").click()
    assert {p["id"] for p in api(page, local_stack, headers, "GET", plans)} >= {base["id"], child["id"]}
    for plan_name in (f"Promo NRF {suffix}", f"Promo flex {suffix}"):
        page.get_by_role("button", name=f"Delete {plan_name}").click()
        page.get_by_role("dialog").get_by_role("button", name="Delete").click()
        expect(page.get_by_role("dialog")).to_be_hidden()
    expect(page.locator(f"tr[data-plan='E2E{suffix}']")).to_have_count(0)
    assert not {p["id"] for p in api(page, local_stack, headers, "GET", plans)} & {base["id"], child["id"]}
