"""Encrypting small secrets at rest (TOTP seeds) with AES-256-GCM.

The key is derived with HKDF-SHA256 from an application secret (a key of the JWT signing
keyring, see ``chalicelib.aws.signing_keys``) and a purpose label, so the same master secret
never serves two purposes directly. The associated data binds a ciphertext to its row (e.g. the
user id): a sealed value copied onto another row does not open.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12


class SealError(ValueError):
    """A sealed value does not open with this key and associated data."""


def derive_key(master_secret: bytes, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"ptx-cm/{purpose}".encode()).derive(
        master_secret
    )


def seal(plaintext: bytes, key: bytes, associated_data: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, associated_data)


def unseal(sealed: bytes, key: bytes, associated_data: bytes) -> bytes:
    if len(sealed) <= NONCE_BYTES:
        raise SealError("sealed value is too short")
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], associated_data)
    except InvalidTag:
        raise SealError("sealed value does not open with this key") from None
