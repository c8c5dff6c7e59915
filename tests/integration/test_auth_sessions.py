"""Login, Bearer access tokens and the browser's refresh cookie, refresh rotation with reuse detection, logout, revocation."""

from __future__ import annotations

import json

from sqlalchemy import select

from chalicelib.db.models import AuthSession, RefreshToken
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.tokens import hash_opaque_token
from tests.factories import JSON_HEADERS, Identity, body_of, set_cookies


def post(identity: Identity, path: str, body: object, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return identity.client.http.post(path, headers={**JSON_HEADERS, **(headers or {})}, body=json.dumps(body))


def test_login_issues_a_15_minute_access_token_and_a_7_day_refresh_token(identity: Identity) -> None:
    user = identity.user("Reservations Staff", "VN")
    response = identity.login_response(user)
    assert response.status_code == 200, response.body
    body = body_of(response)
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 15 * 60
    assert body["refresh_expires_in"] == 7 * 24 * 3600
    assert body["delivery"] == "body"
    assert "Set-Cookie" not in response.headers
    me = identity.client.http.get("/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200, me.body
    profile = body_of(me)
    assert profile["user"]["email"] == user.email
    assert profile["active_country"] == "VN"
    assert "BOOKINGS_READ" in profile["permissions"]
    # The refresh token is stored only as its hash.
    with unit_of_work() as uow:
        stored = uow.session.scalars(select(RefreshToken.token_hash)).all()
    assert stored == [hash_opaque_token(body["refresh_token"])]


def test_wrong_password_unknown_email_and_disabled_account_look_the_same(identity: Identity) -> None:
    user = identity.user()
    disabled = identity.user(active=False)
    answers = [
        post(identity, "/auth/login", {"email": user.email, "password": "Wrong-Password-123"}),
        post(identity, "/auth/login", {"email": "nobody-here@example.com", "password": "Wrong-Password-123"}),
        post(identity, "/auth/login", {"email": disabled.email, "password": disabled.password}),
    ]
    assert [a.status_code for a in answers] == [401, 401, 401]
    bodies = [body_of(a)["error"] for a in answers]
    assert {(b["code"], b["message"]) for b in bodies} == {("invalid_credentials", "Invalid email or password.")}


def test_cookie_login_returns_the_access_token_and_sets_only_the_refresh_and_csrf_cookies(identity: Identity) -> None:
    user = identity.user()
    response = identity.login_response(user, use_cookies=True)
    assert response.status_code == 200, response.body
    body = body_of(response)
    assert body["delivery"] == "cookie"
    # The page keeps the access token in memory; the refresh token never reaches its script.
    assert body["access_token"] and body["expires_in"] == 15 * 60 and body["refresh_token"] is None
    lines = {line.split("=", 1)[0]: line for line in response.headers["Set-Cookie"]}
    assert set(lines) == {"ptx_refresh", "ptx_csrf"}  # no access-token cookie
    assert all(part in lines["ptx_refresh"] for part in ("HttpOnly", "Secure", "SameSite=Strict"))
    assert "HttpOnly" not in lines["ptx_csrf"]  # the page's script must read it to echo it
    assert "Path=/auth" in lines["ptx_refresh"]  # the refresh token travels only to /auth
    assert set_cookies(response)["ptx_csrf"] == body["csrf_token"]
    me = identity.client.http.get("/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200, me.body


def test_only_the_bearer_header_authenticates_never_a_cookie(identity: Identity) -> None:
    browser = identity.cookie_login(identity.user("Property Manager", "VN"))
    # The access token as a cookie (the old convention) or the session's cookies: not credentials.
    for cookie in (f"ptx_access={browser.access_token}", browser.headers()["Cookie"]):
        refused = identity.client.http.get("/me", headers={"Cookie": cookie, "X-CSRF-Token": browser.csrf_token})
        assert refused.status_code == 401, cookie
        assert body_of(refused)["error"]["code"] == "unauthenticated"
    # The Bearer header, which another site cannot make the browser send, needs no CSRF token.
    allowed = post(identity, "/auth/country", {"country_code": "ID"}, browser.bearer)
    assert allowed.status_code == 200, allowed.body
    assert body_of(allowed)["active_country"] == "ID"


def test_a_csrf_pair_from_another_session_does_not_pass(identity: Identity) -> None:
    victim = identity.cookie_login(identity.user("Property Manager", "VN"))
    attacker = identity.cookie_login(identity.user("Property Manager", "VN"))
    # The attacker plants their own CSRF cookie in the victim's browser and sends the matching header.
    planted = {**victim.cookies, "ptx_csrf": attacker.csrf_token}
    headers = {**victim.headers(), "Cookie": "; ".join(f"{k}={v}" for k, v in planted.items())}
    headers["X-CSRF-Token"] = attacker.csrf_token
    for path in ("/auth/refresh", "/auth/logout"):
        response = post(identity, path, {}, headers)
        assert response.status_code == 403, path
        assert body_of(response)["error"]["code"] == "csrf_failed"
    # Nothing was spent or ended: the victim's refresh cookie still works.
    assert post(identity, "/auth/refresh", {}, victim.headers()).status_code == 200


def test_each_refresh_token_works_once_and_the_new_pair_works(identity: Identity) -> None:
    session = identity.login(identity.user())
    first = post(identity, "/auth/refresh", {"refresh_token": session.refresh_token})
    assert first.status_code == 200, first.body
    rotated = body_of(first)
    assert rotated["refresh_token"] != session.refresh_token
    me = identity.client.http.get("/me", headers={"Authorization": f"Bearer {rotated['access_token']}"})
    assert me.status_code == 200
    second = post(identity, "/auth/refresh", {"refresh_token": rotated["refresh_token"]})
    assert second.status_code == 200


def test_reusing_a_refresh_token_revokes_the_whole_family(identity: Identity) -> None:
    session = identity.login(identity.user())
    stolen = session.refresh_token
    legit = body_of(post(identity, "/auth/refresh", {"refresh_token": stolen}))
    # The thief (or the owner, whoever is second) presents the spent token.
    replay = post(identity, "/auth/refresh", {"refresh_token": stolen})
    assert replay.status_code == 401
    assert body_of(replay)["error"]["code"] == "refresh_token_reused"
    # Every token of the family is dead now: the rotated refresh token and the access tokens.
    assert post(identity, "/auth/refresh", {"refresh_token": legit["refresh_token"]}).status_code == 401
    for access in (legit["access_token"], session.access_token):
        me = identity.client.http.get("/me", headers={"Authorization": f"Bearer {access}"})
        assert me.status_code == 401
        assert body_of(me)["error"]["code"] == "session_revoked"
    with unit_of_work() as uow:
        reason = uow.session.scalar(select(AuthSession.revoked_reason))
    assert reason == "refresh_token_reuse"


def test_two_refreshes_racing_with_one_token_leave_at_most_one_winner(identity: Identity) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from chalicelib.domain.errors import AuthenticationFailed
    from chalicelib.services import auth_service

    token = identity.login(identity.user()).refresh_token

    def attempt(_: int) -> str:
        try:
            auth_service.refresh(token, csrf_token=None, client_ip="203.0.113.9", user_agent=None)
            return "ok"
        except AuthenticationFailed as error:
            return error.code

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = sorted(pool.map(attempt, range(4)))
    assert outcomes.count("ok") <= 1
    assert set(outcomes) - {"ok"} <= {"refresh_token_reused"}
    with unit_of_work() as uow:
        assert uow.session.scalar(select(AuthSession.revoked_reason)) == "refresh_token_reuse"


def test_cookie_refresh_needs_the_csrf_header_and_a_refused_attempt_spends_nothing(identity: Identity) -> None:
    browser = identity.cookie_login(identity.user())
    refused = post(identity, "/auth/refresh", {}, browser.headers(csrf=False))
    assert refused.status_code == 403
    assert body_of(refused)["error"]["code"] == "csrf_failed"
    refreshed = identity.client.http.post("/auth/refresh", headers=browser.headers(), body=b"")
    assert refreshed.status_code == 200, refreshed.body
    body = body_of(refreshed)
    assert body["delivery"] == "cookie" and body["refresh_token"] is None
    new_cookies = set_cookies(refreshed)
    assert set(new_cookies) == {"ptx_refresh", "ptx_csrf"}
    assert new_cookies["ptx_refresh"] != browser.cookies["ptx_refresh"]
    assert new_cookies["ptx_csrf"] != browser.csrf_token  # the CSRF token rotates with the session
    # The new access token (the page's, in memory) works as Bearer.
    me = identity.client.http.get("/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200, me.body


def test_expired_refresh_token_is_refused(identity: Identity) -> None:
    from sqlalchemy import text

    session = identity.login(identity.user())
    with unit_of_work() as uow:
        uow.session.execute(text("UPDATE refresh_tokens SET expires_at = now() - interval '1 second'"))
    response = post(identity, "/auth/refresh", {"refresh_token": session.refresh_token})
    assert response.status_code == 401
    assert body_of(response)["error"]["code"] == "invalid_refresh_token"


def test_an_access_token_is_not_a_refresh_token_and_vice_versa(identity: Identity) -> None:
    session = identity.login(identity.user())
    assert post(identity, "/auth/refresh", {"refresh_token": session.access_token[:200]}).status_code == 401
    me = identity.client.http.get("/me", headers={"Authorization": f"Bearer {session.refresh_token}"})
    assert me.status_code == 401


def test_logout_ends_the_session_and_clears_the_cookies(identity: Identity) -> None:
    session = identity.login(identity.user())
    response = identity.client.http.post("/auth/logout", headers=session.headers, body=b"")
    assert response.status_code == 204
    assert all("Max-Age=0" in line for line in response.headers["Set-Cookie"])
    assert identity.client.http.get("/me", headers=session.headers).status_code == 401
    assert post(identity, "/auth/refresh", {"refresh_token": session.refresh_token}).status_code == 401
    # Logging out again, or with rubbish, is harmless.
    assert identity.client.http.post("/auth/logout", headers=session.headers, body=b"").status_code == 204
    assert post(identity, "/auth/logout", {"refresh_token": "nonsense"}).status_code == 204


def test_cookie_logout_needs_the_csrf_header(identity: Identity) -> None:
    browser = identity.cookie_login(identity.user())
    assert identity.client.http.post("/auth/logout", headers=browser.headers(csrf=False), body=b"").status_code == 403
    assert identity.client.http.get("/me", headers=browser.bearer).status_code == 200
    logout = identity.client.http.post("/auth/logout", headers={**browser.headers(), **browser.bearer}, body=b"")
    assert logout.status_code == 204
    assert identity.client.http.get("/me", headers=browser.bearer).status_code == 401


def test_a_browser_changing_its_password_gets_the_new_refresh_token_as_a_cookie(identity: Identity) -> None:
    user = identity.user()
    browser = identity.cookie_login(user)
    change = {"current_password": user.password, "new_password": "Another-Long-Passphrase-78", "use_cookies": True}
    response = post(identity, "/auth/change-password", change, browser.bearer)
    assert response.status_code == 200, response.body
    body = body_of(response)
    assert body["delivery"] == "cookie" and body["refresh_token"] is None
    cookies = set_cookies(response)
    assert set(cookies) == {"ptx_refresh", "ptx_csrf"} and cookies["ptx_csrf"] == body["csrf_token"]
    assert identity.client.http.get("/me", headers=browser.bearer).status_code == 401  # the old session ended
    renewed = {"Cookie": f"ptx_refresh={cookies['ptx_refresh']}; ptx_csrf={cookies['ptx_csrf']}"}
    assert post(identity, "/auth/refresh", {}, {**renewed, "X-CSRF-Token": cookies["ptx_csrf"]}).status_code == 200


def test_disabling_a_user_ends_their_sessions_at_once(identity: Identity) -> None:
    admin = identity.login(identity.user("Admin", None))
    staff = identity.login(identity.user("Reservations Staff", "VN"))
    assert identity.client.http.get("/me", headers=staff.headers).status_code == 200
    disabled = identity.client.http.post(f"/users/{staff.user.id}/disable", headers=admin.headers, body=b"")
    assert disabled.status_code == 200, disabled.body
    assert identity.client.http.get("/me", headers=staff.headers).status_code == 401
    assert post(identity, "/auth/refresh", {"refresh_token": staff.refresh_token}).status_code == 401
    assert identity.login_response(staff.user).status_code == 401


def test_changing_the_password_ends_every_session_and_returns_a_fresh_one(identity: Identity) -> None:
    user = identity.user()
    laptop, phone = identity.login(user), identity.login(user)
    response = post(
        identity,
        "/auth/change-password",
        {"current_password": user.password, "new_password": "Another-Long-Passphrase-77"},
        laptop.headers,
    )
    assert response.status_code == 200, response.body
    fresh = body_of(response)
    for old in (laptop, phone):
        assert identity.client.http.get("/me", headers=old.headers).status_code == 401
        assert post(identity, "/auth/refresh", {"refresh_token": old.refresh_token}).status_code == 401
    assert (
        identity.client.http.get("/me", headers={"Authorization": f"Bearer {fresh['access_token']}"}).status_code == 200
    )
    user.password = "Another-Long-Passphrase-77"
    assert identity.login_response(user).status_code == 200


def test_change_password_checks_the_current_one_and_the_policy(identity: Identity) -> None:
    user = identity.user(email="minh.tran@example.com")
    session = identity.login(user)
    wrong = post(
        identity,
        "/auth/change-password",
        {"current_password": "nope", "new_password": "Fine-Long-Pass-2026"},
        session.headers,
    )
    assert wrong.status_code == 422
    assert body_of(wrong)["error"]["details"][0]["field"] == "body.current_password"
    weak = post(
        identity,
        "/auth/change-password",
        {"current_password": user.password, "new_password": "Password2026!"},
        session.headers,
    )
    assert weak.status_code == 422
    assert body_of(weak)["error"]["details"][0]["field"] == "body.new_password"
    personal = post(
        identity,
        "/auth/change-password",
        {"current_password": user.password, "new_password": "minh.tran-rocks-99"},
        session.headers,
    )
    assert personal.status_code == 422
    assert identity.client.http.get("/me", headers=session.headers).status_code == 200  # nothing changed


def test_logout_works_with_an_expired_access_token(identity: Identity) -> None:
    import time

    import jwt

    from chalicelib.aws.signing_keys import signing_keyring

    session = identity.login(identity.user())
    keyring = signing_keyring()
    claims = jwt.decode(session.access_token, options={"verify_signature": False})
    past = int(time.time()) - 3600
    expired = jwt.encode({**claims, "iat": past, "nbf": past, "exp": past + 900}, keyring.current_key,
                         algorithm="HS256", headers={"kid": keyring.current_kid, "typ": "at+jwt"})  # fmt: skip
    response = identity.client.http.post("/auth/logout", headers={"Authorization": f"Bearer {expired}"}, body=b"")
    assert response.status_code == 204
    assert post(identity, "/auth/refresh", {"refresh_token": session.refresh_token}).status_code == 401
