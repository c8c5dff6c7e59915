"""The credential vault against KMS (moto server, which enforces encryption contexts)."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest

from chalicelib.aws import clients
from chalicelib.aws.credential_vault import (
    CredentialsUnavailable,
    CredentialVault,
    EncryptedCredentials,
    encryption_context,
    mask_credentials,
)
from chalicelib.aws.resources import OTA_CREDENTIALS_KEY_ALIAS
from chalicelib.domain.ari import AriUpdate
from chalicelib.domain.ota_reservation import Acknowledgement
from chalicelib.ota.base import AdapterOptions
from chalicelib.ota.budget import Unlimited
from chalicelib.ota.factory import build_adapter
from tests.integration.ota.conftest import OtaHarness
from tests.support.app_logs import captured_app_logs

SECRETS = {"username": "ptx-machine", "password": "machine-pass-1"}


class CountingKms:
    """The real KMS client, counting the calls that touch plaintext keys."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.decrypts = 0

    def decrypt(self, **kwargs: Any) -> Any:
        self.decrypts += 1
        return self.client.decrypt(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


@pytest.fixture
def vault(aws: object) -> CredentialVault:
    return CredentialVault()


def test_credentials_round_trip_and_only_ciphertext_is_stored(vault: CredentialVault) -> None:
    envelope = vault.encrypt(41, SECRETS)
    stored = b"".join([envelope.key_id.encode(), envelope.encrypted_data_key, envelope.nonce, envelope.ciphertext])
    assert b"machine-pass-1" not in stored and b"ptx-machine" not in stored
    assert len(envelope.nonce) == 12
    key_arn = clients.kms().describe_key(KeyId=OTA_CREDENTIALS_KEY_ALIAS)["KeyMetadata"]["Arn"]
    assert envelope.key_id == key_arn
    assert dict(vault.decrypt(41, envelope)) == SECRETS


def test_each_encryption_uses_a_fresh_data_key_and_nonce(vault: CredentialVault) -> None:
    first, second = vault.encrypt(41, SECRETS), vault.encrypt(41, SECRETS)
    assert first.nonce != second.nonce and first.encrypted_data_key != second.encrypted_data_key
    assert first.ciphertext != second.ciphertext


def test_an_envelope_moved_to_another_account_fails_to_decrypt(vault: CredentialVault) -> None:
    envelope = vault.encrypt(41, SECRETS)
    with pytest.raises(CredentialsUnavailable) as refused:
        vault.decrypt(42, envelope)
    assert "do not belong to OTA account 42" in str(refused.value)
    assert "machine-pass-1" not in str(refused.value)


def test_ciphertext_swapped_between_two_accounts_fails_the_integrity_check(vault: CredentialVault) -> None:
    # Even with a data key KMS will release for account 42, account 41's sealed data stays shut:
    # the account id is GCM associated data.
    mine = vault.encrypt(41, SECRETS)
    theirs = vault.encrypt(42, {"username": "other", "password": "other-pass-2"})
    spliced = dataclasses.replace(theirs, nonce=mine.nonce, ciphertext=mine.ciphertext)
    with pytest.raises(CredentialsUnavailable, match="integrity check"):
        vault.decrypt(42, spliced)


def test_tampered_ciphertext_is_refused(vault: CredentialVault) -> None:
    envelope = vault.encrypt(41, SECRETS)
    flipped = bytes([envelope.ciphertext[0] ^ 1]) + envelope.ciphertext[1:]
    with pytest.raises(CredentialsUnavailable, match="integrity check"):
        vault.decrypt(41, dataclasses.replace(envelope, ciphertext=flipped))


def test_rotation_rewraps_the_data_key_under_the_new_key_without_downtime(vault: CredentialVault) -> None:
    kms = clients.kms()
    new_key = kms.create_key(Description="rotated OTA credentials key")["KeyMetadata"]
    old = vault.encrypt(41, SECRETS)

    rotated = vault.rewrap(41, old, new_key["KeyId"])

    assert rotated.key_id == new_key["Arn"] and rotated.key_id != old.key_id
    assert (rotated.nonce, rotated.ciphertext) == (old.nonce, old.ciphertext)
    assert rotated.encrypted_data_key != old.encrypted_data_key
    assert dict(vault.decrypt(41, rotated)) == SECRETS
    assert dict(vault.decrypt(41, old)) == SECRETS, "the old envelope works until it is replaced"
    with pytest.raises(CredentialsUnavailable):
        vault.rewrap(42, old, new_key["KeyId"])  # the context still binds the account


def test_kms_refuses_the_data_key_without_the_accounts_encryption_context(vault: CredentialVault) -> None:
    envelope = vault.encrypt(41, SECRETS)
    with pytest.raises(Exception, match="InvalidCiphertext"):
        clients.kms().decrypt(
            CiphertextBlob=envelope.encrypted_data_key, EncryptionContext={"purpose": "ota-credentials"}
        )
    assert clients.kms().decrypt(CiphertextBlob=envelope.encrypted_data_key, EncryptionContext=encryption_context(41))[
        "Plaintext"
    ]


def test_printed_forms_and_vault_logs_show_masks_only(vault: CredentialVault) -> None:
    with captured_app_logs() as logs:
        envelope = vault.encrypt(41, SECRETS)
        provider = vault.credentials_provider(41, envelope)
        credentials = provider()
        vault.rewrap(41, envelope, OTA_CREDENTIALS_KEY_ALIAS)
        with pytest.raises(CredentialsUnavailable):
            vault.decrypt(99, envelope)
    assert "ota credentials encrypted" in logs() and '"ota_account_id":"41"' in logs()
    assert "machine-pass-1" not in logs() and "ptx-machine" not in logs()
    shown = " ".join([repr(envelope), str(envelope), repr(provider), repr(credentials), str(credentials)])
    assert "machine-pass-1" not in shown and "ptx-machine" not in shown
    assert "username=pt***" in shown and "password=***" in shown
    assert mask_credentials(SECRETS) == {"password": "***", "username": "pt***"}


def test_a_full_sync_decrypts_inside_each_call_and_logs_no_credential(aws: object, booking_com: OtaHarness) -> None:
    counting = CountingKms(clients.kms())
    vault = CredentialVault(counting)
    envelope: EncryptedCredentials = vault.encrypt(7, SECRETS)
    booking_com.book()
    with captured_app_logs() as logs:
        adapter = build_adapter(
            "booking_com",
            vault.credentials_provider(7, envelope),
            base_url=booking_com.simulator.url,
            options=AdapterOptions(budget=Unlimited()),
        )
        assert adapter.test_connection(booking_com.hotel_id).ok
        pulled = adapter.pull_reservations(booking_com.hotel_id)
        assert adapter.acknowledge(
            booking_com.hotel_id, [Acknowledgement.for_reservation(r) for r in pulled.reservations]
        ).ok
        assert adapter.push_ari(booking_com.hotel_id, [AriUpdate("DLX", date.today(), date.today(), availability=2)]).ok
        wrong = build_adapter(
            "booking_com",
            vault.credentials_provider(8, envelope),  # the envelope of account 7 used for account 8
            base_url=booking_com.simulator.url,
        )
        refused = wrong.pull_reservations(booking_com.hotel_id)
    assert counting.decrypts == 5, "one decryption per adapter call, nothing cached between calls"
    assert refused.error is not None and "do not belong to OTA account 8" in refused.error.message
    logged = logs()
    assert '"path":"/hotels/ota/OTA_HotelResNotif"' in logged, "the capture did see the sync"
    for secret in ("machine-pass-1", "ptx-machine", "cHR4LW1hY2hpbmU6bWFjaGluZS1wYXNzLTE="):  # incl. the Basic token
        assert secret not in logged
