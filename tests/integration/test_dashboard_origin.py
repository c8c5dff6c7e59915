"""One origin for the browser, locally as behind CloudFront: the local server answers every API
route under ``/api/...`` too (cookie paths carry the prefix, as with an API Gateway stage named
``api``), and serves the dashboard's build — its files, and ``index.html`` for client routes."""

from __future__ import annotations

from pathlib import Path

from tests.factories import Identity
from tests.support import http
from tests.support.live_api import live_api

INDEX = "<!doctype html><title>dashboard</title>"


def fake_build(folder: Path) -> Path:
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text(INDEX)
    (folder / "assets" / "index-abc123.js").write_text("console.log('app')")
    (folder.parent / "secret.txt").write_text("outside the build")
    return folder


def test_api_routes_answer_under_api_with_cookie_paths_under_the_prefix(identity: Identity, tmp_path: Path) -> None:
    user = identity.user()
    with live_api(fake_build(tmp_path / "dashboard")) as url:
        body = {"email": user.email, "password": user.password, "use_cookies": True}
        login = http.post(f"{url}/api/auth/login", json=body, timeout=30)
        assert login.status_code == 200, login.text
        cookies = {c.split("=", 1)[0]: c for c in login.headers.get_list("set-cookie")}
        assert set(cookies) == {"ptx_refresh", "ptx_csrf"}  # the access token is in the body, for memory
        assert "Path=/api/auth;" in cookies["ptx_refresh"]  # sent to /api/auth/refresh, nowhere else
        assert "Path=/;" in cookies["ptx_csrf"]  # the pages (outside /api) read it to send X-CSRF-Token
        jar = {name: value.split(";", 1)[0].split("=", 1)[1] for name, value in cookies.items()}
        refreshed = http.post(
            f"{url}/api/auth/refresh", cookies=jar, headers={"X-CSRF-Token": jar["ptx_csrf"]}, json={}, timeout=30
        )
        assert refreshed.status_code == 200, refreshed.text
        bearer = {"Authorization": f"Bearer {refreshed.json()['access_token']}"}
        assert http.get(f"{url}/api/me", headers=bearer, timeout=10).status_code == 200
        # The routes keep answering where they always did, and /api/docs stays the docs page.
        assert http.get(f"{url}/health", timeout=10).json() == http.get(f"{url}/api/health", timeout=10).json()
        assert http.post(f"{url}/auth/login", json=body, timeout=30).status_code == 200
        assert "text/html" in http.get(f"{url}/api/docs", timeout=10).headers["content-type"]
        assert http.get(f"{url}/api/no-such-route", timeout=10).status_code in (403, 404)


def test_the_dashboard_is_served_for_navigations_and_its_files(identity: Identity, tmp_path: Path) -> None:
    with live_api(fake_build(tmp_path / "dashboard")) as url:
        html = {"Accept": "text/html,application/xhtml+xml"}
        for client_route in ("/", "/bookings", "/bookings/42", "/reset-password?token=abc"):
            page = http.get(f"{url}{client_route}", headers=html, timeout=10)
            assert (page.status_code, page.text) == (200, INDEX), client_route
            assert page.headers["cache-control"] == "no-cache"
        asset = http.get(f"{url}/assets/index-abc123.js", timeout=10)
        assert asset.text == "console.log('app')"
        assert "immutable" in asset.headers["cache-control"]
        # An API client asking the same path gets the API (here: 401, it sent no token).
        assert http.get(f"{url}/bookings", timeout=10).status_code == 401
        # /api/... is never the dashboard, and nothing outside the build is reachable.
        assert http.get(f"{url}/api/bookings", headers=html, timeout=10).status_code == 401
        escape = http.get(f"{url}/assets/..%2F..%2Fsecret.txt", headers=html, timeout=10)
        assert "outside the build" not in escape.text


def test_without_a_build_every_path_is_the_apis(identity: Identity) -> None:
    with live_api() as url:
        assert http.get(f"{url}/bookings", headers={"Accept": "text/html"}, timeout=10).status_code == 401
