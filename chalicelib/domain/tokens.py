"""Access tokens (JWT, HS256), the signing keyring, and opaque random tokens.

Access tokens are short-lived JWTs carrying only identifiers: ``sub`` (user id), ``sid`` (the
session, i.e. refresh-token family), ``jti``, ``iat``/``nbf``/``exp``, ``iss`` and ``aud``; the
header names the key (``kid``) and the type (``at+jwt``, RFC 9068). What the user may do is
loaded fresh for every request, so a role edit, a disabled account or a revoked session apply at
once.

Verification is strict: the algorithm must be in :data:`ALLOWED_ALGORITHMS` (so ``none``, other
HMAC sizes and any asymmetric algorithm are refused before a key is even chosen), the ``kid``
must name a key of the keyring, and ``exp``, ``iat``, ``nbf``, ``iss`` and ``aud`` must all be
present and valid.

Rotation: the keyring holds several keys, one ``current``. New tokens are signed with the
current key; tokens signed with an older key verify until they expire (15 minutes), after which
the old key can be dropped.

Refresh tokens, reset tokens and CSRF tokens are opaque random strings (256 bits); only their
SHA-256 is stored, which is enough for values this random.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt

from chalicelib.domain.errors import AuthenticationFailed

ISSUER = "ptx-cm"
AUDIENCE = "ptx-cm-api"
ALGORITHM = "HS256"
ALLOWED_ALGORITHMS = (ALGORITHM,)
TOKEN_TYPE = "at+jwt"  # noqa: S105 - the JWT "typ" of access tokens (RFC 9068)
MIN_KEY_BYTES = 32
CLOCK_SKEW_SECONDS = 5
REQUIRED_CLAIMS = ("sub", "sid", "jti", "iat", "nbf", "exp", "iss", "aud")
_KID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class KeyringError(ValueError):
    """The signing-key configuration is unusable (the message never contains key material)."""


@dataclass(frozen=True)
class SigningKeyring:
    current_kid: str
    keys: Mapping[str, bytes]

    @property
    def current_key(self) -> bytes:
        return self.keys[self.current_kid]

    def __repr__(self) -> str:  # never print key material
        return f"SigningKeyring(current_kid={self.current_kid!r}, kids={sorted(self.keys)!r})"


def parse_keyring(text: str) -> SigningKeyring:
    """Read ``{"current": kid, "keys": {kid: secret, ...}}``.

    Also accepted: the keys at the top level beside ``current`` (``{"current": "k1", "k1": "..."}``),
    the shape CloudFormation's ``GenerateSecretString`` produces for the deployed secret.
    """
    try:
        document = json.loads(text)
    except ValueError:
        raise KeyringError("the signing-key secret is not JSON") from None
    if not isinstance(document, dict) or not isinstance(document.get("current"), str):
        raise KeyringError('the signing-key secret needs a "current" key id')
    raw_keys = document.get("keys")
    if raw_keys is None:
        raw_keys = {kid: value for kid, value in document.items() if kid != "current"}
    if not isinstance(raw_keys, dict) or not raw_keys:
        raise KeyringError('the signing-key secret needs "keys": {kid: secret}')
    keys: dict[str, bytes] = {}
    for kid, value in raw_keys.items():
        if not isinstance(kid, str) or not _KID.match(kid):
            raise KeyringError("a signing key id must be 1-64 characters of A-Z a-z 0-9 . _ -")
        if not isinstance(value, str) or len(value.encode("utf-8")) < MIN_KEY_BYTES:
            raise KeyringError(f"signing key {kid!r} must be a string of at least {MIN_KEY_BYTES} bytes")
        keys[kid] = value.encode("utf-8")
    current = document["current"]
    if current not in keys:
        raise KeyringError(f"the current key id {current!r} is not among the keys")
    return SigningKeyring(current_kid=current, keys=keys)


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    session_id: str
    token_id: str
    issued_at: int
    expires_at: int


class InvalidToken(AuthenticationFailed):
    code = "invalid_token"


class ExpiredToken(InvalidToken):
    code = "token_expired"


def issue_access_token(keyring: SigningKeyring, *, user_id: int, session_id: str, now: int, ttl_seconds: int) -> str:
    claims = {
        "sub": str(user_id),
        "sid": session_id,
        "jti": uuid.uuid4().hex,
        "iat": now,
        "nbf": now,
        "exp": now + ttl_seconds,
        "iss": ISSUER,
        "aud": AUDIENCE,
    }
    headers = {"kid": keyring.current_kid, "typ": TOKEN_TYPE}
    return jwt.encode(claims, keyring.current_key, algorithm=ALGORITHM, headers=headers)


def read_access_token(token: str, keyring: SigningKeyring, *, allow_expired: bool = False) -> AccessClaims:
    """The claims of a valid access token; InvalidToken (401) for anything else.

    ``allow_expired`` (logout only) accepts a token past its ``exp`` whose signature and other
    claims are valid: ending a session must not need a fresh token.
    """
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError:
        raise InvalidToken("The access token is malformed.") from None
    if header.get("alg") not in ALLOWED_ALGORITHMS:
        raise InvalidToken("The access token uses an algorithm this API does not accept.")
    if header.get("typ") != TOKEN_TYPE:
        raise InvalidToken("The token is not an access token.")
    kid = header.get("kid")
    if not isinstance(kid, str) or kid not in keyring.keys:
        raise InvalidToken("The access token was signed with an unknown key.")
    try:
        payload: dict[str, Any] = jwt.decode(
            token,
            keyring.keys[kid],
            algorithms=list(ALLOWED_ALGORITHMS),
            audience=AUDIENCE,
            issuer=ISSUER,
            leeway=CLOCK_SKEW_SECONDS,
            options={"require": list(REQUIRED_CLAIMS), "strict_aud": True, "verify_exp": not allow_expired},
        )
    except jwt.ExpiredSignatureError:
        raise ExpiredToken("The access token has expired; refresh it.") from None
    except jwt.InvalidTokenError:
        raise InvalidToken("The access token is invalid.") from None
    subject, session_id, token_id = payload["sub"], payload["sid"], payload["jti"]
    if not (isinstance(subject, str) and subject.isdigit() and isinstance(session_id, str)):
        raise InvalidToken("The access token is invalid.")
    return AccessClaims(
        user_id=int(subject),
        session_id=session_id,
        token_id=str(token_id),
        issued_at=int(payload["iat"]),
        expires_at=int(payload["exp"]),
    )


def unverified_key_id(token: str) -> str | None:
    """The ``kid`` a token claims, before any verification (only to pick or refresh keys)."""
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except jwt.InvalidTokenError:
        return None
    return kid if isinstance(kid, str) else None


def new_opaque_token() -> str:
    """256 random bits, URL-safe (refresh, password-reset and CSRF tokens)."""
    return secrets.token_urlsafe(32)


def hash_opaque_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", errors="surrogatepass")).hexdigest()
