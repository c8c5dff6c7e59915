"""`make run` has OTA simulators and demo OTA accounts: an OTA operator tests each account against
its simulator over real HTTP, sees the demo connections with their mappings, and no credential
shows up anywhere in the stack's output."""

from __future__ import annotations

from local.demo_seed import DEMO_PASSWORD
from local.simulators import SIMULATORS
from tests.e2e.conftest import RunningStack
from tests.support import http


def test_the_demo_ota_accounts_reach_their_simulators(local_stack: RunningStack) -> None:
    base = local_stack.base_url
    login = http.post(
        f"{base}/auth/login", json={"email": "ota.vn@demo.ptx-cm.local", "password": DEMO_PASSWORD}, timeout=30
    )
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}

    # The demo's accounts (`<OTA> demo`); other tests on the shared stack may have connected more.
    listed = http.get(f"{base}/ota-accounts", headers=headers, params={"page_size": 100}, timeout=10).json()["items"]
    accounts = [a for a in listed if a["name"].endswith(" demo")]
    assert sorted(a["ota"] for a in accounts) == ["agoda", "booking_com", "expedia", "traveloka"]
    for account in accounts:
        assert account["effective_base_url"].startswith("http://127.0.0.1:")
        tested = http.post(f"{base}/ota-accounts/{account['id']}/test", headers=headers, timeout=30).json()
        assert tested["ok"] is True, tested

    listed = http.get(f"{base}/ota-connections", headers=headers, params={"page_size": 100}, timeout=10).json()
    demo_ids = {a["id"] for a in accounts}
    connections = [c for c in listed["items"] if c["ota_account_id"] in demo_ids]
    # The operator works in Vietnam: the two Vietnamese demo properties, one connection per OTA each.
    assert len(connections) == 8
    assert {c["property_code"] for c in connections} == {"HAN-OLD", "SGN-RIV"}
    assert all(c["is_active"] and c["health"] == "ok" for c in connections)
    first = connections[0]["id"]
    check = http.post(f"{base}/ota-connections/{first}/mapping-check", headers=headers, timeout=30).json()
    assert (check["ok"], check["checked_room_types"], check["checked_rate_plans"], check["unmapped"]) == (
        True,
        3,
        6,
        [],
    ), check

    line = local_stack.wait_for_line("stack        simulators:")
    assert all(code in line for code in SIMULATORS)
    output = local_stack.output()
    for simulator in SIMULATORS.values():
        for value in simulator.default_credentials.values():
            assert value not in output, "a demo credential was printed or logged"
