"""Operating identity: the superadmin command, the demo accounts, the housekeeping schedule."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select, text

from chalicelib.db.models import AuditLog, AuthSession, RateLimitBucket, RefreshToken, User
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.services import identity_housekeeping
from tests.factories import JSON_HEADERS, Identity, body_of

PROJECT_DIR = Path(__file__).resolve().parents[2]
PASSWORD = "Granite-Harbour-Lantern-93"


def run_cli(database_url: str, *args: str, password: str | None = PASSWORD) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "BCRYPT_ROUNDS": "4"}
    env.pop("SUPERADMIN_PASSWORD", None)
    if password is not None:
        env["SUPERADMIN_PASSWORD"] = password
    return subprocess.run(
        [sys.executable, "-m", "chalicelib.cli.create_superadmin", *args],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60, check=False,
    )  # fmt: skip


def test_the_superadmin_command_creates_an_account_that_can_log_in(identity: Identity, database_url: str) -> None:
    result = run_cli(database_url, "--email", "root@example.com", "--name", "Root Person")
    assert result.returncode == 0, result.stderr
    assert "created Super Admin root@example.com" in result.stdout
    assert PASSWORD not in result.stdout + result.stderr
    with unit_of_work() as uow:
        user = uow.session.scalar(select(User).where(User.email == "root@example.com"))
        audit = uow.session.scalar(select(AuditLog.actor_email).where(AuditLog.action == "user.created"))
    assert user is not None and user.country_code is None and audit == "cli:create_superadmin"
    login = identity.client.http.post(
        "/auth/login", headers=JSON_HEADERS, body=json.dumps({"email": "root@example.com", "password": PASSWORD})
    )
    assert login.status_code == 200
    me = body_of(identity.client.http.get("/me", headers={"Authorization": f"Bearer {body_of(login)['access_token']}"}))
    assert me["user"]["role_name"] == "Super Admin" and me["mfa_enrollment_required"] is True


def test_the_superadmin_command_refuses_duplicates_weak_passwords_and_a_missing_password(database_url: str) -> None:
    assert run_cli(database_url, "--email", "root@example.com").returncode == 0
    duplicate = run_cli(database_url, "--email", "ROOT@example.com")
    assert duplicate.returncode == 1 and "already exists" in duplicate.stderr
    weak = run_cli(database_url, "--email", "other@example.com", password="password123456")
    assert weak.returncode == 1 and "commonly used password" in weak.stderr
    assert "password123456" not in weak.stderr
    missing = run_cli(database_url, "--email", "third@example.com", password=None)
    assert missing.returncode != 0 and "SUPERADMIN_PASSWORD" in missing.stderr


def test_the_demo_seed_creates_one_account_per_preset_role_once(identity: Identity) -> None:
    from chalicelib.domain.permissions import PRESET_ROLES
    from local.demo_seed import DEMO_PASSWORD, DEMO_STAFF, seed

    first, second = seed(), seed()
    assert first["staff_created"] == len(DEMO_STAFF) and second["staff_created"] == 0
    assert {role for _, _, role, _ in DEMO_STAFF} == {role.name for role in PRESET_ROLES}
    login = identity.client.http.post(
        "/auth/login", headers=JSON_HEADERS,
        body=json.dumps({"email": "reservations.vn@demo.ptx-cm.local", "password": DEMO_PASSWORD}),
    )  # fmt: skip
    assert login.status_code == 200


def test_housekeeping_purges_what_can_no_longer_be_used(identity: Identity) -> None:
    live = identity.login(identity.user())
    ended = identity.login(identity.user())
    identity.client.http.post("/auth/logout", headers=ended.headers, body=b"")
    with unit_of_work() as uow:
        uow.session.execute(
            text("UPDATE auth_sessions SET revoked_at = now() - interval '2 days' WHERE revoked_at IS NOT NULL")
        )
        uow.session.execute(
            text(
                "INSERT INTO rate_limit_buckets (bucket, hits, updated_at) VALUES ('old', '{}', now() - interval '3 hours')"
            )
        )
    counts = identity_housekeeping.purge_expired()
    assert counts["sessions"] == 1 and counts["rate_limit_buckets"] == 1
    with unit_of_work() as uow:
        assert uow.session.scalar(select(func.count(AuthSession.id))) == 1
        assert uow.session.scalar(select(func.count(RefreshToken.id))) == 1
        assert uow.session.scalar(select(RateLimitBucket.bucket).where(RateLimitBucket.bucket == "old")) is None
    assert identity.client.http.get("/me", headers=live.headers).status_code == 200
