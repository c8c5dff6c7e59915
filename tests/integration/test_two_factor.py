"""TOTP: optional for everyone, required for administrators; replay protection; recovery codes."""

from __future__ import annotations

import json

from sqlalchemy import select

from chalicelib.aws.signing_keys import signing_keyring
from chalicelib.db.models import UserTotp
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain import sealing
from tests.factories import JSON_HEADERS, Identity, body_of


def post(identity: Identity, path: str, body: object, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return identity.client.http.post(path, headers={**JSON_HEADERS, **(headers or {})}, body=json.dumps(body))


def test_an_administrator_has_no_permissions_until_enrolled(identity: Identity) -> None:
    admin = identity.user("Admin", None, enroll_totp=False)
    session = identity.login(admin)
    me = body_of(identity.client.http.get("/me", headers=session.headers))
    assert me["mfa_required"] is True and me["mfa_enrollment_required"] is True
    assert me["permissions"] == []
    refused = identity.client.http.get("/users", headers=session.headers)
    assert refused.status_code == 403
    assert body_of(refused)["error"]["code"] == "mfa_enrollment_required"

    setup = post(identity, "/auth/2fa/setup", {"password": admin.password}, session.headers)
    assert setup.status_code == 200, setup.body
    secret = body_of(setup)["secret"]
    assert body_of(setup)["otpauth_uri"].startswith("otpauth://totp/PTX%20Channel%20Manager:")
    admin.totp_secret = secret
    enabled = post(identity, "/auth/2fa/enable", {"code": admin.otp()}, session.headers)
    assert enabled.status_code == 200, enabled.body
    assert len(body_of(enabled)["recovery_codes"]) == 10
    # The same session now carries the role's permissions.
    assert identity.client.http.get("/users", headers=session.headers).status_code == 200


def test_login_with_2fa_needs_a_valid_code(identity: Identity) -> None:
    admin = identity.user("Admin", None)
    without = post(identity, "/auth/login", {"email": admin.email, "password": admin.password})
    assert without.status_code == 401
    assert body_of(without)["error"]["code"] == "mfa_required"
    wrong = post(identity, "/auth/login", {"email": admin.email, "password": admin.password, "otp_code": "000000"})
    assert body_of(wrong)["error"]["code"] == "invalid_mfa_code"
    # A wrong password with a right code still says only "invalid credentials".
    bad_password = post(identity, "/auth/login", {"email": admin.email, "password": "nope", "otp_code": admin.otp()})
    assert body_of(bad_password)["error"]["code"] == "invalid_credentials"
    assert identity.login_response(admin).status_code == 200


def test_a_totp_code_cannot_be_replayed(identity: Identity) -> None:
    admin = identity.user("Admin", None)
    code = admin.otp()
    first = post(identity, "/auth/login", {"email": admin.email, "password": admin.password, "otp_code": code})
    assert first.status_code == 200, first.body
    replay = post(identity, "/auth/login", {"email": admin.email, "password": admin.password, "otp_code": code})
    assert replay.status_code == 401
    assert body_of(replay)["error"]["code"] == "invalid_mfa_code"


def test_a_recovery_code_works_exactly_once(identity: Identity) -> None:
    admin = identity.user("Admin", None)
    code = admin.recovery_codes[0]
    body = {"email": admin.email, "password": admin.password, "otp_code": code.upper()}
    assert post(identity, "/auth/login", body).status_code == 200
    assert body_of(post(identity, "/auth/login", body))["error"]["code"] == "invalid_mfa_code"
    session = identity.login(admin)
    assert body_of(identity.client.http.get("/me", headers=session.headers))["recovery_codes_left"] == 9


def test_the_totp_secret_is_encrypted_at_rest(identity: Identity) -> None:
    user = identity.user("Reservations Staff", "VN", enroll_totp=True)
    assert user.totp_secret
    with unit_of_work() as uow:
        row = uow.session.scalar(select(UserTotp).where(UserTotp.user_id == user.id))
    assert row is not None and row.confirmed_at is not None
    assert user.totp_secret.encode() not in row.secret_sealed
    assert row.key_id == signing_keyring().current_kid


def test_enabling_2fa_ends_the_other_sessions(identity: Identity) -> None:
    user = identity.user("Reservations Staff", "VN")
    other, current = identity.login(user), identity.login(user)
    setup = body_of(post(identity, "/auth/2fa/setup", {"password": user.password}, current.headers))
    user.totp_secret = setup["secret"]
    assert post(identity, "/auth/2fa/enable", {"code": user.otp()}, current.headers).status_code == 200
    assert identity.client.http.get("/me", headers=other.headers).status_code == 401
    assert identity.client.http.get("/me", headers=current.headers).status_code == 200


def test_setup_needs_the_password_and_a_wrong_first_code_enables_nothing(identity: Identity) -> None:
    user = identity.user()
    session = identity.login(user)
    assert post(identity, "/auth/2fa/setup", {"password": "wrong"}, session.headers).status_code == 422
    assert post(identity, "/auth/2fa/setup", {"password": user.password}, session.headers).status_code == 200
    assert post(identity, "/auth/2fa/enable", {"code": "123456"}, session.headers).status_code == 422
    assert identity.login_response(user).status_code == 200  # still no second factor


def test_staff_may_turn_2fa_off_but_administrators_may_not(identity: Identity) -> None:
    staff = identity.user("Reservations Staff", "VN", enroll_totp=True)
    session = identity.login(staff)
    off = post(identity, "/auth/2fa/disable", {"password": staff.password, "code": staff.otp()}, session.headers)
    assert off.status_code == 204, off.body
    staff.totp_secret = None
    assert identity.login_response(staff).status_code == 200

    admin = identity.user("Admin", None)
    admin_session = identity.login(admin)
    refused = post(
        identity, "/auth/2fa/disable", {"password": admin.password, "code": admin.otp()}, admin_session.headers
    )
    assert refused.status_code == 409


def test_recovery_codes_can_be_replaced(identity: Identity) -> None:
    admin = identity.user("Admin", None)
    session = identity.login(admin)
    old = admin.recovery_codes[0]
    response = post(
        identity, "/auth/2fa/recovery-codes", {"password": admin.password, "code": admin.otp()}, session.headers
    )
    assert response.status_code == 200, response.body
    assert old not in body_of(response)["recovery_codes"]
    refused = post(identity, "/auth/login", {"email": admin.email, "password": admin.password, "otp_code": old})
    assert body_of(refused)["error"]["code"] == "invalid_mfa_code"


def test_an_administrator_resets_a_lost_device(identity: Identity) -> None:
    super_admin = identity.login(identity.user("Super Admin", None))
    staff = identity.user("Reservations Staff", "VN", enroll_totp=True)
    staff_session = identity.login(staff)
    reset = identity.client.http.post(f"/users/{staff.id}/2fa/reset", headers=super_admin.headers, body=b"")
    assert reset.status_code == 204, reset.body
    assert identity.client.http.get("/me", headers=staff_session.headers).status_code == 401
    staff.totp_secret = None
    assert identity.login_response(staff).status_code == 200


def test_a_secret_sealed_under_a_retired_key_is_resealed_on_use(identity: Identity, aws: object) -> None:
    from chalicelib.aws import clients
    from chalicelib.aws.resources import JWT_SIGNING_KEYS_SECRET_NAME
    from chalicelib.aws.signing_keys import reset_signing_keys

    admin = identity.user("Admin", None)
    old = signing_keyring()
    rotated = {"current": "k-new", "keys": {old.current_kid: old.current_key.decode(), "k-new": "n" * 48}}
    clients.secrets_manager().put_secret_value(SecretId=JWT_SIGNING_KEYS_SECRET_NAME, SecretString=json.dumps(rotated))
    reset_signing_keys()
    assert identity.login_response(admin).status_code == 200  # a TOTP login opens the old seal...
    with unit_of_work() as uow:
        row = uow.session.scalar(select(UserTotp).where(UserTotp.user_id == admin.id))
    assert row is not None and row.key_id == "k-new"  # ...and re-seals under the current key
    new_key = sealing.derive_key(b"n" * 48, "totp-secret")
    assert sealing.unseal(row.secret_sealed, new_key, f"user_totp:{admin.id}".encode()).decode() == admin.totp_secret
