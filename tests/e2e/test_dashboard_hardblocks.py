"""The dashboard's hardblock screens in a real browser against the local stack.

A property manager creates a definite block for a wedding group in the create form (a missing
holder is named under its field by the API), sees it in the list and its grid; amends a sub-range
(fewer rooms, a lower rate) and checks the diff preview's coloured before/after values and the
pool's side against the calendar; applies it; then reverts to version 1 from the version history,
previewed first. Each screen is checked with axe-core (no serious or critical violation) and
saved to docs/screenshots/hardblocks-*.png.
"""

from __future__ import annotations

import random
import re
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from playwright.sync_api import Locator, Page, expect

from local.demo_seed import DEMO_ROOM_TYPES
from tests.e2e import test_dashboard as dash
from tests.e2e.conftest import RunningStack
from tests.e2e.test_dashboard import field_error, shoot, sign_in
from tests.e2e.test_dashboard_allotments import MANAGER, api, choose, demo_hotel

browser = dash.browser
page = dash.page

ROOMS, AMENDED = 3, 1
DEMO_ROOM_TYPE_CODES = {code for code, *_ in DEMO_ROOM_TYPES}
RATE, AMENDED_RATE = "1500000", "1400000"


def diff_cell(preview: Locator, room_type_id: int, row: str, night: date) -> Locator:
    """A cell of the preview's diff grid: one row (rooms, released, rate, pool) of a room type on a night."""
    return preview.locator(
        f"tr[data-room-type='{room_type_id}'][data-row='{row}'] td[data-night='{night.isoformat()}']"
    )


def grid_cell(page: Page, room_type_id: int, row: str, night: date) -> Locator:
    return page.locator(
        f"table[data-block-grid] tr[data-room-type='{room_type_id}'][data-row='{row}'] td[data-night='{night.isoformat()}']"
    )


def expect_change(cell: Locator, before: str, after: str, trend: str) -> None:
    expect(cell).to_have_attribute("data-trend", trend)
    expect(cell.locator("[data-before]")).to_have_text(before)
    expect(cell.locator("[data-after]")).to_have_text(after)


def free_rooms(
    page: Page, stack: RunningStack, headers: dict[str, str], property_id: int, first: date, last: date
) -> dict[int, dict[str, int]]:
    """Per active room type, the rooms every channel may still sell each night (the pool)."""
    grid = api(
        page,
        stack,
        headers,
        "GET",
        f"/properties/{property_id}/calendar?date_from={first.isoformat()}&date_to={last.isoformat()}",
    )
    return {
        rt["id"]: {night["night"]: night["available"] for night in rt["nights"]}
        for rt in grid["room_types"]
        if rt["is_active"]
    }


def test_a_definite_block_amended_with_preview_then_reverted_to_its_first_version(
    local_stack: RunningStack, page: Page
) -> None:
    headers = sign_in(page, local_stack, MANAGER)
    # A demo hotel and one of its demo room types: mapped on every simulator (other tests on this
    # stack add VN properties and room types that no OTA maps).
    prop = demo_hotel(page, local_stack, headers)
    demo_room_types = {
        r["id"]: r
        for r in api(page, local_stack, headers, "GET", f"/properties/{prop['id']}/room-types")
        if r["code"] in DEMO_ROOM_TYPE_CODES
    }
    # Nights well ahead, apart from those other e2e tests use; a room type with the rooms free.
    first = date.today() + timedelta(days=100 + random.randrange(150))
    middle, last = first + timedelta(days=1), first + timedelta(days=2)
    nights = [first.isoformat(), middle.isoformat(), last.isoformat()]
    pool = free_rooms(page, local_stack, headers, prop["id"], first, last)
    room_type_id = next(
        rt for rt, free in pool.items() if rt in demo_room_types and all(free.get(n, 0) >= ROOMS + 1 for n in nights)
    )
    room_type = demo_room_types[room_type_id]
    group = f"Nguyen-Tran wedding {uuid.uuid4().hex[:6].upper()}"

    # The create form: without an agency or a group, the API names the group's field.
    page.get_by_role("link", name="Hardblocks").click()
    expect(page.get_by_role("heading", name="Hardblocks", exact=True)).to_be_visible()
    page.get_by_role("link", name="New hardblock").click()
    choose(page, "Property", f"{prop['name']} ({prop['code']})")
    page.get_by_label("Cut-off date").fill((first - timedelta(days=14)).isoformat())
    expect(page.get_by_role("radio", name="Definite")).to_be_checked()
    line = page.locator("[data-allocation='0']")
    line.get_by_role("textbox", name="Room type").click()
    page.get_by_role("option", name=f"{room_type['name']} ({room_type['code']})").click()
    line.get_by_label("First night").fill(first.isoformat())
    line.get_by_label("Last night").fill(last.isoformat())
    line.get_by_label("Rooms per night").fill(str(ROOMS))
    line.get_by_label(re.compile(r"^Rate per night")).fill(RATE)
    page.get_by_role("button", name="Create block").click()
    group_field = page.get_by_label("Group name")
    expect(field_error(page, group_field)).to_have_text("give an agency or a group name")
    group_field.fill(group)
    shoot(page, "hardblocks-new")
    page.get_by_role("button", name="Create block").click()
    expect(page.get_by_role("heading", name=re.compile(rf"^Block #\d+ · {group}$"))).to_be_visible()
    block_id = int(page.url.rsplit("/", 1)[1])

    # The grid: three rooms each night, none released; the pool lost them (definite).
    for night in (first, middle, last):
        expect(grid_cell(page, room_type_id, "rooms", night)).to_have_text(str(ROOMS))
        expect(grid_cell(page, room_type_id, "released", night)).to_have_text("0")
    after_create = free_rooms(page, local_stack, headers, prop["id"], first, last)[room_type_id]
    assert after_create == {n: pool[room_type_id][n] - ROOMS for n in nights}
    expect(page.locator("[data-block-version]")).to_have_text("1")

    # The list: the block with its badges and cut-off.
    page.get_by_role("link", name="Hardblocks", exact=True).first.click()
    choose(page, "Property", f"{prop['name']} ({prop['code']})")
    row = page.locator(f"tr[data-block='{block_id}']")
    expect(row).to_contain_text(group)
    expect(row.locator("[data-guarantee='definite']")).to_have_text("Definite")
    expect(row.locator("[data-status='active']")).to_have_text("Active")
    expect(row).to_contain_text(str(ROOMS * 3))  # room nights
    shoot(page, "hardblocks-list")
    row.get_by_role("link", name=f"Block #{block_id}").click()

    # A partial overlay: the last two nights only, one room at a lower rate. Previewed first.
    amend = page.get_by_role("region", name="Amend the block")
    amend.get_by_label("First night").fill(middle.isoformat())
    amend.get_by_label("Last night").fill(last.isoformat())
    amend.get_by_label("Rooms per night").fill(str(AMENDED))
    amend.get_by_label(re.compile(r"^Rate per night")).fill(AMENDED_RATE)
    amend.get_by_role("button", name="Preview").click()
    preview = page.get_by_role("region", name="Preview of the amendment")
    expect(preview).to_be_visible()
    for night in (middle, last):
        expect_change(diff_cell(preview, room_type_id, "rooms", night), str(ROOMS), str(AMENDED), "down")
        free = after_create[night.isoformat()]
        expect_change(diff_cell(preview, room_type_id, "pool", night), str(free), str(free + ROOMS - AMENDED), "up")
        rate = diff_cell(preview, room_type_id, "rate", night)
        expect(rate).to_have_attribute("data-trend", "down")
        expect(rate.locator("[data-before]")).to_contain_text("1,500,000")
        expect(rate.locator("[data-after]")).to_contain_text("1,400,000")
    # The first night is outside the overlay: not in the diff.
    expect(diff_cell(preview, room_type_id, "rooms", first)).to_have_count(0)
    gained = 2 * (ROOMS - AMENDED)
    expect(preview.get_by_text(f"The pool the OTAs may sell gains {gained} room nights.")).to_be_visible()
    # Which OTAs hear of it: the demo hotel's connections that map the room type (the API's `otas`).
    told = preview.locator("[data-otas-told]")
    expect(told).to_have_attribute("data-otas-told", re.compile(r"^(agoda|booking_com|expedia|traveloka)(,[a-z_]+)*$"))
    expect(told).to_contain_text("through the sync")
    # The colours: decreases on red, increases on green.
    colours = diff_cell(preview, room_type_id, "rooms", middle).evaluate("e => getComputedStyle(e).backgroundColor")
    assert colours != diff_cell(preview, room_type_id, "pool", middle).evaluate(
        "e => getComputedStyle(e).backgroundColor"
    )
    page.evaluate("window.scrollTo(0, 0)")  # a full-page picture from the top: the header in its place
    shoot(page, "hardblocks-preview", full_page=True)
    # Nothing written by the preview.
    assert api(page, local_stack, headers, "GET", f"/hardblocks/{block_id}")["version"] == 1

    preview.get_by_role("button", name="Apply").click()
    expect(preview).to_be_hidden()
    expect(page.locator("[data-block-version]")).to_have_text("2")
    expect(amend.get_by_label("Rooms per night")).to_have_value("")  # a blank form for the next change
    expect(grid_cell(page, room_type_id, "rooms", first)).to_have_text(str(ROOMS))
    expect(grid_cell(page, room_type_id, "rooms", middle)).to_have_text(str(AMENDED))
    expect(grid_cell(page, room_type_id, "rate", last)).to_contain_text("1,400,000")
    block: dict[str, Any] = api(page, local_stack, headers, "GET", f"/hardblocks/{block_id}")
    assert {(n["night"], n["rooms"], Decimal(n["rate"])) for n in block["nights"]} == {
        (nights[0], ROOMS, Decimal(RATE)),
        (nights[1], AMENDED, Decimal(AMENDED_RATE)),
        (nights[2], AMENDED, Decimal(AMENDED_RATE)),
    }
    assert free_rooms(page, local_stack, headers, prop["id"], first, last)[room_type_id] == {
        nights[0]: after_create[nights[0]],
        nights[1]: after_create[nights[1]] + ROOMS - AMENDED,
        nights[2]: after_create[nights[2]] + ROOMS - AMENDED,
    }

    # The versions: two; back to the first, previewed, then applied (a third version).
    versions = page.get_by_role("region", name="Version history").locator("tbody tr")
    expect(versions).to_have_count(2)
    expect(versions.first).to_contain_text("2 (current)")
    page.get_by_role("button", name="Revert to version 1").click()
    revert = page.get_by_role("region", name="Preview: back to version 1")
    expect_change(diff_cell(revert, room_type_id, "rooms", middle), str(AMENDED), str(ROOMS), "up")
    expect(diff_cell(revert, room_type_id, "rooms", first)).to_have_count(0)
    expect(revert.get_by_text(f"The pool the OTAs may sell loses {gained} room nights.")).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")  # a full-page picture from the top: the header in its place
    shoot(page, "hardblocks-revert-preview", full_page=True)
    revert.get_by_role("button", name="Apply").click()
    expect(page.locator("[data-block-version]")).to_have_text("3")
    expect(versions).to_have_count(3)
    for night in (first, middle, last):
        expect(grid_cell(page, room_type_id, "rooms", night)).to_have_text(str(ROOMS))
    reverted = api(page, local_stack, headers, "GET", f"/hardblocks/{block_id}/versions")
    assert [v["version"] for v in reverted] == [1, 2, 3]
    assert reverted[2]["block"]["nights"] == reverted[0]["block"]["nights"]
    assert free_rooms(page, local_stack, headers, prop["id"], first, last)[room_type_id] == after_create
    page.evaluate("window.scrollTo(0, 0)")  # a full-page picture from the top: the header in its place
    shoot(page, "hardblocks-detail", full_page=True)
