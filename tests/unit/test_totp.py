"""TOTP (RFC 6238) codes, drift window, replay protection, recovery codes."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlparse

import pytest

from chalicelib.domain import totp

# RFC 6238 appendix B, SHA-1 seed "12345678901234567890"; we use the last 6 of the 8 digits.
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize(
    ("unix_time", "code"),
    [(59, "287082"), (1111111109, "081804"), (1111111111, "050471"), (1234567890, "005924"), (2000000000, "279037")],
)
def test_codes_match_the_rfc_6238_test_vectors(unix_time: int, code: str) -> None:
    assert totp.code_at(RFC_SECRET, unix_time) == code


def test_a_code_is_accepted_one_step_either_side_and_no_further() -> None:
    secret, now = totp.generate_secret(), 1_700_000_000.0
    step = totp.step_at(now)
    for offset in (-1, 0, 1):
        assert totp.verify(secret, totp.code_for_step(secret, step + offset), unix_time=now, last_used_step=None) == (
            step + offset
        )
    for offset in (-2, 2):
        assert (
            totp.verify(secret, totp.code_for_step(secret, step + offset), unix_time=now, last_used_step=None) is None
        )


def test_a_used_code_cannot_be_replayed() -> None:
    secret, now = totp.generate_secret(), 1_700_000_000.0
    code = totp.code_at(secret, now)
    used = totp.verify(secret, code, unix_time=now, last_used_step=None)
    assert used is not None
    assert totp.verify(secret, code, unix_time=now, last_used_step=used) is None
    assert totp.verify(secret, code, unix_time=now + 5, last_used_step=used) is None


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12 34 56x"])
def test_malformed_codes_are_simply_wrong(code: str) -> None:
    assert totp.verify(totp.generate_secret(), code, unix_time=1_700_000_000, last_used_step=None) is None


def test_secrets_are_160_bits_of_base32() -> None:
    secret = totp.generate_secret()
    assert len(base64.b32decode(secret + "=" * (-len(secret) % 8))) == 20
    assert totp.generate_secret() != secret


def test_recovery_codes_are_unique_and_match_however_they_are_typed() -> None:
    codes = totp.generate_recovery_codes()
    assert len(codes) == len(set(codes)) == 10
    code = codes[0]
    assert totp.hash_recovery_code(code) == totp.hash_recovery_code(f"  {code.upper().replace('-', ' ')} ")
    assert totp.hash_recovery_code(code) != totp.hash_recovery_code(codes[1])


def test_provisioning_uri_names_issuer_account_and_parameters() -> None:
    uri = totp.provisioning_uri("ABCDEFGH", account="linh@example.com", issuer="PTX Channel Manager")
    parsed = urlparse(uri)
    assert parsed.scheme == "otpauth" and parsed.netloc == "totp"
    assert parsed.path == "/PTX%20Channel%20Manager:linh@example.com"
    query = parse_qs(parsed.query)
    assert query["secret"] == ["ABCDEFGH"] and query["digits"] == ["6"] and query["period"] == ["30"]
