"""``python -m chalicelib.cli.rotate_ota_credentials``: every account re-wrapped under a new KMS key
(moto server, two and three keys), idempotent, resumable after a failure, and without downtime."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, text

from chalicelib.aws import clients
from chalicelib.aws.credential_vault import CredentialVault
from chalicelib.aws.resources import OTA_CREDENTIALS_KEY_ALIAS
from chalicelib.cli import rotate_ota_credentials
from chalicelib.db.models import OtaAccount
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.services import ota_access
from tests.integration.ota.conftest import OtaHarness
from tests.ota_factories import make_account

PROJECT_DIR = Path(__file__).resolve().parents[3]
CREDENTIALS = {
    "booking_com": {"username": "ptx-machine", "password": "machine-pass-1"},
    "expedia": {"username": "ptx-eqc", "password": "eqc-pass-1"},
    "agoda": {"api_key": "agoda-key-0123456789"},
}


def new_key() -> str:
    metadata = clients.kms().create_key(Description="rotation target", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]
    return str(metadata["Arn"])


def stored() -> dict[int, OtaAccount]:
    with unit_of_work() as uow:
        return {account.id: account for account in uow.session.scalars(select(OtaAccount))}


def decrypted(account: OtaAccount) -> dict[str, str]:
    return dict(CredentialVault().decrypt(account.id, ota_access.envelope_of(account)))


@pytest.fixture
def accounts(database_url: str, aws: object) -> dict[int, dict[str, str]]:
    made = {}
    for ota, credentials in CREDENTIALS.items():
        made[make_account("VN", ota=ota, credentials=credentials, base_url=None)] = credentials
    return made


def test_rotation_re_wraps_every_account_once_and_keeps_the_credentials(
    accounts: dict[int, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    old_key = clients.kms().describe_key(KeyId=OTA_CREDENTIALS_KEY_ALIAS)["KeyMetadata"]["Arn"]
    before = stored()
    target = new_key()
    # The documented order: new encryptions first (re-point the alias), then re-wrap the rest.
    clients.kms().update_alias(AliasName=OTA_CREDENTIALS_KEY_ALIAS, TargetKeyId=target)

    assert rotate_ota_credentials.main([]) == 0

    after = stored()
    assert {account.credentials_key_id for account in before.values()} == {old_key}
    assert {account.credentials_key_id for account in after.values()} == {target}
    for account_id, credentials in accounts.items():
        assert decrypted(after[account_id]) == credentials
        # Only the wrapped data key changed: nonce and ciphertext are the same bytes.
        assert after[account_id].credentials_ciphertext == before[account_id].credentials_ciphertext
        assert after[account_id].credentials_encrypted_data_key != before[account_id].credentials_encrypted_data_key
        # No downtime: an envelope read before the rotation still opens (the old key stays enabled).
        assert decrypted(before[account_id]) == credentials
    printed = capsys.readouterr().out
    assert f"re-wrapped {len(accounts)}, already under it 0, failed 0" in printed
    for credentials in accounts.values():
        assert all(value not in printed for value in credentials.values())
    with unit_of_work() as uow:
        audit = uow.session.execute(
            text("SELECT actor_email, before, after FROM audit_log WHERE action = 'ota_account.credentials_rewrapped'")
        ).all()
    assert len(audit) == len(accounts)
    assert {(row.actor_email, row.before["kms_key_id"], row.after["kms_key_id"]) for row in audit} == {
        ("cli:rotate_ota_credentials", old_key, target)
    }

    # Idempotent: nothing left to do.
    assert rotate_ota_credentials.main(["--to-key", target]) == 0
    assert f"re-wrapped 0, already under it {len(accounts)}, failed 0" in capsys.readouterr().out
    # And an account created now is already under the new key.
    fresh = make_account("VN", ota="agoda", credentials={"api_key": "agoda-key-new-1"}, base_url=None)
    assert stored()[fresh].credentials_key_id == target


def test_an_interrupted_rotation_resumes_where_it_failed(accounts: dict[int, dict[str, str]]) -> None:
    first, broken, last = sorted(accounts)
    with unit_of_work() as uow:
        good_data_key = uow.session.scalar(
            text("SELECT credentials_encrypted_data_key FROM ota_accounts WHERE id = :id"), {"id": broken}
        )
        uow.session.execute(
            text("UPDATE ota_accounts SET credentials_encrypted_data_key = :junk WHERE id = :id"),
            {"junk": b"not a wrapped key", "id": broken},
        )
    target = new_key()

    assert rotate_ota_credentials.main(["--to-key", target]) == 1
    assert {i: a.credentials_key_id == target for i, a in stored().items()} == {first: True, broken: False, last: True}

    with unit_of_work() as uow:
        uow.session.execute(
            text("UPDATE ota_accounts SET credentials_encrypted_data_key = :key WHERE id = :id"),
            {"key": good_data_key, "id": broken},
        )
    assert rotate_ota_credentials.main(["--to-key", target]) == 0
    after = stored()
    assert all(account.credentials_key_id == target for account in after.values())
    assert decrypted(after[broken]) == accounts[broken]


def test_adapters_keep_working_across_a_rotation(database_url: str, aws: object, agoda: OtaHarness) -> None:
    account = make_account("VN", ota="agoda", credentials=dict(agoda.case.credentials), base_url=agoda.simulator.url)
    assert rotate_ota_credentials.main(["--to-key", new_key()]) == 0
    endpoint = ota_access.AccountEndpoint.of(stored()[account])
    adapter = ota_access.build_account_adapter(endpoint)
    try:
        assert adapter.test_connection().ok
    finally:
        adapter.close()


def test_an_unusable_target_key_is_refused_before_anything_changes(
    accounts: dict[int, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    before = {i: a.credentials_key_id for i, a in stored().items()}
    assert rotate_ota_credentials.main(["--to-key", "alias/no-such-key"]) == 2
    assert "alias/no-such-key" in capsys.readouterr().err
    disabled = new_key()
    clients.kms().disable_key(KeyId=disabled.rsplit("/", 1)[-1])  # moto takes the bare id here
    assert rotate_ota_credentials.main(["--to-key", disabled]) == 2
    assert {i: a.credentials_key_id for i, a in stored().items()} == before


def test_the_command_runs_as_a_module(accounts: dict[int, dict[str, str]]) -> None:
    target = new_key()
    result = subprocess.run(
        [sys.executable, "-m", "chalicelib.cli.rotate_ota_credentials", "--to-key", target],
        cwd=PROJECT_DIR,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(f"re-wrapped {len(accounts)}, already under it 0, failed 0")
