"""POST /auth/login latency with bcrypt cost 12, through the Chalice test client on real PostgreSQL.

Starts a throwaway PostgreSQL and moto server (as the tests do), migrates, creates one user with
the production cost (12), then logs in N times through the real app (rate-limit buckets are
cleared between attempts, outside the timing) and prints p50/p95. Also prints the bare bcrypt
verification time, which dominates. Never passes or fails on a time.

    .venv/bin/python bench/login_latency.py [N]
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# Quiet: the request log lines and metrics would drown the figure.
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

PASSWORD = "Bench-Marking-Lagoon-2026"  # noqa: S105 - a throwaway account in a throwaway database


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    base = Path(tempfile.mkdtemp(prefix="ptx-bench-login-"))
    from local.moto_server import MotoServer
    from local.postgres import EmbeddedPostgres, create_database

    postgres = EmbeddedPostgres(base / "data")
    postgres.start()
    moto = MotoServer().start()
    try:
        create_database(postgres.url(), "bench")
        os.environ.update({"DATABASE_URL": postgres.url("bench"), "AWS_REGION": "ap-southeast-1", **moto.environment()})
        os.environ.pop("BCRYPT_ROUNDS", None)  # the production cost, 12

        from chalice.test import Client
        from sqlalchemy import text

        from app import app
        from chalicelib.config import get_settings, reset_settings
        from chalicelib.db.engine import dispose_engines
        from chalicelib.db.migrate import upgrade
        from chalicelib.db.models import Role, User
        from chalicelib.db.unit_of_work import unit_of_work
        from chalicelib.domain import passwords
        from local.aws_bootstrap import bootstrap

        reset_settings()
        upgrade(postgres.url("bench"))
        bootstrap()
        assert get_settings().bcrypt_rounds == 12
        stored = passwords.hash_password(PASSWORD, rounds=12)
        with unit_of_work() as uow:
            role_id = uow.session.scalar(text("SELECT id FROM roles WHERE name = 'Reservations Staff'"))
            assert isinstance(uow.session.get(Role, role_id), Role)
            uow.session.add(User(email="bench@example.com", full_name="Bench", password_hash=stored, role_id=role_id,
                                 country_code="VN"))  # fmt: skip

        bcrypt_ms = []
        for _ in range(10):
            started = time.perf_counter()
            passwords.verify_password(PASSWORD, stored)
            bcrypt_ms.append((time.perf_counter() - started) * 1000)

        body = json.dumps({"email": "bench@example.com", "password": PASSWORD})
        headers = {"Content-Type": "application/json"}
        latencies = []
        with Client(app) as client:
            client.http.post("/auth/login", headers=headers, body=body)  # warm-up: engine, keyring, imports
            for _ in range(rounds):
                with unit_of_work() as uow:
                    uow.session.execute(text("DELETE FROM rate_limit_buckets"))
                started = time.perf_counter()
                response = client.http.post("/auth/login", headers=headers, body=body)
                latencies.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.body
        dispose_engines()
    finally:
        moto.stop()
        postgres.stop()
        shutil.rmtree(base, ignore_errors=True)

    print(
        f"POST /auth/login, bcrypt cost 12, {rounds} logins: p50 {percentile(latencies, 0.5):.0f} ms, "
        f"p95 {percentile(latencies, 0.95):.0f} ms, max {max(latencies):.0f} ms "
        f"(bcrypt verify alone: median {statistics.median(bcrypt_ms):.0f} ms)"
    )


if __name__ == "__main__":
    main()
