"""`make run` has demo staff accounts: log in over real HTTP and act within the role and country."""

from __future__ import annotations

from local.demo_seed import DEMO_PASSWORD
from tests.e2e.conftest import RunningStack
from tests.support import http


def test_a_demo_account_logs_in_and_sees_only_its_country(local_stack: RunningStack) -> None:
    base = local_stack.base_url
    login = http.post(
        f"{base}/auth/login", json={"email": "reservations.id@demo.ptx-cm.local", "password": DEMO_PASSWORD}, timeout=30
    )
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    me = http.get(f"{base}/me", headers=headers, timeout=10).json()
    assert (me["user"]["role_name"], me["visible_countries"]) == ("Reservations Staff", ["ID"])
    assert http.get(f"{base}/me", headers={**headers, "X-Country": "VN"}, timeout=10).status_code == 403
    assert http.get(f"{base}/users", headers=headers, timeout=10).status_code == 403  # no USERS_READ
    refreshed = http.post(f"{base}/auth/refresh", json={"refresh_token": login.json()["refresh_token"]}, timeout=10)
    assert refreshed.status_code == 200
    assert http.get(f"{base}/me", timeout=10).status_code == 401
