"""Re-wrap every OTA account's credentials under another KMS key, one account per transaction.

For each account whose data key another key wraps: lock the row, ``ReEncrypt`` its data key
under the target key (the plaintext never leaves KMS; nonce and ciphertext stay as they are),
store the new wrapped key and key id with an audit row, commit. So it is:

- **idempotent** — an account already under the target key is skipped;
- **resumable** — an interrupted run leaves every account either old or new, both decryptable;
  running again finishes the rest;
- **without downtime** — the old envelope keeps working until its row is replaced, and readers
  always see one whole envelope (row lock, one transaction per account).

Point the key alias new encryptions use (``alias/ptx-cm-ota-credentials``) at the new key first,
so accounts created meanwhile already use it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from chalicelib.aws.credential_vault import CredentialsUnavailable, CredentialVault
from chalicelib.db.models import OtaAccount
from chalicelib.db.repositories import ota as ota_repository
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.services import ota_access
from chalicelib.services.audit_service import AuditActor, record_audit

ROTATION_ACTOR = AuditActor(user_id=None, email="cli:rotate_ota_credentials")


@dataclass
class RotationReport:
    target_key_arn: str
    rewrapped: list[int] = field(default_factory=list)
    already_current: int = 0
    failed: dict[int, str] = field(default_factory=dict)  # account id -> why, in words

    @property
    def ok(self) -> bool:
        return not self.failed


def rotate_all(
    to_key: str,
    *,
    vault: CredentialVault | None = None,
    progress: Callable[[int, str], None] | None = None,
) -> RotationReport:
    """Re-wrap every account not yet under ``to_key`` (key id, ARN or alias). An account that
    fails is reported and skipped; the others go on."""
    vault = vault or CredentialVault()
    target = vault.key_arn(to_key)
    report = RotationReport(target_key_arn=target)
    with unit_of_work() as uow:
        total = len(ota_repository.all_account_ids(uow.session))
        pending = ota_repository.all_account_ids(uow.session, not_under_key=target)
    report.already_current = total - len(pending)
    for account_id in pending:
        try:
            done = rewrap_account(account_id, target, vault=vault)
        except CredentialsUnavailable as exc:
            report.failed[account_id] = str(exc)
            if progress:
                progress(account_id, f"failed: {exc}")
            continue
        if done:
            report.rewrapped.append(account_id)
            if progress:
                progress(account_id, "re-wrapped")
        else:
            report.already_current += 1
    return report


def rewrap_account(account_id: int, target_key_arn: str, *, vault: CredentialVault) -> bool:
    """Re-wrap one account's data key under ``target_key_arn`` in its own transaction.

    Returns False when there was nothing to do (already under it, or the account is gone).
    """
    with unit_of_work() as uow:
        session = uow.session
        account = session.scalar(select(OtaAccount).where(OtaAccount.id == account_id).with_for_update())
        if account is None or account.credentials_key_id == target_key_arn:
            return False
        before = {"kms_key_id": account.credentials_key_id}
        envelope = vault.rewrap(account.id, ota_access.envelope_of(account), target_key_arn)
        ota_access.store_envelope(account, envelope)
        record_audit(
            session,
            ROTATION_ACTOR,
            "ota_account.credentials_rewrapped",
            "ota_account",
            account.id,
            before,
            {"kms_key_id": envelope.key_id},
            country_code=account.country_code,
        )
        return True
