"""Forgot-password by email (SES on moto), reset tokens, and hostile password input."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlparse

from sqlalchemy import select, text

from chalicelib.db.models import PasswordResetToken
from chalicelib.db.unit_of_work import unit_of_work
from tests.conftest import sent_emails
from tests.factories import JSON_HEADERS, Identity, body_of

NEW_PASSWORD = "Brand-New-Passphrase-2026"


def post(identity: Identity, path: str, body: object, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    raw = body if isinstance(body, bytes | str) else json.dumps(body)
    return identity.client.http.post(path, headers={**JSON_HEADERS, **(headers or {})}, body=raw)


def reset_token_from_email(aws: object, email: str) -> str:
    messages = sent_emails(aws, to=email)
    assert messages, f"no email to {email}"
    link = re.search(r"https?://\S+reset-password\?\S+", str(messages[-1]["body"]))
    assert link, messages[-1]["body"]
    return parse_qs(urlparse(link.group(0)).query)["token"][0]


def test_forgot_password_emails_a_single_use_link_that_sets_a_new_password(identity: Identity, aws: object) -> None:
    user = identity.user()
    session = identity.login(user)
    answer = post(identity, "/auth/forgot-password", {"email": user.email.upper()})
    assert answer.status_code == 202
    message = sent_emails(aws, to=user.email)[-1]
    assert message["subject"] == "Reset your PTX Channel Manager password"
    token = reset_token_from_email(aws, user.email)
    with unit_of_work() as uow:
        stored = uow.session.scalar(select(PasswordResetToken.token_hash))
    assert stored != token and len(str(stored)) == 64  # only the hash is kept

    reset = post(identity, "/auth/reset-password", {"token": token, "new_password": NEW_PASSWORD})
    assert reset.status_code == 204, reset.body
    assert identity.client.http.get("/me", headers=session.headers).status_code == 401  # every session ended
    again = post(identity, "/auth/reset-password", {"token": token, "new_password": "Yet-Another-Passphrase-1"})
    assert again.status_code == 422
    assert body_of(again)["error"]["details"][0]["field"] == "body.token"
    assert identity.login_response(user).status_code == 401  # the old password is gone
    user.password = NEW_PASSWORD
    assert identity.login_response(user).status_code == 200


def test_forgot_password_answers_the_same_whether_or_not_the_account_exists(identity: Identity, aws: object) -> None:
    user = identity.user()
    known = post(identity, "/auth/forgot-password", {"email": user.email})
    unknown = post(identity, "/auth/forgot-password", {"email": "nobody-at-all@example.com"})
    assert (known.status_code, body_of(known)) == (unknown.status_code, body_of(unknown))
    assert sent_emails(aws, to="nobody-at-all@example.com") == []
    assert len(sent_emails(aws, to=user.email)) == 1


def test_a_reset_token_expires_after_30_minutes(identity: Identity, aws: object) -> None:
    user = identity.user()
    post(identity, "/auth/forgot-password", {"email": user.email})
    token = reset_token_from_email(aws, user.email)
    with unit_of_work() as uow:
        lifetime = uow.session.scalar(select(PasswordResetToken.expires_at - PasswordResetToken.created_at))
        uow.session.execute(text("UPDATE password_reset_tokens SET expires_at = now() - interval '1 second'"))
    assert lifetime is not None and round(lifetime.total_seconds()) == 30 * 60
    response = post(identity, "/auth/reset-password", {"token": token, "new_password": NEW_PASSWORD})
    assert response.status_code == 422


def test_only_the_newest_reset_link_works(identity: Identity, aws: object) -> None:
    user = identity.user()
    post(identity, "/auth/forgot-password", {"email": user.email})
    first = reset_token_from_email(aws, user.email)
    post(identity, "/auth/forgot-password", {"email": user.email})
    second = reset_token_from_email(aws, user.email)
    assert post(identity, "/auth/reset-password", {"token": first, "new_password": NEW_PASSWORD}).status_code == 422
    assert post(identity, "/auth/reset-password", {"token": second, "new_password": NEW_PASSWORD}).status_code == 204


def test_reset_emails_per_account_are_capped_without_telling_the_requester(identity: Identity, aws: object) -> None:
    from app import app
    from tests.factories import request_from_ip

    user = identity.user()
    statuses = [
        request_from_ip(
            app, f"192.0.2.{i}", "POST", "/auth/forgot-password", body=json.dumps({"email": user.email})
        ).status_code
        for i in range(5)
    ]
    assert statuses == [202] * 5
    assert len(sent_emails(aws, to=user.email)) == 3


def test_forgot_password_is_limited_per_address(identity: Identity) -> None:
    statuses = [post(identity, "/auth/forgot-password", {"email": f"x{i}@example.com"}).status_code for i in range(6)]
    assert statuses == [202] * 5 + [429]


def test_a_new_password_must_meet_the_policy_naming_the_field(identity: Identity, aws: object) -> None:
    user = identity.user()
    post(identity, "/auth/forgot-password", {"email": user.email})
    token = reset_token_from_email(aws, user.email)
    weak = post(identity, "/auth/reset-password", {"token": token, "new_password": "qwerty123456"})
    assert weak.status_code == 422
    assert body_of(weak)["error"]["details"][0] == {
        "field": "body.new_password", "message": "it is a commonly used password (found in breach lists)",
    }  # fmt: skip
    # The token survived the refused attempt.
    assert post(identity, "/auth/reset-password", {"token": token, "new_password": NEW_PASSWORD}).status_code == 204


def test_over_long_passwords_are_refused_cleanly(identity: Identity, aws: object) -> None:
    user = identity.user()
    huge = post(identity, "/auth/login", {"email": user.email, "password": "A" * 100_000})
    assert huge.status_code == 422
    assert body_of(huge)["error"]["details"][0]["field"] == "body.password"
    oversized_body = post(identity, "/auth/login", {"email": user.email, "password": "A" * 2_000_000})
    assert oversized_body.status_code == 413
    # Longer than the policy allows (128) but within what the API reads: a policy message, not a crash.
    post(identity, "/auth/forgot-password", {"email": user.email})
    token = reset_token_from_email(aws, user.email)
    long = post(identity, "/auth/reset-password", {"token": token, "new_password": "Lagoon-" * 40})
    assert long.status_code == 422
    assert "at most 128 characters" in body_of(long)["error"]["details"][0]["message"]
    # Multi-byte text well past bcrypt's 72 bytes is a fine password, and every character counts.
    multibyte = "Đường phố Hà Nội vào mùa thu có hoa sữa thơm ngát khắp nơi, ai cũng nhớ"
    assert len(multibyte.encode()) > 72
    assert post(identity, "/auth/reset-password", {"token": token, "new_password": multibyte}).status_code == 204
    user.password = multibyte
    assert identity.login_response(user).status_code == 200
    user.password = multibyte[:-1]
    assert identity.login_response(user).status_code == 401


def test_non_utf8_passwords_are_refused_cleanly(identity: Identity) -> None:
    user = identity.user()
    raw_bytes = post(
        identity, "/auth/login", b'{"email": "' + user.email.encode() + b'", "password": "caf\xe9-\xff\xfe"}'
    )
    assert raw_bytes.status_code == 400
    assert body_of(raw_bytes)["error"]["code"] == "invalid_json"
    # json.dumps writes the lone surrogate as the escape "\ud800": valid JSON, not valid Unicode text.
    surrogate = post(identity, "/auth/login", json.dumps({"email": user.email, "password": "Valid-\ud800-Pass"}))
    assert surrogate.status_code == 422
    assert body_of(surrogate)["error"]["details"][0]["field"] == "body.password"
    session = identity.login(user)
    change = post(
        identity,
        "/auth/change-password",
        json.dumps({"current_password": user.password, "new_password": "Lone-\udfff-Surrogate-1"}),
        session.headers,
    )
    assert change.status_code == 422
    assert body_of(change)["error"]["details"][0]["field"] == "body.new_password"


def test_the_owner_is_told_by_email_when_their_password_changes(identity: Identity, aws: object) -> None:
    user = identity.user()
    session = identity.login(user)
    changed = post(identity, "/auth/change-password",
                   {"current_password": user.password, "new_password": NEW_PASSWORD}, session.headers)  # fmt: skip
    assert changed.status_code == 200
    notices = [m for m in sent_emails(aws, to=user.email) if "Security change" in str(m["subject"])]
    assert len(notices) == 1 and "Your password was changed" in str(notices[0]["body"])
    assert NEW_PASSWORD not in str(notices[0]["body"])
