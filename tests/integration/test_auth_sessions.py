"""Login, tokens as Bearer and cookies, refresh rotation with reuse detection, logout, revocation."""

from __future__ import annotations

import json

from sqlalchemy import select

from chalicelib.db.engine import unit_of_work
from chalicelib.db.models import AuthSession, RefreshToken
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
