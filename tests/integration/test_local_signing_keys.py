"""2FA survives a restart of `make run`, and a key rotation in AWS (issue 12, point 13).

A restart of the local stack is: moto forgets every secret, the process forgets its cached keyring,
PostgreSQL keeps the sealed TOTP secrets, and ``local.stack`` bootstraps AWS again with the keyring
file in its local data folder (``bootstrap(signing_keys_file=...)``, as local/stack.py calls it).
"""

from __future__ import annotations

import json
import stat
import time
import urllib.request
from pathlib import Path

from sqlalchemy import select, update

from chalicelib.aws import clients
from chalicelib.aws.resources import JWT_SIGNING_KEYS_SECRET_NAME
from chalicelib.aws.signing_keys import reset_signing_keys, signing_keyring
from chalicelib.db.models import UserTotp
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain import totp
from chalicelib.services import mfa_service
from local.aws_bootstrap import bootstrap
from tests.factories import Identity


def restart_aws(moto: object, keys_file: Path | None) -> None:
    """What stopping and starting `make run` does to AWS: moto starts empty, then the bootstrap."""
    reset = urllib.request.Request(f"{moto.endpoint_url}/moto-api/reset", method="POST")  # type: ignore[attr-defined]
    urllib.request.urlopen(reset, timeout=10).close()
    clients.reset_clients()
    reset_signing_keys()
    bootstrap(signing_keys_file=keys_file)


def test_the_same_authenticator_works_after_the_stack_restarts(identity: Identity, aws: object, tmp_path: Path) -> None:
    keys_file = tmp_path / ".local" / "jwt-signing-keys.json"
    restart_aws(aws, keys_file)
    admin = identity.user("Admin", None)  # enrolls TOTP through the API, sealed under the file's key
    assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600

    restart_aws(aws, keys_file)
    assert identity.login_response(admin).status_code == 200  # same password, same authenticator

    # Negative control: a stack that made a new random key at start (the old behaviour) locks them out.
    # A TOTP code, not a recovery code (hashed, never sealed): the step's replay guard is cleared
    # first so that the code is refused only because the secret no longer opens.
    restart_aws(aws, None)
    with unit_of_work() as uow:
        uow.session.execute(update(UserTotp).where(UserTotp.user_id == admin.id).values(last_used_step=None))
    assert admin.totp_secret is not None
    current_code = totp.code_at(admin.totp_secret, time.time())
    assert identity.login_response(admin, otp=current_code).status_code == 401


def test_after_a_rotation_the_hourly_reseal_lets_the_old_key_retire(identity: Identity, aws: object) -> None:
    admin, other = identity.user("Admin", None), identity.user("Admin", None)
    old = signing_keyring()
    rotated = {"current": "k-new", "keys": {old.current_kid: old.current_key.decode(), "k-new": "n" * 48}}
    clients.secrets_manager().put_secret_value(SecretId=JWT_SIGNING_KEYS_SECRET_NAME, SecretString=json.dumps(rotated))
    reset_signing_keys()

    counts = mfa_service.reseal_under_current_key()

    assert counts == {"totp_resealed": 2, "totp_unopenable": 0}
    with unit_of_work() as uow:
        kids = set(uow.session.scalars(select(UserTotp.key_id).where(UserTotp.user_id.in_([admin.id, other.id]))))
    assert kids == {"k-new"}
    retired = {"current": "k-new", "keys": {"k-new": "n" * 48}}
    clients.secrets_manager().put_secret_value(SecretId=JWT_SIGNING_KEYS_SECRET_NAME, SecretString=json.dumps(retired))
    reset_signing_keys()
    assert identity.login_response(admin).status_code == 200
    assert identity.login_response(other).status_code == 200
    assert mfa_service.reseal_under_current_key() == {"totp_resealed": 0, "totp_unopenable": 0}
