"""The dashboard's channels screens in a real browser against the local stack.

An OTA operator connects a brand-new property to Agoda (the simulator) with the connect wizard:
credentials (a wrong API key first: the test shows Agoda's refusal in words, then the right one),
the connection test, discovery of the hotel, the import as mapping proposals (one accepted by hand,
the rest all at once), activation; the first ARI push then arrives at the simulator with our
calendar's numbers. The connection screen highlights the rate plan nothing maps, the sync log
shows the full push. Then an administrator changes the buffer rooms in Settings, presses "Sync
now", and the simulator ends up showing the availability less the new buffer. Each screen is
checked with axe-core (no serious or critical violation) and saved to docs/screenshots/.
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import date, timedelta
from typing import Any

from playwright.sync_api import Page, expect

from local.demo_seed import DEMO_PASSWORD
from local.simulators.client import SimulatorClient
from tests.e2e import test_dashboard as dash
from tests.e2e.conftest import RunningStack
from tests.e2e.test_dashboard import origin, shoot, sign_in
from tests.e2e.test_dashboard_setup import _a_second_administrator, _sign_in_with_code
from tests.support import http

# The dashboard module's fixtures: its browser and a page per test.
browser = dash.browser
page = dash.page

MANAGER = "manager.vn@demo.ptx-cm.local"
OTA_OPERATOR = "ota.vn@demo.ptx-cm.local"
AGODA_KEY = "agoda-key-0123456789"  # the simulator's published demo key (local/simulators/agoda.py)
ROOMS = 8
WAIT_SECONDS = 240  # a wait, not a speed check: e2e stacks share the cores


def _login(stack: RunningStack, email: str) -> dict[str, str]:
    answer = http.post(f"{stack.base_url}/auth/login", json={"email": email, "password": DEMO_PASSWORD}, timeout=30)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _call(stack: RunningStack, headers: dict[str, str], method: str, path: str, body: Any = None) -> Any:
    answer = http.request(method, f"{stack.base_url}{path}", json=body, headers=headers, timeout=60)
    assert answer.is_success, f"{method} {path}: {answer.status_code} {answer.text}"
    return answer.json() if answer.content else None


def _agoda(stack: RunningStack) -> tuple[str, SimulatorClient]:
    line = stack.wait_for_line("stack        simulators:")
    url = dict(re.findall(r"(booking_com|expedia|agoda|traveloka) (http://\S+)", line))["agoda"]
    return url, SimulatorClient(url)


def _empty_property(stack: RunningStack, suffix: str) -> dict[str, Any]:
    """A new property with room type DLX (8 rooms) and its rate plans BAR and NRF, and nothing else."""
    manager = _login(stack, MANAGER)
    body = {
        "code": f"CH-{suffix}",
        "name": f"Channel Test {suffix}",
        "country_code": "VN",
        "timezone": "Asia/Ho_Chi_Minh",
        "currency": "VND",
    }
    prop = _call(stack, manager, "POST", "/properties", body)
    room = {"code": "DLX", "name": "Deluxe River View", "total_rooms": ROOMS, "base_rate": "1000000"}
    room_type = _call(stack, manager, "POST", f"/properties/{prop['id']}/room-types", room)
    for code, name in (("BAR", "Best available"), ("NRF", "Non-refundable")):
        _call(stack, manager, "POST", f"/room-types/{room_type['id']}/rate-plans", {"code": code, "name": name})
    return {**prop, "headers": manager, "room_type_id": room_type["id"]}


def _simulated_hotel(client: SimulatorClient, suffix: str) -> str:
    """The same hotel at Agoda: room DLX with the rate plan BAR only (NRF is not sold there)."""
    hotel_id = f"E2E{suffix}"
    room = {"room_id": "DLX", "name": "Deluxe River View", "rate_plans": [{"rate_plan_id": "BAR", "name": "Best"}]}
    client.add_hotel({"hotel_id": hotel_id, "name": f"Channel Test {suffix}", "rooms": [room]})
    return hotel_id


def _nights() -> list[date]:
    first = date.today() + timedelta(days=5)
    return [first + timedelta(days=offset) for offset in range(3)]


def _our_availability(stack: RunningStack, prop: dict[str, Any], nights: list[date]) -> dict[str, int]:
    query = {"date_from": nights[0].isoformat(), "date_to": nights[-1].isoformat()}
    grid = http.get(
        f"{stack.base_url}/properties/{prop['id']}/calendar", headers=prop["headers"], params=query, timeout=30
    ).json()
    [room] = [r for r in grid["room_types"] if r["code"] == "DLX"]
    return {night["night"]: max(0, night["available"]) for night in room["nights"]}


def _shown_at_agoda(client: SimulatorClient, hotel_id: str, nights: list[date]) -> dict[str, int | None]:
    wanted = {night.isoformat() for night in nights}
    shown: dict[str, int | None] = dict.fromkeys(sorted(wanted))
    for cell in client.ari(hotel_id, "DLX"):
        if cell["date"] in wanted and cell.get("rate_plan_id") is None and cell.get("availability") is not None:
            shown[cell["date"]] = int(cell["availability"])
    return shown


def _wait_for_agoda(client: SimulatorClient, hotel_id: str, expected: dict[str, int], nights: list[date]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    shown = _shown_at_agoda(client, hotel_id, nights)
    while time.monotonic() < deadline and shown != expected:
        time.sleep(1)
        shown = _shown_at_agoda(client, hotel_id, nights)
    assert shown == expected, f"Agoda shows {shown}, our calendar {expected}"


def test_the_connect_wizard_takes_an_empty_property_to_its_first_ari_push(
    local_stack: RunningStack, page: Page
) -> None:
    suffix = uuid.uuid4().hex[:6].upper()
    prop = _empty_property(local_stack, suffix)
    agoda_url, agoda = _agoda(local_stack)
    hotel_id = _simulated_hotel(agoda, suffix)
    nights = _nights()
    assert _shown_at_agoda(agoda, hotel_id, nights) == dict.fromkeys(n.isoformat() for n in nights)  # nothing yet

    sign_in(page, local_stack, OTA_OPERATOR, next_path="/ota-accounts", heading="OTA accounts")
    navigation = page.get_by_role("navigation", name="Main navigation")
    expect(navigation.get_by_role("link", name="Connections")).to_be_visible()
    shoot(page, "channels-accounts")
    page.get_by_role("link", name="Connect an OTA account").click()
    expect(page.get_by_role("heading", name="Connect an OTA account")).to_be_visible()

    # 1. Credentials: Agoda (the default), a name, the simulator's address and a wrong API key.
    account_name = f"Agoda E2E {suffix}"
    page.get_by_role("textbox", name="Account", exact=True).fill(account_name)
    page.get_by_role("textbox", name="Endpoint (optional)").fill(agoda_url)
    page.get_by_label("API key").fill("not-the-key")
    shoot(page, "channels-wizard-credentials")
    page.get_by_role("button", name="Save the account").click()

    # 2. The test: Agoda refuses, in words; the right key, and it accepts.
    expect(page.get_by_role("heading", name=f"Connect {account_name}")).to_be_visible()
    page.get_by_role("button", name="Test connection").click()
    answer = page.get_by_test_id("test-answer")
    expect(answer).to_contain_text("Agoda refused")
    expect(answer).to_contain_text(re.compile(r"authenticat|key|credential", re.IGNORECASE))
    page.get_by_label("API key").fill(AGODA_KEY)
    page.get_by_role("button", name="Replace the credentials").click()
    expect(page.get_by_text("Credentials replaced; test again.")).to_be_visible()
    page.get_by_role("button", name="Test connection").click()
    expect(answer).to_contain_text("Agoda accepted the credentials")
    shoot(page, "channels-wizard-test")
    page.get_by_role("button", name="Next").click()

    # 3. Discovery: the hotel as Agoda reports it, imported for our property.
    page.get_by_role("textbox", name="Hotel ids").fill(hotel_id)
    page.get_by_role("button", name="Find hotels").click()
    card = page.locator(f"[data-hotel='{hotel_id}']")
    expect(card).to_contain_text("Deluxe River View (DLX)")
    expect(card.get_by_role("radio")).to_be_checked()
    page.get_by_role("textbox", name="For our property").click()
    page.get_by_role("option", name=f"{prop['code']} · {prop['name']}").click()
    shoot(page, "channels-wizard-discovery")
    page.get_by_role("button", name="Import as proposed mappings").click()

    # 4. The proposals: the room accepted by hand, the rate plan with "accept every suggestion".
    room_row = page.locator("tr[data-proposal='DLX']")
    expect(room_row).to_contain_text("Same code")
    expect(page.get_by_text("2 proposals wait for a decision.")).to_be_visible()
    shoot(page, "channels-wizard-mapping")
    room_row.get_by_role("button", name="Accept").click()
    expect(room_row).to_have_attribute("data-status", "accepted")
    page.get_by_role("button", name="Accept every suggestion").click()
    expect(page.locator("tr[data-proposal='DLX/BAR']")).to_have_attribute("data-status", "accepted")
    page.get_by_role("button", name="Next").click()

    # 5. Activate: NRF is not sold at Agoda, so it stays unmapped, and the step says why that matters.
    expect(page.get_by_text("Mapped: 1 room types and 1 rate plans.")).to_be_visible()
    expect(page.get_by_text("classic cause of overbooking")).to_be_visible()
    page.get_by_role("button", name="Activate sync").click()
    expect(page.get_by_text("Sync is on")).to_be_visible()
    shoot(page, "channels-wizard-activate")

    # The first ARI push reaches the simulator, with our calendar's numbers.
    ours = _our_availability(local_stack, prop, nights)
    assert set(ours.values()) <= set(range(ROOMS + 1)) and len(ours) == len(nights)
    _wait_for_agoda(agoda, hotel_id, ours, nights)

    # The connection: healthy mapping of DLX/BAR, NRF highlighted as unmapped; the sync log has the push.
    page.get_by_role("link", name="Open the connection").click()
    expect(page.get_by_role("heading", name=f"{prop['name']} on Agoda")).to_be_visible()
    expect(page.locator("tr[data-room-type='DLX']")).not_to_have_attribute("data-unmapped", "true")
    expect(page.locator("tr[data-plan='NRF']")).to_have_attribute("data-unmapped", "true")
    expect(page.get_by_test_id("unmapped-warning")).to_contain_text("overbooking")
    page.get_by_role("button", name="Check against the OTA").click()
    expect(page.get_by_text("The mapped codes match the OTA")).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")  # the full-page picture from the top (the header is sticky)
    shoot(page, "channels-connection", full_page=True)

    page.get_by_role("link", name="Sync log").first.click()
    expect(page.get_by_role("heading", name=f"Sync log of {prop['name']}")).to_be_visible()
    full_push = page.locator("tr[data-run-kind='full_push']")
    expect(full_push.first).to_contain_text("Someone asked")
    expect(full_push.first).to_have_attribute("data-run-status", re.compile(r"ok|partial"))
    page.get_by_role("textbox", name="Outcome").click()
    page.get_by_role("option", name="Failed").click()
    expect(page.get_by_text("No sync run matches")).to_be_visible()
    page.get_by_role("textbox", name="Outcome").click()
    page.get_by_role("option", name="Succeeded").click()
    expect(page.locator("tr[data-run-status='ok']").first).to_be_visible()
    shoot(page, "channels-sync-log")

    page.goto(f"{origin(local_stack)}/connections?property_id={prop['id']}")
    section = page.locator(f"[data-property='{prop['code']}']")
    expect(section.get_by_role("link", name="Agoda")).to_be_visible()
    expect(page.get_by_test_id("queue-depths")).to_contain_text("ari-push")
    shoot(page, "channels-connections")
    agoda.close()


def _connected_by_api(stack: RunningStack, suffix: str, agoda_url: str, hotel_id: str) -> dict[str, Any]:
    """The wizard's result, through the API: an Agoda account, the active connection, DLX/BAR mapped."""
    prop = _empty_property(stack, suffix)
    operator = _login(stack, OTA_OPERATOR)
    account = {
        "ota": "agoda",
        "name": f"Agoda settings {suffix}",
        "country_code": "VN",
        "base_url": agoda_url,
        "credentials": {"api_key": AGODA_KEY},
    }
    account_id = _call(stack, operator, "POST", "/ota-accounts", account)["id"]
    connection = {"property_id": prop["id"], "ota_account_id": account_id, "ota_hotel_id": hotel_id}
    connection_id = _call(stack, operator, "POST", "/ota-connections", connection)["id"]
    base = f"/ota-connections/{connection_id}"
    _call(
        stack,
        operator,
        "POST",
        f"{base}/room-type-mappings",
        {"room_type_id": prop["room_type_id"], "ota_room_id": "DLX"},
    )
    plans = _call(stack, operator, "GET", f"/room-types/{prop['room_type_id']}/rate-plans")
    [bar] = [p["id"] for p in plans if p["code"] == "BAR"]
    _call(stack, operator, "POST", f"{base}/rate-plan-mappings", {"rate_plan_id": bar, "ota_rate_plan_id": "BAR"})
    _call(stack, operator, "POST", f"{base}/full-push")
    return prop


def test_a_buffer_changed_in_settings_is_what_the_next_sync_sends(local_stack: RunningStack, page: Page) -> None:
    suffix = uuid.uuid4().hex[:6].upper()
    agoda_url, agoda = _agoda(local_stack)
    hotel_id = _simulated_hotel(agoda, suffix)
    prop = _connected_by_api(local_stack, suffix, agoda_url, hotel_id)
    nights = _nights()
    before = _our_availability(local_stack, prop, nights)
    _wait_for_agoda(agoda, hotel_id, before, nights)

    email, secret = _a_second_administrator(local_stack)
    api_headers = _sign_in_with_code(page, local_stack, email, secret, "%2Fsettings")
    saved = http.get(f"{local_stack.base_url}/settings", headers=api_headers, timeout=30).json()
    buffer = page.get_by_label("Buffer rooms")
    expect(buffer).to_have_value(str(saved["inventory_buffer_rooms"]))  # the form has the saved values
    new_buffer = int(saved["inventory_buffer_rooms"]) + 2
    try:
        buffer.fill(str(new_buffer))
        with page.expect_response(lambda r: r.url.endswith("/api/settings") and r.request.method == "PATCH") as sent:
            page.get_by_role("button", name="Save").click()
        assert sent.value.ok, sent.value.text()
        current = http.get(f"{local_stack.base_url}/settings", headers=api_headers, timeout=30).json()
        assert current["inventory_buffer_rooms"] == new_buffer

        # Sync now on the connections screen; our calendar keeps the new buffer back, Agoda follows.
        page.goto(f"{origin(local_stack)}/connections?property_id={prop['id']}")
        page.get_by_role("button", name=f"Sync now: {prop['name']}").click()
        expect(page.get_by_text(re.compile(rf"Sync of {re.escape(prop['name'])} queued"))).to_be_visible()
        after = _our_availability(local_stack, prop, nights)
        assert after == {night: max(0, value - 2) for night, value in before.items()}, (before, after)
        _wait_for_agoda(agoda, hotel_id, after, nights)
    finally:
        # The other tests' calendars keep the buffer they found.
        restore = {"inventory_buffer_rooms": saved["inventory_buffer_rooms"]}
        answer = http.patch(f"{local_stack.base_url}/settings", json=restore, headers=api_headers, timeout=60)
        assert answer.is_success, answer.text
        agoda.close()
