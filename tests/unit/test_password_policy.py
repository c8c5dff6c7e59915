"""Password policy (length, breached patterns, personal data) and bcrypt hashing with the 72-byte limit."""

from __future__ import annotations

import pytest

from chalicelib.domain import passwords

EMAIL = "linh.nguyen@example.com"


def reasons(password: str, **context: str) -> list[str]:
    return [problem.reason for problem in passwords.check_policy(password, **context)]


@pytest.mark.parametrize(
    "password",
    [
        "Tropical-Mango-Lagoon-42",
        "Cà phê sữa đá lúc bảy giờ sáng",  # Vietnamese, multi-byte
        "nasi goreng pedas sekali",
        "ข้าวมันไก่อร่อยมาก",  # Thai
        "x" * 11 + "Q9!",
    ],
)
def test_strong_passphrases_in_any_script_are_accepted(password: str) -> None:
    assert reasons(password, email=EMAIL, full_name="Linh Nguyen") == []


def test_length_is_twelve_to_128_characters() -> None:
    assert reasons("Sh0rt-Pass!") == ["it must be at least 12 characters long"]
    assert reasons("v" * 40 + "W" * 40 + "x" * 49) == ["it must be at most 128 characters long"]


@pytest.mark.parametrize(
    "password",
    [
        "password1234",
        "P@ssw0rd2024!",
        "qwertyuiop12",
        "adminadmin2024",
        "Welcome12345!",
        "!!Letmein2025!!",
        "matkhau123456",
    ],
)
def test_breached_passwords_and_light_disguises_are_refused(password: str) -> None:
    assert reasons(password) == ["it is a commonly used password (found in breach lists)"]


@pytest.mark.parametrize(
    "password", ["aaaaaaaaaaaaaa", "abcdefghijklmn", "123456789012", "abcabcabcabc", "mnbvcxzmnbvcxz"]
)
def test_sequences_and_repetitions_are_refused(password: str) -> None:
    assert reasons(password)


def test_a_password_containing_the_account_name_is_refused() -> None:
    assert "it must not contain your name or email address" in reasons("Nguyen-Rocks-2026", email=EMAIL)
    assert "it must not contain your name or email address" in reasons("best-linh.nguyen-ever", email=EMAIL)


def test_text_that_is_not_valid_utf8_is_refused_not_crashed_on() -> None:
    lone_surrogate = "Valid-Looking-\ud800-Pass"
    assert reasons(lone_surrogate) == ["it is not valid UTF-8 text"]
    with pytest.raises(ValueError, match="UTF-8"):
        passwords.hash_password(lone_surrogate, rounds=4)
    assert passwords.verify_password(lone_surrogate, passwords.hash_password("anything-else-12", rounds=4)) is False


def test_passwords_sharing_their_first_72_bytes_are_still_different() -> None:
    # Plain bcrypt reads only 72 bytes: these two would be the same password. Pre-hashing keeps all of it.
    prefix = "s" * 72
    stored = passwords.hash_password(prefix + "-first-ending", rounds=4)
    assert passwords.verify_password(prefix + "-first-ending", stored)
    assert not passwords.verify_password(prefix + "-other-ending", stored)
    assert not passwords.verify_password(prefix, stored)


def test_a_multibyte_password_beyond_72_bytes_round_trips() -> None:
    password = "Mật khẩu rất dài của tôi có nhiều ký tự tiếng Việt và dấu"
    assert len(password.encode()) > 72
    stored = passwords.hash_password(password, rounds=4)
    assert passwords.verify_password(password, stored)
    assert not passwords.verify_password(password[:-1], stored)


def test_hashes_are_bcrypt_cost_12_by_default_with_a_scheme_prefix() -> None:
    stored = passwords.hash_password("Tropical-Mango-Lagoon-42")
    assert stored.startswith("bcrypt-sha256$$2b$12$")
    assert not passwords.needs_rehash(stored, rounds=12)
    assert passwords.needs_rehash(stored, rounds=13)


@pytest.mark.parametrize(
    "stored", ["", "!unusable", "bcrypt-sha256$garbage", "$2b$04$abcdefghijklmnopqrstuv", "bcrypt-sha256$é"]
)
def test_verification_never_raises_on_malformed_stored_values(stored: str) -> None:
    assert passwords.verify_password("Tropical-Mango-Lagoon-42", stored) is False
