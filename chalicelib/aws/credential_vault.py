"""OTA account credentials under envelope encryption (KMS + AES-256-GCM).

Encrypting: KMS ``GenerateDataKey`` (AES_256) on the OTA credentials key, with the encryption
context ``{"ota_account_id": "<id>", "purpose": "ota-credentials"}``; the credentials (a JSON
object of strings) are sealed with AES-256-GCM under that data key, the account id as associated
data. Only the *encrypted* data key, the nonce, the ciphertext and the KMS key id are kept (an
:class:`EncryptedCredentials`, which the database layer persists).

Decrypting needs KMS to unwrap the data key *with the same encryption context*, and GCM to verify
the same associated data: an envelope copied onto another account fails twice over. Decryption
happens only inside an adapter call, through :meth:`CredentialVault.credentials_provider`; the
plaintext credentials are never logged, never cached beyond that call, never printed
(``OtaCredentials`` masks itself: ``username=ab***``).

A vault given a :class:`DataKeyCache` (the sync worker's, for the container's life) keeps the
*data keys* KMS unwrapped, bounded and keyed by (KMS key id, wrapped data key, account): an
empty poll then costs no KMS call. The cache lives in the process's memory only, as the data key
does during any decryption; a rotated or re-wrapped envelope is a new entry.

Rotation: :meth:`CredentialVault.rewrap` re-encrypts the data key under a new KMS key with
``ReEncrypt`` (the plaintext data key never leaves KMS); nonce and ciphertext stay as they are,
and the old envelope keeps working until the new one replaces it, so rotation needs no downtime.
"""

from __future__ import annotations

import dataclasses
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from chalicelib.aws import clients
from chalicelib.aws.resources import OTA_CREDENTIALS_KEY_ALIAS
from chalicelib.domain.ota_credentials import (
    CredentialsUnavailable,
    OtaCredentials,
    mask_credentials,
)
from chalicelib.observability import logger

PURPOSE = "ota-credentials"
NONCE_BYTES = 12  # the GCM standard nonce size; a fresh random one per encryption

__all__ = [
    "PURPOSE",
    "CredentialVault",
    "CredentialsUnavailable",
    "DataKeyCache",
    "EncryptedCredentials",
    "encryption_context",
    "mask_credentials",
]


def encryption_context(ota_account_id: int | str) -> dict[str, str]:
    """The KMS encryption context that binds a data key to one OTA account."""
    return {"ota_account_id": str(ota_account_id), "purpose": PURPOSE}


def _associated_data(ota_account_id: int | str) -> bytes:
    return str(ota_account_id).encode("utf-8")


@dataclass(frozen=True, slots=True)
class EncryptedCredentials:
    """What the database stores for an account's credentials. Nothing here is secret on its own."""

    key_id: str  # ARN of the KMS key that wrapped the data key
    encrypted_data_key: bytes
    nonce: bytes
    ciphertext: bytes  # AES-256-GCM output: sealed JSON + 16-byte tag

    def __repr__(self) -> str:
        return (
            f"EncryptedCredentials(key_id={self.key_id!r}, encrypted_data_key=<{len(self.encrypted_data_key)} bytes>, "
            f"nonce=<{len(self.nonce)} bytes>, ciphertext=<{len(self.ciphertext)} bytes>)"
        )


class _CredentialsProvider:
    """Decrypts on every call and keeps nothing; prints as a reference to the account only."""

    __slots__ = ("_envelope", "_ota_account_id", "_vault")

    def __init__(self, vault: CredentialVault, ota_account_id: int | str, envelope: EncryptedCredentials) -> None:
        self._vault = vault
        self._ota_account_id = ota_account_id
        self._envelope = envelope

    def __call__(self) -> OtaCredentials:
        return self._vault.decrypt(self._ota_account_id, self._envelope)

    def __repr__(self) -> str:
        return f"CredentialsProvider(ota_account_id={self._ota_account_id!r})"


_DataKeyId = tuple[str, bytes, str]  # KMS key id, wrapped data key, account (the encryption context)


class DataKeyCache:
    """Unwrapped data keys, least recently used dropped beyond ``max_entries``; thread-safe."""

    def __init__(self, max_entries: int = 256) -> None:
        self.max_entries = max_entries
        self._keys: OrderedDict[_DataKeyId, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: _DataKeyId) -> bytes | None:
        with self._lock:
            found = self._keys.get(key)
            if found is not None:
                self._keys.move_to_end(key)
            return found

    def put(self, key: _DataKeyId, data_key: bytes) -> None:
        with self._lock:
            self._keys[key] = data_key
            self._keys.move_to_end(key)
            while len(self._keys) > self.max_entries:
                self._keys.popitem(last=False)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"DataKeyCache({len(self)} of {self.max_entries})"


class CredentialVault:
    """Envelope encryption of OTA credentials with the app's KMS key (``OTA_CREDENTIALS_KEY_ALIAS``)."""

    def __init__(
        self,
        kms: Any | None = None,
        *,
        key_id: str = OTA_CREDENTIALS_KEY_ALIAS,
        data_keys: DataKeyCache | None = None,
    ) -> None:
        self._kms = kms
        self.key_id = key_id
        self._data_keys = data_keys

    def _client(self) -> Any:
        # Resolved per use, not at construction: no client is built at import or wiring time.
        return self._kms if self._kms is not None else clients.kms()

    def encrypt(self, ota_account_id: int | str, credentials: Mapping[str, str]) -> EncryptedCredentials:
        """Seal ``credentials`` for this account under a fresh data key."""
        values = dict(OtaCredentials(credentials))  # validates: string names and values only
        try:
            response = self._client().generate_data_key(
                KeyId=self.key_id, KeySpec="AES_256", EncryptionContext=encryption_context(ota_account_id)
            )
        except (ClientError, BotoCoreError) as exc:
            raise CredentialsUnavailable(
                f"cannot encrypt the credentials of OTA account {ota_account_id}: KMS refused ({_aws_code(exc)})"
            ) from None
        data_key: bytes = response["Plaintext"]
        nonce = os.urandom(NONCE_BYTES)
        plaintext = json.dumps(values, sort_keys=True, separators=(",", ":")).encode("utf-8")
        ciphertext = AESGCM(data_key).encrypt(nonce, plaintext, _associated_data(ota_account_id))
        del data_key, plaintext, values
        envelope = EncryptedCredentials(
            key_id=str(response["KeyId"]),
            encrypted_data_key=bytes(response["CiphertextBlob"]),
            nonce=nonce,
            ciphertext=ciphertext,
        )
        logger.info(
            "ota credentials encrypted",
            extra={"ota_account_id": str(ota_account_id), "kms_key_id": envelope.key_id, "fields": sorted(credentials)},
        )
        return envelope

    def decrypt(self, ota_account_id: int | str, envelope: EncryptedCredentials) -> OtaCredentials:
        """Open the envelope for this account; any mismatch raises CredentialsUnavailable in words."""
        data_key = self._data_key(ota_account_id, envelope)
        try:
            plaintext = AESGCM(data_key).decrypt(envelope.nonce, envelope.ciphertext, _associated_data(ota_account_id))
        except InvalidTag:
            raise CredentialsUnavailable(
                f"the stored credentials of OTA account {ota_account_id} failed their integrity check"
            ) from None
        finally:
            del data_key
        try:
            values = json.loads(plaintext)
        except ValueError:
            raise CredentialsUnavailable(
                f"the stored credentials of OTA account {ota_account_id} are unreadable"
            ) from None
        finally:
            del plaintext
        if not isinstance(values, dict):
            raise CredentialsUnavailable(f"the stored credentials of OTA account {ota_account_id} are unreadable")
        return OtaCredentials(values)

    def _data_key(self, ota_account_id: int | str, envelope: EncryptedCredentials) -> bytes:
        """The envelope's data key, unwrapped by KMS (or from the cache, when the vault has one)."""
        cache_key = (envelope.key_id, envelope.encrypted_data_key, str(ota_account_id))
        cached = self._data_keys.get(cache_key) if self._data_keys is not None else None
        if cached is not None:
            return cached
        context = encryption_context(ota_account_id)
        try:
            response = self._client().decrypt(
                CiphertextBlob=envelope.encrypted_data_key, EncryptionContext=context, KeyId=envelope.key_id
            )
        except (ClientError, BotoCoreError) as exc:
            code = _aws_code(exc)
            logger.warning(
                "ota credentials could not be decrypted",
                extra={"ota_account_id": str(ota_account_id), "kms_error": code},
            )
            if code == "InvalidCiphertextException":
                raise CredentialsUnavailable(
                    f"the stored credentials do not belong to OTA account {ota_account_id} (KMS refused the data key)"
                ) from None
            raise CredentialsUnavailable(
                f"cannot decrypt the credentials of OTA account {ota_account_id}: KMS refused ({code})"
            ) from None
        data_key: bytes = response["Plaintext"]
        if self._data_keys is not None:
            self._data_keys.put(cache_key, data_key)
        return data_key

    def rewrap(
        self, ota_account_id: int | str, envelope: EncryptedCredentials, new_key_id: str
    ) -> EncryptedCredentials:
        """The same envelope with its data key re-encrypted under ``new_key_id`` (KMS ReEncrypt).

        Key rotation, one account at a time: store the result in place of the old envelope. The
        old one stays valid until then (no downtime); the plaintext never leaves KMS.
        """
        context = encryption_context(ota_account_id)
        try:
            response = self._client().re_encrypt(
                CiphertextBlob=envelope.encrypted_data_key,
                SourceEncryptionContext=context,
                SourceKeyId=envelope.key_id,
                DestinationKeyId=new_key_id,
                DestinationEncryptionContext=context,
            )
        except (ClientError, BotoCoreError) as exc:
            raise CredentialsUnavailable(
                f"cannot re-encrypt the credentials of OTA account {ota_account_id} under {new_key_id}: "
                f"KMS refused ({_aws_code(exc)})"
            ) from None
        rewrapped = dataclasses.replace(
            envelope, key_id=str(response["KeyId"]), encrypted_data_key=bytes(response["CiphertextBlob"])
        )
        logger.info(
            "ota credentials re-wrapped",
            extra={
                "ota_account_id": str(ota_account_id),
                "from_key_id": envelope.key_id,
                "to_key_id": rewrapped.key_id,
            },
        )
        return rewrapped

    def key_arn(self, key_id: str) -> str:
        """The ARN of a KMS key given by id, ARN or alias; CredentialsUnavailable unless it can
        encrypt (exists and is enabled). Rotation compares stored key ids with it."""
        try:
            metadata = self._client().describe_key(KeyId=key_id)["KeyMetadata"]
        except (ClientError, BotoCoreError) as exc:
            raise CredentialsUnavailable(f"KMS key {key_id!r} cannot be used: {_aws_code(exc)}") from None
        if metadata.get("KeyState") != "Enabled":
            raise CredentialsUnavailable(f"KMS key {key_id!r} is {metadata.get('KeyState', 'not usable')}")
        return str(metadata["Arn"])

    def credentials_provider(
        self, ota_account_id: int | str, envelope: EncryptedCredentials
    ) -> Callable[[], OtaCredentials]:
        """What an adapter gets: decrypts when called (inside the adapter call), keeps nothing."""
        return _CredentialsProvider(self, ota_account_id, envelope)


def _aws_code(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "error"))
    return type(exc).__name__
