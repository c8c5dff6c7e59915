"""Access-token claims, the signing keyring, key rotation, and sealing secrets at rest."""

from __future__ import annotations

import json
import time

import jwt
import pytest

from chalicelib.domain import sealing
from chalicelib.domain.tokens import (
    AUDIENCE,
    ISSUER,
    ExpiredToken,
    InvalidToken,
    KeyringError,
    hash_opaque_token,
    issue_access_token,
    new_opaque_token,
    parse_keyring,
    read_access_token,
)

KEY_1 = "k" * 40
KEY_2 = "z" * 40
KEYRING = parse_keyring(json.dumps({"current": "k1", "keys": {"k1": KEY_1}}))


def test_access_token_header_and_claims() -> None:
    token = issue_access_token(KEYRING, user_id=7, session_id="s-1", now=1_000, ttl_seconds=900)
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "HS256", "typ": "at+jwt", "kid": "k1"}
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["sub"] == "7" and claims["sid"] == "s-1"
    assert claims["iss"] == ISSUER and claims["aud"] == AUDIENCE
    assert claims["exp"] - claims["iat"] == 900 and claims["nbf"] == claims["iat"] == 1_000
    assert set(claims) == {"sub", "sid", "jti", "iat", "nbf", "exp", "iss", "aud"}  # nothing personal


def test_a_fresh_token_reads_back_and_an_old_one_is_expired() -> None:
    now = int(time.time())
    claims = read_access_token(
        issue_access_token(KEYRING, user_id=7, session_id="s", now=now, ttl_seconds=900), KEYRING
    )
    assert (claims.user_id, claims.session_id, claims.expires_at) == (7, "s", now + 900)
    with pytest.raises(ExpiredToken):
        read_access_token(
            issue_access_token(KEYRING, user_id=7, session_id="s", now=now - 1000, ttl_seconds=900), KEYRING
        )


def test_rotation_signs_with_the_new_key_and_still_reads_tokens_of_the_old_one() -> None:
    now = int(time.time())
    old_token = issue_access_token(KEYRING, user_id=1, session_id="s", now=now, ttl_seconds=900)
    rotated = parse_keyring(json.dumps({"current": "k2", "keys": {"k1": KEY_1, "k2": KEY_2}}))
    new_token = issue_access_token(rotated, user_id=1, session_id="s", now=now, ttl_seconds=900)
    assert jwt.get_unverified_header(new_token)["kid"] == "k2"
    assert read_access_token(old_token, rotated).user_id == 1
    assert read_access_token(new_token, rotated).user_id == 1
    retired = parse_keyring(json.dumps({"current": "k2", "keys": {"k2": KEY_2}}))
    with pytest.raises(InvalidToken):
        read_access_token(old_token, retired)


def test_keyring_accepts_the_cloudformation_generated_shape() -> None:
    keyring = parse_keyring(json.dumps({"current": "k1", "k1": KEY_1}))
    assert keyring.current_kid == "k1" and keyring.current_key == KEY_1.encode()


@pytest.mark.parametrize(
    "document",
    [
        "not json",
        json.dumps({"keys": {"k1": KEY_1}}),
        json.dumps({"current": "k9", "keys": {"k1": KEY_1}}),
        json.dumps({"current": "k1", "keys": {"k1": "short"}}),
        json.dumps({"current": "bad kid!", "keys": {"bad kid!": KEY_1}}),
    ],
)
def test_unusable_keyrings_are_refused_without_showing_key_material(document: str) -> None:
    with pytest.raises(KeyringError) as caught:
        parse_keyring(document)
    assert KEY_1 not in str(caught.value) and "short" not in str(caught.value)


def test_keyring_repr_hides_the_keys() -> None:
    assert KEY_1 not in repr(KEYRING) and "k1" in repr(KEYRING)


def test_opaque_tokens_are_random_and_stored_as_sha256() -> None:
    token = new_opaque_token()
    assert len(token) >= 43 and token != new_opaque_token()
    assert len(hash_opaque_token(token)) == 64 and hash_opaque_token(token) != token


def test_sealed_secrets_open_only_with_their_key_and_row() -> None:
    key = sealing.derive_key(KEY_1.encode(), "totp-secret")
    sealed = sealing.seal(b"JBSWY3DPEHPK3PXP", key, b"user_totp:1")
    assert b"JBSWY3DPEHPK3PXP" not in sealed
    assert sealing.unseal(sealed, key, b"user_totp:1") == b"JBSWY3DPEHPK3PXP"
    with pytest.raises(sealing.SealError):
        sealing.unseal(sealed, key, b"user_totp:2")  # copied onto another user's row
    with pytest.raises(sealing.SealError):
        sealing.unseal(sealed, sealing.derive_key(KEY_2.encode(), "totp-secret"), b"user_totp:1")
    assert sealing.derive_key(KEY_1.encode(), "other-purpose") != key
