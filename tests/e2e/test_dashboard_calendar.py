"""The Calendar screen in a real browser (Debian's Chromium through Playwright) against the local
stack: select one night of a room type from the keyboard, bulk-close it (the server's preview,
then apply) and see the OTA simulators of the stack receive the closure, then the cell say every
channel has it. The browser fixtures and helpers are those of ``test_dashboard.py``."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, text

from local.demo_ota import DEMO_OTA_HOTEL_IDS
from tests.e2e.conftest import RunningStack
from tests.e2e.test_dashboard import TABLET, browser, database_url, field_error, shoot, sign_in  # noqa: F401 (the fixture)
from tests.e2e.test_dashboard import page as page  # the fixture
from tests.support import http

HOTEL = "SGN-RIV"


def simulator_urls(stack: RunningStack) -> dict[str, str]:
    line = stack.wait_for_line("stack        simulators:")
    return dict(re.findall(r"(booking_com|expedia|agoda|traveloka) (http://\S+)", line))


def stop_sold_on(url: str, ota: str, room: str, night: date) -> bool:
    """Whether the simulator shows ``room`` closed (stop-sell) on ``night``, on the room or any of its rate plans."""
    cells = http.get(
        f"{url}/_control/ari", params={"hotel_id": DEMO_OTA_HOTEL_IDS[ota][HOTEL], "room_id": room}, timeout=10
    ).json()
    return any(cell["date"] == night.isoformat() and cell.get("stop_sell") is True for cell in cells)


def test_bulk_close_one_night_with_preview_then_apply_reaches_the_simulators(
    local_stack: RunningStack, page: Page
) -> None:
    with create_engine(database_url(local_stack)).connect() as db:
        property_id, room_type_id, room = db.execute(
            text(
                "SELECT p.id, rt.id, rt.code FROM properties p JOIN room_types rt ON rt.property_id = p.id "
                "WHERE p.code = :code AND rt.is_active ORDER BY rt.id LIMIT 1"
            ),
            {"code": HOTEL},
        ).one()
    night = date.today() + timedelta(days=60)  # clear of the nights other e2e tests compare
    start = night - timedelta(days=3)
    urls = simulator_urls(local_stack)
    assert not any(stop_sold_on(url, ota, room, night) for ota, url in urls.items())

    # A link from another screen: the property, the first night and the room type to highlight.
    api_headers = sign_in(
        page,
        local_stack,
        "manager.vn@demo.ptx-cm.local",
        next_path=f"/calendar?property_id={property_id}&start={start.isoformat()}&room_type_id={room_type_id}",
        heading="Calendar",
    )
    row = page.locator(f"tr[data-room-type='{room}']")
    expect(row).to_have_class(re.compile("cal-row-highlight"))
    grid = page.get_by_role("grid", name="Availability calendar: room types by night")
    expect(grid.locator("thead th")).to_have_count(15)  # the room type column and 14 nights
    cell = row.locator(f"td[data-night='{night.isoformat()}']")
    expect(cell).to_have_attribute("data-state", "open")
    expect(page.locator("[data-legend]")).to_contain_text("Stop-sell")
    # A fresh stack is still pushing its calendar to the simulators: the page refetches until they have it.
    expect(cell).to_contain_text("Every channel has the latest value", timeout=240_000)

    # A drag across two room types and two nights selects that rectangle, whichever rows it crosses.
    rows = grid.locator("tbody tr")
    rows.nth(0).locator(f"td[data-night='{(night - timedelta(days=1)).isoformat()}']").hover()
    page.mouse.down()
    rows.nth(1).locator(f"td[data-night='{night.isoformat()}']").hover()
    page.mouse.up()
    expect(grid.locator("td[aria-selected='true']")).to_have_count(4)
    expect(page.get_by_role("button", name="Bulk update (4 cells)")).to_be_enabled()

    # Select the night with the keyboard: click the night before, then one arrow right.
    row.locator(f"td[data-night='{(night - timedelta(days=1)).isoformat()}']").click()
    page.keyboard.press("ArrowRight")
    expect(cell).to_be_focused()
    expect(cell).to_have_attribute("aria-selected", "true")
    expect(grid.locator("td[aria-selected='true']")).to_have_count(1)
    page.keyboard.press("Enter")  # opens the bulk update for the selection
    dialog = page.get_by_role("dialog", name="Bulk update")
    expect(dialog).to_be_visible()
    # The API's refusal is shown under the field it names (a minimum stay above the maximum).
    minimum, maximum = dialog.get_by_label("Minimum stay", exact=True), dialog.get_by_label("Maximum stay", exact=True)
    minimum.fill("5")
    maximum.fill("2")
    with page.expect_response(lambda r: r.url.endswith("/calendar/preview")) as refused:
        dialog.get_by_role("button", name="Preview").click()
    assert refused.value.status == 422, refused.value.text()
    expect(field_error(page, minimum)).to_contain_text("max_los")
    minimum.fill("")
    maximum.fill("")
    dialog.get_by_role("radiogroup", name="Stop-sell").get_by_label("Close").check()

    with page.expect_response(lambda r: r.url.endswith(f"/api/properties/{property_id}/calendar/preview")) as answer:
        dialog.get_by_role("button", name="Preview").click()
    assert answer.value.status == 200, answer.value.text()
    preview = answer.value.json()
    assert preview["applied"] is False and preview["inventory_cells"] == 1
    shown = dialog.locator(f"[data-change-field='stop_sell'][data-change-night='{night.isoformat()}']")
    expect(shown).to_contain_text("No → Yes")
    shoot(page, "calendar-bulk-preview")
    # The preview changed nothing: the cell is still open and no simulator was told anything.
    with create_engine(database_url(local_stack)).connect() as db:
        closed = db.execute(
            text("SELECT stop_sell FROM inventory_days WHERE room_type_id = :rt AND night = :night"),
            {"rt": room_type_id, "night": night},
        ).scalar_one()
    assert closed is False
    assert not any(stop_sold_on(url, ota, room, night) for ota, url in urls.items())

    with page.expect_response(lambda r: r.url.endswith(f"/api/properties/{property_id}/calendar/bulk-update")) as done:
        dialog.get_by_role("button", name="Apply").click()
    assert done.value.status == 200, done.value.text()
    assert done.value.json()["changes"] == preview["changes"]  # exactly what the preview showed
    # The notice says what was applied, and its close button has a name (axe: button-name); checked
    # first, as the notice closes itself after 4 s.
    notice = page.get_by_role("alert").filter(has_text="Applied: 1 cell changed")
    expect(notice.get_by_role("button", name="Close")).to_be_visible()
    expect(dialog).to_be_hidden()
    expect(cell).to_have_attribute("data-state", "stop-sold")

    # Every connected simulator receives the closure (relayed after commit, pushed by the ARI worker).
    channels = page.request.get(
        f"{local_stack.base_url.replace('127.0.0.1', 'localhost')}/api/properties/{property_id}/calendar",
        params={"date_from": night.isoformat(), "date_to": night.isoformat(), "room_type_id": str(room_type_id)},
        headers=api_headers,  # the token the page holds in memory, taken from the login's answer
    ).json()["room_types"][0]["channels"]
    assert channels, "the demo room type should be mapped on the simulators"
    deadline = time.monotonic() + 240  # a wait, not a speed check: e2e stacks share the cores
    waiting = list(channels)
    while waiting and time.monotonic() < deadline:
        waiting = [ota for ota in channels if not stop_sold_on(urls[ota], ota, room, night)]
        time.sleep(1)
    assert not waiting, f"{waiting} never received the closure of {room} on {night}:\n{local_stack.output()[-3000:]}"
    # ...and the open page, refetching while a channel lags, then says every channel has it.
    expect(cell).to_contain_text("Every channel has the latest value", timeout=60_000)
    shoot(page, "calendar", full_page=True)

    # On a tablet the grid scrolls inside itself; the page does not grow sideways.
    page.set_viewport_size(TABLET)
    expect(cell).to_be_attached()
    widths = page.evaluate(
        "() => ({page: document.documentElement.scrollWidth, view: window.innerWidth,"
        " grid: document.querySelector('.cal-grid').parentElement.scrollWidth,"
        " box: document.querySelector('.cal-grid').parentElement.clientWidth})"
    )
    assert widths["page"] <= widths["view"], widths
    assert widths["grid"] > widths["box"], widths
