"""Re-wrap every OTA account's credentials under a KMS key:
``python -m chalicelib.cli.rotate_ota_credentials --to-key alias/ptx-cm-ota-credentials``.

What ``make rotate-ota-keys [TO_KEY=...]`` runs, against ``DATABASE_URL`` and the AWS account (or
``AWS_ENDPOINT_URL``) of the environment. One account per transaction; safe to interrupt and run
again (accounts already under the key are skipped); the old key must stay enabled until it ends.
Prints account ids and key ids only, never credentials. Exit status 1 when an account failed.
"""

from __future__ import annotations

import argparse
import sys

from chalicelib.aws.credential_vault import CredentialsUnavailable
from chalicelib.aws.resources import OTA_CREDENTIALS_KEY_ALIAS
from chalicelib.services import ota_key_rotation


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Re-wrap every OTA account's credentials under a KMS key.")
    parser.add_argument(
        "--to-key",
        default=OTA_CREDENTIALS_KEY_ALIAS,
        help=f"key id, ARN or alias (default {OTA_CREDENTIALS_KEY_ALIAS}: re-point the alias first)",
    )
    args = parser.parse_args(argv)
    try:
        report = ota_key_rotation.rotate_all(
            args.to_key, progress=lambda account_id, what: print(f"account {account_id}: {what}", flush=True)
        )
    except CredentialsUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"target {report.target_key_arn}: re-wrapped {len(report.rewrapped)}, "
        f"already under it {report.already_current}, failed {len(report.failed)}"
    )
    for account_id, why in sorted(report.failed.items()):
        print(f"  account {account_id} failed: {why}", file=sys.stderr)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
