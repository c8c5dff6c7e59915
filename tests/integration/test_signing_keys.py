"""The JWT keyring: Secrets Manager or JWT_SIGNING_KEYS, rotation by kid, caching per container."""

from __future__ import annotations

import json
import time

import jwt
import pytest
from sqlalchemy import select

from chalicelib.aws import clients
from chalicelib.aws.resources import JWT_SIGNING_KEYS_SECRET_NAME
from chalicelib.aws.signing_keys import signing_keyring
from chalicelib.config import reset_settings
from chalicelib.db.models import AuthSession
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.tokens import issue_access_token, parse_keyring
from tests.factories import Identity, body_of


def put_keys(document: dict[str, object]) -> None:
    """Change the secret (tests doing so ask for ``aws``: a fresh moto, so later tests keep theirs)."""
    clients.secrets_manager().put_secret_value(SecretId=JWT_SIGNING_KEYS_SECRET_NAME, SecretString=json.dumps(document))


def me_status(identity: Identity, token: str) -> int:
    return int(identity.client.http.get("/me", headers={"Authorization": f"Bearer {token}"}).status_code)


def test_rotation_new_tokens_use_the_new_kid_and_old_ones_stay_valid_until_the_key_is_retired(
    identity: Identity, aws: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JWT_KEYS_CACHE_SECONDS", "0")  # every read sees the secret as it is now
    reset_settings()
    user = identity.user()
    old = identity.login(user)
    original = signing_keyring()
    assert jwt.get_unverified_header(old.access_token)["kid"] == original.current_kid

    put_keys({"current": "k2", "keys": {original.current_kid: original.current_key.decode(), "k2": "r" * 48}})
    new = identity.login(user)
    assert jwt.get_unverified_header(new.access_token)["kid"] == "k2"
    assert me_status(identity, old.access_token) == 200
    assert me_status(identity, new.access_token) == 200

    put_keys({"current": "k2", "keys": {"k2": "r" * 48}})  # the old key retired after 15 minutes
    assert me_status(identity, old.access_token) == 401
    assert me_status(identity, new.access_token) == 200


def test_a_warm_container_accepts_a_kid_added_after_it_cached_the_keys(identity: Identity, aws: object) -> None:
    session = identity.login(identity.user())  # caches the keyring (5 minutes by default)
    original = signing_keyring()
    rotated = {"current": "k2", "keys": {original.current_kid: original.current_key.decode(), "k2": "s" * 48}}
    put_keys(rotated)
    with unit_of_work() as uow:
        session_id = str(uow.session.scalar(select(AuthSession.id)))
    # Another container, already on the new key, issued this token.
    token = issue_access_token(
        parse_keyring(json.dumps(rotated)), user_id=session.user.id, session_id=session_id, now=int(time.time()),
        ttl_seconds=900,
    )  # fmt: skip
    assert me_status(identity, token) == 200
    assert me_status(identity, session.access_token) == 200


def test_keys_may_come_from_the_environment_instead_of_secrets_manager(
    identity: Identity, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JWT_SIGNING_KEYS", json.dumps({"current": "env-1", "keys": {"env-1": "e" * 40}}))
    reset_settings()
    session = identity.login(identity.user())
    assert jwt.get_unverified_header(session.access_token)["kid"] == "env-1"
    assert me_status(identity, session.access_token) == 200


def test_unusable_keys_make_login_unavailable_without_leaking_them(
    identity: Identity, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = identity.user()
    monkeypatch.setenv("JWT_SIGNING_KEYS", json.dumps({"current": "x", "keys": {"x": "too-short-secret"}}))
    reset_settings()
    response = identity.login_response(user)
    assert response.status_code == 503
    assert body_of(response)["error"]["code"] == "service_unavailable"
    assert b"too-short-secret" not in response.body
