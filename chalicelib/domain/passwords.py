"""Password policy and hashing (bcrypt, cost 12 by default).

bcrypt reads at most 72 bytes of its input (bcrypt 5 refuses longer input; older versions
silently truncated, so two long passwords sharing a prefix were equal). We handle the limit
explicitly by never giving bcrypt the password itself: the password's UTF-8 bytes go through
HMAC-SHA256 (a fixed, app-specific key for domain separation) and the base64 digest, 44 ASCII
bytes with no NUL, is what bcrypt hashes. Every character of a password up to
:data:`MAX_LENGTH` counts, and multi-byte scripts (Vietnamese, Thai, ...) are not penalised.

Stored form: ``bcrypt-sha256$<bcrypt hash>``; the prefix names the scheme so it can change later.

The policy (ASVS 5.0 chapter 6): at least :data:`MIN_LENGTH` characters, at most
:data:`MAX_LENGTH`; any Unicode text that is valid UTF-8; no composition rules; refused when it
is (a light disguise of) a commonly breached password, a trivial sequence or repetition, or
contains the account's own email name.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
from dataclasses import dataclass
from enum import StrEnum

import bcrypt

MIN_LENGTH = 12
MAX_LENGTH = 128
DEFAULT_ROUNDS = 12
SCHEME_PREFIX = "bcrypt-sha256$"
_PREHASH_KEY = b"ptx-cm/password/v1"

# Passwords that top every breach corpus, as base words (after undoing leetspeak, lowercasing and
# stripping digits/punctuation around them). Includes the product's own vocabulary and the word
# "password" in the languages of the countries we serve (vi: mat khau, id: kata sandi, ms: kata
# laluan). A full breached-password corpus check (k-anonymity API) would need network access
# from Lambda; this list catches what attackers try first.
COMMON_BASE_WORDS = frozenset(
    {
        "password", "passwort", "pass", "passw", "passwd", "pwd", "qwerty", "qwertz", "azerty", "asdf",
        "asdfgh", "asdfghjkl", "zxcvbn", "zxcvbnm", "qwertyuiop", "qazwsx", "qweasd", "abc", "abcd", "abcdef",
        "letmein", "welcome", "admin", "administrator", "root", "login", "user", "guest", "default", "test",
        "tester", "changeme", "secret", "master", "iloveyou", "loveyou", "monkey", "dragon", "football",
        "baseball", "soccer", "sunshine", "princess", "shadow", "superman", "batman", "trustno", "whatever",
        "hello", "freedom", "computer", "internet", "starwars", "pokemon", "michael", "jennifer", "jessica",
        "charlie", "thomas", "ashley", "daniel", "samsung", "google", "apple", "facebook", "killer", "ninja",
        "mustang", "access", "flower", "summer", "winter", "spring", "autumn", "hotel", "booking", "bookings",
        "reservation", "reservations", "ptx", "ptxcm", "channel", "channelmanager", "manager", "agoda",
        "traveloka", "expedia", "vietnam", "indonesia", "malaysia", "hanoi", "saigon", "jakarta", "bali",
        "matkhau", "katasandi", "katalaluan", "motdenchin", "anhyeuem", "saranghae", "doraemon",
    }
)  # fmt: skip

_LEET = str.maketrans({"0": "o", "1": "i", "!": "i", "3": "e", "4": "a", "@": "a", "5": "s", "$": "s", "7": "t"})
_SEQUENCES = ("abcdefghijklmnopqrstuvwxyz", "0123456789", "qwertyuiop", "asdfghjkl", "zxcvbnm", "1qaz2wsx3edc")


class LinkPurpose(StrEnum):
    """Why a single-use password link was sent."""

    RESET = "reset"  # after forgot-password
    INVITE = "invite"  # a new account sets its first password


@dataclass(frozen=True)
class PolicyViolation:
    reason: str


def password_bytes(password: str) -> bytes:
    """UTF-8 bytes of ``password``; a ValueError for text that is not valid Unicode (lone surrogates)."""
    try:
        return password.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("the password is not valid UTF-8 text") from None


def check_policy(password: str, *, email: str | None = None, full_name: str | None = None) -> list[PolicyViolation]:
    """Everything wrong with ``password`` as a new password (empty when it is acceptable)."""
    problems: list[PolicyViolation] = []
    try:
        password_bytes(password)
    except ValueError:
        return [PolicyViolation("it is not valid UTF-8 text")]
    length = len(password)
    if length < MIN_LENGTH:
        problems.append(PolicyViolation(f"it must be at least {MIN_LENGTH} characters long"))
    if length > MAX_LENGTH:
        problems.append(PolicyViolation(f"it must be at most {MAX_LENGTH} characters long"))
        return problems
    if not password.strip():
        problems.append(PolicyViolation("it must not be only spaces"))
        return problems
    lowered = password.lower()
    if _is_common(lowered):
        problems.append(PolicyViolation("it is a commonly used password (found in breach lists)"))
    elif _is_trivial(lowered):
        problems.append(PolicyViolation("it is a repetition or a keyboard/alphabet sequence"))
    for part in _personal_parts(email, full_name):
        if part in lowered:
            problems.append(PolicyViolation("it must not contain your name or email address"))
            break
    return problems


def _is_common(lowered: str) -> bool:
    # "P@ssw0rd2024!" -> core "p@ssw0rd" -> "password": strip digits and symbols around the word,
    # then undo leetspeak (done in that order, or the year would turn into letters too).
    core = re.sub(r"^[\d\W_]+|[\d\W_]+$", "", lowered)
    candidates = {lowered, core, lowered.translate(_LEET), core.translate(_LEET)}
    candidates |= {re.sub(r"[^a-z]", "", candidate) for candidate in candidates}
    for word in candidates:
        if word in COMMON_BASE_WORDS:
            return True
        # "passwordpassword", "adminadmin2024"
        for base in COMMON_BASE_WORDS:
            if len(base) >= 4 and word and word.replace(base, "") == "":
                return True
    return False


def _is_trivial(lowered: str) -> bool:
    if len(set(lowered)) <= 3:
        return True
    compact = re.sub(r"\s+", "", lowered)
    for sequence in _SEQUENCES:
        for text in (sequence, sequence[::-1]):
            if compact and compact in (text * (len(compact) // len(text) + 2)):
                return True
    # A short unit repeated: "abcabcabcabc", "Ab1!Ab1!Ab1!"
    for size in range(1, len(compact) // 2 + 1):
        unit = compact[:size]
        if len(compact) % size == 0 and unit * (len(compact) // size) == compact:
            return True
    return False


def _personal_parts(email: str | None, full_name: str | None) -> list[str]:
    parts: list[str] = []
    if email and "@" in email:
        local = email.split("@", 1)[0].lower()
        parts.extend(p for p in re.split(r"[._+\-]", local) if len(p) >= 4)
        if len(local) >= 4:
            parts.append(local)
    if full_name:
        parts.extend(p for p in re.split(r"\s+", full_name.lower()) if len(p) >= 4)
    return parts


def _prehash(password: str) -> bytes:
    digest = hmac.new(_PREHASH_KEY, password_bytes(password), hashlib.sha256).digest()
    return base64.b64encode(digest)


def hash_password(password: str, *, rounds: int = DEFAULT_ROUNDS) -> str:
    """The stored form of ``password`` (ValueError when it is not valid UTF-8)."""
    hashed = bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds))
    return SCHEME_PREFIX + hashed.decode("ascii")


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored``; False (never an exception) for any malformed input."""
    if not stored.startswith(SCHEME_PREFIX):
        return False
    try:
        return bcrypt.checkpw(_prehash(password), stored[len(SCHEME_PREFIX) :].encode("ascii"))
    except ValueError:
        return False


def needs_rehash(stored: str, *, rounds: int = DEFAULT_ROUNDS) -> bool:
    """True when ``stored`` was made with another scheme or cost (rehash after a successful login)."""
    match = re.match(re.escape(SCHEME_PREFIX) + r"\$2[aby]\$(\d\d)\$", stored)
    return match is None or int(match.group(1)) != rounds


@functools.lru_cache(maxsize=4)
def dummy_hash(rounds: int) -> str:
    """A hash to verify against when the account does not exist, so timing does not tell."""
    return hash_password("not-a-real-password-for-timing-only", rounds=rounds)


def unusable_hash() -> str:
    """A stored value no password matches (accounts that must set theirs through a link)."""
    return "!unusable"
