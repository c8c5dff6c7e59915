"""OTA accounts and the dispatcher's queries, on real PostgreSQL, moto KMS and the four simulators.

Prints (never passes or fails on a time):
1. ``POST /ota-accounts`` through the app: validation, KMS GenerateDataKey, AES-GCM, insert, audit;
2. ``POST /ota-accounts/{id}/test`` per OTA: read the envelope, KMS Decrypt inside the adapter
   call, one authenticated request to the simulator, store the outcome;
3. ``claim_due_connections`` over many due connections (batches of 200, FOR UPDATE SKIP LOCKED)
   and ``record_poll_result`` per connection.

    .venv/bin/python bench/ota_accounts.py [connections]
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

PASSWORD = "Bench-Marking-Lagoon-2026"  # noqa: S105 - a throwaway account in a throwaway database


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def figure(values: list[float]) -> str:
    return f"p50 {statistics.median(values):.1f} ms, p95 {percentile(values, 0.95):.1f} ms (n={len(values)})"


def main() -> None:
    connections = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    base = Path(tempfile.mkdtemp(prefix="ptx-bench-ota-"))
    from local.demo_ota import start_simulators
    from local.moto_server import MotoServer
    from local.postgres import EmbeddedPostgres, create_database

    postgres = EmbeddedPostgres(base / "data")
    postgres.start()
    moto = MotoServer().start()
    simulators = start_simulators(base_port=0)
    for simulator in simulators.values():
        simulator.requests_per_second = None  # measure our side, not the simulators' rate limits
    try:
        create_database(postgres.url(), "bench")
        os.environ.update(
            {
                "DATABASE_URL": postgres.url("bench"),
                "AWS_REGION": "ap-southeast-1",
                "BCRYPT_ROUNDS": "4",
                **moto.environment(),
            }
        )
        from chalice.test import Client
        from sqlalchemy import text

        from app import app
        from chalicelib.config import reset_settings
        from chalicelib.db.engine import dispose_engines
        from chalicelib.db.migrate import upgrade
        from chalicelib.db.models import User
        from chalicelib.db.unit_of_work import unit_of_work
        from chalicelib.domain import passwords
        from chalicelib.services import ota_connection_service
        from local.aws_bootstrap import bootstrap
        from local.simulators import SIMULATORS

        reset_settings()
        upgrade(postgres.url("bench"))
        bootstrap()
        with unit_of_work() as uow:
            role_id = uow.session.scalar(text("SELECT id FROM roles WHERE name = 'OTA Operator'"))
            uow.session.add(
                User(
                    email="bench@example.com",
                    full_name="Bench",
                    password_hash=passwords.hash_password(PASSWORD, rounds=4),
                    role_id=role_id,
                    country_code="VN",
                )
            )
        json_headers = {"Content-Type": "application/json"}
        with Client(app) as client:
            login = client.http.post(
                "/auth/login",
                headers=json_headers,
                body=json.dumps({"email": "bench@example.com", "password": PASSWORD}),
            )
            headers = {**json_headers, "Authorization": f"Bearer {json.loads(login.body)['access_token']}"}

            created_ms: list[float] = []
            accounts: dict[str, int] = {}
            for number in range(40):
                code = list(SIMULATORS)[number % 4]
                body = {
                    "ota": code,
                    "name": f"bench {number}",
                    "country_code": "VN",
                    "base_url": simulators[code].url,
                    "credentials": dict(SIMULATORS[code].default_credentials),
                }
                started = time.perf_counter()
                response = client.http.post("/ota-accounts", headers=headers, body=json.dumps(body))
                created_ms.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 201, response.body
                accounts.setdefault(code, json.loads(response.body)["id"])
            print(f"POST /ota-accounts (validate, KMS GenerateDataKey, seal, insert, audit): {figure(created_ms)}")

            for code, account_id in accounts.items():
                tested_ms: list[float] = []
                for _ in range(20):
                    started = time.perf_counter()
                    response = client.http.post(f"/ota-accounts/{account_id}/test", headers=headers, body=b"")
                    tested_ms.append((time.perf_counter() - started) * 1000)
                    assert json.loads(response.body)["ok"], response.body
                print(f"POST /ota-accounts/{{id}}/test, {code:12} (KMS Decrypt + one call): {figure(tested_ms)}")

        account_id = accounts["agoda"]
        with unit_of_work() as uow:
            uow.session.execute(
                text(
                    "INSERT INTO properties (code, name, country_code, timezone, currency) "
                    "SELECT 'B-' || n, 'Bench ' || n, 'VN', 'Asia/Ho_Chi_Minh', 'VND' FROM generate_series(1, :n) AS n"
                ),
                {"n": connections},
            )
            uow.session.execute(
                text(
                    "INSERT INTO ota_connections (property_id, ota_account_id, ota_hotel_id, next_poll_at) "
                    "SELECT id, :account, 'H' || id, now() - interval '1 second' FROM properties WHERE code LIKE 'B-%'"
                ),
                {"account": account_id},
            )
        claim_ms: list[float] = []
        claimed_ids: list[int] = []
        while True:
            started = time.perf_counter()
            batch = ota_connection_service.claim_due_connections(default_interval_seconds=120, limit=200)
            if not batch:
                break
            claim_ms.append((time.perf_counter() - started) * 1000)
            claimed_ids.extend(target.connection_id for target in batch)
        print(
            f"claim_due_connections, {len(claimed_ids)} due connections in batches of 200: "
            f"{figure(claim_ms)} per batch, {sum(claim_ms) / 1000:.2f} s in all"
        )
        record_ms: list[float] = []
        for connection_id in claimed_ids[:500]:
            started = time.perf_counter()
            ota_connection_service.record_poll_result(
                connection_id, polled_at=datetime.now(UTC), error=None, default_interval_seconds=120
            )
            record_ms.append((time.perf_counter() - started) * 1000)
        print(f"record_poll_result (one transaction per connection): {figure(record_ms)}")
        dispose_engines()
    finally:
        for simulator in simulators.values():
            simulator.stop()
        moto.stop()
        postgres.stop()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
